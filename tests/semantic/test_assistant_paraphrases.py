"""Execution accuracy of the assistant on paraphrased questions: same result rows as an independent pandas answer.

Each intent has one expected result computed in pandas from the test world, and several wordings of it
(synonyms, abbreviations, word order, different phrasing). A paraphrase counts as correct when the
assistant returns the same rows (order-free; column order aligned by name). The bar is 90%.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from assistant_world import (  # noqa: E402  (the shared test world)
    AS_OF,
    approved,
    between,
    build_world,
    expected_for,
    grouped,
    listed,
    plain,
    profile,
    write_world,
)

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic.assistant import ask

REQUIRED_ACCURACY = 0.90


def _expected(frames) -> dict[str, pd.DataFrame]:
    """One pandas answer per intent."""
    p = profile(frames)
    t = approved(frames)
    may = between(t, date(2025, 5, 1), date(2025, 5, 31))
    recent = between(t, AS_OF - timedelta(days=89), AS_OF)
    risky = p[p["CHURN_RISK_CATEGORY"] == "High Risk"]
    groceries = recent[recent["MERCHANT_CATEGORY"] == "Grocery Stores"]
    fact = frames["FCT_TRANSACTIONS"]
    channels = fact.groupby("CHANNEL")["STATUS"]
    return {
        "ltv_by_segment": expected_for("What is the average lifetime value by segment?", frames),
        "customers_by_segment": expected_for("How many customers are in each segment?", frames),
        "high_risk_list": listed(risky, ["CUSTOMER_ID", "FULL_NAME", "CHURN_RISK_CATEGORY"]),
        "spend_by_channel_last_month": grouped(may, ["CHANNEL"], "TOTAL_SPEND", may.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum()),
        "spend_by_month": expected_for("How has total spend changed month by month?", frames),
        "top_categories_2025": expected_for("What are the top 5 merchant categories by spend this year?", frames),
        "platinum_high_risk": expected_for("How many Platinum cardholders are high risk?", frames),
        "ticket_by_card": expected_for("What is the average transaction amount by card type?", frames),
        "customers_by_state": expected_for("Which states have the most customers?", frames),
        "premium_in_california": expected_for("Show me Premium cardholders in California", frames),
        "declining_over_5000": expected_for("Which Declining customers have a lifetime value over 5,000?", frames),
        "churn_score_by_segment": expected_for("What is the average churn risk score by segment?", frames),
        "retention_targets_by_segment": expected_for("How many retention targets are there in each segment?", frames),
        "grocery_spend_90_days": pd.DataFrame({"TOTAL_SPEND": [groceries["TRANSACTION_AMOUNT"].sum()]}),
        "customers_over_60": pd.DataFrame({"CUSTOMER_COUNT": [int((p["AGE"] > 60).sum())]}),
        "decline_rate_by_channel": grouped(fact, ["CHANNEL"], "DECLINE_RATE", channels.apply(lambda s: (s == "declined").mean())),
        "monthly_spend_by_segment_card": expected_for("What is the average monthly spend by segment and card type?", frames),
        "top_10_ltv": expected_for("Who are the top 10 customers by lifetime value?", frames),
        "spend_by_state_last_month": expected_for("What was the total spend by state last month?", frames),
        "ltv_by_state": expected_for("What is the average lifetime value by state?", frames),
    }


PARAPHRASES: dict[str, tuple[str, ...]] = {
    "ltv_by_segment": (
        "average lifetime value by segment",
        "What's the avg LTV per customer segment?",
        "mean CLV for each segment",
        "show me average customer lifetime value broken down by segment",
        "by segment, what is the average LTV?",
        "segment-wise average lifetime value",
    ),
    "customers_by_segment": (
        "how many customers in each segment",
        "number of customers by segment",
        "customer count per segment",
        "count of customers by behavioural segment",
        "segment breakdown of customers",
        "What is the distribution of customers across segments?",
    ),
    "high_risk_list": (
        "list high risk customers",
        "show me customers in the High Risk category",
        "high-risk customers",
        "which customers have high churn risk",
        "customers whose risk level is high risk",
    ),
    "spend_by_channel_last_month": (
        "total spend by channel last month",
        "How much did customers spend per channel in the previous month?",
        "last month's spending broken down by channel",
        "revenue per sales channel for last month",
        "channel breakdown of total spend last month",
    ),
    "spend_by_month": (
        "monthly spend",
        "total spending per month",
        "spend trend over time",
        "show me sales by month",
        "how much was spent each month",
    ),
    "top_categories_2025": (
        "top 5 merchant categories by spend this year",
        "which 5 categories had the most spending in 2025",
        "top five spending categories ytd",
        "5 highest merchant categories by total spend year to date",
    ),
    "platinum_high_risk": (
        "number of high-risk customers with a platinum card",
        "count platinum customers at high risk",
        "how many customers holding platinum cards have high churn risk",
        "How many Platinum card holders are in the high risk category?",
    ),
    "ticket_by_card": (
        "average transaction amount by card type",
        "avg ticket size per card tier",
        "what's the mean purchase amount for each card type",
        "average transaction value by card",
    ),
    "customers_by_state": (
        "customer count by state",
        "number of customers per state, highest first",
        "how many customers do we have in each state",
        "rank states by number of customers",
    ),
    "premium_in_california": (
        "premium customers in CA",
        "list customers with a Premium card in California",
        "California premium card holders",
        "who holds a premium card in california",
    ),
    "declining_over_5000": (
        "declining segment customers with LTV above 5k",
        "customers in the Declining segment whose lifetime value exceeds $5,000",
        "list declining customers with more than 5000 in lifetime value",
        "Declining customers with a lifetime value greater than 5,000",
    ),
    "churn_score_by_segment": (
        "average churn risk score by segment",
        "mean churn score per segment",
        "what is the avg risk score for each customer segment",
        "segment average churn risk",
    ),
    "retention_targets_by_segment": (
        "number of retention targets per segment",
        "retention target count by segment",
        "how many retention targets does each segment have",
    ),
    "grocery_spend_90_days": (
        "total spend on groceries in the last 90 days",
        "how much was spent at grocery stores over the past 90 days",
        "grocery spending last 90 days",
        "total grocery store spend in the past 90 days",
    ),
    "customers_over_60": (
        "how many customers are older than 60",
        "number of customers over 60 years old",
        "count of customers aged 61+",
        "how many customers have an age above 60",
    ),
    "decline_rate_by_channel": (
        "decline rate by channel",
        "rejection rate for each channel",
        "declined rate by sales channel",
        "what is the decline ratio per channel",
    ),
    "monthly_spend_by_segment_card": (
        "avg monthly spend per segment and card tier",
        "mean monthly spending by card type and segment",
        "average monthly spend broken down by segment and card type",
    ),
    "top_10_ltv": (
        "10 customers with the highest LTV",
        "top ten customers by customer lifetime value",
        "show the 10 highest-LTV customers",
        "which 10 customers have the largest lifetime value",
    ),
    "spend_by_state_last_month": (
        "last month spend per state",
        "total spending in each state during last month",
        "how much did each state spend last month",
    ),
    "ltv_by_state": (
        "average LTV by state",
        "avg customer value per state",
        "mean lifetime value in each state",
    ),
}


def same_rows(answer, expected: pd.DataFrame) -> bool:
    """Order-free equality of result rows, columns matched by name."""
    if answer.refused or sorted(answer.columns) != sorted(expected.columns):
        return False
    got = answer.dataframe[list(expected.columns)]
    key = lambda row: repr(row)  # noqa: E731
    return sorted((tuple(plain(v) for v in r) for r in got.itertuples(index=False, name=None)), key=key) == \
        sorted((tuple(plain(v) for v in r) for r in expected.itertuples(index=False, name=None)), key=key)


def accuracy(warehouse, expected: dict[str, pd.DataFrame]) -> tuple[float, list[str]]:
    """Share of paraphrases answered with the expected rows, and the misses (identical SQL runs once)."""
    answered: dict[str, object] = {}
    misses: list[str] = []
    total = 0
    for intent, questions in PARAPHRASES.items():
        for question in questions:
            total += 1
            answer = ask(question, warehouse)
            if answer.sql is not None and answer.sql in answered:
                answer = answered[answer.sql] or answer
            elif answer.sql is not None:
                answered[answer.sql] = answer
            if not same_rows(answer, expected[intent]):
                misses.append(f"{intent}: {question!r} -> {answer.interpretation}")
    return (total - len(misses)) / total, misses


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    frames = build_world()
    session = local_session()
    warehouse = Warehouse.of(session, PipelineConfig.build(home=tmp_path_factory.mktemp("paraphrases")))
    write_world(warehouse, frames)
    yield warehouse, frames
    session.close()


def test_there_are_sixty_plus_paraphrases():
    assert sum(len(q) for q in PARAPHRASES.values()) >= 60
    assert len({q for qs in PARAPHRASES.values() for q in qs}) == sum(len(q) for q in PARAPHRASES.values())


def test_paraphrase_execution_accuracy_is_at_least_ninety_percent(world, capsys):
    warehouse, frames = world
    expected = _expected(frames)
    assert all(len(frame) > 0 for frame in expected.values())
    score, misses = accuracy(warehouse, expected)
    with capsys.disabled():
        total = sum(len(q) for q in PARAPHRASES.values())
        print(f"\nparaphrase execution accuracy: {score:.1%} of {total}" + "".join(f"\n  miss: {m}" for m in misses))
    assert score >= REQUIRED_ACCURACY, misses
