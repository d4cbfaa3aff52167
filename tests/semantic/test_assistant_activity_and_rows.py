"""No activity since a date, the "inactive" named filter with customers who never transacted, the N newest rows
with the number before the recency word, and a top N of customers with a filter between the rows and "by".

The world is the shared test world with a few customers who never transacted (their transactions removed, their
recency NULL) and a few whose last approved transaction is before April, so "since april" and "inactive" differ
from the plain recency comparison. Expected answers are pandas computations over the fact rows and the profile.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from assistant_world import AS_OF, assert_same, build_world, figure, listed, plain, profile, write_home

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic.assistant import ask
from c360_pipeline.semantic.engine import QuestionNotUnderstood, parse_question
from c360_pipeline.semantic.model import load_model

NEVER = ("CUST00000004", "CUST00000011", "CUST00000023")  # no transaction at all
IDLE_SINCE_MARCH = ("CUST00000007", "CUST00000016")  # nothing after 2025-03-31


def _day(key: int) -> date:
    return date(key // 10000, key // 100 % 100, key % 100)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    frames = build_world()
    fact = frames["FCT_TRANSACTIONS"]
    keep = ~fact["CUSTOMER_ID"].isin(NEVER) & ~(fact["CUSTOMER_ID"].isin(IDLE_SINCE_MARCH) & (fact["DATE_KEY"] > 20250331))
    fact = fact[keep].reset_index(drop=True)
    frames["FCT_TRANSACTIONS"] = fact
    p = frames["CUSTOMER_360_PROFILE"]
    for index, row in p.iterrows():
        if row["CUSTOMER_ID"] not in NEVER + IDLE_SINCE_MARCH:
            continue
        mine = fact[(fact["CUSTOMER_ID"] == row["CUSTOMER_ID"]) & (fact["STATUS"] == "approved")]
        days = sorted(_day(k) for k in mine["DATE_KEY"])
        p.at[index, "FIRST_TRANSACTION_DATE"] = days[0] if days else None
        p.at[index, "LAST_TRANSACTION_DATE"] = days[-1] if days else None
        p.at[index, "DAYS_SINCE_LAST_TRANSACTION"] = (AS_OF - days[-1]).days if days else None
        p.at[index, "TOTAL_TRANSACTIONS"] = len(mine)
    p["DAYS_SINCE_LAST_TRANSACTION"] = p["DAYS_SINCE_LAST_TRANSACTION"].astype("Int64")
    return frames


@pytest.fixture(scope="module")
def world(tmp_path_factory, frames):
    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp("activity"), as_of=AS_OF)
    write_home(cfg, frames)
    session = engine.reader_session(cfg.home, cfg.database)
    yield Warehouse.of(session, cfg)
    session.close()


def _no_approved_since(frames, first_day: date) -> set[str]:
    """Customers with no approved transaction on or after `first_day`, those who never transacted included."""
    fact = frames["FCT_TRANSACTIONS"]
    recent = fact[(fact["STATUS"] == "approved") & (pd.to_datetime(fact["TRANSACTION_DATE"]).dt.date >= first_day)]
    return set(frames["CUSTOMER_360_PROFILE"]["CUSTOMER_ID"]) - set(recent["CUSTOMER_ID"])


def test_the_world_has_customers_who_never_transacted(frames):
    p = frames["CUSTOMER_360_PROFILE"]
    assert set(p.loc[p["DAYS_SINCE_LAST_TRANSACTION"].isna(), "CUSTOMER_ID"]) == set(NEVER)
    assert _no_approved_since(frames, date(2025, 4, 1)) >= set(NEVER + IDLE_SINCE_MARCH)


# --- 1. no activity since a date ------------------------------------------------------------------

@pytest.mark.parametrize("question, first_day", [
    ("how many customers haven't made a purchase since april", date(2025, 4, 1)),
    ("how many customers have had no transactions since may", date(2025, 5, 1)),
    ("count of customers that haven't bought anything since april", date(2025, 4, 1)),
    ("number of customers without a transaction since 2025-05-15", date(2025, 5, 15)),
    ("how many customers have not used their card since june", date(2025, 6, 1)),
    ("how many customers are inactive since may", date(2025, 5, 1)),
])
def test_no_activity_since_a_date_counts_customers_including_those_who_never_transacted(world, frames, question,
                                                                                         first_day):
    expected = _no_approved_since(frames, first_day)
    assert set(NEVER) <= expected
    answer = ask(question, world)
    assert figure(answer) == plain(len(expected)), answer.interpretation
    (condition,) = answer.query.conditions
    days = (AS_OF - first_day).days + 1
    assert condition.filter_expr == f"DAYS_SINCE_LAST_TRANSACTION >= {days} OR DAYS_SINCE_LAST_TRANSACTION IS NULL"
    assert f"since {first_day:%B} {first_day.day}, {first_day.year}" in condition.title
    assert answer.query.time_range is None  # the date bounds the inactivity, it is not a period of transactions


def test_customers_with_no_activity_since_a_date_are_listed_longest_idle_first(world, frames):
    answer = ask("which customers haven't transacted since april", world)
    assert not answer.refused, answer.interpretation
    ids = [row[answer.columns.index("CUSTOMER_ID")] for row in answer.rows]
    assert set(ids) == _no_approved_since(frames, date(2025, 4, 1))
    assert answer.columns[-1] == "DAYS_SINCE_LAST_TRANSACTION"


def test_activity_since_a_date_without_negation_stays_a_count_of_buyers(world, frames):
    fact = frames["FCT_TRANSACTIONS"]
    recent = fact[(fact["STATUS"] == "approved") & (fact["DATE_KEY"] >= 20250401)]
    assert figure(ask("how many customers have made a purchase since april", world)) == plain(recent["CUSTOMER_ID"].nunique())


def test_no_activity_within_a_closed_period_counts_customers_without_a_transaction_in_it(world, frames):
    """None within a month is not the profile's recency: each customer's approved transactions in April are counted,
    and the customers with none kept (those who never transacted included)."""
    fact = frames["FCT_TRANSACTIONS"]
    april = fact[(fact["STATUS"] == "approved") & fact["DATE_KEY"].between(20250401, 20250430)]
    expected = set(frames["CUSTOMER_360_PROFILE"]["CUSTOMER_ID"]) - set(april["CUSTOMER_ID"])
    answer = ask("how many customers haven't purchased in april", world)
    assert figure(answer) == plain(len(expected)), answer.interpretation
    assert answer.query.per_customer is not None and answer.query.per_customer.time_range is not None


# --- 4. the inactive named filter counts customers who never transacted ---------------------------

def test_the_inactive_named_filter_includes_customers_who_never_transacted_in_the_yaml():
    (inactive,) = [f for f in load_model().table("customer_360_profile").filters if f.name == "inactive_customers"]
    assert inactive.expr == "DAYS_SINCE_LAST_TRANSACTION >= 60 OR DAYS_SINCE_LAST_TRANSACTION IS NULL"


@pytest.mark.parametrize("question", ["how many inactive customers are there", "number of dormant customers",
                                      "how many customers are not active"])
def test_inactive_customers_are_the_same_customers_as_no_transactions_in_60_days(world, frames, question):
    p = profile(frames)
    inactive = (p["DAYS_SINCE_LAST_TRANSACTION"] >= 60) | p["DAYS_SINCE_LAST_TRANSACTION"].isna()
    assert figure(ask(question, world)) == plain(int(inactive.sum()))
    assert figure(ask(question, world)) == figure(ask("how many customers have no transactions in the last 60 days", world))


def test_active_and_not_inactive_customers_leave_out_those_who_never_transacted(world, frames):
    p = profile(frames)
    active = int((p["DAYS_SINCE_LAST_TRANSACTION"] < 60).sum())
    assert active == len(p) - len(NEVER) - int((p["DAYS_SINCE_LAST_TRANSACTION"] >= 60).sum())
    assert figure(ask("how many active customers", world)) == plain(active)
    assert figure(ask("how many customers are not inactive", world)) == plain(active)


def test_inactive_customers_per_segment(world, frames):
    p = profile(frames)
    inactive = p[(p["DAYS_SINCE_LAST_TRANSACTION"] >= 60) | p["DAYS_SINCE_LAST_TRANSACTION"].isna()]
    answer = ask("How many inactive customers are there in each segment?", world)
    assert not answer.refused, answer.interpretation
    got = {row[0]: plain(row[-1]) for row in answer.rows}
    assert got == {k: plain(v) for k, v in inactive.groupby("CUSTOMER_SEGMENT")["CUSTOMER_ID"].count().items()}


# --- 2. the N newest rows, the number before the recency word, for one customer --------------------

def _newest(frames, customer: str, n: int, newest: bool = True) -> list[str]:
    fact = frames["FCT_TRANSACTIONS"]
    mine = fact[fact["CUSTOMER_ID"] == customer]
    ordered = mine.sort_values(["TRANSACTION_DATE", "TRANSACTION_ID"], ascending=[not newest, True], kind="stable")
    return list(ordered["TRANSACTION_ID"][:n])


@pytest.mark.parametrize("question, customer, n, newest", [
    ("the 10 most recent transactions for CUST00000003", "CUST00000003", 10, True),
    ("the 5 most recent transactions for customer CUST00000009", "CUST00000009", 5, True),
    ("the 4 latest transactions for CUST00000012", "CUST00000012", 4, True),
    ("6 newest transactions for CUST00000003", "CUST00000003", 6, True),
    ("top 3 most recent purchases of CUST00000020", "CUST00000020", 3, True),
    ("the 3 oldest transactions for CUST00000009", "CUST00000009", 3, False),
    ("show the 5 latest purchases made by CUST00000012", "CUST00000012", 5, True),
    ("the latest 10 transactions for customer CUST00000003", "CUST00000003", 10, True),  # worked before
])
def test_the_n_newest_transactions_of_one_customer(world, frames, question, customer, n, newest):
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    assert answer.query.kind == "list" and answer.query.limit == n
    assert [c.values for c in answer.query.conditions] == [(customer,)]
    assert [row[answer.columns.index("TRANSACTION_ID")] for row in answer.rows] == _newest(frames, customer, n, newest)


def test_the_n_most_recently_opened_accounts(world, frames):
    p = profile(frames)
    expected = listed(p, ["CUSTOMER_ID", "FULL_NAME", "ACCOUNT_OPEN_DATE"], "ACCOUNT_OPEN_DATE", limit=3)
    assert_same(ask("the 3 most recently opened accounts", world), expected)


def test_transactions_made_by_a_customer_are_that_customers(world, frames):
    fact = frames["FCT_TRANSACTIONS"]
    mine = fact[(fact["CUSTOMER_ID"] == "CUST00000005") & (fact["STATUS"] == "approved")]
    answer = ask("total spend by CUST00000005", world)
    assert figure(answer) == plain(float(mine["TRANSACTION_AMOUNT"].astype(float).sum()))


def test_a_number_after_a_comparison_is_not_a_count_of_newest_rows():
    with pytest.raises(QuestionNotUnderstood):
        parse_question("customers with more than 10 latest transactions", AS_OF)


# --- 3. a filter between the rows and "by <figure>" in a top N -------------------------------------

@pytest.mark.parametrize("question, chosen, shown, by, n, descending", [
    ("top 5 customers in texas by lifetime value", lambda p: p["STATE"] == "TX", "STATE", "LIFETIME_VALUE", 5, True),
    ("top 3 customers from california by credit limit", lambda p: p["STATE"] == "CA", "STATE", "CREDIT_LIMIT", 3, True),
    ("top 3 customers who are high risk by lifetime value", lambda p: p["CHURN_RISK_CATEGORY"] == "High Risk",
     "CHURN_RISK_CATEGORY", "LIFETIME_VALUE", 3, True),
    ("bottom 2 customers in the gold tier by tenure", lambda p: p["CARD_TYPE"] == "Gold", "CARD_TYPE",
     "TENURE_MONTHS", 2, False),
    ("top 4 customers in texas and florida by lifetime value", lambda p: p["STATE"].isin(["TX", "FL"]), "STATE",
     "LIFETIME_VALUE", 4, True),
])
def test_top_n_customers_with_a_filter_before_by(world, frames, question, chosen, shown, by, n, descending):
    p = profile(frames)
    expected = listed(p[chosen(p)], ["CUSTOMER_ID", "FULL_NAME", shown, by], by, descending=descending, limit=n)
    assert_same(ask(question, world), expected)


def test_top_n_customers_with_a_filter_and_no_figure_stays_refused():
    with pytest.raises(QuestionNotUnderstood):
        parse_question("top 5 customers in texas", AS_OF)
