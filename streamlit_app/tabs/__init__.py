"""One module per tab, each with `render(data: AppData)`; shared widgets and number formats live here."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import streamlit as st
from data_access import AppData, CustomerFilter, Ordering

# Streamlit 1.52 added `download_button(data=callable)`: the file is built only when it is clicked.
# Streamlit in Snowflake's warehouse runtime offers 1.51, where the button takes the file's bytes.
BUILDS_DOWNLOADS_ON_CLICK = tuple(int(part) for part in st.__version__.split(".")[:2]) >= (1, 52)


def money(value: float | None) -> str:
    """Dollars without cents, e.g. $12,345 (— when unknown)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"${value:,.0f}"


def cents(value: float | None) -> str:
    """Dollars with cents, e.g. $54.20 (— when unknown)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"${value:,.2f}"


def count(value: int) -> str:
    return f"{value:,}"


def percent(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage, e.g. 0.1818 -> 18.2% (never "-0.0%")."""
    if fraction is None or math.isnan(fraction):
        return "—"
    shown = round(100 * fraction, digits)
    return f"{shown + 0.0:,.{digits}f}%"


def score(value: float | None) -> str:
    """A churn risk score 0-100 with one decimal (— before a model has scored)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.1f}"


def plain(text: str) -> str:
    """User text for a markdown element, with markdown and LaTeX characters escaped so it shows as typed."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:])", r"\\\1", text)


def transaction_columns(date_format: str, **extra: object) -> dict[str, object]:
    """The column headings and formats of a table of transactions (plus `extra` columns, after them)."""
    return {
        "TRANSACTION_ID": "Transaction",
        "TRANSACTION_DATE": st.column_config.DatetimeColumn("Date", format=date_format),
        "MERCHANT_NAME": "Merchant",
        "MERCHANT_CATEGORY": "Category",
        "CATEGORY_GROUP": "Group",
        "TRANSACTION_AMOUNT": st.column_config.NumberColumn("Amount", format="$%.2f"),
        "CHANNEL": "Channel",
        "STATUS": "Status",
        **extra,
    }


def ltv_range_slider(label: str, bounds: tuple[int, int], key: str) -> tuple[int, int]:
    """A lifetime-value range slider over whole-dollar `bounds`, its remembered value kept inside them."""
    low, high = bounds
    remembered = st.session_state.get(key)
    if remembered is None:
        st.session_state[key] = (low, high)
    else:
        start, end = (max(low, min(high, int(v))) for v in remembered)
        st.session_state[key] = (min(start, end), max(start, end))
    return st.slider(label, min_value=low, max_value=high, step=1, format="$%d", key=key)


def keep_choices(key: str, options: list[str]) -> None:
    """Drop remembered multiselect choices that the current data no longer offers."""
    remembered = st.session_state.get(key)
    if remembered:
        st.session_state[key] = [choice for choice in remembered if choice in options]


def figure(traces: list, x_title: str = "", y_title: str = "", **layout: object):
    """A Plotly figure from graph_objects traces (plotly.express costs ~0.15 s a chart; this ~0.01 s)."""
    import plotly.graph_objects as go

    base = {
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "height": 340,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    base.update(layout)
    return go.Figure(data=traces, layout=base)


def customer_csv_download(
    label: str, data: AppData, selection: CustomerFilter, columns: Sequence[str], order: Ordering, file_name: str, key: str
) -> None:
    """A button that downloads every customer of the selection (not only those listed) as CSV.

    Where Streamlit can, the file is read and built when the button is clicked; else it is built now
    (once per selection and database stamp), as older Streamlit needs the bytes with the button.
    """
    if BUILDS_DOWNLOADS_ON_CLICK:
        contents = data.customer_list_export(selection, columns, order)
    else:
        contents = data.customer_list_csv(selection, columns, order)
    st.download_button(label, data=contents, file_name=file_name, mime="text/csv", key=key)


def chart(column, title: str, figure_object, key: str) -> None:
    """A titled chart in a column (title above the chart; Plotly's toolbar off, it covers legends)."""
    column.markdown(f"**{title}**")
    column.plotly_chart(figure_object, key=key, config={"displayModeBar": False})
