"""Retention-campaign arithmetic of the Campaign Simulator (seed 004 Phase 5), free of Streamlit and data.

For n targeted customers with average lifetime value L, incentive i and contact cost c per customer
and expected retention rate r (a fraction):
    total cost = n * (i + c)
    retained   = n * r
    value      = retained * L * 0.20   (a retained customer is worth 20% of lifetime value: about a year)
    ROI        = (value - cost) / cost
ROI does not depend on n, so the break-even rate is r* = (i + c) / (0.20 * L).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd

VALUE_SHARE_OF_LTV = 0.20
INCENTIVE_LIMITS = (0.0, 1000.0)  # dollars per customer
CONTACT_COST_LIMITS = (0.0, 100.0)  # dollars per customer
RETENTION_PCT_LIMITS = (0.0, 100.0)  # percent of the targeted customers


@dataclass(frozen=True)
class CampaignResult:
    """Expected outcome of one campaign: costs, retained customers, value and return on investment."""

    customers: int
    average_ltv: float
    incentive: float
    contact_cost: float
    retention_rate: float
    total_cost: float
    retained_customers: float
    expected_value: float
    net_benefit: float
    roi: float | None  # fraction; None when nothing is spent (no customers)
    break_even_rate: float | None  # fraction; None when no retention rate can pay back the cost


def _dollars(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def _percent(value: float) -> str:
    return f"{value:g}%"


def _check_range(
    name: str, value: float | None, limits: tuple[float, float], shown: Callable[[float], str]
) -> list[str]:
    low, high = limits
    if value is None or not isinstance(value, (int, float)) or math.isnan(value):
        return [f"{name} must be a number between {shown(low)} and {shown(high)}."]
    if not low <= value <= high:
        return [f"{name} must be between {shown(low)} and {shown(high)}; got {shown(value)}."]
    return []


def validate_inputs(incentive: float | None, contact_cost: float | None, retention_rate_pct: float | None) -> list[str]:
    """Messages for every campaign parameter out of range (empty when all are usable)."""
    messages = (
        _check_range("Incentive per customer", incentive, INCENTIVE_LIMITS, _dollars)
        + _check_range("Contact cost per customer", contact_cost, CONTACT_COST_LIMITS, _dollars)
        + _check_range("Expected retention rate", retention_rate_pct, RETENTION_PCT_LIMITS, _percent)
    )
    if not messages and incentive + contact_cost <= 0:  # type: ignore[operator]
        messages.append("Incentive plus contact cost must be above $0 per customer: ROI is measured against cost.")
    return messages


def break_even_rate(average_ltv: float, incentive: float, contact_cost: float) -> float | None:
    """Retention rate (fraction) at which expected value equals cost; None when customers are worth nothing."""
    value_per_retained = average_ltv * VALUE_SHARE_OF_LTV
    if value_per_retained <= 0:
        return None
    return (incentive + contact_cost) / value_per_retained


def campaign_result(
    customers: int, average_ltv: float, incentive: float, contact_cost: float, retention_rate: float
) -> CampaignResult:
    """Costs, retained customers, value and ROI of a campaign (retention_rate is a fraction 0-1)."""
    total_cost = customers * (incentive + contact_cost)
    retained = customers * retention_rate
    value = retained * average_ltv * VALUE_SHARE_OF_LTV
    return CampaignResult(
        customers=customers,
        average_ltv=average_ltv,
        incentive=incentive,
        contact_cost=contact_cost,
        retention_rate=retention_rate,
        total_cost=total_cost,
        retained_customers=retained,
        expected_value=value,
        net_benefit=value - total_cost,
        roi=(value - total_cost) / total_cost if total_cost > 0 else None,
        break_even_rate=break_even_rate(average_ltv, incentive, contact_cost),
    )


def roi_sensitivity(
    customers: int,
    average_ltv: float,
    incentive: float,
    contact_cost: float,
    rates: Iterable[float] | None = None,
) -> pd.DataFrame:
    """ROI at each retention rate (default 0%, 1%, ..., 100%): one row per rate, both as percentages."""
    grid = list(rates) if rates is not None else [step / 100 for step in range(0, 101)]
    rows = []
    for rate in grid:
        result = campaign_result(customers, average_ltv, incentive, contact_cost, rate)
        rows.append(
            {"RETENTION_RATE_PCT": 100 * rate, "ROI_PCT": None if result.roi is None else 100 * result.roi}
        )
    return pd.DataFrame(rows, columns=["RETENTION_RATE_PCT", "ROI_PCT"])


def max_incentive_to_break_even(average_ltv: float, contact_cost: float, retention_rate: float) -> float:
    """Highest incentive per customer that still breaks even at the given retention rate (may be negative)."""
    return retention_rate * average_ltv * VALUE_SHARE_OF_LTV - contact_cost


def recommendation(result: CampaignResult) -> str:
    """A plain-language verdict on the campaign, with the break-even point and what to change."""
    if result.customers == 0 or result.roi is None:
        return "No customers match this audience, so there is nothing to spend or win: widen the filters."
    roi_text = f"{100 * result.roi:,.1f}%"
    rate_text = f"{100 * result.retention_rate:g}%"
    per_customer = result.incentive + result.contact_cost
    break_even = result.break_even_rate
    reachable = break_even is not None and break_even <= 1
    break_even_text = f"{100 * break_even:.1f}%" if break_even is not None else "—"
    if result.roi >= 1:
        return (
            f"Launch: at {rate_text} retention every $1 spent returns ${1 + result.roi:,.2f} in retained value "
            f"(ROI {roi_text}, net ${result.net_benefit:,.0f}). The campaign still pays for itself if retention "
            f"falls to {break_even_text}."
        )
    if result.roi >= 0:
        return (
            f"Launch with care: ROI is positive ({roi_text}, net ${result.net_benefit:,.0f}) but the margin is "
            f"thin: break-even is {break_even_text} retention against the {rate_text} assumed. Test on a sample "
            "first or trim the incentive."
        )
    if not reachable:
        return (
            f"Do not launch: ROI is {roi_text}. Even retaining every customer would not cover ${per_customer:,.2f} "
            f"per customer, because a retained customer is worth about ${result.average_ltv * VALUE_SHARE_OF_LTV:,.0f} "
            "(20% of average lifetime value). Target higher-value customers or cut the incentive."
        )
    ceiling = max_incentive_to_break_even(result.average_ltv, result.contact_cost, result.retention_rate)
    change = (
        f"or cut the incentive to at most ${ceiling:,.2f} per customer"
        if ceiling > 0
        else "(no incentive breaks even at this rate, since contact cost alone exceeds the value)"
    )
    return (
        f"Do not launch as designed: ROI is {roi_text} (net ${result.net_benefit:,.0f}). It needs at least "
        f"{break_even_text} retention to break even, against the {rate_text} assumed; raise expected retention "
        f"{change}."
    )
