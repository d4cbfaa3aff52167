"""Suggested questions for the AI Assistant, by category, and the closest ones to a question it cannot answer."""

from __future__ import annotations

import difflib

from c360_pipeline.semantic.model import SemanticModel, load_model
from c360_pipeline.semantic.vocabulary import tokenize

SUGGESTED_QUESTIONS: dict[str, tuple[str, ...]] = {
    "Churn": (
        "Which customers are at highest risk of churning?",
        "What is the average churn risk score by segment?",
        "How many customers are in each churn risk category?",
        "Which high-risk customers have a lifetime value over 5,000?",
        "How many inactive customers are there in each segment?",
    ),
    "Segmentation": (
        "How many customers are in each segment?",
        "What is the average lifetime value by segment?",
        "What is the average monthly spend by segment and card type?",
        "Which segment has the highest average credit utilization?",
        "What is the average tenure in months by segment?",
    ),
    "Spending": (
        "What was the total spend by merchant category last month?",
        "How has total spend changed month by month?",
        "What is the total spend by channel in the last 90 days?",
        "What are the top 5 merchant categories by spend this year?",
        "What is the average transaction amount by card type?",
        "Who are the top 10 customers by lifetime value?",
    ),
    "Geographic": (
        "Which states have the most customers?",
        "What is the average lifetime value by state?",
        "Show me Premium cardholders in California",
        "How many high-risk customers are there in each state?",
        "What was the total spend by state last month?",
    ),
    "Campaign": (
        "How many retention targets are there in each segment?",
        "List the upsell targets with a credit limit over 10,000",
        "Which Declining customers have a lifetime value over 5,000?",
        "What is the total lifetime value of high-risk customers by segment?",
        "How many Platinum cardholders are high risk?",
    ),
}


def all_suggestions() -> list[str]:
    return [question for questions in SUGGESTED_QUESTIONS.values() for question in questions]


def _words(text: str) -> set[str]:
    from c360_pipeline.semantic.engine import STOPWORDS

    return {t.norm for t in tokenize(text) if t.kind == "word" and t.norm not in STOPWORDS}


def closest_questions(question: str, count: int = 3, model: SemanticModel | None = None) -> list[str]:
    """The suggested and verified questions nearest in wording to `question` (shared words, then spelling)."""
    model = model or load_model()
    candidates = list(dict.fromkeys(all_suggestions() + [q.question for q in model.verified_queries]))
    asked = _words(question)
    lowered = question.lower()

    def score(candidate: str) -> tuple[float, float]:
        words = _words(candidate)
        overlap = len(asked & words) / len(asked | words) if asked | words else 0.0
        return overlap, difflib.SequenceMatcher(None, lowered, candidate.lower()).ratio()

    return sorted(candidates, key=score, reverse=True)[:count]
