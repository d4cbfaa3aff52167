"""Table contracts: keys, not-null columns, accepted values, relationships and invariants.

Each layer module lists the contracts of the tables it builds beside the code, as `CONTRACTS`
(`c360_pipeline.layers` collects them); the data-quality step and the tests evaluate the same
declarations.

A check is declared the way it is counted, so the data-quality step can count every check of
every table in one statement (each table's aggregate and each one-row query, cross-joined):

- a row rule is a `condition`, true on the rows that break it ("rows where <condition>");
- a table-level rule is an `aggregate` whose value is the number of failing rows
  (uniqueness: rows minus distinct keys);
- a relationship names the parent `reference`; its orphans are counted through a left join to the
  parent's keys, a one-row query of its own (`orphans`);
- a rule that needs a query of its own (another table's rows, a self-join) is a `query(frame, tables)`
  callable returning a one-row frame whose `FAILING` column is the failing count (`count_rows`,
  `count_difference`);
- a rule counted in Python is a `failing_rows(frame, tables)` callable returning the count;
- a table whose columns are declared (`columns`) is checked to have exactly those names and types:
  a mismatch counts one per column missing, extra or of another type.

Every check keeps `failing_rows`, which evaluates it alone with the same semantics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import StructType

from c360_pipeline.engine import column_layout

Severity = Literal["error", "warn"]


Tables = Callable[[str, str], DataFrame]


FLOAT_SLACK = 1e-6  # relative: sums of cents are binary floats locally, so a share can be 1.0000000000000002


def outside(value: str | Column, low: float, high: float) -> Column:
    """True where a float column lies outside [low, high] by more than rounding (FLOAT_SLACK)."""
    column = F.col(value) if isinstance(value, str) else value
    slack = FLOAT_SLACK * max(1.0, abs(low), abs(high))
    return (column < low - slack) | (column > high + slack)


FAILING = "FAILING"  # the column of a check's one-row `query` frame that holds its failing count


def count_rows(*row_sets: DataFrame) -> DataFrame:
    """The rows of every `row_sets` frame together, as a `query` frame: one row, `FAILING`."""
    if len(row_sets) == 1:
        return row_sets[0].agg(F.count(F.lit(1)).alias(FAILING))
    return _signed_count([(rows, 1) for rows in row_sets])


def count_difference(left: DataFrame, right: DataFrame) -> DataFrame:
    """|rows of `left` - rows of `right`|, as a `query` frame: one row, `FAILING`."""
    return _signed_count([(left, 1), (right, -1)])


def _signed_count(row_sets: list[tuple[DataFrame, int]]) -> DataFrame:
    """|sum of each frame's row count times its sign|, from one `UNION ALL` of a constant per row (no join)."""
    signs = [rows.select(F.lit(sign).alias("_SIGN")) for rows, sign in row_sets]
    together = signs[0]
    for more in signs[1:]:
        together = together.union_all(more)
    return together.agg(F.abs(F.coalesce(F.sum("_SIGN"), F.lit(0))).alias(FAILING))


def rows_where(condition: Column) -> Column:
    """The number of rows where `condition` is true (NULL counts as not true), as an aggregate.

    Written `COUNT(IFF(condition, 1, NULL))`, which is 0 on an empty table on every engine
    (the local engine answers `COUNT_IF` over no rows with NULL).
    """
    return F.count(F.iff(condition, F.lit(1), F.lit(None)))


@dataclass(frozen=True)
class Reference:
    """A relationship: every non-null `column` of the child exists in `layer.table.parent_column`."""

    column: str
    layer: str
    table: str
    parent_column: str


