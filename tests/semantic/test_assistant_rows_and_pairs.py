"""Rows and pairs: the top N transactions within each customer, the top N groups within each group of another
breakdown, two counts in one breakdown, customers named by one of their values and ranked, each customer's figure
over a period, and the largest amount per group said to be an amount. Each answer against an independent pandas
computation on the small test world of tests/assistant_world.py."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import approved, assert_same, between, grouped, plain, profile

from c360_pipeline.semantic.assistant import ask

LAST_QUARTER = (date(2025, 1, 1), date(2025, 3, 31))
LAST_MONTH = (date(2025, 5, 1), date(2025, 5, 31))


def first_within(frame: pd.DataFrame, group: str, by: str, key: str, n: int, descending: bool = True) -> list[tuple]:
    """The first n rows of each group by `by` (ties by the key), groups in order: an independent ROW_NUMBER."""
    ranked = frame.sort_values([group, by, key], ascending=[True, not descending, True], kind="stable")
    top = ranked.groupby(group, sort=False).head(n)
    return [(g, k, plain(v)) for g, k, v in zip(top[group], top[key], top[by])]


def shown(answer, group: str, key: str, by: str) -> list[tuple]:
    assert not answer.refused, answer.interpretation
    at = [answer.columns.index(c) for c in (group, key, by)]
    return [(row[at[0]], row[at[1]], plain(row[at[2]])) for row in answer.rows]


def every_transaction(frames) -> pd.DataFrame:
    fact = frames["FCT_TRANSACTIONS"].assign(TRANSACTION_AMOUNT=lambda t: t["TRANSACTION_AMOUNT"].astype(float))
    return fact.rename(columns={"CUSTOMER_ID": "TRANSACTION_CUSTOMER_ID"})


# --- the top N transactions within each customer ----------------------------------------------------------

@pytest.mark.parametrize("question", [
    "top 3 transactions by amount per customer",
    "top 3 transactions by amount for each customer",
    "top 3 transactions per customer by amount",
    "top 3 transactions by amount by customer",
    "show the top 3 transactions by amount for every customer",
])
def test_the_top_transactions_of_each_customer_are_ranked_within_the_customer(world, frames, question):
    # before: the customers ranked by their transaction count or total amount (3 customers, not 3 rows each)
    expected = first_within(every_transaction(frames), "TRANSACTION_CUSTOMER_ID", "TRANSACTION_AMOUNT", "TRANSACTION_ID", 3)
    assert len(expected) > 3 * 30
    answer = ask(question, world)
    assert shown(answer, "TRANSACTION_CUSTOMER_ID", "TRANSACTION_ID", "TRANSACTION_AMOUNT") == expected


@pytest.mark.parametrize("question", ["3 largest transactions per customer", "the 3 biggest purchases for each customer"])
def test_the_largest_transactions_of_each_customer_are_approved_ones_ranked_within_the_customer(world, frames, question):
    rows = approved(frames).rename(columns={"CUSTOMER_ID": "TRANSACTION_CUSTOMER_ID"})
    expected = first_within(rows, "TRANSACTION_CUSTOMER_ID", "TRANSACTION_AMOUNT", "TRANSACTION_ID", 3)
    assert shown(ask(question, world), "TRANSACTION_CUSTOMER_ID", "TRANSACTION_ID", "TRANSACTION_AMOUNT") == expected


@pytest.mark.parametrize("question", [
    "top 10 transactions per customer",
    "top 5 transactions for each customer",
    "top 3 purchases per category",
])
def test_the_top_rows_within_each_group_without_a_figure_are_refused_with_questions_that_name_one(world, question):
    # before: "top 10 transactions per customer" was the one largest lifetime transaction count
    answer = ask(question, world)
    assert answer.refused and answer.rows == [], answer.interpretation
    assert any("by amount" in suggestion for suggestion in answer.suggestions), answer.suggestions


# --- the top N groups within each group of the other breakdown ----------------------------------------------

def spend_by(frames, *by: str) -> pd.DataFrame:
    return approved(frames).groupby(list(by))["TRANSACTION_AMOUNT"].sum().rename("TOTAL_SPEND").reset_index()


@pytest.mark.parametrize("question, ranked", [
    ("top 2 merchant categories by spend by channel", "MERCHANT_CATEGORY"),
    ("top 2 categories by spend in each channel", "MERCHANT_CATEGORY"),
    ("for each channel, the top 2 categories by spend", "MERCHANT_CATEGORY"),
    ("top 2 categories per channel by total spend", "MERCHANT_CATEGORY"),
    ("top 2 merchants by spend by channel", "MERCHANT_NAME"),
])
def test_the_top_groups_are_ranked_within_each_group_of_the_other_breakdown(world, frames, question, ranked):
    # before: the (category, channel) pairs ranked together, the first 2 pairs overall
    expected = first_within(spend_by(frames, ranked, "CHANNEL"), "CHANNEL", "TOTAL_SPEND", ranked, 2)
    assert len(expected) == 6
    assert shown(ask(question, world), "CHANNEL", ranked, "TOTAL_SPEND") == expected


def test_the_top_states_by_customer_count_within_each_segment(world, frames):
    counts = profile(frames).groupby(["STATE", "CUSTOMER_SEGMENT"])["CUSTOMER_ID"].count().rename(
        "CUSTOMER_COUNT").reset_index()
    expected = first_within(counts, "CUSTOMER_SEGMENT", "CUSTOMER_COUNT", "STATE", 2)
    assert shown(ask("top 2 states by customer count by segment", world), "CUSTOMER_SEGMENT", "STATE",
                 "CUSTOMER_COUNT") == expected


# --- two counts in one breakdown -----------------------------------------------------------------------------

@pytest.mark.parametrize("question, group", [
    ("how many customers and transactions by state", "STATE"),
    ("how many transactions and customers by state", "STATE"),
    ("number of customers and transactions per segment", "CUSTOMER_SEGMENT"),
    ("count of customers and transactions by card type", "CARD_TYPE"),
    ("how many customers and transactions by channel", "CHANNEL"),
])
def test_two_counts_in_one_breakdown_are_both_answered(world, frames, question, group):
    # before: the transaction count was dropped (or the customer count, said second)
    t = approved(frames)
    if group not in t.columns:
        t = t.merge(profile(frames)[["CUSTOMER_ID", group]], on="CUSTOMER_ID")
    by = t.groupby(group)
    expected = pd.DataFrame({"TRANSACTION_COUNT": by["TRANSACTION_ID"].count(),
                             "ACTIVE_CUSTOMER_COUNT": by["CUSTOMER_ID"].nunique()}).reset_index()
    answer = ask(question, world)
    assert_same(answer, expected, ordered=False)
    # the customers counted beside transactions are those who made them, and the answer says so
    assert "at least one approved transaction" in answer.interpretation


# --- customers named by one of their values, ranked ----------------------------------------------------------

HIGH_RISK = ("CHURN_RISK_CATEGORY", "High Risk")


@pytest.mark.parametrize("question, value, by, descending, n", [
    ("top 3 high risk customers by credit limit", HIGH_RISK, "CREDIT_LIMIT", True, 3),
    ("top 3 platinum customers by lifetime value", ("CARD_TYPE", "Platinum"), "LIFETIME_VALUE", True, 3),
    ("3 premium cardholders with the highest credit limit", ("CARD_TYPE", "Premium"), "CREDIT_LIMIT", True, 3),
    ("top 3 gold customers ranked by tenure", ("CARD_TYPE", "Gold"), "TENURE_MONTHS", True, 3),
    ("4 high risk customers with the lowest credit limit", HIGH_RISK, "CREDIT_LIMIT", False, 4),
    ("the top 2 premium cardholders by ltv", ("CARD_TYPE", "Premium"), "LIFETIME_VALUE", True, 2),
    # the value said after the rows, then what ranks them (was ranked by the churn risk score, unfiltered)
    ("top 3 customers with high risk by credit limit", HIGH_RISK, "CREDIT_LIMIT", True, 3),
    ("top 3 customers who are high risk by credit limit", HIGH_RISK, "CREDIT_LIMIT", True, 3),
    ("top 3 high-risk customers by credit limit", HIGH_RISK, "CREDIT_LIMIT", True, 3),
])
def test_customers_named_by_a_value_are_ranked_by_the_figure_after_them(world, frames, question, value, by,
                                                                       descending, n):
    # before: refused ("a ranking needs something to rank", "couldn't tell what 10 refers to")
    p = profile(frames)
    p = p[p[value[0]] == value[1]]
    expected = p.sort_values([by, "CUSTOMER_ID"], ascending=[not descending, True]).head(n)
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    at = [answer.columns.index(c) for c in ("CUSTOMER_ID", by, value[0])]
    assert [(row[at[0]], plain(row[at[1]])) for row in answer.rows] == \
        [(c, plain(v)) for c, v in zip(expected["CUSTOMER_ID"], expected[by])]
    assert {row[at[2]] for row in answer.rows} == {value[1]}


def test_customers_named_by_a_value_are_ranked_within_each_group(world, frames):
    p = profile(frames)
    expected = first_within(p[p["CHURN_RISK_CATEGORY"] == "High Risk"], "STATE", "LIFETIME_VALUE", "CUSTOMER_ID", 2)
    answer = ask("top 2 high risk customers by lifetime value per state", world)
    assert shown(answer, "STATE", "CUSTOMER_ID", "LIFETIME_VALUE") == expected


def test_customers_named_by_a_value_ranked_by_their_spend(world, frames):
    t = approved(frames).merge(profile(frames)[["CUSTOMER_ID", "CARD_TYPE"]], on="CUSTOMER_ID")
    spend = t[t["CARD_TYPE"] == "Platinum"].groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    expected = spend.reset_index().sort_values(["TRANSACTION_AMOUNT", "CUSTOMER_ID"], ascending=[False, True]).head(3)
    answer = ask("top 3 platinum customers by spend", world)
    assert not answer.refused, answer.interpretation
    at = [answer.columns.index(c) for c in ("CUSTOMER_ID", "TOTAL_SPEND")]
    assert [(row[at[0]], plain(row[at[1]])) for row in answer.rows] == \
        [(c, plain(v)) for c, v in zip(expected["CUSTOMER_ID"], expected["TRANSACTION_AMOUNT"])]


# --- each customer's figure over a period ---------------------------------------------------------------------

def per_customer(frames, period, figure: str) -> pd.DataFrame:
    t = between(approved(frames), *period)
    by = t.groupby("CUSTOMER_ID")
    values = by["TRANSACTION_AMOUNT"].sum() if figure == "TOTAL_SPEND" else by["TRANSACTION_ID"].count()
    out = values.rename(figure).reset_index().merge(profile(frames)[["CUSTOMER_ID", "FULL_NAME"]], on="CUSTOMER_ID")
    out = out.sort_values([figure, "CUSTOMER_ID"], ascending=[False, True]).head(100)
    return out[["CUSTOMER_ID", "FULL_NAME", figure]]


@pytest.mark.parametrize("question, period, figure", [
    ("total spend per customer last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("what was the total spend per customer last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("show total spend per customer for last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("spend by customer last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("each customer's total spend last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("customer-level total spend for last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("sum of spend per customer last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("transactions per customer last month", LAST_MONTH, "TRANSACTION_COUNT"),
])
def test_each_customer_s_figure_over_a_period_is_listed_by_customer(world, frames, question, period, figure):
    # before: "total spend per customer last quarter" was refused (the profile's lifetime figure takes no period)
    expected = per_customer(frames, period, figure)
    assert len(expected) > 20
    assert_same(ask(question, world), expected)


# --- the largest amount per group ----------------------------------------------------------------------------

@pytest.mark.parametrize("question, group", [
    ("largest transaction per merchant category", "MERCHANT_CATEGORY"),
    ("biggest purchase by channel", "CHANNEL"),
])
def test_the_largest_transaction_per_group_is_an_amount_and_says_so(world, frames, question, group):
    t = approved(frames)
    expected = grouped(t, [group], "LARGEST_TRANSACTION_AMOUNT", t.groupby(group)["TRANSACTION_AMOUNT"].max())
    answer = ask(question, world)
    assert_same(answer, expected)
    assert "not the transaction itself" in answer.interpretation and "largest transactions per" in answer.interpretation


# --- neighbours: a count beside another figure, the one group ranked first within each group ------------------

def by_label(answer, group: str) -> dict:
    """The answer's rows keyed by the group, each a {column: value} of its figures (whatever their order)."""
    assert not answer.refused, answer.interpretation
    at = answer.columns.index(group)
    return {row[at]: {c: plain(v) for c, v in zip(answer.columns, row) if c != group} for row in answer.rows}


