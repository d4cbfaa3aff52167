"""The Snowflake path, proven on the local engine: every procedure as the Task DAG calls it, the run's as_of
resolved inside the procedures, rewrites that keep what is attached to a table, `--connection NAME`
as Snowpark resolves it, and Cortex Analyst's fallback shown to the user.

What cannot exist here is faked and named so: a task graph's runtime (`SYSTEM$TASK_RUNTIME_INFO`,
answered by a DuckDB macro), the connector's network connect, and Cortex Analyst's HTTP reply.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.orchestration import dag, procedures, runner
from c360_pipeline.orchestration.procedures import BEFORE_AS_OF
from c360_pipeline.semantic import cortex
from c360_pipeline.steps.ingest import land_directory

CUSTOMERS_CSV = """customer_id,first_name,last_name,email,age,state,city,employment_status,card_type,credit_limit,account_open_date,customer_segment,decline_type,updated_at
CUST00000001,Ana,Lopez,ana.lopez@example.com,34,CA,Fresno,Employed,Standard,5000.00,2024-01-15,,,2024-01-15 10:00:00
CUST00000002,Ben,Okafor,ben.okafor@example.com,51,NY,Albany,Self-Employed,Platinum,20000.00,2023-06-01,,,2023-06-01 12:00:00
"""
TRANSACTIONS_HEADER = "transaction_id,customer_id,transaction_date,transaction_amount,merchant_name,merchant_category,channel,status\n"


def transactions(*rows: str) -> str:
    return TRANSACTIONS_HEADER + "".join(f"{row}\n" for row in rows)


def land(session, directory: Path) -> None:
    """Deliver raw files as the client does before the nightly tasks run: onto the landing stage."""
    land_directory(session, PipelineConfig.build(), directory)


def call_as_task(session, step_name: str, argument: str = "{}") -> dict:
    """`CALL <STEP>_SP('{}')`, as the task body calls it; the procedure's JSON answer."""
    step = dag.FINALIZER if step_name == dag.FINALIZER.name else dag.step_named(step_name)
    cfg = PipelineConfig.build()
    return json.loads(engine.call_procedure(session, step.qualified_procedure(cfg), runner.procedure_handler(step), argument))


def fake_task_graph_runtime(session, run_group_id: str, scheduled: str) -> None:
    """Fake of SYSTEM$TASK_RUNTIME_INFO (a task graph's runtime cannot exist locally): the given run group and time."""
    engine.bulk_connection(session).execute(
        'CREATE OR REPLACE TEMP MACRO "system$task_runtime_info"(name) AS '
        f"CASE name WHEN 'CURRENT_TASK_GRAPH_RUN_GROUP_ID' THEN '{run_group_id}' "
        f"WHEN 'CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP' THEN '{scheduled}' END"
    )


def recorded_runs(session, run_id: str) -> pd.DataFrame:
    frame = Warehouse.of(session, PipelineConfig.build()).to_pandas("OPS", "PIPELINE_RUNS")
    return frame[frame["RUN_ID"] == run_id].set_index("STEP")


@pytest.fixture()
def delivery(tmp_path: Path) -> Path:
    """Two customers and three transactions delivered as the 2025-06-30 batch."""
    directory = tmp_path / "delivery"
    directory.mkdir()
    (directory / "customers_20250630.csv").write_text(CUSTOMERS_CSV)
    (directory / "transactions_20250630_001.csv").write_text(transactions(
        "TXN000000000001,CUST00000001,2025-06-03 17:55:58,112.44,Hunter Department Store,Department Stores,In-Store,approved",
        "TXN000000000002,CUST00000002,2025-06-10 08:00:00,1250.00,Sky Air,Airlines,Online,approved",
        "TXN000000000003,CUST00000002,2025-06-29 09:30:00,80.10,Corner Grocer,Grocery Stores,Mobile,approved",
    ))
    return directory


@pytest.fixture()
def procedure_home(tmp_path: Path, monkeypatch) -> Path:
    """The procedures' home: what `{}` resolves to (no path in the argument)."""
    home = tmp_path / "home"
    monkeypatch.setenv("C360_HOME", str(home))
    return home


# ------------------------------------------------------------------------------------------
# as_of, resolved inside the procedures


