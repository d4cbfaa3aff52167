"""The AI Assistant over a real local database: suggested questions against independent pandas computations,
each understanding feature, refusals, injection strings, the SQL it shows, Cortex Analyst (endpoint mocked)
and `c360 ask`.

The database is a small gold layer written with `Warehouse.write_pandas` into a home's `C360.db` by a writer
session that is closed again (`world` below); the tests read it through a read-only session, as `c360 ask`
and the app do. Expected results are computed in pandas from the same frames, sharing no code with the engine.
"""

from __future__ import annotations

import calendar
import http.server
import io
import json
import threading
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sqlglot
from app_fixtures import CATEGORY_SCHEMA, FACT_SCHEMA, PROFILE_SCHEMA, writer_process  # noqa: E402
from rich.console import Console

from c360_pipeline import engine
from c360_pipeline.catalog import CARD_TYPES, CHANNELS, EMPLOYMENT_STATUSES, MERCHANT_CATEGORIES, SEGMENTS
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic import cortex
from c360_pipeline.semantic.assistant import Answer, ask, ask_command
from c360_pipeline.semantic.engine import (
    QuestionNotUnderstood,
    UnsafeSql,
    check_read_only,
    compile_sql,
    data_as_of,
    parse_question,
)
from c360_pipeline.semantic.suggestions import SUGGESTED_QUESTIONS, all_suggestions, closest_questions
from c360_pipeline.transforms import dimensions

AS_OF = date(2025, 6, 30)
HISTORY_START = date(2024, 11, 1)
STATES = ("CA", "NY", "TX", "FL", "OR", "IN")
USED_CATEGORIES = ("Airlines", "Hotels", "Grocery Stores", "Gas Stations", "Restaurants", "Electronics", "Coffee Shops")
FIRST_NAMES = ("Ana", "Ben", "Chloe", "David", "Erin", "Farid", "Grace")
LAST_NAMES = ("Smith", "Garcia", "Nguyen", "Lee", "O'Brien")
SCHEMAS = {  # the same table layouts as the app tests' fixture world
    "CUSTOMER_360_PROFILE": PROFILE_SCHEMA,
    "FCT_TRANSACTIONS": FACT_SCHEMA,
    "DIM_DATE": dimensions.DIM_DATE_SCHEMA,
    "DIM_MERCHANT_CATEGORY": CATEGORY_SCHEMA,
}


