"""Campaign Simulator: pick a target audience, set incentive, contact cost and retention; see ROI and break-even."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from campaign import CampaignResult, campaign_result, recommendation, roi_sensitivity, validate_inputs
from data_access import BY_CHURN_RISK, AppData, CustomerFilter

from tabs import cents, chart, count, customer_csv_download, figure, keep_choices, ltv_range_slider, money, percent

# The target list's columns; it is ordered BY_CHURN_RISK: most at risk first, then highest lifetime value.
TARGET_COLUMNS = (
    "CUSTOMER_ID", "FULL_NAME", "EMAIL", "STATE", "CUSTOMER_SEGMENT", "CHURN_RISK_CATEGORY", "CHURN_RISK_SCORE",
    "LIFETIME_VALUE",
)
DEFAULT_SEGMENT = "Declining"


def render(data: AppData) -> None:
    facets = data.facets()
    st.subheader("Campaign Simulator")
    st.caption(
        "Expected value of a retained customer = 20% of lifetime value (about one year of spend). "
        "ROI = (value − cost) / cost."
    )
    segments, risks = list(facets.segments), list(facets.risk_categories)
    if "camp_segments" not in st.session_state:
        st.session_state["camp_segments"] = [DEFAULT_SEGMENT] if DEFAULT_SEGMENT in segments else []
    keep_choices("camp_segments", segments)
    keep_choices("camp_risks", risks)

    st.markdown("**Target audience**")
    left, right = st.columns(2)
    chosen_segments = left.multiselect("Segment", segments, key="camp_segments", placeholder="All segments")
    chosen_risks = right.multiselect("Churn risk", risks, key="camp_risks", placeholder="All risk levels")
    ltv = ltv_range_slider("Lifetime value", facets.ltv_bounds, key="camp_ltv")

    st.markdown("**Campaign parameters**")
    a, b, c = st.columns(3)
    incentive = a.number_input("Incentive per customer ($)", value=50.0, step=5.0, format="%.2f", key="camp_incentive")
    contact_cost = b.number_input("Contact cost per customer ($)", value=5.0, step=1.0, format="%.2f", key="camp_contact_cost")
    retention_pct = c.number_input("Expected retention rate (%)", value=30.0, step=5.0, format="%.1f", key="camp_retention")

    audience = CustomerFilter(segments=chosen_segments, risk_categories=chosen_risks, ltv_range=ltv)
    chosen = data.customer_selection(audience, TARGET_COLUMNS, BY_CHURN_RISK)
    customers = chosen.summary.customers
    problems = validate_inputs(incentive, contact_cost, retention_pct)
    if problems:
        for problem in problems:
            st.error(problem)
        st.caption(f"Audience: {count(customers)} customers. Fix the parameters above to see the results.")
        return
    if not customers:
        st.warning("No customers match this audience. Choose more segments or risk levels, or widen the LTV range.")
        return

    # A customer without approved spend counts as $0 of lifetime value.
    result = campaign_result(customers, chosen.summary.average_ltv, incentive, contact_cost, retention_pct / 100)
    _results(result)
    _sensitivity(result)
    st.markdown(f"**Target list** ({count(customers)} customers)")
    if not chosen.complete:
        st.caption(
            f"Showing the first {count(len(chosen.customers))} of {count(customers)}, most at risk first; "
            "the download holds all of them."
        )
    st.dataframe(
        chosen.customers,
        key="camp_targets",
        hide_index=True,
        column_config={
            "CUSTOMER_ID": "Customer ID",
            "FULL_NAME": "Name",
            "EMAIL": "Email",
            "STATE": "State",
            "CUSTOMER_SEGMENT": "Segment",
            "CHURN_RISK_CATEGORY": "Churn risk",
            "CHURN_RISK_SCORE": st.column_config.NumberColumn("Churn score", format="%.1f"),
            "LIFETIME_VALUE": st.column_config.NumberColumn("Lifetime value", format="$%.2f"),
        },
    )
    customer_csv_download(
        "Download the target list (CSV)", data, audience, TARGET_COLUMNS, BY_CHURN_RISK,
        file_name="campaign_targets.csv", key="camp_download",
    )


def _results(result: CampaignResult) -> None:
    st.markdown("**Expected results**")
    first = st.columns(4)
    first[0].metric("Target customers", count(result.customers))
    first[1].metric("Average LTV", money(result.average_ltv))
    first[2].metric("Total cost", money(result.total_cost))
    first[3].metric("Customers retained", f"{result.retained_customers:,.1f}")
    second = st.columns(4)
    second[0].metric("Expected value", money(result.expected_value))
    second[1].metric("Net benefit", money(result.net_benefit))
    second[2].metric("ROI", percent(result.roi))
    reachable = result.break_even_rate is not None and result.break_even_rate <= 1
    second[3].metric(
        "Break-even retention",
        percent(result.break_even_rate) if reachable else "not reachable",
        help="Retention rate at which expected value equals total cost (ROI 0%).",
    )
    verdict = recommendation(result)
    if result.roi is not None and result.roi >= 1:
        st.success(verdict)
    elif result.roi is not None and result.roi >= 0:
        st.warning(verdict)
    else:
        st.error(verdict)
    st.caption(
        f"Cost per customer {cents(result.incentive + result.contact_cost)} "
        f"(incentive {cents(result.incentive)} + contact {cents(result.contact_cost)})."
    )


def _marker(x: float, text: str, colour: str, dash: str) -> tuple[dict, dict]:
    """A vertical line at retention rate x across the plot, with its label at the top."""
    line = {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": colour, "dash": dash, "width": 2}}
    label = {"x": x, "y": 1, "xref": "x", "yref": "paper", "text": text, "showarrow": False,
             "yanchor": "bottom", "font": {"color": colour}}
    return line, label


def _sensitivity(result: CampaignResult) -> None:
    curve = roi_sensitivity(result.customers, result.average_ltv, result.incentive, result.contact_cost)
    zero = {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": 0, "y1": 0,
            "line": {"color": "grey", "dash": "dot", "width": 1}}
    markers = [_marker(100 * result.retention_rate, "assumed", "#1f77b4", "dash")]
    if result.break_even_rate is not None and result.break_even_rate <= 1:
        markers.append(_marker(100 * result.break_even_rate, "break-even", "#d62728", "dot"))
    sensitivity = figure(
        [go.Scatter(x=curve["RETENTION_RATE_PCT"], y=curve["ROI_PCT"], mode="lines", name="ROI")],
        "Retention rate (%)",
        "ROI (%)",
        shapes=[zero, *(line for line, _ in markers)],
        annotations=[label for _, label in markers],
    )
    chart(st, "ROI by expected retention rate (sensitivity)", sensitivity, "camp_chart_sensitivity")
