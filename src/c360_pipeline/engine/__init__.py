"""The one place that knows which engine runs a session: Snowflake, or DuckDB through fakesnow.

Every step, transform, test and the app run one code path: Snowpark DataFrames compiled to
Snowflake SQL. Locally that SQL runs on DuckDB through fakesnow (`fakesnow_adapter` closes its gaps);
on an account it runs on Snowflake. What truly differs is here, each as one operation:

* `local_session` / `reader_session`: the local database in `<home>/<DATABASE>.db`, one writer at a
  time, readers read-only;
* `load_pandas`: rows from pandas into a table (DuckDB's Arrow scan locally, `write_pandas` on Snowflake);
* `call_procedure`: a step procedure (`session.call` on Snowflake, the same handler in-process locally);
* `bulk_connection`: DuckDB itself, for reading raw files with its CSV/Parquet readers;
* `land_files` / `list_landed` / `load_file`: the landing stage (`PUT` / `LIST` / `COPY INTO … ON_ERROR =
  CONTINUE` on Snowflake; a directory beside the database and DuckDB's reader with `store_rejects` locally);
* `attach_masking_policies`: column masking policies on a table the pipeline creates (Snowflake only; the
  local engine has none).
"""

from __future__ import annotations

import logging
import re
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
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


class DatabaseUnavailable(RuntimeError):
    """The local database file cannot be opened for another reason than a lock (permissions, disk, damage)."""


__all__ = [
    "DatabaseBusy",
    "DatabaseUnavailable",
    "attach_masking_policies",
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
        reason = str(error).splitlines()[0]
        # Another process: "Could not set lock on file …: Conflicting lock is held in …"; this process:
        # "Resource In Use Error: Unique file handle conflict … is already attached".
        if any(sign in reason.lower() for sign in ("lock", "in use", "already attached")):
            raise DatabaseBusy(reason) from None
        raise DatabaseUnavailable(
            f"cannot open the local database {database_file(home, database) if home else '(in memory)'} "
            f"{'to read' if read_only else 'to write'}: {reason}; check that this user may "
            f"{'read' if read_only else 'write'} it and its folder {home}, and that the disk has room"
        ) from None


def _session(connection) -> Session:
    logging.getLogger("snowflake.snowpark").setLevel(logging.ERROR)
    logging.getLogger("fakesnow").setLevel(logging.ERROR)
    session = Session.builder.configs({"connection": connection}).create()
    # As on an account (sessions.snowflake_session): schemas inferred from the plan where Snowpark can,
    # instead of a DESCRIBE round trip per derived frame.
    session.reduce_describe_query_enabled = True
    return session


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
            f"({_writer_of(home) or 'a run writing, or the app / `c360 ask` reading'}): {error}"
        ) from None
    return _session(connection)


def reader_session(home: Path, database: str = "C360") -> Session:
    """A read-only session on the local database (the app, `c360 ask`); `DatabaseBusy` while a run writes."""
    try:
        connection = _connect(Path(home), database, read_only=True)
    except DatabaseBusy:
        writer = _writer_of(home)
        raise DatabaseBusy(
            f"a c360 run{f' ({writer})' if writer else ''} is writing to {database_file(home, database)}; "
            "the tables can be read when it finishes"
        ) from None
    return _session(connection)


def _writer_of(home: Path) -> str | None:
    """Who holds the home's run lock (pid, host, command, since, step), for a busy message; None if no one."""
    from c360_pipeline.orchestration import runlock

    holder = runlock.holder(Path(home))
    return holder.describe() if holder is not None else None


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
                table_type: str = "", exists: bool | None = None) -> int:
    """Write a pandas frame into `table` with the schema's types (overwrite, truncate or append); returns rows written.

    `exists` is whether the table is there, when the caller knows (else it is asked).

    The table is created by Snowpark's own DDL on both engines ("truncate" keeps an existing table and
    what is attached to it, see `Warehouse.write`). On Snowflake the rows go through `save_as_table`;
    locally DuckDB inserts them from Arrow in one statement.
    """
    if mode not in {"overwrite", "truncate", "append"}:
        raise ValueError(f"mode must be 'overwrite', 'truncate' or 'append', got {mode!r}")
    names = [field.name.strip('"') for field in schema.fields]
    duck = bulk_connection(session)
    if duck is None:
        rows = session.create_dataframe(frame[names] if len(frame) else [], schema=schema)
        rows.write.save_as_table(table, mode=mode, column_order="name", table_type=table_type)
        return len(frame)
    # The DDL is Snowpark's, from an empty frame of the schema (only when there is DDL to run: creating the
    # frame costs a DESCRIBE, and an append to a table that exists needs none).
    if mode == "overwrite" or not (table_exists(session, table) if exists is None else exists):
        session.create_dataframe([], schema=schema).write.save_as_table(table, mode="overwrite", table_type=table_type)
    elif mode == "truncate":
        session.create_dataframe([], schema=schema).write.save_as_table(table, mode="truncate", table_type=table_type,
                                                                       table_exists=True)
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


