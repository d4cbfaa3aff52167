"""`c360 export`: the local database's tables written to Parquet or CSV through a read-only session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from snowflake.snowpark.types import DecimalType, LongType, StringType, StructField, StructType

from c360_pipeline import cli, engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse

PROFILE_SCHEMA = StructType([
    StructField("CUSTOMER_ID", StringType()),
    StructField("CUSTOMER_SEGMENT", StringType()),
    StructField("LIFETIME_VALUE", DecimalType(12, 2)),
    StructField("TRANSACTION_COUNT", LongType()),
])
PROFILE = pd.DataFrame({
    "CUSTOMER_ID": ["C00001", "C00002", "C00003"],
    "CUSTOMER_SEGMENT": ["Declining", "High-Value Travelers", "Budget-Conscious"],
    "LIFETIME_VALUE": [1250.50, 98000.00, 310.25],
    "TRANSACTION_COUNT": [12, 340, 7],
})
RUNS_SCHEMA = StructType([StructField("RUN_ID", StringType()), StructField("STATUS", StringType())])


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    cfg = PipelineConfig.build(home=home)
    session = local_session(home)
    try:
        warehouse = Warehouse.of(session, cfg)
        warehouse.write_pandas(PROFILE, PROFILE_SCHEMA, "GOLD", "CUSTOMER_360_PROFILE")
        warehouse.write_pandas(pd.DataFrame({"RUN_ID": ["r1"], "STATUS": ["ok"]}), RUNS_SCHEMA, "OPS", "PIPELINE_RUNS")
    finally:
        session.close()
    return home


def _by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("CUSTOMER_ID").reset_index(drop=True)


def test_export_gold_to_parquet(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.main(["export", "--home", str(home), "--schema", "GOLD", "--format", "parquet", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == ["GOLD/CUSTOMER_360_PROFILE.parquet"]
    frame = _by_id(pd.read_parquet(out / "GOLD" / "CUSTOMER_360_PROFILE.parquet"))
    assert frame["CUSTOMER_ID"].tolist() == ["C00001", "C00002", "C00003"]
    assert frame["CUSTOMER_SEGMENT"].tolist() == ["Declining", "High-Value Travelers", "Budget-Conscious"]
    assert [float(v) for v in frame["LIFETIME_VALUE"]] == [1250.50, 98000.00, 310.25]
    assert frame["TRANSACTION_COUNT"].astype(int).tolist() == [12, 340, 7]


def test_export_all_to_csv(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.main(["export", "--home", str(home), "--schema", "ALL", "--format", "csv", str(out)]) == 0
    profile = _by_id(pd.read_csv(out / "GOLD" / "CUSTOMER_360_PROFILE.csv"))
    assert profile["LIFETIME_VALUE"].tolist() == [1250.50, 98000.00, 310.25]
    assert profile.loc[profile["CUSTOMER_ID"] == "C00002", "CUSTOMER_SEGMENT"].item() == "High-Value Travelers"
    runs = pd.read_csv(out / "OPS" / "PIPELINE_RUNS.csv")
    assert runs.to_dict("records") == [{"RUN_ID": "r1", "STATUS": "ok"}]
    assert not (out / "SILVER").exists() and not (out / "BRONZE").exists()


def test_export_without_database_exits_2(tmp_path: Path) -> None:
    assert cli.main(["export", "--home", str(tmp_path / "empty"), "--schema", "GOLD", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_export_while_database_busy_exits_3(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(*_args, **_kwargs):
        raise engine.DatabaseBusy(f"a c360 run is writing to {engine.database_file(home)}")

    monkeypatch.setattr(engine, "reader_session", busy)
    assert cli.main(["export", "--home", str(home), "--schema", "GOLD", str(tmp_path / "out")]) == 3
    assert not (tmp_path / "out").exists()
