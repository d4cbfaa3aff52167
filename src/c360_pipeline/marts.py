"""Analytics marts: behavioural segments, hero metrics and the denormalised CUSTOMER_360_PROFILE.

Every mart describes the customer **as of** the run's `as_of` date (never the clock) and reads only
approved transactions dated on or before it; days are compared as dates (the transaction's day,
`TO_DATE(TRANSACTION_DATE)`).

Segments (GOLD.CUSTOMER_SEGMENTS, thresholds from `cfg.segments`):

* last window = days in (as_of - 90 days, as_of]; prior window = (as_of - 180 days, as_of - 90 days]
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
  months of 0 up to as_of, and "prior month" is always the previous calendar month): a spine of the
  customer's months (the calendar months of DIM_DATE) with the month's spend and, by LAG, the month
  before's. PRIOR_MONTH_SPEND is 0 for a month after a month without spend and null for the customer's
  first month; SPEND_CHANGE_AMOUNT = spend - prior; SPEND_CHANGE_PCT = change / prior, null when prior
  is 0 or null. IS_COMPLETE_MONTH is false for the month of as_of unless as_of is its last day.

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

import calendar
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from snowflake.snowpark import Column, DataFrame, Session, Window
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DecimalType,
    DoubleType,
    LongType,
    StringType,
    TimestampType,
)

from c360_pipeline.catalog import PREMIUM_CARD_TYPES, RISK_CATEGORIES, SEGMENTS
from c360_pipeline.config import ConfigError, PipelineConfig, SegmentThresholds
from c360_pipeline.contracts import Check, TableContract, outside
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

HIGH_VALUE_TRAVELERS, DECLINING, NEW_AND_GROWING, BUDGET_CONSCIOUS, STABLE_MID_SPENDERS = SEGMENTS
HIGH_RISK = RISK_CATEGORIES[2]
APPROVED = "approved"

MONEY = DecimalType(12, 2)
LIFETIME_MONEY = DecimalType(14, 2)
DAYS_PER_MONTH = 30
ZERO = F.lit(Decimal("0.00"))  # a money zero: NUMBER, not an integer, so sums and differences stay NUMBER


# --- dates -----------------------------------------------------------------------------------------

def latest_complete_month(as_of: date) -> date:
    """First day of the last month that as_of covers completely (its own month when as_of is a month end)."""
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_start(day: Column) -> Column:
    """The first day of a date's calendar month."""
    return F.date_from_parts(F.year(day), F.month(day), F.lit(1))


def whole_months_between(start: Column, as_of: date) -> Column:
    """Whole months from a date column to as_of, counted like dateutil's relativedelta (see the module docstring)."""
    months = F.datediff("month", start, F.lit(as_of))  # calendar months begun since the start's month
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return months  # the last day of a month completes a month begun on any later day of month
    return F.when(F.dayofmonth(start) > F.lit(as_of.day), months - 1).otherwise(months)


def days_between(start: Column, as_of: date) -> Column:
    """Days from a date column to as_of."""
    return F.datediff("day", start, F.lit(as_of))


def _null(datatype) -> Column:
    return F.lit(None).cast(datatype)


# --- shared inputs ---------------------------------------------------------------------------------

def current_customers(dim_customer: DataFrame) -> DataFrame:
    """The current version of every customer: one row per customer (DIM_CUSTOMER.IS_CURRENT)."""
    return dim_customer.filter(F.col("IS_CURRENT"))


def approved_transactions(fct_transactions: DataFrame, as_of: date, after: date | None = None) -> DataFrame:
    """One row per approved transaction dated in (after, as_of] (all up to as_of without `after`):
    CUSTOMER_ID, TRANSACTION_DAY, MERCHANT_CATEGORY_KEY, TRANSACTION_AMOUNT."""
    day = F.to_date(F.col("TRANSACTION_DATE"))
    in_range = day <= F.lit(as_of) if after is None else (day > F.lit(after)) & (day <= F.lit(as_of))
    return fct_transactions.filter((F.col("STATUS") == F.lit(APPROVED)) & in_range).select(
        "CUSTOMER_ID", day.alias("TRANSACTION_DAY"), "MERCHANT_CATEGORY_KEY", "TRANSACTION_AMOUNT"
    )


def _spend_where(condition: Column) -> Column:
    """Sum of the amounts of the transactions where the condition holds (0 when none does)."""
    return F.sum(F.when(condition, F.col("TRANSACTION_AMOUNT")).otherwise(ZERO))


