"""Customer 360's "streamed today" section: the customer's streamed transactions of the stream's latest day and
that day's figures from GOLD.DT_CUSTOMER_DAILY_SPEND, "fresh as of" its data timestamp."""

from __future__ import annotations

import streamlit as st
from data_access import AppData
from streaming_data import streamed_today

from tabs import cents, count, transaction_columns


def render_section(data: AppData, customer_id: str) -> None:
    view = streamed_today(data, customer_id)
    if view is None:  # nothing was ever streamed to this database: no section
        return
    st.markdown("**Streamed today**")
    fresh = f"fresh as of {view.fresh_as_of:%Y-%m-%d %H:%M:%S} UTC" if view.fresh_as_of else "not refreshed yet"
    if view.day is None:
        st.caption(f"No transaction has been streamed yet · daily spend {fresh}")
        return
    daily = view.daily or {}
    st.caption(
        f"{view.day:%Y-%m-%d}, the latest streamed day · {count(len(view.transactions))} streamed transaction(s) · "
        f"daily spend {fresh}"
    )
    figures = st.columns(3)
    figures[0].metric("Approved spend that day", cents(float(daily["APPROVED_SPEND"])) if daily else "—")
    figures[1].metric("Transactions that day", count(int(daily["TRANSACTION_COUNT"])) if daily else "—")
    figures[2].metric("Declined that day", count(int(daily["DECLINED_COUNT"])) if daily else "—")
    if view.transactions.empty:
        st.info(f"This customer has no streamed transaction on {view.day:%Y-%m-%d}.")
        return
    st.dataframe(
        view.transactions,
        key="c360_streamed_table",
        hide_index=True,
        column_config=transaction_columns(
            "YYYY-MM-DD HH:mm:ss",
            _PRODUCED_AT=st.column_config.DatetimeColumn("Streamed at", format="YYYY-MM-DD HH:mm:ss"),
        ),
    )
