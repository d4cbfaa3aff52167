"""The body of every step procedure, and the finalizer that records a whole run.

* `execute_step` is the body of every step procedure (`procedures/<step>.py`): config from JSON,
  the step's runner, the result as JSON; a failure raises, so a Snowflake task fails and its
  successors do not start.
"""

from __future__ import annotations

import json
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark import functions as F

from c360_pipeline import engine
from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.orchestration.dag import FINALIZER, STEPS, Step, step_named
from c360_pipeline.orchestration.run_log import record_step
from c360_pipeline.steps import StepResult

# Keys of the procedure argument that are about the run, not PipelineConfig settings.
_RUN_KEYS = ("run_id", "record", "steps", "only", "from_step")


OK_STATUSES = frozenset({"succeeded", "warning"})


class StepFailed(RuntimeError):
    """A step did not finish; carries the step's result (status "failed", the reason in `message`)."""

    def __init__(self, result: StepResult):
        super().__init__(f"step {result.step} failed: {result.message}")
        self.result = result


@dataclass(frozen=True)
class RunContext:
    """What a procedure knows about the run it belongs to: its id and the steps the run includes."""

    run_id: str
    steps: tuple[str, ...]


_CURRENT_RUN: ContextVar[RunContext | None] = ContextVar("c360_current_run", default=None)


def new_run_id() -> str:
    return f"{datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def current_run() -> RunContext:
    """The run the executing step belongs to (a fresh id when a runner is called directly)."""
    return _CURRENT_RUN.get() or RunContext(new_run_id(), tuple(s.name for s in STEPS))


def _task_graph_run_id(session: Session) -> str | None:
    """Inside a Snowflake task graph every task of one run shares this id; None elsewhere."""
    try:
        value = session.sql("SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID')").collect()[0][0]
    except Exception:  # not running inside a task: the function raises; a new id is made instead
        return None
    return str(value) if value else None


def _task_graph_scheduled_day(session: Session) -> date | None:
    """Inside a task graph: the day its root task was originally scheduled (the same for retries); None elsewhere."""
    try:
        value = session.sql(
            "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP')"
        ).collect()[0][0]
    except Exception:  # not running inside a task: the function raises
        return None
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# the run's as_of, resolved once per run
#
# A step procedure called without "as_of" (the task bodies are `CALL <STEP>_SP('{}')`) takes the as_of
# already recorded for its run in OPS.PIPELINE_RUNS; the first step of a run that needs one resolves it:
# the latest delivery day in BRONZE.RAW_TRANSACTIONS (batch ids are days, YYYYMMDD, as the raw layout
# names them: `transactions_20250630_001.csv`) that is not after today, where today is the day the task
# graph was scheduled (a retry the next morning resolves the same day) or the session's current date
# outside a task graph. Its own OPS.PIPELINE_RUNS row then records it for every later step of the run.

# Steps that run before the run's as_of is known: they load what the night delivered.
BEFORE_AS_OF = frozenset({"ingest_bronze", "load_docs"})  # steps that do not read the data's as-of date


def recorded_as_of(session: Session, cfg: PipelineConfig, run_id: str) -> date | None:
    """The as_of that OPS.PIPELINE_RUNS holds for a run (the first step that recorded one), or None."""
    warehouse = Warehouse.of(session, cfg)
    if not warehouse.exists("OPS", "PIPELINE_RUNS"):
        return None
    rows = (
        warehouse.read("OPS", "PIPELINE_RUNS")
        .filter((F.col("RUN_ID") == F.lit(run_id)) & F.col("AS_OF_DATE").is_not_null())
        .sort(F.col("STARTED_AT"))
        .select("AS_OF_DATE")
        .limit(1)
        .collect()
    )
    return date.fromisoformat(str(rows[0][0])[:10]) if rows else None


def latest_delivery_day(session: Session, cfg: PipelineConfig) -> date:
    """The latest transaction delivery day in bronze not after today (see the rule above); ConfigError if none."""
    warehouse = Warehouse.of(session, cfg)
    table = warehouse.name("BRONZE", "RAW_TRANSACTIONS")
    if not warehouse.exists("BRONZE", "RAW_TRANSACTIONS"):
        raise ConfigError(
            f"setting 'as_of' is required: {table} does not exist yet, so the run's as_of cannot be resolved; "
            'land the raw files and run ingest_bronze first, or pass {"as_of": "YYYY-MM-DD"} as the argument'
        )
    today = _task_graph_scheduled_day(session)
    today_column = F.lit(today) if today is not None else F.current_date()
    batch_day = F.call_function("try_to_date", F.col("_BATCH_ID"), F.lit("YYYYMMDD"))
    batches = warehouse.read("BRONZE", "RAW_TRANSACTIONS").select("_BATCH_ID").distinct()
    value = batches.select(batch_day.alias("BATCH_DAY")).filter(F.col("BATCH_DAY") <= today_column).agg(
        F.max("BATCH_DAY").alias("AS_OF")
    ).collect()[0]["AS_OF"]
    if value is None:
        raise ConfigError(
            f"setting 'as_of' is required: no batch of {table} is named for a day (YYYYMMDD) on or before today, "
            "so the run's as_of cannot be resolved; name transaction files transactions_<YYYYMMDD>[_<PART>] "
            'or pass {"as_of": "YYYY-MM-DD"} as the argument'
        )
    return value if isinstance(value, date) and not isinstance(value, datetime) else pd.Timestamp(value).date()