def build_world(customers: int = 40, seed: int = 3) -> dict[str, pd.DataFrame]:
    """Profile, fact, dim_date and dim_merchant_category frames: small, deterministic, with every segment,
    card type, risk category, channel and a customer without a churn score."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(HISTORY_START, AS_OF, freq="D")
    dim_date = pd.DataFrame({
        "DATE_KEY": days.year * 10000 + days.month * 100 + days.day, "CALENDAR_DATE": days.date,
        "YEAR": days.year, "QUARTER": days.quarter, "MONTH": days.month,
        "MONTH_NAME": [calendar.month_name[m] for m in days.month], "DAY": days.day,
        "DAY_OF_WEEK": (days.dayofweek + 1) % 7, "DAY_NAME": [calendar.day_name[d] for d in days.dayofweek],
        "IS_WEEKEND": days.dayofweek >= 5,
    })
    categories = pd.DataFrame([
        {"MERCHANT_CATEGORY_KEY": c.key, "MERCHANT_CATEGORY": c.name, "CATEGORY_GROUP": c.group,
         "IS_TRAVEL": c.is_travel, "IS_NECESSITY": c.is_necessity} for c in MERCHANT_CATEGORIES
    ])
    used = categories[categories["MERCHANT_CATEGORY"].isin(USED_CATEGORIES)].reset_index(drop=True)
    rows = []
    for i in range(customers):
        for _ in range(int(rng.integers(6, 24))):
            day = days[int(rng.integers(0, len(days)))]
            category = used.iloc[int(rng.integers(0, len(used)))]
            rows.append({
                "TRANSACTION_ID": f"TXN{len(rows) + 1:012d}", "CUSTOMER_KEY": 1000 + i, "CUSTOMER_ID": f"CUST{i + 1:08d}",
                "DATE_KEY": int(day.year * 10000 + day.month * 100 + day.day),
                "MERCHANT_CATEGORY_KEY": int(category["MERCHANT_CATEGORY_KEY"]),
                "MERCHANT_CATEGORY": category["MERCHANT_CATEGORY"],
                "MERCHANT_NAME": f"{category['MERCHANT_CATEGORY']} #{int(rng.integers(1, 4))}",
                "TRANSACTION_AMOUNT": Decimal(f"{rng.uniform(3, 900):.2f}"),
                "STATUS": "declined" if rng.random() < 0.08 else "approved",
                "CHANNEL": CHANNELS[int(rng.integers(0, 3))],
                "TRANSACTION_DATE": day.to_pydatetime() + timedelta(hours=int(rng.integers(7, 22))),
                "_BATCH_ID": "20250630",
            })
    fact = pd.DataFrame(rows)
    fact.insert(0, "TRANSACTION_KEY", range(1, len(fact) + 1))
    profile = []
    for i in range(customers):
        customer = f"CUST{i + 1:08d}"
        mine = fact[(fact["CUSTOMER_ID"] == customer) & (fact["STATUS"] == "approved")]
        opened = date(2020, 1, 1) + timedelta(days=int(rng.integers(0, 1900)))
        lifetime = sum(mine["TRANSACTION_AMOUNT"], Decimal("0"))
        days_seen = sorted(date(k // 10000, k // 100 % 100, k % 100) for k in mine["DATE_KEY"])
        score = float(round(rng.uniform(0, 100), 1))
        scored = i != customers - 1  # the last customer has not been scored yet
        risk = ("High Risk" if score >= 70 else "Medium Risk" if score >= 40 else "Low Risk") if scored else None
        first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i % len(LAST_NAMES)]
        profile.append({
            "CUSTOMER_ID": customer, "CUSTOMER_KEY": 1000 + i, "FULL_NAME": f"{first} {last}", "FIRST_NAME": first,
            "LAST_NAME": last, "EMAIL": f"{first.lower()}{i}@example.com", "AGE": int(rng.integers(19, 84)),
            "STATE": STATES[i % len(STATES)], "CITY": "Springfield", "EMPLOYMENT_STATUS": EMPLOYMENT_STATUSES[i % 5],
            "CARD_TYPE": CARD_TYPES[i % 4], "CREDIT_LIMIT": Decimal(f"{int(rng.integers(2, 40)) * 1000}.00"),
            "ACCOUNT_OPEN_DATE": opened, "TENURE_MONTHS": (AS_OF.year - opened.year) * 12 + AS_OF.month - opened.month,
            "TENURE_DAYS": (AS_OF - opened).days, "CUSTOMER_SEGMENT": SEGMENTS[(i * 7) % 5],
            "SEGMENT_ASSIGNED_AT": datetime(2025, 6, 30, 2, 0),
            "SPEND_LAST_90_DAYS": Decimal(f"{rng.uniform(0, 9000):.2f}"),
            "SPEND_PRIOR_90_DAYS": Decimal(f"{rng.uniform(0, 9000):.2f}"),
            "SPEND_CHANGE_PCT": float(round(rng.uniform(-0.8, 1.2), 4)),
            "AVG_MONTHLY_SPEND": float(round(rng.uniform(200, 7000), 2)),
            "TRAVEL_SHARE": float(round(rng.uniform(0, 0.6), 4)), "NECESSITIES_SHARE": float(round(rng.uniform(0, 0.8), 4)),
            "LIFETIME_VALUE": lifetime, "TOTAL_TRANSACTIONS": int(len(mine)),
            "AVG_SPEND_PER_DAY": float(round(float(lifetime) / 240, 4)),
            "FIRST_TRANSACTION_DATE": days_seen[0] if days_seen else None,
            "LAST_TRANSACTION_DATE": days_seen[-1] if days_seen else None,
            "AVG_TRANSACTION_VALUE": float(round(float(lifetime) / max(len(mine), 1), 2)),
            "DAYS_SINCE_LAST_TRANSACTION": (AS_OF - days_seen[-1]).days if days_seen else None,
            "LAST_MONTH_SPEND": float(round(rng.uniform(0, 3000), 2)),
            "MOM_SPEND_CHANGE_PCT": float(round(rng.uniform(-0.5, 0.5), 4)),
            "CREDIT_UTILIZATION_PCT": float(round(rng.uniform(0, 95), 2)),
            "CHURN_PROBABILITY": score / 100 if scored else None, "CHURN_RISK_SCORE": score if scored else None,
            "CHURN_RISK_CATEGORY": risk, "MODEL_VERSION": "v20250630" if scored else None,
            "IS_RETENTION_TARGET": bool(risk == "High Risk" and lifetime > 3000), "IS_UPSELL_TARGET": i % 6 == 0,
            "AS_OF_DATE": AS_OF,
        })
    return {"CUSTOMER_360_PROFILE": pd.DataFrame(profile), "FCT_TRANSACTIONS": fact, "DIM_DATE": dim_date,
            "DIM_MERCHANT_CATEGORY": categories}


def write_world(warehouse: Warehouse, frames: dict[str, pd.DataFrame]) -> None:
    for name, frame in frames.items():
        warehouse.write_pandas(frame, SCHEMAS[name], "GOLD", name)


def write_home(cfg: PipelineConfig, frames: dict[str, pd.DataFrame]) -> None:
    """The world written into the local database of `cfg.home`; the writer is closed so readers can open it."""
    session = local_session(cfg.home, cfg.database)
    try:
        write_world(Warehouse.of(session, cfg), frames)
    finally:
        session.close()


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return build_world()


@pytest.fixture(scope="module")
def world(tmp_path_factory, frames):
    """A read-only session on a local database holding the world's tables (shared by this module's tests)."""
    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp("assistant"), as_of=AS_OF)
    write_home(cfg, frames)
    session = engine.reader_session(cfg.home, cfg.database)
    warehouse = Warehouse.of(session, cfg)
    yield warehouse
    session.close()


# --- comparing answers with pandas -------------------------------------------------------------------

class Number(float):
    """A result number compared with a small tolerance: sums of decimals and floats differ in the last bits, and
    Snowflake (like the local engine) gives integer division six decimals."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and abs(self - other) <= max(1e-6, 1e-9 * max(abs(self), abs(other)))

    def __hash__(self) -> int:
        return hash(round(self, 6))


def plain(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (Decimal, float, np.floating, int, np.integer)):
        return Number(float(value))
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def rows_of(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False, name=None)]


