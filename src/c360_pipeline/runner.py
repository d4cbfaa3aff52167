"""Runs the DAG: each step as a stored procedure, in dependency order, as the nightly Tasks do.

Three entry points share one code path:

* `execute_step` is the body of every step procedure (`procedures/<step>.py`): config from JSON,
  the step's runner, the result as JSON; a failure raises, so a Snowflake task fails and its
  successors do not start.
* `run_pipeline` is `c360 run` (and the RUN_PIPELINE procedure): it calls every step's procedure
  in topological order (`session.call` of the deployed procedure on Snowflake; locally the same
  handler, `procedures/<step>.py`, in-process with the local session), shows progress,
  writes OPS.PIPELINE_RUNS, stops what is downstream of a failure and always runs the finalizer.
* `run_nightly` is `c360 run --days N`: extend the raw data one day at a time, run the DAG per day.
"""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark import functions as F

from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.dag import FINALIZER, STEPS, Step, downstream_of, step_named, topological_order
from c360_pipeline.steps import StepResult, record_step
from c360_pipeline import engine, runlock
from c360_pipeline.warehouse import Warehouse

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
BEFORE_AS_OF = frozenset({"ingest_bronze"})


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


# --------------------------------------------------------------------------------------------
# the local runner


@dataclass
class RunSummary:
    """What one run of the DAG did: every step's result, the first failure and whether all went well."""

    run_id: str
    as_of: date | None
    results: list[StepResult] = field(default_factory=list)
    finalizer: StepResult | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[StepResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def failed_step(self) -> str | None:
        return self.failed[0].step if self.failed else None

    @property
    def reason(self) -> str | None:
        return self.failed[0].message if self.failed else None

    @property
    def ok(self) -> bool:
        return all(r.status in OK_STATUSES for r in self.results)

    @property
    def rows_processed(self) -> int:
        return sum(int(r.rows_out) for r in self.results if r.status in OK_STATUSES)

    def result(self, step: str) -> StepResult | None:
        return next((r for r in self.results if r.step == step), None)

    def headline(self) -> str:
        done = sum(1 for r in self.results if r.status in OK_STATUSES)
        if self.ok:
            return f"run {self.run_id}: {done} step(s) succeeded in {self.seconds:.1f} s"
        skipped = [r.step for r in self.results if r.status == "skipped"]
        text = f"run {self.run_id}: step '{self.failed_step}' failed: {self.reason}"
        if skipped:
            text += f" — not run: {', '.join(skipped)}"
        return text + f" ({done} step(s) succeeded and were kept)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "ok": self.ok,
            "failed_step": self.failed_step,
            "reason": self.reason,
            "seconds": round(self.seconds, 3),
            "steps": [asdict(r) for r in self.results],
            "finalizer": asdict(self.finalizer) if self.finalizer else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str, sort_keys=True)


def select_steps(only: str | None = None, from_step: str | None = None) -> list[Step]:
    """The steps a run executes: all, one (`--only`), or one and everything downstream (`--from`)."""
    if only and from_step:
        raise ValueError("--only and --from cannot be combined: --only runs one step, --from resumes the graph")
    if only:
        return [step_named(only)]
    if from_step:
        start = step_named(from_step)
        keep = {start.name} | downstream_of(start.name)
        return [s for s in topological_order() if s.name in keep]
    return topological_order()


def procedures_dir() -> Path | None:
    """procedures/ of the source tree this package was loaded from (None in an installed wheel)."""
    candidate = Path(__file__).resolve().parents[2] / "procedures"
    return candidate if candidate.is_dir() else None


def procedure_handler(step: Step):
    """The handler a step's procedure runs: `main` of `procedures/<step>.py`, else the same body from the package."""
    directory = procedures_dir()
    handler = directory / f"{step.name}.py" if directory else None
    if handler is not None and handler.exists():
        spec = importlib.util.spec_from_file_location(f"c360_procedures.{step.name}", handler)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.main

    def main(session: Session, config_json: str = "{}") -> str:
        return execute_step(session, step.name, config_json)

    return main


