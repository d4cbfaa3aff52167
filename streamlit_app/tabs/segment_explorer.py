"""Segment Explorer: filter customers by segment, state, churn risk, card type and lifetime value; export them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from data_access import BY_LIFETIME_VALUE, NOT_SCORED, RISK_ORDER, AppData, CustomerFilter

from tabs import chart, count, customer_csv_download, figure, keep_choices, ltv_range_slider, money, score

LIST_COLUMNS = (
    "CUSTOMER_ID", "FULL_NAME", "EMAIL", "STATE", "CARD_TYPE", "CUSTOMER_SEGMENT", "LIFETIME_VALUE",
    "SPEND_LAST_90_DAYS", "CHURN_RISK_SCORE", "CHURN_RISK_CATEGORY", "DAYS_SINCE_LAST_TRANSACTION",
)
LIST_LABELS = {
    "CUSTOMER_ID": "Customer ID",
    "FULL_NAME": "Name",
    "EMAIL": "Email",
    "STATE": "State",
    "CARD_TYPE": "Card",
    "CUSTOMER_SEGMENT": "Segment",
    "LIFETIME_VALUE": st.column_config.NumberColumn("Lifetime value", format="$%.2f"),
    "SPEND_LAST_90_DAYS": st.column_config.NumberColumn("90-day spend", format="$%.2f"),
    "CHURN_RISK_SCORE": st.column_config.NumberColumn("Churn score", format="%.1f"),
    "CHURN_RISK_CATEGORY": "Churn risk",
    "DAYS_SINCE_LAST_TRANSACTION": st.column_config.NumberColumn("Days since last", format="%d"),
}
RISK_COLOURS = {"Low Risk": "#2ca02c", "Medium Risk": "#ff7f0e", "High Risk": "#d62728", NOT_SCORED: "#9e9e9e"}


def render(data: AppData) -> None:
    facets = data.facets()
    st.subheader("Segment Explorer")
    for key, options in (
        ("seg_segments", facets.segments), ("seg_states", facets.states),
        ("seg_risks", facets.risk_categories), ("seg_cards", facets.card_types),
    ):
        keep_choices(key, list(options))

    left, middle, right, last = st.columns(4)
    chosen_segments = left.multiselect("Segment", facets.segments, key="seg_segments", placeholder="All segments")
    chosen_states = middle.multiselect("State", facets.states, key="seg_states", placeholder="All states")
    chosen_risks = right.multiselect(
        "Churn risk",
        facets.risk_categories,
        key="seg_risks",
        placeholder="All risk levels",
        help="Churn risk category from the latest model; 'Not scored' = no prediction yet.",
    )
    chosen_cards = last.multiselect("Card type", facets.card_types, key="seg_cards", placeholder="All card types")
    ltv = ltv_range_slider("Lifetime value", facets.ltv_bounds, key="seg_ltv")

    selection = CustomerFilter(chosen_segments, chosen_states, chosen_risks, chosen_cards, ltv)
    chosen = data.customer_selection(selection, LIST_COLUMNS, BY_LIFETIME_VALUE)
    summary = chosen.summary
    a, b, c, d = st.columns(4)
    a.metric("Customers", count(summary.customers))
    b.metric("Total LTV", money(summary.total_ltv))
    c.metric("Average LTV", money(summary.average_ltv) if summary.customers else "—")
    d.metric(
        "Average churn risk",
        score(summary.average_risk_score) if summary.average_risk_score is not None else "—",
        help="Mean churn risk score (0-100) of the scored customers shown.",
    )

    if not summary.customers:
        st.info("No customers match these filters. Remove a filter or widen the lifetime-value range.")
    else:
        _charts(summary.groups)

    st.markdown(f"**Customers** ({count(summary.customers)})")
    if not chosen.complete:
        st.caption(
            f"Showing the {count(len(chosen.customers))} with the highest lifetime value of "
            f"{count(summary.customers)}; the download holds all of them."
        )
    st.dataframe(chosen.customers, key="seg_table", hide_index=True, column_config=LIST_LABELS)
    customer_csv_download(
        "Download these customers (CSV)", data, selection, LIST_COLUMNS, BY_LIFETIME_VALUE,
        file_name="segment_customers.csv", key="seg_download",
    )


def _charts(groups: pd.DataFrame) -> None:
    """Segment mix, average lifetime value per segment and customers per state and risk, from the summary's counts."""
    by_segment = (
        groups.groupby("CUSTOMER_SEGMENT", as_index=False)[["CUSTOMERS", "LIFETIME_VALUE"]]
        .sum()
        .sort_values("CUSTOMERS", ascending=False)
    )
    by_segment["AVERAGE_LTV"] = by_segment["LIFETIME_VALUE"] / by_segment["CUSTOMERS"]
    mix = figure(
        [go.Pie(labels=by_segment["CUSTOMER_SEGMENT"], values=by_segment["CUSTOMERS"], hole=0.35, sort=False)],
        legend={"orientation": "v"},
    )
    by_value = by_segment.sort_values("AVERAGE_LTV", ascending=False)
    value = figure(
        [go.Bar(x=by_value["CUSTOMER_SEGMENT"], y=by_value["AVERAGE_LTV"], name="Average LTV")],
        "",
        "Average LTV ($)",
    )
    risk = groups["CHURN_RISK_CATEGORY"].fillna(NOT_SCORED)
    by_state = groups.assign(RISK=risk).groupby(["STATE", "RISK"], as_index=False)["CUSTOMERS"].sum()
    top_states = list(by_state.groupby("STATE")["CUSTOMERS"].sum().nlargest(15).index)
    by_state = by_state[by_state["STATE"].isin(top_states)]
    traces = []
    for level in [*RISK_ORDER, NOT_SCORED]:
        rows = by_state[by_state["RISK"] == level]
        if len(rows):
            traces.append(go.Bar(x=rows["STATE"], y=rows["CUSTOMERS"], name=level, marker_color=RISK_COLOURS[level]))
    geography = figure(
        traces,
        "State",
        "Customers",
        barmode="stack",
        xaxis={"title": {"text": "State"}, "categoryorder": "array", "categoryarray": top_states},
    )
    left, middle, right = st.columns(3)
    chart(left, "Segment mix", mix, "seg_chart_mix")
    chart(middle, "Average lifetime value by segment", value, "seg_chart_ltv")
    chart(right, "Customers by state and churn risk (top 15 states)", geography, "seg_chart_state")