@pytest.mark.parametrize("question, group, figures", [
    ("how many high risk customers and transactions by state", "STATE", ("TRANSACTION_COUNT", "ACTIVE_CUSTOMER_COUNT")),
    ("customers and spend by state", "STATE", ("TOTAL_SPEND", "ACTIVE_CUSTOMER_COUNT")),
    ("total spend and customers by channel", "CHANNEL", ("TOTAL_SPEND", "ACTIVE_CUSTOMER_COUNT")),
    ("spend and transactions by channel", "CHANNEL", ("TOTAL_SPEND", "TRANSACTION_COUNT")),
])
def test_rows_named_beside_another_figure_are_counted_too(world, frames, question, group, figures):
    # before: the second figure (the transactions, the customers) was dropped
    t = approved(frames).merge(profile(frames)[["CUSTOMER_ID", "STATE", "CHURN_RISK_CATEGORY"]], on="CUSTOMER_ID",
                               suffixes=("", "_P"))
    if "high risk" in question:
        t = t[t["CHURN_RISK_CATEGORY"] == "High Risk"]
    by = t.groupby(group)
    values = {"TOTAL_SPEND": by["TRANSACTION_AMOUNT"].sum(), "TRANSACTION_COUNT": by["TRANSACTION_ID"].count(),
              "ACTIVE_CUSTOMER_COUNT": by["CUSTOMER_ID"].nunique()}
    expected = {key: {f: plain(values[f][key]) for f in figures} for key in by.groups}
    answer = ask(question, world)
    assert by_label(answer, group) == expected
    if "ACTIVE_CUSTOMER_COUNT" in figures:
        assert "at least one approved transaction" in answer.interpretation


