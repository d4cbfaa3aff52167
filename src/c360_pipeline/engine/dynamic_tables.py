"""Dynamic tables on the local engine: the same query as on Snowflake, refreshed incrementally, with a history.

Snowflake keeps a dynamic table within its target lag by itself. DuckDB has no dynamic tables, so the
local engine keeps one the same way, in one place: a refresh reads each source's change marker (a
monotonic column: the fact's TRANSACTION_KEY, the stream table's _STREAM_ROW), finds the groups the
new rows can change (the definition's `changed_groups` query, marks as bound values), and replaces
exactly those groups with the definition's query restricted to them. It is FULL when the table is
missing or a source went back (rebuilt), NO_DATA when nothing is new. Every refresh writes one row of
OPS.DT_REFRESH_HISTORY (as Snowflake's DYNAMIC_TABLE_REFRESH_HISTORY): the data timestamp (the moment
its sources were read), the action, rows inserted and deleted and the source marks, all in the same
transaction as the table, so a reader sees a table and its data timestamp that agree.

`RefreshSchedule` decides when: a refresh is due when the staleness (now − data timestamp) plus the
longest refresh seen plus the caller's polling interval would reach the target lag.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.engine import atomic, load_pandas, table_exists

HISTORY_SCHEMA = StructType(
    [
        StructField("NAME", StringType()),
        StructField("DATA_TIMESTAMP", TimestampType()),
        StructField("REFRESH_START_TIME", TimestampType()),
        StructField("REFRESH_END_TIME", TimestampType()),
        StructField("REFRESH_ACTION", StringType()),  # NO_DATA | INCREMENTAL | FULL
        StructField("ROWS_INSERTED", LongType()),
        StructField("ROWS_DELETED", LongType()),
        StructField("ROWS_CHANGED", LongType()),
        StructField("SOURCE_MARKS", StringType()),  # JSON: source table → its change marker's maximum
    ]
)


@dataclass(frozen=True)
class ChangeSource:
    """A source table and its change marker: an integer column whose new rows get larger values."""

    table: str
    marker: str


@dataclass(frozen=True)
class DynamicTableDefinition:
    """What a local refresh needs: the table, its query, its group keys, its sources and how to find changed groups."""

    table: str
    query: str
    keys: tuple[str, ...]
    sources: tuple[ChangeSource, ...]
    changed_groups: str  # SELECT of the key columns; `?` are marks, in `mark_order` (indexes into `sources`)
    mark_order: tuple[int, ...]
    target_lag: timedelta
    history_table: str


@dataclass(frozen=True)
class Refresh:
    """One refresh: its data timestamp, action and row counts."""

    data_timestamp: datetime
    action: str
    rows_inserted: int
    rows_deleted: int
    seconds: float

    @property
    def rows_changed(self) -> int:
        return self.rows_inserted + self.rows_deleted


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _one(session: Session, sql: str, params: list | None = None):
    return session.sql(sql, params=params).collect()[0][0]


def _marks(session: Session, definition: DynamicTableDefinition) -> dict[str, int]:
    return {s.table: int(_one(session, f'SELECT COALESCE(MAX("{s.marker}"), 0) FROM {s.table}') or 0)
            for s in definition.sources}


def last_refresh(session: Session, definition: DynamicTableDefinition) -> dict | None:
    """The latest OPS.DT_REFRESH_HISTORY row of the table (None before the first refresh)."""
    if not table_exists(session, definition.history_table):
        return None
    rows = session.sql(
        f"SELECT * FROM {definition.history_table} WHERE NAME = ? ORDER BY DATA_TIMESTAMP DESC, REFRESH_END_TIME DESC "
        "LIMIT 1", params=[definition.table]).collect()
    return rows[0].as_dict() if rows else None


def full_result(session: Session, definition: DynamicTableDefinition) -> pd.DataFrame:
    """The definition's query over the sources as they are now (what a full refresh writes)."""
    return session.sql(definition.query).to_pandas()


