"""Analytics marts: behavioural segments, hero metrics and the denormalised CUSTOMER_360_PROFILE.

Every mart describes the customer **as of** the run's `as_of` date (never the clock) and reads only
approved transactions dated on or before it (`DATE_KEY <= as_of`). Day windows are compared as
integer DATE_KEYs (yyyymmdd) computed in Python.

Segments (GOLD.CUSTOMER_SEGMENTS, thresholds from `cfg.segments`):

* last window = DATE_KEY in (as_of - 90 days, as_of]; prior window = (as_of - 180 days, as_of - 90 days]
  (`window_days` = 90).
* AVG_MONTHLY_SPEND = SPEND_LAST_90_DAYS / 3 (a 90-day window is three 30-day months).
* TRAVEL_SHARE, NECESSITIES_SHARE = share of the last window's spend at travel / necessity merchant
  categories (DIM_MERCHANT_CATEGORY.IS_TRAVEL / IS_NECESSITY); 0 when there was no spend.
* SPEND_CHANGE_PCT = (last - prior) / prior as a fraction (-0.30 is a 30 % drop); null when prior = 0.
* TENURE_MONTHS = whole months from ACCOUNT_OPEN_DATE to as_of, as dateutil's relativedelta counts them:
  a month counts once its day of month is reached, or at the end of a shorter month (opened Dec 15 →
  5 months on Jun 14, 6 on Jun 15; opened Jan 31 → 1 month on Feb 28). TENURE_DAYS = as_of - open date.

The rules are tried in this order and the first that matches wins (precedence):

1. **High-Value Travelers** — CARD_TYPE Premium or Platinum, AVG_MONTHLY_SPEND >= 5,000 and
   TRAVEL_SHARE >= 0.25. Value first: the relationship team keeps these customers whatever their trend.
2. **Declining** — SPEND_PRIOR_90_DAYS > 0 and SPEND_CHANGE_PCT <= -0.30.
3. **New & Growing** — TENURE_MONTHS < 6 and (SPEND_CHANGE_PCT >= 0.50, or no prior spend and some spend
   in the last window: a new account's first spending counts as growth).
4. **Budget-Conscious** — AVG_MONTHLY_SPEND < 1,500 and NECESSITIES_SHARE >= 0.60.
5. **Stable Mid-Spenders** — everyone else, including customers with no spend in either window.

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
  months of 0 up to as_of, and "prior month" is always the previous calendar month). PRIOR_MONTH_SPEND
  is 0 for a month after a month without spend and null for the customer's first month;
  SPEND_CHANGE_AMOUNT = spend - prior; SPEND_CHANGE_PCT = change / prior, null when prior is 0 or null.
  IS_COMPLETE_MONTH is false for the month of as_of unless as_of is its last day.

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

Local-engine notes: the fact is projected to four columns and filtered on integers first; each mart
aggregates once to customer grain with plain sums of helper columns (no expression inside an
aggregate, no window); monthly spend is a PIVOT to one row per customer (the emulator's group-by
costs ~2 ms per customer-month group, its pivot a quarter of that) stacked back to months with a
UNION ALL of one small select per month.
"""

from __future__ import annotations

import calendar
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import Sequence

import pandas as pd

from snowflake.snowpark import Column, DataFrame, Session
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

from c360_pipeline.catalog import PREMIUM_CARD_TYPES, RISK_CATEGORIES, SEGMENTS
from c360_pipeline.config import ConfigError, PipelineConfig, SegmentThresholds
from c360_pipeline.contracts import Check, TableContract, declare, outside
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

HIGH_VALUE_TRAVELERS, DECLINING, NEW_AND_GROWING, BUDGET_CONSCIOUS, STABLE_MID_SPENDERS = SEGMENTS
HIGH_RISK = RISK_CATEGORIES[2]
APPROVED = "approved"

MONEY = DecimalType(12, 2)
LIFETIME_MONEY = DecimalType(14, 2)
DAYS_PER_MONTH = 30
ZERO = F.lit(Decimal("0.00"))  # a money zero: NUMBER, not an integer, so sums and differences stay NUMBER


# --- dates as integers -----------------------------------------------------------------------------

def day_key(day: date) -> int:
    """The yyyymmdd DATE_KEY of a day."""
    return day.year * 10000 + day.month * 100 + day.day


def month_start_key(date_key: Column) -> Column:
    """DATE_KEY of the first day of a DATE_KEY's month (yyyymm01), by integer arithmetic."""
    return date_key - date_key % 100 + 1


def calendar_months(first: date, last: date) -> list[date]:
    """First days of every calendar month from `first`'s month through `last`'s month."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def latest_complete_month(as_of: date) -> date:
    """First day of the last month that as_of covers completely (its own month when as_of is a month end)."""
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)


def whole_months_between(start: Column, as_of: date) -> Column:
    """Whole months from a date column to as_of, counted like dateutil's relativedelta (see the module docstring)."""
    months = (F.lit(as_of.year) - F.year(start)) * 12 + (F.lit(as_of.month) - F.month(start))
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return months  # the last day of a month completes a month begun on any later day of month
    return months - (F.dayofmonth(start) > F.lit(as_of.day)).cast(LongType())


def days_between(start: Column, as_of: date) -> Column:
    """Days from a date column to as_of."""
    return F.datediff("day", start, F.lit(as_of))


def _null(datatype) -> Column:
    return F.lit(None).cast(datatype)


