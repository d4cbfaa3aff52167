"""Configuration, sessions, Snowflake functions on the local engine and the local warehouse."""

from __future__ import annotations

import datetime as dt
import hashlib
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

from c360_pipeline import cli
from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.engine.sessions import ConnectionProblem, local_session, session_options
from c360_pipeline.engine.warehouse import TableMissing, Warehouse

ALL_TYPES = StructType(
    [
        StructField("NAME", StringType()),
        StructField("COUNT", LongType()),
        StructField("DAY", DateType()),
        StructField("AT", TimestampType()),
        StructField("AMOUNT", DecimalType(12, 2)),
        StructField("FLAG", BooleanType()),
        StructField("RATIO", DoubleType()),
    ]
)
ROWS = pd.DataFrame(
    {
        "NAME": ['comma, "quoted"', None, "", "line\nbreak"],
        "COUNT": [1, None, -3, 2**40],
        "DAY": [dt.date(2024, 1, 2), None, dt.date(9999, 12, 31), dt.date(2000, 2, 29)],
        "AT": [dt.datetime(2024, 1, 2, 3, 4, 5), None, dt.datetime(2024, 1, 2, 3, 4, 5, 123456), dt.datetime(1999, 12, 31, 23, 59, 59)],
        "AMOUNT": [Decimal("12.34"), None, Decimal("-1.50"), Decimal("1234567.89")],
        "FLAG": [True, None, False, True],
        "RATIO": [1.5, None, 2.25, -0.0],
    }
)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"engine": "duckdb"}, "engine"),
        ({"dirty_rate": 0.5}, "dirty_rate"),
        ({"customers": 0}, "customers"),
        ({"database": "bad name;"}, "database"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"churn": {"horizon_days": 5}}, "churn.horizon_days"),
    ],
)
def test_bad_settings_fail_with_the_setting_named(settings, named):
    with pytest.raises(ConfigError) as error:
        PipelineConfig.build(**settings)
    assert f"'{named}'" in str(error.value)


def test_engine_error_lists_the_accepted_values():
    with pytest.raises(ConfigError, match="'local' or 'snowflake'"):
        PipelineConfig.build(engine="spark")


def test_home_comes_from_flag_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv("C360_HOME", raising=False)
    assert PipelineConfig.build().home == Path(".c360")
    monkeypatch.setenv("C360_HOME", str(tmp_path / "env"))
    assert PipelineConfig.build().home == tmp_path / "env"
    assert PipelineConfig.build(home=tmp_path / "flag").home == tmp_path / "flag"


def test_table_names_are_qualified_upper_case():
    cfg = PipelineConfig.build(database="analytics", gold_schema="marts")
    assert cfg.table("gold", "dim_customer") == "ANALYTICS.MARTS.DIM_CUSTOMER"


def test_no_connection_at_all_says_what_to_set(monkeypatch, tmp_path):
    monkeypatch.setenv("SNOWFLAKE_HOME", str(tmp_path))
    for variable in ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(ConnectionProblem, match="SNOWFLAKE_ACCOUNT"):
        session_options(PipelineConfig.build(engine="snowflake"))


def test_cli_reports_config_errors_without_a_trace(capsys):
    assert cli.main(["run", "--dirty-rate", "0.9", "--home", "/tmp/never-used"]) == 2
    assert "dirty_rate" in capsys.readouterr().out


def test_patched_functions_follow_snowflake_semantics(session):
    frame = session.create_dataframe(
        [[dt.datetime(2024, 3, 5, 10, 0), " ab ", "2024-02-29 10:11:12", "31/02/2024"], [None, None, None, None]],
        schema=["T", "S", "GOOD", "BAD"],
    )
    row, empty = frame.select(
        F.year("T").alias("Y"), F.month("T").alias("M"), F.dayofmonth("T").alias("D"), F.quarter("T").alias("Q"),
        F.dayofweek("T").alias("W"), F.trim("S").alias("TRIMMED"), F.md5("S").alias("MD5"),
        F.call_function("try_to_timestamp", F.col("GOOD")).alias("TS"),
        F.call_function("try_to_timestamp", F.col("BAD")).alias("NOT_TS"),
        F.call_function("try_to_date", F.col("GOOD")).alias("DATE"),
    ).collect()
    assert (row["Y"], row["M"], row["D"], row["Q"], row["W"]) == (2024, 3, 5, 1, 2)  # Tuesday = 2 (Sunday = 0)
    assert row["TRIMMED"] == "ab" and row["MD5"] == hashlib.md5(b" ab ").hexdigest()
    assert pd.Timestamp(row["TS"]) == pd.Timestamp("2024-02-29 10:11:12") and row["NOT_TS"] is None
    assert row["DATE"] == dt.date(2024, 2, 29)
    assert all(value is None for value in empty.as_dict().values())


