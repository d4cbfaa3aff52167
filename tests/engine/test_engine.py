"""The local engine: Snowpark over DuckDB through fakesnow, each gap shim tested against Snowflake's documented behaviour."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline import engine
from c360_pipeline.engine import fakesnow_adapter as adapter

SCHEMA = StructType([
    StructField("ID", StringType()),
    StructField("AMOUNT", DecimalType(12, 2)),
    StructField("N", LongType()),
    StructField("AT", TimestampType()),
    StructField("DAY", DateType()),
    StructField("FLAG", BooleanType()),
    StructField("SHARE", DoubleType()),
])
ROWS = pd.DataFrame({
    "ID": ["a", "b", None],
    "AMOUNT": [1.50, 2.25, None],
    "N": [1, 2, None],
    "AT": [datetime(2025, 1, 1, 10), None, datetime(2025, 2, 1)],
    "DAY": [date(2025, 1, 1), None, date(2025, 3, 1)],
    "FLAG": [True, False, None],
    "SHARE": [0.5, None, 1.0],
})


@pytest.fixture()
def table(session):
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    engine.load_pandas(session, ROWS, SCHEMA, "C360.GOLD.T")
    return session.table("C360.GOLD.T")


def test_load_pandas_keeps_the_snowflake_types_and_nulls(table):
    assert table.schema.names == SCHEMA.names
    assert [type(f.datatype) for f in table.schema.fields] == [type(f.datatype) for f in SCHEMA.fields]
    rows = {r["ID"]: r for r in table.collect()}
    assert rows["a"]["AMOUNT"] == Decimal("1.50") and rows["a"]["AT"] == datetime(2025, 1, 1, 10)
    assert rows["b"]["AT"] is None and rows["b"]["DAY"] is None and rows["b"]["FLAG"] is False
    assert rows[None]["N"] is None


def test_load_pandas_appends(session, table):
    engine.load_pandas(session, ROWS, SCHEMA, "C360.GOLD.T", mode="append")
    assert table.count() == 6


def test_create_dataframe_from_values_uses_positional_columns(session):
    """Snowpark's create_dataframe compiles to SELECT $1, $2 FROM VALUES (…) (shim positional_values_columns)."""
    frame = session.create_dataframe([[1, "x"], [2, "y"]], schema=["K", "V"])
    assert sorted(tuple(r) for r in frame.collect()) == [(1, "x"), (2, "y")]