def column_layout(schema: StructType) -> dict[str, tuple]:
    """Column name -> type, as far as a rewrite in place or a table contract compares them: the kind of type, and
    the precision and scale of a NUMBER (a text column's declared length and a timestamp's flavour are not)."""
    layout = {}
    for column in schema.fields:
        datatype = column.datatype
        key: tuple = (type(datatype).__name__,)
        if isinstance(datatype, DecimalType):
            key += (datatype.precision, datatype.scale)
        layout[column.name.strip('"').upper()] = key
    return layout


def tables_in(session: Session, database: str) -> set[str]:
    """Every table and view of a database as `DATABASE.SCHEMA.TABLE` (upper case), from one query of its
    INFORMATION_SCHEMA.TABLES (on Snowflake the same view lists views and dynamic tables too)."""
    rows = session.sql(f"SELECT TABLE_SCHEMA, TABLE_NAME FROM {database}.INFORMATION_SCHEMA.TABLES").collect()
    return {f"{database}.{row['TABLE_SCHEMA']}.{row['TABLE_NAME']}".upper() for row in rows}


def table_exists(session: Session, table: str) -> bool:
    """True when the table can be read now: a query that returns no rows is sent (a schema can be answered
    from Snowpark's metadata cache without asking the engine, so it proves nothing)."""
    try:
        session.table(table).limit(0).collect()
        return True
    except Exception:  # the connector raises a ProgrammingError subtype per engine
        return False


def attach_masking_policies(session: Session, table: str, policies: dict[str, str]) -> list[str]:
    """Attach column masking policies (column -> policy) to a table just created; returns the statements sent.

    Snowflake: one `ALTER TABLE … MODIFY COLUMN … SET MASKING POLICY … FORCE` per column, run by the
    procedures' owner (C360_ADMIN owns the policies and holds APPLY MASKING POLICY, sql/01_roles.sql).
    Local: DuckDB has no masking policies and the local database is one user's file; nothing to attach.
    """
    if is_local(session) or not policies:
        return []
    from c360_pipeline.masking import attach_statement

    statements = [attach_statement(table, column, policy) for column, policy in policies.items()]
    for statement in statements:
        session.sql(statement).collect()
    return statements


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
# raw files: the landing stage and loads from it


class UnreadableFile(ValueError):
    """A raw file the engine's reader cannot parse at all; the message says why."""


@dataclass(frozen=True)
class LandedFile:
    """A file on the landing stage: its path under the stage (`customers/customers_20250630.csv`), size and checksum."""

    name: str
    size: int
    checksum: str

    @property
    def file_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class LoadOutcome:
    """What loading one landed file did: rows loaded into the table, malformed rows quarantined."""

    rows_loaded: int
    rows_rejected: int


# The malformed-row rules, named as SILVER.REJECTED_RECORDS names every rule.
WRONG_FIELD_COUNT = "wrong_field_count"
UNTERMINATED_QUOTE = "unterminated_quote"
INVALID_ENCODING = "invalid_encoding"
MALFORMED_ROW = "malformed_row"
RAW_TEXT_LIMIT = 1000  # characters of a quarantined row's text that are kept
# Control characters (other than tab) are replaced in quarantined text, so it displays safely anywhere.
_CONTROL_CHARACTERS = "".join(chr(c) for c in [*range(0, 9), *range(10, 32), 127])


