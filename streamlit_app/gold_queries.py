"""What the app reads, as pure functions: the requests a tab makes, the Snowpark queries that answer them
(the same on both engines, user values only ever `F.lit` values) and the shaping of their small results.

Each query asks the warehouse for what a tab shows and no more: filters and searches run in the query on
the profile (one row per customer), totals and chart figures come back aggregated, lists come back LIMITed
together with the count of every match, and one customer's card history and transactions are read by key.
A search matches its text as a literal substring (`CONTAINS` on lower-cased values), never as a pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce
from typing import Iterable, Sequence

import pandas as pd
from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F

GOLD = "GOLD"
PROFILE = "CUSTOMER_360_PROFILE"
DIM_CUSTOMER = "DIM_CUSTOMER"
FCT_TRANSACTIONS = "FCT_TRANSACTIONS"
DIM_MERCHANT_CATEGORY = "DIM_MERCHANT_CATEGORY"
REQUIRED_TABLES = (PROFILE, DIM_CUSTOMER, FCT_TRANSACTIONS, DIM_MERCHANT_CATEGORY)
TRANSACTION_LIMIT = 1000
LIST_LIMIT = 1000  # customers listed on screen; a download holds every customer selected

# Display order of the categorical values (values found in the data but not listed here come after).
SEGMENT_ORDER = ("High-Value Travelers", "Declining", "New & Growing", "Budget-Conscious", "Stable Mid-Spenders")
RISK_ORDER = ("Low Risk", "Medium Risk", "High Risk")
CARD_ORDER = ("Standard", "Gold", "Premium", "Platinum")
NOT_SCORED = "Not scored"

HISTORY_COLUMNS = ("CUSTOMER_KEY", "CARD_TYPE", "CREDIT_LIMIT", "VALID_FROM", "VALID_TO", "IS_CURRENT")
FACT_COLUMNS = (
    "TRANSACTION_ID", "CUSTOMER_ID", "TRANSACTION_DATE", "MERCHANT_NAME", "MERCHANT_CATEGORY_KEY",
    "MERCHANT_CATEGORY", "TRANSACTION_AMOUNT", "CHANNEL", "STATUS",
)
TRANSACTION_COLUMNS = (
    "TRANSACTION_ID", "TRANSACTION_DATE", "MERCHANT_NAME", "MERCHANT_CATEGORY", "CATEGORY_GROUP",
    "TRANSACTION_AMOUNT", "CHANNEL", "STATUS",
)
SEARCH_COLUMNS = ("CUSTOMER_ID", "FULL_NAME", "EMAIL")
FACET_COLUMNS = ("CUSTOMER_SEGMENT", "STATE", "CHURN_RISK_CATEGORY", "CARD_TYPE")
SUMMARY_COLUMNS = ("CUSTOMER_SEGMENT", "STATE", "CHURN_RISK_CATEGORY")

# A list's order: (column, descending) pairs, nulls last; CUSTOMER_ID last makes every order total.
Ordering = tuple[tuple[str, bool], ...]
BY_LIFETIME_VALUE: Ordering = (("LIFETIME_VALUE", True), ("CUSTOMER_ID", False))
BY_CHURN_RISK: Ordering = (("CHURN_RISK_SCORE", True), ("LIFETIME_VALUE", True), ("CUSTOMER_ID", False))



# --- what a tab asks for ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFilter:
    """A selection of customers from the profile: every non-empty field narrows it (empty means all).

    `risk_categories` may hold NOT_SCORED for customers without a churn prediction; `ltv_range` is
    inclusive and counts a customer without approved spend as $0 of lifetime value.
    """

    segments: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    risk_categories: tuple[str, ...] = ()
    card_types: tuple[str, ...] = ()
    ltv_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("segments", "states", "risk_categories", "card_types"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))
        if self.ltv_range is not None:
            object.__setattr__(self, "ltv_range", tuple(self.ltv_range))


@dataclass(frozen=True)
class ProfileFacets:
    """What the filters offer and the header shows: customers, values present, lifetime-value bounds."""

    customers: int
    as_of: date | None
    segments: tuple[str, ...]
    states: tuple[str, ...]
    risk_categories: tuple[str, ...]  # with NOT_SCORED last when some customers have no churn score
    card_types: tuple[str, ...]
    ltv_bounds: tuple[int, int]  # whole dollars containing every customer's lifetime value


@dataclass(frozen=True)
class SelectionSummary:
    """Totals of a selection, and its customers counted per segment, state and churn-risk category."""

    customers: int
    total_ltv: float
    average_ltv: float | None  # None for an empty selection
    average_risk_score: float | None  # over the scored customers; None when none is scored
    groups: pd.DataFrame = field(repr=False)  # SUMMARY_COLUMNS + CUSTOMERS, LIFETIME_VALUE, SCORED, RISK_SCORE_SUM


@dataclass(frozen=True)
class CustomerSelection:
    """A selection's summary and the first customers of its list (at most the limit asked for)."""

    summary: SelectionSummary
    customers: pd.DataFrame

    @property
    def complete(self) -> bool:
        """True when the list holds every customer selected."""
        return len(self.customers) >= self.summary.customers