def test_cache_result_makes_a_temporary_table_in_the_session(session, table):
    """cache_result creates a SCOPED TEMPORARY table named with database and schema (shims scoped_temporary,
    Connection.temporary_table_names); it is readable, and gone from the database after the session."""
    cached = table.filter(F.col("N") > 1).cache_result()
    assert [r["ID"] for r in cached.collect()] == ["b"]
    names = {r[0] for r in engine.bulk_connection(session).execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'C360'").fetchall()}
    assert not any(n.startswith("SNOWPARK_TEMP") for n in names)


def test_merge_updates_and_inserts(session, table):
    """Table.merge's USING subquery has no alias (shim aliased_merge_source)."""
    source = session.create_dataframe([["a", 9.99], ["z", 1.0]], schema=["SOURCE_ID", "SOURCE_AMOUNT"])
    result = table.merge(source, table["ID"] == source["SOURCE_ID"], [
        F.when_matched().update({"AMOUNT": source["SOURCE_AMOUNT"]}),
        F.when_not_matched().insert({"ID": source["SOURCE_ID"], "AMOUNT": source["SOURCE_AMOUNT"]}),
    ])
    assert (result.rows_updated, result.rows_inserted) == (1, 1)
    amounts = {r["ID"]: r["AMOUNT"] for r in table.collect()}
    assert amounts["a"] == Decimal("9.99") and amounts["z"] == Decimal("1.00")


def test_update_from_a_source_and_delete(session, table):
    source = session.create_dataframe([["b", 7]], schema=["SOURCE_ID", "NEW_N"])
    table.update({"N": source["NEW_N"]}, table["ID"] == source["SOURCE_ID"], source)
    assert {r["ID"]: r["N"] for r in table.collect()}["b"] == 7
    table.delete(table["ID"] == "a")
    assert table.count() == 2


def test_sum_of_money_stays_a_number_not_a_float(table):
    """Snowflake: SUM(NUMBER(12,2)) is NUMBER(38,2); fakesnow would cast to DOUBLE (keep_numeric_aggregate_types)."""
    totals = table.agg(F.sum("AMOUNT").alias("TOTAL"), F.sum("N").alias("COUNT"))
    assert isinstance(totals.schema["TOTAL"].datatype, DecimalType) and totals.schema["TOTAL"].datatype.scale == 2
    assert isinstance(totals.schema["COUNT"].datatype, LongType)
    assert totals.collect()[0]["TOTAL"] == Decimal("3.75")


def test_hash_is_a_signed_64_bit_integer(session):
    """Snowflake's HASH returns a signed 64-bit integer; DuckDB's hash is unsigned (shim signed_hash)."""
    values = [r["H"] for r in session.sql(
        "SELECT HASH(v) AS H FROM (SELECT 'a' AS v UNION ALL SELECT 'b' UNION ALL SELECT 'c' UNION ALL SELECT 'd')"
    ).collect()]
    assert all(-(2**63) <= v < 2**63 for v in values)
    assert any(v < 0 for v in values) or any(v > 0 for v in values)
    assert session.sql("SELECT HASH('a') AS H").collect()[0]["H"] == session.sql("SELECT HASH('a') AS H").collect()[0]["H"]


@pytest.mark.parametrize("function", ["try_to_timestamp", "try_to_date"])
def test_try_conversions_without_a_format_give_null_for_bad_text(session, function):
    """Snowflake's TRY_ functions return NULL for text they cannot read (shims one_argument_try_conversions,
    keep_try_cast_timestamps)."""
    frame = session.create_dataframe([["2025-03-04"], ["31/02/2024"], ["not a date"]], schema=["T"])
    values = [r["V"] for r in frame.select(F.call_function(function, F.col("T")).alias("V")).collect()]
    assert values[0] is not None and values[0].year == 2025 and values[1:] == [None, None]


def test_try_cast_to_timestamp_gives_null_for_bad_text(session):
    frame = session.create_dataframe([["2025-03-04 10:00:00"], ["garbage"]], schema=["T"])
    values = [r["V"] for r in frame.select(F.col("T").try_cast(TimestampType()).alias("V")).collect()]
    assert values == [datetime(2025, 3, 4, 10), None]


def test_schema_of_a_union_is_described(session):
    """Snowpark describes a union as DESCRIBE (SELECT …) UNION ALL (SELECT …) (shim describe_parenthesised_query)."""
    one = session.create_dataframe([[1]], schema=["K"])
    both = one.union_all(session.create_dataframe([[2]], schema=["K"]))
    assert both.schema.names == ["K"] and sorted(r["K"] for r in both.collect()) == [1, 2]


def test_save_as_table_of_a_query_with_functions_fakesnow_renders_differently(session):
    """A typed CTAS over SELECT * expands the star in DuckDB's dialect (shim typed_create_table_as_star)."""
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    frame = session.create_dataframe([["20250304"]], schema=["KEY"]).select(
        F.to_date(F.col("KEY"), "YYYYMMDD").alias("DAY"))
    frame.write.save_as_table("C360.GOLD.DAYS", mode="overwrite")
    assert session.table("C360.GOLD.DAYS").collect()[0]["DAY"] == date(2025, 3, 4)


def test_append_to_a_table_that_does_not_exist_creates_it(session):
    """Snowpark's append writes CREATE TABLE t IF NOT EXISTS (shim if_not_exists_after_table_name)."""
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.OPS").collect()
    session.create_dataframe([[1]], schema=["K"]).write.save_as_table("C360.OPS.NEW_TABLE", mode="append")
    session.create_dataframe([[2]], schema=["K"]).write.save_as_table("C360.OPS.NEW_TABLE", mode="append")
    assert session.table("C360.OPS.NEW_TABLE").count() == 2


def test_to_pandas_types_numbers_as_the_connector_does(table):
    """The Snowflake connector gives NUMBER(p,s>0) as float64 and NUMBER(p,0) without NULLs as int64."""
    frame = table.filter(F.col("N").is_not_null()).select("AMOUNT", "N").to_pandas()
    assert str(frame["AMOUNT"].dtype) == "float64" and str(frame["N"].dtype) == "int64"


def test_session_close_is_clean(tmp_path: Path):
    """Snowpark cancels running queries at close (SYSTEM$CANCEL_ALL_QUERIES); the local engine answers it."""
    session = engine.local_session(tmp_path)
    session.sql("SELECT 1").collect()
    session.close()


def test_tables_persist_in_the_home_and_readers_open_read_only(tmp_path: Path):
    writer = engine.local_session(tmp_path)
    writer.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    engine.load_pandas(writer, ROWS, SCHEMA, "C360.GOLD.T")
    writer.close()
    assert engine.database_file(tmp_path).exists()
    reader = engine.reader_session(tmp_path)
    try:
        assert reader.table("C360.GOLD.T").count() == 3
        with pytest.raises(Exception):
            reader.sql("CREATE TABLE C360.GOLD.U (K INT)").collect()
    finally:
        reader.close()


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path: Path):
    writer = engine.local_session(tmp_path)
    try:
        with pytest.raises(engine.DatabaseBusy, match="in use"):
            engine.local_session(tmp_path)
    finally:
        writer.close()


