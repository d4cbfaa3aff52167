"""The offline retriever: Cortex Search's requests answered by hybrid retrieval over GOLD.DOCS (or the corpus).

Two scores per chunk, combined as Cortex Search combines lexical and vector search:

* BM25 over the chunk's heading path and text, lower-cased, stop words removed and Snowball-stemmed (`bm25s`
  with PyStemmer), so "disputing a charge" finds "How to file a dispute";
* the cosine similarity of WordLlama embeddings (256 dimensions; the weights and tokenizer ship inside the
  `wordllama` wheel and are loaded from it with downloads disabled: nothing is fetched at run time), so "a
  payment bounces" finds "Returned payment fee".

score = 0.3 × BM25 / its best + 0.7 × the cosine min-max scaled over the corpus. The weight was chosen on the
golden questions' tuned slice (bench/bench_search.py --compare prints BM25 alone, embeddings alone and the
hybrid); the held-out slice was measured once, after. A filter is applied before ranking, as Cortex Search
applies it. A query with no term the documents use finds nothing (the documents do not know what it asks).
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
LEXICAL_WEIGHT = 0.3  # the hybrid's share of BM25; the rest is the embeddings' (chosen on the tuned slice)
_IDENTIFIER = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer(LANGUAGE)


@lru_cache(maxsize=1)
def embedding_model():
    """WordLlama with the weights and tokenizer its wheel ships, never downloaded."""
    from pathlib import Path

    import wordllama
    from wordllama import WordLlama

    # The wheel keeps them in wordllama/weights and wordllama/tokenizers, the layout of its cache directory.
    return WordLlama.load(dim=256, cache_dir=Path(wordllama.__file__).parent, disable_download=True)


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

    def __init__(self, rows: Iterable[Mapping[str, Any]], embeddings: bool = True,
                 lexical_weight: float = LEXICAL_WEIGHT):
        self.lexical_weight = lexical_weight
        self.rows = [{key.lower(): value for key, value in row.items()} for row in rows]
        if not self.rows:
            raise ValueError("there are no documents to search: run the load_docs step first (c360 run --only load_docs)")
        self._terms = [terms(self._indexed_text(row)) for row in self.rows]
        self.vocabulary = {term for row_terms in self._terms for term in row_terms}
        self._index = bm25s.BM25()
        self._index.index(self._terms, show_progress=False)
        self._vectors = None
        if embeddings:
            self._vectors = embedding_model().embed([self._indexed_text(row) for row in self.rows], norm=True)

    @staticmethod
    def _indexed_text(row: Mapping[str, Any]) -> str:
        # The section's own heading counts twice (a field boost): it says what the section is about.
        chunk = str(row.get("chunk") or "")
        heading = str(row.get("heading") or "")
        section = heading.rsplit(" > ", 1)[-1]
        return f"{section}\n{chunk}" if chunk.startswith(heading) else f"{section}\n{heading}\n{chunk}"

    @classmethod
    def from_corpus(cls, **options: Any) -> "LocalSearch":
        """Over the corpus the package ships (what load_docs writes to GOLD.DOCS)."""
        from c360_pipeline.documents import corpus_chunks

        return cls(**options, rows=(
            {"chunk_id": c.chunk_id, "doc_slug": c.doc_slug, "title": c.title, "heading": c.heading,
             "doc_type": c.doc_type, "topic": c.topic, "chunk": c.chunk, "source": c.source, "position": c.position}
            for c in corpus_chunks()
        ))

    @classmethod
    def from_table(cls, session, table: str) -> "LocalSearch":
        """Over the rows of GOLD.DOCS as loaded (read once)."""
        rows = [row.as_dict() for row in session.table(table).collect()]
        return cls(rows)

    def lexical_scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no term is shared)."""
        query_terms = [t for t in terms(query) if t in self.vocabulary]
        if not query_terms:
            return np.zeros(len(self.rows))
        return np.asarray(self._index.get_scores(query_terms), dtype=float)

    def semantic_scores(self, query: str) -> np.ndarray:
        """Cosine similarity of the query's embedding with every chunk's."""
        if self._vectors is None:
            return np.zeros(len(self.rows))
        return np.asarray(self._vectors @ embedding_model().embed([query], norm=True)[0], dtype=float)

    def scores(self, query: str, lexical_weight: float | None = None) -> np.ndarray:
        """The hybrid score of every chunk (BM25 alone without embeddings); all 0 when no query term is known."""
        lexical_weight = self.lexical_weight if lexical_weight is None else lexical_weight
        lexical = self.lexical_scores(query)
        if not lexical.any():
            return lexical
        lexical = lexical / lexical.max()
        if self._vectors is None:
            return lexical
        cosine = self.semantic_scores(query)
        spread = cosine.max() - cosine.min()
        semantic = (cosine - cosine.min()) / spread if spread > 0 else np.zeros_like(cosine)
        # Above 0 for every chunk, so a chunk without a shared term can still rank by meaning.
        return lexical_weight * lexical + (1 - lexical_weight) * semantic + 1e-9

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
