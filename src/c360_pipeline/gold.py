"""Gold star schema: DIM_DATE, DIM_MERCHANT_CATEGORY, DIM_CUSTOMER (SCD Type 2) and FCT_TRANSACTIONS.

DIM_CUSTOMER tracks CARD_TYPE and CREDIT_LIMIT (Type 2: a new version when their hash changes);
the other attributes take the customer's latest delivered values on every version (Type 1).
Versions are at day grain: VALID_FROM is the day the change took effect, VALID_TO the day the next
version starts (exclusive) or 9999-12-31, so a transaction belongs to the version valid on its day.
The dimension is recomputed from the full silver history (customers are few), which makes late-arriving
changes and re-runs correct by construction; CUSTOMER_KEY = HASH(CUSTOMER_ID, VALID_FROM) is stable.
"""

from __future__ import annotations

import calendar
import time
from datetime import date, timedelta

import pandas as pd
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, MERCHANT_CATEGORIES, STATUSES
from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import Check, TableContract, declare
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

OPEN_END = date(9999, 12, 31)
OPEN_END_KEY = 99991231

DIM_DATE_SCHEMA = StructType(
    [
        StructField("DATE_KEY", LongType()),
        StructField("CALENDAR_DATE", DateType()),
        StructField("YEAR", LongType()),
        StructField("QUARTER", LongType()),
        StructField("MONTH", LongType()),
        StructField("MONTH_NAME", StringType()),
        StructField("DAY", LongType()),
        StructField("DAY_OF_WEEK", LongType()),
        StructField("DAY_NAME", StringType()),
        StructField("IS_WEEKEND", BooleanType()),
    ]
)
DIM_MERCHANT_CATEGORY_SCHEMA = StructType(
    [
        StructField("MERCHANT_CATEGORY_KEY", LongType()),
        StructField("MERCHANT_CATEGORY", StringType()),
        StructField("CATEGORY_GROUP", StringType()),
        StructField("IS_TRAVEL", BooleanType()),
        StructField("IS_NECESSITY", BooleanType()),
    ]
)
TRACKED_ATTRIBUTES = ("CARD_TYPE", "CREDIT_LIMIT")
TYPE1_ATTRIBUTES = ("FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY", "EMPLOYMENT_STATUS", "ACCOUNT_OPEN_DATE")


def date_key(column: str) -> F.Column:
    """yyyymmdd integer of a date or timestamp column (the fast way to compare days)."""
    return F.year(F.col(column)) * 10000 + F.month(F.col(column)) * 100 + F.dayofmonth(F.col(column))


# --- dim_date ------------------------------------------------------------------------------------

def calendar_days(start: date, end: date) -> pd.DataFrame:
    """DIM_DATE rows: one per calendar day from start to end inclusive (DAY_OF_WEEK 0 = Sunday)."""
    days = pd.date_range(start, end, freq="D")
    return pd.DataFrame(
        {
            "DATE_KEY": days.year * 10000 + days.month * 100 + days.day,
            "CALENDAR_DATE": days.date,
            "YEAR": days.year,
            "QUARTER": days.quarter,
            "MONTH": days.month,
            "MONTH_NAME": [calendar.month_name[m] for m in days.month],
            "DAY": days.day,
            "DAY_OF_WEEK": (days.dayofweek + 1) % 7,
            "DAY_NAME": [calendar.day_name[d] for d in days.dayofweek],
            "IS_WEEKEND": days.dayofweek >= 5,
        }
    )


def date_range_of(stg_transactions: DataFrame) -> DataFrame:
    """First and last transaction time: the range of days the fact can point to."""
    return stg_transactions.agg(F.min("TRANSACTION_DATE").alias("FIRST_TS"), F.max("TRANSACTION_DATE").alias("LAST_TS"))