def spend_with_profile(frames, *by: str) -> pd.DataFrame:
    t = approved(frames).merge(profile(frames)[["CUSTOMER_ID", "STATE", "CUSTOMER_SEGMENT"]], on="CUSTOMER_ID")
    return t.groupby(list(by))["TRANSACTION_AMOUNT"].sum().rename("TOTAL_SPEND").reset_index()


@pytest.mark.parametrize("question, ranked, within", [
    ("which category has the highest spend in each channel", "MERCHANT_CATEGORY", "CHANNEL"),
    ("the top category by spend in each channel", "MERCHANT_CATEGORY", "CHANNEL"),
    ("what is the top merchant category by spend for each channel", "MERCHANT_CATEGORY", "CHANNEL"),
    ("highest spending state by segment", "STATE", "CUSTOMER_SEGMENT"),
])
def test_the_one_group_asked_for_is_ranked_first_within_each_group_of_the_other_breakdown(world, frames, question,
                                                                                          ranked, within):
    # before: the one (category, channel) pair with the highest spend overall, or every pair
    expected = first_within(spend_with_profile(frames, ranked, within), within, "TOTAL_SPEND", ranked, 1)
    assert shown(ask(question, world), within, ranked, "TOTAL_SPEND") == expected


def test_the_most_customers_per_group_within_each_group(world, frames):
    counts = profile(frames).groupby(["STATE", "CUSTOMER_SEGMENT"])["CUSTOMER_ID"].count().rename(
        "CUSTOMER_COUNT").reset_index()
    expected = first_within(counts, "CUSTOMER_SEGMENT", "CUSTOMER_COUNT", "STATE", 1)
    assert shown(ask("which state has the most customers by segment", world), "CUSTOMER_SEGMENT", "STATE",
                 "CUSTOMER_COUNT") == expected