# --- shared inputs ---------------------------------------------------------------------------------

def current_customers(dim_customer: DataFrame) -> DataFrame:
    """The current version of every customer: one row per customer (DIM_CUSTOMER.IS_CURRENT)."""
    return dim_customer.filter(F.col("IS_CURRENT"))


FACT_COLUMNS = ["CUSTOMER_ID", "DATE_KEY", "MERCHANT_CATEGORY_KEY", "TRANSACTION_AMOUNT", "STATUS"]


def approved_transactions(fct_transactions: DataFrame, as_of: date, after: date | None = None) -> DataFrame:
    """Approved transactions dated in (after, as_of] (all up to as_of without `after`): one row per transaction."""
    # Project first: the emulator's cost grows with every column it carries; integer filters before text.
    rows = fct_transactions.select(FACT_COLUMNS).filter(F.col("DATE_KEY") <= F.lit(day_key(as_of)))
    if after is not None:
        rows = rows.filter(F.col("DATE_KEY") > F.lit(day_key(after)))
    # IN, not =: the emulator compares text per row for = and vectorised for IN.
    return rows.filter(F.col("STATUS").isin([APPROVED]))


def amount_where(condition: Column) -> Column:
    """The transaction amount where the condition holds, else 0."""
    # A product with the 0/1 flag, not CASE WHEN: same result, a fifth of the local cost per column.
    return F.col("TRANSACTION_AMOUNT") * condition.cast(LongType())


# --- segments --------------------------------------------------------------------------------------

def window_spend_rows(
    fct_transactions: DataFrame, travel_category_keys: Sequence[int], necessity_category_keys: Sequence[int],
    as_of: date, window_days: int,
) -> DataFrame:
    """One row per approved transaction of the last two windows: CUSTOMER_ID, its amount as LAST, PRIOR, TRAVEL, NECESSITIES."""
    last_start = as_of - timedelta(days=window_days)
    in_last = F.col("DATE_KEY") > F.lit(day_key(last_start))
    category = F.col("MERCHANT_CATEGORY_KEY")
    # Category flags as IN lists of the dimension's keys (50 rows): cheaper than a join on every transaction.
    return approved_transactions(fct_transactions, as_of, after=as_of - timedelta(days=2 * window_days)).select(
        "CUSTOMER_ID",
        amount_where(in_last).alias("LAST"),
        amount_where(~in_last).alias("PRIOR"),
        amount_where(in_last & category.isin(list(travel_category_keys))).alias("TRAVEL"),
        amount_where(in_last & category.isin(list(necessity_category_keys))).alias("NECESSITIES"),
    )


def window_spend(window_rows: DataFrame) -> DataFrame:
    """One row per customer with approved spend in the last two windows: SPEND_LAST, SPEND_PRIOR, SPEND_TRAVEL, SPEND_NECESSITIES."""
    return window_rows.group_by("CUSTOMER_ID").agg(
        F.sum("LAST").alias("SPEND_LAST"),
        F.sum("PRIOR").alias("SPEND_PRIOR"),
        F.sum("TRAVEL").alias("SPEND_TRAVEL"),
        F.sum("NECESSITIES").alias("SPEND_NECESSITIES"),
    )


def category_keys(merchant_categories: pd.DataFrame, flag: str) -> list[int]:
    """Keys of the merchant categories whose flag (IS_TRAVEL, IS_NECESSITY) is set."""
    return sorted(int(k) for k in merchant_categories.loc[merchant_categories[flag].astype(bool), "MERCHANT_CATEGORY_KEY"])


def segment_of(
    card_type: Column, avg_monthly_spend: Column, travel_share: Column, necessities_share: Column,
    spend_last: Column, spend_prior: Column, spend_change_pct: Column, tenure_months: Column,
    thresholds: SegmentThresholds,
) -> Column:
    """The segment name: the first matching rule in the module's precedence order."""
    high_value = (
        card_type.isin(list(PREMIUM_CARD_TYPES))
        & (avg_monthly_spend >= F.lit(thresholds.high_value_monthly_spend))
        & (travel_share >= F.lit(thresholds.high_value_travel_share))
    )
    declining = (spend_prior > 0) & (spend_change_pct <= F.lit(thresholds.declining_change_pct))
    growing = F.coalesce(spend_change_pct >= F.lit(thresholds.new_growth_pct), F.lit(False)) | (
        (spend_prior == 0) & (spend_last > 0)
    )
    new_and_growing = (tenure_months < F.lit(thresholds.new_tenure_months)) & growing
    budget = (avg_monthly_spend < F.lit(thresholds.budget_monthly_spend)) & (
        necessities_share >= F.lit(thresholds.budget_necessities_share)
    )
    return (
        F.when(high_value, F.lit(HIGH_VALUE_TRAVELERS))
        .when(F.coalesce(declining, F.lit(False)), F.lit(DECLINING))
        .when(new_and_growing, F.lit(NEW_AND_GROWING))
        .when(budget, F.lit(BUDGET_CONSCIOUS))
        .otherwise(F.lit(STABLE_MID_SPENDERS))
    )


