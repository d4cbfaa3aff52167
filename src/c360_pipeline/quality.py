"""Data-quality step: every declared table contract, evaluated into OPS.DQ_RESULTS (one row per check per run).

An error-severity check with failing rows fails the step (and so the run) with the names of the
checks; a warn-severity failure is recorded and turns the step's status into "warning". A check
that cannot be evaluated (a column or parent table is missing) counts as failed: a contract that
no longer matches its table is a defect, not a pass.

On Snowflake every check runs as declared (pushed down to the warehouse). On the local engine
the structural checks (key, not-null, accepted values, relationships) are counted with pandas on
the table's Parquet mirror — the emulator re-materialises a table for every query, which made a
full evaluation cost minutes — with the same semantics as the declared checks (a test compares
the two on dirty data); invariants always run as declared.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime



import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import Check, TableContract, all_contracts
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

DQ_RESULTS_SCHEMA = StructType(
    [
        StructField("RUN_ID", StringType()),
        StructField("CHECK_NAME", StringType()),
        StructField("TABLE_NAME", StringType()),
        StructField("SEVERITY", StringType()),
        StructField("FAILING_ROWS", LongType()),
        StructField("STATUS", StringType()),  # passed | failed | warned | error (could not be evaluated)
        StructField("CHECKED_AT", TimestampType()),
    ]
)


@dataclass(frozen=True)
class CheckOutcome:
    """One evaluated check: how many rows break it and what that means for the run."""

    check: str
    table: str
    severity: str
    failing_rows: int
    status: str
    error: str = ""

    @property
    def blocks_run(self) -> bool:
        return self.severity == "error" and self.status in {"failed", "error"}


def evaluate_check(check: Check, frame, tables, table_name: str) -> CheckOutcome:
    """Run one check; an exception is an outcome with status "error" and the reason."""
    try:
        failing = int(check.failing_rows(frame, tables))
    except Exception as error:  # a broken check must be reported by name, never stop the other checks
        return CheckOutcome(check.name, table_name, check.severity, -1, "error", f"{type(error).__name__}: {error}")
    if failing == 0:
        status = "passed"
    else:
        status = "failed" if check.severity == "error" else "warned"
    return CheckOutcome(check.name, table_name, check.severity, failing, status)


def evaluate_contracts(session: Session, cfg: PipelineConfig,
                       contracts: list[TableContract] | None = None) -> tuple[list[CheckOutcome], list[str]]:
    """Every check of every contract whose table exists; also the tables that do not exist yet."""
    warehouse = Warehouse.of(session, cfg)
    outcomes: list[CheckOutcome] = []
    absent: list[str] = []

    def tables(layer: str, table: str):
        return warehouse.read(layer, table)

    for contract in contracts if contracts is not None else all_contracts():
        table_name = cfg.table(contract.layer, contract.table)
        if not warehouse.exists(contract.layer, contract.table):
            absent.append(table_name)
            continue
        frame = warehouse.read(contract.layer, contract.table)
        for check in contract.checks():
            outcomes.append(evaluate_check(check, frame, tables, table_name))
    return outcomes, absent


def dq_rows(outcomes: list[CheckOutcome], run_id: str, checked_at: datetime) -> pd.DataFrame:
    """OPS.DQ_RESULTS rows for a run: one per check."""
    return pd.DataFrame(
        [
            {
                "RUN_ID": run_id,
                "CHECK_NAME": o.check,
                "TABLE_NAME": o.table,
                "SEVERITY": o.severity,
                "FAILING_ROWS": o.failing_rows,
                "STATUS": o.status,
                "CHECKED_AT": checked_at,
            }
            for o in outcomes
        ],
        columns=[f.name for f in DQ_RESULTS_SCHEMA.fields],
    )


def run_data_quality(session: Session, cfg: PipelineConfig,
                     contracts: list[TableContract] | None = None) -> StepResult:
    """Evaluate every declared contract (or `contracts`) whose table exists into OPS.DQ_RESULTS; error failures fail the step."""
    from c360_pipeline.runner import current_run

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
