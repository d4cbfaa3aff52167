"""The hero metrics: lifetime value, average transaction value, month-over-month spend change.

Hero metrics (step `hero_metrics`):

* METRIC_CUSTOMER_LTV — one row per current customer: LIFETIME_VALUE = sum of approved amounts (0 when
  none), TOTAL_TRANSACTIONS, FIRST/LAST_TRANSACTION_DATE, TENURE_DAYS, AVG_SPEND_PER_DAY =
  LIFETIME_VALUE / max(TENURE_DAYS, 1).
* METRIC_AVG_TRANSACTION_VALUE — one row per customer with an approved transaction: avg, sample stddev,
  min, max, median of the amounts and SPENDING_CONSISTENCY = 1 - stddev / avg (one minus the coefficient
  of variation) clipped to [0, 1]: 1 = every purchase the same size, 0 = amounts vary by the mean or
  more; null (like the stddev) with fewer than two transactions.
* METRIC_MOM_SPEND_CHANGE — one row per customer per calendar month, from the month of the customer's
  first approved transaction through the month of as_of (so a customer who stopped spending shows
  months of 0 up to as_of, and "prior month" is always the previous calendar month): a spine of the
  customer's months (the calendar months of DIM_DATE) with the month's spend and, by LAG, the month
  before's. PRIOR_MONTH_SPEND is 0 for a month after a month without spend and null for the customer's
  first month; SPEND_CHANGE_AMOUNT = spend - prior; SPEND_CHANGE_PCT = change / prior, null when prior
  is 0 or null. IS_COMPLETE_MONTH is false for the month of as_of unless as_of is its last day.
"""

from __future__ import annotations

from datetime import date

from snowflake.snowpark import DataFrame, Window
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DoubleType,
    LongType,
)

from c360_pipeline.transforms.common import (
    LIFETIME_MONEY,
    MONEY,
    ZERO,
    days_between,
    latest_complete_month,
    month_start,
)


def transaction_statistics(approved: DataFrame) -> DataFrame:
    """One row per customer with an approved transaction: LIFETIME_VALUE, TOTAL_TRANSACTIONS, FIRST/LAST_TRANSACTION_DATE
    and the amounts' AVG, STDDEV (sample), MIN, MAX and MEDIAN (`approved` is approved_transactions())."""
    amount = F.col("TRANSACTION_AMOUNT")
    return approved.group_by("CUSTOMER_ID").agg(
        F.sum(amount).alias("LIFETIME_VALUE"),
        F.count(amount).alias("TOTAL_TRANSACTIONS"),
        F.min("TRANSACTION_DAY").alias("FIRST_TRANSACTION_DATE"),
        F.max("TRANSACTION_DAY").alias("LAST_TRANSACTION_DATE"),
        F.avg(amount).alias("AVG_TRANSACTION_VALUE"),
        F.stddev_samp(amount).alias("STDDEV_TRANSACTION_VALUE"),
        F.min(amount).alias("MIN_TRANSACTION_VALUE"),
        F.max(amount).alias("MAX_TRANSACTION_VALUE"),
        F.median(amount).alias("MEDIAN_TRANSACTION_VALUE"),
    )


def metric_customer_ltv(customers: DataFrame, statistics: DataFrame, as_of: date) -> DataFrame:
    """GOLD.METRIC_CUSTOMER_LTV: one row per current customer (zero value and null dates without approved spend)."""
    base = customers.select("CUSTOMER_ID", "ACCOUNT_OPEN_DATE").join(statistics, "CUSTOMER_ID", how="left")
    tenure_days = F.greatest(days_between(F.col("ACCOUNT_OPEN_DATE"), as_of), F.lit(0))
    value = F.coalesce(F.col("LIFETIME_VALUE"), ZERO).cast(LIFETIME_MONEY)
    return base.select(
        "CUSTOMER_ID",
        value.alias("LIFETIME_VALUE"),
        F.coalesce(F.col("TOTAL_TRANSACTIONS"), F.lit(0)).cast(LongType()).alias("TOTAL_TRANSACTIONS"),
        (value.cast(DoubleType()) / F.greatest(tenure_days, F.lit(1))).cast(DoubleType()).alias("AVG_SPEND_PER_DAY"),
        "FIRST_TRANSACTION_DATE",
        "LAST_TRANSACTION_DATE",
        tenure_days.cast(LongType()).alias("TENURE_DAYS"),
        F.lit(as_of).alias("AS_OF_DATE"),
    )


