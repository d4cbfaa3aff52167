"""Bronze: raw customer and transaction files loaded as delivered, every value kept as text.

Raw layout (what `c360 generate` writes and what users bring): a directory of CSV (header row,
UTF-8) or Parquet files named `customers_<BATCH>.<ext>` and `transactions_<BATCH>[_<PART>].<ext>`;
files load in name order. Each loaded row gets `_BATCH_ID`, `_SOURCE` (file name), `_ROW_NUMBER`
(data row in the file, 1-based) and `_LOADED_AT`. A file already loaded (same name and checksum,
recorded in OPS.LOADED_FILES) is skipped; a file missing a required column or that cannot be
parsed is refused whole, with its name and the reason, and the other files still load.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from snowflake.snowpark import Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import TableContract, declare
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import Warehouse

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id", "first_name", "last_name", "email", "age", "state", "city", "employment_status",
    "card_type", "credit_limit", "account_open_date", "customer_segment", "decline_type", "updated_at",
)
TRANSACTION_COLUMNS: tuple[str, ...] = (
    "transaction_id", "customer_id", "transaction_date", "transaction_amount", "merchant_name",
    "merchant_category", "channel", "status",
)
# The generator's truth columns are optional in files users bring.
OPTIONAL_COLUMNS: frozenset[str] = frozenset({"customer_segment", "decline_type"})
METADATA_FIELDS = [
    StructField("_BATCH_ID", StringType()),
    StructField("_SOURCE", StringType()),
    StructField("_ROW_NUMBER", LongType()),
    StructField("_RECORD_ID", LongType()),
    StructField("_LOADED_AT", TimestampType()),
]


@dataclass(frozen=True)
class RawTable:
    """A raw feed: its file prefix, bronze table and columns."""

    prefix: str
    table: str
    columns: tuple[str, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in OPTIONAL_COLUMNS)

    @property
    def schema(self) -> StructType:
        return StructType([StructField(c.upper(), StringType()) for c in self.columns] + METADATA_FIELDS)


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable("customers", "RAW_CUSTOMERS", CUSTOMER_COLUMNS),
    RawTable("transactions", "RAW_TRANSACTIONS", TRANSACTION_COLUMNS),
)

LOADED_FILES_SCHEMA = StructType(
    [
        StructField("FILE_NAME", StringType()),
        StructField("CHECKSUM", StringType()),
        StructField("TARGET_TABLE", StringType()),
        StructField("BATCH_ID", StringType()),
        StructField("ROWS_LOADED", LongType()),
        StructField("STATUS", StringType()),
        StructField("MESSAGE", StringType()),
        StructField("LOADED_AT", TimestampType()),
    ]
)

for _raw in RAW_TABLES:
    declare(
        TableContract(
            "BRONZE", _raw.table, f"one row per {_raw.prefix[:-1]} record as delivered",
            not_null=("_BATCH_ID", "_SOURCE", "_ROW_NUMBER", "_LOADED_AT"),
        )
    )


class FileRefused(ValueError):
    """A raw file cannot be loaded; the message names the file and the column or parse error."""


_BATCH_PATTERN = re.compile(r"^(?:customers|transactions)_(?P<batch>[^_.]+)")


def batch_id_of(path: Path) -> str:
    """The batch a file belongs to: the token after the feed prefix (`transactions_20250630_001` → 20250630)."""
    match = _BATCH_PATTERN.match(path.name)
    return match.group("batch") if match else path.stem


def raw_table_of(path: Path) -> RawTable | None:
    for raw in RAW_TABLES:
        if path.name.startswith(raw.prefix) and path.suffix.lower() in {".csv", ".parquet"}:
            return raw
    return None


def discover_files(source: Path) -> list[Path]:
    """Raw files in a directory, in delivery (name) order."""
    if not source.is_dir():
        raise FileNotFoundError(f"raw source directory {source} does not exist")
    return sorted(p for p in source.iterdir() if p.is_file() and raw_table_of(p) is not None)


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_raw_file(path: Path, raw: RawTable) -> pd.DataFrame:
    """Every column of a raw file as text (None for empty), header names normalised; refuses bad files."""
    try:
        if path.suffix.lower() == ".parquet":
            frame = pq.read_table(path).to_pandas()
            frame = frame.astype(object).where(frame.notna(), None)
            frame = frame.apply(lambda column: column.map(lambda v: None if v is None else str(v)))
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    except Exception as error:  # pandas/pyarrow raise many parse errors; the user needs the file and the reason
        raise FileRefused(f"{path.name}: cannot be parsed as {path.suffix.lstrip('.').upper()}: {error}") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in raw.required if c not in frame.columns]
    if missing:
        raise FileRefused(
            f"{path.name}: missing required column(s) {', '.join(missing)} "
            f"(a {raw.prefix} file needs: {', '.join(raw.required)})"
        )
    for column in raw.columns:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[list(raw.columns)].replace({"": None})
    frame.columns = [c.upper() for c in raw.columns]
    return frame


def bronze_rows(frame: pd.DataFrame, source: str, batch_id: str, loaded_at: datetime, first_record_id: int) -> pd.DataFrame:
    """Raw rows with the load metadata bronze adds.

    `_ROW_NUMBER` counts data rows of the file from 1; `_RECORD_ID` numbers every raw record ever
    loaded in delivery order (a sequence default on Snowflake), so "first delivery wins" is a comparison.
    """
    result = frame.copy()
    result["_BATCH_ID"] = batch_id
    result["_SOURCE"] = source
    result["_ROW_NUMBER"] = range(1, len(frame) + 1)
    result["_RECORD_ID"] = range(first_record_id, first_record_id + len(frame))
    result["_LOADED_AT"] = loaded_at
    return result


def loaded_files(warehouse: Warehouse) -> pd.DataFrame:
    if not warehouse.exists("OPS", "LOADED_FILES"):
        return pd.DataFrame(columns=[f.name for f in LOADED_FILES_SCHEMA.fields])
    return warehouse.to_pandas("OPS", "LOADED_FILES")


def run_ingest_bronze(session: Session, cfg: PipelineConfig) -> StepResult:
    """Load every new raw file from the source directory into BRONZE.RAW_*."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    loaded_at = datetime.now().replace(microsecond=0)
    seen = loaded_files(warehouse)
    already = set(zip(seen.loc[seen["STATUS"] == "LOADED", "FILE_NAME"], seen.loc[seen["STATUS"] == "LOADED", "CHECKSUM"]))
    files = discover_files(cfg.raw_dir)
    next_record_id = int(pd.to_numeric(seen.loc[seen["STATUS"] == "LOADED", "ROWS_LOADED"]).sum()) + 1
    ledger: list[dict] = []
    pending: dict[str, list[pd.DataFrame]] = {raw.table: [] for raw in RAW_TABLES}
    refused: list[str] = []
    skipped = 0
    for path in files:
        raw = raw_table_of(path)
        digest = checksum(path)
        if (path.name, digest) in already:
            skipped += 1
            continue
        entry = {
            "FILE_NAME": path.name, "CHECKSUM": digest, "TARGET_TABLE": raw.table,
            "BATCH_ID": batch_id_of(path), "LOADED_AT": loaded_at,
        }
        try:
            frame = read_raw_file(path, raw)
        except FileRefused as error:
            refused.append(str(error))
            ledger.append({**entry, "ROWS_LOADED": 0, "STATUS": "REFUSED", "MESSAGE": str(error)})
            continue
        pending[raw.table].append(bronze_rows(frame, path.name, entry["BATCH_ID"], loaded_at, next_record_id))
        next_record_id += len(frame)
        ledger.append({**entry, "ROWS_LOADED": len(frame), "STATUS": "LOADED", "MESSAGE": ""})
    counts: dict[str, int] = {}
    for raw in RAW_TABLES:
        frames = pending[raw.table]
        if not frames:
            counts[raw.table] = 0
            continue
        combined = pd.concat(frames, ignore_index=True)
        if warehouse.local:
            counts[raw.table] = warehouse.write_pandas(combined, raw.schema, "BRONZE", raw.table, mode="append")
        else:
            counts[raw.table] = _copy_into_snowflake(session, cfg, raw, [p for p in files if p.name in set(combined["_SOURCE"])], loaded_at)
    if ledger:
        warehouse.write_pandas(pd.DataFrame(ledger), LOADED_FILES_SCHEMA, "OPS", "LOADED_FILES", mode="append")
    loaded = sum(counts.values())
    message = f"{sum(1 for e in ledger if e['STATUS'] == 'LOADED')} file(s) loaded, {skipped} already loaded"
    if refused:
        message += f", {len(refused)} refused: " + " | ".join(refused)
    return StepResult(
        "ingest_bronze",
        status="warning" if refused else "succeeded",
        rows_in=loaded,
        rows_out=loaded,
        rows_rejected=0,
        seconds=time.perf_counter() - started,
        message=message,
        details={"rows_by_table": counts, "refused_files": refused, "files_skipped": skipped},
    )


