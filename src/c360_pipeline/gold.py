"""Gold star schema: DIM_DATE, DIM_MERCHANT_CATEGORY, DIM_CUSTOMER (SCD Type 2) and FCT_TRANSACTIONS.

DIM_CUSTOMER tracks CARD_TYPE and CREDIT_LIMIT (Type 2: a new version when their hash changes);
the other attributes take the customer's latest delivered values on every version (Type 1).
Versions are at day grain: VALID_FROM is the day the change took effect, VALID_TO the day the next
version starts (exclusive) or 9999-12-31, so a transaction belongs to the version valid on its day.
The dimension is recomputed from the full silver history (customers are few), which makes late-arriving
changes and re-runs correct by construction; CUSTOMER_KEY = HASH(CUSTOMER_ID, the day the version's change
took effect) is stable.

DATE_KEY (yyyymmdd) is the date dimension's key: `date_keys` computes it for DIM_DATE, and the fact
looks it up there by the transaction's day, as it looks up MERCHANT_CATEGORY_KEY by category.
"""

from __future__ import annotations

import calendar
import time
from datetime import date

import pandas as pd
from snowflake.snowpark import Column, DataFrame, Session, Window
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
from c360_pipeline.contracts import Check, TableContract, rows_where
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

OPEN_END = date(9999, 12, 31)

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


# --- dim_date ------------------------------------------------------------------------------------

def date_keys(days: pd.DatetimeIndex) -> pd.Index:
    """DATE_KEY of each day: the date as a yyyymmdd integer (2025-06-30 -> 20250630)."""
    return days.year * 10000 + days.month * 100 + days.day


