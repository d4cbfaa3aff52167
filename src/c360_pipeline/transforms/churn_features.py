"""Churn features and labels: point-in-time, for every cut-off in one frame.

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

import math
from datetime import date, timedelta

import pandas as pd
from snowflake.snowpark import DataFrame
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from c360_pipeline.catalog import (
    CARD_TYPES,
    EMPLOYMENT_STATUSES,
    PREMIUM_CARD_TYPES,
)
from c360_pipeline.config import ChurnSettings, ConfigError

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
    """One row per transaction: CUSTOMER_ID, TRANSACTION_DAY, AMOUNT (NUMBER: money is summed exactly, in any
    order, and becomes a double only as a feature), STATUS, CHANNEL and SPENDING_GROUP (the merchant
    category's group; a group outside SPENDING_GROUPS counts as services, the last)."""
    group = F.col("CATEGORY_GROUP")
    known = F.when(group.isin(list(SPENDING_GROUPS)), group).otherwise(F.lit(SPENDING_GROUPS[-1]))
    return transactions.join(
        categories.select("MERCHANT_CATEGORY_KEY", known.alias("SPENDING_GROUP")), "MERCHANT_CATEGORY_KEY"
    ).select(
        "CUSTOMER_ID", F.to_date("TRANSACTION_DATE").alias("TRANSACTION_DAY"),
        F.col("TRANSACTION_AMOUNT").alias("AMOUNT"), "STATUS", "CHANNEL", "SPENDING_GROUP",
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
    approved_amount = F.when(_APPROVED, F.col("AMOUNT")).otherwise(F.lit(0))
    approved_count = F.when(_APPROVED, F.lit(1)).otherwise(F.lit(0))
    return (
        transactions.filter(days_before >= 0)
        .with_column("PERIOD", F.floor(days_before / F.lit(length)).cast(LongType()))
        .group_by("CUSTOMER_ID", "PERIOD")
        .agg(
            F.sum(approved_amount).alias("SPEND"),
            *[F.sum(F.when(_APPROVED & (F.col("SPENDING_GROUP") == F.lit(g)), F.col("AMOUNT")).otherwise(F.lit(0)))
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


def feature_rows(features: DataFrame, labels: DataFrame | None) -> DataFrame:
    """CHURN_FEATURES rows: features with CHURN_LABEL where the cut-off has one (null for scoring cut-offs
    and for customers without a prior window; null throughout when there are no training cut-offs, `labels` None)."""
    if labels is None:
        return features.with_column("CHURN_LABEL", F.lit(None).cast(LongType())).select(FEATURES_SCHEMA.names)
    return features.join(labels.select("CUSTOMER_ID", "CUTOFF_DATE", "CHURN_LABEL"), ["CUSTOMER_ID", "CUTOFF_DATE"],
                         how="left").select(FEATURES_SCHEMA.names)
