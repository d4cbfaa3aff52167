"""The pipeline DAG, declared once: steps, their dependencies, runners and procedure names.

Both the Snowflake Task DAG (deployed by `c360 deploy`) and the local runner behind `c360 run`
are built from `STEPS` and `FINALIZER`.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # snowflake.core is imported only when a DAG object is built
    from snowflake.core.task.dagv1 import DAG

    from c360_pipeline.config import PipelineConfig


DAG_NAME = "C360_NIGHTLY"


DEFAULT_SCHEDULE = "0 2 * * *"  # 02:00 every night


DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class Step:
    """One node of the DAG: what it runs, what it waits for, and its stored procedure."""

    name: str
    runner: str  # "module:function" of run_<step>(session, cfg) -> StepResult
    depends_on: tuple[str, ...] = ()
    description: str = ""

    @property
    def procedure(self) -> str:
        return f"{self.name.upper()}_SP"

    @property
    def task_name(self) -> str:
        return self.name.upper()

    def load_runner(self) -> Callable:
        module, function = self.runner.split(":")
        return getattr(importlib.import_module(module), function)

    def qualified_procedure(self, cfg: "PipelineConfig") -> str:
        """The procedure's fully qualified name, e.g. C360.OPS.STAGE_SILVER_SP."""
        return f"{cfg.schema('OPS')}.{self.procedure}"


STEPS: tuple[Step, ...] = (
    Step("ingest_bronze", "c360_pipeline.steps.ingest:run_ingest_bronze", (), "load new raw files into BRONZE"),
    Step("load_docs", "c360_pipeline.documents.step:run_load_docs", (),
         "policies, playbooks, definitions and the data dictionary into GOLD.DOCS (the search service's source)"),
    Step("stage_silver", "c360_pipeline.steps.stage:run_stage_silver", ("ingest_bronze",), "clean, type, dedupe; rejects"),
    Step("dim_date", "c360_pipeline.steps.dimension_tables:run_dim_date", ("stage_silver",), "calendar of the data range"),
    Step("dim_merchant_category", "c360_pipeline.steps.dimension_tables:run_dim_merchant_category", ("stage_silver",), "50 categories"),
    Step("dim_customer", "c360_pipeline.steps.dimension_tables:run_dim_customer", ("stage_silver",), "SCD Type 2 customers"),
    Step(
        "fct_transactions",
        "c360_pipeline.steps.fact_table:run_fct_transactions",
        ("dim_date", "dim_merchant_category", "dim_customer"),
        "one row per transaction",
    ),
    Step("customer_segments", "c360_pipeline.steps.marts:run_customer_segments", ("fct_transactions",),
         "five behavioural segments from rolling 90-day windows"),
    Step("hero_metrics", "c360_pipeline.steps.marts:run_hero_metrics", ("fct_transactions",),
         "lifetime value, month-over-month spend change, average transaction value"),
    Step("churn_features", "c360_pipeline.steps.churn:run_churn_features", ("customer_segments", "hero_metrics"),
         "one feature row per customer per cut-off date"),
    Step("train_churn_model", "c360_pipeline.steps.churn:run_train_churn_model", ("churn_features",),
         "retrain the churn model when it is due (monthly) or asked for"),
    Step("score_churn", "c360_pipeline.steps.churn:run_score_churn", ("train_churn_model",),
         "churn probability, 0-100 risk score and risk category per customer"),
    Step("customer_360_profile", "c360_pipeline.steps.marts:run_customer_360_profile", ("score_churn",),
         "one denormalised row per current customer"),
    Step("data_quality", "c360_pipeline.steps.quality:run_data_quality", ("customer_360_profile", "load_docs"),
         "evaluate every declared table contract into OPS.DQ_RESULTS"),
)


# Runs after every run of the graph, also when a step failed (a Snowflake finalizer task).
FINALIZER = Step("record_run", "c360_pipeline.orchestration.procedures:run_record_run", (), "record the outcome of the whole run")


STEP_BY_NAME: dict[str, Step] = {step.name: step for step in STEPS}


ALL_PROCEDURE_STEPS: tuple[Step, ...] = STEPS + (FINALIZER,)


RUN_PIPELINE_PROCEDURE = "RUN_PIPELINE"


def topological_order(steps: tuple[Step, ...] = STEPS) -> list[Step]:
    """Steps in an order that respects every dependency (declaration order breaks ties)."""
    done: set[str] = set()
    ordered: list[Step] = []
    pending = list(steps)
    while pending:
        ready = [s for s in pending if all(d in done for d in s.depends_on)]
        if not ready:
            raise ValueError(f"the DAG has a cycle among {[s.name for s in pending]}")
        for step in ready:
            ordered.append(step)
            done.add(step.name)
            pending.remove(step)
    return ordered


def downstream_of(name: str, steps: tuple[Step, ...] = STEPS) -> set[str]:
    """Every step that depends, directly or not, on `name`."""
    found: set[str] = set()
    frontier = {name}
    while frontier:
        frontier = {s.name for s in steps if set(s.depends_on) & frontier} - found
        found |= frontier
    return found


