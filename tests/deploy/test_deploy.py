"""`c360 deploy`: the plan (dry run, no connection), the code archive, and the order actions are applied in."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from rich.console import Console

from c360_pipeline import deploy
from c360_pipeline.config import PipelineConfig
from c360_pipeline.orchestration import dag

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def no_connections(tmp_path, monkeypatch):
    """No connections file and no SNOWFLAKE_* variables: any attempt to connect would raise."""
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path / "snowflake-home"))
    for variable in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)


def test_dry_run_plan_covers_every_step_the_graph_and_the_app_without_connecting(no_connections):
    output = io.StringIO()
    cfg = PipelineConfig.build(connection="production")
    plan = deploy.deploy(cfg, dry_run=True, console=Console(file=output, width=400))

    assert plan.dry_run and plan.applied == 0
    procedures = plan.objects("procedure")
    for step in dag.ALL_PROCEDURE_STEPS:
        assert f"C360.OPS.{step.procedure}" in procedures
    assert "C360.OPS.RUN_PIPELINE" in procedures
    (graph,) = [a for a in plan.actions if a.kind == "task_graph"]
    for step in dag.STEPS:
        assert f"C360_NIGHTLY${step.task_name}: CALL C360.OPS.{step.procedure}('{{}}')" in graph.detail
    assert "C360_NIGHTLY$RECORD_RUN: CALL C360.OPS.RECORD_RUN_SP('{}')  [finalizer" in graph.detail
    assert "schedule 0 2 * * * UTC" in graph.detail
    assert plan.objects("streamlit") == ["C360.GOLD.C360_APP"]
    uploads = [a for a in plan.actions if a.kind == "upload"]
    assert any(a.name == "@C360.OPS.CODE/c360_code.zip" for a in uploads)
    assert any(a.name == "@C360.OPS.APP/streamlit_app/" and "streamlit_app.py" in a.detail for a in uploads)
    assert any("environment.yml" in a.detail for a in uploads)
    if deploy.semantic_model_file(ROOT) is not None:
        assert plan.objects("semantic_model") == ["@C360.OPS.SEMANTIC/semantic_model.yaml"]

    text = output.getvalue()
    assert "dry run: nothing was sent" in text
    for statement in plan.statements():
        assert statement.splitlines()[0] in text


def test_dry_run_prints_the_plan_in_its_nine_phases_in_order(no_connections):
    output = io.StringIO()
    plan = deploy.deploy(PipelineConfig(), dry_run=True, console=Console(file=output, width=80))
    assert plan.phases() == list(deploy.PHASES) == [
        "account SQL", "package check", "code upload", "procedures", "semantic model", "search and agent",
        "task graph", "dynamic tables", "app",
    ]
    # Each phase is one contiguous run of actions, and the printed headings follow the same order.
    runs = [a.phase for i, a in enumerate(plan.actions) if i == 0 or plan.actions[i - 1].phase != a.phase]
    assert runs == plan.phases()
    headings = re.findall(r"^== (\d)\. (.+?) \((\d+) action\(s\)\) ==$", output.getvalue(), flags=re.M)
    assert [name for _, name, _ in headings] == plan.phases()
    assert sum(int(count) for _, _, count in headings) == len(plan.actions)
    # A narrow terminal does not break a statement over lines.
    assert "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON FUTURE TABLES IN SCHEMA C360.BRONZE TO ROLE " \
           "C360_ENGINEER" in output.getvalue()


def test_plan_creates_code_and_tasks_as_the_admin_and_the_app_as_its_owner_without_pii():
    plan = deploy.build_plan(PipelineConfig())
    kinds = [(a.kind, a.detail.splitlines()[0]) for a in plan.actions]
    first_upload = next(i for i, (kind, _) in enumerate(kinds) if kind == "upload")
    assert kinds[first_upload - 1] == ("role", "USE ROLE C360_ADMIN")
    streamlit = next(i for i, (kind, _) in enumerate(kinds) if kind == "streamlit")
    assert kinds[streamlit - 1] == ("role", "USE ROLE C360_APP_OWNER")
    assert [k for k in kinds if k[0] == "role"] == [("role", "USE ROLE C360_ADMIN"), ("role", "USE ROLE C360_APP_OWNER")]
    # The owner the app runs as is created without the PII role (sql/01_roles.sql; tests/deploy/test_sql.py checks it).
    assert deploy.APP_OWNER_ROLE == "C360_APP_OWNER"
    roles_sql = "\n".join(a.detail for a in plan.actions if a.name == "01_roles.sql")
    assert "GRANT ROLE C360_PII_READER TO ROLE C360_APP_OWNER" not in roles_sql
    assert "CREATE ROLE IF NOT EXISTS C360_APP_OWNER" in roles_sql


def test_package_check_comes_before_anything_that_needs_the_packages():
    plan = deploy.build_plan(PipelineConfig())
    checks = [a for a in plan.actions if a.kind == "packages"]
    assert [a.name for a in checks] == ["procedures", "streamlit app"]
    first_procedure = next(i for i, a in enumerate(plan.actions) if a.kind == "procedure")
    assert all(plan.actions.index(a) < first_procedure for a in checks)
    procedures, app = (a.detail for a in checks)
    assert procedures == ("SELECT SYSTEM$RESOLVE_PYTHON_PACKAGES('3.11', $$("
                          + ", ".join(f"'{p}'" for p in deploy.ANACONDA_PACKAGES) + ")$$)")
    assert "'streamlit==1.51.0'" in app and "'sqlglot==30.22.0'" in app and "'pydantic'" in app
    # The runtime is the function's first argument, not a package.
    specs = deploy.environment_specs(ROOT)
    assert not [spec for spec in specs if deploy.package_name(spec) == "python"]
    assert app == f"SELECT SYSTEM$RESOLVE_PYTHON_PACKAGES('3.11', $$({deploy.package_list(specs)})$$)"


def test_plan_runs_every_sql_file_statement_in_file_order():
    plan = deploy.build_plan(PipelineConfig())
    sql = [a for a in plan.actions if a.kind == "sql"]
    assert [a.name for a in sql] == sorted(a.name for a in sql)
    expected = sum(len(deploy.split_statements(p.read_text())) for p in deploy.sql_files(ROOT))
    assert len(sql) == expected
    kinds = [a.kind for a in plan.actions]
    # Account first, then code before the procedures that import it, the graph after its procedures, the app last.
    assert kinds.index("upload") > max(i for i, k in enumerate(kinds) if k == "sql")
    assert kinds.index("procedure") > kinds.index("upload")
    assert kinds.index("task_graph") > max(i for i, k in enumerate(kinds) if k == "procedure")
    assert kinds[-1] == "streamlit"


def test_plan_uses_the_configured_names_everywhere():
    cfg = PipelineConfig(database="ANALYTICS", warehouse="NIGHT_WH", gold_schema="MARTS")
    plan = deploy.build_plan(cfg)
    for action in plan.actions:
        for text in (action.name, action.detail):
            assert not re.search(r"\bC360\b(?!_)", text), f"{action.kind} {action.name} still names C360: {text}"
            assert "C360_WH" not in text
    assert any(s.startswith("CREATE SCHEMA IF NOT EXISTS ANALYTICS.MARTS") for s in plan.statements())
    assert any("QUERY_WAREHOUSE = NIGHT_WH" in s for s in plan.statements())
    # Roles keep their names: they are account objects, not part of the database.
    assert any("CREATE ROLE IF NOT EXISTS C360_ANALYST" in s for s in plan.statements())


def test_split_statements_ignores_semicolons_inside_strings_and_comments():
    text = "-- setup; not a statement\nSELECT ';' AS S;\n\n-- only a comment;\nCREATE SCHEMA X COMMENT = 'a; b';"
    assert deploy.split_statements(text) == ["SELECT ';' AS S", "CREATE SCHEMA X COMMENT = 'a; b'"]


def test_procedure_statement_declares_json_in_json_out_on_python_3_11():
    statement = deploy.procedure_statement(PipelineConfig(), "DIM_DATE_SP", "dim_date.main", "it's a calendar")
    assert statement.startswith("CREATE OR REPLACE PROCEDURE C360.OPS.DIM_DATE_SP(CONFIG_JSON VARCHAR DEFAULT '{}')")
    assert "RUNTIME_VERSION = '3.11'" in statement and "HANDLER = 'dim_date.main'" in statement
    assert "PACKAGES = ('snowflake-snowpark-python>=1.40', 'snowflake-ml-python>=1.20', " in statement
    assert "faker" not in statement and "rich" not in statement
    assert "IMPORTS = ('@C360.OPS.CODE/c360_code.zip')" in statement
    assert "COMMENT = 'it''s a calendar'" in statement
    import sqlglot

    parsed = sqlglot.parse_one(statement, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)
    assert parsed.kind == "PROCEDURE"


def test_code_archive_imports_the_package_and_every_handler_from_the_zip(tmp_path):
    archive = deploy.build_code_archive(ROOT, tmp_path / "c360_code.zip")
    names = set(zipfile.ZipFile(archive).namelist())
    assert {"c360_pipeline/__init__.py", "c360_pipeline/orchestration/runner.py", "c360_pipeline/orchestration/dag.py",
            "c360_pipeline/transforms/churn_features.py"} <= names
    handlers = [f"{s.name}.py" for s in dag.ALL_PROCEDURE_STEPS] + ["run_pipeline.py"]
    assert set(handlers) <= names
    # Import as Snowflake does: the archive first on the path, each handler's `main` resolvable.
    modules = [h[:-3] for h in handlers]
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import importlib, c360_pipeline;"
        "assert c360_pipeline.__file__.startswith(sys.argv[1]), c360_pipeline.__file__;"
        f"print(all(callable(importlib.import_module(m).main) for m in {modules!r}))"
    )
    completed = subprocess.run([sys.executable, "-c", probe, str(archive)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "True"


class RecordingSession:
    """Stands in for a live account (none exists here): records SQL and uploads, fails on request.

    SYSTEM$RESOLVE_PYTHON_PACKAGES answers as the account does — a JSON array of `name==version` — with
    every requested package resolved, except those in `unresolvable`.
    """

    def __init__(self, fail_on: str | None = None, unresolvable: tuple[str, ...] = ()):
        self.calls: list[tuple[str, str]] = []
        self.fail_on = fail_on
        self.unresolvable = unresolvable
        self.file = self
        self.closed = False
        self._rows: list = []

    def sql(self, statement: str):
        if self.fail_on and self.fail_on in statement:
            raise RuntimeError("SQL access control error: Insufficient privileges")
        self.calls.append(("sql", statement))
        self._rows = []
        if statement.startswith("SELECT SYSTEM$RESOLVE_PYTHON_PACKAGES"):
            requested = re.findall(r"'([A-Za-z0-9_.-]+)[^']*'", statement.split("$$")[1])
            resolved = [f"{name}==1.0" for name in requested if name not in self.unresolvable]
            self._rows = [(json.dumps(["python==3.11.9", *resolved]),)]
        return self

    def collect(self):
        return self._rows

    def put_stream(self, stream, stage: str, auto_compress: bool = True, overwrite: bool = False):
        assert overwrite and not auto_compress
        self.calls.append(("put", f"{stage}|stream|{len(stream.read())}"))

    def put(self, local: str, stage: str, auto_compress: bool = True, overwrite: bool = False):
        path = Path(local)
        assert path.is_file() and overwrite and not auto_compress
        entries = len(zipfile.ZipFile(path).namelist()) if path.suffix == ".zip" else 0
        self.calls.append(("put", f"{stage}|{path.name}|{entries}"))


def test_deploy_applies_each_action_in_order_on_a_recording_session_in_place_of_an_account(monkeypatch):
    graphs: list[str] = []
    monkeypatch.setattr(deploy, "_deploy_task_graph", lambda session, cfg, schedule: graphs.append(schedule))
    monkeypatch.setattr(deploy, "_deploy_dynamic_tables", lambda session, cfg: None)
    session = RecordingSession()
    plan = deploy.deploy(PipelineConfig(), dry_run=False, session=session, schedule="15 3 * * *")

    assert plan.applied == len(plan.actions) and not plan.dry_run
    assert graphs == ["15 3 * * *"]
    executed = [text for kind, text in session.calls if kind == "sql"]
    assert executed == plan.statements()
    code = [text for kind, text in session.calls if kind == "put" and "c360_code.zip" in text]
    assert len(code) == 1 and int(code[0].split("|")[2]) > 20
    position = {text: i for i, (_, text) in enumerate(session.calls)}
    first_procedure = min(position[s] for s in executed if s.startswith("CREATE OR REPLACE PROCEDURE"))
    assert position[code[0]] < first_procedure
    assert ("put", "@C360.OPS.APP/streamlit_app|streamlit_app.py|0") in session.calls
    # The app is created right after switching to its owner role.
    assert executed[-2:] == ["USE ROLE C360_APP_OWNER", deploy.streamlit_statement(PipelineConfig())]
    assert any(kind == "put" and text.startswith("@C360.OPS.SEMANTIC/semantic_model.yaml|stream|")
               for kind, text in session.calls)


def test_deploy_stops_before_creating_anything_when_a_package_does_not_resolve(monkeypatch):
    graphs: list[str] = []
    monkeypatch.setattr(deploy, "_deploy_task_graph", lambda session, cfg, schedule: graphs.append(schedule))
    monkeypatch.setattr(deploy, "_deploy_dynamic_tables", lambda session, cfg: None)
    session = RecordingSession(unresolvable=("scikit-learn",))
    with pytest.raises(deploy.DeployError, match=r"\(packages procedures\): the packages of the stored procedures "
                                                 r".* do not resolve .* Python 3.11: scikit-learn>=1.4 missing"):
        deploy.deploy(PipelineConfig(), dry_run=False, session=session)
    executed = [text for kind, text in session.calls if kind == "sql"]
    assert not any(s.startswith("CREATE OR REPLACE PROCEDURE") for s in executed)
    assert not [c for c in session.calls if c[0] == "put"] and not graphs


def test_package_check_reports_the_accounts_error_with_what_to_change():
    class Refusing(RecordingSession):
        def sql(self, statement: str):
            if statement.startswith("SELECT SYSTEM$RESOLVE_PYTHON_PACKAGES"):
                raise RuntimeError("Cannot create a Python function with the specified packages: sqlglot==99")
            return super().sql(statement)

    with pytest.raises(deploy.DeployError, match=r"Streamlit app \(streamlit_app/environment.yml\).*"
                                                 r"sqlglot==99.*Relax or change the version"):
        deploy._check_packages(["sqlglot==99"], "the Streamlit app (streamlit_app/environment.yml)")(Refusing())


def test_package_pins_hold_the_versions_the_tests_run_on_and_pyprojects_lower_bounds():
    from importlib.metadata import version

    from packaging.requirements import Requirement

    pyproject = {Requirement(line.strip().strip('",')).name.lower(): Requirement(line.strip().strip('",'))
                 for line in (ROOT / "pyproject.toml").read_text().splitlines()
                 if re.match(r'\s+"[a-z]', line) and "=" in line}
    for spec in deploy.ANACONDA_PACKAGES:
        requirement = Requirement(spec)
        assert requirement.specifier.contains(version(requirement.name)), f"{spec}: installed {version(requirement.name)}"
        if requirement.name in pyproject:
            lower = {s.version for s in pyproject[requirement.name].specifier if s.operator == ">="}
            assert {s.version for s in requirement.specifier} == lower, spec


def test_deploy_stops_at_the_first_failing_action_and_names_it(monkeypatch):
    monkeypatch.setattr(deploy, "_deploy_task_graph", lambda session, cfg, schedule: None)
    monkeypatch.setattr(deploy, "_deploy_dynamic_tables", lambda session, cfg: None)
    session = RecordingSession(fail_on="CREATE RESOURCE MONITOR")
    with pytest.raises(deploy.DeployError, match=r"action \d+ \(sql 03_monitoring.sql\): SQL access control error"):
        deploy.deploy(PipelineConfig(), dry_run=False, session=session)
    executed = [text for kind, text in session.calls if kind == "sql"]
    assert not any(s.startswith("CREATE OR REPLACE PROCEDURE") for s in executed)