def test_warehouse_round_trip_keeps_every_type(tmp_path):
    """Tables persist in the home's database file, with their Snowflake types, between sessions."""
    cfg = PipelineConfig.build(home=tmp_path)
    first = local_session(tmp_path)
    Warehouse.of(first, cfg).write_pandas(ROWS, ALL_TYPES, "GOLD", "ALL_TYPES")
    first.close()

    second = local_session(tmp_path)
    restored = Warehouse.of(second, cfg).read("GOLD", "ALL_TYPES")
    # Snowflake describes a TIMESTAMP column as TimestampType(ntz): compare the kinds of type.
    assert [type(f.datatype) for f in restored.schema.fields] == [type(f.datatype) for f in ALL_TYPES.fields]
    assert restored.schema["AMOUNT"].datatype == DecimalType(12, 2)
    rows = sorted(restored.collect(), key=lambda r: str(r["NAME"]))
    expected = sorted(ROWS.to_dict("records"), key=lambda r: str(r["NAME"]))
    for got, want in zip(rows, expected):
        for column, value in want.items():
            if value is None or pd.isna(value):
                assert got[column] is None or pd.isna(got[column]), column
            else:
                assert got[column] == value, (column, got[column], value)
    second.close()


def test_append_adds_rows(session, tmp_path):
    cfg = PipelineConfig.build(home=tmp_path)
    warehouse = Warehouse.of(session, cfg)
    warehouse.write_pandas(ROWS.iloc[:2], ALL_TYPES, "OPS", "LOG")
    warehouse.write_pandas(ROWS.iloc[2:], ALL_TYPES, "OPS", "LOG", mode="append")
    assert warehouse.read("OPS", "LOG").count() == 4
    assert warehouse.write(warehouse.read("OPS", "LOG").limit(1), "OPS", "LOG", mode="append") == 1
    assert warehouse.read("OPS", "LOG").count() == 5


def test_an_insert_of_named_columns_goes_in_by_position_and_refuses_a_table_of_other_columns(session, tmp_path):
    """Warehouse.insert with `columns`: the frame's one query is inserted as it is, each value in the column
    of its name; a table whose columns are not exactly those is refused before any row goes in."""
    cfg = PipelineConfig.build(home=tmp_path)
    warehouse = Warehouse.of(session, cfg)
    warehouse.write_pandas(ROWS.iloc[:2], ALL_TYPES, "OPS", "LOG")
    source = warehouse.read("OPS", "LOG").filter(F.col("COUNT") == 1)
    warehouse.insert(source, "OPS", "LOG", columns=ALL_TYPES.names)
    copies = warehouse.read("OPS", "LOG").filter(F.col("COUNT") == 1).collect()
    assert len(copies) == 2 and copies[0].as_dict() == copies[1].as_dict()
    assert copies[0]["NAME"] == ROWS["NAME"][0] and copies[0]["AMOUNT"] == ROWS["AMOUNT"][0]
    assert copies[0]["AT"] == ROWS["AT"][0] and copies[0]["RATIO"] == ROWS["RATIO"][0]
    with pytest.raises(ValueError, match="not the"):
        warehouse.insert(source, "OPS", "LOG", columns=list(reversed(ALL_TYPES.names)))
    assert warehouse.read("OPS", "LOG").count() == 3


