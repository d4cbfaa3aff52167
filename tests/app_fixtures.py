"""A small gold layer for the Streamlit app's tests and benchmark, written through the real Warehouse
into a home's local database (`<home>/C360.db`).

The tables follow the team's table contract (CUSTOMER_360_PROFILE, DIM_CUSTOMER with SCD2 history,
FCT_TRANSACTIONS, DIM_MERCHANT_CATEGORY). Profile figures are derived from the generated
transactions, so the app's numbers can be checked against the fact table as well as the profile.
A few customers are placed on purpose: one named O'Brien (quotes in search), and several
Declining + High Risk customers in California (the seeds' manual test scenario).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, EMPLOYMENT_STATUSES, MERCHANT_CATEGORIES, SEGMENTS
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse

AS_OF = date(2025, 6, 30)
OPEN_END = date(9999, 12, 31)
HISTORY_DAYS = 540
STATES = ("CA", "NY", "TX", "FL", "WA", "IL")
FIRST_NAMES = ("Ana", "Ben", "Chloe", "David", "Erin", "Farid", "Grace", "Hiro", "Ines", "Jon")
LAST_NAMES = ("Smith", "Garcia", "Nguyen", "Okafor", "Smithers", "Lee", "Kowalski", "Patel")


def _schema(*columns: tuple[str, object]) -> StructType:
    return StructType([StructField(name, datatype, True) for name, datatype in columns])


MONEY = DecimalType(12, 2)
PROFILE_SCHEMA = _schema(
    ("CUSTOMER_ID", StringType()), ("CUSTOMER_KEY", LongType()), ("FULL_NAME", StringType()),
    ("FIRST_NAME", StringType()), ("LAST_NAME", StringType()), ("EMAIL", StringType()), ("AGE", LongType()),
    ("STATE", StringType()), ("CITY", StringType()), ("EMPLOYMENT_STATUS", StringType()),
    ("CARD_TYPE", StringType()), ("CREDIT_LIMIT", MONEY), ("ACCOUNT_OPEN_DATE", DateType()),
    ("TENURE_MONTHS", LongType()), ("TENURE_DAYS", LongType()), ("CUSTOMER_SEGMENT", StringType()),
    ("SEGMENT_ASSIGNED_AT", TimestampType()), ("SPEND_LAST_90_DAYS", MONEY), ("SPEND_PRIOR_90_DAYS", MONEY),
    ("SPEND_CHANGE_PCT", DoubleType()), ("AVG_MONTHLY_SPEND", DoubleType()), ("TRAVEL_SHARE", DoubleType()),
    ("NECESSITIES_SHARE", DoubleType()), ("LIFETIME_VALUE", DecimalType(14, 2)), ("TOTAL_TRANSACTIONS", LongType()),
    ("AVG_SPEND_PER_DAY", DoubleType()), ("FIRST_TRANSACTION_DATE", DateType()),
    ("LAST_TRANSACTION_DATE", DateType()), ("AVG_TRANSACTION_VALUE", DoubleType()),
    ("DAYS_SINCE_LAST_TRANSACTION", LongType()), ("LAST_MONTH_SPEND", DoubleType()),
    ("MOM_SPEND_CHANGE_PCT", DoubleType()), ("CREDIT_UTILIZATION_PCT", DoubleType()),
    ("CHURN_PROBABILITY", DoubleType()), ("CHURN_RISK_SCORE", DoubleType()), ("CHURN_RISK_CATEGORY", StringType()),
    ("MODEL_VERSION", StringType()), ("IS_RETENTION_TARGET", BooleanType()), ("IS_UPSELL_TARGET", BooleanType()),
    ("AS_OF_DATE", DateType()),
)
DIM_CUSTOMER_SCHEMA = _schema(
    ("CUSTOMER_KEY", LongType()), ("CUSTOMER_ID", StringType()), ("FIRST_NAME", StringType()),
    ("LAST_NAME", StringType()), ("FULL_NAME", StringType()), ("EMAIL", StringType()), ("AGE", LongType()),
    ("STATE", StringType()), ("CITY", StringType()), ("EMPLOYMENT_STATUS", StringType()),
    ("CARD_TYPE", StringType()), ("CREDIT_LIMIT", MONEY), ("ACCOUNT_OPEN_DATE", DateType()),
    ("ROW_HASH", StringType()), ("VALID_FROM", DateType()), ("VALID_TO", DateType()),
    ("IS_CURRENT", BooleanType()), ("UPDATED_AT", TimestampType()),
)
FACT_SCHEMA = _schema(
    ("TRANSACTION_KEY", LongType()), ("TRANSACTION_ID", StringType()), ("CUSTOMER_KEY", LongType()),
    ("CUSTOMER_ID", StringType()), ("DATE_KEY", LongType()), ("MERCHANT_CATEGORY_KEY", LongType()),
    ("MERCHANT_CATEGORY", StringType()), ("MERCHANT_NAME", StringType()), ("TRANSACTION_AMOUNT", MONEY),
    ("STATUS", StringType()), ("CHANNEL", StringType()), ("TRANSACTION_DATE", TimestampType()),
    ("_BATCH_ID", StringType()),
)
CATEGORY_SCHEMA = _schema(
    ("MERCHANT_CATEGORY_KEY", LongType()), ("MERCHANT_CATEGORY", StringType()), ("CATEGORY_GROUP", StringType()),
    ("IS_TRAVEL", BooleanType()), ("IS_NECESSITY", BooleanType()),
)


def _risk_category(score: float) -> str:
    return "High Risk" if score >= 70 else "Medium Risk" if score >= 40 else "Low Risk"


def app_tables(
    customers: int = 40, transactions_per_customer: int = 30, seed: int = 7, scored: bool = True
) -> dict[str, pd.DataFrame]:
    """The four gold tables the app reads, as pandas frames keyed by table name (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    ids = [f"CUST{number:08d}" for number in range(1, customers + 1)]
    first = [FIRST_NAMES[i % len(FIRST_NAMES)] for i in range(customers)]
    last = [LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)] for i in range(customers)]
    first[0], last[0] = "Mary", "O'Brien"
    states = [STATES[i] for i in rng.integers(0, len(STATES), customers)]
    segments = [SEGMENTS[i] for i in rng.integers(0, len(SEGMENTS), customers)]
    scores = np.round(rng.uniform(0, 100, customers), 1)
    # The seeds' scenario (Declining + High Risk + CA) must have more than one answer.
    for index in range(1, min(customers, 5)):
        states[index], segments[index], scores[index] = "CA", "Declining", 75.0 + index
    opened = [AS_OF - timedelta(days=int(d)) for d in rng.integers(60, 2000, customers)]
    opened[0] = AS_OF - timedelta(days=900)  # O'Brien has a full history: two card changes

    # Transactions: uniform over the last HISTORY_DAYS days (after the account opened).
    n = customers * transactions_per_customer
    owner = np.repeat(np.arange(customers), transactions_per_customer)
    open_offset = np.array([(AS_OF - o).days for o in opened])
    span = np.minimum(open_offset[owner], HISTORY_DAYS)
    days_back = (rng.random(n) * span).astype(int)
    seconds = rng.integers(0, 86_400, n)
    when = [
        datetime.combine(AS_OF, datetime.min.time()) - timedelta(days=int(d)) + timedelta(seconds=int(s))
        for d, s in zip(days_back, seconds)
    ]
    category = rng.integers(0, len(MERCHANT_CATEGORIES), n)
    amount = np.round(rng.lognormal(3.8, 0.9, n), 2)
    status = np.where(rng.random(n) < 0.95, "approved", "declined")
    fact = pd.DataFrame(
        {
            "TRANSACTION_KEY": np.arange(1, n + 1),
            "TRANSACTION_ID": [f"TXN{k:010d}" for k in range(1, n + 1)],
            "CUSTOMER_ID": [ids[o] for o in owner],
            "DATE_KEY": [int(t.strftime("%Y%m%d")) for t in when],
            "MERCHANT_CATEGORY_KEY": [MERCHANT_CATEGORIES[c].key for c in category],
            "MERCHANT_CATEGORY": [MERCHANT_CATEGORIES[c].name for c in category],
            "MERCHANT_NAME": [f"{MERCHANT_CATEGORIES[c].name} Co {c % 7}" for c in category],
            "TRANSACTION_AMOUNT": amount,
            "STATUS": status,
            "CHANNEL": [CHANNELS[i] for i in rng.integers(0, len(CHANNELS), n)],
            "TRANSACTION_DATE": pd.to_datetime(when),
            "_BATCH_ID": "B20250630",
        }
    )

    # SCD2 history: every third customer upgraded the card once; every fifth also had a limit change.
    versions = []
    key = 0
    current_key: dict[str, int] = {}
    for i, customer in enumerate(ids):
        card = CARD_TYPES[i % 2]
        limit = float(2000 + 1000 * (i % 9))
        changes = [opened[i]]
        if i % 3 == 0:
            changes.append(AS_OF - timedelta(days=200))
        if i % 5 == 0:
            changes.append(AS_OF - timedelta(days=90))
        changes = sorted({d for d in changes if d >= opened[i]})
        for v, start in enumerate(changes):
            key += 1
            if v > 0:
                card = CARD_TYPES[min(CARD_TYPES.index(card) + 1, len(CARD_TYPES) - 1)]
                limit += 2500.0
            end = changes[v + 1] - timedelta(days=1) if v + 1 < len(changes) else OPEN_END
            versions.append(
                {
                    "CUSTOMER_KEY": key, "CUSTOMER_ID": customer, "FIRST_NAME": first[i], "LAST_NAME": last[i],
                    "FULL_NAME": f"{first[i]} {last[i]}",
                    "EMAIL": f"{first[i]}.{last[i]}{i}@example.com".lower().replace("'", ""),
                    "AGE": int(22 + i % 50), "STATE": states[i], "CITY": f"City {i % 11}",
                    "EMPLOYMENT_STATUS": EMPLOYMENT_STATUSES[i % len(EMPLOYMENT_STATUSES)],
                    "CARD_TYPE": card, "CREDIT_LIMIT": limit, "ACCOUNT_OPEN_DATE": opened[i],
                    "ROW_HASH": f"{customer}-{v}", "VALID_FROM": start, "VALID_TO": end,
                    "IS_CURRENT": end == OPEN_END, "UPDATED_AT": datetime.combine(start, datetime.min.time()),
                }
            )
        current_key[customer] = key
    dim_customer = pd.DataFrame(versions)
    # The fact points at the version valid on the transaction day.
    spans = dim_customer[["CUSTOMER_KEY", "CUSTOMER_ID", "VALID_FROM", "VALID_TO"]]
    merged = fact[["TRANSACTION_KEY", "CUSTOMER_ID", "TRANSACTION_DATE"]].merge(spans, on="CUSTOMER_ID")
    day = merged["TRANSACTION_DATE"].dt.date
    valid = merged[(merged["VALID_FROM"] <= day) & (day <= merged["VALID_TO"])]
    fact = fact.merge(valid[["TRANSACTION_KEY", "CUSTOMER_KEY"]], on="TRANSACTION_KEY", how="left")
    fact["CUSTOMER_KEY"] = fact["CUSTOMER_KEY"].fillna(
        fact["CUSTOMER_ID"].map(dict(zip(spans["CUSTOMER_ID"], spans["CUSTOMER_KEY"])))
    )
    fact = fact[list(FACT_SCHEMA.names)]

    current = dim_customer[dim_customer["IS_CURRENT"]].set_index("CUSTOMER_ID")
    approved = fact[fact["STATUS"] == "approved"]
    spent_by = {customer: rows for customer, rows in approved.groupby("CUSTOMER_ID")}
    as_of_ts = pd.Timestamp(AS_OF)
    age_days = (as_of_ts - approved["TRANSACTION_DATE"]).dt.days
    last_90 = approved[age_days < 90].groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    prior_90 = approved[(age_days >= 90) & (age_days < 180)].groupby("CUSTOMER_ID")["TRANSACTION_AMOUNT"].sum()
    travel = {c.name for c in MERCHANT_CATEGORIES if c.is_travel}
    necessity = {c.name for c in MERCHANT_CATEGORIES if c.is_necessity}
    rows = []
    for i, customer in enumerate(ids):
        spent = spent_by.get(customer, approved.iloc[0:0])
        ltv = round(float(spent["TRANSACTION_AMOUNT"].sum()), 2)
        recent, prior = float(last_90.get(customer, 0.0)), float(prior_90.get(customer, 0.0))
        first_day = spent["TRANSACTION_DATE"].min().date() if len(spent) else None
        last_day = spent["TRANSACTION_DATE"].max().date() if len(spent) else None
        tenure_days = (AS_OF - opened[i]).days
        score = float(scores[i])
        row = current.loc[customer]
        rows.append(
            {
                "CUSTOMER_ID": customer, "CUSTOMER_KEY": current_key[customer], "FULL_NAME": row["FULL_NAME"],
                "FIRST_NAME": row["FIRST_NAME"], "LAST_NAME": row["LAST_NAME"], "EMAIL": row["EMAIL"],
                "AGE": row["AGE"], "STATE": row["STATE"], "CITY": row["CITY"],
                "EMPLOYMENT_STATUS": row["EMPLOYMENT_STATUS"], "CARD_TYPE": row["CARD_TYPE"],
                "CREDIT_LIMIT": row["CREDIT_LIMIT"], "ACCOUNT_OPEN_DATE": opened[i],
                "TENURE_MONTHS": tenure_days // 30, "TENURE_DAYS": tenure_days,
                "CUSTOMER_SEGMENT": segments[i], "SEGMENT_ASSIGNED_AT": datetime.combine(AS_OF, datetime.min.time()),
                "SPEND_LAST_90_DAYS": round(recent, 2), "SPEND_PRIOR_90_DAYS": round(prior, 2),
                "SPEND_CHANGE_PCT": (recent - prior) / prior if prior else None,
                "AVG_MONTHLY_SPEND": recent / 3,
                "TRAVEL_SHARE": float(spent[spent["MERCHANT_CATEGORY"].isin(travel)]["TRANSACTION_AMOUNT"].sum() / ltv)
                if ltv else 0.0,
                "NECESSITIES_SHARE": float(
                    spent[spent["MERCHANT_CATEGORY"].isin(necessity)]["TRANSACTION_AMOUNT"].sum() / ltv
                )
                if ltv else 0.0,
                "LIFETIME_VALUE": ltv, "TOTAL_TRANSACTIONS": int(len(spent)),
                "AVG_SPEND_PER_DAY": ltv / max(tenure_days, 1), "FIRST_TRANSACTION_DATE": first_day,
                "LAST_TRANSACTION_DATE": last_day,
                "AVG_TRANSACTION_VALUE": round(ltv / len(spent), 2) if len(spent) else None,
                "DAYS_SINCE_LAST_TRANSACTION": (AS_OF - last_day).days if last_day else None,
                "LAST_MONTH_SPEND": float(spent[(as_of_ts - spent["TRANSACTION_DATE"]).dt.days < 30][
                    "TRANSACTION_AMOUNT"
                ].sum()),
                "MOM_SPEND_CHANGE_PCT": None,
                "CREDIT_UTILIZATION_PCT": round(100 * recent / 3 / float(row["CREDIT_LIMIT"]), 2),
                "CHURN_PROBABILITY": score / 100 if scored else None,
                "CHURN_RISK_SCORE": score if scored else None,
                "CHURN_RISK_CATEGORY": _risk_category(score) if scored else None,
                "MODEL_VERSION": "v1" if scored else None,
                "IS_RETENTION_TARGET": bool(scored and score >= 70),
                "IS_UPSELL_TARGET": segments[i] == "High-Value Travelers",
                "AS_OF_DATE": AS_OF,
            }
        )
    profile = pd.DataFrame(rows)[list(PROFILE_SCHEMA.names)]
    categories = pd.DataFrame(
        {
            "MERCHANT_CATEGORY_KEY": [c.key for c in MERCHANT_CATEGORIES],
            "MERCHANT_CATEGORY": [c.name for c in MERCHANT_CATEGORIES],
            "CATEGORY_GROUP": [c.group for c in MERCHANT_CATEGORIES],
            "IS_TRAVEL": [c.is_travel for c in MERCHANT_CATEGORIES],
            "IS_NECESSITY": [c.is_necessity for c in MERCHANT_CATEGORIES],
        }
    )
    return {
        "CUSTOMER_360_PROFILE": profile,
        "DIM_CUSTOMER": dim_customer[list(DIM_CUSTOMER_SCHEMA.names)],
        "FCT_TRANSACTIONS": fact,
        "DIM_MERCHANT_CATEGORY": categories,
    }