# --- segments --------------------------------------------------------------------------------------

def window_spend(fct_transactions: DataFrame, merchant_categories: DataFrame, as_of: date, window_days: int) -> DataFrame:
    """One row per customer with approved spend in the last two windows: SPEND_LAST, SPEND_PRIOR, and the
    last window's SPEND_TRAVEL and SPEND_NECESSITIES (categories flagged IS_TRAVEL / IS_NECESSITY)."""
    in_last = F.col("TRANSACTION_DAY") > F.lit(as_of - timedelta(days=window_days))
    flags = merchant_categories.select("MERCHANT_CATEGORY_KEY", "IS_TRAVEL", "IS_NECESSITY")
    return (
        approved_transactions(fct_transactions, as_of, after=as_of - timedelta(days=2 * window_days))
        .join(flags, "MERCHANT_CATEGORY_KEY")
        .group_by("CUSTOMER_ID")
        .agg(
            _spend_where(in_last).alias("SPEND_LAST"),
            _spend_where(~in_last).alias("SPEND_PRIOR"),
            _spend_where(in_last & F.col("IS_TRAVEL")).alias("SPEND_TRAVEL"),
            _spend_where(in_last & F.col("IS_NECESSITY")).alias("SPEND_NECESSITIES"),
        )
    )


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
    growing = (spend_change_pct >= F.lit(thresholds.new_growth_pct)) | ((spend_prior == 0) & (spend_last > 0))
    new_and_growing = (tenure_months < F.lit(thresholds.new_tenure_months)) & growing
    budget = (avg_monthly_spend < F.lit(thresholds.budget_monthly_spend)) & (
        necessities_share >= F.lit(thresholds.budget_necessities_share)
    )
    # A rule that cannot be decided (no prior spend: no change) does not match: CASE takes NULL as false.
    return (
        F.when(high_value, F.lit(HIGH_VALUE_TRAVELERS))
        .when(declining, F.lit(DECLINING))
        .when(new_and_growing, F.lit(NEW_AND_GROWING))
        .when(budget, F.lit(BUDGET_CONSCIOUS))
        .otherwise(F.lit(STABLE_MID_SPENDERS))
    )


def customer_segments(customers: DataFrame, spend: DataFrame, as_of: date, thresholds: SegmentThresholds) -> DataFrame:
    """GOLD.CUSTOMER_SEGMENTS: one row per current customer with the segment inputs and CUSTOMER_SEGMENT.

    `spend` is window_spend(); a customer without spend in the windows has zero spend.
    """
    measures = customers.select("CUSTOMER_ID", "CARD_TYPE", "ACCOUNT_OPEN_DATE").join(spend, "CUSTOMER_ID", how="left").select(
        "CUSTOMER_ID",
        "CARD_TYPE",
        F.coalesce(F.col("SPEND_LAST"), ZERO).cast(MONEY).alias("SPEND_LAST_90_DAYS"),
        F.coalesce(F.col("SPEND_PRIOR"), ZERO).cast(MONEY).alias("SPEND_PRIOR_90_DAYS"),
        F.coalesce(F.col("SPEND_TRAVEL"), ZERO).cast(DoubleType()).alias("TRAVEL"),
        F.coalesce(F.col("SPEND_NECESSITIES"), ZERO).cast(DoubleType()).alias("NECESSITIES"),
        whole_months_between(F.col("ACCOUNT_OPEN_DATE"), as_of).cast(LongType()).alias("TENURE_MONTHS"),
    )
    last = F.col("SPEND_LAST_90_DAYS").cast(DoubleType())
    prior = F.col("SPEND_PRIOR_90_DAYS").cast(DoubleType())
    inputs = measures.select(
        "CUSTOMER_ID",
        "CARD_TYPE",
        "SPEND_LAST_90_DAYS",
        "SPEND_PRIOR_90_DAYS",
        F.when(prior > 0, (last - prior) / prior).cast(DoubleType()).alias("SPEND_CHANGE_PCT"),
        (last / F.lit(thresholds.window_days / DAYS_PER_MONTH)).cast(DoubleType()).alias("AVG_MONTHLY_SPEND"),
        F.when(last > 0, F.col("TRAVEL") / last).otherwise(F.lit(0.0)).cast(DoubleType()).alias("TRAVEL_SHARE"),
        F.when(last > 0, F.col("NECESSITIES") / last).otherwise(F.lit(0.0)).cast(DoubleType()).alias("NECESSITIES_SHARE"),
        "TENURE_MONTHS",
    )
    segment = segment_of(
        F.col("CARD_TYPE"), F.col("AVG_MONTHLY_SPEND"), F.col("TRAVEL_SHARE"), F.col("NECESSITIES_SHARE"),
        F.col("SPEND_LAST_90_DAYS"), F.col("SPEND_PRIOR_90_DAYS"), F.col("SPEND_CHANGE_PCT"),
        F.col("TENURE_MONTHS"), thresholds,
    )
    return inputs.select(
        "*",
        segment.alias("CUSTOMER_SEGMENT"),
        F.lit(datetime.combine(as_of, datetime.min.time())).cast(TimestampType()).alias("SEGMENT_ASSIGNED_AT"),
    )