def _call_procedure(session: Session, cfg: PipelineConfig, step: Step, argument: str) -> StepResult:
    """Call one step procedure; a raised failure becomes the step's failed result."""
    started = time.perf_counter()
    try:
        text = engine.call_procedure(session, step.qualified_procedure(cfg), procedure_handler(step), argument)
        return normalised(StepResult.from_json(text))
    except Exception as error:  # the connector wraps the handler's error; unwrap it
        cause = error
        while cause.__cause__ is not None and not isinstance(cause, StepFailed):
            cause = cause.__cause__
        if isinstance(cause, StepFailed):
            result = cause.result
        else:
            result = StepResult(step.name, status="failed", message=f"{type(cause).__name__}: {cause}")
        if not result.seconds:
            result.seconds = time.perf_counter() - started
        return normalised(result)


def run_pipeline(
    cfg: PipelineConfig,
    *,
    only: str | None = None,
    from_step: str | None = None,
    console: Any = None,
    session: Session | None = None,
) -> RunSummary:
    """Run the DAG (or part of it) step by step as procedures; `console` (rich) shows live progress."""
    selected = select_steps(only, from_step)
    own_session = session is None
    if own_session:
        from c360_pipeline.sessions import create_session

        session = create_session(cfg)
    started = time.perf_counter()
    summary = RunSummary(run_id=new_run_id(), as_of=cfg.as_of)
    progress = _Progress(console, selected, summary)
    try:
        for step in selected:  # import now, so a missing module fails here, named, before any work
            try:
                step.load_runner()
            except Exception:  # reported when the step runs, where it is recorded as the failure
                pass
        def procedure_argument(run_cfg: PipelineConfig) -> str:
            argument = dict(
                run_cfg.model_dump(mode="json"),
                run_id=summary.run_id,
                record=False,
                steps=[s.name for s in selected],
            )
            return json.dumps(argument, sort_keys=True)

        text = procedure_argument(cfg)
        selected_names = {s.name for s in selected}
        with progress:
            for step in selected:
                blocked = [d for d in step.depends_on if d in selected_names and not _succeeded(summary, d)]
                if blocked:
                    result = StepResult(step.name, status="skipped",
                                        message=f"not run: upstream step {blocked[0]} did not succeed")
                    record_step(session, cfg, summary.run_id, result, datetime.now())
                    summary.results.append(result)
                    progress.finished(result)
                    continue
                if cfg.as_of is None and step.name not in BEFORE_AS_OF:
                    # Resolved once, after ingest, and passed to every later step of the run.
                    try:
                        cfg = resolve_run_as_of(session, cfg, summary.run_id, step.name)
                    except ConfigError as error:
                        result = StepResult(step.name, status="failed", message=str(error))
                        record_step(session, cfg, summary.run_id, result, datetime.now())
                        summary.results.append(result)
                        progress.finished(result)
                        continue
                    summary.as_of = cfg.as_of
                    text = procedure_argument(cfg)
                progress.starting(step)
                runlock.note_step(cfg.home, step.name)  # the home's lock says where this run is
                step_started = datetime.now()
                result = _call_procedure(session, cfg, step, text)
                record_step(session, cfg, summary.run_id, result, step_started)
                summary.results.append(result)
                progress.finished(result)
            runlock.note_step(cfg.home, FINALIZER.name)
            final_started = datetime.now()
            summary.finalizer = _call_procedure(session, cfg, FINALIZER, text)
            record_step(session, cfg, summary.run_id, summary.finalizer, final_started)
        summary.seconds = time.perf_counter() - started
        progress.done()
        return summary
    finally:
        if own_session:
            session.close()


def _succeeded(summary: RunSummary, step: str) -> bool:
    result = summary.result(step)
    return result is not None and result.status in OK_STATUSES


