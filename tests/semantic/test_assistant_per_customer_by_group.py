"""A transaction figure "per customer" broken down by the customers' own attribute ("spend per customer by segment in
2025", "txns per customer by card type last quarter", "top 3 card types by spend per customer") is, per group, the
average of its customers' figures, every customer of the group counting (0 without such transactions); each answer
against an independent pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, plain, profile

from c360_pipeline.semantic.assistant import ask

YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))
LAST_QUARTER = (date(2025, 1, 1), date(2025, 3, 31))


def per_customer_average(frames, group: str, period, figure: str) -> pd.Series:
    t = between(approved(frames), *period)
    by = t.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"]
    values = by.sum() if figure == "spend" else by.count()
    p = profile(frames)
    p = p.assign(FIGURE=p["CUSTOMER_ID"].map(values).fillna(0).astype(float))
    return p.groupby(group)["FIGURE"].mean().sort_values(ascending=False)


def answered(answer) -> dict:
    assert not answer.refused, answer.interpretation
    return {row[0]: float(plain(row[-1])) for row in answer.rows}


@pytest.mark.parametrize("question, group, period, figure", [
    ("spend per customer by segment in 2025", "CUSTOMER_SEGMENT", YEAR_2025, "spend"),
    ("spend per customer by card type last quarter", "CARD_TYPE", LAST_QUARTER, "spend"),
    ("txns per customer by card type last quarter", "CARD_TYPE", LAST_QUARTER, "count"),
])
def test_a_figure_per_customer_by_a_customer_attribute_is_each_group_s_average(world, frames, question, group, period, figure):
    expected = per_customer_average(frames, group, period, figure)
    got = answered(ask(question, world, as_of=AS_OF))
    assert list(got) == list(expected.index)
    assert list(got.values()) == pytest.approx(list(expected.values))


def test_the_top_groups_by_a_figure_per_customer_are_ranked_by_that_average(world, frames):
    expected = per_customer_average(frames, "CARD_TYPE", YEAR_2025, "spend").head(2)
    got = answered(ask("top 2 card types by spend per customer in 2025", world, as_of=AS_OF))
    assert list(got) == list(expected.index)
    assert list(got.values()) == pytest.approx(list(expected.values))


def test_spend_by_customer_and_segment_stays_a_list_of_customers(world, frames):
    answer = ask("spend by customer and segment in 2025", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert "CUSTOMER_ID" in answer.columns and "CUSTOMER_SEGMENT" in answer.columns


@pytest.mark.parametrize("question", ["avg txns per platinum cust last quarter", "average transactions per platinum customer last quarter"])
def test_an_average_of_transactions_in_the_plural_per_named_customers_is_their_count(world, frames, question):
    """ "avg txns" in the plural per customer is a number of transactions per customer, not the average amount its
    words spell in the singular ("avg txn")."""
    t = between(approved(frames), *LAST_QUARTER)
    p = profile(frames)
    platinum = p[p["CARD_TYPE"] == "Platinum"]["CUSTOMER_ID"]
    counts = t.groupby("CUSTOMER_ID").size().reindex(platinum, fill_value=0)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert float(plain(answer.rows[0][-1])) == pytest.approx(counts.mean())
