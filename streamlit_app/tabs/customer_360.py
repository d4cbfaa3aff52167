"""Customer 360: find a customer by ID, name or email; profile, card history and recent transactions."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from data_access import TRANSACTION_LIMIT, AppData, filter_transactions, ordered_values

from tabs import cents, chart, count, figure, keep_choices, money, plain, score, streamed_today, transaction_columns

SEARCH_FIELDS = {
    "ID, name or email": ("CUSTOMER_ID", "FULL_NAME", "EMAIL"),
    "Customer ID": ("CUSTOMER_ID",),
    "Name": ("FULL_NAME",),
    "Email": ("EMAIL",),
}
MAX_CHOICES = 200
OPEN_END = date(9999, 12, 31)


def customer_labels(customers: pd.DataFrame) -> dict[str, str]:
    """Selector label per customer ID: "ID · name · email"."""
    text = customers["CUSTOMER_ID"] + " · " + customers["FULL_NAME"].fillna("") + " · " + customers["EMAIL"].fillna("")
    return dict(zip(customers["CUSTOMER_ID"], text))


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Card type and credit limit per validity interval, with the open end shown as 'current'."""
    return pd.DataFrame(
        {
            "Card type": history["CARD_TYPE"],
            "Credit limit": history["CREDIT_LIMIT"],
            "Valid from": history["VALID_FROM"].astype(str),
            "Valid to": [("current" if v == OPEN_END else str(v)) for v in history["VALID_TO"]],
        }
    )


def render(data: AppData) -> None:
    st.subheader("Customer 360")
    by, text = st.columns([1, 3])
    field = by.selectbox("Search by", list(SEARCH_FIELDS), key="c360_search_by")
    query = text.text_input(
        "Search customers",
        key="c360_search",
        placeholder="Part of a customer ID, name or email (any case)",
        max_chars=200,
    )
    matches = data.search(query, SEARCH_FIELDS[field], MAX_CHOICES)
    if not matches.total:
        st.info(f"No customer's {field.lower()} contains “{plain(query.strip())}”.")
        return
    labels = customer_labels(matches.customers)
    options = list(labels)
    if st.session_state.get("c360_customer") not in labels:
        # Set, not forget: an explicit value is sent to the browser, which otherwise keeps showing the
        # previous customer's label while the page shows the first match.
        st.session_state["c360_customer"] = options[0]
    found = f"{count(matches.total)} match" + ("" if matches.total == 1 else "es")
    shown = "" if matches.total <= len(options) else f"; the first {count(len(options))} by ID are listed, refine the search"
    customer_id = st.selectbox("Customer", options, format_func=labels.get, key="c360_customer")
    st.caption(f"{found}{shown}")
    view = data.customer(customer_id)
    if view is None:  # gone from the profile since the search was read
        st.info("This customer is no longer in the profile. Search again.")
        return

    _profile(view.profile)
    st.markdown("**Card type and credit-limit history**")
    st.dataframe(
        history_table(view.history),
        key="c360_history_table",
        hide_index=True,
        column_config={"Credit limit": st.column_config.NumberColumn(format="$%.2f")},
    )
    _transactions(view.transactions, customer_id)
    streamed_today.render_section(data, customer_id)


def _profile(customer: pd.Series) -> None:
    st.markdown(f"### {customer['FULL_NAME']}")
    st.caption(
        f"{customer['CUSTOMER_ID']} · {customer['EMAIL']} · {customer['CITY']}, {customer['STATE']} · "
        f"{customer['CARD_TYPE']} card, limit {money(customer['CREDIT_LIMIT'])} · customer since "
        f"{customer['ACCOUNT_OPEN_DATE']} · age {customer['AGE']}"
    )
    risk = customer["CHURN_RISK_CATEGORY"]
    risk_text = "Not scored" if pd.isna(risk) else f"{score(customer['CHURN_RISK_SCORE'])} · {risk}"
    days = customer["DAYS_SINCE_LAST_TRANSACTION"]
    first, second = st.columns(3), st.columns(3)
    first[0].metric("Lifetime value", money(customer["LIFETIME_VALUE"]))
    first[1].metric("Avg transaction", cents(customer["AVG_TRANSACTION_VALUE"]))
    first[2].metric("Spend, last 90 days", money(customer["SPEND_LAST_90_DAYS"]))
    second[0].metric("Days since last transaction", "—" if pd.isna(days) else count(int(days)))
    second[1].metric("Segment", str(customer["CUSTOMER_SEGMENT"]))
    second[2].metric("Churn risk", risk_text)


