"""The one place that knows which engine runs a session: Snowflake, or DuckDB through fakesnow.

Every step, transform, test and the app run one code path: Snowpark DataFrames compiled to
Snowflake SQL. Locally that SQL runs on DuckDB through fakesnow (`fakesnow_adapter` closes its gaps);
on an account it runs on Snowflake. What truly differs is here, each as one operation:

* `local_session` / `reader_session`: the local database in `<home>/<DATABASE>.db`, one writer at a
  time, readers read-only;
* `load_pandas`: rows from pandas into a table (DuckDB's Arrow scan locally, `write_pandas` on Snowflake);
* `call_procedure`: a step procedure (`session.call` on Snowflake, the same handler in-process locally);
* `bulk_connection`: DuckDB itself, for reading raw files with its CSV/Parquet readers.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark.types import (
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructType,
    TimestampType,
    _NumericType,
)


class DatabaseBusy(RuntimeError):
    """The local database file is locked by another process (a run is writing, or a reader is open)."""

__all__ = [
    "DatabaseBusy",
    "bulk_connection",
    "call_procedure",
    "database_file",
    "is_local",
    "kind",
    "load_pandas",
    "local_session",
    "reader_session",
]

DEFAULT_SCHEMA = "PUBLIC"
# fakesnow hands results to the connector API through Arrow and warns about the copy; nothing to act on.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")


def database_file(home: Path, database: str = "C360") -> Path:
    """Where the local engine keeps a database: `<home>/<DATABASE>.db` (a DuckDB file)."""
    return Path(home) / f"{database.upper()}.db"


def _connect(home: Path | None, database: str, read_only: bool = False):
    # fakesnow is imported only for the local engine (Snowflake's runtimes do not have it).
    import duckdb

    from c360_pipeline.engine.fakesnow_adapter import connect

    try:
        return connect(home, database, DEFAULT_SCHEMA, read_only=read_only)
    except (duckdb.IOException, duckdb.Error) as error:
        raise DatabaseBusy(str(error).splitlines()[0]) from None


def _session(connection) -> Session:
    logging.getLogger("snowflake.snowpark").setLevel(logging.ERROR)
    logging.getLogger("fakesnow").setLevel(logging.ERROR)
    return Session.builder.configs({"connection": connection}).create()


def local_session(home: Path | None = None, database: str = "C360") -> Session:
    """A Snowpark session on the local engine: DuckDB through fakesnow.

    With `home`, the database persists in `<home>/<DATABASE>.db` and this process is its one
    writer (`DatabaseBusy` if another holds it); without, it lives in memory (tests).
    """
    if home is not None:
        Path(home).mkdir(parents=True, exist_ok=True)
    try:
        connection = _connect(Path(home) if home is not None else None, database)
    except DatabaseBusy as error:
        raise DatabaseBusy(
            f"the local database {database_file(home, database)} is in use by another c360 process "
            f"(a run writing, or the app / `c360 ask` reading): {error}"
        ) from None
    return _session(connection)


def reader_session(home: Path, database: str = "C360") -> Session:
    """A read-only session on the local database (the app, `c360 ask`); `DatabaseBusy` while a run writes."""
    try:
        connection = _connect(Path(home), database, read_only=True)
    except DatabaseBusy:
        raise DatabaseBusy(
            f"a c360 run is writing to {database_file(home, database)}; the tables can be read when it finishes"
        ) from None
    return _session(connection)


def is_local(session: Session) -> bool:
    """True for a session on the local engine."""
    return bulk_connection(session) is not None


def bulk_connection(session: Session):
    """The DuckDB connection under a local session (None on Snowflake)."""
    connection = getattr(session._conn, "_conn", None)
    return getattr(connection, "duckdb", None) if type(connection).__name__ == "Connection" and \
        type(connection).__module__ == "c360_pipeline.engine.fakesnow_adapter" else None


# --------------------------------------------------------------------------------------------
# rows from pandas


def arrow_type(datatype: DataType) -> pa.DataType:
    """The Arrow type that carries a Snowpark column type without loss."""
    if isinstance(datatype, StringType):
        return pa.string()
    if isinstance(datatype, DecimalType):
        if datatype.scale == 0 and datatype.precision >= 19:
            return pa.int64()
        return pa.decimal128(datatype.precision, datatype.scale)
    if isinstance(datatype, (LongType, IntegerType, ShortType, ByteType)):
        return pa.int64()
    if isinstance(datatype, (DoubleType, FloatType)):
        return pa.float64()
    if isinstance(datatype, BooleanType):
        return pa.bool_()
    if isinstance(datatype, DateType):
        return pa.date32()
    if isinstance(datatype, TimestampType):
        return pa.timestamp("us")
    if isinstance(datatype, _NumericType):
        return pa.float64()
    raise TypeError(f"column type {datatype} cannot be loaded from pandas")


def to_arrow(frame: pd.DataFrame, schema: StructType) -> pa.Table:
    """A pandas frame as an Arrow table with the schema's column types (names as in the schema)."""
    from decimal import Decimal

    arrays, fields = [], []
    for field in schema.fields:
        name = field.name.strip('"')
        target = arrow_type(field.datatype)
        values = frame[name] if name in frame.columns else frame[field.name]
        if pa.types.is_integer(target):
            values = pd.array(pd.to_numeric(values).astype("float64").round(), dtype="Int64") if values.dtype != "int64" else values
        elif pa.types.is_timestamp(target) or pa.types.is_date(target):
            values = _moments(values, date_only=pa.types.is_date(target))
        elif pa.types.is_boolean(target):
            values = values.astype("boolean")
        elif pa.types.is_floating(target):
            values = pd.to_numeric(values).astype("float64")
        elif pa.types.is_decimal(target):
            step = Decimal(1).scaleb(-target.scale)
            values = [None if _missing(v) else Decimal(str(v)).quantize(step) for v in values]
        elif pa.types.is_string(target):
            values = values.astype(object).where(values.notna(), None)
        arrays.append(pa.array(values, type=target, from_pandas=True))
        fields.append(pa.field(name, target))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _moments(values: pd.Series, date_only: bool) -> list:
    """Dates or timestamps as Python objects (9999-12-31, the open end of a validity interval, is beyond pandas' range)."""
    from datetime import datetime

    def one(value: object):
        if _missing(value):
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if date_only:
            return value.date() if isinstance(value, datetime) else value
        return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)

    return [one(v) for v in values]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def load_pandas(session: Session, frame: pd.DataFrame, schema: StructType, table: str, mode: str = "overwrite",
                table_type: str = "") -> int:
    """Write a pandas frame into `table` with the schema's types (overwrite or append); returns rows written.

    The table is created by Snowpark's own DDL on both engines. On Snowflake the rows go through
    `write_pandas`; locally DuckDB inserts them from Arrow in one statement.
    """
    if mode not in {"overwrite", "append"}:
        raise ValueError(f"mode must be 'overwrite' or 'append', got {mode!r}")
    names = [field.name.strip('"') for field in schema.fields]
    duck = bulk_connection(session)
    if duck is None:
        rows = session.create_dataframe(frame[names] if len(frame) else [], schema=schema)
        rows.write.save_as_table(table, mode=mode, column_order="name", table_type=table_type)
        return len(frame)
    empty = session.create_dataframe([], schema=schema)
    if mode == "overwrite" or not table_exists(session, table):
        empty.write.save_as_table(table, mode="overwrite", table_type=table_type)
    if len(frame):
        arrow = to_arrow(frame, schema)
        view = f"c360_load_{uuid.uuid4().hex}"
        duck.register(view, arrow)
        try:
            columns = ", ".join(f'"{n}"' for n in names)
            duck.execute(f"INSERT INTO {_duck_name(session, table)} ({columns}) SELECT {columns} FROM {view}")
        finally:
            duck.unregister(view)
    return len(frame)