def resolve_run_as_of(session: Session, cfg: PipelineConfig, run_id: str, step: str) -> PipelineConfig:
    """The config with the run's as_of: as passed, else as recorded for the run, else resolved (see above).

    Steps that run before as_of is known (ingest) and the finalizer take it only when it is already known.
    """
    if cfg.as_of is not None:
        return cfg
    as_of = recorded_as_of(session, cfg, run_id)
    if as_of is None and step not in BEFORE_AS_OF and step != FINALIZER.name:
        as_of = latest_delivery_day(session, cfg)
    return cfg if as_of is None else cfg.model_copy(update={"as_of": as_of})


def parse_procedure_argument(session: Session, config_json: str | None) -> tuple[PipelineConfig, dict[str, Any]]:
    """The config and run keys from a procedure's JSON argument; the engine follows the session."""
    text = (config_json or "").strip() or "{}"
    try:
        settings = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"the procedure argument is not valid JSON ({error}); pass e.g. '{{\"as_of\": \"2025-06-30\"}}'") from None
    if not isinstance(settings, dict):
        raise ConfigError("the procedure argument must be a JSON object, e.g. '{\"as_of\": \"2025-06-30\"}'")
    run = {key: settings.pop(key) for key in _RUN_KEYS if key in settings}
    # The tables are those of the session's engine, whatever the caller passed.
    settings["engine"] = engine.kind(session)
    return PipelineConfig.build(**settings), run


def _context_from(session: Session, cfg: PipelineConfig, run: dict[str, Any]) -> RunContext:
    run_id = run.get("run_id") or _task_graph_run_id(session) or new_run_id()
    steps = tuple(run.get("steps") or [s.name for s in STEPS])
    return RunContext(str(run_id), steps)


def run_step(step: Step, session: Session, cfg: PipelineConfig) -> StepResult:
    """Call a step's runner; an exception becomes a failed result naming the error."""
    started = time.perf_counter()
    try:
        result = step.load_runner()(session, cfg)
    except StepFailed as failure:
        result = failure.result
    except Exception as error:  # any error of a step is reported, with its type, as the step's failure
        result = StepResult(step.name, status="failed", message=f"{type(error).__name__}: {error}")
    if not isinstance(result, StepResult):
        result = StepResult(step.name, status="failed", message=f"runner returned {type(result).__name__}, not StepResult")
    if not result.seconds:
        result.seconds = time.perf_counter() - started
    return normalised(result)


def normalised(result: StepResult) -> StepResult:
    """Counts as int and seconds as float (runners may hand back NumPy scalars, which JSON turns into text)."""
    for name in ("rows_in", "rows_out", "rows_rejected"):
        setattr(result, name, int(float(getattr(result, name) or 0)))
    result.seconds = float(result.seconds or 0.0)
    return result


def execute_step(session: Session, step_name: str, config_json: str = "{}") -> str:
    """Body of a step procedure: run the step, record it (unless the caller records), return JSON; raise on failure."""
    started_at = datetime.now()
    step = FINALIZER if step_name == FINALIZER.name else step_named(step_name)
    cfg, run = parse_procedure_argument(session, config_json)
    context = _context_from(session, cfg, run)
    try:
        cfg = resolve_run_as_of(session, cfg, context.run_id, step.name)
    except ConfigError as error:
        result = StepResult(step.name, status="failed", message=str(error))
    else:
        token = _CURRENT_RUN.set(context)
        try:
            result = run_step(step, session, cfg)
        finally:
            _CURRENT_RUN.reset(token)
    if run.get("record", True):
        record_step(session, cfg, context.run_id, result, started_at)
    # The finalizer reports the run's outcome; it fails only if it could not record it.
    if result.status == "failed" and step is not FINALIZER:
        raise StepFailed(result)
    return result.to_json()


# --------------------------------------------------------------------------------------------
# the finalizer


def run_record_run(session: Session, cfg: PipelineConfig) -> StepResult:
    """Finalizer: the outcome of the whole run from OPS.PIPELINE_RUNS (failed and not-run steps named)."""
    started = time.perf_counter()
    context = current_run()
    warehouse = Warehouse.of(session, cfg)
    recorded: dict[str, tuple[str, str]] = {}
    if warehouse.exists("OPS", "PIPELINE_RUNS"):
        rows = (
            warehouse.read("OPS", "PIPELINE_RUNS")
            .filter(F.col("RUN_ID") == F.lit(context.run_id))
            .select("STEP", "STATUS", "MESSAGE")
            .to_pandas()
        )
        for row in rows.itertuples(index=False):
            recorded[row.STEP] = (row.STATUS, row.MESSAGE or "")
    expected = [s for s in context.steps if s != FINALIZER.name]
    failed = [s for s in expected if recorded.get(s, ("",))[0] == "failed"]
    not_run = [s for s in expected if recorded.get(s, ("",))[0] in {"", "skipped"}]
    warned = [s for s in expected if recorded.get(s, ("",))[0] == "warning"]
    if failed:
        status = "failed"
        first = failed[0]
        message = f"run {context.run_id} failed at {first}: {recorded[first][1]}"
    elif not_run:
        status = "failed"
        message = f"run {context.run_id} incomplete: {', '.join(not_run)} did not run"
    else:
        status = "warning" if warned else "succeeded"
        message = f"run {context.run_id}: {len(expected)} step(s) finished" + (
            f", warnings in {', '.join(warned)}" if warned else ""
        )
    return StepResult(
        FINALIZER.name,
        status=status,
        rows_in=len(recorded),
        seconds=time.perf_counter() - started,
        message=message,
        details={"failed_steps": failed, "not_run": not_run, "warning_steps": warned, "expected_steps": expected},
    )
