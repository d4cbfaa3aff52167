"""Shares of customers named by a value ("what fraction of students are high risk") and of a customers' amount ("what %
of total lifetime value is held by platinum customers"); "attempts" are transactions of any status ("pct of grocery
store attempts declined"); "yoy growth" of one period's figure; customers counted by their own figure in a period
("how many customers spent over 10k in q1"); a number right before a count is its value ("with 0 lifetime txns");
"65 and over" / "65 or older" include 65, "by ytd spend" ranks by the figure; "the most high risk customers" counts
them; two sides of one figure ("utilization above 50 vs below 50"). Each answer against an independent pandas
computation on the small test world."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, approved, between, build_world, figure, plain, profile, with_a_year_earlier

from c360_pipeline.semantic.assistant import ask


@pytest.fixture(scope="module")
def frames():
    return with_a_year_earlier(build_world())  # 2024 periods of their own for the year over year questions


def num(answer) -> float:
    return float(figure(answer))


def every_status(frames) -> pd.DataFrame:
    out = frames["FCT_TRANSACTIONS"].copy()
    out["TRANSACTION_AMOUNT"] = out["TRANSACTION_AMOUNT"].astype(float)
    return out


def with_profile(fact: pd.DataFrame, frames) -> pd.DataFrame:
    return fact.merge(profile(frames), on="CUSTOMER_ID", suffixes=("", "_P"))


# --- a share of customers named by their value -------------------------------------------------------------------
@pytest.mark.parametrize("question, status", [
    ("what fraction of students are high risk", "Student"),
    ("what share of retirees are high risk", "Retired"),
    ("fraction of the unemployed that are high risk", "Unemployed"),
])
def test_a_share_of_customers_named_by_their_value(world, frames, question, status):
    p = profile(frames)
    rows = p[p["EMPLOYMENT_STATUS"] == status]
    expected = (rows["CHURN_RISK_CATEGORY"] == "High Risk").mean()
    assert num(ask(question, world, as_of=AS_OF)) == pytest.approx(expected)


def test_a_share_of_customers_named_by_their_value_counting_another_value(world, frames):
    p = profile(frames)
    rows = p[p["EMPLOYMENT_STATUS"] == "Student"]
    expected = (rows["CARD_TYPE"] == "Platinum").mean()
    assert num(ask("what proportion of students have a platinum card", world, as_of=AS_OF)) == pytest.approx(expected)


# --- attempts are transactions of any status ---------------------------------------------------------------------
@pytest.mark.parametrize("question, category, start, end", [
    ("pct of grocery store attempts declined in 2025", "Grocery Stores", date(2025, 1, 1), AS_OF),
    ("what % of restaurant attempts were declined ytd", "Restaurants", date(2025, 1, 1), AS_OF),
    ("share of airline attempts that were declined in q2", "Airlines", date(2025, 4, 1), AS_OF),
])
def test_a_share_of_attempts_declined_is_the_decline_rate(world, frames, question, category, start, end):
    t = between(every_status(frames), start, end)
    rows = t[t["MERCHANT_CATEGORY"] == category]
    expected = (rows["STATUS"] == "declined").mean()
    assert 0 < expected < 1
    assert num(ask(question, world, as_of=AS_OF)) == pytest.approx(expected)


def test_attempts_are_counted_whatever_their_status(world, frames):
    t = between(every_status(frames), date(2025, 5, 1), date(2025, 5, 31))
    assert num(ask("how many attempts in may", world, as_of=AS_OF)) == len(t)


# --- a share of a customers' amount ------------------------------------------------------------------------------
@pytest.mark.parametrize("question, column, value, fact", [
    ("what % of total lifetime value is held by platinum customers", "CARD_TYPE", "Platinum", "LIFETIME_VALUE"),
    ("share of ltv from high risk customers", "CHURN_RISK_CATEGORY", "High Risk", "LIFETIME_VALUE"),
    ("what share of lifetime value comes from students", "EMPLOYMENT_STATUS", "Student", "LIFETIME_VALUE"),
    ("percentage of total credit limit held by gold cardholders", "CARD_TYPE", "Gold", "CREDIT_LIMIT"),
])
def test_a_share_of_a_customers_amount(world, frames, question, column, value, fact):
    p = profile(frames)
    expected = p.loc[p[column] == value, fact].sum() / p[fact].sum()
    assert 0 < expected < 1
    assert num(ask(question, world, as_of=AS_OF)) == pytest.approx(expected)


def test_a_share_of_a_customers_amount_by_group(world, frames):
    p = profile(frames)
    expected = (p.groupby("CUSTOMER_SEGMENT")["LIFETIME_VALUE"].sum() / p["LIFETIME_VALUE"].sum()).to_dict()
    answer = ask("share of lifetime value by segment", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    got = {row[0]: float(plain(row[-1])) for row in answer.rows}
    assert got.keys() == expected.keys()
    for key, share in expected.items():
        assert got[key] == pytest.approx(share), key


# --- year over year growth ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("question, this, last, count", [
    ("yoy growth in q2 spend", (date(2025, 4, 1), date(2025, 6, 30)), (date(2024, 4, 1), date(2024, 6, 30)), False),
    ("year over year growth in q1 spend", (date(2025, 1, 1), date(2025, 3, 31)), (date(2024, 1, 1), date(2024, 3, 31)),
     False),
    ("yoy change in june transaction count", (date(2025, 6, 1), date(2025, 6, 30)),
     (date(2024, 6, 1), date(2024, 6, 30)), True),
    ("pct change yoy in ytd spend", (date(2025, 1, 1), AS_OF), (date(2024, 1, 1), date(2024, 6, 30)), False),
])
def test_year_over_year_growth_is_the_relative_change(world, frames, question, this, last, count):
    t = approved(frames)

    def value(period):
        rows = between(t, *period)
        return float(len(rows)) if count else float(rows["TRANSACTION_AMOUNT"].sum())

    now, before = value(this), value(last)
    assert now and before and now != before
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert len(answer.rows) == 1, answer.rows
    got = [float(plain(v)) for v in answer.rows[0]]
    assert got == pytest.approx([now, before, now / before - 1])


def test_year_over_year_growth_of_a_rate(world, frames):
    t = every_status(frames)
    now = (between(t, date(2025, 4, 1), date(2025, 6, 30))["STATUS"] == "declined").mean()
    before = (between(t, date(2024, 4, 1), date(2024, 6, 30))["STATUS"] == "declined").mean()
    answer = ask("q2 decline rate yoy change", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [float(plain(v)) for v in answer.rows[0]] == pytest.approx([now, before, now / before - 1])


def test_year_over_year_growth_of_a_period_past_the_data_is_refused(world):
    # the year runs past the data's end: part of it against the whole of 2024 (a change per group: dev_fixes_i)
    assert ask("yoy change in 2025 spend", world, as_of=AS_OF).refused


# --- customers counted by their own figure in a period -----------------------------------------------------------
def per_customer(frames, start, end, amount: bool) -> pd.Series:
    rows = between(approved(frames), start, end)
    figures = rows.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum() if amount else rows.groupby("CUSTOMER_ID").size()
    return figures.reindex(profile(frames)["CUSTOMER_ID"], fill_value=0)


def test_customers_counted_by_their_spend_in_a_period(world, frames):
    figures = per_customer(frames, date(2025, 1, 1), date(2025, 3, 31), amount=True)
    threshold = float(figures.median())
    expected = int((figures > threshold).sum())
    assert 0 < expected < len(figures)
    question = f"how many customers spent over {threshold:.2f} in q1"
    assert num(ask(question, world, as_of=AS_OF)) == expected


def test_customers_counted_by_their_spend_between_two_amounts(world, frames):
    figures = per_customer(frames, date(2025, 1, 1), date(2025, 3, 31), amount=True)
    low, high = float(figures.quantile(0.25)), float(figures.quantile(0.75))
    expected = int(((figures >= round(low)) & (figures <= round(high))).sum())
    assert expected
    question = f"how many customers spent between {round(low)} and {round(high)} in q1"
    assert num(ask(question, world, as_of=AS_OF)) == expected


def test_customers_counted_by_their_transactions_in_a_period(world, frames):
    figures = per_customer(frames, date(2025, 1, 1), AS_OF, amount=False)
    threshold = int(figures.median())
    expected = int((figures > threshold).sum())
    assert 0 < expected < len(figures)
    question = f"how many customers had more than {threshold} transactions in 2025"
    assert num(ask(question, world, as_of=AS_OF)) == expected


def test_customers_counted_by_their_spend_with_customer_and_kind_filters(world, frames):
    rows = with_profile(between(approved(frames), date(2025, 1, 1), AS_OF), frames)
    rows = rows[rows["MERCHANT_CATEGORY"].isin(["Airlines", "Hotels", "Car Rental"]) & (rows["CARD_TYPE"] == "Platinum")]
    figures = rows.groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    expected = int((figures > 100).sum())
    assert expected
    assert num(ask("how many platinum customers spent more than 100 on travel ytd", world, as_of=AS_OF)) == expected


# --- a number right before a count is its value ------------------------------------------------------------------
def test_a_number_before_a_count_is_its_value(world, frames):
    p = profile(frames)
    common = int(p["TOTAL_TRANSACTIONS"].mode().iloc[0])
    expected = int((p["TOTAL_TRANSACTIONS"] == common).sum())
    assert num(ask(f"how many customers have {common} lifetime txns", world, as_of=AS_OF)) == expected
    assert num(ask(f"number of customers with exactly {common} lifetime transactions", world,
                      as_of=AS_OF)) == expected
    assert num(ask("how many customers have 0 lifetime txns", world, as_of=AS_OF)) == \
        int((p["TOTAL_TRANSACTIONS"] == 0).sum())


# --- "65 and over", ranked by a period's figure ------------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "top 3 merchant categories by ytd spend for customers 65 and over",
    "top 3 merchant categories by ytd spend for customers 65+",
    "which 3 categories have the most spend ytd for customers aged 65 and above",
])
def test_top_categories_by_a_period_s_spend_of_older_customers(world, frames, question):
    rows = with_profile(between(approved(frames), date(2025, 1, 1), AS_OF), frames)
    spend = rows[rows["AGE"] >= 65].groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum().sort_values(ascending=False)
    assert len(spend) > 3 and spend.iloc[2] != spend.iloc[3]
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert [row[0] for row in answer.rows] == list(spend.index[:3])
    assert [float(plain(row[-1])) for row in answer.rows] == pytest.approx(list(spend.iloc[:3]))


@pytest.mark.parametrize("question, kept", [
    ("how many customers are 65 or older", lambda age: age >= 65),
    ("how many customers aged 65 and over", lambda age: age >= 65),
    ("how many customers are 30 or younger", lambda age: age <= 30),
])
def test_a_number_and_over_includes_it(world, frames, question, kept):
    p = profile(frames)
    assert num(ask(question, world, as_of=AS_OF)) == int(kept(p["AGE"]).sum())


# --- "the most high risk customers" counts them ------------------------------------------------------------------
@pytest.mark.parametrize("question, column", [
    ("which state has the most high risk customers", "STATE"),
    ("which card type has the most high risk customers", "CARD_TYPE"),
])
def test_the_most_customers_of_a_value_counts_them(world, frames, question, column):
    p = profile(frames)
    counts = p[p["CHURN_RISK_CATEGORY"] == "High Risk"].groupby(column).size()
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    group, count = answer.rows[0][0], int(plain(answer.rows[0][-1]))
    assert count == counts.max()
    assert counts[group] == count


# --- two sides of one figure -------------------------------------------------------------------------------------
def test_two_sides_of_one_figure(world, frames):
    rows = with_profile(every_status(frames), frames)
    above = (rows.loc[rows["CREDIT_UTILIZATION_PCT"] > 50, "STATUS"] == "declined").mean()
    below = (rows.loc[rows["CREDIT_UTILIZATION_PCT"] < 50, "STATUS"] == "declined").mean()
    answer = ask("decline rate for customers with utilization above 50 vs below 50", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    got = {row[0]: float(plain(row[-1])) for row in answer.rows}
    assert got == pytest.approx({"credit utilization pct over 50": above, "credit utilization pct under 50": below})


def test_two_sides_of_one_figure_counted(world, frames):
    p = profile(frames)
    answer = ask("how many customers with ltv above 50k versus below 20k", world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    got = {row[0]: int(plain(row[-1])) for row in answer.rows}
    expected = {"lifetime value over 50,000": int((p["LIFETIME_VALUE"] > 50000).sum()),
                "lifetime value under 20,000": int((p["LIFETIME_VALUE"] < 20000).sum())}
    assert got == {k: v for k, v in expected.items() if v}


@pytest.mark.parametrize("question", [
    "decline rate for customers with utilization above 50 vs ltv below 5000",
    "decline rate for utilization above 50 vs below 60",
])
def test_sides_of_different_figures_or_overlapping_are_refused(world, question):
    assert ask(question, world, as_of=AS_OF).refused


def test_customers_counted_by_their_spend_over_all_the_data_and_with_whose(world, frames):
    figures = approved(frames).groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum().reindex(
        profile(frames)["CUSTOMER_ID"], fill_value=0)
    threshold = round(float(figures.median()))
    assert num(ask(f"how many customers spent over {threshold}", world, as_of=AS_OF)) == int((figures > threshold).sum())
    q1 = per_customer(frames, date(2025, 1, 1), date(2025, 3, 31), amount=True)
    low = round(float(q1.median()))
    assert num(ask(f"number of customers whose q1 spend was over {low}", world, as_of=AS_OF)) == int((q1 > low).sum())


def test_yoy_growth_rate_and_other_word_orders(world, frames):
    t = approved(frames)
    now = float(between(t, date(2025, 4, 1), date(2025, 6, 30))["TRANSACTION_AMOUNT"].sum())
    before = float(between(t, date(2024, 4, 1), date(2024, 6, 30))["TRANSACTION_AMOUNT"].sum())
    for question in ("yoy growth rate in q2 spend", "q2 spend yoy growth", "how did q2 spend grow yoy"):
        answer = ask(question, world, as_of=AS_OF)
        assert not answer.refused, (question, answer.interpretation)
        assert float(plain(answer.rows[0][-1])) == pytest.approx(now / before - 1), question


@pytest.mark.parametrize("question", [
    "avg ltv: age under 30 vs age over 60",
    "avg ltv for customers under 30 compared to over 60",
])
def test_two_sides_named_twice_or_compared_to(world, frames, question):
    p = profile(frames)
    expected = {"age under 30": p.loc[p["AGE"] < 30, "LIFETIME_VALUE"].mean(),
                "age over 60": p.loc[p["AGE"] > 60, "LIFETIME_VALUE"].mean()}
    answer = ask(question, world, as_of=AS_OF)
    assert not answer.refused, answer.interpretation
    assert {row[0]: float(plain(row[-1])) for row in answer.rows} == pytest.approx(expected)
