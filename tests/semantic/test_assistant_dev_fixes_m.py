"""Period and clock spellings read off the DEV half of the 2026-12-11 blind set, each answer against an
independent pandas computation on the small test world:

- "the week of June 9, 2025": the Monday-to-Sunday week holding that day; "the week starting / beginning D": D and
  the six days after it; "the week ending D": D and the six days before it;
- "the first day of 2025", "the last day of May", "the first week of June", "the last week of May": a period's
  first or last day, or its first or last seven days;
- "between midnight and 5am": hours 0 to 4 of the transaction timestamp.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, build_world

from c360_pipeline.semantic.assistant import ask


@pytest.fixture(scope="module")
def frames():
    return build_world()


def _spend(frames, start: date, end: date) -> float:
    return float(between(approved(frames), start, end)["TRANSACTION_AMOUNT"].sum())


def _answered(question: str, world):
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    return answer


@pytest.mark.parametrize("question, start", [
    ("Total spend the week of June 9, 2025", date(2025, 6, 9)),  # a Monday: that day and the six after it
    ("spend in the week of 2025-06-11", date(2025, 6, 9)),  # a Wednesday: the Monday-to-Sunday week holding it
    ("spend for the week starting 2025-06-11", date(2025, 6, 11)),
    ("spend the week beginning on june 4 2025", date(2025, 6, 4)),
    ("spend for the week ending June 15, 2025", date(2025, 6, 9)),
])
def test_a_week_named_by_one_of_its_days(world, frames, question, start):
    expected = _spend(frames, start, start + timedelta(days=6))
    assert expected > 0
    assert float(_answered(question, world).rows[0][-1]) == pytest.approx(expected)


def test_each_day_of_the_week_of_a_date(world, frames):
    t = between(approved(frames), date(2025, 6, 16), date(2025, 6, 22))
    expected = t.groupby("DATE_KEY").size()
    answer = _answered("Number of transactions each day in the week of 2025-06-16", world)
    assert [int(r[-1]) for r in answer.rows] == list(expected)
    assert [str(r[0]) for r in answer.rows] == [
        f"{str(k)[:4]}-{str(k)[4:6]}-{str(k)[6:]}" for k in expected.index]


@pytest.mark.parametrize("question, start, end", [
    ("What was spend on the first day of June 2025?", date(2025, 6, 1), date(2025, 6, 1)),
    ("spend on the last day of may", date(2025, 5, 31), date(2025, 5, 31)),
    ("spend in the first week of 2025", date(2025, 1, 1), date(2025, 1, 7)),
    ("spend in the last week of May", date(2025, 5, 25), date(2025, 5, 31)),
    ("spend during the first week of march this year", date(2025, 3, 1), date(2025, 3, 7)),
])
def test_the_first_or_last_day_or_week_of_a_period(world, frames, question, start, end):
    expected = _spend(frames, start, end)
    assert expected > 0
    assert float(_answered(question, world).rows[0][-1]) == pytest.approx(expected)


def _hours(frames) -> pd.Series:
    return pd.to_datetime(approved(frames)["TRANSACTION_DATE"]).dt.hour


@pytest.mark.parametrize("question, below", [
    ("How many transactions happened between midnight and 9am?", 9),
    ("number of transactions from midnight to 8am", 8),
])
def test_from_midnight_to_a_clock_time(world, frames, question, below):
    hours = _hours(frames)
    expected = int((hours < below).sum())
    assert 0 < expected < len(hours)
    assert _answered(question, world).rows[0][-1] == expected


def _categories(frames) -> pd.DataFrame:
    t = approved(frames)
    return t.merge(frames["DIM_MERCHANT_CATEGORY"][["MERCHANT_CATEGORY", "CATEGORY_GROUP"]], on="MERCHANT_CATEGORY")


@pytest.mark.parametrize("question, place, descending, month", [
    ("the second largest transaction in june", 2, True, 6),
    ("3rd biggest purchase last month", 3, True, 5),
    ("what was the second smallest transaction in may", 2, False, 5),
])
def test_a_place_in_the_ranking_of_transactions(world, frames, question, place, descending, month):
    t = between(approved(frames), date(2025, month, 1), date(2025, month, 30 if month == 6 else 31))
    ranked = t.sort_values("TRANSACTION_AMOUNT", ascending=not descending)["TRANSACTION_AMOUNT"].head(place)
    assert ranked.nunique() == place  # no tie down to the place asked for
    answer = _answered(question, world)
    assert len(answer.rows) == place  # the ranking down to that place: its last row is the one asked for
    assert [float(r[-1]) for r in answer.rows] == pytest.approx(list(ranked))


@pytest.mark.parametrize("question, descending", [("top 3 transactions in june", True),
                                                  ("bottom 4 online transactions in june", False)])
def test_top_transactions_with_nothing_named_to_rank_them_by_are_the_largest(world, frames, question, descending):
    t = between(approved(frames), date(2025, 6, 1), date(2025, 6, 30))
    if "online" in question:
        t = t[t["CHANNEL"] == "Online"]
    count = 3 if descending else 4
    expected = t.sort_values("TRANSACTION_AMOUNT", ascending=not descending).head(count)
    answer = _answered(question, world)
    assert [r[0] for r in answer.rows] == list(expected["TRANSACTION_ID"])
    assert [float(r[-1]) for r in answer.rows] == pytest.approx(list(expected["TRANSACTION_AMOUNT"]))


@pytest.mark.parametrize("question, column, function, group", [
    ("avg ltv of customers who bought travel", "LIFETIME_VALUE", "mean", "travel"),
    ("average credit limit of customers with a dining purchase", "CREDIT_LIMIT", "mean", "dining"),
    ("total lifetime value of customers who purchased travel", "LIFETIME_VALUE", "sum", "travel"),
])
def test_a_profile_figure_of_the_customers_who_bought_a_kind(world, frames, question, column, function, group):
    t = _categories(frames)
    buyers = set(t.loc[t["CATEGORY_GROUP"] == group, "CUSTOMER_ID"])
    people = frames["CUSTOMER_360_PROFILE"]
    assert 0 < len(buyers) < len(people)
    expected = getattr(people.loc[people["CUSTOMER_ID"].isin(buyers), column].astype(float), function)()
    assert float(_answered(question, world).rows[0][-1]) == pytest.approx(expected)


def _with_cards(frames) -> pd.DataFrame:
    fact = frames["FCT_TRANSACTIONS"]
    return fact.merge(frames["CUSTOMER_360_PROFILE"][["CUSTOMER_ID", "CARD_TYPE"]], on="CUSTOMER_ID")


@pytest.mark.parametrize("question, column, value", [
    ("share of declined transactions from gold cards", "CARD_TYPE", "Gold"),
    ("share of declined transactions from online", "CHANNEL", "Online"),
])
def test_a_groups_share_of_the_declined_transactions(world, frames, question, column, value):
    # "share of X from Y" is Y's part of X (as "share of spend from travel" is), not Y's decline rate
    t = _with_cards(frames)
    declined = t[t["STATUS"] == "declined"]
    expected = float((declined[column] == value).mean())
    rate = float((t.loc[t[column] == value, "STATUS"] == "declined").mean())
    assert 0 < expected < 1 and expected != pytest.approx(rate)
    assert float(_answered(question, world).rows[0][-1]) in (pytest.approx(expected), pytest.approx(100 * expected))


def test_the_share_of_declined_transactions_alone_is_the_decline_rate(world, frames):
    t = frames["FCT_TRANSACTIONS"]
    expected = float((t["STATUS"] == "declined").mean())
    assert float(_answered("share of declined transactions", world).rows[0][-1]) == pytest.approx(expected)


@pytest.mark.parametrize("question", ["what percent of spend is by new customers", "spend by new customers in 2025"])
def test_spend_by_new_customers_asks_when_they_joined(world, question):
    # was a breakdown of spend by the month each customer joined
    answer = ask(question, world, as_of=AS_OF)
    assert answer.refused and answer.rows == [], answer.interpretation
    assert answer.suggestions


def test_new_customers_in_a_year_are_still_counted(world, frames):
    people = frames["CUSTOMER_360_PROFILE"]
    opened = pd.to_datetime(people["ACCOUNT_OPEN_DATE"])
    year = int(opened.dt.year.mode()[0])
    expected = int((opened.dt.year == year).sum())
    assert _answered(f"how many new customers in {year}", world).rows[0][-1] == expected
