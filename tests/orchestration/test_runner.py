"""The local runner: handlers registered and called as procedures, failures, resumes, nightly idempotence."""

from __future__ import annotations

import importlib.util
import io
import json
from datetime import date

import pandas as pd
import pytest
from rich.console import Console

from c360_pipeline import engine
from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.orchestration import dag, procedures, runner
from c360_pipeline.orchestration.procedures import StepFailed
from c360_pipeline.orchestration.runner import procedure_handler, run_pipeline, select_steps

CUSTOMERS_CSV = """customer_id,first_name,last_name,email,age,state,city,employment_status,card_type,credit_limit,account_open_date,customer_segment,decline_type,updated_at
CUST00000001,Ana,Lopez,ana.lopez@example.com,34,CA,Fresno,Employed,Standard,5000.00,2024-01-15,,,2024-01-15 10:00:00
CUST00000001,Ana,Lopez,ana.lopez@example.com,34,CA,Fresno,Employed,Gold,8000.00,2024-01-15,,,2025-05-01 09:00:00
CUST00000002,Ben,Okafor,ben.okafor@example.com,51,NY,Albany,Self-Employed,Platinum,20000.00,2023-06-01,,,2023-06-01 12:00:00
"""
TRANSACTIONS_CSV = """transaction_id,customer_id,transaction_date,transaction_amount,merchant_name,merchant_category,channel,status
TXN000000000001,CUST00000001,2025-04-03 17:55:58,112.44,Hunter Department Store,Department Stores,In-Store,approved
TXN000000000002,CUST00000001,2025-05-04 16:22:31,39.57,Palmer Apothecary,Pharmacies,In-Store,approved
TXN000000000003,CUST00000002,2025-06-10 08:00:00,1250.00,Sky Air,Airlines,Online,approved
TXN000000000004,CUST00000002,2025-06-11 09:30:00,80.10,Corner Grocer,Grocery Stores,Mobile,declined
"""


@pytest.fixture()
def raw_cfg(cfg: PipelineConfig, session) -> PipelineConfig:
    """The conftest config with two customers and four transactions delivered and landed on the stage."""
    from c360_pipeline.steps.ingest import land_directory

    cfg.raw_dir.mkdir(parents=True, exist_ok=True)
    (cfg.raw_dir / "customers_20250630.csv").write_text(CUSTOMERS_CSV)
    (cfg.raw_dir / "transactions_20250630_001.csv").write_text(TRANSACTIONS_CSV)
    land_directory(session, cfg)
    return cfg


def runs_of(session, cfg: PipelineConfig, run_id: str) -> pd.DataFrame:
    frame = Warehouse.of(session, cfg).to_pandas("OPS", "PIPELINE_RUNS")
    return frame[frame["RUN_ID"] == run_id].set_index("STEP")


def failing_runner(session, cfg):
    raise RuntimeError("credit bureau feed unreachable")


# ------------------------------------------------------------------------------------------
# selection and arguments


def test_select_steps_only_from_and_all():
    assert [s.name for s in select_steps()] == [s.name for s in dag.topological_order()]
    assert [s.name for s in select_steps(only="hero_metrics")] == ["hero_metrics"]
    resumed = [s.name for s in select_steps(from_step="score_churn")]
    assert resumed == ["score_churn", "customer_360_profile", "data_quality"]
    with pytest.raises(ValueError, match="cannot be combined"):
        select_steps(only="dim_date", from_step="dim_date")
    with pytest.raises(KeyError, match="unknown step"):
        select_steps(from_step="dim_cusomer")


def test_procedure_argument_unknown_setting_is_named(session):
    with pytest.raises(ConfigError, match="wrehouse"):
        procedures.parse_procedure_argument(session, '{"wrehouse": "X"}')
    with pytest.raises(ConfigError, match="not valid JSON"):
        procedures.parse_procedure_argument(session, "{as_of: 2025}")
    cfg, run = procedures.parse_procedure_argument(session, '{"as_of": "2025-06-30", "run_id": "r1", "record": false}')
    assert cfg.as_of == date(2025, 6, 30) and cfg.engine == "local"
    assert run == {"run_id": "r1", "record": False}


