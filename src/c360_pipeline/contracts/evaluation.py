"""Data-quality step: every declared table contract, evaluated into OPS.DQ_RESULTS (one row per check per run).

An error-severity check with failing rows fails the step (and so the run) with the names of the
checks; a warn-severity failure is recorded and turns the step's status into "warning". A check
that cannot be evaluated (a column or parent table is missing) counts as failed: a contract that
no longer matches its table is a defect, not a pass.

The checks of a table are pushed down as one aggregate query: every row rule (not-null, accepted
values, ranges, any "rows where <condition>") is a `COUNT(IFF(condition, 1, NULL))`, uniqueness is
`COUNT(*) - COUNT(DISTINCT key)`, and each relationship is a left join to the parent's distinct keys
whose orphans are counted the same way — one scan of the table, one round trip, on either engine.
Only invariants that need a query of their own (other tables' rows, self-joins) run one by one.
When the table's query cannot run, each of its checks is evaluated alone, so the one that is
broken is named and the others still count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import pandas as pd
from snowflake.snowpark import Column, DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import all_contracts
from c360_pipeline.contracts.model import Check, Reference, TableContract, Tables, rows_where
from c360_pipeline.engine.warehouse import TableMissing, Warehouse

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


def evaluate_check(check: Check, frame: DataFrame, tables: Tables, table_name: str) -> CheckOutcome:
    """Run one check in a query of its own; an exception is an outcome with status "error" and the reason."""
    try:
        failing = int(check.failing_rows(frame, tables))
    except Exception as error:  # a broken check must be reported by name, never stop the other checks
        return CheckOutcome(check.name, table_name, check.severity, -1, "error", f"{type(error).__name__}: {error}")
    return _outcome(check, table_name, failing)


def evaluate_table(checks: list[Check], frame: DataFrame, tables: Tables, table_name: str) -> list[CheckOutcome]:
    """Every check of one table, in declared order: the batched ones counted in one query, the others alone."""
    counted = batched_counts(checks, frame, tables)
    return [
        _outcome(check, table_name, counted[position]) if position in counted
        else evaluate_check(check, frame, tables, table_name)
        for position, check in enumerate(checks)
    ]


def batched_counts(checks: list[Check], frame: DataFrame, tables: Tables) -> dict[int, int]:
    """Failing rows of the batched checks (by position in `checks`), all from one aggregate query over the table.

    A relationship whose parent cannot be read is left out (evaluated alone, it reports why); when
    the query itself fails, nothing is returned and every check is evaluated alone.
    """
    rows = frame
    measures: dict[int, Column] = {}
    for position, check in enumerate(checks):
        if check.reference is not None:
            try:
                rows, orphan = _joined_to_parent(rows, check.reference, tables, f"_PARENT_{position}")
            except Exception:  # a missing parent or column: the check alone reports it
                continue
            measures[position] = rows_where(orphan)
        elif check.condition is not None:
            measures[position] = rows_where(check.condition)
        elif check.aggregate is not None:
            measures[position] = check.aggregate
    if not measures:
        return {}
    try:
        row = rows.agg(*[measure.alias(f"CHECK_{position}") for position, measure in measures.items()]).collect()[0]
    except Exception:  # one check that cannot run fails the query: each is evaluated alone, naming the broken one
        return {}
    return {position: int(row[index] or 0) for index, position in enumerate(measures)}


def _joined_to_parent(rows: DataFrame, reference: Reference, tables: Tables, alias: str) -> tuple[DataFrame, Column]:
    """The rows left-joined to the parent's distinct keys (as `alias`), and the condition true on orphans.

    The parent's keys are distinct, so the join keeps one row per child row and the table's other
    counts are unchanged; a child row with a key found has a non-null `alias`, an orphan has none.
    """
    parents = tables(reference.layer, reference.table).select(F.col(reference.parent_column).alias(alias)).distinct()
    joined = rows.join(parents, F.col(reference.column) == F.col(alias), how="left")
    return joined, F.col(reference.column).is_not_null() & F.col(alias).is_null()


def _outcome(check: Check, table_name: str, failing: int) -> CheckOutcome:
    if failing == 0:
        status = "passed"
    else:
        status = "failed" if check.severity == "error" else "warned"
    return CheckOutcome(check.name, table_name, check.severity, failing, status)


def evaluate_contracts(session: Session, cfg: PipelineConfig,
                       contracts: list[TableContract] | None = None) -> tuple[list[CheckOutcome], list[str]]:
    """Every check of every contract whose table exists; also the tables that do not exist yet."""
    tables = _reader(Warehouse.of(session, cfg))
    outcomes: list[CheckOutcome] = []
    absent: list[str] = []
    for contract in contracts if contracts is not None else all_contracts():
        table_name = cfg.table(contract.layer, contract.table)
        try:
            frame = tables(contract.layer, contract.table)
        except TableMissing:
            absent.append(table_name)
            continue
        outcomes.extend(evaluate_table(contract.checks(), frame, tables, table_name))
    return outcomes, absent


def _reader(warehouse: Warehouse) -> Callable[[str, str], DataFrame]:
    """`warehouse.read`, each table looked up once per evaluation (parents are read by many children)."""
    read: dict[tuple[str, str], DataFrame] = {}

    def tables(layer: str, table: str) -> DataFrame:
        key = (layer.upper(), table.upper())
        if key not in read:
            read[key] = warehouse.read(layer, table)
        return read[key]

    return tables


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
