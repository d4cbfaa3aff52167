"""`c360 deploy`: account SQL, package check, code, stored procedures, semantic model, task graph and app.

The deployment is a plan — an ordered list of actions, each a SQL statement, a package check, a file
upload or the task graph — built without a connection. `--dry-run` prints the plan; otherwise each
action is applied on a session of the named connection, in order, and the first failure stops the
deploy with the action's name. Every name in the plan comes from the validated config (database,
schemas, warehouse are plain identifiers) or from files in this repository; no user text becomes SQL.

Running it again converges: the account SQL sets what it declares again (policies, monitor, alert,
warehouse), procedures and the app are replaced, and the task graph is dropped whole and re-created,
so an edit reaches the account and a task removed from the declaration disappears.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rich.markup import escape

from c360_pipeline.config import PipelineConfig
from c360_pipeline.orchestration.dag import (
    ALL_PROCEDURE_STEPS,
    DEFAULT_SCHEDULE,
    DEFAULT_TIMEZONE,
    RUN_PIPELINE_PROCEDURE,
    build_task_dag,
)

# Snowflake Anaconda channel packages the procedures import (names as the channel spells them), with the
# lowest versions the code supports (pyproject.toml's lower bounds); the channel resolves the newest it has
# for Python 3.11, and `deploy` checks that it can before creating anything that needs them. Only what the
# steps import: the data generator (faker) and terminal output (rich) never run inside a procedure.
PYTHON_RUNTIME = "3.11"
ANACONDA_PACKAGES: tuple[str, ...] = (
    "snowflake-snowpark-python>=1.40",
    "snowflake-ml-python>=1.20",
    "pandas>=2.1",
    "numpy>=1.26",
    "pyarrow>=14",
    "pydantic>=2.6",
    "scikit-learn>=1.4",
    "joblib>=1.3",
    "threadpoolctl>=3.1",
    "pyyaml>=6",  # the document corpus' front matter and the semantic model's descriptions (load_docs)
)
# The role that owns what the deploy creates (procedures, tasks), and the role that owns the app. An
# app runs with its owner's rights, so its owner must not see unmasked PII (sql/01_roles.sql).
DEPLOY_ROLE = "C360_ADMIN"
APP_OWNER_ROLE = "C360_APP_OWNER"
CODE_ARCHIVE = "c360_code.zip"
APP_NAME = "C360_APP"
APP_TITLE = "c360 Customer 360"
SEMANTIC_MODEL_CANDIDATES = ("semantic_model.yaml", "src/c360_pipeline/semantic_model.yaml")


class DeployError(RuntimeError):
    """A deploy action failed or the source tree is incomplete; the message names the action."""


# The parts of a deployment, in the order they are applied.
PHASES: tuple[str, ...] = (
    "account SQL", "package check", "code upload", "procedures", "semantic model", "search and agent", "task graph",
    "dynamic tables", "app",
)
_PHASE_OF_KIND = {"sql": "account SQL", "packages": "package check", "procedure": "procedures",
                  "semantic_model": "semantic model", "docs": "search and agent", "search_service": "search and agent",
                  "agent": "search and agent", "task_graph": "task graph", "dynamic_table": "dynamic tables",
                  "streamlit": "app"}


@dataclass
class Action:
    """One step of a deployment: what kind, which object, the statement or description, and how to apply it."""

    kind: str  # sql | packages | role | upload | procedure | semantic_model | task_graph | streamlit
    name: str
    detail: str
    apply: Callable[[Any], None] | None = field(default=None, repr=False, compare=False)
    phase: str = ""


@dataclass
class DeployPlan:
    """Every action of a deployment, in order; `applied` counts those done on an account."""

    actions: list[Action] = field(default_factory=list)
    dry_run: bool = True
    applied: int = 0

    @property
    def ok(self) -> bool:
        """A dry run is always fine; a deployment is when every action was applied."""
        return self.dry_run or self.applied == len(self.actions)

    def add(self, kind: str, name: str, detail: str, apply: Callable[[Any], None] | None = None,
            phase: str | None = None) -> None:
        self.actions.append(Action(kind, name, detail, apply, phase or _PHASE_OF_KIND[kind]))

    def phases(self) -> list[str]:
        """The plan's phases in the order it applies them."""
        return list(dict.fromkeys(a.phase for a in self.actions))

    def statements(self) -> list[str]:
        """Every SQL statement the plan runs (account SQL, package checks, roles, procedures, the app)."""
        return [a.detail for a in self.actions
                if a.kind in {"sql", "packages", "role", "procedure", "docs", "search_service", "agent", "streamlit"}]

    def objects(self, kind: str | None = None) -> list[str]:
        return [a.name for a in self.actions if kind is None or a.kind == kind]

    def render(self, console: Any) -> None:
        header = "deploy plan (dry run: nothing was sent)" if self.dry_run else "deployed"
        console.print(f"[bold]{header}[/]: {len(self.actions)} action(s) in {len(self.phases())} phases: "
                      f"{', '.join(self.phases())}", highlight=False, soft_wrap=True)
        phase = None
        for number, action in enumerate(self.actions, start=1):
            if action.phase != phase:
                phase = action.phase
                count = sum(1 for a in self.actions if a.phase == phase)
                console.print(f"\n[bold]== {self.phases().index(phase) + 1}. {phase} ({count} action(s)) ==[/]",
                              highlight=False, soft_wrap=True)
            console.print(f"[cyan]{number:>3}. {escape('[' + action.kind + ']')}[/] {escape(action.name)}",
                          highlight=False, soft_wrap=True)
            for line in action.detail.splitlines():
                console.print(f"       {line}", highlight=False, markup=False, soft_wrap=True)