def test_a_task_graph_run_resolves_as_of_once_and_every_later_step_reads_it_back(session, delivery, procedure_home, tmp_path):
    land(session, delivery)
    fake_task_graph_runtime(session, "graph-run-1", "2025-07-01 02:00:00.000 -0700")

    assert call_as_task(session, "ingest_bronze")["status"] == "succeeded"
    staged = call_as_task(session, "stage_silver")
    # A delivery dated later lands while the run is going on: the run keeps its as_of.
    later = tmp_path / "later"
    later.mkdir()
    (later / "transactions_20250701_001.csv").write_text(transactions(
        "TXN000000000009,CUST00000001,2025-07-01 00:30:00,10.00,Corner Grocer,Grocery Stores,Mobile,approved"))
    land(session, later)
    call_as_task(session, "ingest_bronze")  # bronze now holds the 20250701 batch too
    call_as_task(session, "dim_merchant_category")

    assert staged["status"] == "succeeded" and staged["rows_out"] == 5  # 2 customers, 3 transactions
    recorded = recorded_runs(session, "graph-run-1")
    assert recorded.loc["stage_silver", "AS_OF_DATE"] == "2025-06-30"
    assert recorded.loc["dim_merchant_category", "AS_OF_DATE"] == "2025-06-30"
    # A new run of the graph resolves the new day.
    fake_task_graph_runtime(session, "graph-run-2", "2025-07-02 02:00:00.000 -0700")
    call_as_task(session, "dim_merchant_category")
    assert recorded_runs(session, "graph-run-2").loc["dim_merchant_category", "AS_OF_DATE"] == "2025-07-01"


def test_as_of_is_never_after_the_day_the_task_graph_was_scheduled(session, delivery, procedure_home):
    (delivery / "transactions_20250705_001.csv").write_text(transactions(
        "TXN000000000010,CUST00000001,2025-07-05 10:00:00,20.00,Corner Grocer,Grocery Stores,Mobile,approved"))
    land(session, delivery)
    fake_task_graph_runtime(session, "graph-run-3", "2025-07-01 02:00:00.000 +0000")

    call_as_task(session, "ingest_bronze")
    result = call_as_task(session, "stage_silver")

    assert recorded_runs(session, "graph-run-3").loc["stage_silver", "AS_OF_DATE"] == "2025-06-30"
    # The transaction of a day after as_of is refused as from the future, not silently counted.
    assert result["rows_rejected"] == 1


def test_a_step_without_bronze_fails_naming_the_table_and_the_fix(session, procedure_home):
    with pytest.raises(procedures.StepFailed) as failure:
        call_as_task(session, "stage_silver")
    message = failure.value.result.message
    assert "C360.BRONZE.RAW_TRANSACTIONS does not exist" in message and '{"as_of": "YYYY-MM-DD"}' in message


def test_an_explicit_as_of_wins_and_is_recorded(session, delivery, procedure_home):
    land(session, delivery)
    call_as_task(session, "ingest_bronze", '{"run_id": "explicit"}')
    call_as_task(session, "stage_silver", '{"run_id": "explicit", "as_of": "2025-06-29"}')
    recorded = recorded_runs(session, "explicit")
    assert recorded.loc["stage_silver", "AS_OF_DATE"] == "2025-06-29"
    assert pd.isna(recorded.loc["ingest_bronze", "AS_OF_DATE"])  # ingest runs before as_of is known


# ------------------------------------------------------------------------------------------
# every procedure as the Task DAG calls it, twice


def table_fingerprints(session) -> dict[str, tuple[int, str]]:
    """Row count and a content hash (order-free) of every table outside OPS, the run ledgers."""
    tables = session.sql(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM C360.INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE'"
    ).collect()
    fingerprints = {}
    for schema, name in sorted((row[0], row[1]) for row in tables):
        if schema in {"OPS", "PUBLIC"}:
            continue
        frame = session.table(f"C360.{schema}.{name}").to_pandas()
        # Floats to 12 significant digits: a parallel sum of doubles may differ in the last bit between runs
        # (on Snowflake too); a change a reader could see is far larger.
        floats = frame.select_dtypes("float").columns
        frame[floats] = frame[floats].apply(lambda column: column.map(lambda v: f"{v:.12g}"))
        text = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
        fingerprints[f"{schema}.{name}"] = (len(frame), hashlib.sha256(text.encode()).hexdigest())
    return fingerprints


def generated_delivery(directory: Path) -> Path:
    """A world whose churn labels can train a model with the default settings (the procedures get `{}`)."""
    from c360_pipeline.generator import generate_world

    generate_world(directory, customers=150, seed=11, as_of=date(2025, 6, 30), days=300)
    return directory


def run_as_the_task_dag(session, run_group_id: str) -> dict[str, dict]:
    """Every DAG step's procedure, then the finalizer, each called as its task body calls it."""
    fake_task_graph_runtime(session, run_group_id, "2025-07-01 02:00:00.000 -0700")
    return {step.name: call_as_task(session, step.name) for step in [*dag.topological_order(), dag.FINALIZER]}