@dataclass(frozen=True)
class CustomerMatches:
    """Customers found by a search: how many match, and the first of them by ID (ID, name, email)."""

    total: int
    customers: pd.DataFrame


@dataclass(frozen=True)
class CustomerView:
    """One customer as Customer 360 shows them: profile row, SCD2 versions, most recent transactions."""

    profile: pd.Series
    history: pd.DataFrame
    transactions: pd.DataFrame


# --- Snowpark queries (the same on both engines) ---------------------------------------------------------


def _lifetime_value() -> Column:
    # A customer without approved spend has no lifetime value yet: that is $0, not "unknown".
    return F.coalesce(F.col("LIFETIME_VALUE"), F.lit(0))


def customer_filter_condition(selection: CustomerFilter) -> Column | None:
    """The selection as one condition on the profile's columns (None when it selects everyone)."""
    conditions: list[Column] = []
    if selection.segments:
        conditions.append(F.col("CUSTOMER_SEGMENT").isin(list(selection.segments)))
    if selection.states:
        conditions.append(F.col("STATE").isin(list(selection.states)))
    if selection.risk_categories:
        named = [r for r in selection.risk_categories if r != NOT_SCORED]
        options = [F.col("CHURN_RISK_CATEGORY").isin(named)] if named else []
        if NOT_SCORED in selection.risk_categories:
            options.append(F.col("CHURN_RISK_CATEGORY").is_null())
        conditions.append(reduce(lambda a, b: a | b, options))
    if selection.card_types:
        conditions.append(F.col("CARD_TYPE").isin(list(selection.card_types)))
    if selection.ltv_range is not None:
        low, high = selection.ltv_range
        conditions.append(_lifetime_value().between(F.lit(low), F.lit(high)))
    return reduce(lambda a, b: a & b, conditions) if conditions else None


def selected_customers(profile: DataFrame, selection: CustomerFilter) -> DataFrame:
    """The profile's rows in the selection: one row per customer."""
    condition = customer_filter_condition(selection)
    return profile if condition is None else profile.filter(condition)


def profile_facets_query(profile: DataFrame) -> DataFrame:
    """Customers per (segment, state, risk category, card type) with their lifetime-value range and as-of date."""
    return profile.group_by(*FACET_COLUMNS).agg(
        F.count(F.lit(1)).alias("CUSTOMERS"),
        F.min(_lifetime_value()).alias("LTV_MIN"),
        F.max(_lifetime_value()).alias("LTV_MAX"),
        F.max("AS_OF_DATE").alias("AS_OF_DATE"),
    )


def selection_summary_query(profile: DataFrame, selection: CustomerFilter) -> DataFrame:
    """The selection counted per (segment, state, risk category): customers, lifetime value, churn scores."""
    return selected_customers(profile, selection).group_by(*SUMMARY_COLUMNS).agg(
        F.count(F.lit(1)).alias("CUSTOMERS"),
        F.sum(_lifetime_value()).alias("LIFETIME_VALUE"),
        F.count("CHURN_RISK_SCORE").alias("SCORED"),
        F.sum("CHURN_RISK_SCORE").alias("RISK_SCORE_SUM"),
    )


def customer_list_query(
    profile: DataFrame, selection: CustomerFilter, columns: Sequence[str], order: Ordering, limit: int | None
) -> DataFrame:
    """The selection's customers in `order`, with only `columns`, the first `limit` of them (None: all)."""
    keys = [F.col(name).desc_nulls_last() if descending else F.col(name).asc_nulls_last() for name, descending in order]
    ordered = selected_customers(profile, selection).select(*columns).sort(*keys)
    return ordered if limit is None else ordered.limit(limit)


def customer_search_query(
    profile: DataFrame, text: str, columns: Sequence[str] = SEARCH_COLUMNS, limit: int = 200
) -> DataFrame:
    """Customers whose `columns` contain `text` (literal, case-insensitive), first `limit` by ID, with MATCHES.

    MATCHES is the number of all matching customers (a window over the matches, before the LIMIT).
    Empty text matches everyone.
    """
    found = profile
    if text:
        needle = F.lower(F.lit(text))
        found = profile.filter(reduce(lambda a, b: a | b, [F.contains(F.lower(F.col(c)), needle) for c in columns]))
    return (
        found.select(*SEARCH_COLUMNS, F.count(F.lit(1)).over().alias("MATCHES"))
        .sort(F.col("CUSTOMER_ID"))
        .limit(limit)
    )


def customer_profile_query(profile: DataFrame, customer_id: str) -> DataFrame:
    """One customer's profile row, read by key."""
    return profile.filter(F.col("CUSTOMER_ID") == F.lit(customer_id)).limit(1)


