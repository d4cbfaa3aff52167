"""Where tables live: the account on `snowflake`, the session plus Parquet files on `local`.

On the local engine every table is mirrored to `<home>/warehouse/<SCHEMA>/<TABLE>.parquet`
(schema and table in Snowflake upper case), written atomically (temp file + rename) so a crash
never leaves a half-written table. A table is restored into the local session, with its types,
the first time a command reads it.
"""

from __future__ import annotations

import csv
import os
import tempfile
import uuid
from decimal import Decimal
import weakref
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.parquet as pq
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F
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
    StructField,
    StructType,
    TimestampType,
    _NumericType,
)

from c360_pipeline.config import PipelineConfig

_NULL = r"\N"
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class TableMissing(LookupError):
    """A step asked for a table that has not been built yet."""


def arrow_type(datatype: DataType) -> pa.DataType:
    """The Parquet type that stores a Snowpark column type without loss."""
    if isinstance(datatype, StringType):
        return pa.string()
    if isinstance(datatype, DecimalType):
        if datatype.scale == 0 and datatype.precision >= 19:
            return pa.int64()
        return pa.decimal128(datatype.precision, datatype.scale)
    if isinstance(datatype, (LongType, IntegerType)) or type(datatype).__name__ in {"ShortType", "ByteType"}:
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
    raise TypeError(f"column type {datatype} cannot be stored in the local warehouse")


def snowpark_type(datatype: pa.DataType) -> DataType:
    """The Snowpark column type of a Parquet column (inverse of `arrow_type`)."""
    if pa.types.is_string(datatype) or pa.types.is_large_string(datatype):
        return StringType()
    if pa.types.is_integer(datatype):
        return LongType()
    if pa.types.is_decimal(datatype):
        return DecimalType(datatype.precision, datatype.scale)
    if pa.types.is_floating(datatype):
        return DoubleType()
    if pa.types.is_boolean(datatype):
        return BooleanType()
    if pa.types.is_date(datatype):
        return DateType()
    if pa.types.is_timestamp(datatype):
        return TimestampType()
    raise TypeError(f"Parquet type {datatype} has no Snowpark equivalent in the local warehouse")


def to_arrow(frame: pd.DataFrame, schema: StructType) -> pa.Table:
    """A pandas frame from `DataFrame.to_pandas()` as an Arrow table with the Snowpark schema's types."""
    arrays = []
    fields = []
    for field in schema.fields:
        name = field.name.strip('"')
        target = arrow_type(field.datatype)
        values = frame[name] if name in frame.columns else frame[field.name]
        if pa.types.is_integer(target):
            values = pd.array(values.astype("float64").round(), dtype="Int64") if values.dtype != "int64" else values
        elif pa.types.is_timestamp(target):
            values = pd.to_datetime(values)
        elif pa.types.is_boolean(target):
            values = values.astype("boolean")
        elif pa.types.is_decimal(target):
            # The emulator hands back Decimals (or floats) with any exponent: quantise to the column's scale.
            step = Decimal(1).scaleb(-target.scale)
            values = [None if _is_missing(v) else Decimal(str(v)).quantize(step) for v in values]
        arrays.append(pa.array(values, type=target, from_pandas=True))
        fields.append(pa.field(name, target))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def is_local(session: Session) -> bool:
    """True for a Snowpark local-testing session."""
    from snowflake.snowpark.mock._connection import MockServerConnection

    return isinstance(session._conn, MockServerConnection)