def customer_segments(
    customers: DataFrame, spend: DataFrame, as_of: date, thresholds: SegmentThresholds
) -> DataFrame:
    """GOLD.CUSTOMER_SEGMENTS: one row per current customer with the segment inputs and CUSTOMER_SEGMENT."""
    base = customers.select("CUSTOMER_ID", "CARD_TYPE", "ACCOUNT_OPEN_DATE").join(spend, "CUSTOMER_ID", how="left")
    measures = base.select(
        "CUSTOMER_ID",
        "CARD_TYPE",
        F.coalesce(F.col("SPEND_LAST"), ZERO).cast(MONEY).alias("SPEND_LAST_90_DAYS"),
        F.coalesce(F.col("SPEND_PRIOR"), ZERO).cast(MONEY).alias("SPEND_PRIOR_90_DAYS"),
        F.coalesce(F.col("SPEND_TRAVEL"), F.lit(0)).cast(DoubleType()).alias("_TRAVEL"),
        F.coalesce(F.col("SPEND_NECESSITIES"), F.lit(0)).cast(DoubleType()).alias("_NECESSITIES"),
        whole_months_between(F.col("ACCOUNT_OPEN_DATE"), as_of).cast(LongType()).alias("TENURE_MONTHS"),
    )
    last = F.col("SPEND_LAST_90_DAYS").cast(DoubleType())
    prior = F.col("SPEND_PRIOR_90_DAYS").cast(DoubleType())
    months_in_window = thresholds.window_days / DAYS_PER_MONTH
    derived = measures.select(
        "CUSTOMER_ID",
        "CARD_TYPE",
        "SPEND_LAST_90_DAYS",
        "SPEND_PRIOR_90_DAYS",
        F.when(prior > 0, (last - prior) / prior).otherwise(_null(DoubleType())).alias("SPEND_CHANGE_PCT"),
        (last / F.lit(months_in_window)).alias("AVG_MONTHLY_SPEND"),
        F.when(last > 0, F.col("_TRAVEL") / last).otherwise(F.lit(0.0)).alias("TRAVEL_SHARE"),
        F.when(last > 0, F.col("_NECESSITIES") / last).otherwise(F.lit(0.0)).alias("NECESSITIES_SHARE"),
        "TENURE_MONTHS",
    )
    segment = segment_of(
        F.col("CARD_TYPE"), F.col("AVG_MONTHLY_SPEND"), F.col("TRAVEL_SHARE"), F.col("NECESSITIES_SHARE"),
        F.col("SPEND_LAST_90_DAYS"), F.col("SPEND_PRIOR_90_DAYS"), F.col("SPEND_CHANGE_PCT"),
        F.col("TENURE_MONTHS"), thresholds,
    )
    return derived.select(
        "CUSTOMER_ID",
        "CARD_TYPE",
        "SPEND_LAST_90_DAYS",
        "SPEND_PRIOR_90_DAYS",
        F.col("SPEND_CHANGE_PCT").cast(DoubleType()).alias("SPEND_CHANGE_PCT"),
        F.col("AVG_MONTHLY_SPEND").cast(DoubleType()).alias("AVG_MONTHLY_SPEND"),
        F.col("TRAVEL_SHARE").cast(DoubleType()).alias("TRAVEL_SHARE"),
        F.col("NECESSITIES_SHARE").cast(DoubleType()).alias("NECESSITIES_SHARE"),
        "TENURE_MONTHS",
        segment.alias("CUSTOMER_SEGMENT"),
        F.lit(datetime.combine(as_of, datetime.min.time())).cast(TimestampType()).alias("SEGMENT_ASSIGNED_AT"),
    )


# --- hero metrics ----------------------------------------------------------------------------------

def transaction_statistics(approved: DataFrame) -> DataFrame:
    """One row per customer with an approved transaction: count, sum, sum of squares, first/last DATE_KEY, min/max/median amount."""
    amounts = approved.select(
        "CUSTOMER_ID", "DATE_KEY", "TRANSACTION_AMOUNT",
        (F.col("TRANSACTION_AMOUNT").cast(DoubleType()) * F.col("TRANSACTION_AMOUNT").cast(DoubleType()))
        .alias("AMOUNT_SQUARED"),
    )
    return amounts.group_by("CUSTOMER_ID").agg(
        F.sum("TRANSACTION_AMOUNT").alias("LIFETIME_VALUE"),
        F.count("TRANSACTION_AMOUNT").alias("TOTAL_TRANSACTIONS"),
        F.sum("AMOUNT_SQUARED").alias("SUM_OF_SQUARES"),
        F.min("DATE_KEY").alias("FIRST_DATE_KEY"),
        F.max("DATE_KEY").alias("LAST_DATE_KEY"),
        F.min("TRANSACTION_AMOUNT").alias("MIN_TRANSACTION_VALUE"),
        F.max("TRANSACTION_AMOUNT").alias("MAX_TRANSACTION_VALUE"),
        F.median("TRANSACTION_AMOUNT").alias("MEDIAN_TRANSACTION_VALUE"),
    )


def _date_of_key(key: Column) -> Column:
    return F.call_function("try_to_date", key.cast(StringType()), F.lit("YYYYMMDD"))


