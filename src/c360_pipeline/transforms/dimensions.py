"""Gold dimensions: DIM_DATE, DIM_MERCHANT_CATEGORY and DIM_CUSTOMER (SCD Type 2).

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
from datetime import date

import pandas as pd
from snowflake.snowpark import DataFrame, Window
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from c360_pipeline.catalog import MERCHANT_CATEGORIES

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


# --- dim_customer (SCD Type 2) -------------------------------------------------------------------

def customer_timeline(order_by: str) -> Window:
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
    previous_hash = F.lag("ROW_HASH").over(customer_timeline("EFFECTIVE_DATE"))
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
    timeline = customer_timeline("EFFECTIVE_DATE")
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