def test_the_top_groups_within_each_customer(world, frames):
    expected = first_within(spend_by(frames, "CUSTOMER_ID", "MERCHANT_CATEGORY"), "CUSTOMER_ID", "TOTAL_SPEND",
                            "MERCHANT_CATEGORY", 2)
    assert shown(ask("top 2 categories for each customer by spend", world), "CUSTOMER_ID", "MERCHANT_CATEGORY",
                 "TOTAL_SPEND") == expected


@pytest.mark.parametrize("question, n", [("top category by spend", 1), ("top categories by spend", None)])
def test_the_top_group_in_the_singular_is_one(world, frames, question, n):
    spend = spend_by(frames, "MERCHANT_CATEGORY").sort_values(["TOTAL_SPEND", "MERCHANT_CATEGORY"],
                                                              ascending=[False, True])
    expected = spend.head(n) if n else spend
    assert_same(ask(question, world), expected.reset_index(drop=True))


def test_the_top_high_risk_customers_are_those_customers_riskiest_first(world, frames):
    # before: the one maximum churn risk score
    p = profile(frames)
    expected = p[p["CHURN_RISK_CATEGORY"] == "High Risk"].sort_values(["CHURN_RISK_SCORE", "CUSTOMER_ID"],
                                                                     ascending=[False, True]).head(3)
    answer = ask("top 3 high risk customers", world)
    assert not answer.refused, answer.interpretation
    at = [answer.columns.index(c) for c in ("CUSTOMER_ID", "CHURN_RISK_SCORE")]
    assert [(row[at[0]], plain(row[at[1]])) for row in answer.rows] == \
        [(c, plain(v)) for c, v in zip(expected["CUSTOMER_ID"], expected["CHURN_RISK_SCORE"])]