@dataclass(frozen=True)
class Check:
    """One named rule over a table; `failing_rows(frame, tables)` returns how many rows break it.

    Declared with a `condition` (true on failing rows) or an `aggregate` (the failing count), the
    check is counted in its table's one aggregate; declared with a `reference` (a relationship) or a
    `query` (a callable returning a one-row frame of the failing count, `FAILING`), it is that
    one-row query (`own_query`). Either way `failing_rows` is derived from it to count it alone.
    Without them, `failing_rows` is the rule, counted in Python.
    """

    name: str
    severity: Severity
    failing_rows: Callable[[DataFrame, Tables], int] | None = None
    description: str = ""
    condition: Column | None = field(default=None, compare=False, repr=False)
    aggregate: Column | None = field(default=None, compare=False, repr=False)
    reference: Reference | None = None
    query: Callable[[DataFrame, Tables], DataFrame] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        kinds = ("condition", "aggregate", "reference", "query")
        declared = [kind for kind in kinds if getattr(self, kind) is not None]
        if len(declared) > 1:
            raise ValueError(f"check {self.name}: declare one of {', '.join(kinds)}, not {' and '.join(declared)}")
        if self.failing_rows is None:
            if not declared:
                raise ValueError(f"check {self.name}: declare a condition, an aggregate, a reference, a query or failing_rows")
            object.__setattr__(self, "failing_rows", _alone(self))

    @property
    def batched(self) -> bool:
        """True when the check is an aggregate over its table's rows, counted with the table's other ones."""
        return self.condition is not None or self.aggregate is not None

    @property
    def queried(self) -> bool:
        """True when the check is counted by a query of its own (`own_query`): a relationship or a declared query."""
        return self.reference is not None or self.query is not None

    def own_query(self, frame: DataFrame, tables: Tables) -> DataFrame:
        """The one-row frame (`FAILING`) that counts a relationship's orphans or a declared query's failing rows."""
        return orphans(frame, tables, self.reference) if self.reference is not None else self.query(frame, tables)


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
    columns: StructType | None = field(default=None, compare=False, repr=False)  # names and types, in order

    @property
    def qualified(self) -> str:
        return f"{self.layer}.{self.table}"

    def checks(self) -> list[Check]:
        """Every check this contract implies, in a stable order."""
        found: list[Check] = []
        if self.primary_key:
            found.append(
                Check(f"{self.table}.unique({','.join(self.primary_key)})", "error",
                      description=f"{', '.join(self.primary_key)} identifies one row ({self.grain})",
                      aggregate=duplicate_keys(self.primary_key))
            )
        for column in self.not_null:
            found.append(Check(f"{self.table}.not_null({column})", "error", description=f"{column} is never null",
                               condition=F.col(column).is_null()))
        for column, values in self.accepted_values.items():
            found.append(
                Check(f"{self.table}.accepted_values({column})", "error",
                      description=f"{column} in {', '.join(map(str, values))}",
                      condition=F.col(column).is_not_null() & ~F.col(column).isin(list(values)))
            )
        for column, (layer, table, parent_column) in self.relationships.items():
            found.append(
                Check(f"{self.table}.relationship({column}->{table}.{parent_column})", "error",
                      description=f"every {column} exists in {layer}.{table}.{parent_column}",
                      reference=Reference(column, layer, table, parent_column))
            )
        if self.columns is not None:
            found.append(Check(f"{self.table}.columns_as_declared", "error", _columns_differ(self.columns),
                               "the table has exactly the declared columns, with the declared types"))
        found.extend(self.invariants)
        return found


def duplicate_keys(columns: tuple[str, ...]) -> Column:
    """Rows beyond the first of each key, plus rows without a key (a NULL single-column key).

    `COUNT(*) - COUNT(DISTINCT key)`. A composite key is compared as one string of its parts,
    NULL parts included as a value of their own, so two rows that agree on every part, NULLs
    too, are duplicates.
    """
    if len(columns) == 1:
        key = F.col(columns[0])
    else:
        key = F.concat_ws(F.lit("\x1f"), *[F.coalesce(F.col(c).cast("string"), F.lit("\x00")) for c in columns])
    return F.count(F.lit(1)) - F.count_distinct(key)


def _alone(check: Check) -> Callable[[DataFrame, Tables], int]:
    """`failing_rows` of a declared check: the same count in a query of its own."""
    if check.condition is not None:
        condition = check.condition
        return lambda frame, tables: frame.filter(condition).count()
    if check.aggregate is not None:
        aggregate = check.aggregate
        return lambda frame, tables: failing_of(frame.agg(aggregate.alias(FAILING)))
    return lambda frame, tables: failing_of(check.own_query(frame, tables))


def failing_of(counted: DataFrame) -> int:
    """The failing count of a one-row frame with a `FAILING` column, in a query of its own."""
    return int(counted.collect()[0][FAILING] or 0)


def orphans(frame: DataFrame, tables: Tables, reference: Reference) -> DataFrame:
    """Child rows whose non-null key is missing from the parent, as a `query` frame.

    The child's keyed rows left-joined to the parent's keys: a parent key found many times repeats
    its child rows, but an orphan has no match and so is one row with no parent key, counted once.
    """
    children = frame.filter(F.col(reference.column).is_not_null())
    parents = tables(reference.layer, reference.table).select(F.col(reference.parent_column).alias("_PARENT_KEY"))
    joined = children.join(parents, F.col(reference.column) == F.col("_PARENT_KEY"), how="left")
    return joined.agg(rows_where(F.col("_PARENT_KEY").is_null()).alias(FAILING))


def _columns_differ(declared: StructType) -> Callable[[DataFrame, Tables], int]:
    """Columns missing from the table, extra in it, or of another type than declared."""
    expected = column_layout(declared)

    def failing(frame: DataFrame, tables: Tables) -> int:
        actual = column_layout(frame.schema)
        return len(expected.keys() ^ actual.keys()) + sum(expected[c] != actual[c] for c in expected.keys() & actual.keys())

    return failing