def assert_same(answer: Answer, expected: pd.DataFrame, ordered: bool = True) -> None:
    assert not answer.refused, answer.interpretation
    assert answer.columns == list(expected.columns), (answer.columns, list(expected.columns))
    got = [tuple(plain(v) for v in row) for row in answer.rows]
    want = rows_of(expected)
    if ordered:
        assert got == want, (answer.interpretation, got, want)
    else:
        assert sorted(got, key=repr) == sorted(want, key=repr), (answer.interpretation, got, want)


def approved(frames) -> pd.DataFrame:
    fact = frames["FCT_TRANSACTIONS"]
    out = fact[fact["STATUS"] == "approved"].copy()
    out["TRANSACTION_AMOUNT"] = out["TRANSACTION_AMOUNT"].astype(float)
    return out


def between(fact: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    return fact[(fact["DATE_KEY"] >= int(start.strftime("%Y%m%d"))) & (fact["DATE_KEY"] <= int(end.strftime("%Y%m%d")))]


def grouped(frame: pd.DataFrame, by: list[str], label: str, values: pd.Series, descending: bool = True) -> pd.DataFrame:
    out = values.rename(label).reset_index()
    return out.sort_values([label] + by, ascending=[not descending] + [True] * len(by), na_position="last",
                           kind="stable").reset_index(drop=True)


def profile(frames) -> pd.DataFrame:
    out = frames["CUSTOMER_360_PROFILE"].copy()
    for column in ("LIFETIME_VALUE", "CREDIT_LIMIT", "SPEND_LAST_90_DAYS"):
        out[column] = out[column].astype(float)
    return out


def listed(frame: pd.DataFrame, columns: list[str], by: str | None = None, descending: bool = True,
           limit: int = 100) -> pd.DataFrame:
    keys = ([by] if by else []) + ["CUSTOMER_ID"]
    ascending = ([not descending] if by else []) + [True]
    return frame.sort_values(keys, ascending=ascending, na_position="last", kind="stable")[columns].head(limit)


def expected_for(question: str, frames) -> pd.DataFrame:
    """Independent pandas answers to every suggested question."""
    p = profile(frames)
    t = approved(frames)
    may = between(t, date(2025, 5, 1), date(2025, 5, 31))
    segment = ["CUSTOMER_SEGMENT"]
    if question == "Which customers are at highest risk of churning?":
        return listed(p[p["CHURN_RISK_CATEGORY"] == "High Risk"],
                      ["CUSTOMER_ID", "FULL_NAME", "CHURN_RISK_CATEGORY", "CHURN_RISK_SCORE"], "CHURN_RISK_SCORE")
    if question == "What is the average churn risk score by segment?":
        return grouped(p, segment, "AVERAGE_CHURN_RISK_SCORE", p.groupby(segment)["CHURN_RISK_SCORE"].mean())
    if question == "How many customers are in each churn risk category?":
        return grouped(p, ["CHURN_RISK_CATEGORY"], "CUSTOMER_COUNT",
                       p.groupby("CHURN_RISK_CATEGORY", dropna=False)["CUSTOMER_ID"].count())
    if question == "Which high-risk customers have a lifetime value over 5,000?":
        chosen = p[(p["CHURN_RISK_CATEGORY"] == "High Risk") & (p["LIFETIME_VALUE"] > 5000)]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "CHURN_RISK_CATEGORY", "LIFETIME_VALUE"], "LIFETIME_VALUE")
    if question == "How many inactive customers are there in each segment?":
        inactive = p[p["DAYS_SINCE_LAST_TRANSACTION"] >= 60]
        return grouped(inactive, segment, "CUSTOMER_COUNT", inactive.groupby(segment)["CUSTOMER_ID"].count())
    if question == "How many customers are in each segment?":
        return grouped(p, segment, "CUSTOMER_COUNT", p.groupby(segment)["CUSTOMER_ID"].count())
    if question == "What is the average lifetime value by segment?":
        return grouped(p, segment, "AVERAGE_LIFETIME_VALUE", p.groupby(segment)["LIFETIME_VALUE"].mean())
    if question == "What is the average monthly spend by segment and card type?":
        keys = ["CUSTOMER_SEGMENT", "CARD_TYPE"]
        return grouped(p, keys, "AVERAGE_MONTHLY_SPEND", p.groupby(keys)["AVG_MONTHLY_SPEND"].mean())
    if question == "Which segment has the highest average credit utilization?":
        return grouped(p, segment, "AVERAGE_CREDIT_UTILIZATION",
                       p.groupby(segment)["CREDIT_UTILIZATION_PCT"].mean()).head(1)
    if question == "What is the average tenure in months by segment?":
        return grouped(p, segment, "AVERAGE_TENURE_MONTHS", p.groupby(segment)["TENURE_MONTHS"].mean())
    if question == "What was the total spend by merchant category last month?":
        return grouped(may, ["MERCHANT_CATEGORY"], "TOTAL_SPEND", may.groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum())
    if question == "How has total spend changed month by month?":
        months = t.assign(YEAR_MONTH=(t["DATE_KEY"] // 100).map(lambda k: f"{k // 100}-{k % 100:02d}"))
        out = months.groupby("YEAR_MONTH")["TRANSACTION_AMOUNT"].sum().rename("TOTAL_SPEND").reset_index()
        return out.sort_values("YEAR_MONTH").reset_index(drop=True)
    if question == "What is the total spend by channel in the last 90 days?":
        recent = between(t, AS_OF - timedelta(days=89), AS_OF)
        return grouped(recent, ["CHANNEL"], "TOTAL_SPEND", recent.groupby("CHANNEL")["TRANSACTION_AMOUNT"].sum())
    if question == "What are the top 5 merchant categories by spend this year?":
        year = between(t, date(2025, 1, 1), AS_OF)
        return grouped(year, ["MERCHANT_CATEGORY"], "TOTAL_SPEND",
                       year.groupby("MERCHANT_CATEGORY")["TRANSACTION_AMOUNT"].sum()).head(5)
    if question == "What is the average transaction amount by card type?":
        joined = t.merge(p[["CUSTOMER_ID", "CARD_TYPE"]], on="CUSTOMER_ID")
        return grouped(joined, ["CARD_TYPE"], "AVERAGE_TRANSACTION_AMOUNT", joined.groupby("CARD_TYPE")["TRANSACTION_AMOUNT"].mean())
    if question == "Who are the top 10 customers by lifetime value?":
        return listed(p, ["CUSTOMER_ID", "FULL_NAME", "LIFETIME_VALUE"], "LIFETIME_VALUE", limit=10)
    if question == "Which states have the most customers?":
        return grouped(p, ["STATE"], "CUSTOMER_COUNT", p.groupby("STATE")["CUSTOMER_ID"].count())
    if question == "What is the average lifetime value by state?":
        return grouped(p, ["STATE"], "AVERAGE_LIFETIME_VALUE", p.groupby("STATE")["LIFETIME_VALUE"].mean())
    if question == "Show me Premium cardholders in California":
        chosen = p[(p["CARD_TYPE"] == "Premium") & (p["STATE"] == "CA")]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "CARD_TYPE", "STATE"])
    if question == "How many high-risk customers are there in each state?":
        risky = p[p["CHURN_RISK_CATEGORY"] == "High Risk"]
        return grouped(risky, ["STATE"], "CUSTOMER_COUNT", risky.groupby("STATE")["CUSTOMER_ID"].count())
    if question == "What was the total spend by state last month?":
        joined = may.merge(p[["CUSTOMER_ID", "STATE"]], on="CUSTOMER_ID")
        return grouped(joined, ["STATE"], "TOTAL_SPEND", joined.groupby("STATE")["TRANSACTION_AMOUNT"].sum())
    if question == "How many retention targets are there in each segment?":
        return grouped(p, segment, "RETENTION_TARGET_COUNT", p.groupby(segment)["IS_RETENTION_TARGET"].sum().astype(int))
    if question == "List the upsell targets with a credit limit over 10,000":
        chosen = p[p["IS_UPSELL_TARGET"] & (p["CREDIT_LIMIT"] > 10000)]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "IS_UPSELL_TARGET", "CREDIT_LIMIT"], "CREDIT_LIMIT")
    if question == "Which Declining customers have a lifetime value over 5,000?":
        chosen = p[(p["CUSTOMER_SEGMENT"] == "Declining") & (p["LIFETIME_VALUE"] > 5000)]
        return listed(chosen, ["CUSTOMER_ID", "FULL_NAME", "CUSTOMER_SEGMENT", "LIFETIME_VALUE"], "LIFETIME_VALUE")
    if question == "What is the total lifetime value of high-risk customers by segment?":
        risky = p[p["CHURN_RISK_CATEGORY"] == "High Risk"]
        return grouped(risky, segment, "TOTAL_LIFETIME_VALUE", risky.groupby(segment)["LIFETIME_VALUE"].sum())
    if question == "How many Platinum cardholders are high risk?":
        chosen = p[(p["CARD_TYPE"] == "Platinum") & (p["CHURN_RISK_CATEGORY"] == "High Risk")]
        return pd.DataFrame({"CUSTOMER_COUNT": [len(chosen)]})
    raise KeyError(question)