def safe_text(text: str | None) -> str:
    """A quarantined row's text as kept: control characters and undecodable bytes as '?', at most 1,000 characters."""
    if text is None:
        return ""
    return text.translate({ord(c): "?" for c in _CONTROL_CHARACTERS}).replace("\ufffd", "?")[:RAW_TEXT_LIMIT]


def _stage_parts(stage: str) -> tuple[str, str]:
    """`@DB.SCHEMA.NAME/sub/path` → ("DB.SCHEMA.NAME", "sub/path")."""
    if not stage.startswith("@"):
        raise ValueError(f"a stage is named with @, e.g. @C360.BRONZE.LANDING; got {stage!r}")
    name, _, path = stage[1:].partition("/")
    return name, path.strip("/")


def stage_directory(session: Session, stage: str) -> Path:
    """The local engine's stage: `<home>/<stage name>/` beside the database (a temporary directory in memory).

    On Snowflake a stage lives in the account, beside the tables; locally it lives beside the
    database file, so the procedure finds exactly what the client landed.
    """
    connection = getattr(session._conn, "_conn", None)
    home = getattr(connection, "db_path", None)
    if home is None:
        home = connection.__dict__.get("_c360_stage_home")
        if home is None:
            import shutil
            import tempfile
            import weakref

            home = Path(tempfile.mkdtemp(prefix="c360-stages-"))
            connection.__dict__["_c360_stage_home"] = home
            weakref.finalize(connection, shutil.rmtree, home, True)
    name, path = _stage_parts(stage)
    directory = Path(home) / name.rsplit(".", 1)[-1].lower()
    return directory / path if path else directory


def land_files(session: Session, paths: list[Path], stage: str) -> tuple[list[str], list[str]]:
    """Put local files on a stage under their own names; returns (landed, already there) file names.

    Snowflake: `PUT` without compression (the procedure sees the names the client sent) and without
    overwrite: a file already staged under a name stays as it is, so re-running a load adds
    nothing (a corrected delivery comes under a new name). Local: a copy into the stage directory,
    with the same rule.
    """
    landed, present = [], []
    if bulk_connection(session) is None:
        for path in paths:
            results = session.file.put(str(path), stage, auto_compress=False, overwrite=False)
            for result in results:
                (present if str(result.status).upper() == "SKIPPED" else landed).append(result.target)
        return landed, present
    import shutil

    directory = stage_directory(session, stage)
    directory.mkdir(parents=True, exist_ok=True)
    for path in paths:
        target = directory / path.name
        if target.exists():
            present.append(path.name)
            continue
        partial = target.with_name(f".{target.name}.part")
        shutil.copyfile(path, partial)
        partial.replace(target)  # a file appears on the stage whole or not at all
        landed.append(path.name)
    return landed, present


def list_landed(session: Session, stage: str) -> list[LandedFile]:
    """Every file on a stage, by path under it, in name order (Snowflake: `LIST @stage`; local: the directory, md5)."""
    if bulk_connection(session) is None:
        rows = session.sql(f"LIST {stage}").collect()
        files = []
        for row in rows:
            values = {k.lower(): v for k, v in row.as_dict().items()}
            # LIST names a file by the stage's folder, lower case, then its path: landing/customers/x.csv
            name = str(values["name"]).split("/", 1)[-1]
            files.append(LandedFile(name, int(values["size"]), str(values["md5"])))
        return sorted(files, key=lambda f: f.name)
    root = stage_directory(session, stage)
    known = _StageDigests(root)
    files = []
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            files.append(LandedFile(path.relative_to(root).as_posix(), stat.st_size, known.md5(path, stat)))
    known.save()
    return sorted(files, key=lambda f: f.name)


