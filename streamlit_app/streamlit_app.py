"""Customer 360 app: Segment Explorer, Customer 360, AI Assistant, Campaign Simulator and Cost over the gold layer.

Runs in Streamlit in Snowflake (the active session) and locally over the local database
(`c360 app --home DIR`, which sets C360_HOME), read-only. Each tab is a module in `tabs/` with `render(data)`.
"""

from __future__ import annotations

import functools
import importlib

import data_access
import streamlit as st

# (tab label, module in tabs/ with render(data)): adding a tab is one line here.
TABS: tuple[tuple[str, str], ...] = (
    ("Segment Explorer", "segment_explorer"),
    ("Customer 360", "customer_360"),
    ("AI Assistant", "ai_assistant"),
    ("Campaign Simulator", "campaign_simulator"),
    ("Cost", "cost"),
)


def guarded(render):
    """A tab's render that shows "the tables cannot be read now" (a run writing, no data) as a message."""

    @functools.wraps(render)
    def run(data: data_access.AppData) -> None:
        try:
            with data.batch():  # what this run of the tab reads anew, it reads through one session
                render(data)
        except data_access.DatabaseBusy as busy:
            st.warning(str(busy))
        except data_access.DataUnavailable as problem:
            st.error(str(problem))

    return run


def main() -> None:
    data = data_access.app_data()
    if data.engine == "local":
        st.set_page_config(page_title="Customer 360", page_icon="📇", layout="wide")
    else:  # Streamlit in Snowflake does not support page_title / page_icon
        st.set_page_config(layout="wide")
    st.title("Customer 360")
    try:
        with data.batch():
            data.check()
            facets = data.facets()
    except data_access.DataUnavailable as problem:
        st.error(str(problem))
        st.stop()
    except data_access.DatabaseBusy as busy:
        st.warning(str(busy))
        if st.button("Reload data", key="app_reload_busy", help="Try again (after the run has finished)."):
            data_access.clear_caches()
            st.rerun()
        st.stop()
    st.caption(f"{facets.customers:,} customers · data as of {facets.as_of or 'unknown'} · {data.describe()}")
    with st.sidebar:
        st.markdown("**Data**")
        st.caption(data.describe())
        if st.button("Reload data", key="app_reload", help="Read the gold tables again (after a pipeline run)."):
            data_access.clear_caches()
            st.rerun()
    for (label, module), tab in zip(TABS, st.tabs([label for label, _ in TABS])):
        with tab:
            render = importlib.import_module(f"tabs.{module}").render
            # A fragment: a widget change re-runs only its own tab, not all of them.
            st.fragment(guarded(render))(data)


main()