# --- hero metrics ----------------------------------------------------------------------------------

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


# --- profile ---------------------------------------------------------------------------------------

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
    """Amounts that differ by half a cent or more (money is compared to the cent, whatever the sides' types)."""
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


def _segment_inputs_out_of_range() -> Column:
    """Rows with negative spend or a share outside [0, 1] (beyond float rounding)."""
    return (
        (F.col("SPEND_LAST_90_DAYS") < 0) | (F.col("SPEND_PRIOR_90_DAYS") < 0)
        | outside("TRAVEL_SHARE", 0.0, 1.0) | outside("NECESSITIES_SHARE", 0.0, 1.0)
        | outside(F.col("TRAVEL_SHARE") + F.col("NECESSITIES_SHARE"), 0.0, 1.0)
    )


def _transaction_values_out_of_order() -> Column:
    """Rows where min <= median <= max, min <= avg <= max (to the cent) or 0 <= consistency <= 1 fails."""
    low, high = F.col("MIN_TRANSACTION_VALUE").cast(DoubleType()), F.col("MAX_TRANSACTION_VALUE").cast(DoubleType())
    cent = F.lit(0.005)
    return (
        (F.col("MEDIAN_TRANSACTION_VALUE") < low - cent) | (F.col("MEDIAN_TRANSACTION_VALUE") > high + cent)
        | (F.col("AVG_TRANSACTION_VALUE") < low - cent) | (F.col("AVG_TRANSACTION_VALUE") > high + cent)
        | (F.col("SPENDING_CONSISTENCY") < 0) | (F.col("SPENDING_CONSISTENCY") > 1)
    )


def _profile_uses_current_version(frame: DataFrame, tables) -> int:
    """Profile rows whose CUSTOMER_KEY is not the customer's current DIM_CUSTOMER version."""
    current = current_customers(tables("GOLD", "DIM_CUSTOMER")).select(
        "CUSTOMER_ID", "CUSTOMER_KEY", F.lit(True).alias("_CURRENT")
    )
    return frame.select("CUSTOMER_ID", "CUSTOMER_KEY").join(current, ["CUSTOMER_ID", "CUSTOMER_KEY"], how="left").filter(
        F.col("_CURRENT").is_null()
    ).count()


def _flagged_for_both_campaigns() -> Column:
    """Customers flagged both as retention and as upsell target."""
    return F.col("IS_RETENTION_TARGET") & F.col("IS_UPSELL_TARGET")


_TO_CUSTOMER = {"CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID")}

CONTRACTS: tuple[TableContract, ...] = (
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
            Check("CUSTOMER_SEGMENTS.inputs_in_range", "error",
                  description="spend is never negative and shares lie in [0, 1]",
                  condition=_segment_inputs_out_of_range()),
        ),
    ),
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
    ),
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
    ),
    TableContract(
        "GOLD", "METRIC_AVG_TRANSACTION_VALUE", "one row per customer with an approved transaction",
        primary_key=("CUSTOMER_ID",),
        not_null=("AVG_TRANSACTION_VALUE", "MIN_TRANSACTION_VALUE", "MAX_TRANSACTION_VALUE",
                  "MEDIAN_TRANSACTION_VALUE", "AS_OF_DATE"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_AVG_TRANSACTION_VALUE.values_ordered", "error",
                  description="min <= median, avg <= max and SPENDING_CONSISTENCY in [0, 1]",
                  condition=_transaction_values_out_of_order()),
        ),
    ),
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
            Check("CUSTOMER_360_PROFILE.campaign_flags_exclusive", "error",
                  description="no customer is both a retention and an upsell target",
                  condition=_flagged_for_both_campaigns()),
        ),
    ),
)