def repository_root() -> Path:
    """The source checkout this package runs from (sql/, procedures/ and streamlit_app/ live there)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "sql").is_dir() or not (root / "procedures").is_dir():
        raise DeployError(
            f"{root} has no sql/ and procedures/ folders: run `c360 deploy` from a source checkout of c360"
        )
    return root


# ----------------------------------------------------------------------------------------------
# account SQL


def split_statements(text: str) -> list[str]:
    """Statements of a SQL file, split on semicolons the Snowflake tokenizer sees (not those in strings)."""
    from sqlglot.dialects.snowflake import Snowflake
    from sqlglot.tokens import TokenType

    statements: list[str] = []
    start = 0
    for token in Snowflake().tokenize(text):
        if token.token_type == TokenType.SEMICOLON:
            statements.append(text[start:token.start])
            start = token.end + 1
    statements.append(text[start:])
    return [s for s in (_strip_comments(s) for s in statements) if s]


def _strip_comments(statement: str) -> str:
    """The statement without leading comment lines (comments inside stay: they may be in a string)."""
    lines = statement.strip().splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines).strip()


def localise(statement: str, cfg: PipelineConfig) -> str:
    """The statement with the repository's default names (C360, its schemas, C360_WH) replaced by the config's."""
    layers = {"BRONZE": "BRONZE", "SILVER": "SILVER", "GOLD": "GOLD", "OPS": "OPS"}
    text = re.sub(
        r"\bC360\.(BRONZE|SILVER|GOLD|OPS)\b",
        lambda match: cfg.schema(layers[match.group(1)]),
        statement,
    )
    text = re.sub(r"\bC360_WH\b", cfg.warehouse, text)
    return re.sub(r"\bC360\b(?=\.|\s|;|$)", cfg.database, text)


def sql_files(root: Path) -> list[Path]:
    return sorted((root / "sql").glob("*.sql"))


# ----------------------------------------------------------------------------------------------
# code and procedures


def code_files(root: Path) -> list[tuple[Path, str]]:
    """(file, name in the archive): the c360_pipeline package and every procedure handler at the top level."""
    files = [
        (path, str(path.relative_to(root / "src")))
        for path in sorted((root / "src" / "c360_pipeline").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".yaml", ".yml", ".json", ".md"}
    ]
    files += [(path, path.name) for path in sorted((root / "procedures").glob("*.py"))]
    return files


def build_code_archive(root: Path, target: Path) -> Path:
    """Zip the package and the handlers: the archive every procedure imports."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in code_files(root):
            archive.write(path, name)
    return target