# --- suggested questions ------------------------------------------------------------------------------

def test_twenty_plus_suggestions_in_the_five_seed_categories():
    assert list(SUGGESTED_QUESTIONS) == ["Churn", "Segmentation", "Spending", "Geographic", "Campaign"]
    assert len(all_suggestions()) >= 20
    assert all(len(questions) >= 4 for questions in SUGGESTED_QUESTIONS.values())


@pytest.mark.parametrize("question", all_suggestions())
def test_suggested_question_matches_an_independent_pandas_computation(world, frames, question):
    answer = ask(question, world)
    expected = expected_for(question, frames)
    assert len(expected) > 0, "the test world must make every suggestion non-empty"
    assert_same(answer, expected)
    assert sqlglot.parse_one(answer.sql, read="snowflake") is not None


def test_as_of_comes_from_the_data_not_the_clock(world):
    assert data_as_of(world) == AS_OF
    answer = ask("What was the total spend by merchant category last month?", world)
    assert "2025-05-01 to 2025-05-31" in answer.interpretation
    assert "BETWEEN 20250501 AND 20250531" in answer.sql


# --- understanding features (parse level: fast, no execution) ------------------------------------------

def parsed(question: str):
    return parse_question(question, AS_OF)


def condition_values(query) -> dict[str, tuple]:
    return {c.field.name if c.field else c.filter_name: (c.op, c.values) for c in query.conditions}


