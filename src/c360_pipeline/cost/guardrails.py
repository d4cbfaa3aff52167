"""The arithmetic of the cost guardrails, free of sessions: projection, budget status, spikes, apportioning, tags."""

from __future__ import annotations

import calendar
import json
from datetime import date

import pandas as pd

# Credits per hour a standard warehouse of each size bills while it runs.
CREDITS_PER_HOUR: dict[str, float] = {"XSMALL": 1.0, "SMALL": 2.0, "MEDIUM": 4.0, "LARGE": 8.0, "XLARGE": 16.0}

QUERY_TAG_APP = "c360"

WITHIN, WARNING, AT_RISK, OVER = "within budget", "warning", "projected over budget", "over budget"


def step_query_tag(step: str, run_id: str) -> str:
    """The query tag of a step's statements: JSON naming the app, the step and the run (QUERY_HISTORY.QUERY_TAG)."""
    return json.dumps({"app": QUERY_TAG_APP, "step": step, "run_id": run_id}, separators=(",", ":"), sort_keys=True)


def parse_query_tag(tag: str | None) -> str | None:
    """The step a c360 query tag names; None for any other tag (another app's, or none)."""
    if not tag:
        return None
    try:
        value = json.loads(tag)
    except (TypeError, ValueError):
        return None
    if not isinstance(value, dict) or value.get("app") != QUERY_TAG_APP or not isinstance(value.get("step"), str):
        return None
    return value["step"]


def estimated_credits(seconds: float, warehouse_size: str) -> float:
    """Credits a warehouse of `warehouse_size` bills for `seconds` of running (an estimate: no minimum, no idle time)."""
    return seconds / 3600.0 * CREDITS_PER_HOUR[warehouse_size]


def month_to_date(daily: pd.DataFrame, as_of: date) -> float:
    """Credits of the calendar month of `as_of`, up to and including it (daily: DAY, CREDITS)."""
    if daily.empty:
        return 0.0
    days = pd.to_datetime(daily["DAY"]).dt.date
    in_month = (days >= as_of.replace(day=1)) & (days <= as_of)
    return float(daily.loc[in_month, "CREDITS"].sum())


def projected_month_credits(daily: pd.DataFrame, as_of: date) -> float:
    """The month's credits if the rest of it spends at the month-to-date daily rate (as a budget projects)."""
    elapsed = as_of.day
    days_in_month = calendar.monthrange(as_of.year, as_of.month)[1]
    return month_to_date(daily, as_of) / elapsed * days_in_month


def budget_status(spent: float, projected: float, limit: float, warning_share: float = 0.8) -> str:
    """over budget (spent ≥ limit), projected over budget (projection ≥ limit), warning (projection ≥ share of
    the limit) or within budget."""
    if limit <= 0:
        raise ValueError(f"the budget's spending limit must be positive, got {limit}")
    if spent >= limit:
        return OVER
    if projected >= limit:
        return AT_RISK
    if projected >= warning_share * limit:
        return WARNING
    return WITHIN


def credit_spikes(daily: pd.DataFrame, factor: float = 2.0, window: int = 7, min_credits: float = 0.5) -> pd.DataFrame:
    """Days whose credits exceed `factor` × the average of the `window` metered days before (at least one) and
    `min_credits`: DAY, CREDITS, BASELINE. The rule of the C360.OPS.CREDIT_SPIKES view (days without metering
    have no row there, so they are not in the average here either)."""
    if daily.empty:
        return pd.DataFrame(columns=["DAY", "CREDITS", "BASELINE"])
    frame = daily[["DAY", "CREDITS"]].copy()
    frame["DAY"] = pd.to_datetime(frame["DAY"]).dt.date
    frame = frame.groupby("DAY", as_index=False)["CREDITS"].sum().sort_values("DAY")
    frame = frame.reset_index(drop=True)
    frame["BASELINE"] = frame["CREDITS"].shift(1).rolling(window, min_periods=1).mean()
    spikes = frame[(frame["BASELINE"].notna()) & (frame["CREDITS"] > factor * frame["BASELINE"])
                   & (frame["CREDITS"] >= min_credits)]
    return spikes.reset_index(drop=True)


def apportion_hour_credits(hours: pd.DataFrame, tagged: pd.DataFrame) -> pd.DataFrame:
    """Credits per step: each metered hour's credits shared among the queries of that hour by execution time.

    hours: HOUR, CREDITS (WAREHOUSE_METERING_HISTORY); tagged: HOUR, QUERY_TAG, EXECUTION_MS, plus untagged
    queries with QUERY_TAG None (QUERY_HISTORY grouped by hour and tag). Returns STEP, SECONDS, CREDITS; the
    credits of untagged queries go to the step "(other queries)".
    """
    if tagged.empty:
        return pd.DataFrame(columns=["STEP", "SECONDS", "CREDITS"])
    frame = tagged.copy()
    frame["STEP"] = frame["QUERY_TAG"].map(parse_query_tag).fillna("(other queries)")
    totals = frame.groupby("HOUR")["EXECUTION_MS"].transform("sum")
    merged = frame.merge(hours, on="HOUR", how="left")
    merged["CREDITS"] = merged["CREDITS"].fillna(0.0) * (merged["EXECUTION_MS"] / totals.where(totals > 0))
    merged["SECONDS"] = merged["EXECUTION_MS"] / 1000.0
    result = merged.groupby("STEP", as_index=False)[["SECONDS", "CREDITS"]].sum()
    return result.sort_values("CREDITS", ascending=False).reset_index(drop=True)
