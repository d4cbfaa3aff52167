"""Ingest as a landing zone: files land on the stage, the procedure loads new ones row by row, bad rows are quarantined."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from c360_pipeline import engine
from c360_pipeline.contracts import contract_for
from c360_pipeline.steps import ingest as ingest_steps
from c360_pipeline.steps import stage as stage_steps
from c360_pipeline.transforms import silver

DIRTY = Path(__file__).resolve().parents[1] / "data" / "dirty"
TRANSACTION_HEADER = list(ingest_steps.TRANSACTION_COLUMNS)
CUSTOMER_HEADER = list(ingest_steps.CUSTOMER_COLUMNS)


def txn(tid: str, cid: str = "CUST00000001") -> list[str]:
    return [tid, cid, "2025-06-01 10:00:00", "25.00", "Corner Market", "Grocery Stores", "Online", "approved"]


def customer(cid: str) -> list[str]:
    return [cid, "Ada", "Lovelace", f"{cid.lower()}@example.com", "36", "CA", "Austin", "Employed", "Standard",
            "5000.00", "2024-01-01", "", "", "2024-01-01 00:00:00"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture()
def raw_cfg(cfg, tmp_path):
    return cfg.model_copy(update={"source": tmp_path / "raw", "as_of": date(2025, 6, 30)})


def ingest_and_stage(session, cfg):
    ingest_steps.land_directory(session, cfg)
    return ingest_steps.run_ingest_bronze(session, cfg), stage_steps.run_stage_silver(session, cfg)


def test_landed_files_load_once_and_a_second_run_loads_nothing(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250630.csv", CUSTOMER_HEADER, [customer("CUST00000001")])
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1"), txn("T-2")])

    report = ingest_steps.land_directory(session, raw_cfg)
    assert sorted(report.landed) == ["customers_20250630.csv", "transactions_20250630_001.csv"]
    names = [f.name for f in engine.list_landed(session, ingest_steps.landing_stage(raw_cfg))]
    assert names == ["customers/customers_20250630.csv", "transactions/transactions_20250630_001.csv"]
    # The procedure reads the stage, never the directory the client landed from.
    shutil.rmtree(raw_cfg.source)
    first = ingest_steps.run_ingest_bronze(session, raw_cfg)
    assert (first.rows_in, first.rows_out, first.details["files_loaded"]) == (3, 3, 2)

    raw_cfg.source.mkdir()
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1"), txn("T-2")])
    again = ingest_steps.land_directory(session, raw_cfg)
    second = ingest_steps.run_ingest_bronze(session, raw_cfg)

    assert again.landed == [] and again.already_landed == ["transactions_20250630_001.csv"]
    assert (second.rows_in, second.details["files_skipped"]) == (0, 2)
    assert warehouse.read("BRONZE", "RAW_TRANSACTIONS").count() == 2
    ledger = warehouse.to_pandas("OPS", "LOADED_FILES")
    assert sorted(ledger["FILE_NAME"]) == ["customers_20250630.csv", "transactions_20250630_001.csv"]


def test_a_twenty_field_row_is_quarantined_with_its_line_and_every_other_row_loads(session, raw_cfg, warehouse):
    rows = [txn(f"T-{i:03d}") for i in range(1, 11)]
    path = write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, rows)
    text = path.read_text().splitlines()
    text.insert(6, ",".join(["T-bad"] + ["x"] * 19))  # line 7 of the file: data row 6
    path.write_text("\n".join(text) + "\n")
    write_csv(raw_cfg.source / "customers_20250630.csv", CUSTOMER_HEADER, [customer("CUST00000001")])

    ingest, stage = ingest_and_stage(session, raw_cfg)

    assert ingest.status == "succeeded" and (ingest.rows_in, ingest.rows_out, ingest.rows_rejected) == (12, 11, 1)
    assert "transactions_20250630_001.csv: 11 read = 10 loaded + 1 quarantined (line 7: wrong_field_count)" in ingest.message
    loaded = warehouse.to_pandas("BRONZE", "RAW_TRANSACTIONS").set_index("TRANSACTION_ID")
    assert sorted(loaded.index) == [f"T-{i:03d}" for i in range(1, 11)]
    # Rows keep their number in the file: the row after the quarantined one is data row 7.
    assert loaded.loc["T-005", "_ROW_NUMBER"] == 5 and loaded.loc["T-006", "_ROW_NUMBER"] == 7
    quarantined = warehouse.to_pandas("BRONZE", "RAW_REJECTS").iloc[0]
    assert (quarantined["LINE_NUMBER"], quarantined["ROW_NUMBER"], quarantined["REJECT_REASON"]) == (7, 6, "wrong_field_count")
    assert quarantined["RAW_TEXT"].startswith("T-bad,x,x") and quarantined["TARGET_TABLE"] == "RAW_TRANSACTIONS"
    rejected = warehouse.to_pandas("SILVER", "REJECTED_RECORDS").iloc[0]
    assert (rejected["SOURCE_FILE"], rejected["ROW_NUMBER"], rejected["REJECT_REASON"]) == (
        "transactions_20250630_001.csv", 6, "wrong_field_count")
    assert rejected["RAW_PAYLOAD"].startswith("line 7: T-bad,x")
    assert stage.details["transactions"] == {"raw": 11, "staged": 10, "duplicates": 0, "rejected": 1}
    assert "11 read = 10 staged + 0 duplicates + 1 rejected (1 quarantined at ingest)" in stage.message


def test_quarantined_text_is_truncated_and_safely_encoded(session, raw_cfg, warehouse):
    path = write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1")])
    with path.open("ab") as handle:
        handle.write(b"T-junk,\x00\x07\xff" + b"y" * 3000 + b"\n")

    ingest_steps.land_directory(session, raw_cfg)
    ingest_steps.run_ingest_bronze(session, raw_cfg)

    text = warehouse.to_pandas("BRONZE", "RAW_REJECTS").iloc[0]["RAW_TEXT"]
    assert len(text) == engine.RAW_TEXT_LIMIT and text.startswith("T-junk,??")
    assert not any(ord(c) < 32 for c in text)


def test_a_file_missing_a_column_is_refused_whole_and_stage_silver_says_which_and_why(session, raw_cfg, warehouse):
    header = [c for c in TRANSACTION_HEADER if c != "channel"]
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", header, [txn("T-1")[:6] + ["approved"]])

    ingest, stage = ingest_and_stage(session, raw_cfg)

    assert ingest.status == "warning" and ingest.details["refused_files"]
    assert "1 file(s) refused: transactions_20250630_001.csv: missing required column(s) channel" in ingest.message
    ledger = warehouse.to_pandas("OPS", "LOADED_FILES").set_index("FILE_NAME")
    assert ledger.loc["transactions_20250630_001.csv", "STATUS"] == "REFUSED"
    assert "channel" in ledger.loc["transactions_20250630_001.csv", "MESSAGE"]
    assert stage.status == "warning"
    assert "ingest refused 1 file(s)" in stage.message and "transactions_20250630_001.csv" in stage.message
    assert "missing required column(s) channel" in stage.message and "c360 load" in stage.message
    assert "run `c360 run` to build it" not in stage.message


def test_stage_silver_before_any_ingest_names_what_to_do(session, raw_cfg):
    with pytest.raises(LookupError, match=r"ingest_bronze has not run on this database.*c360 load DIR"):
        stage_steps.run_stage_silver(session, raw_cfg)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("transactions_20250630_901.csv", "missing required column(s) channel"),
        ("transactions_20250630_902.csv", "the file is empty"),
        ("transactions_20250630_903.csv", "not UTF-8 text"),
    ],
)
def test_files_that_cannot_be_c360_files_are_refused_with_the_reason(session, raw_cfg, warehouse, name, reason):
    raw_cfg.source.mkdir(parents=True)
    shutil.copy(DIRTY / "refused" / name, raw_cfg.source / name)

    ingest, _ = ingest_and_stage(session, raw_cfg)

    assert ingest.status == "warning" and len(ingest.details["refused_files"]) == 1
    assert ingest.details["refused_files"][0].startswith(f"{name}: ") and reason in ingest.details["refused_files"][0]
    assert warehouse.read("BRONZE", "RAW_TRANSACTIONS").count() == 0


def test_every_record_of_the_dirty_corpus_is_staged_duplicate_or_rejected_by_its_rule(session, raw_cfg, warehouse):
    raw_cfg.source.mkdir(parents=True)
    for path in DIRTY.glob("*_*.csv"):
        shutil.copy(path, raw_cfg.source / path.name)
    expected = pd.read_csv(DIRTY / "expected.csv")

    ingest, stage = ingest_and_stage(session, raw_cfg)

    got = {}
    for raw, staged_table in (("RAW_CUSTOMERS", "STG_CUSTOMERS"), ("RAW_TRANSACTIONS", "STG_TRANSACTIONS")):
        loaded = warehouse.to_pandas("BRONZE", raw)
        staged_ids = set(warehouse.to_pandas("SILVER", staged_table)["_RECORD_ID"])
        for source, row_number, record_id in zip(loaded["_SOURCE"], loaded["_ROW_NUMBER"], loaded["_RECORD_ID"]):
            got[(source, int(row_number))] = "staged" if record_id in staged_ids else "duplicate"
    for row in warehouse.to_pandas("SILVER", "REJECTED_RECORDS").itertuples(index=False):
        key = (row.SOURCE_FILE, int(row.ROW_NUMBER))
        assert got.get(key, "duplicate") == "duplicate", f"{key} both staged and rejected"
        got[key] = row.REJECT_REASON
    want = {(r.file, int(r.row_number)): r.outcome for r in expected.itertuples(index=False)}
    mismatches = {key: (want.get(key), got.get(key)) for key in {*want, *got} if want.get(key) != got.get(key)}
    assert mismatches == {}
    # One file per malformed-row kind and every silver rule: the corpus covers all of them.
    covered = set(want.values())
    assert set(ingest_steps.INGEST_RULES) - {engine.MALFORMED_ROW} <= covered
    assert {rule.name for rule in silver.transaction_rules(raw_cfg.as_of)} | {"unknown_customer"} <= covered
    assert {rule.name for rule in silver.customer_rules()} <= covered
    assert ingest.rows_in == len(want) and stage.rows_in == len(want)


def test_batch_accounting_adds_up_and_the_quality_check_catches_a_batch_that_does_not(session, raw_cfg, warehouse):
    raw_cfg.source.mkdir(parents=True)
    for path in DIRTY.glob("*_*.csv"):
        shutil.copy(path, raw_cfg.source / path.name)
    ingest_and_stage(session, raw_cfg)

    accounting = warehouse.to_pandas("OPS", "BATCH_ACCOUNTING").set_index("SOURCE_TABLE")
    transactions = accounting.loc["RAW_TRANSACTIONS"]
    assert transactions["ROWS_READ"] == 16 + 9 + 3
    assert transactions["ROWS_READ"] == transactions["ROWS_STAGED"] + transactions["ROWS_DUPLICATE"] + transactions["ROWS_REJECTED"]
    assert (transactions["ROWS_STAGED"], transactions["ROWS_DUPLICATE"], transactions["ROWS_QUARANTINED"]) == (10, 1, 5)
    check = next(c for c in contract_for("OPS", "BATCH_ACCOUNTING").checks() if c.name.endswith("read_equals_staged_duplicates_rejected"))
    assert check.failing_rows(warehouse.read("OPS", "BATCH_ACCOUNTING"), warehouse.read) == 0

    # A staged row lost after the count: the accounting no longer matches the table.
    session.sql(f"DELETE FROM {warehouse.name('SILVER', 'STG_TRANSACTIONS')} WHERE TRANSACTION_ID = 'T-101'").collect()
    assert check.failing_rows(warehouse.read("OPS", "BATCH_ACCOUNTING"), warehouse.read) == 1


# --- the Snowflake branch, without an account ---------------------------------------------------


class _Row:
    def __init__(self, **values):
        self.values = values

    def as_dict(self):
        return dict(self.values)


class FakeSnowflakeSession:
    """Stands in for a Snowflake session (a live account cannot exist here): records every statement and PUT,
    and answers LIST, COPY and INSERT the way Snowflake's result sets are shaped."""

    _conn = None

    def __init__(self, landed: dict[str, bytes], copy_errors: int = 0):
        self.statements: list[str] = []
        self.puts: list[tuple[str, str, dict]] = []
        self.landed = landed
        self.copy_errors = copy_errors
        self.file = self

    def put(self, local, stage, **options):
        self.puts.append((local, stage, options))
        return [type("PutResult", (), {"status": "UPLOADED", "target": Path(local).name})()]

    def get_stream(self, path):
        return io.BytesIO(self.landed[path.split("/", 1)[1]])

    def sql(self, text):
        self.statements.append(text)
        return self

    def collect(self):
        last = self.statements[-1]
        if last.startswith("LIST"):
            return [_Row(name=f"landing/{n}", size=len(b), md5="md5-" + n, last_modified="") for n, b in self.landed.items()]
        if last.startswith("COPY INTO") and "C360_VALIDATE_" not in last:
            return [_Row(file="f", status="PARTIALLY_LOADED" if self.copy_errors else "LOADED",
                         rows_parsed=3, rows_loaded=3 - self.copy_errors, errors_seen=self.copy_errors)]
        if last.startswith("INSERT INTO"):
            return [_Row(**{"number of rows inserted": self.copy_errors})]
        return []