def table_exists(session: Session, table: str) -> bool:
    try:
        session.table(table).schema
        return True
    except Exception:  # the connector raises a ProgrammingError subtype per engine
        return False


def _duck_name(session: Session, table: str) -> str:
    """A Snowflake table name (`DB.SCHEMA.T`, `T`) as DuckDB resolves it (temporary tables live in `temp`)."""
    parts = [p.strip('"') for p in table.split(".")]
    if len(parts) == 1:
        return f'"{parts[0]}"'
    return ".".join(f'"{p}"' for p in parts)


def dataframe(session: Session, frame: pd.DataFrame, schema: StructType) -> DataFrame:
    """A DataFrame over rows from pandas, kept in a temporary table of the session."""
    name = f"C360_ROWS_{uuid.uuid4().hex[:12].upper()}"
    load_pandas(session, frame, schema, name, table_type="temporary")
    return session.table(name)


# --------------------------------------------------------------------------------------------
# procedures


def call_procedure(session: Session, procedure: str, handler: Callable[[Session, str], str], argument: str) -> str:
    """Call a step procedure: `session.call` on Snowflake; the same handler, in-process, locally.

    Snowflake runs a Python procedure's handler with the caller's session; the local engine has no
    procedure runtime, so the handler is called directly with the local session.
    """
    if is_local(session):
        return handler(session, argument)
    return session.call(procedure, argument)


def kind(session: Session) -> str:
    """The engine a session runs on, as `PipelineConfig.engine` names it: "local" or "snowflake"."""
    return "local" if is_local(session) else "snowflake"


# --------------------------------------------------------------------------------------------
# raw files


class UnreadableFile(ValueError):
    """A raw file the engine's reader cannot parse; the message says why."""


