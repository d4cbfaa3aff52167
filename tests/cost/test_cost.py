"""Cost guardrails: the projection, threshold and spike functions; the cost SQL (sql/06_cost.sql's view and the
alert's insert, and the account reads of the Cost tab) run on the local engine over fixture tables that carry
the real ACCOUNT_USAGE views' columns; estimates from OPS.PIPELINE_RUNS; the runner's query tag per step."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from c360_pipeline import engine
from c360_pipeline.config import CostSettings, PipelineConfig
from c360_pipeline.cost.guardrails import (
    AT_RISK,
    OVER,
    WARNING,
    WITHIN,
    apportion_hour_credits,
    budget_status,
    credit_spikes,
    estimated_credits,
    month_to_date,
    parse_query_tag,
    projected_month_credits,
    step_query_tag,
)
from c360_pipeline.cost.usage import account_report, estimated_report
from c360_pipeline.deploy import localise, split_statements
from c360_pipeline.orchestration import runner
from c360_pipeline.orchestration.run_log import record_step
from c360_pipeline.steps import StepResult

SQL_FILE = Path(__file__).resolve().parents[2] / "sql" / "06_cost.sql"
USAGE = "USAGE_FIXTURE.ACCOUNT_USAGE"

# The real views' columns (and types) that the cost SQL reads, plus a few it does not, as the views have them.
FIXTURE_TABLES = {
    "WAREHOUSE_METERING_HISTORY": "START_TIME TIMESTAMP_LTZ, END_TIME TIMESTAMP_LTZ, WAREHOUSE_ID NUMBER, "
                                  "WAREHOUSE_NAME VARCHAR, CREDITS_USED NUMBER(38,9), CREDITS_USED_COMPUTE NUMBER(38,9), "
                                  "CREDITS_USED_CLOUD_SERVICES NUMBER(38,9)",
    "QUERY_HISTORY": "QUERY_ID VARCHAR, QUERY_TEXT VARCHAR, DATABASE_NAME VARCHAR, QUERY_TYPE VARCHAR, "
                     "WAREHOUSE_NAME VARCHAR, WAREHOUSE_SIZE VARCHAR, QUERY_TAG VARCHAR, EXECUTION_STATUS VARCHAR, "
                     "START_TIME TIMESTAMP_LTZ, END_TIME TIMESTAMP_LTZ, TOTAL_ELAPSED_TIME NUMBER, EXECUTION_TIME NUMBER",
    "CORTEX_SEARCH_DAILY_USAGE_HISTORY": "USAGE_DATE TIMESTAMP_LTZ, DATABASE_NAME VARCHAR, SCHEMA_NAME VARCHAR, "
                                         "SERVICE_NAME VARCHAR, SERVICE_ID NUMBER, CONSUMPTION_TYPE VARCHAR, "
                                         "CREDITS NUMBER(38,9), MODEL_NAME VARCHAR, TOKENS VARCHAR",
    "CORTEX_ANALYST_USAGE_HISTORY": "START_TIME TIMESTAMP_LTZ, END_TIME TIMESTAMP_LTZ, REQUEST_COUNT NUMBER, "
                                    "CREDITS NUMBER(38,9), USERNAME VARCHAR",
    "CORTEX_FUNCTIONS_USAGE_HISTORY": "START_TIME TIMESTAMP_LTZ, END_TIME TIMESTAMP_LTZ, FUNCTION_NAME VARCHAR, "
                                      "MODEL_NAME VARCHAR, WAREHOUSE_ID NUMBER, TOKEN_CREDITS NUMBER(38,9), TOKENS NUMBER",
}

TODAY = date.today()
DAILY_CREDITS = [1.0, 1.2, 0.8, 1.0, 1.0, 1.1, 0.9, 4.0, 1.0]  # day 7 (index) is a spike: 4.0 > 2 × 1.0


def day(offset: int) -> date:
    return TODAY - timedelta(days=len(DAILY_CREDITS) - 1 - offset)


@pytest.fixture()
def usage(session):
    """ACCOUNT_USAGE stand-ins on the local engine: two metered hours a day for C360_WH (and one for another
    warehouse), its queries tagged by step, and Cortex usage rows."""
    session.sql("CREATE DATABASE IF NOT EXISTS USAGE_FIXTURE").collect()
    session.sql(f"CREATE SCHEMA IF NOT EXISTS {USAGE}").collect()
    for table, columns in FIXTURE_TABLES.items():
        session.sql(f"CREATE OR REPLACE TABLE {USAGE}.{table} ({columns})").collect()
    metering, queries = [], []
    for index, credits in enumerate(DAILY_CREDITS):
        for hour, share, tag_step in ((2, 0.75, "stage_silver"), (3, 0.25, "data_quality")):
            start = datetime.combine(day(index), datetime.min.time()) + timedelta(hours=hour)
            metering.append(f"('{start}', '{start + timedelta(hours=1)}', 1, 'C360_WH', {credits * share:.9f}, "
                            f"{credits * share:.9f}, 0)")
            tag = step_query_tag(tag_step, f"run-{index}").replace("'", "''")
            queries.append(f"('q{index}{hour}a', 'select', 'C360', 'SELECT', 'C360_WH', 'X-Small', '{tag}', 'SUCCESS', "
                           f"'{start + timedelta(minutes=1)}', '{start + timedelta(minutes=2)}', 3000, 3000)")
            queries.append(f"('q{index}{hour}b', 'select', 'C360', 'SELECT', 'C360_WH', 'X-Small', '', 'SUCCESS', "
                           f"'{start + timedelta(minutes=5)}', '{start + timedelta(minutes=6)}', 1000, 1000)")
        other = datetime.combine(day(index), datetime.min.time()) + timedelta(hours=9)
        metering.append(f"('{other}', '{other + timedelta(hours=1)}', 2, 'OTHER_WH', 50, 50, 0)")
    session.sql(f"INSERT INTO {USAGE}.WAREHOUSE_METERING_HISTORY VALUES {', '.join(metering)}").collect()
    session.sql(f"INSERT INTO {USAGE}.QUERY_HISTORY VALUES {', '.join(queries)}").collect()
    session.sql(f"INSERT INTO {USAGE}.CORTEX_SEARCH_DAILY_USAGE_HISTORY VALUES "
                f"('{day(8)}', 'C360', 'GOLD', 'DOCS_SEARCH', 7, 'SERVING', 0.25, NULL, NULL), "
                f"('{day(8)}', 'OTHER_DB', 'S', 'X', 8, 'SERVING', 9, NULL, NULL)").collect()
    session.sql(f"INSERT INTO {USAGE}.CORTEX_ANALYST_USAGE_HISTORY VALUES "
                f"('{day(7)} 10:00:00', '{day(7)} 11:00:00', 12, 0.8, 'ANALYST')").collect()
    session.sql(f"INSERT INTO {USAGE}.CORTEX_FUNCTIONS_USAGE_HISTORY VALUES "
                f"('{day(6)} 10:00:00', '{day(6)} 11:00:00', 'COMPLETE', 'llama', 1, 0.05, 1000)").collect()
    return session


# --- the arithmetic ------------------------------------------------------------------------------------------

def test_the_month_is_projected_at_its_month_to_date_daily_rate():
    daily = pd.DataFrame({"DAY": [date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 10)], "CREDITS": [9.0, 1.0, 2.0]})
    assert month_to_date(daily, date(2025, 6, 10)) == 3.0  # May's day is not June's
    assert projected_month_credits(daily, date(2025, 6, 10)) == pytest.approx(3.0 / 10 * 30)
    assert projected_month_credits(daily.iloc[:0], date(2025, 6, 10)) == 0.0


@pytest.mark.parametrize("spent, projected, status", [
    (2.0, 10.0, WITHIN), (2.0, 12.0, WARNING), (2.0, 15.0, AT_RISK), (15.0, 15.0, OVER), (16.0, 30.0, OVER),
])
def test_budget_status_thresholds(spent, projected, status):
    assert budget_status(spent, projected, limit=15.0, warning_share=0.8) == status


def test_a_budget_needs_a_positive_limit():
    with pytest.raises(ValueError, match="positive"):
        budget_status(1, 1, 0)


def test_a_spike_is_a_day_above_factor_times_the_days_before_and_above_the_minimum():
    daily = pd.DataFrame({"DAY": [day(i) for i in range(len(DAILY_CREDITS))], "CREDITS": DAILY_CREDITS})
    spikes = credit_spikes(daily, factor=2.0, window=7, min_credits=0.5)
    assert list(spikes["DAY"]) == [day(7)]
    assert spikes["BASELINE"].iloc[0] == pytest.approx(sum(DAILY_CREDITS[:7]) / 7)
    assert credit_spikes(daily, factor=2.0, window=7, min_credits=5.0).empty  # an idle warehouse's noise
    tiny = pd.DataFrame({"DAY": [day(0), day(1)], "CREDITS": [0.01, 0.2]})
    assert credit_spikes(tiny, min_credits=0.5).empty and credit_spikes(tiny, min_credits=0.1)["DAY"].tolist() == [day(1)]


def test_query_tags_name_the_step_and_other_tags_are_not_c360_s():
    tag = step_query_tag("stage_silver", "run-1")
    assert json.loads(tag) == {"app": "c360", "step": "stage_silver", "run_id": "run-1"}
    assert parse_query_tag(tag) == "stage_silver"
    for other in (None, "", "nightly etl", '{"app": "dbt", "step": "x"}', "[1, 2]"):
        assert parse_query_tag(other) is None


def test_an_hour_s_credits_are_shared_by_execution_time_and_add_up():
    hours = pd.DataFrame({"HOUR": [1, 2], "CREDITS": [1.0, 2.0]})
    tagged = pd.DataFrame({"HOUR": [1, 1, 2], "QUERY_TAG": [step_query_tag("a", "r"), None, step_query_tag("a", "r")],
                           "EXECUTION_MS": [3000, 1000, 500]})
    steps = apportion_hour_credits(hours, tagged).set_index("STEP")
    assert steps.loc["a", "CREDITS"] == pytest.approx(0.75 + 2.0)
    assert steps.loc["(other queries)", "CREDITS"] == pytest.approx(0.25)
    assert steps["CREDITS"].sum() == pytest.approx(3.0) and steps.loc["a", "SECONDS"] == pytest.approx(3.5)


def test_estimated_credits_follow_the_warehouse_size():
    assert estimated_credits(3600, "XSMALL") == 1.0 and estimated_credits(1800, "MEDIUM") == 2.0


# --- the cost SQL on the local engine ---------------------------------------------------------------------------

class CostStatements:
    """06_cost.sql's statements as deploy runs them, pointed at the fixture views; looked up by how they start."""

    def __init__(self, cfg: PipelineConfig):
        self.texts = [localise(s, cfg).replace("SNOWFLAKE.ACCOUNT_USAGE", USAGE)
                      for s in split_statements(SQL_FILE.read_text())]

    def __getitem__(self, start: str) -> str:
        (found,) = [t for t in self.texts if " ".join(t.split()).startswith(start)]
        return found


