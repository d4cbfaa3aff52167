"""Bronze: raw customer and transaction files loaded as delivered, every value kept as text.

Raw layout (what `c360 generate` writes and what users bring): a directory of CSV (header row,
UTF-8) or Parquet files named `customers_<BATCH>.<ext>` and `transactions_<BATCH>[_<PART>].<ext>`;
files load in name order. Each loaded row gets `_BATCH_ID`, `_SOURCE` (file name), `_ROW_NUMBER`
(data row in the file, 1-based) and `_LOADED_AT`. A file already loaded (same name and checksum,
recorded in OPS.LOADED_FILES) is skipped; a file missing a required column or that cannot be
parsed is refused whole, with its name and the reason, and the other files still load. The rows
are read by the engine (`engine.load_file`: COPY INTO on Snowflake, DuckDB's reader locally).
"""

from __future__ import annotations

import csv
import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from snowflake.snowpark import Session
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline import engine
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


def header_of(path: Path) -> list[str]:
    """The column names a raw file declares (CSV header row, Parquet schema); refuses a file that has none."""
    try:
        if path.suffix.lower() == ".parquet":
            return list(pq.read_schema(path).names)
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), None)
    except Exception as error:  # pyarrow/csv raise many errors; the user needs the file and the reason
        raise FileRefused(f"{path.name}: cannot be read as {path.suffix.lstrip('.').upper()}: {error}") from None
    if not header:
        raise FileRefused(f"{path.name}: the file is empty (a {path.suffix.lstrip('.').upper()} file needs a header row)")
    return header


def column_mapping(path: Path, raw: RawTable) -> dict[str, str | None]:
    """Each bronze column and the file column it comes from (None: optional and absent); refuses missing columns."""
    declared = {str(name).strip().lower(): name for name in header_of(path)}
    missing = [c for c in raw.required if c not in declared]
    if missing:
        raise FileRefused(
            f"{path.name}: missing required column(s) {', '.join(missing)} "
            f"(a {raw.prefix} file needs: {', '.join(raw.required)})"
        )
    return {c.upper(): declared.get(c) for c in raw.columns}


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
    counts: dict[str, int] = {raw.table: 0 for raw in RAW_TABLES}
    for raw in RAW_TABLES:  # created empty on the first run, so every later step finds them
        warehouse.write_pandas(pd.DataFrame(columns=raw.schema.names), raw.schema, "BRONZE", raw.table, mode="append")
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
        metadata = {"_BATCH_ID": entry["BATCH_ID"], "_SOURCE": path.name, "_LOADED_AT": loaded_at,
                    "_RECORD_ID": next_record_id}
        try:
            rows = engine.load_file(session, path, warehouse.name("BRONZE", raw.table), column_mapping(path, raw),
                                    metadata, stage=f"@{cfg.schema('BRONZE')}.LANDING/{raw.prefix}")
        except (FileRefused, engine.UnreadableFile) as error:
            reason = str(error) if isinstance(error, FileRefused) else f"{path.name}: cannot be parsed: {error}"
            refused.append(reason)
            ledger.append({**entry, "ROWS_LOADED": 0, "STATUS": "REFUSED", "MESSAGE": reason})
            continue
        counts[raw.table] += rows
        next_record_id += rows
        ledger.append({**entry, "ROWS_LOADED": rows, "STATUS": "LOADED", "MESSAGE": ""})
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
