"""Customers by how many different channels, merchant categories or merchants their approved transactions have
("how many customers used more than 2 channels", "customers who shopped in 3 or more categories in 2025", "avg ltv of
customers who bought from at least 5 different merchants"); customers without a transaction count 0; a customer's own
attribute ("more than one card") is refused, never answered as a breakdown. Customers picked by their own figure in a
period are listed with it ("customers who spent under 3000 in q1", those without a transaction included) or described by
a profile figure; "which year had the most signups" is of the signup date. Each answer against an independent
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


# --- customers picked by their own figure in a period: listed, described, and the customer date's calendar -----------
def their_figure(frames, period, spend: bool) -> pd.Series:
    t = between(approved(frames), *period)
    per = t.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum().astype(float) if spend else t.groupby("CUSTOMER_ID").size()
    return profile(frames)["CUSTOMER_ID"].map(per).fillna(0)


def test_customers_listed_by_their_spend_under_a_number_include_those_without_any(world, frames):
    p = profile(frames)
    spend = their_figure(frames, (date(2025, 1, 1), date(2025, 3, 31)), spend=True)
    answer = ask("customers who spent under 3000 in q1", world, as_of=AS_OF)
    assert ids_of(answer) == set(p[spend < 3000]["CUSTOMER_ID"])
    shown = [float(plain(row[-1])) for row in answer.rows]
    assert shown == sorted(shown), "listed lowest first, with their figure"


def test_customers_listed_by_their_transaction_count_show_it(world, frames):
    p = profile(frames)
    count = their_figure(frames, (date(2025, 1, 1), date(2025, 12, 31)), spend=False)
    answer = ask("customers with more than 30 transactions in 2025", world, as_of=AS_OF)
    assert ids_of(answer) == set(p[count > 30]["CUSTOMER_ID"])
    by_id = dict(zip(p["CUSTOMER_ID"], count))
    assert all(plain(row[-1]) == plain(by_id[row[0]]) for row in answer.rows)


def test_a_profile_figure_of_customers_picked_by_their_period_spend(world, frames):
    p = profile(frames)
    spend = their_figure(frames, (date(2025, 4, 2), AS_OF), spend=True)
    answer = ask("avg churn prob of customers who spent more than 3000 in the last 90 days", world, as_of=AS_OF)
    assert figure(answer) == plain(p[spend > 3000]["CHURN_PROBABILITY"].mean())


@pytest.mark.parametrize("question, grain", [("which year had the most signups", "year"),
                                             ("which quarter had the fewest signups", "quarter")])
def test_which_period_had_the_most_signups_is_of_the_signup_date(world, frames, question, grain):
    opened = pd.to_datetime(profile(frames)["ACCOUNT_OPEN_DATE"])
    keys = opened.dt.year.astype(str) if grain == "year" else opened.dt.year.astype(str) + "-Q" + opened.dt.quarter.astype(str)
    counts = keys.value_counts()
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert answer.columns[-1] == "CUSTOMER_COUNT", answer.columns
    best = counts.max() if "most" in question else counts.min()
    assert str(answer.rows[0][0]) in set(counts[counts == best].index)
    assert plain(answer.rows[0][-1]) == plain(int(best))