# --- several summaries of one figure ---------------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "max and min credit limit by card type",
    "highest and lowest credit limit by card type",
    "minimum and maximum credit limit per card type",
])
def test_several_summaries_of_one_figure_are_each_answered(world, frames, question):
    # before: one summary dropped and the groups cut to the first ("top 1"), or a customer count instead
    by = profile(frames).groupby("CARD_TYPE")["CREDIT_LIMIT"]
    expected = {key: {"MAX_CREDIT_LIMIT": plain(by.max()[key]), "MIN_CREDIT_LIMIT": plain(by.min()[key])}
                for key in by.groups}
    assert by_label(ask(question, world), "CARD_TYPE") == expected


def test_the_lowest_and_highest_transaction_amount_are_the_model_s_smallest_and_largest(world, frames):
    by = approved(frames).groupby("CHANNEL")["TRANSACTION_AMOUNT"]
    expected = {key: {"SMALLEST_TRANSACTION_AMOUNT": plain(by.min()[key]), "LARGEST_TRANSACTION_AMOUNT": plain(by.max()[key])}
                for key in by.groups}
    assert by_label(ask("lowest and highest transaction amount by channel", world), "CHANNEL") == expected


@pytest.mark.parametrize("question", ["highest and lowest spend by state", "customers with the highest and lowest ltv",
                                      "max and min by card type"])
def test_summaries_that_would_be_two_rankings_or_of_no_figure_are_refused(world, question):
    answer = ask(question, world)
    assert answer.refused and answer.rows == [], answer.interpretation