def test_a_reader_without_a_database_is_told_to_run_first(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="c360 run"):
        engine.reader_session(tmp_path)


def test_procedures_run_their_handler_in_process_with_the_session(session):
    calls = []

    def handler(active, argument):
        calls.append(active)
        return json.dumps({"echo": json.loads(argument)})

    assert json.loads(engine.call_procedure(session, "C360.OPS.ANY_SP", handler, '{"x": 1}')) == {"echo": {"x": 1}}
    assert calls == [session]


def test_load_file_reads_a_landed_csv_as_text_with_row_numbers_and_record_ids(session, tmp_path: Path):
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.BRONZE").collect()
    target = StructType([StructField("A", StringType()), StructField("B", StringType()),
                         StructField("_SOURCE", StringType()), StructField("_ROW_NUMBER", LongType()),
                         StructField("_RECORD_ID", LongType())])
    engine.load_pandas(session, pd.DataFrame(columns=target.names), target, "C360.BRONZE.RAW")
    rejects = StructType([StructField(n, LongType() if n in {"LINE_NUMBER", "ROW_NUMBER", "_RECORD_ID"} else StringType())
                          for n in ("FILE_NAME", "TARGET_TABLE", "BATCH_ID", "LINE_NUMBER", "ROW_NUMBER", "REJECT_REASON",
                                    "REJECT_COLUMN", "ERROR_MESSAGE", "RAW_TEXT", "_RECORD_ID", "_LOADED_AT")])
    engine.load_pandas(session, pd.DataFrame(columns=rejects.names), rejects, "C360.BRONZE.RAW_REJECTS")
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"x, y"\n2,\n3,z\n', encoding="utf-8")
    assert engine.land_files(session, [path], "@C360.BRONZE.LANDING/feed") == (["f.csv"], [])
    assert [f.name for f in engine.list_landed(session, "@C360.BRONZE.LANDING")] == ["feed/f.csv"]
    loaded = engine.load_file(session, "@C360.BRONZE.LANDING", "feed/f.csv", "C360.BRONZE.RAW", {"A": "a", "B": "b"},
                              ["a", "b"], {"_SOURCE": "f.csv"}, "C360.BRONZE.RAW_REJECTS")
    assert loaded == engine.LoadOutcome(rows_loaded=3, rows_rejected=0)
    rows = sorted(tuple(r) for r in session.table("C360.BRONZE.RAW").collect())
    assert rows == [("1", "x, y", "f.csv", 1, 1), ("2", None, "f.csv", 2, 2), ("3", "z", "f.csv", 3, 3)]


