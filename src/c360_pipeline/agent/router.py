"""The router: which tool answers a question, decided by what each tool recognises in it.

Features, not phrase lists:

* the question is cut into clauses at sentence ends and at "and"/"also" followed by a new question
  ("…, and what …", "… and how …");
* the data tool recognises a clause when the offline engine maps the whole clause onto the semantic model
  (it refuses any word it cannot place, so a clause about fees or disputes is not "understood");
* the search tool recognises a clause when at least half of its content words occur in the chunks search
  returns for it (`coverage`): the documents talk about what the clause asks. A clause shaped as a request for
  figures (an aggregate or grouping word of the engine's grammar: average, total, how many, by, top, …) must
  have its words outside the data vocabulary found there instead: "average salary by segment" is a data
  question with an unknown word ("salary", in no document), so the data tool's refusal answers, with
  suggestions, while "how is the churn risk score calculated" is a question for the documents.

A question the engine understands whole goes to the analyst. Otherwise the clauses the engine understands go
to the analyst and the rest to search when search recognises them: both tools when there are both kinds of
clause, one when there is one kind, and none (a refusal with suggestions) when neither tool recognises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Literal

from c360_pipeline.agent.words import STOP_WORDS, content_words
from c360_pipeline.search.request import SearchRequest
from c360_pipeline.search.service import SearchService

Tool = Literal["analyst", "search", "both", "none"]

# Search recognises a clause when at least this share of its content words occur in its top results.
MIN_COVERAGE = 0.5
PREFIX = 5  # a word is found when a chunk word shares its first 5 letters (defined ~ definitions)
COVERAGE_DEPTH = 3

_QUESTION_START = r"(?:what|what's|how|which|who|whom|when|why|where|is|are|does|do|did|can|could|should|may|must|would|will|list|show|give)"
_CLAUSE_BREAK = re.compile(rf"[?;]+\s*|\.\s+|,?\s+(?:and|also|plus)\s+(?={_QUESTION_START}\b)|,\s+(?={_QUESTION_START}\b)", re.I)


_ASKS = re.compile(r"\s*(?:what|what's|how|which|who|when|why|where|is|are|does|do|did|can|could|should|may|must|would|will)\b", re.I)


def clauses(question: str) -> list[str]:
    """The question's clauses: cut at ?, ; and sentence ends, and before "and/also <new question>"."""
    parts = [p.strip(" ,.") for p in _CLAUSE_BREAK.split(question)]
    return [p for p in parts if p]


@dataclass(frozen=True)
class Route:
    """Which tool answers, the clauses each receives, and the features that decided it."""

    tool: Tool
    data_questions: tuple[str, ...] = ()
    search_question: str | None = None
    features: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DataVocabulary:
    """The data tool's words: the semantic model's and the grammar's (`words`), and those that ask for figures."""

    words: frozenset[str]
    figure_words: frozenset[str]
    normalise: Callable[[str], str] = lambda word: word
    entity_words: frozenset[str] = frozenset()

    def knows(self, word: str) -> bool:
        return word in self.words or self.normalise(word) in self.words

    def asks_for_figures(self, text: str) -> bool:
        return any(w in self.figure_words for w in re.findall(r"[a-z]+", text.lower()))

    def subject(self, text: str) -> str:
        """What a data clause is about, without its figure and entity words: "How many customers are in the
        Declining segment" → "Declining segment" (the subject a following "…and what do we offer them" means)."""
        kept = [w for w in re.findall(r"[A-Za-z0-9&'-]+", text)
                if w.lower() not in STOP_WORDS and w.lower() not in self.figure_words
                and self.normalise(w.lower()) not in self.entity_words]
        return " ".join(kept)


class Forbidden(Exception):
    """The question asks to change data or to run typed SQL: no tool answers it (the reason says why)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Router:
    """`route(question)`: `understands(text)` is the data tool's test (it raises Forbidden for a request to change
    data); `search` the documents' service."""

    def __init__(self, understands: Callable[[str], bool], search: SearchService,
                 min_coverage: float = MIN_COVERAGE, vocabulary: "DataVocabulary | None" = None):
        self.understands = understands
        self.search = search
        self.min_coverage = min_coverage
        self.vocabulary = vocabulary or DataVocabulary(frozenset(), frozenset())

    def coverage(self, text: str) -> float:
        """Share of the text's content words found in what search returns for it; of its words outside the data
        vocabulary when the text asks for figures."""
        words = content_words(text)
        if not words:
            return 0.0
        raw = content_words(text, stemmed=False)
        if self.vocabulary.asks_for_figures(text):
            words = [w for w, r in zip(words, raw) if not self.vocabulary.knows(r)] or words
        try:
            hits = self.search.search(SearchRequest(text, ("heading", "chunk"), limit=COVERAGE_DEPTH)).results
        except ValueError:
            return 0.0
        found = set(content_words(" ".join(f"{h.get('heading', '')} {h.get('chunk', '')}" for h in hits)))
        prefixes = {w[:PREFIX] for w in found if len(w) >= PREFIX}
        return sum(w in found or (len(w) >= PREFIX and w[:PREFIX] in prefixes) for w in words) / len(words)

    def route(self, question: str) -> Route:
        try:
            return self._route(question, self.understands)
        except Forbidden as forbidden:
            # A command to change data is refused; a question about such a change ("how do upgrades work?",
            # "what happens when an account is closed?") is a question for the documents, which only read.
            if not _ASKS.match(question):
                return Route("none", (), None, {"forbidden": forbidden.reason})
            return self._route(question, lambda text: False)

    def _route(self, question: str, understands: Callable[[str], bool]) -> Route:
        if understands(question):
            return Route("analyst", (question,), None, {"whole_understood": True})
        parts = clauses(question)
        data = [p for p in parts if understands(p)]
        rest = [p for p in parts if p not in data]
        search_text = " ".join(rest)
        coverage = self.coverage(search_text) if rest else 0.0
        features = {"whole_understood": False, "clauses": parts, "data_clauses": data, "search_coverage": round(coverage, 3)}
        recognised = bool(rest) and coverage >= self.min_coverage
        if data and recognised:
            # The search part often leaves its subject in the data part ("…High Risk, and what offer should they
            # get"): search with the data clauses' subjects and the search part.
            subjects = " ".join(self.vocabulary.subject(p) for p in data)
            return Route("both", tuple(data), f"{subjects} {search_text}".strip(), features)
        if data:
            return Route("analyst", tuple(data), None, features)
        if recognised:
            return Route("search", (), question, features)
        return Route("none", (), None, features)