@pytest.fixture(scope="module")
def dag_world(tmp_path_factory) -> dict:
    """A generated delivery landed, then the DAG run twice as tasks on one local session."""
    root = tmp_path_factory.mktemp("task-dag")
    home = root / "home"
    previous = os.environ.get("C360_HOME")
    os.environ["C360_HOME"] = str(home)
    session = engine.local_session()
    try:
        land(session, generated_delivery(root / "delivery"))
        first = run_as_the_task_dag(session, "nightly-1")
        after_first = table_fingerprints(session)
        second = run_as_the_task_dag(session, "nightly-2")
        after_second = table_fingerprints(session)
        runs = {run: recorded_runs(session, run) for run in ("nightly-1", "nightly-2")}
        yield {"root": root, "first": first, "second": second, "after_first": after_first,
               "after_second": after_second, "runs": runs}
    finally:
        session.close()
        if previous is None:
            os.environ.pop("C360_HOME", None)
        else:
            os.environ["C360_HOME"] = previous


def test_every_procedure_called_as_its_task_succeeds(dag_world):
    for results in (dag_world["first"], dag_world["second"]):
        failed = {step: r["message"] for step, r in results.items() if r["status"] not in procedures.OK_STATUSES}
        assert not failed, failed
    assert dag_world["first"]["fct_transactions"]["rows_out"] > 10_000
    assert dag_world["first"]["record_run"]["message"].endswith(f"{len(dag.STEPS)} step(s) finished")


def test_the_task_dag_resolves_one_as_of_per_run_and_records_it(dag_world):
    for runs in dag_world["runs"].values():
        # ingest and load_docs run before the as-of is known (procedures.BEFORE_AS_OF); every later step records it
        after_ingest = runs.drop(index=[*BEFORE_AS_OF, dag.FINALIZER.name])
        assert set(after_ingest["AS_OF_DATE"]) == {"2025-06-30"}
        assert set(runs.index) == {s.name for s in dag.STEPS} | {dag.FINALIZER.name}


def test_a_second_run_of_the_task_dag_changes_nothing(dag_world):
    assert dag_world["second"]["ingest_bronze"]["rows_out"] == 0
    assert dag_world["second"]["fct_transactions"]["rows_out"] == 0
    assert dag_world["after_second"] == dag_world["after_first"]
    assert {"GOLD.DIM_CUSTOMER", "GOLD.FCT_TRANSACTIONS", "GOLD.CUSTOMER_360_PROFILE", "GOLD.CHURN_PREDICTIONS"} \
        <= set(dag_world["after_first"])