def customer_history_query(dim_customer: DataFrame, customer_id: str) -> DataFrame:
    """One customer's card type / credit-limit versions from the SCD2 dimension: one row per validity interval."""
    return (
        dim_customer.filter(F.col("CUSTOMER_ID") == F.lit(customer_id))
        .select(*HISTORY_COLUMNS)
        .sort(F.col("VALID_FROM"), F.col("CUSTOMER_KEY"))
    )


def customer_transactions_query(
    fact: DataFrame, categories: DataFrame, customer_id: str, limit: int = TRANSACTION_LIMIT
) -> DataFrame:
    """One customer's most recent transactions with their category group: one row per transaction."""
    recent = (
        fact.filter(F.col("CUSTOMER_ID") == F.lit(customer_id))
        .select(*FACT_COLUMNS)
        .sort(F.col("TRANSACTION_DATE").desc(), F.col("TRANSACTION_ID").desc())
        .limit(limit)
    )
    groups = categories.select("MERCHANT_CATEGORY_KEY", "CATEGORY_GROUP")
    return recent.join(groups, "MERCHANT_CATEGORY_KEY", how="left").select(*TRANSACTION_COLUMNS)


# --- pandas helpers (pure, on the small frames the queries return) --------------------------------------


def plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """NUMBER(p,s) columns may arrive as Decimal objects; the app computes and charts in float."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            sample = out[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                out[column] = out[column].astype("float64")
    return out


def ordered_values(values: Iterable[object], order: Sequence[str] = ()) -> list[str]:
    """Distinct non-null values: those in `order` first, in that order, then the rest sorted."""
    present = {str(v) for v in values if v is not None and not pd.isna(v)}
    return [v for v in order if v in present] + sorted(present - set(order))


def profile_facets(groups: pd.DataFrame) -> ProfileFacets:
    """The facets from `profile_facets_query`'s rows (a few thousand at most, whatever the customer count)."""
    risks = ordered_values(groups["CHURN_RISK_CATEGORY"], RISK_ORDER)
    if groups["CHURN_RISK_CATEGORY"].isna().any():
        risks.append(NOT_SCORED)
    if groups.empty:
        bounds = (0, 1)
    else:
        low, high = math.floor(float(groups["LTV_MIN"].min())), math.ceil(float(groups["LTV_MAX"].max()))
        bounds = (low, max(high, low + 1))
    as_of = groups["AS_OF_DATE"].dropna().max() if len(groups) else None
    return ProfileFacets(
        customers=int(groups["CUSTOMERS"].sum()),
        as_of=None if as_of is None or pd.isna(as_of) else as_of,
        segments=tuple(ordered_values(groups["CUSTOMER_SEGMENT"], SEGMENT_ORDER)),
        states=tuple(ordered_values(groups["STATE"])),
        risk_categories=tuple(risks),
        card_types=tuple(ordered_values(groups["CARD_TYPE"], CARD_ORDER)),
        ltv_bounds=bounds,
    )


def selection_summary(groups: pd.DataFrame) -> SelectionSummary:
    """Totals from `selection_summary_query`'s rows."""
    customers = int(groups["CUSTOMERS"].sum())
    total = float(groups["LIFETIME_VALUE"].sum())
    scored = int(groups["SCORED"].sum())
    return SelectionSummary(
        customers=customers,
        total_ltv=total,
        average_ltv=total / customers if customers else None,
        average_risk_score=float(groups["RISK_SCORE_SUM"].sum()) / scored if scored else None,
        groups=groups,
    )


def filter_transactions(
    transactions: pd.DataFrame,
    start: date | None = None,
    end: date | None = None,
    groups: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> pd.DataFrame:
    """Transactions on days start..end (inclusive) in the chosen groups and categories (empty = all)."""
    day = pd.to_datetime(transactions["TRANSACTION_DATE"]).dt.date
    keep = pd.Series(True, index=transactions.index)
    if start is not None:
        keep &= day >= start
    if end is not None:
        keep &= day <= end
    if groups:
        keep &= transactions["CATEGORY_GROUP"].isin(list(groups))
    if categories:
        keep &= transactions["MERCHANT_CATEGORY"].isin(list(categories))
    return transactions[keep]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame exactly as shown, as UTF-8 CSV with a header row and no index."""
    return frame.to_csv(index=False).encode("utf-8")


def sorted_transactions(frame: pd.DataFrame) -> pd.DataFrame:
    """Transactions newest first, with the columns Customer 360 shows and dates as timestamps."""
    out = plain_numbers(frame)
    out["TRANSACTION_DATE"] = pd.to_datetime(out["TRANSACTION_DATE"])
    out = out.sort_values(["TRANSACTION_DATE", "TRANSACTION_ID"], ascending=False, kind="stable")
    return out[list(TRANSACTION_COLUMNS)].reset_index(drop=True)