@pytest.mark.parametrize("question, metric", [
    ("average LTV by segment", "AVERAGE_LIFETIME_VALUE"),
    ("avg customer lifetime value per segment", "AVERAGE_LIFETIME_VALUE"),
    ("mean clv by segment", "AVERAGE_LIFETIME_VALUE"),
    ("total revenue by channel", "TOTAL_SPEND"),
    ("how much was spent by channel", "TOTAL_SPEND"),
    ("number of txns by channel", "TRANSACTION_COUNT"),
    ("average churn score by card tier", "AVERAGE_CHURN_RISK_SCORE"),
    ("decline rate by channel", "DECLINE_RATE"),
])
def test_metric_synonyms_and_abbreviations(question, metric):
    query = parsed(question)
    assert [m.label for m in query.measures] == [metric]


@pytest.mark.parametrize("question, dimension", [
    ("customers by segment", "CUSTOMER_SEGMENT"),
    ("customer count per behavioural segment", "CUSTOMER_SEGMENT"),
    ("customers by card tier", "CARD_TYPE"),
    ("customers by risk level", "CHURN_RISK_CATEGORY"),
    ("spend by category last month", "MERCHANT_CATEGORY"),
    ("spend by spending group", "CATEGORY_GROUP"),
    ("customers by age group", "AGE_BAND"),
    ("spend by day of week", "DAY_NAME"),
])
def test_dimension_synonyms_group_the_answer(question, dimension):
    assert [g.label for g in parsed(question).group_by] == [dimension]


@pytest.mark.parametrize("question, field, values", [
    ("how many Declining customers", "customer_segment", ("Declining",)),
    ("how many travelers", "customer_segment", ("High-Value Travelers",)),
    ("customers in Texas", "state", ("TX",)),
    ("customers in TX", "state", ("TX",)),
    ("customers in ca", "state", ("CA",)),
    ("customers in OR or IN", "state", ("OR", "IN")),
    ("gold cardholders", "card_type", ("Gold",)),
    ("medium risk customers", "churn_risk_category", ("Medium Risk",)),
    ("spend on groceries last month", "merchant_category", ("Grocery Stores",)),
    ("mobile spend this year", "channel", ("Mobile",)),
    ("travel spend by month", "category_group", ("travel",)),
    ("rejected payments by channel", "status", ("declined",)),
])
def test_filters_by_sample_values_and_their_spellings(question, field, values):
    assert condition_values(parsed(question))[field] == ("in", values)


def test_or_in_lower_case_is_a_conjunction_not_oregon():
    values = condition_values(parsed("customers in Texas or California"))
    assert values == {"state": ("in", ("TX", "CA"))}


def test_negated_values_exclude():
    values = condition_values(parsed("average LTV by segment excluding Platinum cardholders"))
    assert values["card_type"] == ("not_in", ("Platinum",))


@pytest.mark.parametrize("question, field, op, value", [
    ("customers with LTV over 10,000", "lifetime_value", ">", (10000,)),
    ("customers with a lifetime value above $10k", "lifetime_value", ">", (10000,)),
    ("customers with more than 50 transactions", "total_transactions", ">", (50,)),
    ("customers with at least 20 purchases", "total_transactions", ">=", (20,)),
    ("customers with credit limit under 5k", "credit_limit", "<", (5000,)),
    ("customers with a credit limit of 1.5M or more", "credit_limit", ">=", (1500000,)),
    ("customers older than 60", "age", ">", (60,)),
    ("customers aged 25 to 34", "age", "between", (25, 34)),
    ("customers with travel share over 25%", "travel_share", ">", (0.25,)),
    ("customers whose spend dropped by more than 30%", "spend_change_pct", "<", (-0.3,)),
    ("customers with churn score between 40 and 70", "churn_risk_score", "between", (40, 70)),
])
def test_numeric_comparisons(question, field, op, value):
    assert condition_values(parsed(question))[field] == (op, value)