class _StageDigests:
    """The md5 of each file of a local stage, remembered in `<stage>/.md5.json` by (name, size, mtime).

    Snowflake's LIST reads a staged file's md5 from its metadata; a local stage would otherwise read every
    landed file again on every run (1.3 GB at 50,000 customers: ~2 s of each nightly ingest). A file
    whose size or modification time changed is read again.
    """

    def __init__(self, root: Path):
        import json

        self.path = root / ".md5.json"
        try:
            self.entries: dict[str, list] = json.loads(self.path.read_text()) if self.path.is_file() else {}
        except ValueError:  # a damaged memo is rebuilt
            self.entries = {}
        self.changed = False

    def md5(self, path: Path, stat: Any) -> str:
        import hashlib

        key = path.relative_to(self.path.parent).as_posix()
        entry = self.entries.get(key)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return str(entry[2])
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        self.entries[key] = [stat.st_size, stat.st_mtime_ns, digest.hexdigest()]
        self.changed = True
        return digest.hexdigest()

    def save(self) -> None:
        import json

        if self.changed and self.path.parent.is_dir():
            partial = self.path.with_name(".md5.json.part")
            partial.write_text(json.dumps(self.entries))
            partial.replace(self.path)


def read_landed_head(session: Session, stage: str, name: str, size: int = 1 << 16) -> bytes:
    """The first bytes of a landed file (a CSV header row); Snowflake: `session.file.get_stream`."""
    if bulk_connection(session) is None:
        with session.file.get_stream(f"{stage}/{name}") as stream:
            return stream.read(size)
    with (stage_directory(session, stage) / name).open("rb") as handle:
        return handle.read(size)


def landed_parquet_columns(session: Session, stage: str, name: str) -> list[str]:
    """The column names of a landed Parquet file (its schema); raises UnreadableFile when it is not Parquet."""
    import io

    import pyarrow.parquet as pq

    try:
        if bulk_connection(session) is None:
            with session.file.get_stream(f"{stage}/{name}") as stream:
                return list(pq.read_schema(io.BytesIO(stream.read())).names)
        return list(pq.read_schema(stage_directory(session, stage) / name).names)
    except (OSError, ValueError, pa.ArrowException) as error:
        raise UnreadableFile(str(error).splitlines()[0]) from None


def load_file(session: Session, stage: str, name: str, table: str, columns: dict[str, str | None],
              header: list[str], metadata: dict[str, Any], rejects_table: str) -> LoadOutcome:
    """Load one landed CSV (header row) or Parquet file into `table`, every value as text, row by row.

    `columns` maps each target column to the file's column (None: not in the file, loaded as NULL),
    `header` is the file's columns in order, `metadata` holds constant columns (`_BATCH_ID`, `_SOURCE`,
    `_LOADED_AT`); `_ROW_NUMBER` is the record's number in the file (from 1, header not counted) and
    `_RECORD_ID` comes from the bronze record-id sequence. A CSV row that cannot be a record
    (wrong field count, unterminated quote, undecodable bytes) does not stop the file: it goes to
    `rejects_table` with its line, row number, rule, the parser's message and its text
    (`safe_text`), and every other row loads — Snowflake's `COPY INTO … ON_ERROR = CONTINUE`.
    A file the reader cannot parse at all raises UnreadableFile.
    """
    csv = name.lower().endswith(".csv")
    if bulk_connection(session) is None:
        return _copy_into(session, stage, name, table, columns, header, metadata, rejects_table, csv)
    return _duck_load(session, stage_directory(session, stage) / name, table, columns, header, metadata,
                      rejects_table, csv)