def cost_statements(cfg: PipelineConfig) -> CostStatements:
    return CostStatements(cfg)


def test_the_credit_spikes_view_and_the_alert_s_insert_record_each_spike_once(usage, cfg):
    usage.sql(f"CREATE SCHEMA IF NOT EXISTS {cfg.schema('OPS')}").collect()
    statements = cost_statements(cfg)
    usage.sql(statements["CREATE TABLE IF NOT EXISTS C360.OPS.COST_EVENTS"]).collect()
    usage.sql(statements["CREATE OR REPLACE VIEW C360.OPS.CREDIT_SPIKES"]).collect()
    spikes = usage.table("C360.OPS.CREDIT_SPIKES").collect()
    assert [(r["DAY"], float(r["CREDITS"])) for r in spikes] == [(day(7), pytest.approx(4.0))]
    daily = pd.DataFrame({"DAY": [day(i) for i in range(len(DAILY_CREDITS))], "CREDITS": DAILY_CREDITS})
    assert list(credit_spikes(daily)["DAY"]) == [r["DAY"] for r in spikes]  # the same rule in Python

    alert = statements["CREATE OR REPLACE ALERT C360.OPS.CREDIT_SPIKE_ALERT"]
    insert = re.search(r"BEGIN\s+(INSERT INTO .*?);\s+CALL SYSTEM\$SEND_SNOWFLAKE_NOTIFICATION", alert, re.S).group(1)
    usage.sql(insert).collect()
    usage.sql(insert).collect()  # the next hour's run: the spike is recorded already
    events = usage.table("C360.OPS.COST_EVENTS").collect()
    assert len(events) == 1 and events[0]["EVENT_TYPE"] == "credit_spike" and events[0]["EVENT_DAY"] == day(7)
    assert re.fullmatch(rf"C360_WH used 4(\.0+)? credits on {day(7)}, 4(\.0)?x the average of the 7 days before",
                        events[0]["MESSAGE"]), events[0]["MESSAGE"]


