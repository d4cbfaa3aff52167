"""A date's synonym "<words> date" names the date at a calendar grain ("by join month", "by join quarter", "by
first purchase month"); a count of signups in a period ("signups in 2024", "new customers in 2023") counts the
customers whose account opened then, and signups with no period are refused rather than counted over all time; two
lower-case state codes set against each other are states ("avg ltv oh vs mi", "me vs ca"), "in me" is refused
rather than read without its state; "<figure> vs last month / quarter / year" is this period against the previous
one; a negation takes the whole list after it ("not in CA or NY"); groups ranked "by customers" are ranked by their
customer count ("rank segments by customers", "top 3 states per card type by customers"); "compare X and Y" is a row
each; "top 3 categories for platinum cardholders" ranks those customers' transactions; "at risk of churning" is the
High Risk category; a preface ("quick q:") is dropped; customers who "churned" are refused (the data holds no
churn events); one named customer's values are listed ("what segment is
CUST00000042 in"). Each answer against an independent pandas computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, build_world, figure, plain, profile

from c360_pipeline.semantic.assistant import ask

# the world's customers live in CA, NY, TX, FL, OR and IN; OR and IN become OH and MI, FL becomes ME (lower-case
# codes that are also words)
RENAMED = {"FL": "ME", "OR": "OH", "IN": "MI"}


@pytest.fixture(scope="module")
def frames():
    out = build_world()
    out["CUSTOMER_360_PROFILE"]["STATE"] = out["CUSTOMER_360_PROFILE"]["STATE"].replace(RENAMED)
    return out


def by_key(answer) -> dict:
    assert not answer.refused, answer.interpretation
    return {plain(row[0]): plain(row[-1]) for row in answer.rows}


# --- 1. a date at a calendar grain, said in place of its "date" ----------------------------------------------------
@pytest.mark.parametrize("question, grain", [
    ("customers by join month", "month"),
    ("new customers by join quarter", "quarter"),
    ("signups by join year", "year"),
    ("how many customers by account opening month", "month"),
])
def test_a_date_synonym_at_a_grain_groups_by_that_grain_of_the_date(world, frames, question, grain):
    opened = pd.to_datetime(profile(frames)["ACCOUNT_OPEN_DATE"])
    keys = {"month": opened.dt.strftime("%Y-%m"), "year": opened.dt.year,
            "quarter": opened.dt.year.astype(str) + "-Q" + opened.dt.quarter.astype(str)}[grain]
    answer = ask(question, world, as_of=AS_OF)
    assert len(answer.columns) == 2, (answer.columns, answer.interpretation)  # the grain alone, no month as well
    assert by_key(answer) == {plain(k): plain(v) for k, v in keys.value_counts().to_dict().items()}


def test_first_purchase_month_groups_by_the_month_of_the_first_transaction(world, frames):
    first = pd.to_datetime(profile(frames)["FIRST_TRANSACTION_DATE"]).dropna().dt.strftime("%Y-%m")
    answer = ask("how many customers by first purchase month", world, as_of=AS_OF)
    assert by_key(answer) == {k: plain(v) for k, v in first.value_counts().to_dict().items()}


# --- 2. signups in a period ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, year", [("signups in 2024", 2024), ("new customers in 2023", 2023),
                                            ("new accounts in 2022", 2022)])
def test_signups_in_a_period_count_the_accounts_opened_then(world, frames, question, year):
    opened = pd.to_datetime(profile(frames)["ACCOUNT_OPEN_DATE"])
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert figure(answer) == plain(int((opened.dt.year == year).sum()))


def test_signups_by_segment_in_a_period_are_the_period_s_accounts_per_segment(world, frames):
    p = profile(frames)
    chosen = p[pd.to_datetime(p["ACCOUNT_OPEN_DATE"]).dt.year == 2024]
    answer = ask("signups by segment in 2024", world, as_of=AS_OF)
    assert by_key(answer) == {k: plain(v) for k, v in chosen["CUSTOMER_SEGMENT"].value_counts().to_dict().items()}


@pytest.mark.parametrize("question", ["new customers by segment", "how many signups"])
def test_signups_without_a_period_are_refused_not_counted_over_all_time(world, question):
    answer = ask(question, world, as_of=AS_OF)
    assert answer.refused, answer.interpretation
    assert "period" in answer.interpretation


# --- 3. lower-case state codes set against each other -----------------------------------------------------------------
@pytest.mark.parametrize("question, states", [
    ("avg ltv oh vs mi", ("OH", "MI")),
    ("avg utilization me vs ca", ("ME", "CA")),
    ("avg utilization for me versus ny", ("ME", "NY")),
])
def test_two_codes_against_each_other_are_a_row_per_state(world, frames, question, states):
    p = profile(frames)
    column = "LIFETIME_VALUE" if "ltv" in question else "CREDIT_UTILIZATION_PCT"
    expected = p[p["STATE"].isin(states)].groupby("STATE")[column].mean()
    got = {row[0]: float(plain(row[-1])) for row in ask(question, world, as_of=AS_OF).rows}
    assert got.keys() == set(states)
    for state, value in expected.items():
        assert got[state] == pytest.approx(float(value)), state


@pytest.mark.parametrize("question", ["customers in me", "spend from me ytd"])
def test_me_after_in_or_from_is_refused_rather_than_dropped(world, question):
    answer = ask(question, world, as_of=AS_OF)
    assert answer.refused, answer.interpretation
    assert "Maine" in answer.interpretation


# --- 4. "vs last month / quarter / year" ------------------------------------------------------------------------------
@pytest.mark.parametrize("question, this, last", [
    ("txn count vs last month", (date(2025, 6, 1), AS_OF), (date(2025, 5, 1), date(2025, 5, 31))),
    ("spend compared to last quarter", (date(2025, 4, 1), AS_OF), (date(2025, 1, 1), date(2025, 3, 31))),
    ("total spend versus the last month", (date(2025, 6, 1), AS_OF), (date(2025, 5, 1), date(2025, 5, 31))),
])
def test_a_figure_vs_the_previous_period_is_this_period_against_it(world, frames, question, this, last):
    t = approved(frames)
    def value(period):
        rows = between(t, *period)
        return len(rows) if "count" in question else float(rows["TRANSACTION_AMOUNT"].sum())
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    got = {row[0]: float(plain(row[-1])) for row in answer.rows}
    labels = [f"{a.isoformat()} to {b.isoformat()}" for a, b in (this, last)]
    assert got.keys() == set(labels), got
    assert got[labels[0]] == pytest.approx(value(this))
    assert got[labels[1]] == pytest.approx(value(last))


# --- 5. a negation takes the whole list after it ----------------------------------------------------------------------
@pytest.mark.parametrize("question, column, excluded", [
    ("customers not in CA or NY", "STATE", ("CA", "NY")),
    ("customers not in CA, NY or TX", "STATE", ("CA", "NY", "TX")),
    ("list customers excluding students and retirees", "EMPLOYMENT_STATUS", ("Student", "Retired")),
])
def test_a_negation_before_a_list_excludes_every_value_listed(world, frames, question, column, excluded):
    p = profile(frames)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    ids = {row[answer.columns.index("CUSTOMER_ID")] for row in answer.rows}
    assert ids == set(p[~p[column].isin(excluded)]["CUSTOMER_ID"])


def test_a_figure_for_customers_not_of_two_card_types_leaves_both_out(world, frames):
    p = profile(frames)
    answer = ask("avg ltv for customers not platinum or gold", world, as_of=AS_OF)
    assert figure(answer) == plain(p[~p["CARD_TYPE"].isin(["Platinum", "Gold"])]["LIFETIME_VALUE"].mean())


# --- 6. groups ranked "by customers" ------------------------------------------------------------------------------------
def test_groups_ranked_by_customers_are_ranked_by_their_customer_count(world, frames):
    p = profile(frames)
    answer = ask("rank segments by customers", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert answer.columns == ["CUSTOMER_SEGMENT", "CUSTOMER_COUNT"], answer.columns
    counts = p["CUSTOMER_SEGMENT"].value_counts()
    assert [plain(row[1]) for row in answer.rows] == [plain(v) for v in sorted(counts, reverse=True)]
    assert {row[0]: plain(row[1]) for row in answer.rows} == {k: plain(v) for k, v in counts.items()}


def test_the_top_groups_within_each_group_by_customers_count_customers(world, frames):
    p = profile(frames)
    answer = ask("top 1 state per card type by customers", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert "CUSTOMER_ID" not in answer.columns, answer.columns
    counts = p.groupby(["CARD_TYPE", "STATE"]).size()
    state, card = answer.columns.index("STATE"), answer.columns.index("CARD_TYPE")
    assert {row[card] for row in answer.rows} == set(p["CARD_TYPE"])
    for row in answer.rows:
        assert plain(row[-1]) == plain(counts[row[card]].max())
        assert counts[(row[card], row[state])] == counts[row[card]].max()


# --- 7. "compare X and Y" --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["compare platinum and gold on avg utilization",
                                      "comparing platinum and gold avg utilization",
                                      "comparison of avg utilization for platinum and gold"])
def test_compare_two_values_is_a_row_each_not_the_pooled_figure(world, frames, question):
    p = profile(frames)
    expected = p[p["CARD_TYPE"].isin(["Platinum", "Gold"])].groupby("CARD_TYPE")["CREDIT_UTILIZATION_PCT"].mean()
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: plain(row[-1]) for row in answer.rows} == {k: plain(v) for k, v in expected.items()}


# --- 8. groups of transactions ranked for customers named by a value ---------------------------------------------------
@pytest.mark.parametrize("question, card", [("top 3 categories for platinum cardholders", "Platinum"),
                                            ("top 3 categories among gold card holders", "Gold")])
def test_top_groups_for_customers_of_a_value_rank_their_transactions(world, frames, question, card):
    p = profile(frames)
    t = approved(frames)
    t = t[t["CUSTOMER_ID"].isin(p[p["CARD_TYPE"] == card]["CUSTOMER_ID"])]
    counts = t.groupby("MERCHANT_CATEGORY").size().sort_values(ascending=False)
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert answer.columns == ["MERCHANT_CATEGORY", "TRANSACTION_COUNT"], answer.columns
    assert [plain(row[1]) for row in answer.rows] == [plain(int(v)) for v in counts.iloc[:3]]


def test_customers_at_risk_of_churning_are_the_high_risk_ones(world, frames):
    p = profile(frames)
    answer = ask("customers at risk of churning", world, as_of=AS_OF)
    assert {row[0] for row in answer.rows} == set(p[p["CHURN_RISK_CATEGORY"] == "High Risk"]["CUSTOMER_ID"])


# --- 9. a preface --------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["quick q: avg ltv by segment", "Question: avg ltv by segment",
                                      "one more question - avg ltv by segment"])
def test_a_preface_saying_a_question_follows_is_dropped(world, frames, question):
    p = profile(frames)
    answer = ask(question, world, as_of=AS_OF)
    assert by_key(answer) == {k: plain(v) for k, v in p.groupby("CUSTOMER_SEGMENT")["LIFETIME_VALUE"].mean().items()}


def test_customers_who_churned_are_refused_the_data_has_no_churn_events(world):
    assert ask("how many customers churned last year", world, as_of=AS_OF).refused


# --- 10. one named customer's own values ---------------------------------------------------------------------------
@pytest.mark.parametrize("template, column", [
    ("what segment is {id} in", "CUSTOMER_SEGMENT"),
    ("ltv of {id}", "LIFETIME_VALUE"),
    ("when did {id} sign up", "ACCOUNT_OPEN_DATE"),
    ("card type and state of {id}", "STATE"),
])
def test_a_named_customer_s_values_are_listed_not_aggregated(world, frames, template, column):
    p = profile(frames)
    row = p.iloc[3]
    answer = ask(template.format(id=row["CUSTOMER_ID"]), world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert answer.columns[0] == "CUSTOMER_ID" and column in answer.columns, answer.columns
    assert len(answer.rows) == 1 and answer.rows[0][0] == row["CUSTOMER_ID"]
    assert plain(answer.rows[0][answer.columns.index(column)]) == plain(row[column])
