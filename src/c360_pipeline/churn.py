"""Churn model: point-in-time features, the churn label, training with honest evaluation, and scoring.

Time is split at a cut-off. Features use only transactions dated on or before the cut-off; the label is
observed after it. For training the cut-off is `as_of - horizon_days` and the label is observed in
(cut-off, as_of]; earlier training cut-offs (every `snapshot_spacing_days`) are labeled the same way in
the horizon after each. For scoring the cut-off is `as_of` itself and the label is unknown.

Label (seed 003 §2.3, measured in the outcome window): a customer churned when they made no approved
transaction in the last `inactivity_days` before as_of (inactive for 60 days or more at as_of), or when
their approved spend in (cut-off, as_of] is at most (1 - decline_pct) of their approved spend in the
prior window (cut-off - horizon, cut-off] — a decline of 30% or more. Only customers with approved spend
in the prior window get a label: for a customer without it (a new account that has not spent yet, or a
customer already dormant before the prior window) "a 30% decline" is undefined and "going inactive"
already happened, so they are excluded from training (CHURN_LABEL null) and still scored.

Features and labels are computed in Snowpark, for every cut-off in one frame. The fact is aggregated
once per run to customer x period totals (periods of 30 days counted back from as_of; every feature and
label window, and the spacing of training cut-offs, is a whole number of periods); a table of cut-offs
joined to those totals gives each cut-off's windows, so ten training cut-offs cost little more than one.
Periods after a cut-off are never joined to its features, which is what makes them point-in-time.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline.catalog import (
    CARD_TYPES,
    EMPLOYMENT_STATUSES,
    PREMIUM_CARD_TYPES,
    RISK_CATEGORIES,
)
from c360_pipeline.config import ChurnSettings, ConfigError, PipelineConfig
from c360_pipeline.contracts import Check, TableContract, outside
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

MONTHS = 6  # trend features look at the last six 30-day months before the cut-off
MONTH_DAYS = 30
COUNT_WINDOWS = (30, 90, 180)
SHARE_WINDOW = 180  # category-group and channel mix are measured over the last 180 days
SPENDING_GROUPS = ("travel", "necessities", "dining", "entertainment", "retail", "services")
CENT = 0.005  # half a cent: amounts are whole cents, so sums compare within half a cent

# US Census regions: 51 states one-hot would drown a 1,000-customer model; four regions keep the geography.
CENSUS_REGIONS: dict[str, tuple[str, ...]] = {
    "NORTHEAST": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "MIDWEST": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "SOUTH": ("DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS", "TN", "AR", "LA", "OK", "TX"),
    "WEST": ("AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"),
}


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.upper()).strip("_")


# Feature name -> (group, description). The order is the model's column order.
FEATURES: dict[str, tuple[str, str]] = {
    "AGE": ("demographics", "age in years"),
    **{f"IS_{_slug(status)}": ("demographics", f"employment status is {status}") for status in EMPLOYMENT_STATUSES},
    **{f"IS_REGION_{region}": ("demographics", f"lives in the US Census {region.title()} region") for region in CENSUS_REGIONS},
    "TENURE_DAYS": ("account", "days from account opening to the cut-off"),
    "CARD_TIER": ("account", "card type as a tier: " + ", ".join(f"{i} {c}" for i, c in enumerate(CARD_TYPES))),
    "IS_PREMIUM_CARD": ("account", "card type is " + " or ".join(PREMIUM_CARD_TYPES)),
    "CREDIT_LIMIT": ("account", "credit limit of the card version valid at the cut-off"),
    "CREDIT_UTILIZATION": ("account", "approved spend of the last 30 days / credit limit"),
    "LIFETIME_SPEND": ("spending", "approved spend up to the cut-off"),
    "SPEND_30D": ("spending", "approved spend in the last 30 days"),
    "SPEND_60D": ("spending", "approved spend in the last 60 days"),
    "SPEND_90D": ("spending", "approved spend in the last 90 days"),
    "SPEND_180D": ("spending", "approved spend in the last 180 days"),
    "SPEND_PRIOR_90D": ("spending", "approved spend 91-180 days before the cut-off"),
    **{f"SPEND_MONTH_{k}": ("spending", f"approved spend {MONTH_DAYS * (k - 1) + 1}-{MONTH_DAYS * k} days before the cut-off")
       for k in range(2, MONTHS + 1)},
    "AVG_TRANSACTION_VALUE_90D": ("spending", "approved spend / approved transactions, last 90 days"),
    "AVG_TRANSACTION_VALUE": ("spending", "approved spend / approved transactions, up to the cut-off"),
    **{f"{group.upper()}_SHARE": ("spending", f"share of the last 180 days' approved spend in {group}")
       for group in SPENDING_GROUPS},
    "DAYS_SINCE_LAST_TRANSACTION": ("activity", "days from the last approved transaction to the cut-off (tenure if none)"),
    **{f"TXN_COUNT_{days}D": ("activity", f"approved transactions in the last {days} days") for days in COUNT_WINDOWS},
    "TXN_COUNT_LIFETIME": ("activity", "approved transactions up to the cut-off"),
    "ACTIVE_MONTHS_LAST_6": ("activity", "30-day months with approved spend among the last six"),
    "ACTIVE_GROUPS_180D": ("activity", "spending groups (of six) with approved spend in the last 180 days"),
    "GROUP_CONCENTRATION_180D": ("activity", "Herfindahl index of the six group shares (1 = one group only)"),
    "SPEND_RATIO_30_90": ("trend", "spend of the last 30 days / average 30 days of the last 90"),
    "SPEND_CHANGE_90D": ("trend", "(spend last 90 days - spend prior 90 days) / spend prior 90 days"),
    "TXN_COUNT_CHANGE_90D": ("trend", "(transactions last 90 days - prior 90 days) / prior 90 days"),
    "SPEND_SLOPE_6M": ("trend", "least-squares slope of the six monthly spends, per month, / their mean"),
    "SPEND_VOLATILITY_6M": ("trend", "standard deviation of the six monthly spends / their mean"),
    "DECLINED_COUNT_90D": ("declines", "declined transactions in the last 90 days"),
    "DECLINED_SHARE_90D": ("declines", "declined / attempted transactions in the last 90 days"),
    "DECLINED_SHARE_30D": ("declines", "declined / attempted transactions in the last 30 days"),
    "DECLINED_SHARE_PRIOR_90D": ("declines", "declined / attempted transactions 91-180 days before the cut-off"),
    "ONLINE_SHARE": ("channel", "share of the last 180 days' approved transactions made online"),
    "MOBILE_SHARE": ("channel", "share of the last 180 days' approved transactions made on mobile"),
    "IN_STORE_SHARE": ("channel", "share of the last 180 days' approved transactions made in store"),
}
FEATURE_COLUMNS: tuple[str, ...] = tuple(FEATURES)

FEATURES_SCHEMA = StructType(
    [StructField("CUSTOMER_ID", StringType()), StructField("CUTOFF_DATE", DateType())]
    + [StructField(name, DoubleType()) for name in FEATURE_COLUMNS]
    + [StructField("CHURN_LABEL", LongType())]
)
PREDICTIONS_SCHEMA = StructType(
    [
        StructField("CUSTOMER_ID", StringType()),
        StructField("PREDICTION_DATE", DateType()),
        StructField("CHURN_PROBABILITY", DoubleType()),
        StructField("CHURN_RISK_SCORE", DoubleType()),
        StructField("CHURN_RISK_CATEGORY", StringType()),
        StructField("IS_PREDICTED_CHURN", BooleanType()),
        StructField("MODEL_VERSION", StringType()),
    ]
)
METRICS_SCHEMA = StructType(
    [
        StructField("MODEL_VERSION", StringType()),
        StructField("TRAINED_AT", TimestampType()),
        StructField("CUTOFF_DATE", DateType()),
        StructField("AS_OF_DATE", DateType()),
        StructField("N_TRAIN", LongType()),
        StructField("N_TEST", LongType()),
        StructField("POSITIVE_RATE", DoubleType()),
        StructField("F1", DoubleType()),
        StructField("PRECISION", DoubleType()),
        StructField("RECALL", DoubleType()),
        StructField("ROC_AUC", DoubleType()),
        StructField("PR_AUC", DoubleType()),
        StructField("THRESHOLD", DoubleType()),
        StructField("CONFUSION_MATRIX", StringType()),
        StructField("TOP_FEATURES", StringType()),
        StructField("CV_F1_MEAN", DoubleType()),
        StructField("CV_F1_STD", DoubleType()),
        StructField("FEATURE_COUNT", LongType()),
        StructField("ALGORITHM", StringType()),
        StructField("SEED", LongType()),
        StructField("N_LABELED", LongType()),
        StructField("HORIZON_DAYS", LongType()),
        StructField("INACTIVITY_DAYS", LongType()),
        StructField("DECLINE_PCT", DoubleType()),
        StructField("MIN_PRECISION", DoubleType()),
        StructField("THRESHOLD_RULE", StringType()),
        StructField("TRAINING_CUTOFFS", StringType()),
    ]
)


# --- dates -----------------------------------------------------------------------------------------

def training_cutoff(as_of: date, settings: ChurnSettings) -> date:
    """The feature cut-off of the training set: as_of - horizon_days."""
    return as_of - timedelta(days=settings.horizon_days)


def training_cutoffs(as_of: date, settings: ChurnSettings) -> list[date]:
    """The training set's feature cut-offs, latest first: as_of - horizon, then every snapshot_spacing_days earlier.

    Each cut-off's label is observed in (cut-off, cut-off + horizon], which ends on or before as_of.
    """
    latest = training_cutoff(as_of, settings)
    return [latest - timedelta(days=k * settings.snapshot_spacing_days) for k in range(settings.training_snapshots)]


def check_settings(settings: ChurnSettings) -> None:
    """Refuse a label whose inactivity window reaches back before the cut-off (it would read feature-time data)."""
    if settings.inactivity_days > settings.horizon_days:
        raise ConfigError(
            f"setting 'churn.inactivity_days' = {settings.inactivity_days} is invalid: it must not exceed "
            f"'churn.horizon_days' ({settings.horizon_days}), the window the label is observed in"
        )
    if settings.medium_risk_score > settings.high_risk_score:
        raise ConfigError(
            f"setting 'churn.medium_risk_score' = {settings.medium_risk_score} is invalid: it must not exceed "
            f"'churn.high_risk_score' ({settings.high_risk_score})"
        )


# --- transactions and customer-period totals --------------------------------------------------------
#
# Every window of the features and the label (30-day months, 30/90/180-day counts, the horizon, the
# inactivity, the spacing of training cut-offs) is a whole number of periods of `period_length` days,
# counted back from as_of, and every cut-off lies on that grid. So the fact is aggregated once, to one
# row per customer and period, and a cut-off's windows are sums over the periods on or before it.

_APPROVED = F.col("STATUS") == F.lit("approved")


def classified_transactions(transactions: DataFrame, categories: DataFrame) -> DataFrame:
    """One row per transaction: CUSTOMER_ID, TRANSACTION_DAY, AMOUNT, STATUS, CHANNEL and SPENDING_GROUP
    (the merchant category's group; a group outside SPENDING_GROUPS counts as services, the last)."""
    group = F.col("CATEGORY_GROUP")
    known = F.when(group.isin(list(SPENDING_GROUPS)), group).otherwise(F.lit(SPENDING_GROUPS[-1]))
    return transactions.join(
        categories.select("MERCHANT_CATEGORY_KEY", known.alias("SPENDING_GROUP")), "MERCHANT_CATEGORY_KEY"
    ).select(
        "CUSTOMER_ID", F.to_date("TRANSACTION_DATE").alias("TRANSACTION_DAY"),
        F.col("TRANSACTION_AMOUNT").cast(DoubleType()).alias("AMOUNT"), "STATUS", "CHANNEL", "SPENDING_GROUP",
    )


def period_length(settings: ChurnSettings) -> int:
    """Days per period: the largest length that divides every window, the horizon, the inactivity and the spacing."""
    return math.gcd(MONTH_DAYS, *COUNT_WINDOWS, SHARE_WINDOW, settings.horizon_days, settings.inactivity_days,
                    settings.snapshot_spacing_days)


def period_totals(transactions: DataFrame, as_of: date, length: int) -> DataFrame:
    """One row per customer and period with a transaction up to as_of (period 0 = the `length` days ending
    on as_of, 1 the `length` days before, ...): approved spend (SPEND, and SPEND_<GROUP> per spending
    group), approved transactions (APPROVED; ONLINE, MOBILE), all transactions (ATTEMPTS) and the last
    approved day (LAST_APPROVED_DAY). `transactions` is classified_transactions()."""
    days_before = F.datediff("day", F.col("TRANSACTION_DAY"), F.lit(as_of))
    approved_amount = F.when(_APPROVED, F.col("AMOUNT")).otherwise(F.lit(0.0))
    approved_count = F.when(_APPROVED, F.lit(1)).otherwise(F.lit(0))
    return (
        transactions.filter(days_before >= 0)
        .with_column("PERIOD", F.floor(days_before / F.lit(length)).cast(LongType()))
        .group_by("CUSTOMER_ID", "PERIOD")
        .agg(
            F.sum(approved_amount).alias("SPEND"),
            *[F.sum(F.when(_APPROVED & (F.col("SPENDING_GROUP") == F.lit(g)), F.col("AMOUNT")).otherwise(F.lit(0.0)))
              .alias(f"SPEND_{g.upper()}") for g in SPENDING_GROUPS],
            F.sum(approved_count).alias("APPROVED"),
            F.sum(F.when(_APPROVED & (F.col("CHANNEL") == F.lit("Online")), F.lit(1)).otherwise(F.lit(0))).alias("ONLINE"),
            F.sum(F.when(_APPROVED & (F.col("CHANNEL") == F.lit("Mobile")), F.lit(1)).otherwise(F.lit(0))).alias("MOBILE"),
            F.count(F.lit(1)).alias("ATTEMPTS"),
            F.max(F.when(_APPROVED, F.col("TRANSACTION_DAY"))).alias("LAST_APPROVED_DAY"),
        )
    )


CUTOFFS_SCHEMA = StructType([StructField("CUTOFF_DATE", DateType()), StructField("PERIOD_OFFSET", LongType())])


def cutoff_table(cutoffs: list[date], as_of: date, length: int, label_horizon_days: int | None = None) -> pd.DataFrame:
    """The cut-offs as rows (CUTOFF_DATE, PERIOD_OFFSET: the period that ends on the cut-off).

    A cut-off must lie on the period grid, on or before as_of; with `label_horizon_days` (training cut-offs)
    its label window must also end on or before as_of.
    """
    rows = []
    for cutoff in cutoffs:
        days_ = (as_of - cutoff).days
        if days_ < 0 or days_ % length:
            raise ValueError(f"cut-off {cutoff} is not a whole number of {length}-day periods before {as_of}")
        if label_horizon_days is not None and cutoff + timedelta(days=label_horizon_days) > as_of:
            raise ValueError(f"the label of cut-off {cutoff} is observed until "
                             f"{cutoff + timedelta(days=label_horizon_days)}, after as_of {as_of}")
        rows.append({"CUTOFF_DATE": cutoff, "PERIOD_OFFSET": days_ // length})
    return pd.DataFrame(rows, columns=CUTOFFS_SCHEMA.names)


def _periods_within(relative: F.Column, first_day: int, days: int, length: int) -> F.Column:
    """Whether a period `relative` periods before the cut-off lies in the days first_day .. first_day + days - 1 before it."""
    return (relative >= F.lit(first_day // length)) & (relative < F.lit((first_day + days) // length))


def window_totals(periods: DataFrame, cutoffs: DataFrame, length: int) -> DataFrame:
    """One row per customer and cut-off with a transaction on or before the cut-off: the feature windows'
    totals (lifetime, six 30-day months, 30/90/180-day counts and attempts, 180-day group spend and
    channel counts) and LAST_APPROVED_DAY. Periods after the cut-off are never read: point in time."""
    relative = F.col("PERIOD") - F.col("PERIOD_OFFSET")

    def within(measure: str, first_day: int, days: int) -> F.Column:
        return F.sum(F.when(_periods_within(relative, first_day, days, length), F.col(measure)).otherwise(F.lit(0)))

    return (
        periods.join(cutoffs, F.col("PERIOD") >= F.col("PERIOD_OFFSET"))
        .group_by("CUSTOMER_ID", "CUTOFF_DATE")
        .agg(
            F.sum("SPEND").alias("LIFETIME_SPEND"),
            F.sum("APPROVED").alias("TXN_COUNT_LIFETIME"),
            *[within("SPEND", MONTH_DAYS * (k - 1), MONTH_DAYS).alias(f"MONTH_SPEND_{k}") for k in range(1, MONTHS + 1)],
            *[within("APPROVED", 0, d).alias(f"TXN_COUNT_{d}D") for d in COUNT_WINDOWS],
            *[within("ATTEMPTS", 0, d).alias(f"ATTEMPTS_{d}D") for d in COUNT_WINDOWS],
            *[within(f"SPEND_{g.upper()}", 0, SHARE_WINDOW).alias(f"GROUP_SPEND_{g.upper()}") for g in SPENDING_GROUPS],
            within("ONLINE", 0, SHARE_WINDOW).alias("ONLINE_COUNT"),
            within("MOBILE", 0, SHARE_WINDOW).alias("MOBILE_COUNT"),
            F.max("LAST_APPROVED_DAY").alias("LAST_APPROVED_DAY"),
        )
    )


def customers_at(customers: DataFrame, cutoffs: DataFrame) -> DataFrame:
    """One row per customer and cut-off the account was open on: the DIM_CUSTOMER version valid that day."""
    # VALID_TO is exclusive (the day the next version starts), so exactly one version matches.
    return customers.join(
        cutoffs,
        (F.col("VALID_FROM") <= F.col("CUTOFF_DATE"))
        & (F.col("VALID_TO") > F.col("CUTOFF_DATE"))
        & (F.col("ACCOUNT_OPEN_DATE") <= F.col("CUTOFF_DATE")),
    ).select("CUSTOMER_ID", "CUTOFF_DATE", "AGE", "STATE", "EMPLOYMENT_STATUS", "CARD_TYPE", "CREDIT_LIMIT",
             "ACCOUNT_OPEN_DATE")


def _ratio(numerator: F.Column, denominator: F.Column, otherwise: float = 0.0) -> F.Column:
    return F.when(denominator > 0, numerator / denominator).otherwise(F.lit(otherwise))


def _declined(attempts: F.Column, approved: F.Column) -> F.Column:
    """Transactions not approved: attempts - approved."""
    return F.greatest(attempts - approved, F.lit(0.0))


def churn_features(windows: DataFrame, profiles: DataFrame) -> DataFrame:
    """One row per customer open on a cut-off (CUSTOMER_ID, CUTOFF_DATE): FEATURE_COLUMNS, as doubles.

    `windows` is window_totals(), `profiles` customers_at() for the same cut-offs.
    """
    def total(name: str) -> F.Column:
        return F.coalesce(F.col(name).cast(DoubleType()), F.lit(0.0))

    cutoff = F.col("CUTOFF_DATE")
    month = {k: total(f"MONTH_SPEND_{k}") for k in range(1, MONTHS + 1)}
    # The window totals every feature is built from, named once (a customer without transactions has 0).
    totals = profiles.join(windows, ["CUSTOMER_ID", "CUTOFF_DATE"], how="left").select(
        "CUSTOMER_ID", "CUTOFF_DATE", "AGE", "STATE", "EMPLOYMENT_STATUS", "CARD_TYPE", "CREDIT_LIMIT",
        F.datediff("day", F.col("ACCOUNT_OPEN_DATE"), cutoff).cast(DoubleType()).alias("TENURE"),
        F.datediff("day", F.col("LAST_APPROVED_DAY"), cutoff).cast(DoubleType()).alias("DAYS_SINCE_LAST"),
        *[month[k].alias(f"M{k}") for k in month],
        (month[1] + month[2] + month[3]).alias("S90"),
        (month[4] + month[5] + month[6]).alias("PRIOR_S90"),
        total("LIFETIME_SPEND").alias("LIFETIME_SPEND"), total("TXN_COUNT_LIFETIME").alias("TXN_COUNT_LIFETIME"),
        *[total(f"TXN_COUNT_{d}D").alias(f"C{d}") for d in COUNT_WINDOWS],
        *[total(f"ATTEMPTS_{d}D").alias(f"A{d}") for d in COUNT_WINDOWS],
        *[total(f"GROUP_SPEND_{g.upper()}").alias(f"G_{g.upper()}") for g in SPENDING_GROUPS],
        total("ONLINE_COUNT").alias("ONLINE_COUNT"), total("MOBILE_COUNT").alias("MOBILE_COUNT"),
    )
    month = {k: F.col(f"M{k}") for k in range(1, MONTHS + 1)}
    spend_30, spend_90, prior_90 = month[1], F.col("S90"), F.col("PRIOR_S90")
    spend_180 = spend_90 + prior_90
    counts = {d: F.col(f"C{d}") for d in COUNT_WINDOWS}
    lifetime_spend, lifetime_count = F.col("LIFETIME_SPEND"), F.col("TXN_COUNT_LIFETIME")
    group_spend = {g: F.col(f"G_{g.upper()}") for g in SPENDING_GROUPS}
    shares = {g: _ratio(group_spend[g], spend_180) for g in SPENDING_GROUPS}
    online, mobile = F.col("ONLINE_COUNT"), F.col("MOBILE_COUNT")
    attempts_90 = F.col("A90")
    declined_90 = _declined(attempts_90, counts[90])
    tenure = F.col("TENURE")
    mean_month = spend_180 / MONTHS
    # Months in time order t = 0 (oldest) .. 5 (latest); slope = sum((t - 2.5) * y_t) / sum((t - 2.5)^2).
    centre = (MONTHS - 1) / 2
    slope = sum(((MONTHS - k) - centre) * month[k] for k in range(1, MONTHS + 1)) / sum(
        (t - centre) ** 2 for t in range(MONTHS)
    )
    variance = sum((month[k] - mean_month) * (month[k] - mean_month) for k in range(1, MONTHS + 1)) / (MONTHS - 1)
    card_tier = F.lit(0)
    for tier, card in reversed(list(enumerate(CARD_TYPES))):
        card_tier = F.when(F.col("CARD_TYPE") == F.lit(card), F.lit(tier)).otherwise(card_tier)

    def flag(condition: F.Column) -> F.Column:
        return F.when(condition, F.lit(1)).otherwise(F.lit(0))

    prior_count_90 = counts[180] - counts[90]
    attempts_30, attempts_prior_90 = F.col("A30"), F.col("A180") - attempts_90
    values: dict[str, F.Column] = {
        "AGE": F.col("AGE"),
        **{f"IS_{_slug(s)}": flag(F.col("EMPLOYMENT_STATUS") == F.lit(s)) for s in EMPLOYMENT_STATUSES},
        **{f"IS_REGION_{r}": flag(F.col("STATE").isin(list(states))) for r, states in CENSUS_REGIONS.items()},
        "TENURE_DAYS": tenure,
        "CARD_TIER": card_tier,
        "IS_PREMIUM_CARD": flag(F.col("CARD_TYPE").isin(list(PREMIUM_CARD_TYPES))),
        "CREDIT_LIMIT": F.col("CREDIT_LIMIT"),
        "CREDIT_UTILIZATION": _ratio(spend_30, F.col("CREDIT_LIMIT").cast(DoubleType())),
        "LIFETIME_SPEND": lifetime_spend,
        "SPEND_30D": spend_30,
        "SPEND_60D": month[1] + month[2],
        "SPEND_90D": spend_90,
        "SPEND_180D": spend_180,
        "SPEND_PRIOR_90D": prior_90,
        **{f"SPEND_MONTH_{k}": month[k] for k in range(2, MONTHS + 1)},
        "AVG_TRANSACTION_VALUE_90D": _ratio(spend_90, counts[90]),
        "AVG_TRANSACTION_VALUE": _ratio(lifetime_spend, lifetime_count),
        **{f"{g.upper()}_SHARE": shares[g] for g in SPENDING_GROUPS},
        "DAYS_SINCE_LAST_TRANSACTION": F.coalesce(F.col("DAYS_SINCE_LAST"), tenure),
        **{f"TXN_COUNT_{d}D": counts[d] for d in COUNT_WINDOWS},
        "TXN_COUNT_LIFETIME": lifetime_count,
        "ACTIVE_MONTHS_LAST_6": sum(flag(month[k] > 0) for k in range(1, MONTHS + 1)),
        "ACTIVE_GROUPS_180D": sum(flag(group_spend[g] > CENT) for g in SPENDING_GROUPS),
        "GROUP_CONCENTRATION_180D": sum(shares[g] * shares[g] for g in SPENDING_GROUPS),
        "SPEND_RATIO_30_90": _ratio(spend_30 * 3, spend_90),
        "SPEND_CHANGE_90D": F.when(prior_90 > 0, (spend_90 - prior_90) / prior_90)
        .when(spend_90 > 0, F.lit(1.0)).otherwise(F.lit(0.0)),
        "TXN_COUNT_CHANGE_90D": F.when(prior_count_90 > 0, (counts[90] - prior_count_90) / prior_count_90)
        .when(counts[90] > 0, F.lit(1.0)).otherwise(F.lit(0.0)),
        "SPEND_SLOPE_6M": _ratio(slope, mean_month),
        "SPEND_VOLATILITY_6M": _ratio(F.sqrt(variance), mean_month),
        "DECLINED_COUNT_90D": declined_90,
        "DECLINED_SHARE_90D": _ratio(declined_90, attempts_90),
        "DECLINED_SHARE_30D": _ratio(_declined(attempts_30, counts[30]), attempts_30),
        "DECLINED_SHARE_PRIOR_90D": _ratio(_declined(attempts_prior_90, prior_count_90), attempts_prior_90),
        "ONLINE_SHARE": _ratio(online, counts[SHARE_WINDOW]),
        "MOBILE_SHARE": _ratio(mobile, counts[SHARE_WINDOW]),
        "IN_STORE_SHARE": _ratio(F.greatest(counts[SHARE_WINDOW] - online - mobile, F.lit(0.0)), counts[SHARE_WINDOW]),
    }
    assert tuple(values) == FEATURE_COLUMNS, "feature expressions and FEATURES must list the same names in order"
    return totals.select(
        "CUSTOMER_ID", "CUTOFF_DATE",
        *[F.coalesce(expression.cast(DoubleType()), F.lit(0.0)).alias(name) for name, expression in values.items()],
    )


# --- label -----------------------------------------------------------------------------------------

def churn_label(totals: DataFrame, settings: ChurnSettings) -> DataFrame:
    """Per row: CHURN_LABEL = inactive for inactivity_days at the window's end, or outcome spend <= (1 - decline_pct) x prior."""
    inactive = F.coalesce(F.col("RECENT_APPROVED"), F.lit(0)) == 0
    # Float sums of cents: half a cent of slack makes "exactly 30% lower" count as a 30% decline.
    declined = F.coalesce(F.col("OUTCOME_SPEND"), F.lit(0.0)) <= F.col("PRIOR_SPEND") * (1.0 - settings.decline_pct) + CENT
    return totals.select(
        "CUSTOMER_ID", "CUTOFF_DATE", "PRIOR_SPEND", "OUTCOME_SPEND", "RECENT_APPROVED",
        F.when(inactive | declined, F.lit(1)).otherwise(F.lit(0)).alias("CHURN_LABEL"),
    )


def churn_labels(periods: DataFrame, cutoffs: DataFrame, settings: ChurnSettings, length: int) -> DataFrame:
    """One row per customer and training cut-off with approved spend in the prior window: PRIOR_SPEND,
    OUTCOME_SPEND, RECENT_APPROVED and CHURN_LABEL (churn_label).

    Prior window (cut-off - horizon, cut-off]; outcome window (cut-off, cut-off + horizon]; "recent" is
    the outcome window's last inactivity_days. `cutoffs` come from cutoff_table(..., label_horizon_days).
    """
    horizon, inactivity = settings.horizon_days // length, settings.inactivity_days // length
    relative = F.col("PERIOD") - F.col("PERIOD_OFFSET")  # negative: after the cut-off

    def within(measure: str, condition: F.Column) -> F.Column:
        return F.sum(F.when(condition, F.col(measure)).otherwise(F.lit(0)))

    totals = (
        periods.join(cutoffs, (relative >= F.lit(-horizon)) & (relative < F.lit(horizon)))
        .group_by("CUSTOMER_ID", "CUTOFF_DATE")
        .agg(
            within("SPEND", relative >= F.lit(0)).alias("PRIOR_SPEND"),
            within("SPEND", relative < F.lit(0)).alias("OUTCOME_SPEND"),
            within("APPROVED", relative < F.lit(inactivity - horizon)).alias("RECENT_APPROVED"),
        )
    )
    return churn_label(totals.filter(F.col("PRIOR_SPEND") > CENT), settings)


def feature_rows(features: DataFrame, labels: DataFrame) -> DataFrame:
    """CHURN_FEATURES rows: features with CHURN_LABEL where the cut-off has one (null for scoring cut-offs
    and for customers without a prior window)."""
    return features.join(labels.select("CUSTOMER_ID", "CUTOFF_DATE", "CHURN_LABEL"), ["CUSTOMER_ID", "CUTOFF_DATE"],
                         how="left").select(FEATURES_SCHEMA.names)


# --- training (pandas + scikit-learn on the customer-level frame) ------------------------------------

# The seed's bar for the held-out test metrics (seed 004 Phase 4A).
QUALITY_BAR: dict[str, float] = {"F1": 0.50, "PRECISION": 0.60, "RECALL": 0.40}
MIN_PRECISION = QUALITY_BAR["PRECISION"]  # the threshold rule: best F1 whose out-of-fold precision reaches this
TEST_SHARE = 0.25
CV_FOLDS = 5
TOP_FEATURE_COUNT = 10
IMPORTANCE_SAMPLE = 5_000  # training rows the permutation importance is measured on
ALGORITHM = "HistGradientBoostingClassifier"


def model_version(as_of: date, seed: int) -> str:
    """Deterministic version name: churn-<as_of yyyymmdd>-s<seed>."""
    return f"churn-{as_of:%Y%m%d}-s{seed}"


def make_classifier(seed: int) -> Any:
    """The churn classifier: shallow boosted trees, fixed iterations (no early stopping), seeded."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0,
        early_stopping=False, random_state=seed,
    )


def choose_threshold(labels: np.ndarray, scores: np.ndarray, min_precision: float = MIN_PRECISION) -> tuple[float, str]:
    """The probability cut-off with the best F1 among those with precision >= min_precision (best F1 overall if none)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]  # the last point (recall 0) has no threshold
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    allowed = precision >= min_precision
    rule = f"best out-of-fold F1 with out-of-fold precision >= {min_precision:.2f}"
    if not allowed.any():
        allowed = np.ones_like(allowed)
        rule = f"best out-of-fold F1 (no threshold reached out-of-fold precision {min_precision:.2f})"
    best = int(np.argmax(np.where(allowed, f1, -1.0)))
    return float(thresholds[best]), rule


def sampling_errors(matrix: dict[str, int]) -> tuple[int, int, float | None, float | None]:
    """(churners, flagged, recall standard error, precision standard error) of a test confusion matrix.

    Binomial standard errors: with the ~40 churners of a 200-customer world's test split (10 training
    cut-offs), recall moves by about 0.08 from one split to the next. None where there is nothing to divide by."""
    churners, flagged = matrix["tp"] + matrix["fn"], matrix["tp"] + matrix["fp"]

    def error(hits: int, total: int) -> float | None:
        return math.sqrt(hits / total * (1 - hits / total) / total) if total else None

    return churners, flagged, error(matrix["tp"], churners), error(matrix["tp"], flagged)


@dataclass
class TrainedChurnModel:
    """A fitted classifier with the evaluation that goes to GOLD.CHURN_MODEL_METRICS and the model store."""

    model: Any
    metadata: dict[str, Any]
    sample_input: pd.DataFrame = field(repr=False)


def sample_customers(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """At most about `max_rows` rows of `frame`, as all the rows of a seeded random sample of its customers
    (a customer's cut-offs stay together, as the customer-grouped splits need); `frame` itself when it fits."""
    if len(frame) <= max_rows:
        return frame
    customers = frame["CUSTOMER_ID"].drop_duplicates().sort_values()
    keep = customers.sample(frac=max_rows / len(frame), random_state=seed)
    return frame[frame["CUSTOMER_ID"].isin(keep)]


def training_examples(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Labeled rows of a CHURN_FEATURES frame in customer order: (X, y, customer ids)."""
    order = ["CUSTOMER_ID", "CUTOFF_DATE"] if "CUTOFF_DATE" in frame.columns else ["CUSTOMER_ID"]
    labeled = frame[frame["CHURN_LABEL"].notna()].sort_values(order).reset_index(drop=True)
    features = labeled[list(FEATURE_COLUMNS)].astype("float64")
    return features, labeled["CHURN_LABEL"].astype("int64").to_numpy(), labeled["CUSTOMER_ID"]


def train_churn_model(frame: pd.DataFrame, *, seed: int, as_of: date, cutoff: date, settings: ChurnSettings) -> TrainedChurnModel:
    """Fit on a stratified train split, pick the threshold on out-of-fold predictions, evaluate once on the test split."""
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime, so the limit below reaches it)
    from threadpoolctl import threadpool_limits

    # One thread: reproducible, and an OpenMP pool spinning beside a database's worker threads in the
    # same process (a procedure's runtime, the local engine) costs more than it gains.
    # threadpoolctl limits only the runtimes already loaded.
    with threadpool_limits(limits=1):
        return _train(frame, seed=seed, as_of=as_of, cutoff=cutoff, settings=settings)


def _train(frame: pd.DataFrame, *, seed: int, as_of: date, cutoff: date, settings: ChurnSettings) -> TrainedChurnModel:
    from sklearn.base import clone
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import (
        average_precision_score, confusion_matrix, f1_score, precision_score, recall_score, roc_auc_score,
    )
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

    available = len(frame)
    frame = sample_customers(frame, settings.max_training_rows, seed)
    features, labels, customers = training_examples(frame)
    positives, negatives = int(labels.sum()), int(len(labels) - labels.sum())
    if min(positives, negatives) < CV_FOLDS * 2:
        raise ValueError(
            f"too few labeled customers to train at cut-off {cutoff}: {positives} churned, {negatives} retained "
            f"(need at least {CV_FOLDS * 2} of each); generate more customers or a longer history"
        )
    # Split by customer, stratified: a customer's rows at several cut-offs are all in train or all in
    # test (and in one cross-validation fold), so no customer is scored on what the model saw of it.
    groups = customers.to_numpy()
    outer = StratifiedGroupKFold(n_splits=round(1 / TEST_SHARE), shuffle=True, random_state=seed)
    train_index, test_index = next(outer.split(features, labels, groups))
    x_train, x_test = features.iloc[train_index], features.iloc[test_index]
    y_train, y_test = labels[train_index], labels[test_index]
    train_groups = groups[train_index]
    folds = StratifiedGroupKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    classifier = make_classifier(seed)
    out_of_fold = cross_val_predict(clone(classifier), x_train, y_train, groups=train_groups, cv=folds,
                                    method="predict_proba")[:, 1]
    threshold, rule = choose_threshold(y_train, out_of_fold)
    fold_f1 = [
        f1_score(y_train[index], out_of_fold[index] >= threshold, zero_division=0)
        for _, index in folds.split(x_train, y_train, train_groups)
    ]
    model = clone(classifier).fit(x_train, y_train)
    # The test split is used once, here, with the threshold fixed above.
    test_scores = model.predict_proba(x_test)[:, 1]
    predicted = test_scores >= threshold
    # Importance from a bounded sample of the training rows: the ranking settles long before all of them.
    sample = np.random.default_rng(seed).permutation(len(y_train))[:IMPORTANCE_SAMPLE]
    importance = permutation_importance(
        model, x_train.iloc[sample], y_train[sample], scoring="average_precision", n_repeats=5, random_state=seed
    )
    ranked = sorted(zip(FEATURE_COLUMNS, importance.importances_mean), key=lambda item: (-item[1], item[0]))
    metrics = {
        "n_labeled": len(labels),
        "n_labeled_available": available,
        "n_customers": int(len(np.unique(groups))),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "positive_rate": round(float(labels.mean()), 6),
        "f1": round(float(f1_score(y_test, predicted, zero_division=0)), 6),
        "precision": round(float(precision_score(y_test, predicted, zero_division=0)), 6),
        "recall": round(float(recall_score(y_test, predicted, zero_division=0)), 6),
        "roc_auc": round(float(roc_auc_score(y_test, test_scores)), 6),
        "pr_auc": round(float(average_precision_score(y_test, test_scores)), 6),
        "threshold": round(threshold, 6),
        "threshold_rule": rule,
        "confusion_matrix": {
            key: int(value)
            for key, value in zip(("tn", "fp", "fn", "tp"), confusion_matrix(y_test, predicted, labels=[0, 1]).ravel())
        },
        "cv_f1_mean": round(float(np.mean(fold_f1)), 6),
        "cv_f1_std": round(float(np.std(fold_f1)), 6),
        "top_features": [
            {"feature": name, "importance": round(float(value), 6)} for name, value in ranked[:TOP_FEATURE_COUNT]
        ],
    }
    metadata = {
        "version": model_version(as_of, seed),
        "algorithm": ALGORITHM,
        "as_of_date": as_of.isoformat(),
        "cutoff_date": cutoff.isoformat(),
        "training_cutoffs": sorted({str(day)[:10] for day in frame["CUTOFF_DATE"]}) if "CUTOFF_DATE" in frame else
        [cutoff.isoformat()],
        "seed": seed,
        "features": list(FEATURE_COLUMNS),
        "label": {
            "horizon_days": settings.horizon_days,
            "inactivity_days": settings.inactivity_days,
            "decline_pct": settings.decline_pct,
        },
        "min_precision": MIN_PRECISION,
        "hyperparameters": {k: v for k, v in classifier.get_params().items() if isinstance(v, (int, float, str, bool))},
        **metrics,
    }
    return TrainedChurnModel(model=model, metadata=metadata, sample_input=x_train.head(10).reset_index(drop=True))


def metrics_row(metadata: dict[str, Any], trained_at: datetime) -> pd.DataFrame:
    """The GOLD.CHURN_MODEL_METRICS row of a trained model (one row per model version)."""
    return pd.DataFrame(
        [
            {
                "MODEL_VERSION": metadata["version"],
                "TRAINED_AT": trained_at,
                "CUTOFF_DATE": date.fromisoformat(metadata["cutoff_date"]),
                "AS_OF_DATE": date.fromisoformat(metadata["as_of_date"]),
                "N_TRAIN": metadata["n_train"],
                "N_TEST": metadata["n_test"],
                "POSITIVE_RATE": metadata["positive_rate"],
                "F1": metadata["f1"],
                "PRECISION": metadata["precision"],
                "RECALL": metadata["recall"],
                "ROC_AUC": metadata["roc_auc"],
                "PR_AUC": metadata["pr_auc"],
                "THRESHOLD": metadata["threshold"],
                "CONFUSION_MATRIX": json.dumps(metadata["confusion_matrix"], sort_keys=True),
                "TOP_FEATURES": json.dumps(metadata["top_features"]),
                "CV_F1_MEAN": metadata["cv_f1_mean"],
                "CV_F1_STD": metadata["cv_f1_std"],
                "FEATURE_COUNT": len(metadata["features"]),
                "ALGORITHM": metadata["algorithm"],
                "SEED": metadata["seed"],
                "N_LABELED": metadata["n_labeled"],
                "HORIZON_DAYS": metadata["label"]["horizon_days"],
                "INACTIVITY_DAYS": metadata["label"]["inactivity_days"],
                "DECLINE_PCT": metadata["label"]["decline_pct"],
                "MIN_PRECISION": metadata["min_precision"],
                "THRESHOLD_RULE": metadata["threshold_rule"],
                "TRAINING_CUTOFFS": json.dumps(metadata.get("training_cutoffs", [metadata["cutoff_date"]])),
            }
        ]
    )


@dataclass(frozen=True)
class RetrainDecision:
    """Whether the train step fits a new model, and why."""

    train: bool
    reason: str


def retrain_decision(current: dict[str, Any] | None, as_of: date, settings: ChurnSettings, force: bool) -> RetrainDecision:
    """Train when forced, when there is no model, when its features differ, or when it is retrain_after_days old (by as_of)."""
    if force:
        return RetrainDecision(True, "retraining was requested")
    if current is None:
        return RetrainDecision(True, "no churn model yet")
    if list(current.get("features", [])) != list(FEATURE_COLUMNS):
        return RetrainDecision(True, f"model {current['version']} was trained on a different feature set")
    age = (as_of - date.fromisoformat(str(current["as_of_date"]))).days
    if age >= settings.retrain_after_days:
        return RetrainDecision(True, f"model {current['version']} is {age} days old (retrain after {settings.retrain_after_days})")
    return RetrainDecision(
        False,
        f"reusing model {current['version']}: {age} days old, retrained every {settings.retrain_after_days} days "
        "(pass --retrain to force)",
    )


# --- scoring ---------------------------------------------------------------------------------------

def risk_category(scores: np.ndarray | pd.Series, settings: ChurnSettings) -> np.ndarray:
    """Low / Medium / High Risk of 0-100 scores by the configured thresholds (a threshold belongs to the higher band)."""
    values = np.asarray(scores, dtype="float64")
    low, medium, high = RISK_CATEGORIES
    return np.where(values >= settings.high_risk_score, high, np.where(values >= settings.medium_risk_score, medium, low))


def churn_predictions(features: pd.DataFrame, probabilities: np.ndarray, *, threshold: float, version: str,
                      prediction_date: date, settings: ChurnSettings) -> pd.DataFrame:
    """GOLD.CHURN_PREDICTIONS rows: one per customer of the scoring frame for prediction_date."""
    probability = np.clip(np.asarray(probabilities, dtype="float64"), 0.0, 1.0)
    score = np.round(100.0 * probability, 1)
    return pd.DataFrame(
        {
            "CUSTOMER_ID": features["CUSTOMER_ID"].to_numpy(),
            "PREDICTION_DATE": prediction_date,
            "CHURN_PROBABILITY": probability,
            "CHURN_RISK_SCORE": score,
            "CHURN_RISK_CATEGORY": risk_category(score, settings),
            "IS_PREDICTED_CHURN": probability >= threshold,
            "MODEL_VERSION": version,
        }
    )


def churn_probabilities(model: Any, features: pd.DataFrame, feature_columns: list[str]) -> np.ndarray:
    """The model's churn probability for every row of a feature frame (columns in the model's order)."""
    missing = [c for c in feature_columns if c not in features.columns]
    if missing:
        raise ValueError(f"the feature frame lacks {', '.join(missing)}; retrain the model (c360 run --retrain)")
    return model.predict_proba(features[feature_columns].astype("float64"))[:, 1]


# --- contracts -------------------------------------------------------------------------------------

def _out_of_range(column: str, low: float, high: float) -> Check:
    return Check(
        f"{column}.between({low:g},{high:g})", "error", description=f"{column} is between {low:g} and {high:g}",
        condition=F.col(column).is_not_null() & outside(column, low, high),
    )


def _null_feature() -> F.Column:
    """Feature rows with any null feature (the model needs every value)."""
    # A row has a null feature when the count of its non-null features falls short of all of them.
    present = [F.iff(F.col(name).is_null(), F.lit(0), F.lit(1)) for name in FEATURE_COLUMNS]
    return _balanced_sum(present) < F.lit(len(FEATURE_COLUMNS))


def _balanced_sum(terms: list[F.Column]) -> F.Column:
    """Terms added pairwise, so the expression is log2(n) deep (SQL parsers bound nesting depth)."""
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "GOLD", "CHURN_FEATURES", "one row per customer per feature cut-off date",
        primary_key=("CUSTOMER_ID", "CUTOFF_DATE"),
        not_null=("CUSTOMER_ID", "CUTOFF_DATE"),
        accepted_values={"CHURN_LABEL": (0, 1)},
        relationships={"CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID")},
        invariants=(
            Check("CHURN_FEATURES.no_null_features", "error", description="every feature has a value",
                  condition=_null_feature()),
            *(_out_of_range(f"{g.upper()}_SHARE", 0.0, 1.0) for g in ("travel", "necessities")),
        ),
    ),
    TableContract(
        "GOLD", "CHURN_PREDICTIONS", "one row per customer per prediction date",
        primary_key=("CUSTOMER_ID", "PREDICTION_DATE"),
        not_null=("CUSTOMER_ID", "PREDICTION_DATE", "CHURN_PROBABILITY", "CHURN_RISK_SCORE", "CHURN_RISK_CATEGORY",
                  "IS_PREDICTED_CHURN", "MODEL_VERSION"),
        accepted_values={"CHURN_RISK_CATEGORY": RISK_CATEGORIES},
        relationships={
            "CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID"),
            "MODEL_VERSION": ("GOLD", "CHURN_MODEL_METRICS", "MODEL_VERSION"),
        },
        invariants=(_out_of_range("CHURN_PROBABILITY", 0.0, 1.0), _out_of_range("CHURN_RISK_SCORE", 0.0, 100.0)),
    ),
    TableContract(
        "GOLD", "CHURN_MODEL_METRICS", "one row per trained model version",
        primary_key=("MODEL_VERSION",),
        not_null=("MODEL_VERSION", "TRAINED_AT", "CUTOFF_DATE", "AS_OF_DATE", "N_TRAIN", "N_TEST", "F1", "PRECISION",
                  "RECALL", "ROC_AUC", "PR_AUC", "THRESHOLD", "FEATURE_COUNT", "ALGORITHM"),
        invariants=tuple(
            _out_of_range(column, 0.0, 1.0)
            for column in ("POSITIVE_RATE", "F1", "PRECISION", "RECALL", "ROC_AUC", "PR_AUC", "THRESHOLD")
        ),
    ),
)


# --- step runners ----------------------------------------------------------------------------------

def resolve_as_of(warehouse: Warehouse, cfg: PipelineConfig) -> date:
    """The run's as_of: the configured day, else the last transaction day in the fact (never the clock)."""
    if cfg.as_of is not None:
        return cfg.as_of
    last = warehouse.read("GOLD", "FCT_TRANSACTIONS").agg(F.max(F.to_date("TRANSACTION_DATE")).alias("D")).collect()[0]["D"]
    if last is None:
        raise ConfigError("setting 'as_of' is required: GOLD.FCT_TRANSACTIONS is empty; pass --as-of YYYY-MM-DD")
    return last


def replace_rows(warehouse: Warehouse, rows: DataFrame, table: str, column: str, values: list[Any]) -> int:
    """Write rows into GOLD.<table> in place of the rows whose `column` is in `values` (re-runs never duplicate)."""
    if not warehouse.exists("GOLD", table):
        return warehouse.write(rows, "GOLD", table)
    existing = warehouse.read("GOLD", table)
    if [f.name for f in existing.schema.fields] != [f.name for f in rows.schema.fields]:
        # The columns changed (a new feature set): rows of the old layout cannot be kept beside the new.
        return warehouse.write(rows, "GOLD", table)
    warehouse.session.table(warehouse.name("GOLD", table)).delete(F.col(column).isin(values))
    return warehouse.write(rows, "GOLD", table, mode="append")


def run_churn_features(session: Session, cfg: PipelineConfig) -> StepResult:
    """GOLD.CHURN_FEATURES rows at as_of (for scoring) and, when a model is due, at the training cut-offs (with labels).

    Training is monthly (`churn.retrain_after_days`), so on the other nights only the scoring cut-off's
    features are computed: the train step will reuse the current model.
    """
    from c360_pipeline.model_store import store_for

    started = time.perf_counter()
    check_settings(cfg.churn)
    warehouse = Warehouse.of(session, cfg)
    as_of = resolve_as_of(warehouse, cfg)
    decision = retrain_decision(store_for(session, cfg).latest(on_or_before=as_of), as_of, cfg.churn, cfg.retrain)
    length = period_length(cfg.churn)
    transactions = classified_transactions(warehouse.read("GOLD", "FCT_TRANSACTIONS"),
                                           warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY"))
    # Read by the features, the labels and the history check below: computed once.
    periods = period_totals(transactions, as_of, length).cache_result()
    cutoffs = training_cutoffs(as_of, cfg.churn) if decision.train else []
    # A cut-off whose six-month look-back starts before the data would teach the model that everyone's
    # history is short; the latest is kept regardless (a young warehouse still gets a model).
    oldest = periods.agg(F.max("PERIOD").alias("P")).collect()[0]["P"]
    history = int(oldest) + 1 if oldest is not None else 0
    short = [c for c in cutoffs[1:] if (as_of - c).days // length + MONTHS * MONTH_DAYS // length > history]
    cutoffs = [c for c in cutoffs if c not in short]
    training = warehouse.dataframe(cutoff_table(cutoffs, as_of, length, cfg.churn.horizon_days), CUTOFFS_SCHEMA)
    every = warehouse.dataframe(cutoff_table([*cutoffs, as_of], as_of, length), CUTOFFS_SCHEMA)
    customers = warehouse.read("GOLD", "DIM_CUSTOMER")
    features = churn_features(window_totals(periods, every, length), customers_at(customers, every))
    rows = feature_rows(features, churn_labels(periods, training, cfg.churn, length))
    written = replace_rows(warehouse, rows, "CHURN_FEATURES", "CUTOFF_DATE", [*cutoffs, as_of])
    counts = {
        row["CUTOFF_DATE"]: row
        for row in warehouse.read("GOLD", "CHURN_FEATURES")
        .filter(F.col("CUTOFF_DATE").isin([*cutoffs, as_of]))
        .group_by("CUTOFF_DATE")
        .agg(F.count(F.lit(1)).alias("N"), F.count("CHURN_LABEL").alias("LABELED"), F.sum("CHURN_LABEL").alias("CHURNED"))
        .collect()
    }
    training_rows = sum(int(counts[c]["N"]) for c in cutoffs if c in counts)
    labeled = sum(int(counts[c]["LABELED"]) for c in cutoffs if c in counts)
    churned = sum(int(counts[c]["CHURNED"] or 0) for c in cutoffs if c in counts)
    scoring_rows = int(counts[as_of]["N"]) if as_of in counts else 0
    training_text = (
        f"{training_rows} customer rows at {len(cutoffs)} training cut-off(s) {cutoffs[-1]}..{cutoffs[0]} "
        f"({labeled} labeled, {churned} churned, {training_rows - labeled} without a prior window"
        + (f"; {len(short)} earlier cut-off(s) left out: the data starts less than {MONTHS * MONTH_DAYS} days "
           f"before them" if short else "")
        + ") and "
        if decision.train else f"no training rows ({decision.reason}); "
    )
    return StepResult(
        "churn_features",
        rows_in=training_rows + scoring_rows,
        rows_out=written,
        seconds=time.perf_counter() - started,
        message=f"{training_text}{scoring_rows} customers at {as_of}; {len(FEATURE_COLUMNS)} features",
        details={
            "cutoff_date": cutoffs[0] if decision.train else None, "training_cutoffs": cutoffs,
            "cutoffs_without_history": short,
            "as_of_date": as_of, "labeled": labeled,
            "churned": churned, "training_rows": decision.train,
        },
    )


def run_train_churn_model(session: Session, cfg: PipelineConfig) -> StepResult:
    """Train, evaluate and store the churn model when due (monthly by as_of) or forced; else reuse the current one."""
    from c360_pipeline.model_store import store_for

    started = time.perf_counter()
    check_settings(cfg.churn)
    warehouse = Warehouse.of(session, cfg)
    as_of = resolve_as_of(warehouse, cfg)
    cutoff = training_cutoff(as_of, cfg.churn)
    store = store_for(session, cfg)
    decision = retrain_decision(store.latest(on_or_before=as_of), as_of, cfg.churn, cfg.retrain)
    if not decision.train:
        # Reusing the current model is this step succeeding (scoring goes on with it); "skipped" means
        # "not run because an upstream step failed" and would stop the steps downstream.
        return StepResult("train_churn_model", status="succeeded", seconds=time.perf_counter() - started,
                          message=decision.reason, details={"reused_model": True})
    frame = (
        warehouse.read("GOLD", "CHURN_FEATURES")
        .filter(F.col("CUTOFF_DATE").isin(training_cutoffs(as_of, cfg.churn)) & F.col("CHURN_LABEL").is_not_null())
    )
    frame = frame.to_pandas()
    if frame.empty:
        raise LookupError(
            f"GOLD.CHURN_FEATURES has no labeled rows at cut-off {cutoff}; run the churn_features step for as_of {as_of} first"
        )
    trained = train_churn_model(frame, seed=cfg.seed, as_of=as_of, cutoff=cutoff, settings=cfg.churn)
    trained_at = datetime.now().replace(microsecond=0)
    trained.metadata["trained_at"] = trained_at.isoformat()
    version = store.save(trained.model, trained.metadata, trained.sample_input)
    replace_rows(warehouse, warehouse.dataframe(metrics_row(trained.metadata, trained_at), METRICS_SCHEMA),
                 "CHURN_MODEL_METRICS", "MODEL_VERSION", [version])
    m = trained.metadata
    return StepResult(
        "train_churn_model",
        rows_in=len(frame),
        rows_out=1,
        seconds=time.perf_counter() - started,
        message=(
            f"trained {version} ({decision.reason}): held-out F1 {m['f1']:.3f}, precision {m['precision']:.3f}, "
            f"recall {m['recall']:.3f}, ROC AUC {m['roc_auc']:.3f} on {m['n_test']} customers; threshold {m['threshold']:.3f}"
            + _sampling_text(m["confusion_matrix"])
        ),
        details={k: m[k] for k in ("version", "f1", "precision", "recall", "roc_auc", "pr_auc", "threshold",
                                   "n_train", "n_test", "positive_rate", "cv_f1_mean", "cv_f1_std")},
    )


def _sampling_text(matrix: dict[str, int]) -> str:
    churners, _, recall_se, _ = sampling_errors(matrix)
    if recall_se is None:
        return "; no churners in the test split: generate more customers"
    return f"; {churners} churners in the test split (recall +/- {recall_se:.2f})"


def run_score_churn(session: Session, cfg: PipelineConfig) -> StepResult:
    """GOLD.CHURN_PREDICTIONS for every current customer at as_of, from the features at as_of and the current model."""
    from c360_pipeline.model_store import ModelNotFound, store_for

    started = time.perf_counter()
    check_settings(cfg.churn)
    warehouse = Warehouse.of(session, cfg)
    as_of = resolve_as_of(warehouse, cfg)
    store = store_for(session, cfg)
    current = store.latest(on_or_before=as_of)
    if current is None:
        raise ModelNotFound(f"no churn model trained on or before {as_of}; run the train_churn_model step first")
    model, metadata = store.load(str(current["version"]))
    features = (
        warehouse.read("GOLD", "CHURN_FEATURES").filter(F.col("CUTOFF_DATE") == F.lit(as_of)).to_pandas()
        .sort_values("CUSTOMER_ID").reset_index(drop=True)
    )
    if features.empty:
        raise LookupError(f"GOLD.CHURN_FEATURES has no rows at {as_of}; run the churn_features step first")
    probabilities = churn_probabilities(model, features, list(metadata["features"]))
    predictions = churn_predictions(
        features, probabilities, threshold=float(metadata["threshold"]), version=str(metadata["version"]),
        prediction_date=as_of, settings=cfg.churn,
    )
    written = replace_rows(warehouse, warehouse.dataframe(predictions, PREDICTIONS_SCHEMA), "CHURN_PREDICTIONS",
                           "PREDICTION_DATE", [as_of])
    by_category = predictions["CHURN_RISK_CATEGORY"].value_counts().reindex(list(RISK_CATEGORIES), fill_value=0)
    return StepResult(
        "score_churn",
        rows_in=len(features),
        rows_out=written,
        seconds=time.perf_counter() - started,
        message=(
            f"{written} customers scored with {metadata['version']}: "
            + ", ".join(f"{int(n)} {name}" for name, n in by_category.items())
            + f"; {int(predictions['IS_PREDICTED_CHURN'].sum())} predicted to churn"
        ),
        details={"model_version": metadata["version"], "by_category": {k: int(v) for k, v in by_category.items()}},
    )
