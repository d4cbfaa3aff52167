"""Contracts of the star schema: dimension keys, one current version per customer, non-overlapping versions, the fact."""

from __future__ import annotations

from snowflake.snowpark import DataFrame
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    DecimalType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, MERCHANT_CATEGORIES, STATUSES
from c360_pipeline.contracts.model import Check, TableContract, count_difference, count_rows, rows_where
from c360_pipeline.transforms.dimensions import DIM_DATE_SCHEMA, DIM_MERCHANT_CATEGORY_SCHEMA

MONEY = DecimalType(12, 2)


def _columns(*declared: tuple[str, object]) -> StructType:
    return StructType([StructField(name, datatype) for name, datatype in declared])


DIM_CUSTOMER_COLUMNS = _columns(
    ("CUSTOMER_KEY", LongType()), ("CUSTOMER_ID", StringType()), ("FIRST_NAME", StringType()),
    ("LAST_NAME", StringType()), ("FULL_NAME", StringType()), ("EMAIL", StringType()), ("AGE", LongType()),
    ("STATE", StringType()), ("CITY", StringType()), ("EMPLOYMENT_STATUS", StringType()), ("CARD_TYPE", StringType()),
    ("CREDIT_LIMIT", MONEY), ("ACCOUNT_OPEN_DATE", DateType()), ("ROW_HASH", StringType()),
    ("VALID_FROM", DateType()), ("VALID_TO", DateType()), ("IS_CURRENT", BooleanType()), ("UPDATED_AT", TimestampType()),
)
FCT_TRANSACTIONS_COLUMNS = _columns(
    ("TRANSACTION_KEY", LongType()), ("TRANSACTION_ID", StringType()), ("CUSTOMER_KEY", LongType()),
    ("CUSTOMER_ID", StringType()), ("DATE_KEY", LongType()), ("MERCHANT_CATEGORY_KEY", LongType()),
    ("MERCHANT_CATEGORY", StringType()), ("MERCHANT_NAME", StringType()), ("TRANSACTION_AMOUNT", MONEY),
    ("STATUS", StringType()), ("CHANNEL", StringType()), ("TRANSACTION_DATE", TimestampType()), ("_BATCH_ID", StringType()),
)


def _not_one_current_version() -> F.Column:
    """Customers with a number of current versions other than one: those without one, plus current versions beyond one."""
    current_customer = F.iff(F.col("IS_CURRENT"), F.col("CUSTOMER_ID"), F.lit(None))
    customers, current_customers = F.count_distinct(F.col("CUSTOMER_ID")), F.count_distinct(current_customer)
    return F.abs(customers - current_customers) + rows_where(F.col("IS_CURRENT")) - current_customers


def _overlapping_versions(frame: DataFrame, tables) -> DataFrame:
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
    return count_rows(overlaps, frame.filter(F.col("VALID_FROM") >= F.col("VALID_TO")))


_DIMENSION_CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "GOLD", "DIM_CUSTOMER", "one row per customer per validity interval (SCD Type 2)",
        primary_key=("CUSTOMER_KEY",),
        not_null=("CUSTOMER_ID", "CARD_TYPE", "CREDIT_LIMIT", "VALID_FROM", "VALID_TO", "IS_CURRENT"),
        accepted_values={"CARD_TYPE": CARD_TYPES},
        columns=DIM_CUSTOMER_COLUMNS,
        invariants=(
            Check("DIM_CUSTOMER.one_current_version", "error", description="every customer has exactly one current version",
                  aggregate=_not_one_current_version()),
            Check("DIM_CUSTOMER.no_overlapping_versions", "error",
                  description="validity intervals of a customer never overlap and are never empty",
                  query=_overlapping_versions),
        ),
    ),
    TableContract("GOLD", "DIM_DATE", "one row per calendar day of the data range", primary_key=("DATE_KEY",),
                  not_null=("CALENDAR_DATE", "YEAR", "MONTH", "DAY"), columns=DIM_DATE_SCHEMA),
    TableContract(
        "GOLD", "DIM_MERCHANT_CATEGORY", "one row per merchant category", primary_key=("MERCHANT_CATEGORY_KEY",),
        not_null=("MERCHANT_CATEGORY", "CATEGORY_GROUP", "IS_TRAVEL", "IS_NECESSITY"),
        accepted_values={"CATEGORY_GROUP": tuple(sorted({c.group for c in MERCHANT_CATEGORIES}))},
        columns=DIM_MERCHANT_CATEGORY_SCHEMA,
    ),
)


def _fact_matches_silver(frame: DataFrame, tables) -> DataFrame:
    """Staged transactions missing from the fact, plus fact rows beyond silver (no row lost or doubled)."""
    return count_difference(tables("SILVER", "STG_TRANSACTIONS"), frame)


CONTRACTS: tuple[TableContract, ...] = (
    *_DIMENSION_CONTRACTS,
    TableContract(
        "GOLD", "FCT_TRANSACTIONS", "one row per transaction",
        primary_key=("TRANSACTION_KEY",),
        not_null=("TRANSACTION_ID", "CUSTOMER_KEY", "CUSTOMER_ID", "DATE_KEY", "MERCHANT_CATEGORY_KEY",
                  "TRANSACTION_AMOUNT", "STATUS", "CHANNEL", "TRANSACTION_DATE"),
        accepted_values={"STATUS": STATUSES, "CHANNEL": CHANNELS},
        columns=FCT_TRANSACTIONS_COLUMNS,
        relationships={
            "CUSTOMER_KEY": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_KEY"),
            "DATE_KEY": ("GOLD", "DIM_DATE", "DATE_KEY"),
            "MERCHANT_CATEGORY_KEY": ("GOLD", "DIM_MERCHANT_CATEGORY", "MERCHANT_CATEGORY_KEY"),
        },
        invariants=(
            Check("FCT_TRANSACTIONS.matches_silver", "error",
                  description="every staged transaction is in the fact exactly once", query=_fact_matches_silver),
        ),
    ),
)