_KILLED_WRITER = """
import sys
from c360_pipeline.engine.sessions import local_session
session = local_session(sys.argv[1])
session.sql("CREATE SCHEMA IF NOT EXISTS C360.GOLD").collect()
session.sql("CREATE OR REPLACE TABLE C360.GOLD.T AS SELECT 1 AS K UNION ALL SELECT 2 UNION ALL SELECT 3").collect()
print("ready", flush=True)
# An overwrite that runs for minutes: killed half-way.
session.sql("CREATE OR REPLACE TABLE C360.GOLD.T AS SELECT a.range AS K FROM range(100000) a, range(100000) b "
            "WHERE md5(CAST(a.range * b.range AS VARCHAR)) = 'x'").collect()
"""


def test_a_write_killed_half_way_leaves_the_previous_table_intact(tmp_path):
    """kill -9 during an overwrite: the database keeps the table as it was, and the next session opens it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        assert writer.poll() is None, "the overwrite finished before it could be killed"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    session = local_session(tmp_path)
    try:
        assert sorted(r["K"] for r in session.table("C360.GOLD.T").collect()) == [1, 2, 3]
    finally:
        session.close()


def test_reading_a_table_never_built_says_what_to_run(session, tmp_path):
    with pytest.raises(TableMissing, match="c360 run"):
        Warehouse.of(session, PipelineConfig.build(home=tmp_path)).read("GOLD", "CUSTOMER_360_PROFILE")


def test_which_tables_exist_is_answered_from_one_listing_and_a_table_made_elsewhere_is_still_found(session, tmp_path):
    cfg = PipelineConfig.build(home=tmp_path)
    warehouse = Warehouse.of(session, cfg)
    warehouse.write_pandas(ROWS.iloc[:1], ALL_TYPES, "OPS", "LOG")
    warehouse = Warehouse.of(session, cfg)  # a new step: nothing known
    with session.query_history() as history:
        assert warehouse.exists("OPS", "LOG")
        assert not warehouse.exists("GOLD", "NEVER_BUILT")
        assert warehouse.exists("OPS", "LOG")
    listings = [q.sql_text for q in history.queries if "INFORMATION_SCHEMA.TABLES" in q.sql_text.upper()]
    assert len(listings) == 1
    # created behind the warehouse's back after the listing: asked about alone, and found
    session.sql(f"CREATE TABLE {cfg.table('OPS', 'MADE_ELSEWHERE')} (K INT)").collect()
    assert warehouse.exists("OPS", "MADE_ELSEWHERE")


def test_to_pandas_keeps_columns_aligned_after_a_filter(session):
    """Rows of a filtered frame come back whole, typed as the Snowflake connector types them."""
    schema = StructType([StructField("ID", StringType()), StructField("P", DoubleType()), StructField("R", LongType()),
                         StructField("V", DecimalType(12, 2))])
    rows = [("a", 1.0, 10, Decimal("1.50")), ("b", 0.0, 20, Decimal("2.50")), ("c", 2.0, 30, None)]
    kept = session.create_dataframe(rows, schema=schema).filter(F.col("P") > 0.5).sort("ID")
    frame = kept.to_pandas()
    assert frame["ID"].tolist() == ["a", "c"]
    assert frame["R"].tolist() == [10, 30] and str(frame["R"].dtype) == "int64"
    assert frame["V"].tolist()[0] == 1.5 and pd.isna(frame["V"].tolist()[1])
    assert kept.filter(F.col("P") > 5).to_pandas().columns.tolist() == ["ID", "P", "R", "V"]


def test_a_run_on_a_generated_home_continues_its_world_unless_told_otherwise(tmp_path, capsys):
    """`c360 run --days 1` on a home built at another scale takes that scale; a conflicting flag is still refused."""
    from c360_pipeline import generator

    generator.generate_world(tmp_path / "raw", customers=20, seed=7, days=40)
    parser = cli.build_parser()
    held = cli._held_world(cli._config(parser.parse_args(["run", "--home", str(tmp_path), "--days", "1"])),
                           parser.parse_args(["run", "--home", str(tmp_path), "--days", "1"]))
    assert (held.customers, held.seed) == (20, 7)
    assert cli.main(["run", "--home", str(tmp_path), "--customers", "30", "--days", "1"]) == 2
    assert "already holds data generated with" in " ".join(capsys.readouterr().out.split())