def test_every_shim_names_its_gap():
    for shim in [*adapter.TEXT_SHIMS, *adapter.EXPRESSION_SHIMS]:
        assert shim.__doc__ and len(shim.__doc__.strip()) > 40, shim.__name__


def test_to_char_of_a_date_column_applies_the_format(session):
    """TO_CHAR(date_column, 'YYYY-MM') is the month label on Snowflake (shim to_char_with_a_date_format)."""
    frame = session.create_dataframe([[date(2024, 11, 5)]], schema=StructType([StructField("D", DateType())]))
    assert frame.select(F.to_char(F.col("D"), "YYYY-MM").alias("M")).collect()[0]["M"] == "2024-11"


def test_median_of_money_averages_the_two_middle_values(session):
    """Snowflake's MEDIAN of an even count is the mean of the two middle values, at more decimals than the input."""
    frame = session.create_dataframe([[Decimal("1.00")], [Decimal("1.25")]],
                                     schema=StructType([StructField("A", DecimalType(12, 2))]))
    assert float(frame.agg(F.median("A").alias("M")).collect()[0]["M"]) == 1.125


def test_duckdb_memory_is_bounded_by_default_and_configurable(tmp_path: Path, monkeypatch):
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    default = int(adapter.memory_limit().removesuffix("GB"))
    assert 1 <= default <= 8 and default * 1024**3 <= max(physical // 2, 1024**3)
    monkeypatch.setenv("C360_MEMORY_LIMIT", "1GB")
    writer = engine.local_session(tmp_path)
    try:
        limit = writer.sql("SELECT current_setting('memory_limit') AS L").collect()[0]["L"]
    finally:
        writer.close()
    assert limit.startswith("953.6") and "MiB" in limit  # DuckDB reports 1 GB (10^9 bytes) in MiB


def test_query_history_records_the_snowflake_sql_snowpark_sent(session):
    """session.query_history() shows the statement as an account would receive it, not fakesnow's DuckDB text."""
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    with session.query_history() as history:
        session.create_dataframe([[1]], schema=["N"]).write.save_as_table("C360.GOLD.QUERY_LOG", mode="overwrite")
    assert any(q.sql_text.strip().upper().startswith("CREATE  OR  REPLACE    TABLE  C360.GOLD.QUERY_LOG")
               for q in history.queries)


def test_duckdb_spills_next_to_the_database_not_into_the_working_directory(tmp_path: Path):
    writer = engine.local_session(tmp_path)
    try:
        spill = writer.sql("SELECT current_setting('temp_directory') AS D").collect()[0]["D"]
    finally:
        writer.close()
    assert Path(spill) == tmp_path / "C360.tmp"


def test_a_failed_overwrite_leaves_the_table_as_it_was(session, table):
    """INSERT OVERWRITE is one statement on Snowflake: when its query fails, the old rows stay
    (shim insert_overwrite_in_one_transaction; fakesnow runs it as a DELETE and an INSERT)."""
    name = table.table_name
    before = session.table(name).count()
    assert before > 0
    with pytest.raises(Exception):
        session.sql(f"INSERT OVERWRITE INTO {name} (N) SELECT CAST(column1 AS INT) FROM VALUES ('1'), ('x')").collect()
    assert session.table(name).count() == before
    session.sql(f"INSERT OVERWRITE INTO {name} (N) SELECT CAST(column1 AS INT) FROM VALUES ('1'), ('2')").collect()
    assert sorted(row["N"] for row in session.table(name).collect()) == [1, 2]


def test_a_repeated_read_is_translated_once_and_follows_a_temporary_table(session, table):
    """Identical read statements reuse their DuckDB translation (TranslationMemo), but never past a change
    that alters what the query reads: a temporary table of the same name shadows the permanent one, as on
    Snowflake, from the next statement on."""
    connection = session._conn._conn  # the fakesnow connection under Snowpark's
    query = "SELECT COUNT(*) AS N FROM C360.GOLD.T"
    assert session.sql(query).collect()[0]["N"] == 3
    entries = len(connection.translations)
    assert session.sql(query).collect()[0]["N"] == 3
    assert len(connection.translations) == entries  # the second run reused the first translation
    session.sql("CREATE TEMPORARY TABLE C360.GOLD.T (ID STRING)").collect()
    assert session.sql(query).collect()[0]["N"] == 0


def _translated(mocker):
    """Counts fakesnow's own translations of a statement (what TranslationStore saves a later connection)."""
    from fakesnow.cursor import FakeSnowflakeCursor

    return mocker.spy(FakeSnowflakeCursor, "_transform")


def _home_with_table(home: Path, counted: str) -> None:
    """A home whose C360.GOLD.T holds ROWS, counted once by a writer (so the count's translation is kept)."""
    writer = engine.local_session(home)
    writer.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    engine.load_pandas(writer, ROWS, SCHEMA, "C360.GOLD.T")
    assert writer.sql(counted).collect()[0]["N"] == 3
    writer.close()


def test_a_later_connection_of_the_home_reuses_a_read_translated_before(tmp_path: Path, mocker):
    """TranslationStore: a read translated by one run of a home is not translated again by the next run
    (a new connection, as a new process opens), and it answers the same; readers (the app) likewise."""
    query = "SELECT ID, AMOUNT * 2 AS DOUBLED FROM C360.GOLD.T WHERE N IS NOT NULL ORDER BY ID"
    expected = [("a", Decimal("3.00")), ("b", Decimal("4.50"))]
    writer = engine.local_session(tmp_path)
    writer.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    engine.load_pandas(writer, ROWS, SCHEMA, "C360.GOLD.T")
    assert [tuple(r) for r in writer.sql(query).collect()] == expected
    writer.close()
    assert (tmp_path / "C360.translations").exists()
    reader = engine.reader_session(tmp_path)
    assert [tuple(r) for r in reader.sql(query).collect()] == expected
    reader.close()
    spy = _translated(mocker)
    for opened in (engine.local_session, engine.reader_session):
        later = opened(tmp_path)
        try:
            if opened is engine.local_session:
                later.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()  # as each run does: the same current schema
            spy.reset_mock()
            assert [tuple(r) for r in later.sql(query).collect()] == expected
            assert spy.call_count == 0
        finally:
            later.close()


def test_a_qualified_read_is_reused_under_another_current_schema_and_an_unqualified_one_is_not(tmp_path: Path, mocker):
    """The current schema moves as a run creates schemas; a read naming every table by database and schema
    means the same under any, so its kept translation is reused (reads_no_current_schema), while a read
    naming a table by its name alone is translated again and reads the current schema's table."""
    qualified = "SELECT COUNT(*) AS N FROM C360.GOLD.T"
    unqualified = "SELECT COUNT(*) AS N FROM T"
    writer = engine.local_session(tmp_path)
    writer.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    engine.load_pandas(writer, ROWS, SCHEMA, "C360.GOLD.T")
    writer.sql("CREATE SCHEMA IF NOT EXISTS C360.SILVER").collect()
    writer.sql("CREATE TABLE C360.SILVER.T (ID STRING)").collect()
    writer.sql("USE SCHEMA C360.GOLD").collect()
    assert writer.sql(qualified).collect()[0]["N"] == 3
    assert writer.sql(unqualified).collect()[0]["N"] == 3
    writer.close()
    spy = _translated(mocker)
    later = engine.local_session(tmp_path)
    try:
        later.sql("USE SCHEMA C360.SILVER").collect()
        spy.reset_mock()
        assert later.sql(qualified).collect()[0]["N"] == 3
        assert spy.call_count == 0
        assert later.sql(unqualified).collect()[0]["N"] == 0
        assert spy.call_count >= 1
    finally:
        later.close()


def test_a_kept_translation_is_not_used_while_a_table_it_names_is_temporary(tmp_path: Path):
    """A temporary table shadows the permanent one of its name (as on Snowflake) in a later session too."""
    query = "SELECT COUNT(*) AS N FROM C360.GOLD.T"
    _home_with_table(tmp_path, query)
    later = engine.local_session(tmp_path)
    try:
        later.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
        later.sql("CREATE TEMPORARY TABLE C360.GOLD.T (ID STRING)").collect()
        assert later.sql(query).collect()[0]["N"] == 0
    finally:
        later.close()
    again = engine.local_session(tmp_path)
    try:
        again.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
        assert again.sql(query).collect()[0]["N"] == 3
    finally:
        again.close()


def test_a_damaged_or_foreign_translation_store_is_a_miss_not_an_error(tmp_path: Path, mocker):
    """The store is a cache: a file that is not SQLite, or entries of another fakesnow/sqlglot/duckdb or shim
    version, are translated afresh."""
    query = "SELECT COUNT(*) AS N FROM C360.GOLD.T"
    _home_with_table(tmp_path, query)
    mocker.patch.object(adapter, "translation_fingerprint", return_value="another version")
    spy = _translated(mocker)
    later = engine.local_session(tmp_path)
    try:
        later.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
        spy.reset_mock()
        assert later.sql(query).collect()[0]["N"] == 3
        assert spy.call_count >= 1
    finally:
        later.close()
    (tmp_path / "C360.translations").write_bytes(b"not a database at all")
    damaged = engine.local_session(tmp_path)
    try:
        assert damaged.sql(query).collect()[0]["N"] == 3
    finally:
        damaged.close()


def test_a_failed_read_is_not_remembered(session):
    """A statement that fails (a table not there yet) is translated again next time, and then succeeds."""
    session.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
    query = "SELECT COUNT(*) AS N FROM C360.GOLD.LATER"
    with pytest.raises(Exception):
        session.sql(query).collect()
    session.sql("CREATE TABLE C360.GOLD.LATER (ID STRING)").collect()
    assert session.sql(query).collect()[0]["N"] == 0


def test_a_landed_file_lists_with_the_md5_of_its_current_bytes(tmp_path: Path):
    """LIST's md5 on the local stage: remembered between runs, and read again when a file changes in place."""
    import hashlib
    import os

    from c360_pipeline.engine.sessions import local_session

    session = local_session(tmp_path / "home")
    try:
        source = tmp_path / "customers_20250630.csv"
        source.write_text("customer_id\nCUST00000001\n", encoding="utf-8")
        engine.land_files(session, [source], "@C360.BRONZE.LANDING")
        listed = engine.list_landed(session, "@C360.BRONZE.LANDING")
        assert [(f.name, f.checksum) for f in listed] == [("customers_20250630.csv", hashlib.md5(source.read_bytes()).hexdigest())]
        assert engine.list_landed(session, "@C360.BRONZE.LANDING") == listed

        staged = engine.stage_directory(session, "@C360.BRONZE.LANDING") / "customers_20250630.csv"
        staged.write_text("customer_id\nCUST00000002\n", encoding="utf-8")  # same size, new bytes
        os.utime(staged, ns=(staged.stat().st_atime_ns, staged.stat().st_mtime_ns + 1_000_000))
        assert engine.list_landed(session, "@C360.BRONZE.LANDING")[0].checksum == hashlib.md5(staged.read_bytes()).hexdigest()
    finally:
        session.close()