def metric_avg_transaction_value(statistics: DataFrame, as_of: date) -> DataFrame:
    """GOLD.METRIC_AVG_TRANSACTION_VALUE: one row per customer with at least one approved transaction."""
    average = F.col("AVG_TRANSACTION_VALUE").cast(DoubleType())
    spread = F.col("STDDEV_TRANSACTION_VALUE").cast(DoubleType())
    # One minus the coefficient of variation, clipped to [0, 1]; null with the stddev (one transaction).
    consistency = F.lit(1.0) - spread / average
    clipped = F.when(consistency < 0, F.lit(0.0)).when(consistency > 1, F.lit(1.0)).otherwise(consistency)
    return statistics.select(
        "CUSTOMER_ID",
        average.alias("AVG_TRANSACTION_VALUE"),
        spread.alias("STDDEV_TRANSACTION_VALUE"),
        F.col("MIN_TRANSACTION_VALUE").cast(MONEY).alias("MIN_TRANSACTION_VALUE"),
        F.col("MAX_TRANSACTION_VALUE").cast(MONEY).alias("MAX_TRANSACTION_VALUE"),
        F.col("MEDIAN_TRANSACTION_VALUE").cast(DoubleType()).alias("MEDIAN_TRANSACTION_VALUE"),
        F.when(average > 0, clipped).cast(DoubleType()).alias("SPENDING_CONSISTENCY"),
        F.lit(as_of).alias("AS_OF_DATE"),
    )


def monthly_spend(approved: DataFrame) -> DataFrame:
    """One row per customer and calendar month with approved spend: CUSTOMER_ID, MONTH_START, MONTHLY_SPEND."""
    return approved.select(
        "CUSTOMER_ID", month_start(F.col("TRANSACTION_DAY")).alias("MONTH_START"), "TRANSACTION_AMOUNT"
    ).group_by("CUSTOMER_ID", "MONTH_START").agg(F.sum("TRANSACTION_AMOUNT").alias("MONTHLY_SPEND"))


def calendar_months(dim_date: DataFrame, as_of: date) -> DataFrame:
    """One row per calendar month of DIM_DATE through as_of's month: MONTH_START."""
    return dim_date.filter(F.col("CALENDAR_DATE") <= F.lit(as_of)).select(
        month_start(F.col("CALENDAR_DATE")).alias("MONTH_START")
    ).distinct()


def metric_mom_spend_change(
    spend_by_month: DataFrame, statistics: DataFrame, months: DataFrame, as_of: date
) -> DataFrame:
    """GOLD.METRIC_MOM_SPEND_CHANGE: one row per customer per calendar month from its first spend month to as_of's month.

    `spend_by_month` is monthly_spend(), `statistics` transaction_statistics() (whose FIRST_TRANSACTION_DATE
    opens each customer's months), `months` calendar_months().
    """
    first_months = statistics.select("CUSTOMER_ID", month_start(F.col("FIRST_TRANSACTION_DATE")).alias("FIRST_MONTH"))
    spine = first_months.join(months, F.col("MONTH_START") >= F.col("FIRST_MONTH")).select("CUSTOMER_ID", "MONTH_START")
    # A month without spend is a month of 0, so the month after it has a prior month of 0.
    filled = spine.join(spend_by_month, ["CUSTOMER_ID", "MONTH_START"], how="left").select(
        "CUSTOMER_ID", "MONTH_START", F.coalesce(F.col("MONTHLY_SPEND"), ZERO).alias("MONTHLY_SPEND")
    )
    prior_month = F.lag("MONTHLY_SPEND").over(Window.partition_by("CUSTOMER_ID").order_by("MONTH_START"))
    with_prior = filled.with_column("PRIOR_MONTH_SPEND", prior_month)  # null in the customer's first month
    spend, prior = F.col("MONTHLY_SPEND"), F.col("PRIOR_MONTH_SPEND")
    return with_prior.select(
        "CUSTOMER_ID",
        "MONTH_START",
        (F.year("MONTH_START") * 100 + F.month("MONTH_START")).cast(LongType()).alias("MONTH_KEY"),
        "MONTHLY_SPEND",
        prior.cast(MONEY).alias("PRIOR_MONTH_SPEND"),
        (spend - prior).cast(MONEY).alias("SPEND_CHANGE_AMOUNT"),
        F.when(prior > 0, (spend.cast(DoubleType()) - prior.cast(DoubleType())) / prior.cast(DoubleType()))
        .cast(DoubleType()).alias("SPEND_CHANGE_PCT"),
        (F.col("MONTH_START") <= F.lit(latest_complete_month(as_of))).alias("IS_COMPLETE_MONTH"),
    )
