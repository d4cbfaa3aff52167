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

from typing import Callable

import pandas as pd
import pyarrow.parquet as pq
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


def evaluate_check(check: Check, frame, tables, table_name: str,
                   counter: Callable[[], int] | None = None) -> CheckOutcome:
    """Run one check (or its equivalent `counter`); an exception is an outcome with status "error" and the reason."""
    try:
        failing = int(counter() if counter is not None else check.failing_rows(frame, tables))
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

    columns = ParquetColumns(warehouse) if warehouse.local else None
    for contract in contracts if contracts is not None else all_contracts():
        table_name = cfg.table(contract.layer, contract.table)
        if not warehouse.exists(contract.layer, contract.table):
            absent.append(table_name)
            continue
        counters = structural_counters(contract, columns) if columns is not None else {}
        frame = None
        for check in contract.checks():
            if check.name not in counters and frame is None:
                frame = warehouse.read(contract.layer, contract.table)
            outcomes.append(evaluate_check(check, frame, tables, table_name, counters.get(check.name)))
    return outcomes, absent


class ParquetColumns:
    """Columns of the local warehouse's Parquet mirror, read once per table and column."""

    def __init__(self, warehouse: Warehouse):
        self.warehouse = warehouse
        self._cache: dict[tuple[str, str, str], pd.Series] = {}

    def __call__(self, layer: str, table: str, column: str) -> pd.Series:
        key = (layer.upper(), table.upper(), column)
        if key not in self._cache:
            path = self.warehouse.path(layer, table)
            if not path.exists():
                raise FileNotFoundError(f"table {self.warehouse.name(layer, table)} does not exist ({path})")
            names = pq.read_schema(path).names
            if column not in names:
                raise KeyError(f"column {column} is not in {self.warehouse.name(layer, table)} (columns: {', '.join(names)})")
            self._cache[key] = pq.read_table(path, columns=[column]).column(0).to_pandas()
        return self._cache[key]


def structural_counters(contract: TableContract, columns: Callable[[str, str, str], pd.Series]) -> dict[str, Callable[[], int]]:
    """Failing-row counters for the contract's key, not-null, accepted-values and relationship checks.

    Same names and semantics as `TableContract.checks()`: a key counts duplicates plus nulls (single
    column) or duplicate combinations (several, nulls equal); accepted values ignore nulls; a
    relationship counts non-null child rows whose value is missing from the parent column.
    """
    layer, table = contract.layer, contract.table
    counters: dict[str, Callable[[], int]] = {}

    def column(name: str) -> pd.Series:
        return columns(layer, table, name)

    if contract.primary_key:
        key = contract.primary_key

        def duplicates() -> int:
            if len(key) == 1:
                values = column(key[0])
                return int(len(values) - values.nunique(dropna=True))
            frame = pd.DataFrame({c: column(c).astype("string").fillna("\x00") for c in key})
            return int(len(frame) - len(frame.drop_duplicates()))

        counters[f"{table}.unique({','.join(key)})"] = duplicates
    for name in contract.not_null:
        counters[f"{table}.not_null({name})"] = lambda name=name: int(column(name).isna().sum())
    for name, values in contract.accepted_values.items():
        def outside(name: str = name, values: tuple = values) -> int:
            present = column(name).dropna()
            return int((~present.isin(list(values))).sum())

        counters[f"{table}.accepted_values({name})"] = outside
    for name, (parent_layer, parent_table, parent_column) in contract.relationships.items():
        def orphans(name: str = name, parent: tuple = (parent_layer, parent_table, parent_column)) -> int:
            children = column(name).dropna()
            known = set(columns(*parent).dropna())
            return int((~children.isin(known)).sum())

        counters[f"{table}.relationship({name}->{parent_table}.{parent_column})"] = orphans
    return counters


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