def procedure_statement(cfg: PipelineConfig, name: str, handler: str, comment: str) -> str:
    """CREATE OR REPLACE PROCEDURE for one handler: JSON in, JSON status out, owner's rights."""
    packages = package_list(ANACONDA_PACKAGES)
    comment_text = comment.replace("'", "''")
    return (
        f"CREATE OR REPLACE PROCEDURE {cfg.schema('OPS')}.{name}(CONFIG_JSON VARCHAR DEFAULT '{{}}')\n"
        "RETURNS VARCHAR\n"
        "LANGUAGE PYTHON\n"
        f"RUNTIME_VERSION = '{PYTHON_RUNTIME}'\n"
        f"PACKAGES = ({packages})\n"
        f"IMPORTS = ('@{cfg.schema('OPS')}.CODE/{CODE_ARCHIVE}')\n"
        f"HANDLER = '{handler}'\n"
        f"COMMENT = '{comment_text}'\n"
        "EXECUTE AS OWNER"
    )


def procedure_definitions() -> list[tuple[str, str, str]]:
    """(procedure name, handler, comment) for every step, the finalizer and RUN_PIPELINE."""
    found = [(step.procedure, f"{step.name}.main", f"c360 step {step.name}: {step.description}")
             for step in ALL_PROCEDURE_STEPS]
    found.append((RUN_PIPELINE_PROCEDURE, "run_pipeline.main", "c360: the whole DAG in one call"))
    return found


# ----------------------------------------------------------------------------------------------
# packages


def package_list(specs: tuple[str, ...] | list[str]) -> str:
    """The PACKAGES clause's list: ('numpy>=1.26', 'pandas>=2.1')."""
    return ", ".join(f"'{spec}'" for spec in specs)


def package_name(spec: str) -> str:
    """The package a spec names, as the channel spells it: 'scikit-learn>=1.4' -> 'scikit-learn'."""
    return re.split(r"[=<>!~ ]", spec, maxsplit=1)[0].strip().lower().replace("_", "-")


def resolve_packages_statement(specs: tuple[str, ...] | list[str]) -> str:
    """SYSTEM$RESOLVE_PYTHON_PACKAGES for the runtime: the versions Snowflake's Anaconda channel would install."""
    return f"SELECT SYSTEM$RESOLVE_PYTHON_PACKAGES('{PYTHON_RUNTIME}', $$({package_list(specs)})$$)"


def environment_specs(root: Path) -> list[str]:
    """The Streamlit app's conda dependencies as PACKAGES specs (`streamlit=1.51.0` -> `streamlit==1.51.0`)."""
    import yaml

    document = yaml.safe_load((root / "streamlit_app" / "environment.yml").read_text())
    specs = []
    for entry in document["dependencies"]:
        name, _, version = str(entry).partition("=")
        if name.strip() != "python":
            specs.append(f"{name.strip()}=={version.lstrip('=').strip()}" if version else name.strip())
    return specs


def _check_packages(specs: list[str], purpose: str) -> Callable[[Any], None]:
    """Resolve the packages on the account; stop with the package and what to do when one does not resolve."""
    statement = resolve_packages_statement(specs)

    def apply(session: Any) -> None:
        try:
            rows = session.sql(statement).collect()
        except Exception as error:  # the channel cannot satisfy a spec: the account's message names it
            raise DeployError(
                f"the packages of {purpose} do not resolve on Snowflake's Anaconda channel for Python "
                f"{PYTHON_RUNTIME}: {error}. Requested: {', '.join(specs)}. Relax or change the version "
                "(deploy.ANACONDA_PACKAGES / streamlit_app/environment.yml) to one the channel has."
            ) from error
        resolved = {package_name(item): item for item in json.loads(rows[0][0])} if rows else {}
        missing = [spec for spec in specs if package_name(spec) not in resolved]
        if missing:
            raise DeployError(
                f"the packages of {purpose} do not resolve on Snowflake's Anaconda channel for Python "
                f"{PYTHON_RUNTIME}: {', '.join(missing)} missing from the resolution "
                f"({len(resolved)} package(s) resolved). Use a version the channel has, or drop the package."
            )

    return apply