@pytest.mark.parametrize("question, start, end", [
    ("total spend last month", date(2025, 5, 1), date(2025, 5, 31)),
    ("total spend this month", date(2025, 6, 1), date(2025, 6, 30)),
    ("total spend in the last 30 days", date(2025, 6, 1), date(2025, 6, 30)),
    ("total spend over the past 3 months", date(2025, 4, 1), date(2025, 6, 30)),
    ("total spend in March", date(2025, 3, 1), date(2025, 3, 31)),
    ("total spend in December", date(2024, 12, 1), date(2024, 12, 31)),
    ("total spend in March 2025", date(2025, 3, 1), date(2025, 3, 31)),
    ("total spend in 2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("total spend year to date", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend ytd", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend in Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
    ("total spend last quarter", date(2025, 1, 1), date(2025, 3, 31)),
    ("total spend from January to March 2025", date(2025, 1, 1), date(2025, 3, 31)),
    ("total spend since April", date(2025, 4, 1), date(2025, 6, 30)),
    ("total spend on 2025-06-15", date(2025, 6, 15), date(2025, 6, 15)),
])
def test_time_ranges_relative_to_the_data_as_of(question, start, end):
    query = parsed(question)
    assert (query.time_range.start, query.time_range.end) == (start, end)


def test_time_range_on_a_profile_date():
    query = parsed("how many customers joined in 2024")
    assert query.time_range.field.name == "account_open_date"
    assert (query.time_range.start, query.time_range.end) == (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize("question, label, descending, limit", [
    ("top 5 states by average LTV", "AVERAGE_LIFETIME_VALUE", True, 5),
    ("bottom 3 segments by average churn score", "AVERAGE_CHURN_RISK_SCORE", False, 3),
    ("which segment has the lowest average credit limit", "AVERAGE_CREDIT_LIMIT", False, 1),
    ("10 customers with the highest lifetime value", "LIFETIME_VALUE", True, 10),
    ("which customer has the highest churn score", "CHURN_RISK_SCORE", True, 1),
    ("customers sorted by tenure ascending", "TENURE_MONTHS", False, 100),
])
def test_top_bottom_and_ordering(question, label, descending, limit):
    query = parsed(question)
    assert (query.order_by[0].label, query.order_by[0].descending, query.limit) == (label, descending, limit)


def test_highest_without_a_breakdown_is_the_maximum():
    assert [m.expr for m in parsed("what is the highest lifetime value").measures] == ["MAX(LIFETIME_VALUE)"]


def test_counts_averages_and_distinct_counts():
    assert [m.label for m in parsed("how many customers are there").measures] == ["CUSTOMER_COUNT"]
    assert [m.label for m in parsed("how many transactions in May 2025").measures] == ["TRANSACTION_COUNT"]
    assert [m.expr for m in parsed("how many states do we have customers in").measures] == ["COUNT(DISTINCT STATE)"]
    assert [m.label for m in parsed("average age and average tenure by segment").measures] == [
        "AVERAGE_AGE", "AVERAGE_TENURE_MONTHS"]


def test_customer_counts_over_transactions_count_customers_who_transacted():
    query = parsed("how many customers shopped online last month")
    assert query.base_table == "fct_transactions"
    assert [m.label for m in query.measures] == ["ACTIVE_CUSTOMER_COUNT"]


# --- refusals ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, reason", [
    ("What is the average salary by segment?", "salary"),
    ("Show customers by favourite colour", "favourite"),
    ("How many customers have a mortgage?", "mortgage"),
    ("average lifetime value by channel", "transaction attributes"),
    ("How many customers next month?", "future"),
    ("What is the weather in California?", "weather"),
    ("", "empty"),
    ("average spend by segment", "ambiguous"),
])
def test_unanswerable_questions_are_refused_with_the_reason_and_suggestions(question, reason):
    with pytest.raises(QuestionNotUnderstood) as refused:
        parsed(question)
    assert reason in refused.value.reason
    answer_suggestions = closest_questions(question)
    assert len(answer_suggestions) == 3 and all(s in all_suggestions() + _verified() for s in answer_suggestions)


def _verified() -> list[str]:
    from c360_pipeline.semantic.model import load_model

    return [q.question for q in load_model().verified_queries]


@pytest.mark.parametrize("question", [
    "Delete all customers in California",
    "drop table customer_360_profile",
    "Update the credit limit of CUST00000001 to 50000",
    "insert a new customer",
    "truncate the transactions",
    "change the card type of CUST00000002 to Platinum",
    "remove high risk customers",
    "SELECT * FROM C360.GOLD.CUSTOMER_360_PROFILE",
])
def test_requests_to_change_data_are_refused(world, question):
    before = world.read("GOLD", "CUSTOMER_360_PROFILE").count()
    answer = ask(question, world)
    assert answer.refused and answer.sql is None and answer.rows == []
    assert world.read("GOLD", "CUSTOMER_360_PROFILE").count() == before


def test_a_close_suggestion_is_offered_for_a_near_miss():
    assert closest_questions("which customers might churn soon")[0] == "Which customers are at highest risk of churning?"


@pytest.mark.parametrize("text", [
    "'; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE; --",
    "customers in California' OR 1=1 --",
    "\" OR 1=1 --",
    "customers named Robert'); DELETE FROM GOLD.FCT_TRANSACTIONS WHERE ('1'='1",
    "average LTV by segment; UPDATE C360.GOLD.CUSTOMER_360_PROFILE SET LIFETIME_VALUE = 0",
    "show customer CUST00000001' OR 'a'='a",
    "$$ || CURRENT_USER() || $$",
])
def test_injection_strings_are_inert(world, frames, text):
    counts = {name: world.read("GOLD", name).count() for name in frames}
    answer = ask(text, world)
    if not answer.refused:  # answered: only as a literal filter that matches nothing
        assert answer.rows == [], answer.interpretation
        check_read_only(answer.sql)
    assert {name: world.read("GOLD", name).count() for name in frames} == counts


def test_a_customer_id_is_a_bound_literal(world, frames):
    answer = ask("show customer CUST00000007", world)
    assert [row[0] for row in answer.rows] == ["CUST00000007"]
    assert "p.CUSTOMER_ID = 'CUST00000007'" in answer.sql
    assert ask("show customer CUST99999999", world).rows == []


# --- the SQL shown ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", all_suggestions() + [
    "customers with LTV over 10,000 in Texas or California",
    "spend by channel and category group on weekends in 2025",
    "customers who joined by month",
    "states with more than 5 customers",
])
def test_generated_sql_is_one_read_only_select_over_model_tables(question):
    sql = compile_sql(parsed(question))
    tree = check_read_only(sql, {f"C360.GOLD.{t}" for t in SCHEMAS})
    assert isinstance(tree, sqlglot.exp.Select)


