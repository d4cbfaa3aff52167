"""The offline retriever: Cortex Search's requests answered by BM25 over GOLD.DOCS (or the shipped corpus).

Each chunk is indexed by its heading path and text, lower-cased, stop words removed and Snowball-stemmed
(`bm25s` with PyStemmer), so "disputing a charge" finds "How to file a dispute". A filter is applied
before ranking, as Cortex Search applies it; chunks that share no term with the query are not returned.
A small embedding model was not added: BM25 alone meets the recall goal on the golden questions
(bench/bench_search.py), and no model ships its weights in a wheel this project may install.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any, Iterable, Mapping

import bm25s
import numpy as np
import Stemmer

from c360_pipeline.search.filters import matches
from c360_pipeline.search.request import SearchRequest, SearchResponse

LANGUAGE = "english"
_IDENTIFIER = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer(LANGUAGE)


def terms(text: str) -> list[str]:
    """The text's search terms: lower case, no English stop words, stemmed (the index's vocabulary).

    Table and column names are read as their words too (CHURN_PREDICTIONS → churn predictions), so a question
    in words finds the data dictionary's section on the table.
    """
    words = _IDENTIFIER.sub(lambda m: f"{m.group(0)} {m.group(0).replace('_', ' ')}", text)
    tokens = bm25s.tokenize([words], stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)
    return list(tokens[0])


class LocalSearch:
    """BM25 over a list of chunk rows (dicts with at least chunk_id, heading and chunk)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]):
        self.rows = [{key.lower(): value for key, value in row.items()} for row in rows]
        if not self.rows:
            raise ValueError("there are no documents to search: run the load_docs step first (c360 run --only load_docs)")
        self._terms = [terms(self._indexed_text(row)) for row in self.rows]
        self.vocabulary = {term for row_terms in self._terms for term in row_terms}
        self._index = bm25s.BM25()
        self._index.index(self._terms, show_progress=False)

    @staticmethod
    def _indexed_text(row: Mapping[str, Any]) -> str:
        # The section's own heading counts twice (a field boost): it says what the section is about.
        chunk = str(row.get("chunk") or "")
        heading = str(row.get("heading") or "")
        section = heading.rsplit(" > ", 1)[-1]
        return f"{section}\n{chunk}" if chunk.startswith(heading) else f"{section}\n{heading}\n{chunk}"

    @classmethod
    def from_corpus(cls) -> "LocalSearch":
        """Over the corpus the package ships (what load_docs writes to GOLD.DOCS)."""
        from c360_pipeline.documents import corpus_chunks

        return cls(
            {"chunk_id": c.chunk_id, "doc_slug": c.doc_slug, "title": c.title, "heading": c.heading,
             "doc_type": c.doc_type, "topic": c.topic, "chunk": c.chunk, "source": c.source, "position": c.position}
            for c in corpus_chunks()
        )

    @classmethod
    def from_table(cls, session, table: str) -> "LocalSearch":
        """Over the rows of GOLD.DOCS as loaded (read once)."""
        rows = [row.as_dict() for row in session.table(table).collect()]
        return cls(rows)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no term is shared)."""
        query_terms = [t for t in terms(query) if t in self.vocabulary]
        if not query_terms:
            return np.zeros(len(self.rows))
        return np.asarray(self._index.get_scores(query_terms), dtype=float)

    def search(self, request: SearchRequest) -> SearchResponse:
        """The request's best `limit` chunks among those its filter admits, best first."""
        scores = self.scores(request.query)
        admitted = [i for i, row in enumerate(self.rows) if scores[i] > 0 and matches(request.filter, row)]
        ranked = sorted(admitted, key=lambda i: (-scores[i], i))[: request.limit]
        results = [{column: self.rows[i].get(column) for column in request.columns} for i in ranked]
        return SearchResponse(results, request_id=f"local-{uuid.uuid4().hex[:12]}",
                              scores=[float(scores[i]) for i in ranked])

    def coverage(self, query: str) -> float:
        """Share of the query's terms that occur anywhere in the corpus (how much of it the documents recognise)."""
        query_terms = terms(query)
        if not query_terms:
            return 0.0
        return sum(t in self.vocabulary for t in query_terms) / len(query_terms)