def calendar_days(start: date, end: date) -> pd.DataFrame:
    """DIM_DATE rows: one per calendar day from start to end inclusive (DAY_OF_WEEK 0 = Sunday)."""
    days = pd.date_range(start, end, freq="D")
    return pd.DataFrame(
        {
            "DATE_KEY": date_keys(days),
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


def transaction_days(stg_transactions: DataFrame) -> DataFrame:
    """One row: FIRST_DAY and LAST_DAY with a staged transaction (both null when there is none)."""
    day = F.to_date(F.col("TRANSACTION_DATE"))
    return stg_transactions.agg(F.min(day).alias("FIRST_DAY"), F.max(day).alias("LAST_DAY"))


def run_dim_date(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_DATE from the first transaction day through as_of (the days the fact can point to)."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    bounds = transaction_days(warehouse.read("SILVER", "STG_TRANSACTIONS")).collect()[0]
    start = bounds["FIRST_DAY"] or cfg.as_of
    end = max(bounds["LAST_DAY"] or cfg.as_of, cfg.as_of)
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

def _customer_timeline(order_by: str) -> Window:
    """Each customer's rows in time order: the window LAG and LEAD read the previous and next version over."""
    return Window.partition_by("CUSTOMER_ID").order_by(order_by)


def daily_customer_states(stg_customers: DataFrame) -> DataFrame:
    """One row per customer per day with records: the day's last record, with the hash of its tracked attributes."""
    records = stg_customers.select(
        "CUSTOMER_ID", *TRACKED_ATTRIBUTES, "UPDATED_AT",
        F.to_date(F.col("UPDATED_AT")).alias("EFFECTIVE_DATE"),
        F.sha2(F.concat_ws(F.lit("|"), *[F.col(c).cast(StringType()) for c in TRACKED_ATTRIBUTES]), 256).alias("ROW_HASH"),
    )
    # Several changes on one day: the last one is the day's state (versions are at day grain).
    last_of_day = F.max("UPDATED_AT").over(Window.partition_by("CUSTOMER_ID", "EFFECTIVE_DATE"))
    return records.with_column("LAST_OF_DAY", last_of_day).filter(
        F.col("UPDATED_AT") == F.col("LAST_OF_DAY")
    ).drop("LAST_OF_DAY")


def customer_changes(daily_states: DataFrame) -> DataFrame:
    """One row per start of an SCD2 version: a customer's first day, and every day its tracked attributes
    differ from its previous day with records."""
    previous_hash = F.lag("ROW_HASH").over(_customer_timeline("EFFECTIVE_DATE"))
    return daily_states.select(
        "CUSTOMER_ID", *TRACKED_ATTRIBUTES, "ROW_HASH", "EFFECTIVE_DATE", "UPDATED_AT", previous_hash.alias("PREVIOUS_HASH"),
    ).filter(
        F.col("PREVIOUS_HASH").is_null() | (F.col("PREVIOUS_HASH") != F.col("ROW_HASH"))
    ).drop("PREVIOUS_HASH")


def latest_customer_attributes(stg_customers: DataFrame) -> DataFrame:
    """One row per customer: the Type 1 attributes of its latest record, as LATEST_<attribute>."""
    latest = F.max("UPDATED_AT").over(Window.partition_by("CUSTOMER_ID"))
    return stg_customers.select(
        "CUSTOMER_ID", "UPDATED_AT", latest.alias("LATEST_UPDATE"), *[F.col(c).alias(f"LATEST_{c}") for c in TYPE1_ATTRIBUTES]
    ).filter(F.col("UPDATED_AT") == F.col("LATEST_UPDATE")).drop("UPDATED_AT", "LATEST_UPDATE")


def dim_customer(changes: DataFrame, latest_attributes: DataFrame) -> DataFrame:
    """GOLD.DIM_CUSTOMER: one row per customer per validity interval of its tracked attributes."""
    timeline = _customer_timeline("EFFECTIVE_DATE")
    versions = changes.select(
        "*",
        F.lead("EFFECTIVE_DATE").over(timeline).alias("NEXT_START"),
        F.lag("EFFECTIVE_DATE").over(timeline).is_null().alias("IS_FIRST_VERSION"),
    ).join(latest_attributes, "CUSTOMER_ID")
    # The first version opens with the account, so every transaction after opening finds a version.
    valid_from = (
        F.when(F.col("IS_FIRST_VERSION") & (F.col("LATEST_ACCOUNT_OPEN_DATE") < F.col("EFFECTIVE_DATE")),
               F.col("LATEST_ACCOUNT_OPEN_DATE"))
        .otherwise(F.col("EFFECTIVE_DATE"))
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


def _not_one_current_version() -> F.Column:
    """Customers with a number of current versions other than one: those without one, plus current versions beyond one."""
    current_customer = F.iff(F.col("IS_CURRENT"), F.col("CUSTOMER_ID"), F.lit(None))
    customers, current_customers = F.count_distinct(F.col("CUSTOMER_ID")), F.count_distinct(current_customer)
    return F.abs(customers - current_customers) + rows_where(F.col("IS_CURRENT")) - current_customers


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


_DIMENSION_CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "GOLD", "DIM_CUSTOMER", "one row per customer per validity interval (SCD Type 2)",
        primary_key=("CUSTOMER_KEY",),
        not_null=("CUSTOMER_ID", "CARD_TYPE", "CREDIT_LIMIT", "VALID_FROM", "VALID_TO", "IS_CURRENT"),
        accepted_values={"CARD_TYPE": CARD_TYPES},
        invariants=(
            Check("DIM_CUSTOMER.one_current_version", "error", description="every customer has exactly one current version",
                  aggregate=_not_one_current_version()),
            Check("DIM_CUSTOMER.no_overlapping_versions", "error", _overlapping_versions,
                  "validity intervals of a customer never overlap and are never empty"),
        ),
    ),
    TableContract("GOLD", "DIM_DATE", "one row per calendar day of the data range", primary_key=("DATE_KEY",),
                  not_null=("CALENDAR_DATE", "YEAR", "MONTH", "DAY")),
    TableContract(
        "GOLD", "DIM_MERCHANT_CATEGORY", "one row per merchant category", primary_key=("MERCHANT_CATEGORY_KEY",),
        not_null=("MERCHANT_CATEGORY", "CATEGORY_GROUP", "IS_TRAVEL", "IS_NECESSITY"),
        accepted_values={"CATEGORY_GROUP": tuple(sorted({c.group for c in MERCHANT_CATEGORIES}))},
    ),
)


def run_dim_customer(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_CUSTOMER from the silver history."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    stg = warehouse.read("SILVER", "STG_CUSTOMERS")
    target = dim_customer(customer_changes(daily_customer_states(stg)), latest_customer_attributes(stg))
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

def customer_versions(dim_customer_versions: DataFrame) -> DataFrame:
    """One row per customer version: CUSTOMER_ID, CUSTOMER_KEY, VALID_FROM, VALID_TO and IS_FIRST_VERSION."""
    earlier_version = F.lag("VALID_FROM").over(_customer_timeline("VALID_FROM"))
    return dim_customer_versions.select(
        "CUSTOMER_ID", "CUSTOMER_KEY", "VALID_FROM", "VALID_TO", earlier_version.is_null().alias("IS_FIRST_VERSION")
    )


def version_valid_on(day: Column) -> Column:
    """Whether a customer version (a row of `customer_versions`) is the one a transaction on `day` belongs to:
    VALID_FROM <= day < VALID_TO, and the first version also takes the days before it (a transaction
    delivered before the account opened)."""
    return ((day >= F.col("VALID_FROM")) | F.col("IS_FIRST_VERSION")) & (day < F.col("VALID_TO"))


def fct_transactions(
    new_transactions: DataFrame, versions: DataFrame, categories: DataFrame, calendar_dates: DataFrame
) -> DataFrame:
    """GOLD.FCT_TRANSACTIONS rows: one per staged transaction, keyed to the customer version valid that day,
    its DIM_DATE day and its merchant category."""
    transactions = new_transactions.with_column("TRANSACTION_DAY", F.to_date(F.col("TRANSACTION_DATE")))
    keyed = transactions.join(versions, "CUSTOMER_ID").filter(version_valid_on(F.col("TRANSACTION_DAY")))
    date_keys_by_day = calendar_dates.select(F.col("CALENDAR_DATE").alias("TRANSACTION_DAY"), "DATE_KEY")
    category_keys = categories.select("MERCHANT_CATEGORY", "MERCHANT_CATEGORY_KEY")
    return keyed.join(date_keys_by_day, "TRANSACTION_DAY").join(category_keys, "MERCHANT_CATEGORY").select(
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


CONTRACTS: tuple[TableContract, ...] = (
    *_DIMENSION_CONTRACTS,
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
    ),
)


def stale_fact_keys(fact_keys: DataFrame, versions: DataFrame) -> DataFrame:
    """One row per fact CUSTOMER_KEY some of whose rows lie outside that version's validity, or whose version is gone.

    Version grain: the fact's rows are aggregated to one row per key (first and last transaction day),
    then compared with the versions. A late-arriving change that splits a version shortens the old
    version's validity, so its later rows fall outside it; a change that removes a version (the same
    attributes now start earlier) leaves its key without a version.
    """
    day = F.to_date(F.col("TRANSACTION_DATE"))
    spans = fact_keys.group_by("CUSTOMER_KEY").agg(F.min(day).alias("FIRST_DAY"), F.max(day).alias("LAST_DAY"))
    checked = spans.join(versions.drop("CUSTOMER_ID"), "CUSTOMER_KEY", how="left")
    still_valid = version_valid_on(F.col("FIRST_DAY")) & version_valid_on(F.col("LAST_DAY"))
    return checked.filter(F.col("VALID_TO").is_null() | ~still_valid).select("CUSTOMER_KEY")


def rekeyed_fact_rows(candidate_rows: DataFrame, versions: DataFrame) -> DataFrame:
    """One row per fact row (TRANSACTION_KEY, CUSTOMER_ID, CUSTOMER_KEY, TRANSACTION_DATE): the key of the
    version valid on its day as CUSTOMER_KEY, beside the key it carries as OLD_CUSTOMER_KEY (the rule of
    `fct_transactions`)."""
    rows = candidate_rows.select(
        "TRANSACTION_KEY", "CUSTOMER_ID", F.col("CUSTOMER_KEY").alias("OLD_CUSTOMER_KEY"),
        F.to_date(F.col("TRANSACTION_DATE")).alias("TRANSACTION_DAY"),
    )
    return rows.join(versions, "CUSTOMER_ID").filter(version_valid_on(F.col("TRANSACTION_DAY"))).select(
        "TRANSACTION_KEY", "CUSTOMER_KEY", "OLD_CUSTOMER_KEY"
    )


def rekey_fact(warehouse: Warehouse, versions: DataFrame) -> int:
    """Re-key the fact rows whose CUSTOMER_KEY is no longer the version valid on their day; returns how many.

    Needed after a late-arriving customer change: DIM_CUSTOMER then splits (or merges) versions, and
    rows loaded earlier still point to the old version. When nothing changed this costs one aggregate
    of two fact columns to version grain and a join with the (few) versions. Otherwise the rows of the
    stale keys are re-keyed: an UPDATE by TRANSACTION_KEY of the rows whose key changed. Re-running
    finds no stale key, so it changes nothing.
    """
    if not warehouse.exists("GOLD", "FCT_TRANSACTIONS"):
        return 0
    keys = warehouse.read_columns("GOLD", "FCT_TRANSACTIONS", ["CUSTOMER_KEY", "TRANSACTION_DATE"])
    stale = [row["CUSTOMER_KEY"] for row in stale_fact_keys(keys, versions).collect()]
    if not stale:
        return 0
    fact = warehouse.read("GOLD", "FCT_TRANSACTIONS")
    candidates = fact.filter(F.col("CUSTOMER_KEY").isin(stale))  # a few customers' versions, not their transactions
    # Read four times (three counts, the update's source): materialised once.
    keyed = rekeyed_fact_rows(candidates, versions).cache_result()
    expected, found = candidates.count(), keyed.count()
    if found != expected:
        raise RuntimeError(
            f"fct_transactions found a valid customer version for {found} of {expected} fact rows to re-key: "
            "a customer version is missing (check GOLD.DIM_CUSTOMER validity intervals)"
        )
    moved = keyed.filter(F.col("CUSTOMER_KEY") != F.col("OLD_CUSTOMER_KEY")).select(
        "TRANSACTION_KEY", F.col("CUSTOMER_KEY").alias("NEW_CUSTOMER_KEY")
    )
    rekeyed = moved.count()
    if rekeyed == 0:
        return 0
    table = warehouse.session.table(warehouse.name("GOLD", "FCT_TRANSACTIONS"))
    table.update({"CUSTOMER_KEY": moved["NEW_CUSTOMER_KEY"]}, table["TRANSACTION_KEY"] == moved["TRANSACTION_KEY"], moved)
    return rekeyed


def run_fct_transactions(session: Session, cfg: PipelineConfig) -> StepResult:
    """Append staged transactions not yet in GOLD.FCT_TRANSACTIONS (watermark: TRANSACTION_KEY = silver _RECORD_ID),
    and re-key rows loaded earlier whose customer version changed since (late-arriving SCD2 changes)."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    versions = customer_versions(warehouse.read("GOLD", "DIM_CUSTOMER"))
    # Before the append: the rows appended below are keyed with the current versions already. It runs
    # on every batch, also one that brings only customer changes.
    rekeyed = rekey_fact(warehouse, versions)
    rekey_note = f", {rekeyed} re-keyed after late customer changes" if rekeyed else ""
    mark = warehouse.max_of("GOLD", "FCT_TRANSACTIONS", "TRANSACTION_KEY") or 0
    new = warehouse.read_since("SILVER", "STG_TRANSACTIONS", "_RECORD_ID", mark)
    incoming = new.count()
    if incoming == 0:
        return StepResult("fct_transactions", seconds=time.perf_counter() - started,
                          message=f"no new transactions{rekey_note}", details={"rekeyed": rekeyed})
    facts = fct_transactions(
        new, versions, warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY"), warehouse.read("GOLD", "DIM_DATE")
    )
    keyed = facts.count()
    if keyed != incoming:
        raise RuntimeError(
            f"fct_transactions keyed {keyed} of {incoming} new staged transactions: a customer version, a calendar "
            "day or a merchant category is missing (check GOLD.DIM_CUSTOMER validity intervals, GOLD.DIM_DATE's "
            "range and GOLD.DIM_MERCHANT_CATEGORY)"
        )
    rows = warehouse.write(facts, "GOLD", "FCT_TRANSACTIONS", mode="append")
    return StepResult("fct_transactions", rows_in=incoming, rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} transactions appended{rekey_note}", details={"rekeyed": rekeyed})