# ----------------------------------------------------------------------------------------------
# app and semantic model


def app_files(root: Path) -> list[tuple[Path, str]]:
    """(file, stage folder under the app root) for the Streamlit app and the package it imports."""
    app = root / "streamlit_app"
    files = []
    for path in sorted(app.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((path, "" if path.parent == app else path.parent.relative_to(app).as_posix()))
    package = root / "src" / "c360_pipeline"
    for path, name in code_files(root):
        if package in path.parents:
            files.append((path, str(Path(name).parent)))
    return files


def semantic_model_file(root: Path) -> Path | None:
    return next((root / c for c in SEMANTIC_MODEL_CANDIDATES if (root / c).is_file()), None)


def streamlit_statement(cfg: PipelineConfig) -> str:
    return (
        f"CREATE OR REPLACE STREAMLIT {cfg.schema('GOLD')}.{APP_NAME}\n"
        f"FROM '@{cfg.schema('OPS')}.APP/streamlit_app'\n"
        "MAIN_FILE = 'streamlit_app.py'\n"
        f"QUERY_WAREHOUSE = {cfg.warehouse}\n"
        f"TITLE = '{APP_TITLE}'"
    )


# ----------------------------------------------------------------------------------------------
# the plan


def _run_sql(statement: str) -> Callable[[Any], None]:
    return lambda session: session.sql(statement).collect()


def _put_all(paths: list[Path], stage: str) -> Callable[[Any], None]:
    def apply(session: Any) -> None:
        for path in paths:
            session.file.put(str(path), stage, auto_compress=False, overwrite=True)

    return apply


def _put_code(root: Path, stage: str) -> Callable[[Any], None]:
    def apply(session: Any) -> None:
        with tempfile.TemporaryDirectory(prefix="c360-deploy-") as directory:
            archive = build_code_archive(root, Path(directory) / CODE_ARCHIVE)
            session.file.put(str(archive), stage, auto_compress=False, overwrite=True)

    return apply


def deploy_task_graph(schema: Any, dag: Any) -> None:
    """Replace the task graph in `schema` (a snowflake.core SchemaResource) by `dag`, and resume it.

    The graph on the account is dropped whole first — root, every task that depends on it, and its
    finalizer — then created from the declaration, so a re-deploy leaves exactly the declared tasks (an
    edited body is rolled out, a removed step's task disappears). `CreateMode.or_replace` would do the drop
    itself but keeps the finalizer, a behaviour snowflake.core deprecates.
    """
    from snowflake.core import CreateMode
    from snowflake.core.task.dagv1 import DAGOperation

    operation = DAGOperation(schema)
    operation.drop(dag, drop_finalizer=True)
    operation.deploy(dag, mode=CreateMode.error_if_exists)


def _deploy_task_graph(session: Any, cfg: PipelineConfig, schedule: str) -> None:
    from snowflake.core import Root

    schema = Root(session).databases[cfg.database].schemas[cfg.ops_schema]
    deploy_task_graph(schema, build_task_dag(cfg, schedule=schedule))


def deploy_dynamic_table(schema: Any, table: Any) -> None:
    """Create (or replace) a dynamic table in `schema` (a snowflake.core SchemaResource) from its resource object."""
    from snowflake.core import CreateMode

    schema.dynamic_tables.create(table, mode=CreateMode.or_replace)


def _deploy_dynamic_tables(session: Any, cfg: PipelineConfig) -> None:
    from snowflake.core import Root

    from c360_pipeline.streaming.daily_spend import dynamic_table_resource

    deploy_dynamic_table(Root(session).databases[cfg.database].schemas[cfg.gold_schema], dynamic_table_resource(cfg))


def describe_dynamic_table(cfg: PipelineConfig) -> str:
    """The dynamic table as `c360 deploy` creates it (from the snowflake.core object)."""
    from c360_pipeline.streaming.daily_spend import dynamic_table_resource

    table = dynamic_table_resource(cfg)
    return (f"DYNAMIC TABLE {cfg.schema('GOLD')}.{table.name} TARGET_LAG = '{table.target_lag.seconds} seconds' "
            f"REFRESH_MODE = {table.refresh_mode} WAREHOUSE = {table.warehouse} AS {table.query}")


def describe_task_graph(cfg: PipelineConfig, schedule: str) -> str:
    """Every task of the graph: name, predecessors, warehouse and body (from the snowflake.core objects)."""
    dag = build_task_dag(cfg, schedule=schedule)
    root = dag._to_low_level_task()
    lines = [f"{cfg.schema('OPS')}.{root.name}: schedule {root.schedule.expr} {root.schedule.timezone}, "
             f"warehouse {root.warehouse}"]
    for task in dag.tasks:
        low = task._to_low_level_task()
        after = "finalizer (runs after every run)" if low.finalize else f"after {', '.join(sorted(low.predecessors))}"
        lines.append(f"  {low.name}: {low.definition}  [{after}]")
    return "\n".join(lines)


def build_plan(cfg: PipelineConfig, root: Path | None = None, schedule: str = DEFAULT_SCHEDULE) -> DeployPlan:
    """Every action of a deployment, in order, without connecting.

    Account SQL first (it creates the roles, stages and grants everything else needs), then the package
    check (nothing is created with packages the channel cannot resolve), then — as the deploying role —
    the code before the procedures that import it, the semantic model, the task graph after the
    procedures its tasks call, and last the app, created as its owner role.
    """
    root = root or repository_root()
    plan = DeployPlan()
    for path in sql_files(root):
        for statement in split_statements(path.read_text()):
            text = localise(statement, cfg)
            plan.add("sql", path.name, text, _run_sql(text))

    procedure_specs = list(ANACONDA_PACKAGES)
    plan.add("packages", "procedures", resolve_packages_statement(procedure_specs),
             _check_packages(procedure_specs, "the stored procedures (deploy.ANACONDA_PACKAGES)"))
    app_specs = environment_specs(root)
    plan.add("packages", "streamlit app", resolve_packages_statement(app_specs),
             _check_packages(app_specs, "the Streamlit app (streamlit_app/environment.yml)"))

    use_deploy_role = f"USE ROLE {DEPLOY_ROLE}"
    plan.add("role", DEPLOY_ROLE, use_deploy_role, _run_sql(use_deploy_role), phase="code upload")
    code_stage = f"@{cfg.schema('OPS')}.CODE/"
    names = [name for _, name in code_files(root)]
    plan.add("upload", f"{code_stage}{CODE_ARCHIVE}",
             f"{len(names)} file(s): c360_pipeline package + handlers {', '.join(n for n in names if '/' not in n)}",
             _put_code(root, code_stage), phase="code upload")
    for name, handler, comment in procedure_definitions():
        text = procedure_statement(cfg, name, handler, comment)
        plan.add("procedure", f"{cfg.schema('OPS')}.{name}", text, _run_sql(text))

    model = semantic_model_file(root)
    if model is not None:
        from c360_pipeline.semantic import cortex

        target = cortex.stage_path(cfg)
        plan.add("semantic_model", target,
                 f"PUT {model.relative_to(root)} rendered for {cfg.schema('GOLD')} to {target}",
                 lambda session: cortex.stage_model(session, cfg))

    _add_search_and_agent(plan, cfg)

    plan.add("task_graph", f"{cfg.schema('OPS')}.C360_NIGHTLY",
             describe_task_graph(cfg, schedule), lambda session: _deploy_task_graph(session, cfg, schedule))
    plan.add("dynamic_table", f"{cfg.schema('GOLD')}.DT_CUSTOMER_DAILY_SPEND", describe_dynamic_table(cfg),
             lambda session: _deploy_dynamic_tables(session, cfg))

    app_stage = f"@{cfg.schema('OPS')}.APP/streamlit_app"
    folders: dict[str, list[Path]] = {}
    for path, folder in app_files(root):
        folders.setdefault(folder, []).append(path)
    for folder, paths in folders.items():
        stage = f"{app_stage}/{folder}" if folder else app_stage
        listing = ", ".join(p.name for p in paths)
        plan.add("upload", f"{stage}/", f"PUT {len(paths)} file(s): {listing}", _put_all(paths, stage), phase="app")
    use_app_owner = f"USE ROLE {APP_OWNER_ROLE}"
    plan.add("role", APP_OWNER_ROLE, use_app_owner, _run_sql(use_app_owner), phase="app")
    text = streamlit_statement(cfg)
    plan.add("streamlit", f"{cfg.schema('GOLD')}.{APP_NAME}", text, _run_sql(text))
    return plan


def _add_search_and_agent(plan: DeployPlan, cfg: PipelineConfig) -> None:
    """GOLD.DOCS loaded by its procedure (so edited documents reach the account), the Cortex Search service over
    it, and the agent over the search service and the staged semantic model — each replaced on every deploy."""
    from c360_pipeline.agent.spec import agent_name, create_agent_statement
    from c360_pipeline.orchestration.dag import call_statement, step_named
    from c360_pipeline.search.service import create_service_statement, service_name

    load = call_statement(step_named("load_docs"), cfg)
    plan.add("docs", cfg.table("GOLD", "DOCS"), load, _run_sql(load))
    service = create_service_statement(cfg)
    plan.add("search_service", service_name(cfg), service, _run_sql(service))
    agent = create_agent_statement(cfg)
    plan.add("agent", agent_name(cfg), agent, _run_sql(agent))
    # OR REPLACE drops the grants: the analysts' (and the app owner's, through C360_ANALYST) use is granted again.
    for kind, name, grant in (
        ("search_service", service_name(cfg), f"GRANT USAGE ON CORTEX SEARCH SERVICE {service_name(cfg)} TO ROLE C360_ANALYST"),
        ("agent", agent_name(cfg), f"GRANT USAGE ON AGENT {agent_name(cfg)} TO ROLE C360_ANALYST"),
    ):
        plan.add(kind, name, grant, _run_sql(grant))


def deploy(cfg: PipelineConfig, dry_run: bool, console: Any = None, *, session: Any = None,
           schedule: str = DEFAULT_SCHEDULE) -> DeployPlan:
    """Build the plan; print it (`dry_run`, no connection) or apply it action by action on the account."""
    plan = build_plan(cfg, schedule=schedule)
    plan.dry_run = dry_run
    if dry_run:
        if console is not None:
            plan.render(console)
        return plan
    own_session = session is None
    if own_session:
        from c360_pipeline.engine.sessions import snowflake_session

        session = snowflake_session(cfg.model_copy(update={"engine": "snowflake"}))
    try:
        for number, action in enumerate(plan.actions, start=1):
            if console is not None:
                console.print(f"[cyan]{number:>3}/{len(plan.actions)} {escape('[' + action.kind + ']')}[/] "
                              f"{escape(action.name)}", highlight=False)
            try:
                action.apply(session)
            except Exception as error:  # the account's error, with the action that caused it
                raise DeployError(
                    f"deploy stopped at action {number} ({action.kind} {action.name}): {error}"
                ) from error
            plan.applied += 1
    finally:
        if own_session:
            session.close()
    if console is not None:
        console.print(f"[green]deployed {plan.applied} action(s); nightly graph C360_NIGHTLY resumed "
                      f"('{schedule}' {DEFAULT_TIMEZONE}); app {cfg.schema('GOLD')}.{APP_NAME} owned by "
                      f"{APP_OWNER_ROLE}[/]", highlight=False)
    return plan