def _copy_into_snowflake(session: Session, cfg: PipelineConfig, raw: RawTable, paths: list[Path], loaded_at: datetime) -> int:
    """On Snowflake: PUT the files to the landing stage and COPY INTO the bronze table with file metadata."""
    stage = f"@{cfg.schema('BRONZE')}.LANDING/{raw.prefix}"
    total = 0
    for path in paths:
        session.file.put(str(path), stage, auto_compress=True, overwrite=True)
        text_schema = StructType([StructField(c.upper(), StringType()) for c in raw.columns])
        if path.suffix.lower() == ".csv":
            reader = session.read.schema(text_schema).options(
                {"SKIP_HEADER": 1, "FIELD_OPTIONALLY_ENCLOSED_BY": '"', "EMPTY_FIELD_AS_NULL": True}
            )
            frame = reader.csv(f"{stage}/{path.name}.gz")
            columns = [F.col(f"${i + 1}") for i in range(len(raw.columns))]
        else:
            frame = session.read.parquet(f"{stage}/{path.name}")
            columns = [F.sql_expr(f"$1:{c}::VARCHAR") for c in raw.columns]
        frame.copy_into_table(
            cfg.table("BRONZE", raw.table),
            # _RECORD_ID is filled by the column's sequence default (sql/00_setup.sql).
            target_columns=[c.upper() for c in raw.columns] + ["_BATCH_ID", "_SOURCE", "_ROW_NUMBER", "_LOADED_AT"],
            transformations=columns
            + [
                F.lit(batch_id_of(path)),
                F.lit(path.name),
                F.sql_expr("METADATA$FILE_ROW_NUMBER"),
                F.lit(loaded_at),
            ],
            force=False,
        )
        total += int(session.table(cfg.table("BRONZE", raw.table)).filter(F.col("_SOURCE") == path.name).count())
    return total
