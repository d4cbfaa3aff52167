"""Customers by how many different channels, merchant categories or merchants their approved transactions have
("how many customers used more than 2 channels", "customers who shopped in 3 or more categories in 2025", "avg ltv of
customers who bought from at least 5 different merchants"); customers without a transaction count 0; a customer's own
attribute ("more than one card") is refused, never answered as a breakdown. Each answer against an independent
pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, figure, ids_of, plain, profile

from c360_pipeline.semantic.assistant import ask


def kinds(frames, column: str, period: tuple[date, date] | None = None) -> pd.Series:
    """Each customer's count of distinct values of `column` over their approved transactions, 0 without any."""
    t = approved(frames)
    if period is not None:
        t = between(t, *period)
    counts = t.groupby("CUSTOMER_ID")[column].nunique()
    return profile(frames)["CUSTOMER_ID"].map(counts).fillna(0).astype(int)


@pytest.mark.parametrize("question, column, keep", [
    ("how many customers used more than 2 channels", "CHANNEL", lambda n: n > 2),
    ("how many customers used exactly 1 channel", "CHANNEL", lambda n: n == 1),
    ("number of customers shopping at fewer than 5 merchant categories", "MERCHANT_CATEGORY", lambda n: n < 5),
    ("how many custs with transactions in 6 or more categories", "MERCHANT_CATEGORY", lambda n: n >= 6),
])
def test_a_count_of_customers_by_their_count_of_distinct_kinds(world, frames, question, column, keep):
    counts = kinds(frames, column)
    answer = ask(question, world, as_of=AS_OF)
    assert figure(answer) == plain(int(keep(counts).sum()))


def test_customers_listed_by_distinct_categories_in_a_period(world, frames):
    p = profile(frames)
    counts = kinds(frames, "MERCHANT_CATEGORY", (date(2025, 1, 1), date(2025, 12, 31)))
    answer = ask("customers who shopped in at least 5 categories in 2025", world, as_of=AS_OF)
    assert ids_of(answer) == set(p[counts >= 5]["CUSTOMER_ID"])


def test_a_profile_figure_of_customers_by_distinct_merchants(world, frames):
    p = profile(frames)
    counts = kinds(frames, "MERCHANT_NAME")
    answer = ask("avg ltv of customers who bought from at least 5 different merchants", world, as_of=AS_OF)
    assert figure(answer) == plain(p[counts >= 5]["LIFETIME_VALUE"].mean())


@pytest.mark.parametrize("question", ["how many customers have more than one card",
                                      "customers in more than 1 state"])
def test_a_count_of_a_customer_s_own_attribute_is_refused(world, question):
    answer = ask(question, world, as_of=AS_OF)
    assert answer.refused, answer.interpretation
    assert "one" in answer.interpretation


def test_distinct_kinds_with_a_transaction_figure_is_refused(world):
    answer = ask("spend of customers who used more than 2 channels", world, as_of=AS_OF)
    assert answer.refused, answer.interpretation
