"""Segment Explorer: filter customers by segment, state, churn risk, card type and lifetime value; export them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from data_access import (
    CARD_ORDER,
    NOT_SCORED,
    RISK_ORDER,
    SEGMENT_ORDER,
    AppData,
    csv_bytes,
    filter_profile,
    ordered_values,
)
from tabs import chart, count, figure, keep_choices, ltv_range_slider, money, score

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


def risk_options(profile: pd.DataFrame) -> list[str]:
    """Risk categories present, plus "Not scored" when some customers have no churn score yet."""
    options = ordered_values(profile["CHURN_RISK_CATEGORY"], RISK_ORDER)
    if profile["CHURN_RISK_CATEGORY"].isna().any():
        options.append(NOT_SCORED)
    return options


def customer_list(selected: pd.DataFrame) -> pd.DataFrame:
    """The list shown and exported: one row per customer, highest lifetime value first."""
    ordered = selected.sort_values(["LIFETIME_VALUE", "CUSTOMER_ID"], ascending=[False, True])
    return ordered[list(LIST_COLUMNS)].reset_index(drop=True)


def render(data: AppData) -> None:
    profile = data.profile()
    st.subheader("Segment Explorer")
    segments = ordered_values(profile["CUSTOMER_SEGMENT"], SEGMENT_ORDER)
    states = ordered_values(profile["STATE"])
    risks = risk_options(profile)
    cards = ordered_values(profile["CARD_TYPE"], CARD_ORDER)
    for key, options in (("seg_segments", segments), ("seg_states", states), ("seg_risks", risks), ("seg_cards", cards)):
        keep_choices(key, options)

    left, middle, right, last = st.columns(4)
    chosen_segments = left.multiselect("Segment", segments, key="seg_segments", placeholder="All segments")
    chosen_states = middle.multiselect("State", states, key="seg_states", placeholder="All states")
    chosen_risks = right.multiselect(
        "Churn risk",
        risks,
        key="seg_risks",
        placeholder="All risk levels",
        help="Churn risk category from the latest model; 'Not scored' = no prediction yet.",
    )
    chosen_cards = last.multiselect("Card type", cards, key="seg_cards", placeholder="All card types")
    ltv = ltv_range_slider("Lifetime value", profile, key="seg_ltv")

    selected = filter_profile(profile, chosen_segments, chosen_states, chosen_risks, chosen_cards, ltv)
    shown = customer_list(selected)
    scored = selected["CHURN_RISK_SCORE"].dropna()
    lifetime_value = selected["LIFETIME_VALUE"].fillna(0.0)  # no approved spend yet = $0
    a, b, c, d = st.columns(4)
    a.metric("Customers", count(len(selected)))
    b.metric("Total LTV", money(float(lifetime_value.sum())))
    c.metric("Average LTV", money(float(lifetime_value.mean())) if len(selected) else "—")
    d.metric(
        "Average churn risk",
        score(float(scored.mean())) if len(scored) else "—",
        help="Mean churn risk score (0-100) of the scored customers shown.",
    )

    if selected.empty:
        st.info("No customers match these filters. Remove a filter or widen the lifetime-value range.")
    else:
        _charts(selected)

    st.markdown(f"**Customers** ({count(len(shown))})")
    st.dataframe(
        shown,
        key="seg_table",
        hide_index=True,
        column_config=LIST_LABELS,
    )
    st.download_button(
        "Download these customers (CSV)",
        data=csv_bytes(shown),
        file_name="segment_customers.csv",
        mime="text/csv",
        key="seg_download",
    )


def _charts(selected: pd.DataFrame) -> None:
    by_segment = (
        selected.groupby("CUSTOMER_SEGMENT", as_index=False)
        .agg(CUSTOMERS=("CUSTOMER_ID", "count"), AVERAGE_LTV=("LIFETIME_VALUE", "mean"))
        .sort_values("CUSTOMERS", ascending=False)
    )
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
    risk = selected["CHURN_RISK_CATEGORY"].fillna(NOT_SCORED)
    by_state = selected.assign(RISK=risk).groupby(["STATE", "RISK"], as_index=False).agg(CUSTOMERS=("CUSTOMER_ID", "count"))
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
