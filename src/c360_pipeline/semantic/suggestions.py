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


def answerable_suggestions(question: str, count: int = 3, model: SemanticModel | None = None) -> list[str]:
    """Two or three questions the engine can answer, built from the model words recognised in `question`.

    Each candidate is checked by parsing it; when the question names too little of the model, the closest
    suggested questions fill the list.
    """
    from c360_pipeline.semantic.grammar import parse_question
    from c360_pipeline.semantic.normalise import normalise
    from c360_pipeline.semantic.query import QuestionNotUnderstood, catalog_for
    from c360_pipeline.semantic.tagging import tag

    catalog, lexicon = catalog_for(model)
    senses = [sense for item in tag(tokenize(normalise(question)), lexicon) if item.kind == "sense" for sense in item.senses]
    spelled = lambda name: name.replace("_", " ")  # noqa: E731
    metrics = [spelled(s.name) for s in senses if s.kind == "metric"]
    facts = [spelled(s.name) for s in senses if s.kind == "fact" and s.table == "customer_360_profile"]
    dimensions = [spelled(s.name) for s in senses if s.kind == "dimension" and s.table == "customer_360_profile"
                  and s.name not in ("customer_id", "full_name", "first_name", "last_name", "email")]
    values = [s.value for s in senses if s.kind == "value" and s.table == "customer_360_profile"]
    filters = [spelled(s.name) for s in senses if s.kind == "filter" and s.table == "customer_360_profile"]
    by = dimensions or ["segment"]
    candidates: list[str] = []
    for metric in metrics:
        candidates += [f"{metric} by {by[0]}"] + [f"{metric} for {value} customers" for value in values[:1]]
    for fact in facts:
        candidates += [f"average {fact} by {by[0]}"] + [f"highest {fact} among {value} customers" for value in values[:1]]
    states = {s.value for s in senses if s.kind == "value" and s.name == "state"}
    for value in values:
        if value in states:
            candidates += [f"how many customers are in {value}", f"average lifetime value of customers in {value}"]
            continue
        candidates += [f"how many {value} customers are there", f"what percentage of customers are {value}",
                       f"average lifetime value of {value} customers"]
    for named in filters:
        candidates += [f"how many {named} are there by {by[0]}", f"list {named}"]
    for dimension in dimensions:
        candidates += [f"how many customers by {dimension}", f"average lifetime value by {dimension}"]
    answerable: list[str] = []
    for candidate in dict.fromkeys(candidates):
        if len(answerable) == count:
            break
        try:
            parse_question(candidate, None, model)
        except QuestionNotUnderstood:
            continue
        answerable.append(candidate[:1].upper() + candidate[1:])
    for closest in closest_questions(question, count, model):
        if len(answerable) >= count:
            break
        if closest not in answerable:
            answerable.append(closest)
    return answerable
