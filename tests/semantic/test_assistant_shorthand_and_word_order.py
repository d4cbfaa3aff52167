"""A note's shorthands ("no. of", "w/"), a dropped final e, a year written before what it dates ("2025 spend", "2024
cohorts"), "no purchase at all", a value's class said with it ("the high risk bucket"), the rows of a share named
first ("of all declines ytd, what share ...") or after "their", an age after a value spelled with its noun ("premium
cardholders are over 55"), "X vs non X" and "ticket" as a transaction's amount: each answer against an independent
pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, figure, plain, profile

from c360_pipeline.semantic.assistant import ask
from c360_pipeline.semantic.engine import QuestionNotUnderstood, parse_question
from c360_pipeline.semantic.normalise import normalise
from c360_pipeline.semantic.timeranges import find_time_expressions
from c360_pipeline.semantic.vocabulary import tokenize

Q1 = (date(2025, 1, 1), date(2025, 3, 31))
Q2 = (date(2025, 4, 1), date(2025, 6, 30))
YTD = (date(2025, 1, 1), AS_OF)
YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))
YEAR_2024 = (date(2024, 1, 1), date(2024, 12, 31))
TRAVEL = ("Airlines", "Hotels")


def customers_of(frames, mask) -> set[str]:
    p = profile(frames)
    return set(p[mask(p)]["CUSTOMER_ID"])


def amount(rows: pd.DataFrame) -> object:
    return plain(rows["TRANSACTION_AMOUNT"].astype(float).sum())


# --- a note's shorthands ---------------------------------------------------------------------------------------

def test_a_note_s_shorthands_are_written_out_and_a_bare_no_stays_a_negation():
    assert normalise("no. of custs w/ gold cards") == "number of custs with gold cards"
    assert normalise("No.of customers w/o transactions") == "number of customers without transactions"
    assert normalise("customers with no purchases") == "customers with no purchases"


def test_the_number_of_customers_with_a_card_in_a_state(world, frames):
    p = profile(frames)
    expected = int(((p["CARD_TYPE"] == "Gold") & (p["STATE"] == "NY")).sum())
    assert expected > 0
    assert figure(ask("no. of custs w/ gold cards in new york", world)) == plain(expected)


# --- a silent final e left off ---------------------------------------------------------------------------------

def test_a_word_without_its_final_e_is_read_as_the_word_and_said(world, frames):
    fact = between(frames["FCT_TRANSACTIONS"], *Q1)
    mobile = fact[fact["CHANNEL"] == "Mobile"]
    answer = ask("declin rate for mobile in q1", world)
    assert figure(answer) == plain((mobile["STATUS"] == "declined").mean())
    assert "Read 'declin' as 'decline'" in answer.interpretation


# --- a year written before what it dates -----------------------------------------------------------------------

def test_a_year_before_spend_is_the_period_of_the_spend(world, frames):
    young = customers_of(frames, lambda p: p["AGE"] < 25)
    rows = between(approved(frames), *YEAR_2025)
    expected = amount(rows[rows["CUSTOMER_ID"].isin(young)])
    assert expected
    assert figure(ask("2025 spend of custs under 25", world)) == plain(expected)


def test_a_year_before_cohorts_is_the_signup_year(world, frames):
    p = profile(frames)
    opened = pd.to_datetime(p["ACCOUNT_OPEN_DATE"])
    cohort = p[opened.dt.year == 2022].assign(MONTH=opened.dt.strftime("%Y-%m"))
    expected = {month: plain(v) for month, v in cohort.groupby("MONTH")["CREDIT_LIMIT"].apply(
        lambda s: s.astype(float).mean()).items()}
    assert len(expected) > 1
    answer = ask("avg credit limit by signup month, 2022 cohorts", world)
    assert not answer.refused, answer.interpretation
    assert {str(row[0])[:7]: plain(row[1]) for row in answer.rows} == expected
    assert figure(ask("how many customers in the 2022 cohort", world)) == plain(len(cohort))


@pytest.mark.parametrize("question", ["avg credit limit by signup month cohort for 2022",
                                      "average credit limit per signup month cohort, 2022 signups"])
def test_a_cohort_noun_after_a_signup_grain_is_that_grouping_not_the_segment(world, frames, question):
    # "by signup month cohort": the customers grouped by the month they joined ("cohort" alone is the segment)
    p = profile(frames)
    opened = pd.to_datetime(p["ACCOUNT_OPEN_DATE"])
    cohort = p[opened.dt.year == 2022].assign(MONTH=opened.dt.strftime("%Y-%m"))
    expected = {month: plain(v) for month, v in cohort.groupby("MONTH")["CREDIT_LIMIT"].apply(
        lambda s: s.astype(float).mean()).items()}
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    assert len(answer.columns) == 2, answer.columns
    assert {str(row[0])[:7]: plain(row[1]) for row in answer.rows} == expected


@pytest.mark.parametrize("question, year", [
    ("2025 spend by channel", 2025), ("2024 signups by state", 2024), ("the 2023 cohort", 2023),
    ("customers with 2000 transactions", None), ("2000 customers", None),
])
def test_a_year_is_read_before_the_nouns_it_dates_only(question, year):
    # "2000 transactions" is a count, not a year: only nouns a number never counts take a year before them
    found = find_time_expressions(tokenize(normalise(question)))
    assert [m.spec.year for m in found] == ([year] if year else [])


@pytest.mark.parametrize("question", ["customers who spent over 2000", "spend over 2024 by month"])
def test_over_a_bare_year_is_refused_as_an_amount_or_a_year(question):
    with pytest.raises(QuestionNotUnderstood, match="amount or a year"):
        parse_question(question, AS_OF)


def test_over_an_amount_written_as_money_stays_an_amount(world, frames):
    spend = approved(frames).groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    expected = set(spend[spend > 5000].index)
    assert 0 < len(expected) < len(spend)
    for question in ("customers who spent over $5,000", "customers who spent more than 5000"):
        answer = ask(question, world)
        assert not answer.refused, answer.interpretation
        assert {row[answer.columns.index("CUSTOMER_ID")] for row in answer.rows} == expected


# --- no purchase at all ----------------------------------------------------------------------------------------

def test_no_purchase_at_all_in_a_quarter_counts_the_customers_without_one(world, frames):
    buyers = set(between(approved(frames), *Q2)["CUSTOMER_ID"])
    expected = len(set(profile(frames)["CUSTOMER_ID"]) - buyers)
    assert figure(ask("how many custs made no purchase at all in q2", world)) == plain(expected)
    assert figure(ask("how many customers made no purchases in q2", world)) == plain(expected)


# --- a value's class said with it ------------------------------------------------------------------------------

def test_the_high_risk_bucket_is_the_high_risk_category(world, frames):
    p = profile(frames)
    expected = int(((p["CARD_TYPE"] == "Platinum") & (p["CHURN_RISK_CATEGORY"] == "High Risk")).sum())
    assert figure(ask("platinum holders in the high risk bucket - how many", world)) == plain(expected)


def test_a_breakdown_by_bucket_alone_is_refused():
    with pytest.raises(QuestionNotUnderstood):
        parse_question("customer count by bucket", AS_OF)


# --- the rows of a share named first, or after "their" ---------------------------------------------------------

@pytest.mark.parametrize("question", [
    "of all declines ytd what share happened online",
    "of all declines ytd, what share were online",
])
def test_a_share_whose_rows_are_named_first(world, frames, question):
    fact = between(frames["FCT_TRANSACTIONS"], *YTD)
    declined = fact[fact["STATUS"] == "declined"]
    assert len(declined) > 0
    assert figure(ask(question, world)) == plain((declined["CHANNEL"] == "Online").mean())


def test_a_share_of_customers_named_first(world, frames):
    p = profile(frames)
    platinum = p[p["CARD_TYPE"] == "Platinum"]
    assert figure(ask("of platinum holders what share are high risk", world)) == plain(
        (platinum["CHURN_RISK_CATEGORY"] == "High Risk").mean())


def test_a_share_of_their_spend_in_a_period(world, frames):
    platinum = customers_of(frames, lambda p: p["CARD_TYPE"] == "Platinum")
    rows = between(approved(frames), *YTD)
    rows = rows[rows["CUSTOMER_ID"].isin(platinum)]
    travel = rows[rows["MERCHANT_CATEGORY"].isin(TRAVEL)]
    expected = float(travel["TRANSACTION_AMOUNT"].astype(float).sum()) / float(rows["TRANSACTION_AMOUNT"].astype(float).sum())
    assert 0 < expected < 1
    assert figure(ask("platinum holders: what share of their ytd spend is travel", world)) == plain(expected)


# --- an age after a value spelled with its noun ----------------------------------------------------------------

def test_premium_cardholders_over_an_age(world, frames):
    expected = len(customers_of(frames, lambda p: (p["CARD_TYPE"] == "Premium") & (p["AGE"] > 55)))
    assert expected > 0
    answer = ask("how many premium cardholders are over 55", world)
    assert figure(answer) == plain(expected)
    assert "Read 55 as an age" in answer.interpretation


def test_a_credit_limit_named_stays_the_credit_limit(world, frames):
    expected = len(customers_of(frames, lambda p: (p["CARD_TYPE"] == "Premium") & (p["CREDIT_LIMIT"].astype(float) > 20000)))
    assert figure(ask("how many premium cardholders have a credit limit over 20000", world)) == plain(expected)


# --- X vs non X ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "avg age retention targets vs non targets",
    "avg age retention targets vs non-targets",
    "avg age retention targets vs everyone else",
])
def test_a_group_against_its_own_noun_negated_is_against_everyone_else(world, frames, question):
    p = profile(frames)
    targets = p["IS_RETENTION_TARGET"].astype(bool)
    assert 0 < targets.sum() < len(p)
    expected = {"retention targets": plain(p[targets]["AGE"].mean()), "everyone else": plain(p[~targets]["AGE"].mean())}
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[1]) for row in answer.rows} == expected


# --- ticket ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, channel, period", [
    ("avg in-store ticket in 2024", "In-Store", YEAR_2024),
    ("average online ticket in q2", "Online", Q2),
])
def test_a_ticket_is_a_transaction_s_amount(world, frames, question, channel, period):
    rows = between(approved(frames), *period)
    rows = rows[rows["CHANNEL"] == channel]
    assert len(rows) > 0
    assert figure(ask(question, world)) == plain(rows["TRANSACTION_AMOUNT"].astype(float).mean())

