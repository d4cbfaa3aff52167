"""Table contracts: keys, not-null columns, accepted values, relationships and invariants.

Each layer module declares the contracts of the tables it builds (beside the code) with
`declare(...)`; the data-quality step and the tests evaluate the same declarations.
Checks are written so the local emulator can run them cheaply: uniqueness compares
`count` with `count_distinct`, relationships use an equi left join on a small key list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F

Severity = Literal["error", "warn"]

FLOAT_SLACK = 1e-6  # relative: sums of cents are binary floats locally, so a share can be 1.0000000000000002


def outside(value: str | Column, low: float, high: float) -> Column:
    """True where a float column lies outside [low, high] by more than rounding (FLOAT_SLACK)."""
    column = F.col(value) if isinstance(value, str) else value
    slack = FLOAT_SLACK * max(1.0, abs(low), abs(high))
    return (column < low - slack) | (column > high + slack)


@dataclass(frozen=True)
class Check:
    """One named rule over a table; `failing_rows(frame, tables)` returns how many rows break it."""

    name: str
    severity: Severity
    failing_rows: Callable[[DataFrame, Callable[[str, str], DataFrame]], int]
    description: str = ""


@dataclass(frozen=True)
class TableContract:
    """What a table promises: its grain, key, required columns, accepted values and extra invariants."""

    layer: str
    table: str
    grain: str
    primary_key: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    accepted_values: dict[str, tuple[object, ...]] = field(default_factory=dict)
    relationships: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # column -> (layer, table, column)
    invariants: tuple[Check, ...] = ()

    @property
    def qualified(self) -> str:
        return f"{self.layer}.{self.table}"

    def checks(self) -> list[Check]:
        """Every check this contract implies, in a stable order."""
        found: list[Check] = []
        if self.primary_key:
            found.append(
                Check(f"{self.table}.unique({','.join(self.primary_key)})", "error", _unique(self.primary_key),
                      f"{', '.join(self.primary_key)} identifies one row ({self.grain})")
            )
        for column in self.not_null:
            found.append(Check(f"{self.table}.not_null({column})", "error", _not_null(column), f"{column} is never null"))
        for column, values in self.accepted_values.items():
            found.append(
                Check(f"{self.table}.accepted_values({column})", "error", _accepted(column, values),
                      f"{column} in {', '.join(map(str, values))}")
            )
        for column, (layer, table, parent_column) in self.relationships.items():
            found.append(
                Check(f"{self.table}.relationship({column}->{table}.{parent_column})", "error",
                      _relationship(column, layer, table, parent_column),
                      f"every {column} exists in {layer}.{table}.{parent_column}")
            )
        found.extend(self.invariants)
        return found


_REGISTRY: dict[str, TableContract] = {}


def declare(contract: TableContract) -> TableContract:
    """Register a contract (idempotent by layer.table) and return it."""
    _REGISTRY[contract.qualified] = contract
    return contract


def all_contracts() -> list[TableContract]:
    """Every declared contract; importing the layer modules declares them."""
    import c360_pipeline.layers  # noqa: F401  (imports every layer module)

    return list(_REGISTRY.values())


def contract_for(layer: str, table: str) -> TableContract:
    all_contracts()
    return _REGISTRY[f"{layer.upper()}.{table.upper()}"]


def _unique(columns: tuple[str, ...]) -> Callable[[DataFrame, Callable], int]:
    def failing(frame: DataFrame, tables: Callable) -> int:
        if len(columns) == 1:
            row = frame.agg(F.count(F.col(columns[0])).alias("N"), F.count_distinct(F.col(columns[0])).alias("D")).collect()[0]
            nulls = frame.filter(F.col(columns[0]).is_null()).count()
            return int(row["N"] or 0) - int(row["D"] or 0) + nulls
        if frame.count() == 0:  # the emulator's concat_ws cannot run on an empty frame
            return 0
        key = F.concat_ws(F.lit("\x1f"), *[F.coalesce(F.col(c).cast("string"), F.lit("\x00")) for c in columns])
        row = frame.select(key.alias("K")).agg(F.count("K").alias("N"), F.count_distinct("K").alias("D")).collect()[0]
        return int(row["N"] or 0) - int(row["D"] or 0)

    return failing


def _not_null(column: str) -> Callable[[DataFrame, Callable], int]:
    return lambda frame, tables: frame.filter(F.col(column).is_null()).count()


def _accepted(column: str, values: tuple[object, ...]) -> Callable[[DataFrame, Callable], int]:
    return lambda frame, tables: frame.filter(F.col(column).is_not_null() & ~F.col(column).isin(list(values))).count()


def _relationship(column: str, layer: str, table: str, parent_column: str) -> Callable[[DataFrame, Callable], int]:
    def failing(frame: DataFrame, tables: Callable) -> int:
        children = frame.filter(F.col(column).is_not_null()).group_by(column).agg(F.count("*").alias("_N"))
        parents = tables(layer, table).select(F.col(parent_column).alias(column)).distinct().with_column("_FOUND", F.lit(1))
        orphans = children.join(parents, column, how="left").filter(F.col("_FOUND").is_null())
        total = orphans.agg(F.sum("_N").alias("S")).collect()[0]["S"]
        return int(total or 0)

    return failing
