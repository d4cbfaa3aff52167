"""Campaign Simulator arithmetic: costs, value, ROI, break-even, sensitivity, validation, recommendation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "streamlit_app"))

from campaign import (  # noqa: E402
    break_even_rate,
    campaign_result,
    max_incentive_to_break_even,
    recommendation,
    roi_sensitivity,
    validate_inputs,
)


def test_hand_checked_campaign():
    # 100 customers, LTV $2,000, $50 incentive + $5 contact, 30% retained:
    # cost 100 * 55 = 5,500; retained 30; value 30 * 2,000 * 0.2 = 12,000; ROI 6,500 / 5,500.
    result = campaign_result(100, 2000.0, 50.0, 5.0, 0.30)
    assert result.total_cost == pytest.approx(5500.0)
    assert result.retained_customers == pytest.approx(30.0)
    assert result.expected_value == pytest.approx(12000.0)
    assert result.net_benefit == pytest.approx(6500.0)
    assert result.roi == pytest.approx(6500.0 / 5500.0)
    assert result.break_even_rate == pytest.approx(55.0 / 400.0)


@pytest.mark.parametrize(
    ("average_ltv", "incentive", "contact_cost"),
    [(2000.0, 50.0, 5.0), (1234.56, 17.5, 2.25), (300.0, 100.0, 20.0)],
)
def test_break_even_rate_gives_zero_roi(average_ltv, incentive, contact_cost):
    rate = break_even_rate(average_ltv, incentive, contact_cost)
    result = campaign_result(37, average_ltv, incentive, contact_cost, rate)
    assert result.roi == pytest.approx(0.0, abs=1e-12)
    assert result.net_benefit == pytest.approx(0.0, abs=1e-9)


def test_break_even_is_none_when_customers_are_worth_nothing():
    assert break_even_rate(0.0, 10.0, 1.0) is None
    assert campaign_result(5, 0.0, 10.0, 1.0, 0.5).break_even_rate is None


def test_roi_does_not_depend_on_audience_size_but_is_undefined_without_customers():
    assert campaign_result(10, 900.0, 20, 3, 0.4).roi == pytest.approx(campaign_result(9999, 900.0, 20, 3, 0.4).roi)
    empty = campaign_result(0, 900.0, 20, 3, 0.4)
    assert empty.roi is None and empty.total_cost == 0


def test_sensitivity_rises_with_retention_and_crosses_zero_at_break_even():
    curve = roi_sensitivity(50, 2000.0, 50.0, 5.0)
    assert list(curve["RETENTION_RATE_PCT"]) == pytest.approx(list(range(0, 101)))
    assert curve["ROI_PCT"].is_monotonic_increasing
    assert curve["ROI_PCT"].iloc[0] == pytest.approx(-100.0)
    assert curve.loc[curve["RETENTION_RATE_PCT"] == 30, "ROI_PCT"].item() == pytest.approx(100 * 6500 / 5500)
    crossing = curve[curve["ROI_PCT"] >= 0]["RETENTION_RATE_PCT"].min()
    assert crossing == pytest.approx(14.0)  # break-even 13.75% -> first whole percent at or above it


def test_messages_name_the_limits_and_the_value_given():
    assert validate_inputs(-1.0, 5.0, 30.0) == ["Incentive per customer must be between $0.00 and $1,000.00; got -$1.00."]
    assert validate_inputs(50.0, 5.0, 130.0) == ["Expected retention rate must be between 0% and 100%; got 130%."]


def test_valid_inputs_have_no_messages():
    assert validate_inputs(50.0, 5.0, 30.0) == []
    assert validate_inputs(0.0, 0.01, 0.0) == []
    assert validate_inputs(1000.0, 100.0, 100.0) == []


@pytest.mark.parametrize(
    ("incentive", "contact_cost", "retention_pct", "names"),
    [
        (-1.0, 5.0, 30.0, ["Incentive per customer"]),
        (1000.01, 5.0, 30.0, ["Incentive per customer"]),
        (50.0, -0.5, 30.0, ["Contact cost per customer"]),
        (50.0, 5.0, 100.5, ["Expected retention rate"]),
        (50.0, 5.0, -3.0, ["Expected retention rate"]),
        (None, 5.0, float("nan"), ["Incentive per customer", "Expected retention rate"]),
        (0.0, 0.0, 30.0, ["Incentive plus contact cost"]),
    ],
)
def test_out_of_range_inputs_are_refused_with_a_message(incentive, contact_cost, retention_pct, names):
    messages = validate_inputs(incentive, contact_cost, retention_pct)
    assert len(messages) == len(names)
    for message, name in zip(messages, names):
        assert message.startswith(name)


def test_recommendation_follows_roi():
    strong = campaign_result(100, 2000.0, 50.0, 5.0, 0.30)  # ROI 118%
    thin = campaign_result(100, 2000.0, 50.0, 5.0, 0.15)  # ROI 9%
    losing = campaign_result(100, 2000.0, 50.0, 5.0, 0.10)  # ROI -27%
    hopeless = campaign_result(100, 200.0, 50.0, 5.0, 0.50)  # break-even 137.5%
    assert recommendation(strong).startswith("Launch:")
    assert "13.8%" in recommendation(strong)
    assert recommendation(thin).startswith("Launch with care")
    losing_text = recommendation(losing)
    assert losing_text.startswith("Do not launch as designed") and "13.8%" in losing_text
    # At 10% retention a retained customer brings 0.1 * 400 = $40 per targeted customer: incentive <= $35.
    assert max_incentive_to_break_even(2000.0, 5.0, 0.10) == pytest.approx(35.0)
    assert "$35.00" in losing_text
    assert recommendation(hopeless).startswith("Do not launch: ")
    assert recommendation(campaign_result(0, 0.0, 50.0, 5.0, 0.3)).startswith("No customers match")
