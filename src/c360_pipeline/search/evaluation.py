"""Retrieval quality on the golden questions: recall@k and mean reciprocal rank, per slice."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from c360_pipeline.search.request import SearchRequest
from c360_pipeline.search.service import SearchService


@dataclass(frozen=True)
class GoldenQuestion:
    question: str
    slice: str  # tuned | held_out
    relevant: tuple[str, ...]
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetrievalScore:
    """How one question was answered: the ranked ids, its recall@k and reciprocal rank."""

    question: GoldenQuestion
    ranked: tuple[str, ...]
    recall: float
    reciprocal_rank: float


def load_golden(path: Path) -> list[GoldenQuestion]:
    data = yaml.safe_load(path.read_text())
    return [
        GoldenQuestion(q["question"], q["slice"], tuple(q["relevant"]), tuple(q.get("sections", ())))
        for q in data["questions"]
    ]


def recall_at(ranked: Iterable[str], relevant: Iterable[str], k: int) -> float:
    """Share of the relevant ids among the first k ranked ones."""
    wanted = set(relevant)
    return len(wanted & set(list(ranked)[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: Iterable[str], relevant: Iterable[str]) -> float:
    """1 / the rank of the first relevant id (0 when none is ranked)."""
    wanted = set(relevant)
    for rank, chunk in enumerate(ranked, start=1):
        if chunk in wanted:
            return 1.0 / rank
    return 0.0


def score_questions(service: SearchService, questions: list[GoldenQuestion], k: int = 5,
                    depth: int = 10) -> list[RetrievalScore]:
    scored = []
    for question in questions:
        ranked = tuple(service.search(SearchRequest(question.question, ("chunk_id",), limit=depth)).chunk_ids)
        scored.append(RetrievalScore(question, ranked, recall_at(ranked, question.relevant, k),
                                     reciprocal_rank(ranked, question.relevant)))
    return scored


def summary(scored: list[RetrievalScore]) -> dict[str, float]:
    """Mean recall@k and MRR of a list of scored questions."""
    n = len(scored) or 1
    return {"questions": len(scored), "recall": sum(s.recall for s in scored) / n,
            "mrr": sum(s.reciprocal_rank for s in scored) / n}