# --- step runners ----------------------------------------------------------------------------------

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
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER"))
    spend = window_spend(warehouse.read("GOLD", "FCT_TRANSACTIONS"), warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY"),
                         as_of, cfg.segments.window_days)
    written = warehouse.write(customer_segments(customers, spend, as_of, cfg.segments), "GOLD", "CUSTOMER_SEGMENTS")
    assigned = warehouse.read("GOLD", "CUSTOMER_SEGMENTS").group_by("CUSTOMER_SEGMENT").agg(F.count(F.lit(1)).alias("N"))
    found = {row["CUSTOMER_SEGMENT"]: int(row["N"]) for row in assigned.collect()}
    counts = {name: found.get(name, 0) for name in SEGMENTS}
    return StepResult(
        "customer_segments", rows_in=customers.count(), rows_out=written, seconds=time.perf_counter() - started,
        message=f"{written} customers as of {as_of}: {_shares(counts)}", details={"segments": counts},
    )


def run_hero_metrics(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.METRIC_CUSTOMER_LTV, METRIC_AVG_TRANSACTION_VALUE and METRIC_MOM_SPEND_CHANGE as of cfg.as_of."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    approved = approved_transactions(warehouse.read("GOLD", "FCT_TRANSACTIONS"), as_of)
    # Customer grain, read by all three metrics and the step's count: computed once.
    statistics = transaction_statistics(approved).cache_result()
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER"))
    months = calendar_months(warehouse.read("GOLD", "DIM_DATE"), as_of)
    rows = {
        "METRIC_CUSTOMER_LTV": warehouse.write(metric_customer_ltv(customers, statistics, as_of), "GOLD", "METRIC_CUSTOMER_LTV"),
        "METRIC_AVG_TRANSACTION_VALUE": warehouse.write(
            metric_avg_transaction_value(statistics, as_of), "GOLD", "METRIC_AVG_TRANSACTION_VALUE"
        ),
        "METRIC_MOM_SPEND_CHANGE": warehouse.write(
            metric_mom_spend_change(monthly_spend(approved), statistics, months, as_of), "GOLD", "METRIC_MOM_SPEND_CHANGE"
        ),
    }
    transactions = int(statistics.agg(F.sum("TOTAL_TRANSACTIONS").alias("N")).collect()[0]["N"] or 0)
    return StepResult(
        "hero_metrics", rows_in=transactions, rows_out=sum(rows.values()), seconds=time.perf_counter() - started,
        message=", ".join(f"{table} {count} rows" for table, count in rows.items()) + f" as of {as_of}",
        details={"rows_by_table": rows},
    )


def run_customer_360_profile(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.CUSTOMER_360_PROFILE from the dimension, the marts and the latest churn predictions."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER"))
    predictions = warehouse.read_or_none("GOLD", "CHURN_PREDICTIONS")
    profile = customer_360_profile(
        customers,
        warehouse.read("GOLD", "CUSTOMER_SEGMENTS"),
        warehouse.read("GOLD", "METRIC_CUSTOMER_LTV"),
        warehouse.read("GOLD", "METRIC_AVG_TRANSACTION_VALUE"),
        last_complete_month_spend(warehouse.read("GOLD", "METRIC_MOM_SPEND_CHANGE"), as_of),
        None if predictions is None else latest_predictions(predictions, as_of),
        as_of,
        cfg.segments,
    )
    rows = warehouse.write(profile, "GOLD", "CUSTOMER_360_PROFILE")
    totals = warehouse.read("GOLD", "CUSTOMER_360_PROFILE").agg(
        F.sum(F.when(F.col("IS_RETENTION_TARGET"), F.lit(1)).otherwise(F.lit(0))).alias("RETENTION"),
        F.sum(F.when(F.col("IS_UPSELL_TARGET"), F.lit(1)).otherwise(F.lit(0))).alias("UPSELL"),
        F.count(F.col("CHURN_RISK_CATEGORY")).alias("SCORED"),
    ).collect()[0]
    details = {
        "retention_targets": int(totals["RETENTION"]),
        "upsell_targets": int(totals["UPSELL"]),
        "scored_customers": int(totals["SCORED"]),
    }
    scored = "no churn predictions yet" if predictions is None else f"{details['scored_customers']} scored"
    return StepResult(
        "customer_360_profile", rows_in=customers.count(), rows_out=rows, seconds=time.perf_counter() - started,
        message=f"{rows} customers as of {as_of} ({scored}; {details['retention_targets']} retention, "
                f"{details['upsell_targets']} upsell targets)",
        details=details,
    )
