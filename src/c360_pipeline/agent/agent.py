"""`RoutingAgent.run(question) -> AgentAnswer`: the router's choice carried out, read-only, with citations.

Data clauses are answered by the assistant (`semantic.assistant.ask`: the offline engine, or Cortex Analyst on
Snowflake when asked); policy clauses by the search service (Cortex Search on Snowflake, BM25 locally). Every
sentence taken from a document carries the id of its chunk, and the answer names the tools that answered.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from c360_pipeline.agent.router import DataVocabulary, Forbidden, Route, Router
from c360_pipeline.agent.words import content_words
from c360_pipeline.search.request import SearchRequest
from c360_pipeline.search.service import SearchService
from c360_pipeline.semantic.assistant import Answer, ask
from c360_pipeline.semantic.engine import QuestionNotUnderstood, parse_question

# The engine's refusals of a request to change data or of typed SQL (semantic/grammar.py): no tool answers those.
FORBIDDEN_REASONS = ("I only read data", "I answer questions in plain English and do not run SQL")

CITED_RESULTS = 3
SENTENCES = 3

ANALYST = "cortex_analyst_text_to_sql"
SEARCH = "cortex_search"


@dataclass(frozen=True)
class Citation:
    """A chunk an answer quotes: its id (GOLD.DOCS.CHUNK_ID), where it is, and the passage used."""

    chunk_id: str
    title: str
    heading: str
    excerpt: str


@dataclass
class AgentAnswer:
    """What the agent says: the data answers, the document passages with citations, and who answered."""

    question: str
    route: Route
    data: list[Answer] = field(default_factory=list)
    passages: list[tuple[str, str]] = field(default_factory=list)  # (sentence, chunk id)
    citations: list[Citation] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    seconds: float = 0.0
    search_source: str = ""  # which search answered (Cortex Search, or the local index and what it indexed)

    @property
    def tools(self) -> list[str]:
        """The agent tools that answered, by their Cortex Agent type."""
        used = []
        if any(not a.refused for a in self.data):
            used.append(ANALYST)
        if self.citations:
            used.append(SEARCH)
        return used

    @property
    def refused(self) -> bool:
        return not self.tools

    @property
    def text(self) -> str:
        """The documents' answer with a [chunk id] after every sentence."""
        return " ".join(f"{sentence} [{chunk}]" for sentence, chunk in self.passages)

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "route": self.route.tool,
            "tools": self.tools,
            "data": [a.to_json() for a in self.data],
            "answer": self.text,
            "citations": [c.__dict__ for c in self.citations],
            "unanswered": self.unanswered,
        }


def _sentences(text: str) -> list[str]:
    """The chunk's sentences (its heading line dropped), as plain text: Markdown emphasis removed."""
    body = text.split("\n\n", 1)[-1] if "\n\n" in text else text
    body = re.sub(r"\*\*|__|`", "", body)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", body.replace("\n", " ")) if s.strip()]


def best_passages(question: str, results: list[dict], count: int = SENTENCES) -> list[tuple[str, str]]:
    """The `count` sentences of the results that share the most content words with the question, in result order."""
    wanted = set(content_words(question))
    scored = []
    for rank, result in enumerate(results):
        for position, sentence in enumerate(_sentences(str(result.get("chunk") or ""))):
            overlap = len(wanted & set(content_words(sentence)))
            if overlap:
                scored.append((-overlap, rank, position, sentence, str(result.get("chunk_id"))))
    chosen = sorted(scored)[:count]
    return [(sentence, chunk) for _, _, _, sentence, chunk in sorted(chosen, key=lambda s: (s[1], s[2]))]


def understands_with(as_of: date | None):
    """The data tool's test: the offline engine maps the whole text onto the semantic model."""
    as_of_source = as_of or date(2000, 1, 1)  # only whether it parses matters; the answer uses the data's as-of

    def understands(text: str) -> bool:
        try:
            parse_question(text, as_of_source)
            return True
        except QuestionNotUnderstood as refused:
            if refused.reason.startswith(FORBIDDEN_REASONS):
                raise Forbidden(refused.reason) from None
            return False

    return understands


def data_vocabulary() -> DataVocabulary:
    """The data tool's vocabulary: the semantic model's phrases (names, synonyms, sample values) and the engine's
    grammar words as the engine normalises them; figure words are its aggregates, groupings and superlatives."""
    from c360_pipeline.semantic import words as grammar
    from c360_pipeline.semantic.engine import catalog_for
    from c360_pipeline.semantic.query import AGGREGATION_TITLES
    from c360_pipeline.semantic.vocabulary import singular

    known: set[str] = {word for phrase in catalog_for()[1].phrases for word in phrase}
    for name in dir(grammar):
        value = getattr(grammar, name)
        if name.isupper() and isinstance(value, (set, frozenset, dict)):
            for key in value:
                known.update(key if isinstance(key, tuple) else (key,))
    figures = {*AGGREGATION_TITLES.values(), "count", "number", "many", "percentage", "percent", "share", "sum",
               *grammar.GROUP_WORDS, *grammar.SUPERLATIVES, "top", "bottom"}
    return DataVocabulary(frozenset(known), frozenset(w for f in figures for w in f.split()), singular,
                          frozenset(grammar.ENTITY_WORDS))


class RoutingAgent:
    """The agent behind the AI Assistant and `c360 ask`: route, then answer with each chosen tool."""

    def __init__(self, warehouse: Any, search: SearchService, *, use_cortex: bool = False,
                 as_of: date | None = None):
        self.warehouse = warehouse
        self.search = search
        self.use_cortex = use_cortex
        self.as_of = as_of
        self.router = Router(understands_with(as_of), search, vocabulary=data_vocabulary())

    def run(self, question: str) -> AgentAnswer:
        started = time.perf_counter()
        route = self.router.route(question)
        answer = AgentAnswer(question, route)
        for part in route.data_questions:
            answer.data.append(ask(part, self.warehouse, as_of=self.as_of, use_cortex=self.use_cortex))
        if route.search_question:
            hits = self.search.search(SearchRequest(route.search_question, limit=CITED_RESULTS)).results
            answer.passages = best_passages(route.search_question, hits)
            used = {chunk for _, chunk in answer.passages}
            answer.citations = [
                Citation(str(h["chunk_id"]), str(h.get("title") or ""), str(h.get("heading") or ""),
                         " ".join(s for s, c in answer.passages if c == h["chunk_id"]))
                for h in hits if h["chunk_id"] in used
            ]
        if route.tool == "analyst" and len(route.data_questions) and route.features.get("clauses"):
            answer.unanswered = [c for c in route.features["clauses"] if c not in route.data_questions]
        if route.tool == "none":
            # The data tool's own refusal: its reason (a word it cannot place, a request to change data) and the
            # questions it can answer that are closest.
            answer.data.append(ask(question, self.warehouse, as_of=self.as_of))
        answer.seconds = time.perf_counter() - started
        return answer