def metric_customer_ltv(customers: DataFrame, statistics: DataFrame, as_of: date) -> DataFrame:
    """GOLD.METRIC_CUSTOMER_LTV: one row per current customer (zero value and null dates without approved spend)."""
    base = customers.select("CUSTOMER_ID", "ACCOUNT_OPEN_DATE").join(
        statistics.select("CUSTOMER_ID", "LIFETIME_VALUE", "TOTAL_TRANSACTIONS", "FIRST_DATE_KEY", "LAST_DATE_KEY"),
        "CUSTOMER_ID",
        how="left",
    )
    tenure_days = F.greatest(days_between(F.col("ACCOUNT_OPEN_DATE"), as_of), F.lit(0))
    value = F.coalesce(F.col("LIFETIME_VALUE"), ZERO).cast(LIFETIME_MONEY)
    measures = base.select(
        "CUSTOMER_ID",
        value.alias("LIFETIME_VALUE"),
        F.coalesce(F.col("TOTAL_TRANSACTIONS"), F.lit(0)).cast(LongType()).alias("TOTAL_TRANSACTIONS"),
        _date_of_key(F.col("FIRST_DATE_KEY")).alias("FIRST_TRANSACTION_DATE"),
        _date_of_key(F.col("LAST_DATE_KEY")).alias("LAST_TRANSACTION_DATE"),
        tenure_days.cast(LongType()).alias("TENURE_DAYS"),
    )
    return measures.select(
        "CUSTOMER_ID",
        "LIFETIME_VALUE",
        "TOTAL_TRANSACTIONS",
        (F.col("LIFETIME_VALUE").cast(DoubleType()) / F.greatest(F.col("TENURE_DAYS"), F.lit(1))).cast(DoubleType())
        .alias("AVG_SPEND_PER_DAY"),
        F.col("FIRST_TRANSACTION_DATE").cast(DateType()).alias("FIRST_TRANSACTION_DATE"),
        F.col("LAST_TRANSACTION_DATE").cast(DateType()).alias("LAST_TRANSACTION_DATE"),
        "TENURE_DAYS",
        F.lit(as_of).alias("AS_OF_DATE"),
    )


def metric_avg_transaction_value(statistics: DataFrame, as_of: date) -> DataFrame:
    """GOLD.METRIC_AVG_TRANSACTION_VALUE: one row per customer with at least one approved transaction."""
    count = F.col("TOTAL_TRANSACTIONS").cast(DoubleType())
    total = F.col("LIFETIME_VALUE").cast(DoubleType())
    # Sample stddev from the count, sum and sum of squares (one pass over the transactions); rounding can
    # push the variance of identical amounts a hair below 0, hence the floor. Undefined below two values.
    variance = (F.col("SUM_OF_SQUARES") - total * total / count) / (count - F.lit(1.0))
    stddev = F.when(count > 1, F.sqrt(F.greatest(variance, F.lit(0.0)))).otherwise(_null(DoubleType()))
    with_moments = statistics.select(
        "CUSTOMER_ID",
        (total / count).alias("AVG_TRANSACTION_VALUE"),
        stddev.alias("STDDEV_TRANSACTION_VALUE"),
        "MIN_TRANSACTION_VALUE",
        "MAX_TRANSACTION_VALUE",
        "MEDIAN_TRANSACTION_VALUE",
    )
    average, spread = F.col("AVG_TRANSACTION_VALUE"), F.col("STDDEV_TRANSACTION_VALUE")
    consistency = F.least(F.greatest(F.lit(1.0) - spread / average, F.lit(0.0)), F.lit(1.0))
    return with_moments.select(
        "CUSTOMER_ID",
        average.cast(DoubleType()).alias("AVG_TRANSACTION_VALUE"),
        spread.cast(DoubleType()).alias("STDDEV_TRANSACTION_VALUE"),
        F.col("MIN_TRANSACTION_VALUE").cast(MONEY).alias("MIN_TRANSACTION_VALUE"),
        F.col("MAX_TRANSACTION_VALUE").cast(MONEY).alias("MAX_TRANSACTION_VALUE"),
        F.col("MEDIAN_TRANSACTION_VALUE").cast(DoubleType()).alias("MEDIAN_TRANSACTION_VALUE"),
        # Null with the stddev (one transaction), said explicitly: GREATEST skips nulls on the emulator.
        F.when((average > 0) & spread.is_not_null(), consistency).otherwise(_null(DoubleType())).cast(DoubleType())
        .alias("SPENDING_CONSISTENCY"),
        F.lit(as_of).alias("AS_OF_DATE"),
    )


def spend_months(approved: DataFrame) -> DataFrame:
    """One row per calendar month with approved spend: MONTH_START_KEY (yyyymm01)."""
    return approved.select(month_start_key(F.col("DATE_KEY")).alias("MONTH_START_KEY")).group_by(
        "MONTH_START_KEY"
    ).agg(F.count(F.lit(1)).alias("TRANSACTIONS"))


def monthly_spend_pivot(approved: DataFrame, months_with_spend: Sequence[date]) -> DataFrame:
    """One row per customer with approved spend: CUSTOMER_ID, then its spend in each month of `months_with_spend` (null: none)."""
    # One PIVOT instead of a customer x month GROUP BY: the same sums, a quarter of the local cost.
    per_month = approved.select(
        "CUSTOMER_ID", month_start_key(F.col("DATE_KEY")).alias("MONTH_START_KEY"), "TRANSACTION_AMOUNT"
    )
    return per_month.pivot("MONTH_START_KEY", [day_key(m) for m in months_with_spend]).sum("TRANSACTION_AMOUNT")


