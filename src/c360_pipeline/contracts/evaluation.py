"""Data-quality step: every declared table contract, evaluated into OPS.DQ_RESULTS (one row per check per run).

An error-severity check with failing rows fails the step (and so the run) with the names of the
checks; a warn-severity failure is recorded and turns the step's status into "warning". A check
that cannot be evaluated (a column or parent table is missing) counts as failed: a contract that
no longer matches its table is a defect, not a pass.

The checks of a table are pushed down as one aggregate over its rows: every row rule (not-null,
accepted values, ranges, any "rows where <condition>") is a `COUNT(IFF(condition, 1, NULL))`,
uniqueness is `COUNT(*) - COUNT(DISTINCT key)`, and each relationship is a left join to the
parent's distinct keys whose orphans are counted the same way — one scan of the table. An
invariant that needs a query of its own (other tables' rows, self-joins) declares it as a one-row
frame of its failing count. Every table's aggregate and every such frame is a one-row subquery of
ONE statement (cross-joined), so the whole evaluation is one round trip on either engine. When that
statement cannot run, each part runs alone, and a part that still fails has each of its checks
evaluated alone, so the one that is broken is named and the others still count. Only checks
counted in Python (`failing_rows`, e.g. the declared columns, read from the table's schema) are
evaluated one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime

import pandas as pd
from snowflake.snowpark import DataFrame, Row, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import all_contracts
from c360_pipeline.contracts.model import FAILING, Check, TableContract, Tables, rows_where
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


@dataclass(frozen=True, eq=False)
class _Part:
    """A one-row frame counting some checks: its column `CHECK_<number>` is the failing rows of check <number>."""

    frame: DataFrame
    numbers: tuple[int, ...]

    @cached_property
    def sql(self) -> str | None:
        """The frame's SQL when it is one query with nothing to run after it (else it is collected on its own)."""
        plan = self.frame.queries
        return plan["queries"][0] if len(plan["queries"]) == 1 and not plan["post_actions"] else None


def _column(number: int) -> str:
    return f"CHECK_{number}"


def _table_part(checks: list[tuple[int, Check]], frame: DataFrame) -> _Part | None:
    """The batched checks of one table (numbered), all counted by one aggregate over its rows; None without any."""
    measures = {number: rows_where(check.condition) if check.condition is not None else check.aggregate
                for number, check in checks if check.batched}
    if not measures:
        return None
    return _Part(frame.agg(*[measure.alias(_column(number)) for number, measure in measures.items()]), tuple(measures))


def _query_part(number: int, check: Check, frame: DataFrame, tables: Tables) -> _Part | None:
    """A relationship or a declared query: its one-row frame; None when it cannot even be built (a parent table
    is missing: alone, the check reports why)."""
    try:
        return _Part(check.own_query(frame, tables).select(F.col(FAILING).alias(_column(number))), (number,))
    except Exception:
        return None


def _counted(session: Session, parts: list[_Part]) -> dict[int, int]:
    """Failing rows by check number: every part in one statement; when that fails, each part alone.

    A part that fails alone is left out, so each of its checks is evaluated alone and the broken one is named.
    """
    combined = [part for part in parts if part.sql is not None]
    try:
        row = _in_one_statement(session, combined)
    except Exception:  # one check that cannot run fails the statement: the parts are counted one by one
        row, combined = None, []
    counted = {number: _count(row, number) for part in combined for number in part.numbers}
    for part in parts:
        if part in combined:
            continue
        try:
            alone = part.frame.collect()[0]
        except Exception:
            continue
        counted.update({number: _count(alone, number) for number in part.numbers})
    return counted


def _count(row: Row, number: int) -> int:
    return int(row[_column(number)] or 0)


def _in_one_statement(session: Session, parts: list[_Part]) -> Row | None:
    """Every part's columns in one row: the parts' one-row queries cross-joined, one statement and no DESCRIBE.

    Snowpark compiles each part; joining them as DataFrames would describe every part to disambiguate
    its columns, so the parts' own SQL is joined as subqueries instead (their columns are distinct).
    """
    if not parts:
        return None
    sources = " CROSS JOIN ".join(f"({part.sql}) AS PART_{position}" for position, part in enumerate(parts))
    return session.sql(f"SELECT * FROM {sources}").collect()[0]


def _outcome(check: Check, table_name: str, failing: int) -> CheckOutcome:
    if failing == 0:
        status = "passed"
    else:
        status = "failed" if check.severity == "error" else "warned"
    return CheckOutcome(check.name, table_name, check.severity, failing, status)


def evaluate_contracts(session: Session, cfg: PipelineConfig,
                       contracts: list[TableContract] | None = None) -> tuple[list[CheckOutcome], list[str]]:
    """Every check of every contract whose table exists, in declared order; also the tables that do not exist yet.

    Every table's batched checks (one aggregate per table) and every check declared as a `query` are
    counted in one statement; the other checks (`failing_rows` alone) are evaluated one by one.
    """
    tables = _Tables(Warehouse.of(session, cfg))
    listed: list[tuple[Check, DataFrame, str]] = []
    parts: list[_Part] = []
    absent: list[str] = []
    for contract in contracts if contracts is not None else all_contracts():
        table_name = cfg.table(contract.layer, contract.table)
        checks = contract.checks()
        joined = any(check.queried for check in checks)  # a relationship or a query joins or unions its rows
        try:
            frame = tables(contract.layer, contract.table) if joined else tables.read(contract.layer, contract.table)
        except TableMissing:
            absent.append(table_name)
            continue
        numbered = list(enumerate(checks, start=len(listed)))
        listed += [(check, frame, table_name) for _, check in numbered]
        parts += [part for part in (_table_part(numbered, frame),
                                    *(_query_part(n, check, frame, tables) for n, check in numbered if check.queried))
                  if part is not None]
    counted = _counted(session, parts)
    outcomes = [
        _outcome(check, table_name, counted[number]) if number in counted
        else evaluate_check(check, frame, tables, table_name)
        for number, (check, frame, table_name) in enumerate(listed)
    ]
    return outcomes, absent


class _Tables:
    """The tables of one evaluation, each read once (parents are read by many children).

    Called as `tables(layer, table)` (what checks read, to join or union them), a table's columns are
    looked up once (one DESCRIBE, kept by Snowpark), so that the selects and filters derived from it
    have known columns and the joins of them need no DESCRIBE of their own; `read` leaves them unknown
    (a table only aggregated needs none).
    """

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.frames: dict[tuple[str, str], DataFrame] = {}
        self.described: set[tuple[str, str]] = set()

    def read(self, layer: str, table: str) -> DataFrame:
        key = (layer.upper(), table.upper())
        if key not in self.frames:
            self.frames[key] = self.warehouse.read(layer, table)
        return self.frames[key]

    def __call__(self, layer: str, table: str) -> DataFrame:
        frame = self.read(layer, table)
        key = (layer.upper(), table.upper())
        if key not in self.described:
            self.described.add(key)
            try:
                frame.schema  # noqa: B018 - looked up for its side effect: Snowpark keeps the columns on the frame
            except Exception:  # only a saving: a table that cannot be described is left to its checks to report
                pass
        return frame


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
