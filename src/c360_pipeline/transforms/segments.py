"""GOLD.CUSTOMER_SEGMENTS: five behavioural segments from rolling 90-day windows.

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
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DoubleType,
    LongType,
    TimestampType,
)

from c360_pipeline.catalog import PREMIUM_CARD_TYPES
from c360_pipeline.config import SegmentThresholds
from c360_pipeline.transforms.common import (
    BUDGET_CONSCIOUS,
    DAYS_PER_MONTH,
    DECLINING,
    HIGH_VALUE_TRAVELERS,
    MONEY,
    NEW_AND_GROWING,
    STABLE_MID_SPENDERS,
    ZERO,
    approved_transactions,
    whole_months_between,
)


def _spend_where(condition: Column) -> Column:
    """Sum of the amounts of the transactions where the condition holds (0 when none does)."""
    return F.sum(F.when(condition, F.col("TRANSACTION_AMOUNT")).otherwise(ZERO))


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