def monthly_spend_by_customer(
    pivot: DataFrame, statistics: DataFrame, months: Sequence[date], months_with_spend: Sequence[date]
) -> DataFrame:
    """One row per customer with approved spend: FIRST_MONTH_START_KEY and a SPEND_yyyymm column for every month."""
    # Pivot columns renamed by position: engines quote pivot-value column names differently.
    wide = pivot.to_df("CUSTOMER_ID", *[_spend_column(m) for m in months_with_spend])
    # A month nobody spent in is absent from the data, and the local pivot cannot list an absent value.
    absent = [m for m in months if m not in set(months_with_spend)]
    if absent:
        wide = wide.with_columns([_spend_column(m) for m in absent], [_null(MONEY) for _ in absent])
    first_months = statistics.select(
        "CUSTOMER_ID", month_start_key(F.col("FIRST_DATE_KEY")).alias("FIRST_MONTH_START_KEY")
    )
    return wide.join(first_months, "CUSTOMER_ID")


def _spend_column(month: date) -> str:
    return f"SPEND_{month:%Y%m}"


def metric_mom_spend_change(monthly_spend: DataFrame, months: Sequence[date], as_of: date) -> DataFrame:
    """GOLD.METRIC_MOM_SPEND_CHANGE: one row per customer per calendar month from its first spend month to as_of's month."""
    complete_through = latest_complete_month(as_of)
    stacked = []
    previous: date | None = None
    for month in months:
        key = day_key(month)
        # A customer's first month has no prior month; a month after a month without spend has prior 0.
        has_prior = F.lit(False) if previous is None else F.col("FIRST_MONTH_START_KEY") < F.lit(key)
        prior = ZERO if previous is None else F.coalesce(F.col(_spend_column(previous)), ZERO)
        stacked.append(
            monthly_spend.filter(F.col("FIRST_MONTH_START_KEY") <= F.lit(key)).select(
                "CUSTOMER_ID",
                F.lit(month).alias("MONTH_START"),
                F.lit(month.year * 100 + month.month).alias("MONTH_KEY"),
                F.coalesce(F.col(_spend_column(month)), ZERO).alias("_SPEND"),
                prior.alias("_PRIOR"),
                has_prior.alias("_HAS_PRIOR"),
                F.lit(month <= complete_through).alias("IS_COMPLETE_MONTH"),
            )
        )
        previous = month
    rows = reduce(DataFrame.union_all, stacked)
    spend, prior = F.col("_SPEND").cast(DoubleType()), F.col("_PRIOR").cast(DoubleType())
    has_prior = F.col("_HAS_PRIOR")
    # Money arithmetic in DOUBLE, cast back to cents (the cast rounds): the emulator cannot subtract NUMBER values.
    return rows.select(
        "CUSTOMER_ID",
        "MONTH_START",
        "MONTH_KEY",
        F.col("_SPEND").alias("MONTHLY_SPEND"),
        # CASE results cast: the emulator types a CASE as VARIANT.
        F.when(has_prior, F.col("_PRIOR")).otherwise(_null(MONEY)).cast(MONEY).alias("PRIOR_MONTH_SPEND"),
        F.when(has_prior, (spend - prior).cast(MONEY)).otherwise(_null(MONEY)).cast(MONEY).alias("SPEND_CHANGE_AMOUNT"),
        F.when(has_prior & (prior > 0), (spend - prior) / prior).otherwise(_null(DoubleType())).cast(DoubleType())
        .alias("SPEND_CHANGE_PCT"),
        "IS_COMPLETE_MONTH",
    )


# --- profile ---------------------------------------------------------------------------------------

PREDICTION_COLUMNS = {
    "CHURN_PROBABILITY": DoubleType(),
    "CHURN_RISK_SCORE": DoubleType(),
    "CHURN_RISK_CATEGORY": StringType(),
    "MODEL_VERSION": StringType(),
}


def latest_predictions(predictions: DataFrame, as_of: date) -> DataFrame:
    """One row per scored customer: its latest churn prediction made on or before as_of."""
    eligible = predictions.filter(F.col("PREDICTION_DATE") <= F.lit(as_of))
    latest = eligible.group_by("CUSTOMER_ID").agg(F.max("PREDICTION_DATE").alias("PREDICTION_DATE"))
    return eligible.join(latest, ["CUSTOMER_ID", "PREDICTION_DATE"]).select(
        "CUSTOMER_ID", *[F.col(c).cast(t).alias(c) for c, t in PREDICTION_COLUMNS.items()]
    )


def last_complete_month_spend(mom_spend_change: DataFrame, as_of: date) -> DataFrame:
    """One row per customer with a row for the latest complete month: LAST_MONTH_SPEND and MOM_SPEND_CHANGE_PCT."""
    month = latest_complete_month(as_of)
    return mom_spend_change.filter(F.col("MONTH_KEY") == F.lit(month.year * 100 + month.month)).select(
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
        joined = joined.with_columns(list(PREDICTION_COLUMNS), [_null(t) for t in PREDICTION_COLUMNS.values()])
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
        F.when(credit_limit > 0, F.col("AVG_MONTHLY_SPEND") / credit_limit * 100).otherwise(_null(DoubleType()))
        .cast(DoubleType()).alias("CREDIT_UTILIZATION_PCT"),
        *[F.col(c).cast(t).alias(c) for c, t in PREDICTION_COLUMNS.items()],
        retention.alias("IS_RETENTION_TARGET"),
        upsell.alias("IS_UPSELL_TARGET"),
        F.lit(as_of).alias("AS_OF_DATE"),
    )


# --- contracts -------------------------------------------------------------------------------------

def _current_customer_count(tables) -> int:
    return current_customers(tables("GOLD", "DIM_CUSTOMER")).count()


