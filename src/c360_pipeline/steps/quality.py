"""Step data_quality: every declared table contract evaluated into OPS.DQ_RESULTS."""

from __future__ import annotations

import time
from datetime import datetime

from snowflake.snowpark import Session

from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts.evaluation import DQ_RESULTS_SCHEMA, CheckOutcome, dq_rows, evaluate_contracts
from c360_pipeline.contracts.model import TableContract
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult


def run_data_quality(session: Session, cfg: PipelineConfig,
                     contracts: list[TableContract] | None = None) -> StepResult:
    """Evaluate every declared contract (or `contracts`) whose table exists into OPS.DQ_RESULTS; error failures fail the step."""
    from c360_pipeline.orchestration.procedures import current_run

    started = time.perf_counter()
    run_id = current_run().run_id
    outcomes, absent = evaluate_contracts(session, cfg, contracts)
    written = 0
    if outcomes:
        rows = dq_rows(outcomes, run_id, datetime.now().replace(microsecond=0))
        written = Warehouse.of(session, cfg).write_pandas(rows, DQ_RESULTS_SCHEMA, "OPS", "DQ_RESULTS", mode="append")
    blocking = [o for o in outcomes if o.blocks_run]
    warned = [o for o in outcomes if o.status == "warned" or (o.status == "error" and o.severity != "error")]
    passed = sum(1 for o in outcomes if o.status == "passed")
    tables = len({o.table for o in outcomes})
    message = f"{len(outcomes)} check(s) on {tables} table(s): {passed} passed"
    if warned:
        message += f", {len(warned)} warning(s): " + ", ".join(_describe(o) for o in warned)
    if blocking:
        message += f"; {len(blocking)} error check(s) failed: " + ", ".join(_describe(o) for o in blocking)
    status = "failed" if blocking else ("warning" if warned else "succeeded")
    return StepResult(
        "data_quality",
        status=status,
        rows_in=len(outcomes),
        rows_out=written,
        rows_rejected=0,
        seconds=time.perf_counter() - started,
        message=message,
        details={
            "run_id": run_id,
            "failed_checks": [o.check for o in blocking],
            "warning_checks": [o.check for o in warned],
            "errors": {o.check: o.error for o in outcomes if o.error},
            "tables_not_built": absent,
        },
    )


def _describe(outcome: CheckOutcome) -> str:
    if outcome.status == "error":
        return f"{outcome.check} (could not be evaluated: {outcome.error})"
    return f"{outcome.check} ({outcome.failing_rows:,} row(s))"
