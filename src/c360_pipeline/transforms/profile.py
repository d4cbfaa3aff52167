"""GOLD.CUSTOMER_360_PROFILE: one denormalised row per current customer.

CUSTOMER_360_PROFILE — one row per current customer (DIM_CUSTOMER.IS_CURRENT), customers without
transactions included with zero spend and null dates:

* LAST_MONTH_SPEND, MOM_SPEND_CHANGE_PCT come from the latest *complete* month of
  METRIC_MOM_SPEND_CHANGE (the month of as_of when as_of is a month end, else the month before);
  LAST_MONTH_SPEND is 0 when the customer has no row for that month.
* DAYS_SINCE_LAST_TRANSACTION = as_of - LAST_TRANSACTION_DATE (approved transactions).
* CREDIT_UTILIZATION_PCT = AVG_MONTHLY_SPEND / CREDIT_LIMIT * 100.
* Churn columns come from the latest GOLD.CHURN_PREDICTIONS row with PREDICTION_DATE <= as_of; they
  are null (typed) when the table does not exist yet or the customer was never scored.
* IS_RETENTION_TARGET = segment Declining or CHURN_RISK_CATEGORY High Risk.
* IS_UPSELL_TARGET = not a retention target and (segment High-Value Travelers or New & Growing, or
  SPEND_CHANGE_PCT >= the New & Growing growth threshold, +50 %). The flags never overlap, so a
  customer gets one campaign.
"""

from __future__ import annotations

from datetime import date

from snowflake.snowpark import DataFrame, Window
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DoubleType,
    LongType,
    StringType,
)

from c360_pipeline.config import SegmentThresholds
from c360_pipeline.transforms.common import (
    DECLINING,
    HIGH_RISK,
    HIGH_VALUE_TRAVELERS,
    NEW_AND_GROWING,
    days_between,
    latest_complete_month,
    typed_null,
)


PREDICTION_COLUMNS = {
    "CHURN_PROBABILITY": DoubleType(),
    "CHURN_RISK_SCORE": DoubleType(),
    "CHURN_RISK_CATEGORY": StringType(),
    "MODEL_VERSION": StringType(),
}


def latest_predictions(predictions: DataFrame, as_of: date) -> DataFrame:
    """One row per scored customer: its latest churn prediction made on or before as_of."""
    latest = F.max("PREDICTION_DATE").over(Window.partition_by("CUSTOMER_ID"))
    return (
        predictions.filter(F.col("PREDICTION_DATE") <= F.lit(as_of))
        .with_column("LATEST_PREDICTION_DATE", latest)
        .filter(F.col("PREDICTION_DATE") == F.col("LATEST_PREDICTION_DATE"))
        .select("CUSTOMER_ID", *[F.col(c).cast(t).alias(c) for c, t in PREDICTION_COLUMNS.items()])
    )


def last_complete_month_spend(mom_spend_change: DataFrame, as_of: date) -> DataFrame:
    """One row per customer with a row for the latest complete month: LAST_MONTH_SPEND and MOM_SPEND_CHANGE_PCT."""
    return mom_spend_change.filter(F.col("MONTH_START") == F.lit(latest_complete_month(as_of))).select(
        "CUSTOMER_ID",
        F.col("MONTHLY_SPEND").alias("LAST_MONTH_SPEND"),
        F.col("SPEND_CHANGE_PCT").alias("MOM_SPEND_CHANGE_PCT"),
    )


PROFILE_ATTRIBUTES = (
    "CUSTOMER_ID", "CUSTOMER_KEY", "FULL_NAME", "FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY",
    "EMPLOYMENT_STATUS", "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE",
)


def customer_360_profile(
    customers: DataFrame,
    segments: DataFrame,
    lifetime_value: DataFrame,
    average_transaction_value: DataFrame,
    last_month: DataFrame,
    churn: DataFrame | None,
    as_of: date,
    thresholds: SegmentThresholds,
) -> DataFrame:
    """GOLD.CUSTOMER_360_PROFILE: one row per current customer with segment, hero metrics, churn risk and campaign flags."""
    joined = (
        customers.select(*PROFILE_ATTRIBUTES)
        .join(segments.drop("CARD_TYPE"), "CUSTOMER_ID", how="left")
        .join(lifetime_value.drop("AS_OF_DATE"), "CUSTOMER_ID", how="left")
        .join(average_transaction_value.select("CUSTOMER_ID", "AVG_TRANSACTION_VALUE"), "CUSTOMER_ID", how="left")
        .join(last_month, "CUSTOMER_ID", how="left")
    )
    if churn is not None:
        joined = joined.join(churn, "CUSTOMER_ID", how="left")
    else:  # before the first model: the same columns, typed, all null
        joined = joined.with_columns(list(PREDICTION_COLUMNS), [typed_null(t) for t in PREDICTION_COLUMNS.values()])
    segment = F.col("CUSTOMER_SEGMENT")
    retention = (segment == F.lit(DECLINING)) | F.coalesce(F.col("CHURN_RISK_CATEGORY") == F.lit(HIGH_RISK), F.lit(False))
    growing = F.coalesce(F.col("SPEND_CHANGE_PCT") >= F.lit(thresholds.new_growth_pct), F.lit(False))
    upsell = ~retention & (segment.isin([HIGH_VALUE_TRAVELERS, NEW_AND_GROWING]) | growing)
    credit_limit = F.col("CREDIT_LIMIT").cast(DoubleType())
    return joined.select(
        *[F.col(c) for c in PROFILE_ATTRIBUTES],
        F.col("TENURE_MONTHS").cast(LongType()).alias("TENURE_MONTHS"),
        F.col("TENURE_DAYS").cast(LongType()).alias("TENURE_DAYS"),
        "CUSTOMER_SEGMENT",
        "SEGMENT_ASSIGNED_AT",
        "SPEND_LAST_90_DAYS",
        "SPEND_PRIOR_90_DAYS",
        "SPEND_CHANGE_PCT",
        "AVG_MONTHLY_SPEND",
        "TRAVEL_SHARE",
        "NECESSITIES_SHARE",
        "LIFETIME_VALUE",
        "TOTAL_TRANSACTIONS",
        "AVG_SPEND_PER_DAY",
        "FIRST_TRANSACTION_DATE",
        "LAST_TRANSACTION_DATE",
        "AVG_TRANSACTION_VALUE",
        days_between(F.col("LAST_TRANSACTION_DATE"), as_of).cast(LongType()).alias("DAYS_SINCE_LAST_TRANSACTION"),
        F.coalesce(F.col("LAST_MONTH_SPEND").cast(DoubleType()), F.lit(0.0)).alias("LAST_MONTH_SPEND"),
        F.col("MOM_SPEND_CHANGE_PCT").cast(DoubleType()).alias("MOM_SPEND_CHANGE_PCT"),
        F.when(credit_limit > 0, F.col("AVG_MONTHLY_SPEND") / credit_limit * 100).otherwise(typed_null(DoubleType()))
        .cast(DoubleType()).alias("CREDIT_UTILIZATION_PCT"),
        *[F.col(c).cast(t).alias(c) for c, t in PREDICTION_COLUMNS.items()],
        retention.alias("IS_RETENTION_TARGET"),
        upsell.alias("IS_UPSELL_TARGET"),
        F.lit(as_of).alias("AS_OF_DATE"),
    )
