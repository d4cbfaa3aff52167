"""Where tables live: read and write the pipeline's tables by layer and name, on either engine.

Every read and write is a Snowpark operation (`session.table`, `save_as_table`), so the same SQL
runs on an account and on the local engine (DuckDB through fakesnow, the database kept in
`<home>/<DATABASE>.db`). The one engine-specific operation, loading rows from pandas, is in
`c360_pipeline.engine`.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import pandas as pd
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import StructField, StructType

from c360_pipeline import engine, masking
from c360_pipeline.config import PipelineConfig


class TableMissing(LookupError):
    """A step asked for a table that has not been built yet."""


class Warehouse:
    """Reads and writes the pipeline's tables by layer and name."""

    _instances: "weakref.WeakKeyDictionary[Session, Warehouse]" = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, session: Session, cfg: PipelineConfig) -> "Warehouse":
        """The warehouse of a session (one per session, so schemas are created once).

        Each call starts with no knowledge of which tables exist (see `exists`): a step asks for its
        warehouse once, so a table dropped between two steps is never taken for present.
        """
        existing = cls._instances.get(session)
        if existing is None or existing.cfg.database != cfg.database:
            existing = cls(session, cfg)
            cls._instances[session] = existing
        else:
            existing.cfg = cfg
            existing._present.clear()
            existing._listed = False
        return existing

    def __init__(self, session: Session, cfg: PipelineConfig):
        self.session = session
        self.cfg = cfg
        self._schemas: set[str] = set()
        self._present: set[str] = set()  # tables seen to exist, or written, since `of`
        self._listed = False  # whether the database's tables have been listed since `of`

    # names -------------------------------------------------------------------------------
    def name(self, layer: str, table: str) -> str:
        return self.cfg.table(layer, table)

    # reading -----------------------------------------------------------------------------
    def exists(self, layer: str, table: str) -> bool:
        """Whether the table exists: the database's tables are listed once (one query) at the first question
        after `of`, and what is written since is added; a table not listed is asked about alone, in case
        something outside this warehouse created it. Remembered until the next `of`: the pipeline's steps
        never drop a table, they replace or refill it."""
        name = self.name(layer, table)
        if name in self._present:
            return True
        if not self._listed:
            self._present |= engine.tables_in(self.session, self.cfg.database)
            self._listed = True
            if name in self._present:
                return True
        if engine.table_exists(self.session, name):
            self._present.add(name)
        return name in self._present

    def read(self, layer: str, table: str) -> DataFrame:
        """The table as a DataFrame; `TableMissing` (naming the command that builds it) if it is not there."""
        name = self.name(layer, table)
        if not self.exists(layer, table):
            raise TableMissing(
                f"table {name} does not exist yet: no step has written it on this database (the steps before this "
                "one did not run, or found nothing to load; their messages in OPS.PIPELINE_RUNS say why); once "
                "the cause is fixed, `c360 run --from STEP` resumes from the step that did not finish"
            )
        return self.session.table(name)

    def read_since(self, layer: str, table: str, column: str, after: int) -> DataFrame:
        """Rows whose integer `column` is above `after` (a watermark)."""
        return self.read(layer, table).filter(F.col(column) > F.lit(after))

    def read_columns(self, layer: str, table: str, columns: list[str]) -> DataFrame:
        return self.read(layer, table).select(columns)

    def max_of(self, layer: str, table: str, column: str) -> int | None:
        """The largest value of an integer column (None for an empty or missing table)."""
        if not self.exists(layer, table):
            return None
        value = self.read(layer, table).agg(F.max(column).alias("M")).collect()[0]["M"]
        return None if value is None else int(value)

    def read_or_none(self, layer: str, table: str) -> DataFrame | None:
        return self.read(layer, table) if self.exists(layer, table) else None

    def to_pandas(self, layer: str, table: str) -> pd.DataFrame:
        """The whole table in pandas (small tables, reports and tests)."""
        return self.read(layer, table).to_pandas()

    # writing -----------------------------------------------------------------------------
    def _ensure_schema(self, layer: str) -> None:
        schema = self.cfg.schema(layer)
        if schema not in self._schemas:
            self.session.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}").collect()
            self._schemas.add(schema)

    def _overwrite_mode(self, layer: str, table: str, schema: StructType) -> str:
        """How to overwrite a table: "truncate" when it exists with the same columns, else "overwrite".

        Snowpark's overwrite is `CREATE OR REPLACE TABLE`, which drops what is attached to the old
        table: column masking policies, grants, tags, comments. Truncate is `INSERT OVERWRITE INTO`,
        which empties and refills the table in one statement and keeps them. So every rewrite of an
        existing table keeps its policies, whichever tables hold PII. Only a table whose columns
        changed (a new release) is replaced, and a replaced masked table gets its policies again
        before its first row (`_create_masked`).
        """
        if not self.exists(layer, table):
            return "overwrite"
        existing = self.session.table(self.name(layer, table)).schema
        return "truncate" if engine.column_layout(existing) == engine.column_layout(schema) else "overwrite"

    def _creates(self, layer: str, table: str, mode: str) -> bool:
        """Whether a write in `mode` ("overwrite", "truncate" or "append") creates a masked table anew.

        Asked only for tables that hold PII (`masking.MASKED_COLUMNS`): "overwrite" replaces the table,
        and an append creates it when it is missing.
        """
        if not masking.policies_of(self.cfg, layer, table):
            return False
        return mode == "overwrite" or (mode == "append" and not self.exists(layer, table))

    def _create_masked(self, layer: str, table: str, schema: StructType) -> None:
        """Create a masked table empty and attach its policies, so that no row is ever readable unmasked.

        The rows follow in a separate insert. On the local engine there are no policies to attach (see
        `engine.attach_masking_policies`); the table is created the same way.
        """
        name = self.name(layer, table)
        # Nullable as a table created from a query is: the contract checks nulls, not the DDL.
        columns = StructType([StructField(f.name, f.datatype, nullable=True) for f in schema.fields])
        self.session.create_dataframe([], schema=columns).write.save_as_table(name, mode="overwrite")
        engine.attach_masking_policies(self.session, name, masking.policies_of(self.cfg, layer, table))

    def write(self, frame: DataFrame, layer: str, table: str, mode: str = "overwrite", rows: int | None = None) -> int:
        """Save a DataFrame as the table (overwrite or append); returns rows written.

        An existing table is overwritten in place (truncate and insert, see `_overwrite_mode`); a table
        with PII columns that this write creates gets its masking policies before its first row. An
        append whose `rows` the caller has counted already inserts the frame as it is; otherwise it is
        materialised once, counted and inserted.
        """
        if mode not in {"overwrite", "append"}:
            raise ValueError(f"mode must be 'overwrite' or 'append', got {mode!r}")
        self._ensure_schema(layer)
        name = self.name(layer, table)
        if mode == "append":
            # counted and inserted from one materialised result (a result cached already is used as it is)
            staged = frame if frame.is_cached or rows is not None else frame.cache_result()
            rows = staged.count() if rows is None else rows
            self.insert(staged, layer, table)
            return rows
        resolved = self._overwrite_mode(layer, table, frame.schema)
        if self._creates(layer, table, resolved):
            self._create_masked(layer, table, frame.schema)
            frame.write.save_as_table(name, mode="append", column_order="name")
        else:  # "truncate" only for a table that exists: Snowpark need not ask
            frame.write.save_as_table(name, mode=resolved, table_exists=True if resolved == "truncate" else None)
        self._present.add(name)
        return self.session.table(name).count()

    def insert(self, frame: DataFrame, layer: str, table: str, columns: Sequence[str] | None = None) -> None:
        """Append the frame's rows as they are, uncounted (one INSERT … SELECT): for a caller that counts what
        it needs from the table afterwards. A table with PII columns that this creates gets its policies first.

        Rows go in by column name. A caller that built the frame to have `columns`, in that order, names
        them: an existing table must have exactly those, and the frame's one query is inserted as it is
        (`INSERT INTO T (columns) <query>`), without the lookup of its columns that `save_as_table` makes
        first (a DESCRIBE of the whole query, as long to compile as the insert). The table's existence is
        known here too, so Snowpark need not ask for it (`table_exists`).
        """
        self._ensure_schema(layer)
        name = self.name(layer, table)
        exists = self.exists(layer, table)
        if columns is not None and exists:
            present = [field.name for field in self.session.table(name).schema.fields]
            if present != list(columns):
                raise ValueError(f"{name} has the columns {present}, not the {list(columns)} inserted")
            plan = frame.queries
            if len(plan["queries"]) == 1 and not plan["post_actions"]:
                listed = ", ".join(f'"{column}"' for column in columns)
                self.session.sql(f"INSERT INTO {name} ({listed}) {plan['queries'][0]}").collect()
                return
        if self._creates(layer, table, "append"):
            self._create_masked(layer, table, frame.schema)
            exists = True
        frame.write.save_as_table(name, mode="append", column_order="name" if columns is None else "index",
                                  table_exists=exists)
        self._present.add(name)

    def write_pandas(self, frame: pd.DataFrame, schema: StructType, layer: str, table: str, mode: str = "overwrite") -> int:
        """Save a pandas frame with an explicit schema (loads, ledgers, metrics, reports); overwrite as `write` does."""
        self._ensure_schema(layer)
        if mode == "overwrite":
            mode = self._overwrite_mode(layer, table, schema)
        if self._creates(layer, table, mode):
            self._create_masked(layer, table, schema)
            mode = "append"
        rows = engine.load_pandas(self.session, frame, schema, self.name(layer, table), mode=mode,
                                  exists=self.exists(layer, table))
        self._present.add(self.name(layer, table))
        return rows

    def dataframe(self, frame: pd.DataFrame, schema: StructType) -> DataFrame:
        """A Snowpark DataFrame over rows from pandas, with an explicit schema."""
        return engine.dataframe(self.session, frame, schema)