def test_run_pipeline_with_an_empty_argument_builds_what_the_task_dag_builds(dag_world, monkeypatch):
    """`CALL RUN_PIPELINE('{}')`: the whole DAG in one call, as_of resolved after ingest, the same tables."""
    home = dag_world["root"] / "run-pipeline-home"
    monkeypatch.setenv("C360_HOME", str(home))
    session = engine.local_session()
    try:
        land(session, dag_world["root"] / "delivery")
        import importlib.util

        spec = importlib.util.spec_from_file_location("run_pipeline_sp", runner.procedures_dir() / "run_pipeline.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        summary = json.loads(engine.call_procedure(session, "C360.OPS.RUN_PIPELINE", module.main, "{}"))
        assert summary["ok"] is True, summary["reason"]
        assert summary["as_of"] == "2025-06-30"
        assert set(recorded_runs(session, summary["run_id"]).drop(index=list(BEFORE_AS_OF))["AS_OF_DATE"]) == {"2025-06-30"}
        built = table_fingerprints(session)
    finally:
        session.close()
    by_tasks = dag_world["after_first"]
    assert {name: rows for name, (rows, _) in built.items()} == {name: rows for name, (rows, _) in by_tasks.items()}
    # The star schema is the same content; marts and models carry the time they were computed.
    for name in ("SILVER.STG_CUSTOMERS", "SILVER.STG_TRANSACTIONS", "GOLD.DIM_CUSTOMER", "GOLD.FCT_TRANSACTIONS"):
        assert built[name] == by_tasks[name], name


# ------------------------------------------------------------------------------------------
# rewrites keep the table (and so its masking policies)


def statements_of(session, action) -> list[str]:
    with session.query_history() as history:
        action()
    return [q.sql_text.strip() for q in history.queries]


def test_overwriting_an_existing_table_truncates_and_inserts_instead_of_replacing_it(session, cfg):
    warehouse = Warehouse.of(session, cfg)
    rows = session.create_dataframe([["C1", "ana@example.com"], ["C2", "ben@example.com"]], schema=["CUSTOMER_ID", "EMAIL"])
    created = statements_of(session, lambda: warehouse.write(rows, "GOLD", "PII_TABLE"))
    fewer = session.create_dataframe([["C3", "cy@example.com"]], schema=["CUSTOMER_ID", "EMAIL"])

    rewritten = statements_of(session, lambda: warehouse.write(fewer, "GOLD", "PII_TABLE"))

    assert any(s.upper().startswith("CREATE  OR  REPLACE") for s in created)  # a new table is created
    assert not any("CREATE" in s.upper() and "PII_TABLE" in s.upper() for s in rewritten)
    assert any(s.upper().startswith("INSERT  OVERWRITE  INTO C360.GOLD.PII_TABLE") for s in rewritten)
    assert [tuple(r) for r in warehouse.read("GOLD", "PII_TABLE").collect()] == [("C3", "cy@example.com")]


def test_a_table_whose_columns_changed_is_replaced(session, cfg):
    warehouse = Warehouse.of(session, cfg)
    warehouse.write(session.create_dataframe([["C1"]], schema=["CUSTOMER_ID"]), "GOLD", "LAYOUT")
    wider = session.create_dataframe([["C1", 3]], schema=["CUSTOMER_ID", "VISITS"])
    statements = statements_of(session, lambda: warehouse.write(wider, "GOLD", "LAYOUT"))
    assert any(s.upper().startswith("CREATE  OR  REPLACE") and "LAYOUT" in s.upper() for s in statements)
    assert warehouse.read("GOLD", "LAYOUT").columns == ["CUSTOMER_ID", "VISITS"]


def test_write_pandas_over_an_existing_table_keeps_it(session, cfg):
    from snowflake.snowpark.types import StringType, StructField, StructType

    warehouse = Warehouse.of(session, cfg)
    schema = StructType([StructField("CUSTOMER_ID", StringType()), StructField("FULL_NAME", StringType())])
    warehouse.write_pandas(pd.DataFrame({"CUSTOMER_ID": ["C1"], "FULL_NAME": ["Ana Lopez"]}), schema, "GOLD", "NAMES")
    statements = statements_of(session, lambda: warehouse.write_pandas(
        pd.DataFrame({"CUSTOMER_ID": ["C2"], "FULL_NAME": ["Ben Okafor"]}), schema, "GOLD", "NAMES"))
    assert not any("CREATE" in s.upper() and "NAMES" in s.upper() for s in statements)
    assert [tuple(r) for r in warehouse.read("GOLD", "NAMES").collect()] == [("C2", "Ben Okafor")]


# ------------------------------------------------------------------------------------------
# --connection NAME: Snowpark's own connection_name, read from config.toml like the Snowflake CLI

CONNECT_PROBE = textwrap.dedent("""
    import json, sys
    import snowflake.connector.connection as connection

    class FakeAccountReached(Exception):
        '''Stands in for the network connect: a live account cannot exist here.'''

    def fake_connect(self, **kwargs):
        raise FakeAccountReached(json.dumps({k: str(v) for k, v in kwargs.items() if k != "application"}))

    connection.SnowflakeConnection.connect = fake_connect
    from c360_pipeline.config import PipelineConfig
    from c360_pipeline.engine.sessions import ConnectionProblem, session_options, snowflake_session

    cfg = PipelineConfig.build(engine="snowflake", connection=sys.argv[1])
    try:
        options = session_options(cfg)
        snowflake_session(cfg)
    except ConnectionProblem as problem:
        cause = problem.__cause__
        reached = json.loads(str(cause)) if isinstance(cause, FakeAccountReached) else None
        print(json.dumps({"options": locals().get("options"), "connect": reached, "problem": str(problem)}))
""")


def probe_connection(snowflake_home: Path, name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNOWFLAKE_")}
    env["SNOWFLAKE_HOME"] = str(snowflake_home)
    done = subprocess.run([sys.executable, "-c", CONNECT_PROBE, name], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_connection_in_config_toml_alone_is_what_the_session_builder_connects_with(tmp_path):
    """The Snowflake CLI writes config.toml when there is no connections.toml: its [connections.dev] is used."""
    home = tmp_path / "snowflake"
    home.mkdir()
    (home / "config.toml").write_text(textwrap.dedent("""
        default_connection_name = "dev"

        [connections.dev]
        account = "xy12345"
        user = "ana"
        authenticator = "externalbrowser"
        warehouse = "ANALYTICS_WH"
        login_timeout = 30
    """))
    (home / "config.toml").chmod(0o600)

    probe = probe_connection(home, "dev")

    assert probe["options"] == {"connection_name": "dev", "database": "C360"}  # the connection's warehouse wins
    assert probe["connect"]["account"] == "xy12345" and probe["connect"]["user"] == "ana"
    assert probe["connect"]["warehouse"] == "ANALYTICS_WH" and probe["connect"]["database"] == "C360"
    assert probe["connect"]["login_timeout"] == "30"


def test_an_unknown_connection_names_the_files_and_the_known_ones(tmp_path):
    home = tmp_path / "snowflake"
    home.mkdir()
    (home / "config.toml").write_text('[connections.dev]\naccount = "xy12345"\nuser = "ana"\n')
    (home / "config.toml").chmod(0o600)
    probe = probe_connection(home, "prod")
    assert probe["connect"] is None
    assert "connection 'prod' is not in" in probe["problem"] and "config.toml" in probe["problem"]
    assert "known connections: dev" in probe["problem"]


# ------------------------------------------------------------------------------------------
# Cortex Analyst: one stage path, and a fallback the user sees


def test_deploy_uploads_the_semantic_model_where_the_assistant_asks_for_it():
    from c360_pipeline import deploy

    cfg = PipelineConfig.build(database="ANALYTICS")
    plan = deploy.build_plan(cfg)
    assert plan.objects("semantic_model") == [cortex.stage_path(cfg)] == ["@ANALYTICS.OPS.SEMANTIC/semantic_model.yaml"]


class FakeSnowflakeApiModule:
    """Fake of Streamlit in Snowflake's `_snowflake` module (it exists only there): one canned HTTP response."""

    def __init__(self, status: int, content: str):
        self.response = {"status": status, "content": content}
        self.requests: list[dict] = []

    def send_snow_api_request(self, method, path, headers, params, body, request_guid, timeout_ms):
        self.requests.append({"method": method, "path": path, "body": body})
        return self.response


@pytest.fixture(scope="module")
def gold(tmp_path_factory) -> Warehouse:
    """A read-only warehouse with the gold tables the offline engine reads (the assistant's test world)."""
    from assistant_world import AS_OF, build_world, write_home

    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp("gold"), as_of=AS_OF)
    write_home(cfg, build_world())
    session = engine.reader_session(cfg.home, cfg.database)
    yield Warehouse.of(session, cfg)
    session.close()


def test_an_unavailable_cortex_analyst_is_named_in_the_answer(gold, monkeypatch):
    from c360_pipeline.semantic.assistant import ask

    fake = FakeSnowflakeApiModule(503, '{"message": "Cortex Analyst is not enabled for this account"}')
    monkeypatch.setitem(sys.modules, "_snowflake", fake)

    answer = ask("How many customers are in each segment?", gold, use_cortex=True)

    assert fake.requests[0]["body"]["semantic_model_file"] == cortex.stage_path(gold.cfg)
    assert answer.source == "offline" and not answer.refused and answer.rows
    assert "Cortex Analyst was not used" in answer.fallback and "HTTP 503" in answer.fallback
    assert answer.to_json()["fallback"] == answer.fallback


def test_an_answer_from_cortex_or_without_it_carries_no_fallback_note(gold):
    from c360_pipeline.semantic.assistant import ask

    assert ask("How many customers are in each segment?", gold).fallback is None


def test_c360_ask_shows_the_fallback(gold):
    from c360_pipeline.semantic.assistant import ask, print_answer

    transport_error = cortex.CortexUnavailable("Cortex Analyst returned HTTP 403: no USAGE on the stage")

    def failing_transport(body):
        raise transport_error

    answer = ask("How many customers are in each segment?", gold, use_cortex=True, transport=failing_transport)
    console = Console(file=io.StringIO(), width=300)
    print_answer(answer, console)
    assert "Cortex Analyst was not used (Cortex Analyst returned HTTP 403: no USAGE on the stage)" in console.file.getvalue()


def test_the_ai_assistant_tab_shows_the_fallback():
    from streamlit.testing.v1 import AppTest

    app_dir = Path(__file__).resolve().parents[2] / "streamlit_app"

    def script(app_dir: str):
        import sys

        sys.path.insert(0, app_dir)
        from tabs import ai_assistant

        from c360_pipeline.semantic.assistant import Answer

        ai_assistant._show(Answer("How many customers?", "Count of customers", "SELECT 1", ["N"], [[3]],
                                  fallback="Cortex Analyst was not used (HTTP 503); the built-in engine answered instead"))

    app = AppTest.from_function(script, args=(str(app_dir),), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Cortex Analyst was not used" in w.value.replace("\\", "") for w in app.warning)
