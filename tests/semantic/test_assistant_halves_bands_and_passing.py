"""Half-years as periods, an age band written with its class noun, figures that "topped" / "exceeded" a mark and the
shorthand "lim" for a limit: each answer against an independent pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, figure, ids_of, plain, profile

from c360_pipeline.semantic.assistant import ask
from c360_pipeline.semantic.timeranges import TimeSpec


# --- half-years -------------------------------------------------------------------------------------------------

def test_a_half_year_resolves_to_its_six_calendar_months():
    assert TimeSpec("half", year=2024, half=1).resolve(AS_OF) == (date(2024, 1, 1), date(2024, 6, 30))
    assert TimeSpec("half", year=2024, half=2).resolve(AS_OF) == (date(2024, 7, 1), date(2024, 12, 31))
    # without a year: the latest such half that has begun by the as-of date
    assert TimeSpec("half", half=1).resolve(AS_OF) == (date(2025, 1, 1), date(2025, 6, 30))
    assert TimeSpec("half", half=2).resolve(AS_OF) == (date(2024, 7, 1), date(2024, 12, 31))


@pytest.mark.parametrize("question, start, end", [
    ("total spend in h1 2025", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend in the first half of 2025", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend in h1", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend h2 2024", date(2024, 7, 1), date(2024, 12, 31)),
    ("total spend in the second half of 2024", date(2024, 7, 1), date(2024, 12, 31)),
    ("total spend h2 last year", date(2024, 7, 1), date(2024, 12, 31)),
])
def test_spend_in_a_half_year(world, frames, question, start, end):
    expected = between(approved(frames), start, end)["TRANSACTION_AMOUNT"].sum()
    assert expected > 0
    assert figure(ask(question, world)) == plain(expected)


def test_signups_in_a_half_year(world, frames):
    p = profile(frames)
    opened = pd.to_datetime(p["ACCOUNT_OPEN_DATE"]).dt.date
    expected = int(((opened >= date(2024, 1, 1)) & (opened <= date(2024, 6, 30))).sum())
    assert expected > 0
    assert figure(ask("how many signups in h1 2024", world)) == plain(expected)


def test_average_in_store_ticket_by_card_type_in_a_half_year(world, frames):
    t = between(approved(frames), date(2025, 1, 1), date(2025, 6, 30))
    t = t[t["CHANNEL"] == "In-Store"].merge(profile(frames)[["CUSTOMER_ID", "CARD_TYPE"]], on="CUSTOMER_ID")
    expected = t.groupby("CARD_TYPE")["TRANSACTION_AMOUNT"].mean()
    answer = ask("avg in-store ticket by card type h1 2025", world)
    assert not answer.refused, answer.interpretation
    got = {row[0]: plain(row[1]) for row in answer.rows}
    assert got == {k: plain(v) for k, v in expected.items()}


# --- an age band with its class noun ----------------------------------------------------------------------------

@pytest.mark.parametrize("question, low, high", [
    ("upsell targets in the 65+ band", 65, 200),
    ("upsell targets in the 25-34 bracket", 25, 34),
    ("upsell targets in the 35-44 group", 35, 44),
])
def test_an_age_band_written_with_band_bracket_or_group(world, frames, question, low, high):
    p = profile(frames)
    expected = set(p[p["IS_UPSELL_TARGET"].astype(bool) & (p["AGE"] >= low) & (p["AGE"] <= high)]["CUSTOMER_ID"])
    assert ids_of(ask(question, world)) == expected


def test_a_range_that_is_not_one_of_the_bands_is_not_read_as_one(world):
    # "26-34" is no band of the model: the class noun does not make it an age
    assert ask("how many customers in the 26-34 band", world).refused


# --- a figure that passed a mark --------------------------------------------------------------------------------

@pytest.mark.parametrize("verb", ["topped", "exceeded", "went over", "surpassed", "passed"])
def test_customers_whose_period_spend_passed_a_mark(world, frames, verb):
    q1 = between(approved(frames), date(2025, 1, 1), date(2025, 3, 31)).groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    mark = float(q1.median())
    expected = set(q1[q1 > mark].index)
    assert 0 < len(expected) < len(q1)
    assert ids_of(ask(f"custs whose q1 spend {verb} ${mark:.2f}", world)) == expected


# --- "lim" for limit --------------------------------------------------------------------------------------------

def test_lim_is_short_for_limit(world, frames):
    p = profile(frames)
    expected = p[p["EMPLOYMENT_STATUS"] == "Student"]["CREDIT_LIMIT"].mean()
    assert figure(ask("avg credit lim for students", world)) == plain(expected)


# --- a count of a kind of value spelled with a column's noun ------------------------------------------------------

def _with_groups(frames, fact: pd.DataFrame) -> pd.DataFrame:
    groups = frames["DIM_MERCHANT_CATEGORY"][["MERCHANT_CATEGORY_KEY", "CATEGORY_GROUP"]]
    return fact.merge(groups, on="MERCHANT_CATEGORY_KEY")


@pytest.mark.parametrize("question", [
    "how many distinct travel merchants had spend ytd",
    "how many unique travel merchants had spend ytd",
    "number of different travel merchants that had spend ytd",
])
def test_distinct_values_of_a_kind_are_counted_not_its_rows(world, frames, question):
    t = _with_groups(frames, between(approved(frames), date(2025, 1, 1), AS_OF))
    travel = t[t["CATEGORY_GROUP"] == "travel"]
    expected = travel["MERCHANT_NAME"].nunique()
    assert 1 < expected < len(travel)  # a count of the rows would differ
    answer = ask(question, world)
    assert figure(answer) == plain(expected), answer.interpretation


def test_merchants_that_had_spend_are_those_with_an_approved_transaction(world, frames):
    fact = frames["FCT_TRANSACTIONS"]
    may = between(fact, date(2025, 5, 1), date(2025, 5, 31))
    expected = may[may["STATUS"] == "approved"]["MERCHANT_NAME"].nunique()
    answer = ask("how many merchants had spend in may", world)
    assert figure(answer) == plain(expected), answer.interpretation


def test_a_count_of_a_kind_of_purchase_counts_those_transactions(world, frames):
    t = _with_groups(frames, between(approved(frames), date(2025, 1, 1), AS_OF))
    expected = int((t["CATEGORY_GROUP"] == "travel").sum())
    answer = ask("how many travel purchases ytd", world)
    assert figure(answer) == plain(expected), answer.interpretation


def test_a_kind_spelled_with_a_noun_before_the_counted_rows_is_kept_whole(world, frames):
    # "coffee shop txns": the transactions at coffee shops are counted, not the distinct merchants ("shop" names those)
    may = between(approved(frames), date(2025, 5, 1), date(2025, 5, 31))
    expected = int((may["MERCHANT_CATEGORY"] == "Coffee Shops").sum())
    assert expected > 0
    assert figure(ask("how many coffee shop txns last month", world)) == plain(expected)
    p = profile(frames)
    answer = ask("number of budget segment customers", world)
    assert figure(answer) == plain(int((p["CUSTOMER_SEGMENT"] == "Budget-Conscious").sum())), answer.interpretation


# --- a period between a summary and its figure; an amount after a kind of transaction -----------------------------

def test_a_period_between_total_and_its_figure(world, frames):
    t = between(approved(frames), date(2025, 1, 1), AS_OF).merge(profile(frames)[["CUSTOMER_ID", "CARD_TYPE"]],
                                                                  on="CUSTOMER_ID")
    spend = t.groupby("CARD_TYPE")["TRANSACTION_AMOUNT"].sum().sort_values(ascending=False)
    assert spend.iloc[0] > spend.iloc[1]
    answer = ask("which card type had the highest total ytd spend", world)
    assert not answer.refused, answer.interpretation
    assert answer.rows[0][0] == spend.index[0] and plain(answer.rows[0][-1]) == plain(spend.iloc[0])


@pytest.mark.parametrize("question, low, high", [
    ("approved txns between $20 and $80 in may - count", 20, 80),
    ("how many approved transactions between $20 and $80 in may", 20, 80),
])
def test_an_amount_range_after_a_kind_of_transaction_is_each_ones_amount(world, frames, question, low, high):
    may = between(approved(frames), date(2025, 5, 1), date(2025, 5, 31))
    amounts = may["TRANSACTION_AMOUNT"]
    expected = int(((amounts >= low) & (amounts <= high)).sum())
    assert 0 < expected < len(may)
    assert figure(ask(question, world)) == plain(expected)


# --- one figure in a period and the same period a year earlier ("yoy") ----------------------------------------------

@pytest.mark.parametrize("question", ["q1 txn count yoy", "q1 txn count year over year", "q1 txn count year on year",
                                      "q1 txn count vs same period ly"])
def test_a_period_year_over_year_is_the_period_and_the_same_period_a_year_earlier(world, frames, question):
    t = approved(frames)
    periods = {"2025-01-01 to 2025-03-31": (date(2025, 1, 1), date(2025, 3, 31)),
               "2024-01-01 to 2024-03-31": (date(2024, 1, 1), date(2024, 3, 31))}
    expected = {label: len(between(t, *days)) for label, days in periods.items()}
    expected = {label: n for label, n in expected.items() if n}  # a period without transactions has no row
    assert expected
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    assert "2024-01-01 to 2024-03-31" in answer.interpretation
    assert {row[0]: plain(row[1]) for row in answer.rows} == {k: plain(v) for k, v in expected.items()}


def test_year_over_year_with_a_word_of_change_is_not_read_as_two_figures(world):
    answer = ask("q1 spend growth yoy", world)
    assert answer.refused or "a year earlier" not in answer.interpretation


# --- spenders ranked by their spend in a period named before the noun ----------------------------------------------

def test_the_biggest_spenders_of_a_period_named_before_the_noun(world, frames):
    p = profile(frames)
    students = set(p[p["EMPLOYMENT_STATUS"] == "Student"]["CUSTOMER_ID"])
    t = between(approved(frames), date(2025, 1, 1), AS_OF)
    spend = t[t["CUSTOMER_ID"].isin(students)].groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    spend = spend.sort_values(ascending=False)
    assert len(spend) > 3 and spend.iloc[2] > spend.iloc[3]
    answer = ask("3 biggest ytd spenders among students", world)
    assert not answer.refused, answer.interpretation
    assert [row[0] for row in answer.rows] == list(spend.index[:3])
    assert [plain(row[-1]) for row in answer.rows] == [plain(v) for v in spend.iloc[:3]]
