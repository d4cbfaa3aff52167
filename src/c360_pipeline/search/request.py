"""The request and response of a Cortex Search query, as the service's REST endpoint and snowflake-core take them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from c360_pipeline.search.filters import validate_filter

SEARCH_COLUMN = "chunk"
ATTRIBUTES = ("doc_type", "topic")
# What a result carries by default: the id to cite, where it comes from and the text.
DEFAULT_COLUMNS = ("chunk_id", "title", "heading", "doc_type", "topic", "chunk")
RETURNABLE_COLUMNS = ("chunk_id", "doc_slug", "title", "heading", "doc_type", "topic", "chunk", "source")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class SearchRequest:
    """A query: text, the columns to return, an optional filter on the attributes, and how many results."""

    query: str
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    filter: dict[str, Any] | None = None
    limit: int = 5

    def __post_init__(self) -> None:
        if not isinstance(self.query, str) or not self.query.strip():
            raise ValueError("a search needs query text")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {self.limit}")
        unknown = [c for c in self.columns if c.lower() not in RETURNABLE_COLUMNS]
        if unknown:
            raise ValueError(f"columns {', '.join(unknown)} are not in the service; columns: {', '.join(RETURNABLE_COLUMNS)}")
        object.__setattr__(self, "columns", tuple(c.lower() for c in self.columns))
        if self.filter is not None:
            validate_filter(self.filter, ATTRIBUTES)

    def to_json(self) -> dict[str, Any]:
        """The body of POST /api/v2/databases/{db}/schemas/{schema}/cortex-search-services/{name}:query."""
        body: dict[str, Any] = {"query": self.query, "columns": list(self.columns), "limit": self.limit}
        if self.filter is not None:
            body["filter"] = self.filter
        return body


@dataclass
class SearchResponse:
    """The results (one dict of the requested columns per hit, best first) and the request's id.

    `scores` (local only, not in Cortex Search's reply) holds each result's relevance, for the benchmark and
    the router's confidence.
    """

    results: list[dict[str, Any]]
    request_id: str = ""
    scores: list[float] = field(default_factory=list)

    @property
    def chunk_ids(self) -> list[str]:
        return [str(r.get("chunk_id")) for r in self.results]