def _duck_load(session: Session, path: Path, table: str, columns: dict[str, str | None], header: list[str],
               metadata: dict[str, Any], rejects_table: str, csv: bool) -> LoadOutcome:
    """Local: DuckDB's reader with `store_rejects` (reject_errors: line, column, error type, the row's text)."""
    import duckdb

    duck = bulk_connection(session)
    token = uuid.uuid4().hex[:12]
    rows, errors, scans = f"c360_rows_{token}", f"c360_reject_errors_{token}", f"c360_reject_scans_{token}"
    if csv:
        # Columns by position (c1 … cN): a header's text never becomes SQL text.
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, len(header) + 1)) + "}"
        source = (f"read_csv('{_literal(path)}', header = true, all_varchar = true, auto_detect = false, "
                  f"columns = {spec}, delim = ',', quote = '\"', escape = '\"', parallel = false, "
                  f"strict_mode = true, store_rejects = true, rejects_table = '{errors}', rejects_scan = '{scans}')")
    else:
        source = f"read_parquet('{_literal(path)}')"
    target, quarantine = _duck_name(session, table), _duck_name(session, rejects_table)
    try:
        duck.execute(f"CREATE TEMP TABLE {rows} AS SELECT *, ROW_NUMBER() OVER () AS c360_k FROM {source}")
        rejected = duck.execute(
            f"SELECT line, MIN(column_name), LIST(error_type ORDER BY byte_position), "
            f"ARG_MIN(error_message, byte_position), ARG_MIN(csv_line, byte_position) "
            f"FROM {errors} GROUP BY line ORDER BY line"
        ).fetchall() if csv else []
        loaded = duck.execute(f"SELECT COUNT(*) FROM {rows}").fetchone()[0]
        if csv:
            rejected += _open_quote_at_end(path, loaded + len(rejected), rejected)
        first_id = duck.execute(
            "SELECT COALESCE(MAX(m), 0) + 1 FROM (" + " UNION ALL ".join(
                f"SELECT MAX(\"_RECORD_ID\") AS m FROM {_duck_name(session, t)}" for t in _record_id_tables(session, table, rejects_table)
            ) + ")"
        ).fetchone()[0]
        # A rejected row keeps its number in the file; the good rows around it are numbered past it.
        duck.execute(f"CREATE TEMP TABLE {rows}_gaps (r BIGINT, j BIGINT)")
        if rejected:
            duck.executemany(f"INSERT INTO {rows}_gaps VALUES (?, ?)",
                             [(line - 1, j + 1) for j, (line, *_rest) in enumerate(rejected)])
        selected = []
        position = {column: i + 1 for i, column in enumerate(header)}
        for name, origin in columns.items():
            field = f'"c{position[origin]}"' if csv and origin is not None else f'"{_identifier(origin)}"'
            value = "NULL" if origin is None else f"NULLIF(CAST({field} AS VARCHAR), '')"
            selected.append(f'{value} AS "{name}"')
        selected += [f'{_sql_value(value)} AS "{name}"' for name, value in metadata.items()]
        selected.append(f'c360_k + (SELECT COUNT(*) FROM {rows}_gaps WHERE r - j < c360_k) AS "_ROW_NUMBER"')
        selected.append(f'c360_k + {first_id - 1} AS "_RECORD_ID"')
        names = ", ".join(f'"{c}"' for c in [*columns, *metadata, "_ROW_NUMBER", "_RECORD_ID"])
        duck.execute(f"INSERT INTO {target} ({names}) SELECT {', '.join(selected)} FROM {rows}")
        next_id = first_id + loaded
        quarantined = [
            (metadata.get("_SOURCE"), table.rsplit(".", 1)[-1], metadata.get("_BATCH_ID"), line, line - 1,
             _duck_rule(types, text),
             _header_name(header, column), message, safe_text((text or "").strip("\r\n")), next_id + j, metadata.get("_LOADED_AT"))
            for j, (line, column, types, message, text) in enumerate(rejected)
        ]
        if quarantined:
            duck.executemany(
                f'INSERT INTO {quarantine} ("FILE_NAME", "TARGET_TABLE", "BATCH_ID", "LINE_NUMBER", "ROW_NUMBER", '
                f'"REJECT_REASON", "REJECT_COLUMN", "ERROR_MESSAGE", "RAW_TEXT", "_RECORD_ID", "_LOADED_AT") '
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", quarantined)
    except duckdb.Error as error:
        raise UnreadableFile(str(error).splitlines()[0]) from None
    finally:
        for temporary in (rows, f"{rows}_gaps", errors, scans):
            duck.execute(f"DROP TABLE IF EXISTS {temporary}")
    return LoadOutcome(int(loaded), len(quarantined))


def _open_quote_at_end(path: Path, records: int, rejected: list[tuple]) -> list[tuple]:
    """The row whose quoted field is still open at the end of the file, which DuckDB's strict reader drops unreported.

    Such a field runs to the end of the file, so everything after the last record read is one
    malformed row (as Snowflake's parser reads it): returned as a reject row, or none.
    """
    if any("UNQUOTED VALUE" in types for _line, _column, types, _message, _text in rejected):
        return []
    data = path.read_bytes()
    if data.count(b'"') % 2 == 0:
        return []
    line = records + 2  # the header is line 1
    tail = "\n".join(data.decode("utf-8", errors="replace").split("\n")[line - 1:]).rstrip("\r\n")
    return [(line, None, ["UNQUOTED VALUE"], "Value with unterminated quote found at the end of the file.", tail)]


def _header_name(header: list[str], positional: str | None) -> str | None:
    """The header's name (lower case) of a positional column `cN`, for the reject's column."""
    if not positional or not positional.startswith("c") or not positional[1:].isdigit():
        return None
    index = int(positional[1:]) - 1
    return str(header[index]).strip().lower() if 0 <= index < len(header) else None


def _record_id_tables(session: Session, table: str, rejects_table: str) -> list[str]:
    """The tables that draw on the bronze record-id sequence: every RAW_* table of the schema and the rejects."""
    schema = table.rsplit(".", 1)[0]
    return sorted(t for t in {table, rejects_table, f"{schema}.RAW_CUSTOMERS", f"{schema}.RAW_TRANSACTIONS"}
                  if t in {table, rejects_table} or table_exists(session, t))


def _duck_rule(error_types: list[str], text: str | None) -> str:
    """The malformed-row rule for DuckDB's error types of one row (the first that applies, in this order)."""
    kinds = set(error_types)
    if "UNQUOTED VALUE" in kinds or (text is not None and text.count('"') % 2 == 1):
        return UNTERMINATED_QUOTE
    if "INVALID ENCODING" in kinds or "INVALID UNICODE" in kinds:
        return INVALID_ENCODING
    if kinds & {"TOO MANY COLUMNS", "MISSING COLUMNS"}:
        return WRONG_FIELD_COUNT
    return MALFORMED_ROW


def _identifier(name: str) -> str:
    return str(name).replace('"', '""')


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


# Snowflake reads a landed CSV with these options: header row, optional double quotes, empty field is
# NULL, blank lines are not records, a row with another field count than the header is an error.
SNOWFLAKE_CSV_FORMAT = (
    "FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' EMPTY_FIELD_AS_NULL = TRUE "
    "SKIP_BLANK_LINES = TRUE ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE ENCODING = 'UTF8')"
)
# VALIDATE's ERROR text → the malformed-row rule (Snowflake's parser messages, first match wins).
SNOWFLAKE_REJECT_RULE = (
    "CASE WHEN ERROR ILIKE '%number of columns%' THEN 'wrong_field_count' "
    "WHEN ERROR ILIKE '%utf8%' OR ERROR ILIKE '%utf-8%' OR ERROR ILIKE '%invalid character%' THEN 'invalid_encoding' "
    "WHEN ERROR ILIKE '%quote%' OR ERROR ILIKE '%end of record reached%' OR ERROR ILIKE '%instead of field delimiter%' "
    "THEN 'unterminated_quote' ELSE 'malformed_row' END"
)


def _copy_into(session: Session, stage: str, name: str, table: str, columns: dict[str, str | None],
               header: list[str], metadata: dict[str, Any], rejects_table: str, csv: bool) -> LoadOutcome:
    """Snowflake: COPY INTO the table from the landed file with ON_ERROR = CONTINUE, then the rejected rows.

    The rows are loaded by a transforming COPY (file row numbers, constants, `_RECORD_ID` from the
    column's sequence default). VALIDATE cannot read a transforming COPY (Snowflake's usage notes),
    so when rows were rejected the file is copied once more, as it is, into a temporary table with
    one text column per header field, and VALIDATE of that load gives every rejected row: line, row
    number, column, error and the row's text, which go to the rejects table.
    """
    position = {column: i + 1 for i, column in enumerate(header)}
    constants = dict(metadata)
    target_columns = [*columns, *constants, "_ROW_NUMBER"]
    if csv:
        values = ["NULL" if origin is None else f"${position[origin]}" for origin in columns.values()]
        file_format = SNOWFLAKE_CSV_FORMAT
        on_error = "CONTINUE"
    else:
        values = ["NULL" if origin is None else f"$1:\"{_identifier(origin)}\"::VARCHAR" for origin in columns.values()]
        file_format = "FILE_FORMAT = (TYPE = PARQUET)"
        on_error = "ABORT_STATEMENT"
    values += [_snowflake_value(value) for value in constants.values()] + ["METADATA$FILE_ROW_NUMBER"]
    quoted = ", ".join(f'"{c}"' for c in target_columns)
    statement = (
        f"COPY INTO {table} ({quoted}) FROM (SELECT {', '.join(values)} FROM {stage}/{name}) "
        f"{file_format} ON_ERROR = {on_error}"
    )
    try:
        results = [{k.lower(): v for k, v in row.as_dict().items()} for row in session.sql(statement).collect()]
    except Exception as error:  # the connector's ProgrammingError: the file cannot be read at all
        raise UnreadableFile(str(error).splitlines()[0]) from None
    loaded = sum(int(r.get("rows_loaded") or 0) for r in results)
    errors = sum(int(r.get("errors_seen") or 0) for r in results)
    if not errors:
        return LoadOutcome(loaded, 0)
    shaped = f"{table.rsplit('.', 1)[0]}.C360_VALIDATE_{uuid.uuid4().hex[:12].upper()}"
    session.sql(f"CREATE TEMPORARY TABLE {shaped} ({', '.join(f'C{i} VARCHAR' for i in range(1, len(header) + 1))})").collect()
    try:
        session.sql(f"COPY INTO {shaped} FROM {stage}/{name} {SNOWFLAKE_CSV_FORMAT} ON_ERROR = CONTINUE").collect()
        source, batch, loaded_at = (_snowflake_value(metadata.get(k)) for k in ("_SOURCE", "_BATCH_ID", "_LOADED_AT"))
        inserted = session.sql(
            f'INSERT INTO {rejects_table} ("FILE_NAME", "TARGET_TABLE", "BATCH_ID", "LINE_NUMBER", "ROW_NUMBER", '
            f'"REJECT_REASON", "REJECT_COLUMN", "ERROR_MESSAGE", "RAW_TEXT", "_LOADED_AT") '
            f'SELECT {source}, {_sql_value(table.rsplit(".", 1)[-1])}, {batch}, "LINE", "ROW_NUMBER", {SNOWFLAKE_REJECT_RULE}, {_snowflake_column(header)}, '
            f'"ERROR", LEFT(TRANSLATE("REJECTED_RECORD", {_snowflake_controls()}, \'{"?" * len(_CONTROL_CHARACTERS)}\'), '
            f"{RAW_TEXT_LIMIT}), {loaded_at} "
            f"FROM TABLE(VALIDATE({shaped}, JOB_ID => '_last')) "
            f'QUALIFY ROW_NUMBER() OVER (PARTITION BY "ROW_NUMBER" ORDER BY "CHARACTER") = 1'
        ).collect()
    finally:
        session.sql(f"DROP TABLE IF EXISTS {shaped}").collect()
    rejected = sum(int(next(iter(row.as_dict().values()))) for row in inserted)
    return LoadOutcome(loaded, rejected)


def _snowflake_column(header: list[str]) -> str:
    """VALIDATE names the failing column as `"TABLE"["C3":3]`; its position → the header's name (lower case)."""
    cases = " ".join(f"WHEN '{i}' THEN '{_literal(str(name).strip().lower())}'"
                     for i, name in enumerate(header, start=1) if _plain(name))
    return f"CASE REGEXP_SUBSTR(\"COLUMN_NAME\", ':([0-9]+)]', 1, 1, 'e') {cases} ELSE NULL END" if cases else "NULL"


def _plain(name: object) -> bool:
    """A header name made of letters, digits, underscores and spaces only (the only ones c360 maps)."""
    return bool(re.fullmatch(r"[A-Za-z0-9_ ]+", str(name)))


def _snowflake_controls() -> str:
    """The control characters as a Snowflake expression (CHR(0) || CHR(1) || …): none is pasted into SQL text."""
    return " || ".join(f"CHR({ord(c)})" for c in _CONTROL_CHARACTERS)


def _snowflake_value(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return f"'{value.isoformat(sep=' ')}'::TIMESTAMP_NTZ"
    return _sql_value(value)
