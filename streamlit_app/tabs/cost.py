"""Cost: the pipeline's credits by day and by step against the month's budget, and the AI services' usage.

On Snowflake the figures are measured (ACCOUNT_USAGE: warehouse metering, query history by the step query tag,
Cortex Search / Analyst / functions usage). Locally there is no bill: the tab shows ESTIMATED credits from
OPS.PIPELINE_RUNS step seconds × the configured warehouse size's rate, and says so.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import streamlit as st
from data_access import AppData

from c360_pipeline.cost.guardrails import OVER, WITHIN
from c360_pipeline.cost.usage import CostReport, account_report, estimated_report
from tabs import chart, figure, plain

CACHE_SECONDS = 600


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS)
def _report(engine: str, home: str | None, database: str, stamp: int | None, today: date, _data: AppData) -> CostReport:
    cfg = _data.config()
    with _data.reading() as session:
        if engine == "snowflake":
            return account_report(session, cfg, today)
        return estimated_report(session, cfg)


def _credits(value: float) -> str:
    return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"


def render(data: AppData) -> None:
    st.subheader("Cost")
    cfg = data.config()
    try:
        report = _report(data.engine, data.home, data.database, data.stamp(), date.today(), data)
    except Exception as problem:  # no OPS.PIPELINE_RUNS yet, or no ACCOUNT_USAGE access
        if data.engine == "local":  # no run recorded yet: nothing is wrong, there is nothing to show
            st.info(f"No pipeline run is recorded in OPS.PIPELINE_RUNS yet ({type(problem).__name__}): run the "
                    "pipeline first with c360 run, and the estimated credits of its steps appear here.")
        else:
            st.warning(f"Cost figures need SNOWFLAKE.ACCOUNT_USAGE, which this app cannot read "
                       f"({type(problem).__name__}): its owner role needs the SNOWFLAKE.USAGE_VIEWER database role "
                       "(sql/06_cost.sql grants it).")
        return
    if report.estimated:
        st.info(f"ESTIMATED credits — the local engine has no bill. {plain(report.basis)}; the budget is "
                f"{report.limit:g} credits a month (C360.OPS.C360_BUDGET on Snowflake).")
    else:
        st.caption(plain(report.basis))
    label = "Estimated credits" if report.estimated else "Credits"
    columns = st.columns(4)
    columns[0].metric(f"{label} this month", _credits(report.spent))
    columns[1].metric("Projected for the month", _credits(report.projected))
    columns[2].metric("Monthly budget", f"{report.limit:g}")
    columns[3].metric("Status", report.status)
    if report.status == OVER:
        st.error(f"The month's credits ({_credits(report.spent)}) have reached the budget of {report.limit:g}.")
    elif report.status != WITHIN:
        st.warning(f"{report.status.capitalize()}: projected {_credits(report.projected)} of {report.limit:g} credits.")

    if len(report.daily):
        daily = report.daily
        pace = report.limit / 30.0
        days = [f"{d:%b} {d.day}" for d in daily["DAY"]]  # categories, not a time axis with hours
        traces = [go.Bar(x=days, y=daily["CREDITS"], name=label),
                  go.Scatter(x=days, y=[pace] * len(daily), mode="lines",
                             name="budget pace (limit / 30 days)")]
        chart(st, f"{label} by day", figure(traces, "Day", "Credits"), key="cost_by_day")
    else:
        st.caption("No credits recorded yet.")

    if len(report.by_step):
        steps = report.by_step
        chart(st, f"{label} by step", figure([go.Bar(x=steps["STEP"], y=steps["CREDITS"], name=label)], "Step", "Credits"),
              key="cost_by_step")
        st.dataframe(steps, hide_index=True, use_container_width=True, key="cost_steps_table")
    else:
        st.caption("No pipeline step has run yet.")

    spikes = report.spikes(cfg)
    st.markdown("**Credit spikes** (a day above "
                f"{cfg.cost.spike_factor:g}× the average of the {cfg.cost.spike_window_days} days before)")
    if len(spikes):
        st.dataframe(spikes, hide_index=True, use_container_width=True, key="cost_spikes_table")
    else:
        st.caption("No spike in this period.")

    st.markdown("**Search and Cortex services**")
    if report.estimated:
        st.caption("Locally search runs in-process (BM25) and no Cortex service is called: no service credits.")
    elif len(report.services):
        st.dataframe(report.services, hide_index=True, use_container_width=True, key="cost_services_table")
    else:
        st.caption("No Cortex Search, Cortex Analyst or Cortex function usage in this period.")