def run_dim_date(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_DATE from the first transaction day through as_of (the days the fact can point to)."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    bounds = date_range_of(warehouse.read_columns("SILVER", "STG_TRANSACTIONS", ["TRANSACTION_DATE"])).collect()[0]
    candidates = [pd.Timestamp(v).date() for v in (bounds["FIRST_TS"],) if v is not None and not pd.isna(v)]
    last = [pd.Timestamp(bounds["LAST_TS"]).date()] if bounds["LAST_TS"] is not None and not pd.isna(bounds["LAST_TS"]) else []
    start = min(candidates) if candidates else cfg.as_of
    end = max(last + [cfg.as_of])
    rows = warehouse.write_pandas(calendar_days(start, end), DIM_DATE_SCHEMA, "GOLD", "DIM_DATE")
    return StepResult("dim_date", rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} days from {start} to {end}")


# --- dim_merchant_category -----------------------------------------------------------------------

def merchant_categories() -> pd.DataFrame:
    """DIM_MERCHANT_CATEGORY rows: one per merchant category with its group and segment flags."""
    return pd.DataFrame(
        [
            {
                "MERCHANT_CATEGORY_KEY": c.key, "MERCHANT_CATEGORY": c.name, "CATEGORY_GROUP": c.group,
                "IS_TRAVEL": c.is_travel, "IS_NECESSITY": c.is_necessity,
            }
            for c in MERCHANT_CATEGORIES
        ]
    )


def run_dim_merchant_category(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_MERCHANT_CATEGORY from the catalog."""
    started = time.perf_counter()
    rows = Warehouse.of(session, cfg).write_pandas(
        merchant_categories(), DIM_MERCHANT_CATEGORY_SCHEMA, "GOLD", "DIM_MERCHANT_CATEGORY"
    )
    return StepResult("dim_merchant_category", rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} merchant categories")


# --- dim_customer (SCD Type 2) -------------------------------------------------------------------

def daily_customer_states(stg_customers: DataFrame) -> DataFrame:
    """One row per customer per day with records: the last record of the day, with the hash of its tracked attributes."""
    records = stg_customers.select(
        "CUSTOMER_ID", *TRACKED_ATTRIBUTES, "UPDATED_AT",
        F.to_date(F.col("UPDATED_AT")).alias("EFFECTIVE_DATE"),
        F.sha2(F.concat_ws(F.lit("|"), *[F.col(c).cast(StringType()) for c in TRACKED_ATTRIBUTES]), 256).alias("ROW_HASH"),
    )
    last_of_day = records.group_by("CUSTOMER_ID", "EFFECTIVE_DATE").agg(F.max("UPDATED_AT").alias("UPDATED_AT"))
    return records.join(last_of_day, ["CUSTOMER_ID", "EFFECTIVE_DATE", "UPDATED_AT"])


def customer_changes(daily_states: DataFrame) -> DataFrame:
    """The starts of SCD2 versions: days on which a customer's tracked attributes differ from its previous day's."""
    # The previous state of each day, found with a self-join on the customer (no window).
    earlier = daily_states.select("CUSTOMER_ID", F.col("EFFECTIVE_DATE").alias("PREVIOUS_DATE"))
    previous = (
        daily_states.select("CUSTOMER_ID", "EFFECTIVE_DATE")
        .join(earlier, "CUSTOMER_ID")
        .filter(F.col("PREVIOUS_DATE") < F.col("EFFECTIVE_DATE"))
        .group_by("CUSTOMER_ID", "EFFECTIVE_DATE")
        .agg(F.max("PREVIOUS_DATE").alias("PREVIOUS_DATE"))
    )
    previous_hash = daily_states.select(
        "CUSTOMER_ID", F.col("EFFECTIVE_DATE").alias("PREVIOUS_DATE"), F.col("ROW_HASH").alias("PREVIOUS_HASH")
    )
    with_previous = (
        daily_states.join(previous, ["CUSTOMER_ID", "EFFECTIVE_DATE"], how="left")
        .join(previous_hash, ["CUSTOMER_ID", "PREVIOUS_DATE"], how="left")
    )
    return with_previous.filter(
        F.col("PREVIOUS_HASH").is_null() | (F.col("PREVIOUS_HASH") != F.col("ROW_HASH"))
    ).select("CUSTOMER_ID", *TRACKED_ATTRIBUTES, "ROW_HASH", "EFFECTIVE_DATE", "UPDATED_AT")


def latest_customer_attributes(stg_customers: DataFrame) -> DataFrame:
    """One row per customer: the Type 1 attributes of its latest record."""
    latest = stg_customers.group_by("CUSTOMER_ID").agg(F.max("UPDATED_AT").alias("UPDATED_AT"))
    return stg_customers.join(latest, ["CUSTOMER_ID", "UPDATED_AT"]).select(
        "CUSTOMER_ID", *[F.col(c).alias(f"LATEST_{c}") for c in TYPE1_ATTRIBUTES]
    )


def dim_customer(changes: DataFrame, latest_attributes: DataFrame) -> DataFrame:
    """GOLD.DIM_CUSTOMER: one row per customer per validity interval of its tracked attributes."""
    starts = changes.select("CUSTOMER_ID", F.col("EFFECTIVE_DATE").alias("NEXT_START"))
    next_start = (
        changes.select("CUSTOMER_ID", "EFFECTIVE_DATE")
        .join(starts, "CUSTOMER_ID")
        .filter(F.col("NEXT_START") > F.col("EFFECTIVE_DATE"))
        .group_by("CUSTOMER_ID", "EFFECTIVE_DATE")
        .agg(F.min("NEXT_START").alias("NEXT_START"))
    )
    first_start = changes.group_by("CUSTOMER_ID").agg(F.min("EFFECTIVE_DATE").alias("FIRST_START"))
    versions = (
        changes.join(next_start, ["CUSTOMER_ID", "EFFECTIVE_DATE"], how="left")
        .join(first_start, "CUSTOMER_ID")
        .join(latest_attributes, "CUSTOMER_ID")
    )
    # The first version opens with the account, so every transaction after opening finds a version.
    valid_from = F.iff(
        (F.col("EFFECTIVE_DATE") == F.col("FIRST_START")) & (F.col("LATEST_ACCOUNT_OPEN_DATE") < F.col("EFFECTIVE_DATE")),
        F.col("LATEST_ACCOUNT_OPEN_DATE"),
        F.col("EFFECTIVE_DATE"),
    )
    return versions.select(
        F.hash(F.col("CUSTOMER_ID"), F.col("EFFECTIVE_DATE")).alias("CUSTOMER_KEY"),
        "CUSTOMER_ID",
        *[F.col(f"LATEST_{c}").alias(c) for c in ("FIRST_NAME", "LAST_NAME")],
        F.concat_ws(F.lit(" "), F.col("LATEST_FIRST_NAME"), F.col("LATEST_LAST_NAME")).alias("FULL_NAME"),
        *[F.col(f"LATEST_{c}").alias(c) for c in ("EMAIL", "AGE", "STATE", "CITY", "EMPLOYMENT_STATUS")],
        "CARD_TYPE",
        "CREDIT_LIMIT",
        F.col("LATEST_ACCOUNT_OPEN_DATE").alias("ACCOUNT_OPEN_DATE"),
        "ROW_HASH",
        valid_from.alias("VALID_FROM"),
        F.coalesce(F.col("NEXT_START"), F.lit(OPEN_END)).alias("VALID_TO"),
        F.col("NEXT_START").is_null().alias("IS_CURRENT"),
        "UPDATED_AT",
    )


def _one_current_version(frame: DataFrame, tables) -> int:
    """Customers with a number of current versions other than one."""
    customers = frame.agg(F.count_distinct("CUSTOMER_ID").alias("N")).collect()[0]["N"]
    current = frame.filter(F.col("IS_CURRENT")).agg(
        F.count(F.lit(1)).alias("ROWS"), F.count_distinct("CUSTOMER_ID").alias("CUSTOMERS")
    ).collect()[0]
    return abs(int(customers or 0) - int(current["CUSTOMERS"] or 0)) + int(current["ROWS"] or 0) - int(current["CUSTOMERS"] or 0)


def _overlapping_versions(frame: DataFrame, tables) -> int:
    """Versions whose interval overlaps another version of the same customer, or is empty."""
    versions = frame.select("CUSTOMER_ID", "CUSTOMER_KEY", "VALID_FROM", "VALID_TO")
    others = versions.select(
        "CUSTOMER_ID", F.col("CUSTOMER_KEY").alias("OTHER_KEY"), F.col("VALID_FROM").alias("OTHER_FROM"),
        F.col("VALID_TO").alias("OTHER_TO"),
    )
    overlaps = versions.join(others, "CUSTOMER_ID").filter(
        (F.col("OTHER_KEY") != F.col("CUSTOMER_KEY"))
        & (F.col("OTHER_FROM") < F.col("VALID_TO"))
        & (F.col("VALID_FROM") < F.col("OTHER_TO"))
    )
    return overlaps.count() + frame.filter(F.col("VALID_FROM") >= F.col("VALID_TO")).count()


declare(
    TableContract(
        "GOLD", "DIM_CUSTOMER", "one row per customer per validity interval (SCD Type 2)",
        primary_key=("CUSTOMER_KEY",),
        not_null=("CUSTOMER_ID", "CARD_TYPE", "CREDIT_LIMIT", "VALID_FROM", "VALID_TO", "IS_CURRENT"),
        accepted_values={"CARD_TYPE": CARD_TYPES},
        invariants=(
            Check("DIM_CUSTOMER.one_current_version", "error", _one_current_version,
                  "every customer has exactly one current version"),
            Check("DIM_CUSTOMER.no_overlapping_versions", "error", _overlapping_versions,
                  "validity intervals of a customer never overlap and are never empty"),
        ),
    )
)
declare(
    TableContract("GOLD", "DIM_DATE", "one row per calendar day of the data range", primary_key=("DATE_KEY",),
                  not_null=("CALENDAR_DATE", "YEAR", "MONTH", "DAY"))
)
declare(
    TableContract(
        "GOLD", "DIM_MERCHANT_CATEGORY", "one row per merchant category", primary_key=("MERCHANT_CATEGORY_KEY",),
        not_null=("MERCHANT_CATEGORY", "CATEGORY_GROUP", "IS_TRAVEL", "IS_NECESSITY"),
        accepted_values={"CATEGORY_GROUP": tuple(sorted({c.group for c in MERCHANT_CATEGORIES}))},
    )
)


def run_dim_customer(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_CUSTOMER from the silver history."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    stg = warehouse.read("SILVER", "STG_CUSTOMERS")
    # Materialise between stages: the emulator re-plans a deep lazy frame at every join.
    states = daily_customer_states(stg).cache_result()
    changes = customer_changes(states).cache_result()
    target = dim_customer(changes, latest_customer_attributes(stg).cache_result())
    before = warehouse.to_pandas("GOLD", "DIM_CUSTOMER") if warehouse.exists("GOLD", "DIM_CUSTOMER") else None
    # The whole history is recomputed from silver, so overwriting drops versions a late change removed.
    rows = warehouse.write(target, "GOLD", "DIM_CUSTOMER")
    after = warehouse.to_pandas("GOLD", "DIM_CUSTOMER")
    new_versions = len(after) - (0 if before is None else len(before[before["CUSTOMER_KEY"].isin(after["CUSTOMER_KEY"])]))
    closed = 0
    if before is not None:
        merged = before.merge(after, on="CUSTOMER_KEY", suffixes=("_BEFORE", ""))
        closed = int((merged["VALID_TO_BEFORE"] != merged["VALID_TO"]).sum())
    return StepResult(
        "dim_customer", rows_in=stg.count(), rows_out=rows, seconds=time.perf_counter() - started,
        message=f"{int(after['IS_CURRENT'].sum())} customers, {len(after)} versions ({new_versions} new, {closed} closed)",
        details={"new_versions": int(new_versions), "closed_versions": closed},
    )


# --- fct_transactions ----------------------------------------------------------------------------

def version_day_ranges(dim_customer_versions: DataFrame) -> DataFrame:
    """One row per customer version: its day range as yyyymmdd keys and the customer's first version start."""
    versions = dim_customer_versions.select(
        "CUSTOMER_ID",
        "CUSTOMER_KEY",
        date_key("VALID_FROM").alias("_FROM_KEY"),
        date_key("VALID_TO").alias("_TO_KEY"),
    )
    first = dim_customer_versions.group_by("CUSTOMER_ID").agg(F.min("VALID_FROM").alias("_FIRST_FROM")).select(
        "CUSTOMER_ID", date_key("_FIRST_FROM").alias("_FIRST_KEY")
    )
    return versions.join(first, "CUSTOMER_ID")


def fct_transactions(new_transactions: DataFrame, version_ranges: DataFrame, categories: DataFrame) -> DataFrame:
    """GOLD.FCT_TRANSACTIONS rows: one per staged transaction, keyed to the customer version valid that day."""
    transactions = new_transactions.with_column("DATE_KEY", date_key("TRANSACTION_DATE"))
    keyed = (
        transactions.join(version_ranges, "CUSTOMER_ID")
        # A transaction before the first version (delivered before the account opened) keys to the first version.
        .filter(
            ((F.col("DATE_KEY") >= F.col("_FROM_KEY")) | (F.col("_FROM_KEY") == F.col("_FIRST_KEY")))
            & (F.col("DATE_KEY") < F.col("_TO_KEY"))
        )
    )
    category_keys = categories.select("MERCHANT_CATEGORY", "MERCHANT_CATEGORY_KEY")
    return keyed.join(category_keys, "MERCHANT_CATEGORY").select(
        F.col("_RECORD_ID").alias("TRANSACTION_KEY"),
        "TRANSACTION_ID",
        "CUSTOMER_KEY",
        "CUSTOMER_ID",
        "DATE_KEY",
        "MERCHANT_CATEGORY_KEY",
        "MERCHANT_CATEGORY",
        "MERCHANT_NAME",
        "TRANSACTION_AMOUNT",
        "STATUS",
        "CHANNEL",
        "TRANSACTION_DATE",
        "_BATCH_ID",
    )


def _fact_matches_silver(frame: DataFrame, tables) -> int:
    """Staged transactions missing from the fact, plus fact rows beyond silver (no row lost or doubled)."""
    return abs(tables("SILVER", "STG_TRANSACTIONS").count() - frame.count())


declare(
    TableContract(
        "GOLD", "FCT_TRANSACTIONS", "one row per transaction",
        primary_key=("TRANSACTION_KEY",),
        not_null=("TRANSACTION_ID", "CUSTOMER_KEY", "CUSTOMER_ID", "DATE_KEY", "MERCHANT_CATEGORY_KEY",
                  "TRANSACTION_AMOUNT", "STATUS", "CHANNEL", "TRANSACTION_DATE"),
        accepted_values={"STATUS": STATUSES, "CHANNEL": CHANNELS},
        relationships={
            "CUSTOMER_KEY": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_KEY"),
            "DATE_KEY": ("GOLD", "DIM_DATE", "DATE_KEY"),
            "MERCHANT_CATEGORY_KEY": ("GOLD", "DIM_MERCHANT_CATEGORY", "MERCHANT_CATEGORY_KEY"),
        },
        invariants=(
            Check("FCT_TRANSACTIONS.matches_silver", "error", _fact_matches_silver,
                  "every staged transaction is in the fact exactly once"),
        ),
    )
)


def stale_fact_keys(fact_keys: DataFrame, version_ranges: DataFrame) -> DataFrame:
    """Fact CUSTOMER_KEYs some of whose rows lie outside that version's day range, or whose version is gone.

    Version grain: the fact's (CUSTOMER_KEY, DATE_KEY) are aggregated to one row per key (first and
    last day), then compared with the versions' ranges. A late-arriving change that splits a version
    shortens the old version's range, so its later rows fall outside it; a change that removes a
    version (the same attributes now start earlier) leaves its key without a version.
    """
    spans = fact_keys.group_by("CUSTOMER_KEY").agg(
        F.min("DATE_KEY").alias("_MIN_DATE_KEY"), F.max("DATE_KEY").alias("_MAX_DATE_KEY")
    ).cache_result()  # materialised: the emulator re-plans the lazy aggregate at the join (~5x slower)
    ranges = version_ranges.select("CUSTOMER_KEY", "_FROM_KEY", "_TO_KEY", "_FIRST_KEY")
    # A key without a version gets the empty range [0, 0), so its rows are out of range; no comparison
    # meets a NULL (the emulator does not give NULL comparisons Snowflake's three-valued logic).
    checked = spans.join(ranges, "CUSTOMER_KEY", how="left").select(
        "CUSTOMER_KEY", "_MIN_DATE_KEY", "_MAX_DATE_KEY",
        *[F.coalesce(F.col(c), F.lit(0)).alias(c) for c in ("_FROM_KEY", "_TO_KEY", "_FIRST_KEY")],
    )
    return checked.filter(
        (F.col("_MAX_DATE_KEY") >= F.col("_TO_KEY"))
        | ((F.col("_MIN_DATE_KEY") < F.col("_FROM_KEY")) & (F.col("_FROM_KEY") != F.col("_FIRST_KEY")))
    ).select("CUSTOMER_KEY")


def rekeyed_fact_rows(candidate_rows: DataFrame, version_ranges: DataFrame) -> DataFrame:
    """For fact rows (TRANSACTION_KEY, CUSTOMER_ID, CUSTOMER_KEY, DATE_KEY): the key of the version valid on
    their day as CUSTOMER_KEY, beside the key they carry as _OLD_KEY (the same rule as `fct_transactions`)."""
    rows = candidate_rows.select("TRANSACTION_KEY", "CUSTOMER_ID", F.col("CUSTOMER_KEY").alias("_OLD_KEY"), "DATE_KEY")
    return rows.join(version_ranges, "CUSTOMER_ID").filter(
        ((F.col("DATE_KEY") >= F.col("_FROM_KEY")) | (F.col("_FROM_KEY") == F.col("_FIRST_KEY")))
        & (F.col("DATE_KEY") < F.col("_TO_KEY"))
    ).select("TRANSACTION_KEY", "CUSTOMER_KEY", "_OLD_KEY")


def rekey_fact(warehouse: Warehouse, version_ranges: DataFrame) -> int:
    """Re-key the fact rows whose CUSTOMER_KEY is no longer the version valid on their DATE_KEY; returns how many.

    Needed after a late-arriving customer change: DIM_CUSTOMER then splits (or merges) versions, and
    rows loaded earlier still point to the old version. When nothing changed this costs a read of two
    fact columns, one aggregate to version grain and a join with the (few) versions. Otherwise only the
    rows of the stale keys are re-keyed: locally the table is rewritten (the other keys' rows plus
    those rows), on Snowflake the changed rows are UPDATEd by TRANSACTION_KEY. Re-running finds no
    stale key, so it changes nothing.
    """
    if not warehouse.exists("GOLD", "FCT_TRANSACTIONS"):
        return 0
    keys = warehouse.read_columns("GOLD", "FCT_TRANSACTIONS", ["CUSTOMER_KEY", "DATE_KEY"])
    stale = [row["CUSTOMER_KEY"] for row in stale_fact_keys(keys, version_ranges).collect()]
    if not stale:
        return 0
    fact = warehouse.read("GOLD", "FCT_TRANSACTIONS")
    of_stale_keys = F.col("CUSTOMER_KEY").isin(stale)  # few keys: a customer's versions, not its transactions
    candidates = fact.select("TRANSACTION_KEY", "CUSTOMER_ID", "CUSTOMER_KEY", "DATE_KEY").filter(of_stale_keys).cache_result()
    keyed = rekeyed_fact_rows(candidates, version_ranges).cache_result()
    expected, found = candidates.count(), keyed.count()
    if found != expected:
        raise RuntimeError(
            f"fct_transactions found a valid customer version for {found} of {expected} fact rows to re-key: "
            "a customer version is missing (check GOLD.DIM_CUSTOMER validity intervals)"
        )
    rekeyed = int(keyed.filter(F.col("CUSTOMER_KEY") != F.col("_OLD_KEY")).count())
    if rekeyed == 0:
        return 0
    table = warehouse.session.table(warehouse.name("GOLD", "FCT_TRANSACTIONS"))
    source = keyed.filter(F.col("CUSTOMER_KEY") != F.col("_OLD_KEY")).select(
        F.col("TRANSACTION_KEY").alias("_TRANSACTION_KEY"), F.col("CUSTOMER_KEY").alias("_NEW_KEY")
    )
    table.update({"CUSTOMER_KEY": source["_NEW_KEY"]}, table["TRANSACTION_KEY"] == source["_TRANSACTION_KEY"], source)
    return rekeyed


def run_fct_transactions(session: Session, cfg: PipelineConfig) -> StepResult:
    """Append staged transactions not yet in GOLD.FCT_TRANSACTIONS (watermark: TRANSACTION_KEY = silver _RECORD_ID),
    and re-key rows loaded earlier whose customer version changed since (late-arriving SCD2 changes)."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    ranges = version_day_ranges(warehouse.read("GOLD", "DIM_CUSTOMER")).cache_result()
    # Before the append: the rows appended below are keyed with the current versions already. It runs
    # on every batch, also one that brings only customer changes.
    rekeyed = rekey_fact(warehouse, ranges)
    rekey_note = f", {rekeyed} re-keyed after late customer changes" if rekeyed else ""
    mark = warehouse.max_of("GOLD", "FCT_TRANSACTIONS", "TRANSACTION_KEY") or 0
    new = warehouse.read_since("SILVER", "STG_TRANSACTIONS", "_RECORD_ID", mark).cache_result()
    incoming = new.count()
    if incoming == 0:
        return StepResult("fct_transactions", seconds=time.perf_counter() - started,
                          message=f"no new transactions{rekey_note}", details={"rekeyed": rekeyed})
    facts = fct_transactions(new, ranges, warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY")).cache_result()
    keyed = facts.count()
    if keyed != incoming:
        raise RuntimeError(
            f"fct_transactions keyed {keyed} of {incoming} new staged transactions: "
            "a customer version or merchant category is missing (check GOLD.DIM_CUSTOMER validity intervals)"
        )
    rows = warehouse.write(facts, "GOLD", "FCT_TRANSACTIONS", mode="append")
    return StepResult("fct_transactions", rows_in=incoming, rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} transactions appended{rekey_note}", details={"rekeyed": rekeyed})