def _rows_match_current_customers(frame: DataFrame, tables) -> int:
    """Current customers missing from the table, or rows beyond them (with the key unique: missing customers)."""
    return abs(frame.count() - _current_customer_count(tables))


def _table_as_of(frame: DataFrame) -> date | None:
    value = frame.agg(F.max("AS_OF_DATE").alias("AS_OF")).collect()[0]["AS_OF"]
    return None if value is None else value if isinstance(value, date) else value.date()


def _differ_by_a_cent(left: Column, right: Column) -> Column:
    """Amounts that differ by half a cent or more.

    Exact equality is wrong here: the local engine sums NUMBER(12,2) amounts as binary floats, so a
    sum of cents can come back 1e-11 away from the stored decimal.
    """
    return F.abs(left.cast(DoubleType()) - right.cast(DoubleType())) >= F.lit(0.005)


def _lifetime_value_matches_fact(frame: DataFrame, tables) -> int:
    """Customers whose LIFETIME_VALUE differs from the sum of their approved fact amounts up to AS_OF_DATE."""
    as_of = _table_as_of(frame)
    if as_of is None:
        return 0
    fact = approved_transactions(tables("GOLD", "FCT_TRANSACTIONS"), as_of).group_by("CUSTOMER_ID").agg(
        F.sum("TRANSACTION_AMOUNT").alias("_FACT_VALUE")
    )
    compared = frame.select("CUSTOMER_ID", "LIFETIME_VALUE").join(fact, "CUSTOMER_ID", how="full")
    return compared.filter(
        F.col("LIFETIME_VALUE").is_null()
        | _differ_by_a_cent(F.col("LIFETIME_VALUE"), F.coalesce(F.col("_FACT_VALUE"), F.lit(0)))
    ).count()


def _monthly_spend_adds_up_to_lifetime_value(frame: DataFrame, tables) -> int:
    """Customers whose monthly spend does not add up to their LIFETIME_VALUE (a month lost or counted twice)."""
    months = frame.group_by("CUSTOMER_ID").agg(F.sum("MONTHLY_SPEND").alias("_MONTHS_VALUE"))
    value = tables("GOLD", "METRIC_CUSTOMER_LTV").filter(F.col("TOTAL_TRANSACTIONS") > 0).select(
        "CUSTOMER_ID", "LIFETIME_VALUE"
    )
    compared = months.join(value, "CUSTOMER_ID", how="full")
    return compared.filter(
        F.col("_MONTHS_VALUE").is_null() | F.col("LIFETIME_VALUE").is_null()
        | _differ_by_a_cent(F.col("_MONTHS_VALUE"), F.col("LIFETIME_VALUE"))
    ).count()


def _segment_inputs_in_range(frame: DataFrame, tables) -> int:
    """Rows with negative spend or a share outside [0, 1] (beyond float rounding)."""
    return frame.filter(
        (F.col("SPEND_LAST_90_DAYS") < 0) | (F.col("SPEND_PRIOR_90_DAYS") < 0)
        | outside("TRAVEL_SHARE", 0.0, 1.0) | outside("NECESSITIES_SHARE", 0.0, 1.0)
        | outside(F.col("TRAVEL_SHARE") + F.col("NECESSITIES_SHARE"), 0.0, 1.0)
    ).count()


def _transaction_values_ordered(frame: DataFrame, tables) -> int:
    """Rows where min <= median <= max, min <= avg <= max (to the cent) or 0 <= consistency <= 1 fails."""
    low, high = F.col("MIN_TRANSACTION_VALUE").cast(DoubleType()), F.col("MAX_TRANSACTION_VALUE").cast(DoubleType())
    cent = F.lit(0.005)
    return frame.filter(
        (F.col("MEDIAN_TRANSACTION_VALUE") < low - cent) | (F.col("MEDIAN_TRANSACTION_VALUE") > high + cent)
        | (F.col("AVG_TRANSACTION_VALUE") < low - cent) | (F.col("AVG_TRANSACTION_VALUE") > high + cent)
        | (F.col("SPENDING_CONSISTENCY") < 0) | (F.col("SPENDING_CONSISTENCY") > 1)
    ).count()


def _profile_uses_current_version(frame: DataFrame, tables) -> int:
    """Profile rows whose CUSTOMER_KEY is not the customer's current DIM_CUSTOMER version."""
    current = current_customers(tables("GOLD", "DIM_CUSTOMER")).select(
        "CUSTOMER_ID", "CUSTOMER_KEY", F.lit(True).alias("_CURRENT")
    )
    return frame.select("CUSTOMER_ID", "CUSTOMER_KEY").join(current, ["CUSTOMER_ID", "CUSTOMER_KEY"], how="left").filter(
        F.col("_CURRENT").is_null()
    ).count()


def _campaign_flags_exclusive(frame: DataFrame, tables) -> int:
    """Customers flagged both as retention and as upsell target."""
    return frame.filter(F.col("IS_RETENTION_TARGET") & F.col("IS_UPSELL_TARGET")).count()


_TO_CUSTOMER = {"CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID")}

