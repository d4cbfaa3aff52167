"""Several writes committed together, or none: what the local stream sink needs for exactly-once delivery.

Local engine only: one DuckDB transaction around inserts from pandas (Arrow) and Snowpark statements on
the same connection. On Snowflake the Snowpipe Streaming SDK gives the same guarantee per channel (the
rows and their offset token commit together), so no multi-statement transaction is needed there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark.types import StructType

from c360_pipeline.engine import _duck_name, bulk_connection, to_arrow


class NotLocal(RuntimeError):
    """A local-engine operation was asked of a session on Snowflake."""


def require_local(session: Session, what: str) -> None:
    """Raise NotLocal, naming `what` and its Snowflake counterpart, unless the session can run these operations."""
    if bulk_connection(session) is None:
        raise NotLocal(f"{what} needs a local engine session; on an account use the Snowpipe Streaming sink")


def _duck(session: Session):
    duck = bulk_connection(session)
    if duck is None:
        raise NotLocal("this operation runs on the local engine only; on Snowflake use the Snowpipe Streaming sink")
    return duck


@contextmanager
def transaction(session: Session) -> Iterator[None]:
    """One local transaction: everything the session writes inside commits at the end, or rolls back on any error
    (also KeyboardInterrupt and a crash injected by a test), so no reader ever sees half of it."""
    duck = _duck(session)
    duck.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        duck.execute("ROLLBACK")
        raise
    duck.execute("COMMIT")


def insert_rows(session: Session, frame: pd.DataFrame, schema: StructType, table: str,
                numbered: str | None = None) -> int:
    """Insert a pandas frame (the schema's columns) into an existing table inside the current transaction.

    `numbered` names a BIGINT column that gets the next values of a per-table sequence (MAX + 1, …, in the
    frame's order); the table's one writer makes that safe.
    """
    if not len(frame):
        return 0
    duck = _duck(session)
    names = [f.name.strip('"') for f in schema.fields if f.name.strip('"') != numbered]
    arrow = to_arrow(frame, StructType([f for f in schema.fields if f.name.strip('"') != numbered]))
    view = f"c360_rows_{uuid.uuid4().hex}"
    target = _duck_name(session, table)
    duck.register(view, arrow)
    try:
        columns = ", ".join(f'"{n}"' for n in names)
        if numbered is None:
            duck.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {view}")
        else:
            duck.execute(
                f'INSERT INTO {target} ({columns}, "{numbered}") SELECT {columns}, '
                f'(SELECT COALESCE(MAX("{numbered}"), 0) FROM {target}) + ROW_NUMBER() OVER () FROM {view}'
            )
    finally:
        duck.unregister(view)
    return len(frame)


def replace_rows(session: Session, frame: pd.DataFrame, schema: StructType, table: str) -> int:
    """Empty an existing (scratch) table and insert the frame: two DuckDB statements, no Snowpark rewrite of the
    table (which costs a translated INSERT OVERWRITE per call)."""
    _duck(session).execute(f"DELETE FROM {_duck_name(session, table)}")
    return insert_rows(session, frame, schema, table)


def delete_where_in(session: Session, table: str, column: str, values: list[str]) -> None:
    """Delete the rows whose text `column` is one of `values` (bound parameters), inside the current transaction."""
    if not values:
        return
    duck = _duck(session)
    marks = ", ".join("?" for _ in values)
    duck.execute(f'DELETE FROM {_duck_name(session, table)} WHERE "{column}" IN ({marks})', list(values))


def run_hook(hook: Callable[[], None] | None) -> None:
    """Call a hook inside the transaction (tests inject a crash there: nothing written before it may remain)."""
    if hook is not None:
        hook()


def sequence_assigns_record_ids(session: Session) -> bool:
    """Whether inserted bronze rows get `_RECORD_ID` from the table's sequence default (Snowflake, sql/04_tables.sql)
    or must be given the next ids explicitly (the local engine, where bronze tables have no defaults)."""
    return bulk_connection(session) is None