# ------------------------------------------------------------------------------------------
# every handler, called as its procedure on a local session


@pytest.mark.parametrize("step", [s.name for s in dag.ALL_PROCEDURE_STEPS])
def test_every_handler_loads_and_answers_as_its_procedure(session, cfg, step):
    """With nothing built yet a step either finishes or fails naming what is missing — never an import error."""
    procedure = dag.step_named(step) if step != dag.FINALIZER.name else dag.FINALIZER
    argument = json.dumps(dict(cfg.model_dump(mode="json"), run_id="handler-check", record=False))
    try:
        text = engine.call_procedure(session, procedure.qualified_procedure(cfg), procedure_handler(procedure), argument)
        result = procedures.StepResult.from_json(text)
    except StepFailed as cause:
        assert cause.result.step == step
        message = cause.result.message
        assert "ModuleNotFoundError" not in message and "ImportError" not in message and "AttributeError" not in message
        names_the_gap = "does not exist" in message or "TableMissing" in message or " first" in message
        assert names_the_gap, f"{step}: unclear failure: {message}"
    else:
        assert result.step == step
        assert result.status in {"succeeded", "warning", "failed"}


def test_run_pipeline_procedure_runs_a_step_inside_one_call(session, cfg):
    """RUN_PIPELINE (the worksheet procedure, procedures/run_pipeline.py) calls the step procedures from inside a call."""
    spec = importlib.util.spec_from_file_location("run_pipeline_procedure", runner.procedures_dir() / "run_pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argument = json.dumps({"home": str(cfg.home), "as_of": "2025-06-30", "only": "dim_merchant_category"})
    summary = json.loads(engine.call_procedure(session, "C360.OPS.RUN_PIPELINE", module.main, argument))
    assert summary["ok"] is True
    assert [s["step"] for s in summary["steps"]] == ["dim_merchant_category"]
    assert summary["steps"][0]["rows_out"] == 50
    assert Warehouse.of(session, cfg).to_pandas("GOLD", "DIM_MERCHANT_CATEGORY").shape[0] == 50


# ------------------------------------------------------------------------------------------
# failures and resumes


def test_failure_in_a_middle_step_stops_downstream_keeps_the_rest_and_is_recorded(session, raw_cfg, monkeypatch):
    from c360_pipeline.steps import dimension_tables as gold

    monkeypatch.setattr(gold, "run_dim_customer", failing_runner)
    output = io.StringIO()
    summary = run_pipeline(raw_cfg, session=session, console=Console(file=output, width=200))

    assert summary.ok is False
    assert summary.failed_step == "dim_customer"
    assert "credit bureau feed unreachable" in summary.reason
    status = {r.step: r.status for r in summary.results}
    # Tasks semantics: the sibling branches still run; everything downstream of the failure does not.
    assert status["ingest_bronze"] == status["stage_silver"] == "succeeded"
    assert status["dim_date"] == status["dim_merchant_category"] == "succeeded"
    for downstream in dag.downstream_of("dim_customer"):
        assert status[downstream] == "skipped"

    recorded = runs_of(session, raw_cfg, summary.run_id)
    assert recorded.loc["dim_customer", "STATUS"] == "failed"
    assert "credit bureau feed unreachable" in recorded.loc["dim_customer", "MESSAGE"]
    assert recorded.loc["fct_transactions", "STATUS"] == "skipped"
    assert recorded.loc["record_run", "STATUS"] == "failed"
    assert "dim_customer" in recorded.loc["record_run", "MESSAGE"]
    # What succeeded is persisted; the failed step wrote nothing.
    assert Warehouse.of(session, raw_cfg).exists("GOLD", "DIM_DATE")
    assert not Warehouse.of(session, raw_cfg).exists("GOLD", "DIM_CUSTOMER")
    text = output.getvalue()
    assert "step 'dim_customer' failed: RuntimeError: credit bureau feed unreachable" in text
    assert "not run: fct_transactions" in text


def test_from_resumes_at_the_failed_step_without_reloading_upstream(session, raw_cfg, monkeypatch):
    from c360_pipeline.steps import dimension_tables as gold

    with monkeypatch.context() as patched:
        patched.setattr(gold, "run_dim_customer", failing_runner)
        failed = run_pipeline(raw_cfg, session=session)
    assert failed.failed_step == "dim_customer"
    bronze_rows = Warehouse.of(session, raw_cfg).read("BRONZE", "RAW_TRANSACTIONS").count()

    resumed = run_pipeline(raw_cfg, session=session, from_step="dim_customer")

    ran = [r.step for r in resumed.results]
    assert ran == [s.name for s in select_steps(from_step="dim_customer")]
    assert "ingest_bronze" not in ran and "stage_silver" not in ran and "dim_date" not in ran
    assert resumed.result("dim_customer").status == "succeeded"
    assert resumed.result("fct_transactions").status == "succeeded"
    assert resumed.result("fct_transactions").rows_out == 4
    assert Warehouse.of(session, raw_cfg).read("BRONZE", "RAW_TRANSACTIONS").count() == bronze_rows
    assert Warehouse.of(session, raw_cfg).read("GOLD", "DIM_CUSTOMER").count() == 3
    recorded = runs_of(session, raw_cfg, resumed.run_id)
    assert recorded.loc["dim_customer", "STATUS"] == "succeeded"
    assert "ingest_bronze" not in recorded.index


def test_only_runs_one_step_and_the_finalizer(session, raw_cfg):
    summary = run_pipeline(raw_cfg, session=session, only="ingest_bronze")
    assert [r.step for r in summary.results] == ["ingest_bronze"]
    assert summary.ok and summary.result("ingest_bronze").rows_out == 7
    recorded = runs_of(session, raw_cfg, summary.run_id)
    assert set(recorded.index) == {"ingest_bronze", "record_run"}
    assert recorded.loc["record_run", "STATUS"] == "succeeded"


def test_live_display_on_a_terminal_ends_with_the_summary_table(session, raw_cfg):
    output = io.StringIO()
    console = Console(file=output, force_terminal=True, width=160)
    summary = run_pipeline(raw_cfg, session=session, only="ingest_bronze", console=console)
    text = output.getvalue()
    assert summary.ok
    assert "ingest_bronze" in text and "succeeded" in text and "rows out" in text
    assert "1 step(s) succeeded" in text


# ------------------------------------------------------------------------------------------
# nightly: the same day twice changes nothing


def table_snapshot(session, cfg: PipelineConfig) -> dict[str, pd.DataFrame]:
    """Every non-OPS table of the warehouse, rows sorted, for comparison."""
    snapshot = {}
    tables = session.sql(
        f"SELECT TABLE_SCHEMA, TABLE_NAME FROM {cfg.database}.INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE'"
    ).collect()
    for schema, name in sorted((r[0], r[1]) for r in tables):
        if schema in {"OPS", "PUBLIC"}:
            continue
        frame = session.table(f"{cfg.database}.{schema}.{name}").to_pandas()
        snapshot[f"{schema}.{name}"] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return snapshot


def test_second_nightly_run_on_the_same_day_changes_nothing(session, cfg):
    """The smallest world whose churn labels can train a model (10 churned and 10 retained customers)."""
    from c360_pipeline.generator import generate_world

    generate_world(cfg.raw_dir, customers=60, seed=11, as_of=date(2025, 6, 30), days=300)
    cfg = cfg.model_copy(update={"customers": 60, "churn": cfg.churn.model_copy(
        update={"inactivity_days": 20, "decline_pct": 0.1})})
    nightly = runner.run_nightly(cfg, days=1, session=session)
    assert nightly.ok, nightly.days[-1].headline()
    day = nightly.days[0].as_of
    assert day == date(2025, 7, 1)
    before = table_snapshot(session, cfg)
    assert before, "the nightly run built no table"

    again = run_pipeline(cfg.model_copy(update={"as_of": day}), session=session)

    assert again.ok, again.headline()
    assert again.result("ingest_bronze").rows_out == 0
    after = table_snapshot(session, cfg)
    assert set(after) == set(before)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, check_dtype=False, obj=name)