def frame_to_pandas(frame: DataFrame) -> pd.DataFrame:
    """`frame.to_pandas()`, with correct rows on the local engine too.

    The local engine's `to_pandas()` misaligns integer columns of a filtered or sorted frame: it
    assigns them by the emulator's row index, so after a filter some come back NaN or from another
    row (snowflakedb/snowpark-python#2598, open). `collect()` is right, so locally the frame is built
    from the collected rows with the same column types `to_pandas()` gives (decimals as Decimal,
    integers as int64 or float64 with NaN, timestamps as datetime64). On Snowflake: `to_pandas()`.
    """
    if not is_local(frame.session):
        return frame.to_pandas()
    schema = frame.schema
    names = [field.name.strip('"') for field in schema.fields]
    rows = [tuple(row) for row in frame.collect()]
    result = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame({n: [] for n in names})
    for field, name in zip(schema.fields, names):
        datatype = field.datatype
        integral = isinstance(datatype, (LongType, IntegerType, ShortType, ByteType)) or (
            isinstance(datatype, DecimalType) and datatype.scale == 0
        )
        if integral:
            values = pd.to_numeric(result[name].map(lambda v: None if _is_missing(v) else int(v)))
            result[name] = values.astype("int64") if not values.isna().any() else values.astype("float64")
        elif isinstance(datatype, TimestampType):
            result[name] = pd.to_datetime(result[name])
        elif isinstance(datatype, DoubleType):
            result[name] = result[name].astype("float64")
    return result


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def write_parquet_atomically(table: pa.Table, path: Path) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        pq.write_table(table, temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Warehouse:
    """Reads and writes the pipeline's tables by layer and name; the only place that knows the engine."""

    _instances: "weakref.WeakKeyDictionary[Session, Warehouse]" = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, session: Session, cfg: PipelineConfig) -> "Warehouse":
        """The warehouse of a session (one per session, so restored tables are loaded once)."""
        existing = cls._instances.get(session)
        if existing is None or existing.cfg.home != cfg.home or existing.cfg.database != cfg.database:
            existing = cls(session, cfg)
            cls._instances[session] = existing
        else:
            existing.cfg = cfg
        return existing

    def __init__(self, session: Session, cfg: PipelineConfig):
        self.session = session
        self.cfg = cfg
        self.local = cfg.engine == "local"
        self._loaded: set[str] = set()
        self._stage = f"C360_LOCAL_{uuid.uuid4().hex[:8].upper()}"

    # names -------------------------------------------------------------------------------
    def name(self, layer: str, table: str) -> str:
        return self.cfg.table(layer, table)

    def path(self, layer: str, table: str) -> Path:
        schema = self.cfg.schema(layer).split(".")[1]
        return self.cfg.warehouse_dir / schema / f"{table.upper()}.parquet"

    # reading -----------------------------------------------------------------------------
    def exists(self, layer: str, table: str) -> bool:
        name = self.name(layer, table)
        if self.local:
            return name in self._loaded or self.path(layer, table).exists()
        try:
            self.session.table(name).schema
            return True
        except Exception:
            return False

    def read(self, layer: str, table: str) -> DataFrame:
        """The table as a DataFrame; on the local engine restored from Parquet on first use."""
        name = self.name(layer, table)
        if self.local and name not in self._loaded:
            path = self.path(layer, table)
            if not path.exists():
                raise TableMissing(
                    f"table {name} does not exist yet (no {path}); run `c360 run` to build it"
                )
            self._restore(name, path)
        return self.session.table(name)

    def read_since(self, layer: str, table: str, column: str, after: int) -> DataFrame:
        """Rows whose integer `column` is above `after` (a watermark).

        Locally, a table not yet in the session is filtered while reading its Parquet file, so an
        incremental run restores only the new rows instead of the whole history.
        """
        name = self.name(layer, table)
        if self.local and name not in self._loaded:
            path = self.path(layer, table)
            if not path.exists():
                raise TableMissing(f"table {name} does not exist yet (no {path}); run `c360 run` to build it")
            rows = pq.read_table(path, filters=[(column, ">", after)])
            schema = StructType([StructField(f.name, snowpark_type(f.type), True) for f in rows.schema])
            return self._from_arrow(rows, schema)
        return self.read(layer, table).filter(F.col(column) > F.lit(after))

    def read_columns(self, layer: str, table: str, columns: list[str]) -> DataFrame:
        """Some columns of a table; locally read from Parquet alone when the table is not in the session yet."""
        name = self.name(layer, table)
        if self.local and name not in self._loaded:
            path = self.path(layer, table)
            if not path.exists():
                raise TableMissing(f"table {name} does not exist yet (no {path}); run `c360 run` to build it")
            rows = pq.read_table(path, columns=columns)
            schema = StructType([StructField(f.name, snowpark_type(f.type), True) for f in rows.schema])
            return self._from_arrow(rows, schema)
        return self.read(layer, table).select(columns)

    def max_of(self, layer: str, table: str, column: str) -> int | None:
        """The largest value of an integer column (None for an empty or missing table)."""
        if not self.exists(layer, table):
            return None
        if self.local and self.name(layer, table) not in self._loaded:
            values = pq.read_table(self.path(layer, table), columns=[column]).column(0)
            return None if values.null_count == len(values) else int(pa.compute.max(values).as_py())
        value = self.read(layer, table).agg(F.max(column).alias("M")).collect()[0]["M"]
        return None if value is None else int(value)

    def read_or_none(self, layer: str, table: str) -> DataFrame | None:
        return self.read(layer, table) if self.exists(layer, table) else None

    def to_pandas(self, layer: str, table: str) -> pd.DataFrame:
        """The whole table in pandas (small tables, reports and tests)."""
        if self.local and self.path(layer, table).exists() and self.name(layer, table) not in self._loaded:
            return pq.read_table(self.path(layer, table)).to_pandas()
        return frame_to_pandas(self.read(layer, table))

    # writing -----------------------------------------------------------------------------
    def write(self, frame: DataFrame, layer: str, table: str, mode: str = "overwrite") -> int:
        """Save a DataFrame as the table (overwrite or append) and persist it; returns rows written."""
        name = self.name(layer, table)
        if mode not in {"overwrite", "append"}:
            raise ValueError(f"mode must be 'overwrite' or 'append', got {mode!r}")
        if not self.local:
            if mode == "append":
                staged = frame.cache_result()
                rows = staged.count()
                staged.write.save_as_table(name, mode="append", column_order="name")
                return rows
            frame.write.save_as_table(name, mode="overwrite")
            return self.session.table(name).count()
        if mode == "overwrite" or not self.exists(layer, table):
            frame.write.save_as_table(name, mode="overwrite")
            self._loaded.add(name)
            result = self.session.table(name)
            table_arrow = to_arrow(frame_to_pandas(result), result.schema)
            write_parquet_atomically(table_arrow, self.path(layer, table))
            return table_arrow.num_rows
        # Append: materialise the new rows once, add them to the session table and to the file.
        self.read(layer, table)
        scratch = f"{name}__APPEND_{uuid.uuid4().hex[:6].upper()}"
        frame.write.save_as_table(scratch, mode="overwrite")
        new_rows = self.session.table(scratch)
        target_schema = self.session.table(name).schema
        new_rows.select([field.name for field in target_schema.fields]).write.save_as_table(
            name, mode="append"
        )
        added = to_arrow(frame_to_pandas(new_rows), target_schema)
        existing = pq.read_table(self.path(layer, table))
        write_parquet_atomically(pa.concat_tables([existing, added.cast(existing.schema)]), self.path(layer, table))
        self.session.table(scratch).drop_table()
        return added.num_rows

    def write_pandas(self, frame: pd.DataFrame, schema: StructType, layer: str, table: str, mode: str = "overwrite") -> int:
        """Save a pandas frame with an explicit schema (loads, ledgers, metrics, reports)."""
        if not self.local:
            return self.write(self.session.create_dataframe(frame, schema=schema), layer, table, mode)
        name = self.name(layer, table)
        rows = to_arrow(frame, schema)
        path = self.path(layer, table)
        if mode == "append" and self.exists(layer, table):
            self.read(layer, table)
            self._load(rows, schema, name, "append")
            existing = pq.read_table(path)
            write_parquet_atomically(pa.concat_tables([existing, rows.cast(existing.schema)]), path)
        else:
            self._load(rows, schema, name, "overwrite")
            write_parquet_atomically(rows, path)
        self._loaded.add(name)
        return rows.num_rows

    def dataframe(self, frame: pd.DataFrame, schema: StructType) -> DataFrame:
        """A Snowpark DataFrame from pandas with an explicit schema (fast path on the local engine)."""
        if not self.local:
            return self.session.create_dataframe(frame, schema=schema)
        return self._from_arrow(to_arrow(frame, schema), schema)

    # local restore -----------------------------------------------------------------------
    def _restore(self, name: str, path: Path) -> None:
        table = pq.read_table(path)
        schema = StructType([StructField(f.name, snowpark_type(f.type), True) for f in table.schema])
        self._load(table, schema, name, "overwrite")
        self._loaded.add(name)

    def _from_arrow(self, table: pa.Table, schema: StructType) -> DataFrame:
        """Rows as a new temporary table in the session."""
        scratch = f"C360_SCRATCH_{uuid.uuid4().hex[:10].upper()}"
        self._load(table, schema, scratch, "overwrite", table_type="temporary")
        return self.session.table(scratch)

    def _load(self, table: pa.Table, schema: StructType, name: str, mode: str, table_type: str = "") -> None:
        """Load rows into a session table through a staged CSV: the emulator's fastest typed loader."""
        if table.num_rows == 0:
            empty = self.session.create_dataframe([], schema=schema)
            empty.write.save_as_table(name, mode=mode, table_type=table_type)
            return
        frame = table.to_pandas()
        for field in schema.fields:
            column = field.name.strip('"')
            if isinstance(field.datatype, TimestampType):
                frame[column] = pd.to_datetime(frame[column]).dt.strftime(_TIMESTAMP_FORMAT)
            elif isinstance(field.datatype, BooleanType):
                frame[column] = frame[column].map({True: "true", False: "false"})
            elif isinstance(field.datatype, LongType):
                frame[column] = frame[column].astype("Int64")
        with tempfile.TemporaryDirectory(prefix="c360-load-") as directory:
            file = Path(directory) / f"load_{uuid.uuid4().hex}.csv"
            frame.to_csv(file, index=False, header=False, na_rep=_NULL, quoting=csv.QUOTE_MINIMAL)
            self.session.file.put(str(file), f"@{self._stage}", auto_compress=False, overwrite=True)
            reader = (
                self.session.read.schema(schema)
                .option("NULL_IF", [_NULL])
                .option("FIELD_OPTIONALLY_ENCLOSED_BY", '"')
                .option("TIMESTAMP_FORMAT", "YYYY-MM-DD HH24:MI:SS.FF6")
                .option("DATE_FORMAT", "YYYY-MM-DD")
            )
            # Saved before the block ends: the staged file is removed with the directory.
            reader.csv(f"@{self._stage}/{file.name}").write.save_as_table(name, mode=mode, table_type=table_type)
