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
from datetime import datetime
from pathlib import Path
from typing import Any

from snowflake.snowpark import Session

from c360_pipeline import engine
from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.cost.guardrails import step_query_tag
from c360_pipeline.orchestration import runlock
from c360_pipeline.orchestration.dag import FINALIZER, Step, downstream_of, step_named, topological_order
from c360_pipeline.orchestration.procedures import (
    BEFORE_AS_OF,
    OK_STATUSES,
    StepFailed,
    execute_step,
    new_run_id,
    normalised,
    parse_procedure_argument,
    resolve_run_as_of,
)
from c360_pipeline.orchestration.progress import NightlySummary, Progress, RunSummary
from c360_pipeline.orchestration.run_log import record_step
from c360_pipeline.steps import StepResult


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
    candidate = Path(__file__).resolve().parents[3] / "procedures"
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


def _call_procedure(session: Session, cfg: PipelineConfig, step: Step, argument: str, run_id: str = "") -> StepResult:
    """Call one step procedure under the step's query tag; a raised failure becomes the step's failed result.

    The tag (JSON with the step and run) lets QUERY_HISTORY attribute the warehouse's credits to steps (the
    Cost tab); the session's own tag is restored afterwards.
    """
    started = time.perf_counter()
    previous_tag = session.query_tag
    session.query_tag = step_query_tag(step.name, run_id)
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
    finally:
        session.query_tag = previous_tag


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
        from c360_pipeline.engine.sessions import create_session

        session = create_session(cfg)
    started = time.perf_counter()
    summary = RunSummary(run_id=new_run_id(), as_of=cfg.as_of)
    progress = Progress(console, selected, summary)
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
                result = _call_procedure(session, cfg, step, text, summary.run_id)
                record_step(session, cfg, summary.run_id, result, step_started)
                summary.results.append(result)
                progress.finished(result)
            runlock.note_step(cfg.home, FINALIZER.name)
            final_started = datetime.now()
            summary.finalizer = _call_procedure(session, cfg, FINALIZER, text, summary.run_id)
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


def run_pipeline_procedure(session: Session, config_json: str = "{}") -> str:
    """Body of RUN_PIPELINE: the whole DAG (or `only` / `from_step`) in one call; raises if a step failed."""
    cfg, run = parse_procedure_argument(session, config_json)
    summary = run_pipeline(cfg, only=run.get("only"), from_step=run.get("from_step"), session=session)
    if not summary.ok:
        raise RuntimeError(summary.headline() + " | " + summary.to_json())
    return summary.to_json()


def run_nightly(
    cfg: PipelineConfig,
    days: int,
    *,
    console: Any = None,
    session: Session | None = None,
) -> NightlySummary:
    """Extend the raw data one day at a time (generator continuation) and run the DAG for each day."""
    from c360_pipeline.generator import continue_world
    from c360_pipeline.steps.ingest import land_directory

    if days < 1:
        raise ValueError(f"--days must be at least 1, got {days}")
    own_session = session is None
    if own_session:
        from c360_pipeline.engine.sessions import create_session

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