# --- the groups ranked, the groups they are ranked within -------------------------------------------------------

def test_the_groups_named_together_are_ranked_as_pairs(world, frames):
    # "states and segments" named beside each other are the pairs ranked, not states within each segment
    counts = profile(frames).groupby(["STATE", "CUSTOMER_SEGMENT"])["CUSTOMER_ID"].count().rename(
        "CUSTOMER_COUNT").reset_index()
    expected = counts.sort_values(["CUSTOMER_COUNT", "STATE", "CUSTOMER_SEGMENT"], ascending=[False, True, True]).head(3)
    assert_same(ask("top 3 states and segments by customer count", world), expected.reset_index(drop=True))


@pytest.mark.parametrize("question, within", [
    ("best 2 segments by average ltv in each state", "STATE"),
    ("top 2 segments by average lifetime value per card type", "CARD_TYPE"),
])
def test_the_top_groups_by_a_customer_figure_within_each_group(world, frames, question, within):
    ltv = profile(frames).groupby(["CUSTOMER_SEGMENT", within])["LIFETIME_VALUE"].mean().rename(
        "AVERAGE_LIFETIME_VALUE").reset_index()
    expected = first_within(ltv, within, "AVERAGE_LIFETIME_VALUE", "CUSTOMER_SEGMENT", 2)
    assert shown(ask(question, world), within, "CUSTOMER_SEGMENT", "AVERAGE_LIFETIME_VALUE") == expected