def test_the_cost_sql_converges_and_its_numbers_are_the_configured_defaults():
    text = SQL_FILE.read_text()
    defaults = CostSettings()
    assert f"SET_SPENDING_LIMIT({defaults.monthly_credit_budget:g})" in text
    assert f"CREDITS > {defaults.spike_factor:.1f} * BASELINE AND CREDITS >= {defaults.spike_min_credits}" in text
    assert f"ROWS BETWEEN {defaults.spike_window_days} PRECEDING AND 1 PRECEDING" in text
    assert "ADD_RESOURCE(SYSTEM$REFERENCE('WAREHOUSE', 'C360_WH', 'SESSION', 'APPLYBUDGET'))" in text
    for statement in split_statements(text):
        first = statement.split()[0:4]
        if first[0] == "CREATE":
            assert "IF NOT EXISTS" in statement.split("(")[0] or statement.startswith("CREATE OR REPLACE"), statement[:80]
    assert "RESOURCE MONITOR" in (SQL_FILE.parent / "03_monitoring.sql").read_text()  # the monitor stays


def test_the_account_report_reads_the_usage_views_for_the_c360_warehouse(usage, cfg):
    report = account_report(usage, cfg, TODAY, days=30, usage=USAGE)
    assert not report.estimated
    by_day = dict(zip(report.daily["DAY"], report.daily["CREDITS"]))
    assert by_day == {day(i): pytest.approx(c) for i, c in enumerate(DAILY_CREDITS)}  # OTHER_WH left out
    steps = report.by_step.set_index("STEP")["CREDITS"]
    total = sum(DAILY_CREDITS)
    assert steps["stage_silver"] == pytest.approx(total * 0.75 * 0.75)
    assert steps["data_quality"] == pytest.approx(total * 0.25 * 0.75)
    assert steps["(other queries)"] == pytest.approx(total * 0.25)
    services = report.services.groupby("SERVICE")["CREDITS"].sum().to_dict()
    assert services == {"Cortex Search": pytest.approx(0.25), "Cortex Analyst": pytest.approx(0.8),
                        "Cortex functions": pytest.approx(0.05)}
    assert list(report.spikes(cfg)["DAY"]) == [day(7)]