def _transactions(transactions: pd.DataFrame, customer_id: str) -> None:
    st.markdown("**Transactions**")
    if transactions.empty:
        st.info("This customer has no transactions.")
        return
    # Filters belong to one customer: start afresh when another customer is shown.
    if st.session_state.get("c360_filters_for") != customer_id:
        st.session_state.pop("c360_txn_dates", None)  # set to the new customer's range below
        st.session_state["c360_txn_groups"] = []
        st.session_state["c360_txn_categories"] = []
        st.session_state["c360_filters_for"] = customer_id
    days = transactions["TRANSACTION_DATE"].dt.date
    first, last = days.min(), days.max()
    groups = ordered_values(transactions["CATEGORY_GROUP"])
    categories = ordered_values(transactions["MERCHANT_CATEGORY"])
    keep_choices("c360_txn_groups", groups)
    keep_choices("c360_txn_categories", categories)
    if "c360_txn_dates" not in st.session_state:
        st.session_state["c360_txn_dates"] = (first, last)
    when, group, category = st.columns([2, 2, 3])
    period = when.date_input("Dates", key="c360_txn_dates", format="YYYY-MM-DD")
    chosen_groups = group.multiselect(
        "Category group", groups, key="c360_txn_groups", format_func=str.title, placeholder="All groups"
    )
    chosen_categories = category.multiselect(
        "Merchant category", categories, key="c360_txn_categories", placeholder="All categories"
    )
    start, end = _period(period)
    shown = filter_transactions(transactions, start, end, chosen_groups, chosen_categories)
    approved = shown[shown["STATUS"] == "approved"]
    limited = len(transactions) >= TRANSACTION_LIMIT
    st.caption(
        f"{count(len(shown))} of the customer's {count(len(transactions))} "
        f"{'most recent ' if limited else ''}transactions · approved spend {cents(float(approved['TRANSACTION_AMOUNT'].sum()))}"
    )
    if approved.empty:
        st.info("No approved transactions in this selection to chart.")
    else:
        _charts(approved)
    st.dataframe(
        shown.assign(CATEGORY_GROUP=shown["CATEGORY_GROUP"].str.title()),
        key="c360_txn_table",
        hide_index=True,
        column_config=transaction_columns("YYYY-MM-DD HH:mm"),
    )


def _period(value: object) -> tuple[date | None, date | None]:
    """A date_input range (mid-selection it holds one date) as inclusive start and end."""
    if isinstance(value, date):
        return value, value
    chosen = list(value or ())
    if not chosen:
        return None, None
    return chosen[0], chosen[-1]


def _charts(approved: pd.DataFrame) -> None:
    days = approved["TRANSACTION_DATE"].dt.normalize()
    span = (days.max() - days.min()).days
    if span <= 92:
        bucket, label = days, "Day"
    else:
        bucket, label = days.dt.to_period("M").dt.to_timestamp(), "Month"
    over_time = approved.assign(PERIOD=bucket).groupby("PERIOD", as_index=False)["TRANSACTION_AMOUNT"].sum()
    trend = figure(
        [go.Bar(x=over_time["PERIOD"], y=over_time["TRANSACTION_AMOUNT"], name="Spend")],
        label,
        "Spend ($)",
    )
    by_category = (
        approved.groupby(["MERCHANT_CATEGORY", "CATEGORY_GROUP"], as_index=False, dropna=False)["TRANSACTION_AMOUNT"]
        .sum()
        .nlargest(12, "TRANSACTION_AMOUNT")
    )
    groups = by_category["CATEGORY_GROUP"].fillna("other").str.title()
    mix = figure(
        [
            go.Bar(x=rows["TRANSACTION_AMOUNT"], y=rows["MERCHANT_CATEGORY"], name=group, orientation="h")
            for group, rows in by_category.groupby(groups, sort=True)
        ],
        "Spend ($)",
        "",
        barmode="stack",
        yaxis={"categoryorder": "total ascending"},
    )
    left, right = st.columns(2)
    chart(left, f"Approved spend per {label.lower()}", trend, "c360_chart_trend")
    chart(right, "Spend by merchant category (top 12)", mix, "c360_chart_categories")