declare(
    TableContract(
        "GOLD", "CUSTOMER_SEGMENTS", "one row per current customer",
        primary_key=("CUSTOMER_ID",),
        not_null=("CARD_TYPE", "SPEND_LAST_90_DAYS", "SPEND_PRIOR_90_DAYS", "AVG_MONTHLY_SPEND", "TRAVEL_SHARE",
                  "NECESSITIES_SHARE", "TENURE_MONTHS", "CUSTOMER_SEGMENT", "SEGMENT_ASSIGNED_AT"),
        accepted_values={"CUSTOMER_SEGMENT": SEGMENTS},
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("CUSTOMER_SEGMENTS.one_row_per_current_customer", "error", _rows_match_current_customers,
                  "every current customer is segmented once"),
            Check("CUSTOMER_SEGMENTS.inputs_in_range", "error", _segment_inputs_in_range,
                  "spend is never negative and shares lie in [0, 1]"),
        ),
    )
)
declare(
    TableContract(
        "GOLD", "METRIC_CUSTOMER_LTV", "one row per current customer",
        primary_key=("CUSTOMER_ID",),
        not_null=("LIFETIME_VALUE", "TOTAL_TRANSACTIONS", "AVG_SPEND_PER_DAY", "TENURE_DAYS", "AS_OF_DATE"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_CUSTOMER_LTV.one_row_per_current_customer", "error", _rows_match_current_customers,
                  "every current customer has a lifetime value"),
            Check("METRIC_CUSTOMER_LTV.lifetime_value_is_sum_of_approved", "error", _lifetime_value_matches_fact,
                  "LIFETIME_VALUE = sum of the customer's approved FCT_TRANSACTIONS amounts up to AS_OF_DATE"),
        ),
    )
)
declare(
    TableContract(
        "GOLD", "METRIC_MOM_SPEND_CHANGE", "one row per customer per calendar month from first spend to as_of",
        primary_key=("CUSTOMER_ID", "MONTH_KEY"),
        not_null=("CUSTOMER_ID", "MONTH_START", "MONTH_KEY", "MONTHLY_SPEND", "IS_COMPLETE_MONTH"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_MOM_SPEND_CHANGE.months_add_up_to_lifetime_value", "error",
                  _monthly_spend_adds_up_to_lifetime_value,
                  "a customer's monthly spend adds up to its METRIC_CUSTOMER_LTV.LIFETIME_VALUE"),
        ),
    )
)
declare(
    TableContract(
        "GOLD", "METRIC_AVG_TRANSACTION_VALUE", "one row per customer with an approved transaction",
        primary_key=("CUSTOMER_ID",),
        not_null=("AVG_TRANSACTION_VALUE", "MIN_TRANSACTION_VALUE", "MAX_TRANSACTION_VALUE",
                  "MEDIAN_TRANSACTION_VALUE", "AS_OF_DATE"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_AVG_TRANSACTION_VALUE.values_ordered", "error", _transaction_values_ordered,
                  "min <= median, avg <= max and SPENDING_CONSISTENCY in [0, 1]"),
        ),
    )
)
declare(
    TableContract(
        "GOLD", "CUSTOMER_360_PROFILE", "one row per current customer",
        primary_key=("CUSTOMER_ID",),
        not_null=("CUSTOMER_KEY", "CARD_TYPE", "TENURE_MONTHS", "TENURE_DAYS", "CUSTOMER_SEGMENT",
                  "SPEND_LAST_90_DAYS", "SPEND_PRIOR_90_DAYS", "LIFETIME_VALUE", "TOTAL_TRANSACTIONS",
                  "LAST_MONTH_SPEND", "IS_RETENTION_TARGET", "IS_UPSELL_TARGET", "AS_OF_DATE"),
        accepted_values={"CUSTOMER_SEGMENT": SEGMENTS, "CHURN_RISK_CATEGORY": RISK_CATEGORIES},
        relationships={**_TO_CUSTOMER, "CUSTOMER_KEY": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_KEY")},
        invariants=(
            Check("CUSTOMER_360_PROFILE.one_row_per_current_customer", "error", _rows_match_current_customers,
                  "every current customer has exactly one profile row"),
            Check("CUSTOMER_360_PROFILE.current_version", "error", _profile_uses_current_version,
                  "CUSTOMER_KEY is the customer's current DIM_CUSTOMER version"),
            Check("CUSTOMER_360_PROFILE.campaign_flags_exclusive", "error", _campaign_flags_exclusive,
                  "no customer is both a retention and an upsell target"),
        ),
    )
)


# --- step runners ----------------------------------------------------------------------------------

def _fact_columns(warehouse: Warehouse) -> DataFrame:
    """The fact's columns the marts read (locally only those are restored from Parquet)."""
    return warehouse.read_columns("GOLD", "FCT_TRANSACTIONS", FACT_COLUMNS)


def _as_of(cfg: PipelineConfig) -> date:
    if cfg.as_of is None:
        raise ConfigError("setting 'as_of' is required by the marts: pass --as-of YYYY-MM-DD (the last day of data)")
    return cfg.as_of


def _shares(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{name} {count} ({100 * count / total:.1f}%)" for name, count in counts.items())


def run_customer_segments(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.CUSTOMER_SEGMENTS as of cfg.as_of."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER")).cache_result()
    categories = warehouse.to_pandas("GOLD", "DIM_MERCHANT_CATEGORY")
    # Each stage is materialised: the emulator re-runs a lazy plan whenever a frame is built on it.
    rows = window_spend_rows(
        _fact_columns(warehouse), category_keys(categories, "IS_TRAVEL"), category_keys(categories, "IS_NECESSITY"),
        as_of, cfg.segments.window_days,
    ).cache_result()
    spend = window_spend(rows).cache_result()
    written = warehouse.write(customer_segments(customers, spend, as_of, cfg.segments), "GOLD", "CUSTOMER_SEGMENTS")
    assigned = warehouse.to_pandas("GOLD", "CUSTOMER_SEGMENTS")["CUSTOMER_SEGMENT"].value_counts()
    counts = {name: int(assigned.get(name, 0)) for name in SEGMENTS}
    return StepResult(
        "customer_segments", rows_in=customers.count(), rows_out=written, seconds=time.perf_counter() - started,
        message=f"{written} customers as of {as_of}: {_shares(counts)}", details={"segments": counts},
    )


MOM_SCHEMA = StructType([
    StructField("CUSTOMER_ID", StringType()), StructField("MONTH_START", DateType()),
    StructField("MONTH_KEY", LongType()), StructField("MONTHLY_SPEND", MONEY),
    StructField("PRIOR_MONTH_SPEND", MONEY), StructField("SPEND_CHANGE_AMOUNT", MONEY),
    StructField("SPEND_CHANGE_PCT", DoubleType()), StructField("IS_COMPLETE_MONTH", BooleanType()),
])


def run_hero_metrics(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.METRIC_CUSTOMER_LTV, METRIC_AVG_TRANSACTION_VALUE and METRIC_MOM_SPEND_CHANGE as of cfg.as_of."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER")).cache_result()
    # Each stage is materialised: the emulator re-runs a lazy plan whenever a frame is built on it.
    approved = approved_transactions(_fact_columns(warehouse), as_of).cache_result()
    statistics = transaction_statistics(approved).cache_result()
    seconds = {"statistics": time.perf_counter() - started}

    mark = time.perf_counter()
    rows = {
        "METRIC_CUSTOMER_LTV": warehouse.write(
            metric_customer_ltv(customers, statistics, as_of), "GOLD", "METRIC_CUSTOMER_LTV"
        ),
        "METRIC_AVG_TRANSACTION_VALUE": warehouse.write(
            metric_avg_transaction_value(statistics, as_of), "GOLD", "METRIC_AVG_TRANSACTION_VALUE"
        ),
    }
    seconds["ltv_and_atv"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with_spend = sorted(
        date(key // 10000, key // 100 % 100, 1)
        for key in (int(row["MONTH_START_KEY"]) for row in spend_months(approved).collect())
    )
    if not with_spend:
        empty = warehouse.dataframe(pd.DataFrame(columns=MOM_SCHEMA.names), MOM_SCHEMA)
        rows["METRIC_MOM_SPEND_CHANGE"] = warehouse.write(empty, "GOLD", "METRIC_MOM_SPEND_CHANGE")
    else:
        months = calendar_months(with_spend[0], as_of)
        pivot = monthly_spend_pivot(approved, with_spend).cache_result()
        wide = monthly_spend_by_customer(pivot, statistics, months, with_spend).cache_result()
        rows["METRIC_MOM_SPEND_CHANGE"] = warehouse.write(
            metric_mom_spend_change(wide, months, as_of), "GOLD", "METRIC_MOM_SPEND_CHANGE"
        )
    seconds["month_over_month"] = time.perf_counter() - mark
    transactions = int(statistics.agg(F.sum("TOTAL_TRANSACTIONS").alias("N")).collect()[0]["N"] or 0)
    return StepResult(
        "hero_metrics", rows_in=transactions, rows_out=sum(rows.values()), seconds=time.perf_counter() - started,
        message=", ".join(f"{table} {count} rows" for table, count in rows.items()) + f" as of {as_of}",
        details={"rows_by_table": rows, "seconds_by_part": {k: round(v, 2) for k, v in seconds.items()}},
    )


def run_customer_360_profile(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.CUSTOMER_360_PROFILE from the dimension, the marts and the latest churn predictions."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER")).cache_result()
    predictions = warehouse.read_or_none("GOLD", "CHURN_PREDICTIONS")
    churn = None if predictions is None else latest_predictions(predictions, as_of)
    profile = customer_360_profile(
        customers,
        warehouse.read("GOLD", "CUSTOMER_SEGMENTS"),
        warehouse.read("GOLD", "METRIC_CUSTOMER_LTV"),
        warehouse.read("GOLD", "METRIC_AVG_TRANSACTION_VALUE"),
        last_complete_month_spend(warehouse.read("GOLD", "METRIC_MOM_SPEND_CHANGE"), as_of),
        churn,
        as_of,
        cfg.segments,
    )
    rows = warehouse.write(profile, "GOLD", "CUSTOMER_360_PROFILE")
    written = warehouse.to_pandas("GOLD", "CUSTOMER_360_PROFILE")
    details = {
        "retention_targets": int(written["IS_RETENTION_TARGET"].sum()),
        "upsell_targets": int(written["IS_UPSELL_TARGET"].sum()),
        "scored_customers": int(written["CHURN_RISK_CATEGORY"].notna().sum()),
    }
    scored = "no churn predictions yet" if predictions is None else f"{details['scored_customers']} scored"
    return StepResult(
        "customer_360_profile", rows_in=customers.count(), rows_out=rows, seconds=time.perf_counter() - started,
        message=f"{rows} customers as of {as_of} ({scored}; {details['retention_targets']} retention, "
                f"{details['upsell_targets']} upsell targets)",
        details=details,
    )