def test_the_local_report_estimates_credits_from_step_seconds(session, cfg):
    for started, step, seconds in ((datetime(2025, 6, 29, 2), "stage_silver", 1800.0),
                                   (datetime(2025, 6, 30, 2), "stage_silver", 900.0),
                                   (datetime(2025, 6, 30, 2, 30), "data_quality", 900.0)):
        record_step(session, cfg, f"run-{started:%d}", StepResult(step, seconds=seconds), started)
    report = estimated_report(session, cfg.model_copy(update={"cost": CostSettings(warehouse_size="SMALL")}))
    assert report.estimated and report.as_of == date(2025, 6, 30) and "estimated" in report.basis
    assert dict(zip(report.daily["DAY"], report.daily["CREDITS"])) == {date(2025, 6, 29): 1.0, date(2025, 6, 30): 1.0}
    steps = report.by_step.set_index("STEP")
    assert steps.loc["stage_silver", "CREDITS"] == pytest.approx(1.5) and steps.loc["stage_silver", "RUNS"] == 2
    assert report.spent == 2.0 and report.projected == pytest.approx(2.0) and report.status == WITHIN


# --- the runner's query tag ------------------------------------------------------------------------------------

def test_the_runner_tags_each_step_s_statements_and_restores_the_session_tag(session, cfg, monkeypatch):
    seen = []
    real_call = engine.call_procedure

    def call_procedure(active, name, handler, argument):
        seen.append((name, active.query_tag, active._conn._conn.query_tag))
        return real_call(active, name, handler, argument)

    monkeypatch.setattr(engine, "call_procedure", call_procedure)
    session.query_tag = "analyst session"
    summary = runner.run_pipeline(cfg, only="load_docs", session=session)
    assert summary.ok
    (step_name, tag, engine_tag), (final_name, final_tag, _) = seen
    assert step_name == "C360.OPS.LOAD_DOCS_SP" and final_name == "C360.OPS.RECORD_RUN_SP"
    assert json.loads(tag) == {"app": "c360", "step": "load_docs", "run_id": summary.run_id} and engine_tag == tag
    assert parse_query_tag(final_tag) == "record_run"
    assert session.query_tag == "analyst session" and session._conn._conn.query_tag == "analyst session"


def test_without_query_history_the_account_report_still_shows_the_days_and_says_why_steps_are_missing(usage, cfg):
    usage.sql(f"DROP TABLE {USAGE}.QUERY_HISTORY").collect()  # as the app's owner sees it: not granted
    report = account_report(usage, cfg, TODAY, days=30, usage=USAGE)
    assert report.by_step.empty and "QUERY_HISTORY, which this role cannot read" in report.basis
    assert len(report.daily) == len(DAILY_CREDITS)
