"""Customers whose figure in one period is above or below their figure in another ("how many custs had more txns in
q2 than in q1", "customers who spent more in june than in may"): each answer against an independent pandas
computation on the small test world, a customer without transactions in a period counting 0 there."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, figure, plain, profile

from c360_pipeline.semantic.assistant import ask
from c360_pipeline.semantic.engine import QuestionNotUnderstood, parse_question

Q1 = (date(2025, 1, 1), date(2025, 3, 31))
Q2 = (date(2025, 4, 1), date(2025, 6, 30))
MAY = (date(2025, 5, 1), date(2025, 5, 31))
JUNE = (date(2025, 6, 1), date(2025, 6, 30))


def per_customer(frames, period, spend: bool) -> pd.Series:
    rows = between(approved(frames), *period)
    figure = rows.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum() if spend else rows.groupby("CUSTOMER_ID").size()
    return figure.reindex(profile(frames)["CUSTOMER_ID"], fill_value=0)


def compared(frames, first, second, spend=False, more=True) -> set[str]:
    difference = per_customer(frames, first, spend) - per_customer(frames, second, spend)
    kept = difference[difference > 0] if more else difference[difference < 0]
    return set(kept.index)


@pytest.mark.parametrize("question", [
    "how many custs had more txns in q2 than in q1",
    "how many customers made more purchases in q2 than in q1",
    "number of customers with more transactions in q2 than q1",
])
def test_customers_with_more_transactions_in_one_quarter_than_another(world, frames, question):
    expected = compared(frames, Q2, Q1)
    assert 0 < len(expected) < len(profile(frames))
    assert figure(ask(question, world)) == plain(len(expected))


def test_a_customer_without_transactions_in_a_period_counts_zero_there(world, frames):
    may = per_customer(frames, MAY, spend=False)
    june = per_customer(frames, JUNE, spend=False)
    assert ((june == 0) & (may > 0)).any() and ((may == 0) & (june > 0)).any()
    for question, more in (("how many customers had fewer transactions in june than in may", False),
                           ("how many customers had more txns in june than in may", True)):
        assert figure(ask(question, world)) == plain(len(compared(frames, JUNE, MAY, more=more))), question


def test_customers_who_spent_more_in_one_month_than_another(world, frames):
    expected = compared(frames, JUNE, MAY, spend=True)
    assert 0 < len(expected) < len(profile(frames))
    assert figure(ask("how many custs spent more in june than in may", world)) == plain(len(expected))
    answer = ask("customers who spent less in june than in may", world)
    assert not answer.refused, answer.interpretation
    assert {row[answer.columns.index("CUSTOMER_ID")] for row in answer.rows} == compared(frames, JUNE, MAY, spend=True,
                                                                                           more=False)


def test_a_profile_figure_of_those_customers_and_a_breakdown(world, frames):
    p = profile(frames)
    kept = p[p["CUSTOMER_ID"].isin(compared(frames, Q2, Q1))]
    assert figure(ask("avg credit limit of customers with more txns in q2 than in q1", world)) == plain(
        kept["CREDIT_LIMIT"].mean())
    answer = ask("how many customers had more transactions in q2 than in q1 by card type", world)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[1]) for row in answer.rows} == {k: plain(v) for k, v in kept.groupby("CARD_TYPE").size().items()}


@pytest.mark.parametrize("question", [
    "more txns in q2 than in q1",  # no customers named: two totals, not read here
    "customers with more declined transactions in q2 than in q1",  # not what a customer does
])
def test_two_periods_outside_the_construct_stay_refused(question):
    with pytest.raises(QuestionNotUnderstood):
        parse_question(question, AS_OF)


# --- one figure in two periods ---------------------------------------------------------------------------------

APRIL = (date(2025, 4, 1), date(2025, 4, 30))
DEC_2024 = (date(2024, 12, 1), date(2024, 12, 31))
NOV_2024 = (date(2024, 11, 1), date(2024, 11, 30))


def by_period(answer) -> dict:
    assert not answer.refused, answer.interpretation
    assert answer.columns[0] == "PERIOD", answer.columns
    return {row[0]: plain(row[-1]) for row in answer.rows}


def label(period) -> str:
    return f"{period[0].isoformat()} to {period[1].isoformat()}"


@pytest.mark.parametrize("question", ["june spend vs may", "june vs may spend", "total spend in june compared to may"])
def test_a_figure_in_two_periods_is_one_row_per_period(world, frames, question):
    rows = approved(frames)
    expected = {label(p): plain(between(rows, *p)["TRANSACTION_AMOUNT"].sum()) for p in (JUNE, MAY)}
    assert by_period(ask(question, world)) == expected


def test_the_same_month_a_year_ago_is_the_first_period_a_year_earlier(world, frames):
    # the small world starts in November 2024, so June 2024 has no transactions and no row: the period asked is
    # June 2024 (said in the interpretation), and June 2025's row is June's spend
    as_of_june = ask("june spend vs the same month a year ago", world)
    assert not as_of_june.refused, as_of_june.interpretation
    assert "2024-06-01 to 2024-06-30" in as_of_june.interpretation
    rows = approved(frames)
    got = by_period(as_of_june)
    assert got[label(JUNE)] == plain(between(rows, *JUNE)["TRANSACTION_AMOUNT"].sum())
    assert set(got) <= {label(JUNE), "2024-06-01 to 2024-06-30"}


def test_a_quarter_last_year_is_that_quarter_of_the_year_before(world, frames):
    query = parse_question("spend in q4 last year", AS_OF)
    assert (query.time_range.start, query.time_range.end) == (date(2024, 10, 1), date(2024, 12, 31))
    rows = approved(frames)
    expected = plain(between(rows, date(2024, 10, 1), date(2024, 12, 31))["TRANSACTION_AMOUNT"].sum())
    assert figure(ask("spend in q4 last year", world)) == expected


def test_a_rate_in_two_periods_counts_every_attempt_of_each(world, frames):
    fact = frames["FCT_TRANSACTIONS"]
    expected = {label(p): plain((between(fact, *p)["STATUS"] == "declined").mean()) for p in (DEC_2024, NOV_2024)}
    assert by_period(ask("decline rate in december 2024 vs november 2024", world)) == expected


def test_two_periods_with_a_breakdown(world, frames):
    rows = approved(frames)
    answer = ask("spend in june vs may by channel", world)
    assert not answer.refused, answer.interpretation
    got = {(row[0], row[1]): plain(row[2]) for row in answer.rows}
    expected = {(label(p), channel): plain(v) for p in (JUNE, MAY)
                for channel, v in between(rows, *p).groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum().items()}
    assert got == expected


@pytest.mark.parametrize("question", [
    "signups in june vs may",  # the periods would date the transactions, not the accounts opened
    "june spend vs may vs april",
    "spend in the same month a year ago",  # read only against another period
    "top 5 merchant categories by spend in june vs may",  # each period ranked, or both together?
])
def test_two_periods_the_construct_does_not_read_are_refused(question):
    with pytest.raises(QuestionNotUnderstood):
        parse_question(question, AS_OF)


# --- a contrast on transactions whose figure keeps one status ----------------------------------------------------

def test_a_contrast_of_transactions_is_one_row_per_side(world, frames):
    rows = approved(frames)
    online = rows["CHANNEL"] == "Online"
    expected = {"Online": plain(rows[online]["TRANSACTION_AMOUNT"].sum()),
                "everyone else": plain(rows[~online]["TRANSACTION_AMOUNT"].sum())}
    answer = ask("total spend online vs the rest", world)
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 2
    assert {row[0]: plain(row[1]) for row in answer.rows} == expected


# --- a period in a customer question broken down by one of its dates ---------------------------------------------

def test_a_period_with_a_breakdown_by_a_customer_date_is_that_date_s(world, frames):
    p = profile(frames)
    opened = pd.to_datetime(p["ACCOUNT_OPEN_DATE"])
    kept = p[opened.dt.year == 2022].assign(MONTH=opened.dt.strftime("%Y-%m"))
    expected = {m: plain(v) for m, v in kept.groupby("MONTH")["CREDIT_LIMIT"].mean().items()}
    assert len(expected) > 1
    answer = ask("avg credit limit by signup month in 2022", world)
    assert not answer.refused, answer.interpretation
    assert {str(row[0])[:7]: plain(row[1]) for row in answer.rows} == expected
    with pytest.raises(QuestionNotUnderstood):
        parse_question("avg ltv by segment in 2025", AS_OF)  # no date of the customers named: still a snapshot
