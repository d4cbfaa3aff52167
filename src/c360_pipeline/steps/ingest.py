"""Bronze: raw customer and transaction files, landed on a stage, loaded as delivered, every value kept as text.

The landing contract is the same on both engines. The client lands files (`c360 load DIR`, and
`c360 run` lands its raw directory first): `land_directory` puts each raw file on the stage
`@<DB>.BRONZE.LANDING/<feed>/` under its own name (`PUT` on Snowflake; locally a copy into
`<home>/landing/<feed>/`, the local engine's stage). The procedure never reads a local path:
`run_ingest_bronze` lists the stage, loads every file whose name and checksum are not in
OPS.LOADED_FILES, and records each.

Raw layout: CSV (header row, UTF-8) or Parquet files named `customers_<BATCH>.<ext>` and
`transactions_<BATCH>[_<PART>].<ext>`; files load in name order. Each loaded row gets `_BATCH_ID`,
`_SOURCE` (file name), `_ROW_NUMBER` (the record's number in the file, from 1), `_RECORD_ID`
(the bronze record-id sequence) and `_LOADED_AT`.

Quarantine is row by row: a CSV row that cannot be a record (wrong field count, unterminated
quote, undecodable bytes or binary junk) goes to BRONZE.RAW_REJECTS with its file, line, rule and
text, and every other row of the file loads (Snowflake's `ON_ERROR = CONTINUE`); stage_silver
turns those rows into SILVER.REJECTED_RECORDS. A file is refused whole only when it cannot be a
c360 file (empty, no header, not CSV or Parquet, a required column missing): it is recorded as
REFUSED with the reason and counted in the step's message.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult

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


LANDING_STAGE = "LANDING"


RAW_EXTENSIONS = (".csv", ".parquet")


@dataclass(frozen=True)
class RawTable:
    """A raw feed: its file prefix (also its folder on the landing stage), bronze table and columns."""

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


RAW_REJECTS_SCHEMA = StructType(
    [
        StructField("FILE_NAME", StringType()),
        StructField("TARGET_TABLE", StringType()),
        StructField("BATCH_ID", StringType()),
        StructField("LINE_NUMBER", LongType()),
        StructField("ROW_NUMBER", LongType()),
        StructField("REJECT_REASON", StringType()),
        StructField("REJECT_COLUMN", StringType()),
        StructField("ERROR_MESSAGE", StringType()),
        StructField("RAW_TEXT", StringType()),
        StructField("_RECORD_ID", LongType()),
        StructField("_LOADED_AT", TimestampType()),
    ]
)


# The rules a row can break at ingest (before any column is read as a value).
INGEST_RULES: tuple[str, ...] = (
    engine.WRONG_FIELD_COUNT, engine.UNTERMINATED_QUOTE, engine.INVALID_ENCODING, engine.MALFORMED_ROW,
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
        StructField("ROWS_REJECTED", LongType()),
    ]
)


class FileRefused(ValueError):
    """A raw file cannot be a c360 file; the message names the file, the column or reason, and what to do."""


_BATCH_PATTERN = re.compile(r"^(?:customers|transactions)_(?P<batch>[^_.]+)")


def batch_id_of(path: Path | str) -> str:
    """The batch a file belongs to: the token after the feed prefix (`transactions_20250630_001` → 20250630)."""
    name = Path(path).name
    match = _BATCH_PATTERN.match(name)
    return match.group("batch") if match else Path(name).stem


def raw_table_of(path: Path | str) -> RawTable | None:
    """The feed a file name belongs to (by prefix), whatever its extension; None for a name outside the layout."""
    name = Path(path).name
    for raw in RAW_TABLES:
        if name.startswith(f"{raw.prefix}_"):
            return raw
    return None


def discover_files(source: Path) -> list[Path]:
    """Raw files in a local directory (the client side of landing), in delivery (name) order."""
    if not source.is_dir():
        raise FileNotFoundError(f"raw source directory {source} does not exist")
    return sorted(p for p in source.iterdir()
                  if p.is_file() and raw_table_of(p) is not None and p.suffix.lower() in RAW_EXTENSIONS)


def feed_of(landed: engine.LandedFile) -> RawTable | None:
    """The feed of a landed file: its folder on the stage and its name agree (`customers/customers_….csv`)."""
    folder = landed.name.split("/", 1)[0] if "/" in landed.name else ""
    raw = raw_table_of(landed.file_name)
    return raw if raw is not None and raw.prefix == folder else None


def landing_stage(cfg: PipelineConfig) -> str:
    """The landing stage: `@<DB>.BRONZE.LANDING` (sql/00_setup.sql creates it on an account)."""
    return f"@{cfg.schema('BRONZE')}.{LANDING_STAGE}"


# --- landing (client side) ------------------------------------------------------------------------

@dataclass
class LandingReport:
    """What landing a directory did: files put on the stage, files already there, files outside the layout."""

    source: Path
    landed: list[str] = field(default_factory=list)
    already_landed: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"landed {len(self.landed)} file(s) from {self.source} on the landing stage, "
                f"{len(self.already_landed)} already there")
        if self.ignored:
            text += (f"; ignored {len(self.ignored)} not in the raw layout (customers_<BATCH>.csv|parquet, "
                     f"transactions_<BATCH>[_<PART>].csv|parquet): {', '.join(self.ignored)}")
        return text


def land_directory(session: Session, cfg: PipelineConfig, source: Path | None = None) -> LandingReport:
    """Land a directory's raw files on `@<DB>.BRONZE.LANDING/<feed>/` (default: the config's raw directory)."""
    source = Path(source) if source is not None else cfg.raw_dir
    files = discover_files(source)
    report = LandingReport(source)
    report.ignored = sorted(p.name for p in source.iterdir()
                            if p.is_file() and p not in files and p.name != "manifest.json" and not p.name.startswith("."))
    for raw in RAW_TABLES:
        mine = [p for p in files if raw_table_of(p) is raw]
        if mine:
            landed, present = engine.land_files(session, mine, f"{landing_stage(cfg)}/{raw.prefix}")
            report.landed += landed
            report.already_landed += present
    return report


# --- reading a landed file ------------------------------------------------------------------------

def header_of(session: Session, stage: str, landed: engine.LandedFile) -> list[str]:
    """The column names a landed file declares (CSV header row, Parquet schema); refuses a file that has none."""
    name = landed.file_name
    kind = Path(name).suffix.lstrip(".").upper()
    if Path(name).suffix.lower() not in RAW_EXTENSIONS:
        raise FileRefused(f"{name}: not a CSV or Parquet file; deliver customers/transactions files as .csv or .parquet")
    if landed.size == 0:
        raise FileRefused(f"{name}: the file is empty (a {kind} file needs a header row); deliver it again with its rows")
    if kind == "PARQUET":
        try:
            return engine.landed_parquet_columns(session, stage, landed.name)
        except engine.UnreadableFile as error:
            raise FileRefused(f"{name}: cannot be read as PARQUET ({error}); deliver a valid Parquet file") from None
    head = engine.read_landed_head(session, stage, landed.name)
    first = head.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(f"{name}: the header row is not UTF-8 text (is it a CSV file?); "
                          "save the file as UTF-8 CSV with a header row") from None
    header = [column.strip().strip('"') for column in text.split(",")]
    if not any(header):
        raise FileRefused(f"{name}: the first line is empty; a CSV file needs a header row naming its columns")
    return header


def column_mapping(name: str, header: list[str], raw: RawTable) -> dict[str, str | None]:
    """Each bronze column and the file column it comes from (None: optional and absent); refuses missing columns."""
    declared: dict[str, str] = {}
    for column in header:
        declared.setdefault(str(column).strip().lower(), column)
    missing = [c for c in raw.required if c not in declared]
    if missing:
        raise FileRefused(
            f"{name}: missing required column(s) {', '.join(missing)} "
            f"(a {raw.prefix} file needs: {', '.join(raw.required)}); add the column(s) to the header and deliver it again"
        )
    return {c.upper(): declared.get(c) for c in raw.columns}


def loaded_files(warehouse: Warehouse) -> pd.DataFrame:
    if not warehouse.exists("OPS", "LOADED_FILES"):
        return pd.DataFrame(columns=[f.name for f in LOADED_FILES_SCHEMA.fields])
    return warehouse.to_pandas("OPS", "LOADED_FILES")


def ensure_tables(warehouse: Warehouse) -> None:
    """The bronze tables, created empty when missing (on an account sql/04_tables.sql creates them first)."""
    for raw in RAW_TABLES:
        if not warehouse.exists("BRONZE", raw.table):
            warehouse.write_pandas(pd.DataFrame(columns=raw.schema.names), raw.schema, "BRONZE", raw.table, mode="append")
    if not warehouse.exists("BRONZE", "RAW_REJECTS"):
        warehouse.write_pandas(pd.DataFrame(columns=RAW_REJECTS_SCHEMA.names), RAW_REJECTS_SCHEMA,
                               "BRONZE", "RAW_REJECTS", mode="append")
    if warehouse.exists("OPS", "LOADED_FILES"):
        names = {f.name.strip('"').upper() for f in warehouse.read("OPS", "LOADED_FILES").schema.fields}
        if "ROWS_REJECTED" not in names:  # a ledger from before row-level quarantine
            warehouse.session.sql(
                f"ALTER TABLE {warehouse.name('OPS', 'LOADED_FILES')} ADD COLUMN ROWS_REJECTED NUMBER(38, 0)"
            ).collect()


def _quarantine_summary(warehouse: Warehouse, file_name: str, limit: int = 3) -> str:
    """The first quarantined rows of a file, as `line 14: wrong_field_count`."""
    from snowflake.snowpark import functions as F

    rows = (warehouse.read("BRONZE", "RAW_REJECTS").filter(F.col("FILE_NAME") == F.lit(file_name))
            .sort("LINE_NUMBER").select("LINE_NUMBER", "REJECT_REASON").limit(limit).collect())
    return ", ".join(f"line {r['LINE_NUMBER']}: {r['REJECT_REASON']}" for r in rows)


def run_ingest_bronze(session: Session, cfg: PipelineConfig) -> StepResult:
    """Load every new file on the landing stage into BRONZE.RAW_*, quarantining malformed rows."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    loaded_at = datetime.now().replace(microsecond=0)
    ensure_tables(warehouse)
    seen = loaded_files(warehouse)
    already = set(zip(seen["FILE_NAME"], seen["CHECKSUM"]))
    stage = landing_stage(cfg)
    landed = [f for f in engine.list_landed(session, stage) if feed_of(f) is not None]
    ledger: list[dict] = []
    counts: dict[str, int] = {raw.table: 0 for raw in RAW_TABLES}
    quarantined_total = 0
    refused: list[str] = []
    lines: list[str] = []
    skipped = 0
    for landed_file in sorted(landed, key=lambda f: f.file_name):
        name = landed_file.file_name
        raw = raw_table_of(name)
        if (name, landed_file.checksum) in already:
            skipped += 1
            continue
        entry = {"FILE_NAME": name, "CHECKSUM": landed_file.checksum, "TARGET_TABLE": raw.table,
                 "BATCH_ID": batch_id_of(name), "LOADED_AT": loaded_at}
        try:
            header = header_of(session, stage, landed_file)
            columns = column_mapping(name, header, raw)
            if name.lower().endswith(".parquet"):
                odd = [c for c in columns.values() if c is not None and not re.fullmatch(r"[A-Za-z0-9_ ]+", c)]
                if odd:
                    raise FileRefused(f"{name}: column name(s) {', '.join(map(repr, odd))} hold characters other "
                                      "than letters, digits, _ and spaces; rename them")
            metadata = {"_BATCH_ID": entry["BATCH_ID"], "_SOURCE": name, "_LOADED_AT": loaded_at}
            outcome = engine.load_file(session, stage, landed_file.name, warehouse.name("BRONZE", raw.table),
                                       columns, header, metadata, warehouse.name("BRONZE", "RAW_REJECTS"))
        except (FileRefused, engine.UnreadableFile) as error:
            reason = str(error) if isinstance(error, FileRefused) else (
                f"{name}: cannot be parsed as {Path(name).suffix.lstrip('.').upper()}: {error}")
            refused.append(reason)
            ledger.append({**entry, "ROWS_LOADED": 0, "ROWS_REJECTED": 0, "STATUS": "REFUSED", "MESSAGE": reason})
            continue
        counts[raw.table] += outcome.rows_loaded
        quarantined_total += outcome.rows_rejected
        read = outcome.rows_loaded + outcome.rows_rejected
        line = f"{name}: {read:,} read = {outcome.rows_loaded:,} loaded + {outcome.rows_rejected:,} quarantined"
        if outcome.rows_rejected:
            line += f" ({_quarantine_summary(warehouse, name)})"
        lines.append(line)
        ledger.append({**entry, "ROWS_LOADED": outcome.rows_loaded, "ROWS_REJECTED": outcome.rows_rejected,
                       "STATUS": "LOADED", "MESSAGE": line})
    if ledger:
        warehouse.write_pandas(pd.DataFrame(ledger), LOADED_FILES_SCHEMA, "OPS", "LOADED_FILES", mode="append")
    loaded = sum(counts.values())
    files_loaded = sum(1 for e in ledger if e["STATUS"] == "LOADED")
    message = (f"{files_loaded} file(s) loaded: {loaded + quarantined_total:,} rows read = {loaded:,} loaded + "
               f"{quarantined_total:,} quarantined; {skipped} already loaded")
    if not landed:
        message = f"no files on {stage}: land raw files with `c360 load DIR` (or `c360 run --source DIR`)"
    if lines:
        message += " | " + " | ".join(lines)
    if refused:
        message += f" | {len(refused)} file(s) refused: " + " | ".join(refused)
    return StepResult(
        "ingest_bronze",
        status="warning" if refused else "succeeded",
        rows_in=loaded + quarantined_total,
        rows_out=loaded,
        rows_rejected=quarantined_total,
        seconds=time.perf_counter() - started,
        message=message,
        details={"rows_by_table": counts, "rows_quarantined": quarantined_total, "refused_files": refused,
                 "files_loaded": files_loaded, "files_skipped": skipped},
    )


def refused_files(warehouse: Warehouse) -> list[tuple[str, str]]:
    """Files refused whole and not loaded since under the same name: (file, reason), in name order."""
    ledger = loaded_files(warehouse)
    if ledger.empty:
        return []
    loaded = set(ledger.loc[ledger["STATUS"] == "LOADED", "FILE_NAME"])
    refused = ledger[(ledger["STATUS"] == "REFUSED") & ~ledger["FILE_NAME"].isin(loaded)]
    latest = refused.sort_values("LOADED_AT").groupby("FILE_NAME").tail(1).sort_values("FILE_NAME")
    return list(zip(latest["FILE_NAME"], latest["MESSAGE"]))