def step_named(name: str) -> Step:
    """The step called `name` (dashes accepted); the error lists the valid names."""
    key = name.strip().lower().replace("-", "_")
    if key not in STEP_BY_NAME:
        raise KeyError(f"unknown step '{name}'; steps are: {', '.join(s.name for s in STEPS)}")
    return STEP_BY_NAME[key]


# Settings a deployed procedure needs to find its tables; everything else keeps the procedure's defaults.
_DEPLOYED_SETTINGS = ("database", "bronze_schema", "silver_schema", "gold_schema", "ops_schema", "warehouse",
                      "segments", "churn")


def procedure_arguments(cfg: "PipelineConfig") -> str:
    """The JSON argument the nightly tasks pass: only the deployed settings that differ from the defaults."""
    changed = cfg.model_dump(mode="json", include=set(_DEPLOYED_SETTINGS), exclude_defaults=True)
    return json.dumps(changed, sort_keys=True, separators=(",", ":"))


def call_statement(step: Step, cfg: "PipelineConfig") -> str:
    """The task body: `CALL C360.OPS.<STEP>_SP('<json>')` (the JSON comes from the validated config)."""
    argument = procedure_arguments(cfg).replace("\\", "\\\\").replace("'", "''")
    return f"CALL {step.qualified_procedure(cfg)}('{argument}')"


def build_task_dag(cfg: "PipelineConfig", schedule: str = DEFAULT_SCHEDULE, timezone: str = DEFAULT_TIMEZONE,
                   name: str = DAG_NAME) -> "DAG":
    """The snowflake.core task graph: one task per step calling its procedure, plus the finalizer."""
    from snowflake.core.task import Cron
    from snowflake.core.task.dagv1 import DAG, DAGTask

    dag = DAG(
        name,
        schedule=Cron(schedule, timezone),
        warehouse=cfg.warehouse,
        comment="c360 nightly pipeline: one task per step, each calling its stored procedure",
        # A failed step must not be hidden by a second run starting on top of it.
        allow_overlapping_execution=False,
    )
    from c360_pipeline.cost.guardrails import step_query_tag

    def tagged(step: Step) -> dict:
        # Each task's statements carry the step in QUERY_TAG, so the Cost tab attributes credits to steps.
        return {"QUERY_TAG": step_query_tag(step.name, "task_graph")}

    with dag:
        tasks = {
            step.name: DAGTask(step.task_name, call_statement(step, cfg), comment=step.description,
                               session_parameters=tagged(step))
            for step in STEPS
        }
        DAGTask(FINALIZER.task_name, call_statement(FINALIZER, cfg), comment=FINALIZER.description,
                is_finalizer=True, session_parameters=tagged(FINALIZER))
    for step in STEPS:
        for dependency in step.depends_on:
            tasks[dependency] >> tasks[step.name]
    return dag


def render_text(cfg: "PipelineConfig | None" = None, schedule: str = DEFAULT_SCHEDULE) -> str:
    """The graph as indented text: each step, its procedure and what it waits for."""
    from c360_pipeline.config import PipelineConfig

    cfg = cfg or PipelineConfig()
    lines = [
        f"{DAG_NAME}: cron '{schedule}' {DEFAULT_TIMEZONE}, warehouse {cfg.warehouse}",
        "",
    ]
    width = max(len(s.name) for s in ALL_PROCEDURE_STEPS)
    for number, step in enumerate(topological_order(), start=1):
        after = ", ".join(step.depends_on) if step.depends_on else "(root: the schedule)"
        lines.append(f"{number:>2}. {step.name:<{width}}  CALL {step.qualified_procedure(cfg)}  after {after}")
        if step.description:
            lines.append(f"    {'':<{width}}  {step.description}")
    lines.append(f" F. {FINALIZER.name:<{width}}  CALL {FINALIZER.qualified_procedure(cfg)}  finalizer: "
                 "runs after every run, also when a step failed")
    return "\n".join(lines)


def render_mermaid(cfg: "PipelineConfig | None" = None) -> str:
    """The graph as a Mermaid flowchart (for docs)."""
    from c360_pipeline.config import PipelineConfig

    cfg = cfg or PipelineConfig()
    lines = ["flowchart TD"]
    for step in topological_order():
        lines.append(f'    {step.name}["{step.name}<br/><small>{step.procedure}</small>"]')
    lines.append(f'    {FINALIZER.name}{{{{"{FINALIZER.name} (finalizer)<br/><small>{FINALIZER.procedure}</small>"}}}}')
    for step in topological_order():
        for dependency in step.depends_on:
            lines.append(f"    {dependency} --> {step.name}")
    last = [s.name for s in STEPS if not downstream_of(s.name)]
    for name in last:
        lines.append(f"    {name} -.->|always| {FINALIZER.name}")
    return "\n".join(lines)