@pytest.mark.parametrize("question", ["top 2 categories by total spend each month", "top 2 categories by spend monthly"])
def test_the_top_groups_within_each_month(world, frames, question):
    t = approved(frames)
    t = t.assign(YEAR_MONTH=(t["DATE_KEY"] // 10000).astype(str) + "-" + (t["DATE_KEY"] // 100 % 100).map("{:02d}".format))
    spend = t.groupby(["MERCHANT_CATEGORY", "YEAR_MONTH"])["TRANSACTION_AMOUNT"].sum().rename("TOTAL_SPEND").reset_index()
    expected = first_within(spend, "YEAR_MONTH", "TOTAL_SPEND", "MERCHANT_CATEGORY", 2)
    assert shown(ask(question, world), "YEAR_MONTH", "MERCHANT_CATEGORY", "TOTAL_SPEND") == expected


def test_each_customer_s_top_transactions_said_first(world, frames):
    expected = first_within(every_transaction(frames), "TRANSACTION_CUSTOMER_ID", "TRANSACTION_AMOUNT", "TRANSACTION_ID", 3)
    assert shown(ask("each customer's top 3 transactions by amount", world), "TRANSACTION_CUSTOMER_ID",
                 "TRANSACTION_ID", "TRANSACTION_AMOUNT") == expected


# --- lists of figures with a count; the customers' own figure ----------------------------------------------------

def test_customers_transactions_and_spend_in_one_list_are_all_answered(world, frames):
    t = approved(frames).merge(profile(frames)[["CUSTOMER_ID", "STATE"]], on="CUSTOMER_ID")
    by = t.groupby("STATE")
    expected = {key: {"TRANSACTION_COUNT": plain(by["TRANSACTION_ID"].count()[key]),
                      "TOTAL_SPEND": plain(by["TRANSACTION_AMOUNT"].sum()[key]),
                      "ACTIVE_CUSTOMER_COUNT": plain(by["CUSTOMER_ID"].nunique()[key])} for key in by.groups}
    assert by_label(ask("customers, transactions and spend by state", world), "STATE") == expected


@pytest.mark.parametrize("question, value", [
    ("number of high risk customers and their average ltv by state", ("CHURN_RISK_CATEGORY", "High Risk")),
    ("how many platinum cardholders and their average lifetime value by state", ("CARD_TYPE", "Platinum")),
])
def test_customers_counted_beside_a_figure_of_theirs(world, frames, question, value):
    # before: the count was dropped
    p = profile(frames)
    by = p[p[value[0]] == value[1]].groupby("STATE")
    expected = {key: {"CUSTOMER_COUNT": plain(by["CUSTOMER_ID"].count()[key]),
                      "AVERAGE_LIFETIME_VALUE": plain(by["LIFETIME_VALUE"].mean()[key])} for key in by.groups}
    assert by_label(ask(question, world), "STATE") == expected


def test_a_count_listed_with_a_summary_counts_the_rows(world, frames):
    by = profile(frames).groupby("CARD_TYPE")
    expected = {key: {"CUSTOMER_COUNT": plain(by["CUSTOMER_ID"].count()[key]),
                      "AVERAGE_CREDIT_LIMIT": plain(by["CREDIT_LIMIT"].mean()[key])} for key in by.groups}
    assert by_label(ask("count and average credit limit by card type", world), "CARD_TYPE") == expected


@pytest.mark.parametrize("question, period, figure", [
    ("list customers with their total spend last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("customers and their spend last quarter", LAST_QUARTER, "TOTAL_SPEND"),
    ("show customers with their transaction count last month", LAST_MONTH, "TRANSACTION_COUNT"),
])
def test_the_customers_own_figure_is_listed_per_customer(world, frames, question, period, figure):
    # before: one total over every customer
    assert_same(ask(question, world), per_customer(frames, period, figure))


def test_a_figure_of_customers_named_by_a_filter_stays_one_total(world, frames):
    t = approved(frames).merge(profile(frames)[["CUSTOMER_ID", "STATE"]], on="CUSTOMER_ID")
    answer = ask("total spend of customers in texas", world)
    assert not answer.refused and answer.columns == ["TOTAL_SPEND"], answer.interpretation
    assert plain(answer.rows[0][0]) == plain(t[t["STATE"] == "TX"]["TRANSACTION_AMOUNT"].sum())


def test_rows_listed_together_over_a_period_are_both_counted(world, frames):
    # before: the customers were dropped
    t = between(approved(frames), *LAST_MONTH)
    answer = ask("transactions and customers last month", world)
    assert not answer.refused, answer.interpretation
    got = dict(zip(answer.columns, (plain(v) for v in answer.rows[0])))
    assert got == {"TRANSACTION_COUNT": plain(len(t)), "ACTIVE_CUSTOMER_COUNT": plain(t["CUSTOMER_ID"].nunique())}


# --- transactions named by one of their values, ranked ----------------------------------------------------------

@pytest.mark.parametrize("question, column, value", [
    ("top 5 online transactions by amount", "CHANNEL", "Online"),
    ("top 3 grocery transactions by amount", "MERCHANT_CATEGORY", "Grocery Stores"),
])
def test_transactions_named_by_a_value_are_ranked_by_the_figure_after_them(world, frames, question, column, value):
    # before: refused ("a ranking needs something to rank")
    t = every_transaction(frames)
    n = int(next(word for word in question.split() if word.isdigit()))
    expected = t[t[column] == value].sort_values(["TRANSACTION_AMOUNT", "TRANSACTION_ID"], ascending=[False, True]).head(n)
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    at = [answer.columns.index(c) for c in ("TRANSACTION_ID", "TRANSACTION_AMOUNT")]
    assert [(row[at[0]], plain(row[at[1]])) for row in answer.rows] == \
        [(k, plain(v)) for k, v in zip(expected["TRANSACTION_ID"], expected["TRANSACTION_AMOUNT"])]


def test_transactions_named_by_a_value_are_ranked_within_each_group(world, frames):
    t = every_transaction(frames)
    expected = first_within(t[t["CHANNEL"] == "Online"], "MERCHANT_CATEGORY", "TRANSACTION_AMOUNT", "TRANSACTION_ID", 3)
    assert shown(ask("top 3 online transactions by amount by merchant category", world), "MERCHANT_CATEGORY",
                 "TRANSACTION_ID", "TRANSACTION_AMOUNT") == expected