SCHEMAS = {
    "CUSTOMER_360_PROFILE": PROFILE_SCHEMA,
    "DIM_CUSTOMER": DIM_CUSTOMER_SCHEMA,
    "FCT_TRANSACTIONS": FACT_SCHEMA,
    "DIM_MERCHANT_CATEGORY": CATEGORY_SCHEMA,
}


def _with_decimals(frame: pd.DataFrame, schema: StructType) -> pd.DataFrame:
    """NUMBER(p,s) columns as Decimal values: Arrow will not turn floats into decimals by itself."""
    out = frame.copy()
    for field in schema.fields:
        if isinstance(field.datatype, DecimalType):
            scale = field.datatype.scale
            out[field.name] = [None if pd.isna(v) else Decimal(f"{float(v):.{scale}f}") for v in out[field.name]]
    return out


def build_app_warehouse(home: Path, **options: object) -> dict[str, pd.DataFrame]:
    """Write the app's gold tables into the local database of `home` (through `Warehouse.write_pandas`).

    The writer session is closed before this returns, so the app (a reader) can open the database.
    """
    tables = app_tables(**options)  # type: ignore[arg-type]
    cfg = PipelineConfig.build(home=home, as_of=AS_OF)
    session = local_session(home, cfg.database)
    try:
        warehouse = Warehouse.of(session, cfg)
        for name, frame in tables.items():
            rows = _with_decimals(frame, SCHEMAS[name])
            if name == "DIM_CUSTOMER":
                # The open end 9999-12-31 is beyond pandas' timestamps, which the pandas loader goes through: is written from Python rows instead.
                # the (small) dimension is loaded with its dates as text and cast by the engine.
                dates = [f.name for f in SCHEMAS[name].fields if isinstance(f.datatype, DateType)]
                text_schema = StructType(
                    [StructField(f.name, StringType(), True) if f.name in dates else f for f in SCHEMAS[name].fields]
                )
                rows[dates] = rows[dates].astype(str)
                staged = warehouse.dataframe(rows, text_schema)
                staged = staged.select([F.to_date(F.col(c)).alias(c) if c in dates else F.col(c) for c in rows.columns])
                warehouse.write(staged, "GOLD", name)
            else:
                warehouse.write_pandas(rows, SCHEMAS[name], "GOLD", name)
    finally:
        session.close()
    return tables