@pytest.mark.parametrize("sql", [
    "DELETE FROM C360.GOLD.CUSTOMER_360_PROFILE",
    "SELECT 1; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE",
    "DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE",
    "UPDATE C360.GOLD.CUSTOMER_360_PROFILE SET AGE = 1",
    "SELECT * FROM C360.OPS.PIPELINE_RUNS",
    "SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY",
    "SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))",
    "CREATE TABLE X AS SELECT * FROM C360.GOLD.CUSTOMER_360_PROFILE",
    "SELECT SYSTEM$WAIT(10)",
    "MERGE INTO C360.GOLD.DIM_DATE d USING C360.GOLD.DIM_DATE s ON d.DATE_KEY = s.DATE_KEY WHEN MATCHED THEN DELETE",
])
def test_read_only_check_rejects_anything_but_one_select_over_the_model(sql):
    with pytest.raises(UnsafeSql):
        check_read_only(sql, {f"C360.GOLD.{t}" for t in SCHEMAS})


def test_read_only_check_accepts_ctes_over_model_tables():
    sql = ("WITH __customer_360_profile AS (SELECT CUSTOMER_SEGMENT, LIFETIME_VALUE FROM C360.GOLD.CUSTOMER_360_PROFILE) "
           "SELECT CUSTOMER_SEGMENT, AVG(LIFETIME_VALUE) FROM __customer_360_profile GROUP BY 1")
    check_read_only(sql, {"C360.GOLD.CUSTOMER_360_PROFILE"})


def test_sql_uses_the_configured_database():
    sql = compile_sql(parsed("average LTV by segment"), database="ANALYTICS")
    assert "ANALYTICS.GOLD.CUSTOMER_360_PROFILE" in sql and "C360." not in sql


# --- Cortex Analyst (the HTTP endpoint is mocked: it cannot exist here) --------------------------------

class FakeAnalyst(http.server.BaseHTTPRequestHandler):
    """Stands in for POST /api/v2/cortex/analyst/message; replies with the SQL the test sets."""

    reply: dict = {}
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeAnalyst.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        payload = json.dumps(FakeAnalyst.reply).encode()
        self.send_response(FakeAnalyst.reply.get("_status", 200))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        return None


@pytest.fixture()
def fake_analyst():
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeAnalyst)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAnalyst.requests = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def analyst_reply(sql: str | None, text: str = "This is our interpretation") -> dict:
    content = [{"type": "text", "text": text}]
    if sql:
        content.append({"type": "sql", "statement": sql})
    else:
        content.append({"type": "suggestions", "suggestions": ["What is the average lifetime value by segment?"]})
    return {"message": {"role": "analyst", "content": content}, "request_id": "r-1"}


def test_cortex_client_against_mocked_analyst_endpoint_sends_question_model_and_token(fake_analyst):
    FakeAnalyst.reply = analyst_reply("SELECT 1 AS X FROM C360.GOLD.DIM_DATE")
    reply = cortex.ask_analyst("How many customers?", "@C360.GOLD.SEMANTIC_MODELS/semantic_model.yaml",
                               cortex.rest_transport(fake_analyst, "tok-123"))
    sent = FakeAnalyst.requests[0]
    assert sent["path"] == "/api/v2/cortex/analyst/message"
    assert sent["auth"] == 'Snowflake Token="tok-123"'
    assert sent["body"]["messages"][0]["content"][0] == {"type": "text", "text": "How many customers?"}
    assert sent["body"]["semantic_model_file"] == "@C360.GOLD.SEMANTIC_MODELS/semantic_model.yaml"
    assert (reply.sql, reply.text, reply.request_id) == ("SELECT 1 AS X FROM C360.GOLD.DIM_DATE",
                                                         "This is our interpretation", "r-1")


def test_cortex_with_mocked_endpoint_unsafe_sql_is_never_run_and_offline_engine_answers(world, fake_analyst, frames):
    FakeAnalyst.reply = analyst_reply("DELETE FROM C360.GOLD.CUSTOMER_360_PROFILE")
    answer = ask("How many customers are in each segment?", world, use_cortex=True,
                 transport=cortex.rest_transport(fake_analyst, "t"))
    assert answer.source == "offline"
    assert_same(answer, expected_for("How many customers are in each segment?", frames))
    assert world.read("GOLD", "CUSTOMER_360_PROFILE").count() == len(frames["CUSTOMER_360_PROFILE"])


def test_cortex_with_mocked_endpoint_http_error_falls_back(world, fake_analyst):
    FakeAnalyst.reply = {"_status": 503, "message": "unavailable"}
    answer = ask("average LTV by segment", world, use_cortex=True, transport=cortex.rest_transport(fake_analyst, "t"))
    assert answer.source == "offline" and not answer.refused


def test_cortex_with_mocked_endpoint_asking_to_rephrase_is_a_refusal_with_its_suggestions(world, fake_analyst):
    FakeAnalyst.reply = analyst_reply(None, "Please clarify which period you mean.")
    answer = ask("How are we doing?", world, use_cortex=True, transport=cortex.rest_transport(fake_analyst, "t"))
    assert answer.refused and answer.source == "cortex"
    assert answer.suggestions == ["What is the average lifetime value by segment?"]


def test_staged_model_points_at_the_configured_database():
    import yaml

    cfg = PipelineConfig.build(database="ANALYTICS")
    document = yaml.safe_load(cortex.rendered_model(cfg))
    assert {t["base_table"]["database"] for t in document["tables"]} == {"ANALYTICS"}
    assert cortex.stage_path(cfg) == "@ANALYTICS.OPS.SEMANTIC/semantic_model.yaml"


# --- c360 ask -----------------------------------------------------------------------------------------