def test_snowflake_lands_with_put_and_loads_with_copy_on_error_continue_then_validate(tmp_path):
    source = write_csv(tmp_path / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1")])
    fake = FakeSnowflakeSession({"transactions/transactions_20250630_001.csv": source.read_bytes()}, copy_errors=1)

    assert engine.land_files(fake, [source], "@C360.BRONZE.LANDING/transactions") == (["transactions_20250630_001.csv"], [])
    assert fake.puts == [(str(source), "@C360.BRONZE.LANDING/transactions", {"auto_compress": False, "overwrite": False})]
    landed = engine.list_landed(fake, "@C360.BRONZE.LANDING")
    assert [f.name for f in landed] == ["transactions/transactions_20250630_001.csv"]
    header = ingest_steps.header_of(fake, "@C360.BRONZE.LANDING", landed[0])
    columns = ingest_steps.column_mapping(landed[0].file_name, header, ingest_steps.RAW_TABLES[1])
    outcome = engine.load_file(fake, "@C360.BRONZE.LANDING", landed[0].name, "C360.BRONZE.RAW_TRANSACTIONS", columns,
                               header, {"_BATCH_ID": "20250630", "_SOURCE": landed[0].file_name},
                               "C360.BRONZE.RAW_REJECTS")

    assert outcome == engine.LoadOutcome(rows_loaded=2, rows_rejected=1)
    copy, create, validate_copy, insert, drop = fake.statements[1:]
    assert copy.startswith('COPY INTO C360.BRONZE.RAW_TRANSACTIONS ("TRANSACTION_ID", ')
    assert "METADATA$FILE_ROW_NUMBER FROM @C360.BRONZE.LANDING/transactions/transactions_20250630_001.csv)" in copy
    assert "_RECORD_ID" not in copy  # filled by the column's sequence default (sql/04_tables.sql)
    assert "ON_ERROR = CONTINUE" in copy and "ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE" in copy
    assert create.startswith("CREATE TEMPORARY TABLE C360.BRONZE.C360_VALIDATE_") and "C8 VARCHAR" in create
    assert validate_copy.startswith("COPY INTO C360.BRONZE.C360_VALIDATE_") and "ON_ERROR = CONTINUE" in validate_copy
    assert insert.startswith('INSERT INTO C360.BRONZE.RAW_REJECTS ("FILE_NAME", "TARGET_TABLE"')
    assert "FROM TABLE(VALIDATE(C360.BRONZE.C360_VALIDATE_" in insert and "JOB_ID => '_last'" in insert
    assert "LEFT(TRANSLATE(" in insert and drop.startswith("DROP TABLE IF EXISTS C360.BRONZE.C360_VALIDATE_")
    import sqlglot

    for statement in (copy, insert):
        sqlglot.parse_one(statement, read="snowflake")  # Snowflake SQL, as the account parses it


def test_snowflake_copy_of_a_clean_file_sends_no_validation(tmp_path):
    source = write_csv(tmp_path / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1")])
    fake = FakeSnowflakeSession({"transactions/transactions_20250630_001.csv": source.read_bytes()})
    columns = ingest_steps.column_mapping(source.name, TRANSACTION_HEADER, ingest_steps.RAW_TABLES[1])

    outcome = engine.load_file(fake, "@C360.BRONZE.LANDING", "transactions/" + source.name, "C360.BRONZE.RAW_TRANSACTIONS",
                               columns, TRANSACTION_HEADER, {"_SOURCE": source.name}, "C360.BRONZE.RAW_REJECTS")

    assert outcome == engine.LoadOutcome(3, 0) and len(fake.statements) == 1