WRITER = """
import sys
from c360_pipeline import engine

session = engine.local_session(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()  # hold the database until the test closes our stdin
session.close()
"""


@contextlib.contextmanager
def writer_process(home: Path) -> Iterator[None]:
    """Another process holding `home`'s database open for writing, as a `c360 run` does, for the block.

    Fails (AssertionError with the process's output) if that process cannot open the database: the
    readers under test must have let it go.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(home)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if line.strip() != "ready":
            process.wait(timeout=30)
            raise AssertionError(f"the writer could not open {home}'s database: {line}{process.stdout.read()}")  # type: ignore[union-attr]
        yield
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def add_docs_and_runs(home: Path, runs: tuple[tuple[datetime, str, float], ...] | None = None) -> None:
    """GOLD.DOCS loaded by the load_docs step and OPS.PIPELINE_RUNS rows (started at, step, seconds) recorded as
    the runner records them: what the AI Assistant's document search and the Cost tab read."""
    from c360_pipeline.documents.step import run_load_docs
    from c360_pipeline.orchestration.run_log import record_step
    from c360_pipeline.steps import StepResult

    cfg = PipelineConfig.build(home=home, as_of=AS_OF)
    runs = runs or tuple(
        (datetime(2025, 6, day, 2, 0), step, seconds)
        for day in (28, 29, 30) for step, seconds in (("stage_silver", 1200.0), ("fct_transactions", 600.0),
                                                      ("data_quality", 300.0))
    )
    session = local_session(home, cfg.database)
    try:
        run_load_docs(session, cfg)
        for started, step, seconds in runs:
            record_step(session, cfg, f"run-{started:%Y%m%d}", StepResult(step, seconds=seconds), started)
    finally:
        session.close()
