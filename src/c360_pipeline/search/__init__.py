"""Search over GOLD.DOCS with Cortex Search's request and response shape, on both engines.

- `request`: `SearchRequest` (query, columns, filter, limit) and `SearchResponse` (results, request_id),
  the body and reply of Cortex Search's query endpoint;
- `filters`: the filter language (`@eq`, `@contains`, `@gte`, `@lte`, `@and`, `@or`, `@not`), validated and
  evaluated on a row;
- `local`: the offline retriever (BM25 over stemmed terms, `bm25s`) answering the same requests;
- `service`: the Snowflake side — the CREATE CORTEX SEARCH SERVICE statement `c360 deploy` runs and the
  client that queries it through snowflake-core's CortexSearchService resource;
- `search_service(session, cfg)`: the one for the engine.
"""

from c360_pipeline.search.request import DEFAULT_COLUMNS, SearchRequest, SearchResponse
from c360_pipeline.search.service import SearchService, search_service

__all__ = ["DEFAULT_COLUMNS", "SearchRequest", "SearchResponse", "SearchService", "search_service"]