def load_file(session: Session, path: Path, table: str, columns: dict[str, str | None], metadata: dict[str, Any],
              stage: str) -> int:
    """Load one CSV (header row) or Parquet file into `table`, every value as text; returns rows loaded.

    `columns` maps each target column to the file's column (None: not in the file, loaded as NULL);
    `metadata` holds constant columns (batch, source, load time), and `_ROW_NUMBER` (the data row in
    the file, from 1) and `_RECORD_ID` (from `metadata["_RECORD_ID"]` on, in file order) are added.
    Snowflake: PUT to `stage`, then COPY INTO with METADATA$FILE_ROW_NUMBER (the id from the column's
    sequence default). Local: DuckDB's own CSV/Parquet reader, one INSERT … SELECT.
    """
    duck = bulk_connection(session)
    if duck is None:
        return _copy_into(session, path, table, columns, metadata, stage)
    csv = path.suffix.lower() == ".csv"
    source = (f"read_csv('{_literal(path)}', header = true, all_varchar = true, auto_detect = false, "
              f"columns = {_csv_columns(path)}, parallel = false, strict_mode = true)") if csv \
        else f"read_parquet('{_literal(path)}')"
    first_id = int(metadata.get("_RECORD_ID", 1))
    selected = []
    for target, origin in columns.items():
        value = "NULL" if origin is None else f"NULLIF(CAST(\"{origin}\" AS VARCHAR), '')"
        selected.append(f'{value} AS "{target}"')
    for name, value in metadata.items():
        if name != "_RECORD_ID":
            selected.append(f"{_sql_value(value)} AS \"{name}\"")
    selected.append('ROW_NUMBER() OVER () AS "_ROW_NUMBER"')
    selected.append(f'ROW_NUMBER() OVER () + {first_id - 1} AS "_RECORD_ID"')
    names = ", ".join(f'"{c}"' for c in [*columns, *(m for m in metadata if m != "_RECORD_ID"), "_ROW_NUMBER", "_RECORD_ID"])
    import duckdb

    try:
        before = duck.execute(f"SELECT COUNT(*) FROM {_duck_name(session, table)}").fetchone()[0]
        duck.execute(f"INSERT INTO {_duck_name(session, table)} ({names}) SELECT {', '.join(selected)} FROM {source}")
        after = duck.execute(f"SELECT COUNT(*) FROM {_duck_name(session, table)}").fetchone()[0]
    except duckdb.Error as error:
        raise UnreadableFile(str(error).splitlines()[0]) from None
    return int(after - before)


def _csv_columns(path: Path) -> str:
    import csv

    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    return "{" + ", ".join(f"'{_literal(name)}': 'VARCHAR'" for name in header) + "}"


def _literal(value: object) -> str:
    return str(value).replace("'", "''")


def _sql_value(value: object) -> str:
    from datetime import datetime

    if value is None:
        return "NULL"
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, (int, float)):
        return str(value)
    return f"'{_literal(value)}'"


def _copy_into(session: Session, path: Path, table: str, columns: dict[str, str | None], metadata: dict[str, Any],
               stage: str) -> int:
    """On Snowflake: PUT the file to the landing stage and COPY INTO the table with file metadata."""
    from snowflake.snowpark import functions as F
    from snowflake.snowpark.types import StructField

    session.file.put(str(path), stage, auto_compress=True, overwrite=True)
    if path.suffix.lower() == ".csv":
        header = _csv_columns(path)
        names = [part.split(":")[0].strip(" {'") for part in header.strip("{}").split(",")]
        text_schema = StructType([StructField(f'"{n}"', StringType()) for n in names])
        frame = session.read.schema(text_schema).options(
            {"SKIP_HEADER": 1, "FIELD_OPTIONALLY_ENCLOSED_BY": '"', "EMPTY_FIELD_AS_NULL": True}
        ).csv(f"{stage}/{path.name}.gz")
        position = {n: i + 1 for i, n in enumerate(names)}
        values = [F.lit(None) if o is None else F.col(f"${position[o]}") for o in columns.values()]
    else:
        frame = session.read.parquet(f"{stage}/{path.name}")
        values = [F.lit(None) if o is None else F.sql_expr(f'$1:"{o}"::VARCHAR') for o in columns.values()]
    constants = {k: v for k, v in metadata.items() if k != "_RECORD_ID"}
    frame.copy_into_table(
        table,
        # _RECORD_ID is filled by the column's sequence default (sql/00_setup.sql).
        target_columns=[*columns, *constants, "_ROW_NUMBER"],
        transformations=[*values, *(F.lit(v) for v in constants.values()), F.sql_expr("METADATA$FILE_ROW_NUMBER")],
        force=False,
    )
    return int(session.table(table).filter(F.col("_SOURCE") == F.lit(metadata.get("_SOURCE"))).count())