class _Progress:
    """Live table of steps (status, rows, seconds) on a terminal; one line per step elsewhere."""

    def __init__(self, console: Any, steps: list[Step], summary: RunSummary):
        self.console = console
        self.steps = steps
        self.summary = summary
        self.running: Step | None = None
        self.running_since = 0.0
        self.live = None

    def __enter__(self) -> "_Progress":
        if self.console is not None and self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)
            self.live = None

    def starting(self, step: Step) -> None:
        self.running = step
        self.running_since = time.perf_counter()

    def finished(self, result: StepResult) -> None:
        self.running = None
        if self.console is not None and self.live is None:
            self.console.print(_line(result), highlight=False)

    def __rich__(self):
        return self.table(live=True)

    def table(self, live: bool = False):
        from rich.table import Table

        table = Table(title=f"c360 run {self.summary.run_id}" + (f" as of {self.summary.as_of}" if self.summary.as_of else ""))
        for column in ("step", "status", "rows in", "rows out", "rejected", "seconds"):
            table.add_column(column, justify="right" if column not in {"step", "status"} else "left")
        for step in self.steps:
            result = self.summary.result(step.name)
            if result is not None:
                table.add_row(step.name, _styled(result.status), f"{result.rows_in:,}", f"{result.rows_out:,}",
                              f"{result.rows_rejected:,}", f"{result.seconds:.1f}")
            elif live and self.running is not None and self.running.name == step.name:
                table.add_row(step.name, "[cyan]running[/]", "", "", "", f"{time.perf_counter() - self.running_since:.1f}")
            else:
                table.add_row(step.name, "[dim]pending[/]", "", "", "", "")
        return table

    def done(self) -> None:
        if self.console is None:
            return
        if self.live is not None or self.console.is_terminal:
            self.console.print(self.table())
        colour = "green" if self.summary.ok else "red"
        self.console.print(f"[{colour}]{self.summary.headline()}[/]", highlight=False)


def _styled(status: str) -> str:
    return {"succeeded": "[green]succeeded[/]", "warning": "[yellow]warning[/]", "failed": "[red]failed[/]",
            "skipped": "[dim]skipped[/]"}.get(status, status)


def _line(result: StepResult) -> str:
    text = (f"{result.step:<22} {_styled(f'{result.status:<9}')} in {result.rows_in:>9,}  out {result.rows_out:>9,}  "
            f"rejected {result.rows_rejected:>6,}  {result.seconds:6.1f} s")
    if result.status in {"failed", "warning"} and result.message:
        text += f"  {result.message}"
    return text


def run_pipeline_procedure(session: Session, config_json: str = "{}") -> str:
    """Body of RUN_PIPELINE: the whole DAG (or `only` / `from_step`) in one call; raises if a step failed."""
    cfg, run = parse_procedure_argument(session, config_json)
    summary = run_pipeline(cfg, only=run.get("only"), from_step=run.get("from_step"), session=session)
    if not summary.ok:
        raise RuntimeError(summary.headline() + " | " + summary.to_json())
    return summary.to_json()


# --------------------------------------------------------------------------------------------
# nightly simulation


@dataclass
class NightlySummary:
    """One DAG run per simulated day, with the rows each day processed."""

    days: list[RunSummary] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.days) and all(day.ok for day in self.days)

    def rows_by_day(self) -> list[tuple[date | None, int, int]]:
        """(day, new bronze rows, rows written by all steps) per day."""
        rows = []
        for day in self.days:
            ingest = day.result("ingest_bronze")
            rows.append((day.as_of, int(ingest.rows_out) if ingest else 0, day.rows_processed))
        return rows

    def render(self, console: Any) -> None:
        from rich.table import Table

        table = Table(title="nightly runs")
        for column in ("day", "status", "new raw rows", "rows processed", "seconds"):
            table.add_column(column, justify="left" if column in {"day", "status"} else "right")
        for day, (as_of, new_rows, processed) in zip(self.days, self.rows_by_day()):
            table.add_row(str(as_of), _styled("succeeded" if day.ok else "failed"), f"{new_rows:,}",
                          f"{processed:,}", f"{day.seconds:.1f}")
        console.print(table)


def run_nightly(
    cfg: PipelineConfig,
    days: int,
    *,
    console: Any = None,
    session: Session | None = None,
) -> NightlySummary:
    """Extend the raw data one day at a time (generator continuation) and run the DAG for each day."""
    from c360_pipeline.bronze import land_directory
    from c360_pipeline.generator import continue_world

    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    own_session = session is None
    if own_session:
        from c360_pipeline.sessions import create_session

        session = create_session(cfg)
    nightly = NightlySummary()
    try:
        for _ in range(days):
            day = continue_world(cfg.raw_dir, days=1).as_of
            land_directory(session, cfg)  # the night's new files land on the stage, as a client delivers them
            if console is not None:
                console.print(f"[bold]nightly run for {day}[/]")
            summary = run_pipeline(cfg.model_copy(update={"as_of": day}), console=console, session=session)
            nightly.days.append(summary)
            if not summary.ok:
                break
        if console is not None:
            nightly.render(console)
        return nightly
    finally:
        if own_session:
            session.close()