def refresh(session: Session, definition: DynamicTableDefinition, clock: Callable[[], datetime] = utc_now,
            full: bool = False) -> Refresh:
    """Refresh the table from its sources (incrementally unless `full` or it must be), and record the refresh."""
    started = time.perf_counter()
    data_timestamp = clock()
    # Asked before the transaction: a failed probe of a missing table would abort it.
    missing = [s.table for s in definition.sources if not table_exists(session, s.table)]
    if missing:
        raise LookupError(f"{definition.table} reads {', '.join(missing)}, not built yet: run the pipeline "
                          "(`c360 run`) or start the stream (`c360 stream`) first")
    exists = table_exists(session, definition.table)
    previous = last_refresh(session, definition)
    if not table_exists(session, definition.history_table):
        session.sql(f"CREATE SCHEMA IF NOT EXISTS {definition.history_table.rsplit('.', 1)[0]}").collect()
        load_pandas(session, pd.DataFrame(columns=HISTORY_SCHEMA.names), HISTORY_SCHEMA, definition.history_table)
    with atomic.transaction(session):
        marks = _marks(session, definition)
        before = json.loads(previous["SOURCE_MARKS"]) if previous else None
        rebuilt = before is None or any(marks[t] < before.get(t, 0) for t in marks) or set(before) != set(marks)
        if full or rebuilt or not exists:
            deleted = int(_one(session, f"SELECT COUNT(*) FROM {definition.table}")) if exists else 0
            session.sql(f"CREATE OR REPLACE TABLE {definition.table} AS {definition.query}").collect()
            inserted = int(_one(session, f"SELECT COUNT(*) FROM {definition.table}"))
            action = "FULL"
        elif marks == before:
            inserted = deleted = 0
            action = "NO_DATA"
        else:
            inserted, deleted = _incremental(session, definition, [before[definition.sources[i].table]
                                                                   for i in definition.mark_order])
            action = "INCREMENTAL"
        ended = clock()
        history = pd.DataFrame([{
            "NAME": definition.table, "DATA_TIMESTAMP": data_timestamp, "REFRESH_START_TIME": data_timestamp,
            "REFRESH_END_TIME": ended, "REFRESH_ACTION": action, "ROWS_INSERTED": inserted, "ROWS_DELETED": deleted,
            "ROWS_CHANGED": inserted + deleted, "SOURCE_MARKS": json.dumps(marks, sort_keys=True),
        }])
        atomic.insert_rows(session, history, HISTORY_SCHEMA, definition.history_table)
    return Refresh(data_timestamp, action, inserted, deleted, time.perf_counter() - started)


def _incremental(session: Session, definition: DynamicTableDefinition, marks: list[int]) -> tuple[int, int]:
    """Replace the groups the new rows can change: delete them, insert the query's rows for them.

    No temporary table: inside the transaction, DuckDB writes one attached database only.
    """
    keys = ", ".join(definition.keys)
    groups = f"(SELECT DISTINCT {keys} FROM ({definition.changed_groups}))"
    matches = " AND ".join(f"T.{k} IS NOT DISTINCT FROM G.{k}" for k in definition.keys)
    deleted = int(_one(session, f"SELECT COUNT(*) FROM {definition.table} T JOIN {groups} G ON {matches}", marks))
    session.sql(f"DELETE FROM {definition.table} T USING {groups} G WHERE {matches}", params=marks).collect()
    restricted = matches.replace("T.", "Q.")
    inserted = session.sql(f"INSERT INTO {definition.table} SELECT Q.* FROM ({definition.query}) Q "
                           f"JOIN {groups} G ON {restricted}", params=marks).collect()
    return int(inserted[0][0]) if inserted else 0, deleted


def staleness(session: Session, definition: DynamicTableDefinition, now: datetime) -> timedelta | None:
    """How far behind its sources the table may be at `now`: now − data timestamp (None before any refresh)."""
    previous = last_refresh(session, definition)
    return None if previous is None else now - pd.Timestamp(previous["DATA_TIMESTAMP"]).to_pydatetime()


class RefreshSchedule:
    """Keeps a dynamic table within its target lag when `tick` is called at least every `poll_interval`.

    A refresh is due when staleness + the longest refresh seen so far + the polling interval reaches the
    target lag; the clock is injected (the tests drive a fake one).
    """

    def __init__(self, target_lag: timedelta, poll_interval: timedelta, clock: Callable[[], datetime] = utc_now):
        if poll_interval >= target_lag:
            raise ValueError(f"the polling interval {poll_interval} must be shorter than the target lag {target_lag}")
        self.target_lag = target_lag
        self.poll_interval = poll_interval
        self.clock = clock
        self.data_timestamp: datetime | None = None
        self.longest = timedelta(0)

    def due(self) -> bool:
        if self.data_timestamp is None:
            return True
        margin = self.longest + self.poll_interval
        return self.clock() - self.data_timestamp + margin >= self.target_lag

    def tick(self, run: Callable[[], datetime]) -> bool:
        """Run the refresh (`run` returns its data timestamp) when due; True when it ran."""
        if not self.due():
            return False
        started = self.clock()
        self.data_timestamp = run()
        self.longest = max(self.longest, self.clock() - started)
        return True
