"""The search service on each engine, behind one interface: `search(SearchRequest) -> SearchResponse`.

On Snowflake it is the Cortex Search service C360.GOLD.DOCS_SEARCH, created by `c360 deploy` with
`create_service_statement` and queried through snowflake-core (`Root(session).databases[…].schemas[…]
.cortex_search_services[…].search(query, columns, filter, limit)`). Locally it is `LocalSearch` over GOLD.DOCS.
"""

from __future__ import annotations

from typing import Any, Protocol

from c360_pipeline.config import PipelineConfig
from c360_pipeline.documents.contract import DOCS_TABLE
from c360_pipeline.search.request import ATTRIBUTES, SEARCH_COLUMN, SearchRequest, SearchResponse

SERVICE_NAME = "DOCS_SEARCH"
TARGET_LAG = "1 day"  # the documents change with a deploy and the nightly load_docs, not by the minute
EMBEDDING_MODEL = "snowflake-arctic-embed-m-v1.5"


class SearchService(Protocol):
    def search(self, request: SearchRequest) -> SearchResponse: ...


def service_name(cfg: PipelineConfig) -> str:
    return f"{cfg.schema('GOLD')}.{SERVICE_NAME}"


def create_service_statement(cfg: PipelineConfig) -> str:
    """CREATE OR REPLACE CORTEX SEARCH SERVICE over GOLD.DOCS: search on CHUNK, filter on DOC_TYPE and TOPIC."""
    return (
        f"CREATE OR REPLACE CORTEX SEARCH SERVICE {service_name(cfg)}\n"
        f"  ON {SEARCH_COLUMN}\n"
        f"  ATTRIBUTES {', '.join(ATTRIBUTES)}\n"
        f"  WAREHOUSE = {cfg.warehouse}\n"
        f"  TARGET_LAG = '{TARGET_LAG}'\n"
        f"  EMBEDDING_MODEL = '{EMBEDDING_MODEL}'\n"
        f"  COMMENT = 'c360 policies, playbooks, definitions and data dictionary (GOLD.DOCS), one row per chunk'\n"
        f"AS (\n"
        f"  SELECT CHUNK_ID, DOC_SLUG, TITLE, HEADING, DOC_TYPE, TOPIC, CHUNK, SOURCE\n"
        f"  FROM {cfg.table('GOLD', DOCS_TABLE)}\n"
        f")"
    )


class CortexSearch:
    """The deployed Cortex Search service, queried through snowflake-core's CortexSearchService resource."""

    def __init__(self, session: Any, cfg: PipelineConfig, resource: Any = None):
        if resource is None:
            from snowflake.core import Root

            resource = (Root(session).databases[cfg.database].schemas[cfg.gold_schema]
                        .cortex_search_services[SERVICE_NAME])
        self._resource = resource

    def search(self, request: SearchRequest) -> SearchResponse:
        reply = self._resource.search(query=request.query, columns=list(request.columns), filter=request.filter,
                                      limit=request.limit)
        results = [{key.lower(): value for key, value in dict(row).items()} for row in (reply.results or [])]
        return SearchResponse(results, request_id=str(getattr(reply, "request_id", "") or ""))


def search_service(session: Any, cfg: PipelineConfig) -> SearchService:
    """Cortex Search on Snowflake, the local BM25 retriever over GOLD.DOCS on the local engine."""
    if cfg.engine == "snowflake":
        return CortexSearch(session, cfg)
    from c360_pipeline.search.local import LocalSearch

    return LocalSearch.from_table(session, cfg.table("GOLD", DOCS_TABLE))