def test_ask_command_prints_json_with_sql_columns_rows_and_interpretation(world, frames):
    console = Console(file=io.StringIO(), width=200)
    code = ask_command("How many customers are in each segment?", world.cfg, True, console)
    document = json.loads(console.file.getvalue())
    assert code == 0
    assert {"sql", "columns", "rows", "interpretation"} <= set(document)
    expected = expected_for("How many customers are in each segment?", frames)
    assert document["columns"] == list(expected.columns)
    assert [tuple(plain(v) for v in r) for r in document["rows"]] == rows_of(expected)


def test_ask_command_refusal_exits_1_and_lists_suggestions(world):
    console = Console(file=io.StringIO(), width=200)
    assert ask_command("What is the average salary by segment?", world.cfg, False, console) == 1
    text = console.file.getvalue()
    assert "salary" in text and "You could ask" in text


def test_ask_command_without_tables_names_the_command_to_run(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    cfg = PipelineConfig.build(home=tmp_path / "empty")
    assert ask_command("How many customers are in each segment?", cfg, False, console) == 2
    assert "c360 run" in console.file.getvalue()


def test_ask_command_while_a_run_writes_says_so_and_exits_3(tmp_path, frames):
    cfg = PipelineConfig.build(home=tmp_path / "busy", as_of=AS_OF)
    write_home(cfg, frames)
    question = "How many customers are in each segment?"
    with writer_process(cfg.home):
        for as_json in (False, True):
            console = Console(file=io.StringIO(), width=200)
            assert ask_command(question, cfg, as_json, console) == 3
            text = console.file.getvalue()
            assert "is writing to" in text and str(engine.database_file(cfg.home)) in text
            assert "Traceback" not in text
    console = Console(file=io.StringIO(), width=200)
    assert ask_command(question, cfg, True, console) == 0  # the run finished; and `ask` let the database go:
    with writer_process(cfg.home):
        pass


def test_word_soup_is_answered_or_refused_never_an_error():
    """Random mixes of model phrases and grammar words: every one parses and compiles, or is refused."""
    import random

    from c360_pipeline.semantic.engine import catalog_for

    _, lexicon = catalog_for()
    phrases = sorted(" ".join(key) for key in lexicon.phrases if not key[0].startswith("state:"))
    words = ["by", "per", "top 5", "bottom 3", "highest", "most", "least", "average", "total", "how many", "number of",
             "over", "under", "10,000", "50%", "between", "and", "or", "not", "last month", "in 2024", "Q1", "which",
             "show", "customers", "transactions", "each", "than", "sorted by", "descending", "65+", "aged", "?", ",",
             "'", ";", "--", "=", "1", "monthly", "trend", "since April", "from January to March"]
    chooser = random.Random(20250630)
    for _ in range(600):
        question = " ".join(chooser.choice(phrases + words * 3) for _ in range(chooser.randint(1, 7)))
        try:
            check_read_only(compile_sql(parsed(question)))
        except QuestionNotUnderstood:
            pass


def _rate(frame: pd.DataFrame, status: str) -> float:
    return float((frame["STATUS"] == status).mean())


@pytest.mark.parametrize("question, expected", [
    ("retention target count by segment for Platinum cardholders",
     lambda p, f: [(k, int(v)) for k, v in p[p["CARD_TYPE"] == "Platinum"].groupby("CUSTOMER_SEGMENT")["IS_RETENTION_TARGET"].sum().items()]),
    ("high risk share by state for Gold cardholders",
     lambda p, f: [(k, float((g["CHURN_RISK_CATEGORY"] == "High Risk").mean())) for k, g in p[p["CARD_TYPE"] == "Gold"].groupby("STATE")]),
    ("declined count and approval rate by channel last month",
     lambda p, f: [(k, int((g["STATUS"] == "declined").sum()), _rate(g, "approved"))
                   for k, g in between(f, date(2025, 5, 1), date(2025, 5, 31)).groupby("CHANNEL")]),
    ("decline rate by channel for customers in California",
     lambda p, f: [(k, _rate(g, "declined"))
                   for k, g in f.merge(p[["CUSTOMER_ID", "STATE"]], on="CUSTOMER_ID").query("STATE == 'CA'").groupby("CHANNEL")]),
    ("largest transaction and number of declined transactions by channel",
     lambda p, f: [(k, float(g[g["STATUS"] == "approved"]["TRANSACTION_AMOUNT"].astype(float).max()),
                    int((g["STATUS"] == "declined").sum())) for k, g in f.groupby("CHANNEL")]),
    ("average transaction amount and decline rate by channel in 2025",
     lambda p, f: [(k, float(g[g["STATUS"] == "approved"]["TRANSACTION_AMOUNT"].astype(float).mean()), _rate(g, "declined"))
                   for k, g in between(f, date(2025, 1, 1), date(2025, 12, 31)).groupby("CHANNEL")]),
])
def test_conditional_metrics_over_filtered_rows_match_pandas(world, frames, question, expected):
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    want = [tuple(plain(v) for v in row) for row in expected(profile(frames), frames["FCT_TRANSACTIONS"])]
    got = [tuple(plain(v) for v in row) for row in answer.rows]
    assert sorted(got, key=repr) == sorted(want, key=repr), answer.interpretation
    assert all(isinstance(v, int) for row in answer.rows for v, label in zip(row, answer.columns)
               if label.endswith("_COUNT") and v is not None)
