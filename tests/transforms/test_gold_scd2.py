"""DIM_CUSTOMER (SCD Type 2) on one code path for both engines: rebuilt from the whole silver history, so a
late-arriving change that removes a version leaves one current version, contiguous validity windows and
a fact keyed once per transaction to the version valid on its day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import dimension_tables, fact_table, ingest, stage
from c360_pipeline.transforms import dimensions
from c360_pipeline.transforms import fact as fact_transforms

HEADER = ("customer_id,first_name,last_name,email,age,state,city,employment_status,card_type,credit_limit,"
          "account_open_date,customer_segment,decline_type,updated_at\n")
ANA = "CUST00000001,Ana,Lopez,ana.lopez@example.com,34,CA,Fresno,Employed"
BEN = "CUST00000002,Ben,Okafor,ben.okafor@example.com,51,NY,Albany,Self-Employed"
TRANSACTIONS = """transaction_id,customer_id,transaction_date,transaction_amount,merchant_name,merchant_category,channel,status
TXN000000000001,CUST00000001,2025-01-20 10:00:00,40.00,Corner Grocer,Grocery Stores,Mobile,approved
TXN000000000002,CUST00000001,2025-02-15 10:00:00,41.00,Corner Grocer,Grocery Stores,Mobile,approved
TXN000000000003,CUST00000001,2025-03-10 10:00:00,42.00,Corner Grocer,Grocery Stores,Mobile,approved
TXN000000000004,CUST00000001,2025-04-10 10:00:00,43.00,Corner Grocer,Grocery Stores,Mobile,approved
TXN000000000005,CUST00000001,2025-05-10 10:00:00,44.00,Corner Grocer,Grocery Stores,Mobile,approved
TXN000000000006,CUST00000002,2025-03-10 10:00:00,90.00,Sky Air,Airlines,Online,approved
"""


def build_star(session, cfg: PipelineConfig, delivery: Path) -> None:
    """Land a delivery and run the steps up to the fact, as one nightly run does."""
    ingest.land_directory(session, cfg, delivery)
    for run in (ingest.run_ingest_bronze, stage.run_stage_silver, dimension_tables.run_dim_date, dimension_tables.run_dim_merchant_category,
                dimension_tables.run_dim_customer, fact_table.run_fct_transactions):
        result = run(session, cfg)
        assert result.status in {"succeeded", "warning"}, f"{result.step}: {result.message}"


@pytest.fixture()
def star_cfg(cfg: PipelineConfig) -> PipelineConfig:
    return cfg.model_copy(update={"as_of": date(2025, 6, 30)})


def versions_of(warehouse: Warehouse, customer: str) -> pd.DataFrame:
    frame = warehouse.to_pandas("GOLD", "DIM_CUSTOMER")
    return frame[frame["CUSTOMER_ID"] == customer].sort_values("VALID_FROM").reset_index(drop=True)


def test_a_late_change_that_removes_a_version_leaves_one_current_contiguous_history(session, star_cfg, tmp_path):
    first = tmp_path / "night-1"
    first.mkdir()
    (first / "customers_20250630.csv").write_text(
        HEADER
        + f"{ANA},Standard,5000.00,2024-01-15,,,2024-01-15 10:00:00\n"
        + f"{ANA},Gold,8000.00,2024-01-15,,,2025-03-01 09:00:00\n"
        + f"{ANA},Standard,5000.00,2024-01-15,,,2025-05-01 09:00:00\n"
        + f"{BEN},Platinum,20000.00,2023-06-01,,,2023-06-01 12:00:00\n"
    )
    (first / "transactions_20250630_001.csv").write_text(TRANSACTIONS)
    warehouse = Warehouse.of(session, star_cfg)
    build_star(session, star_cfg, first)
    before = versions_of(warehouse, "CUST00000001")
    assert list(before["CARD_TYPE"]) == ["Standard", "Gold", "Standard"]
    march_version = before.loc[1, "CUSTOMER_KEY"]

    # A correction arrives late: the upgrade to Gold took effect on 1 February, not 1 March. The version
    # that started on 1 March is no longer a change (same attributes as the day before): it must go.
    late = tmp_path / "night-2"
    late.mkdir()
    (late / "customers_20250701.csv").write_text(HEADER + f"{ANA},Gold,8000.00,2024-01-15,,,2025-02-01 09:00:00\n")
    build_star(session, star_cfg, late)

    after = versions_of(warehouse, "CUST00000001")
    assert list(after["CARD_TYPE"]) == ["Standard", "Gold", "Standard"]
    assert list(after["VALID_FROM"])[1:] == [date(2025, 2, 1), date(2025, 5, 1)]
    assert march_version not in set(warehouse.to_pandas("GOLD", "DIM_CUSTOMER")["CUSTOMER_KEY"])

    dimension = warehouse.to_pandas("GOLD", "DIM_CUSTOMER")
    assert dimension.groupby("CUSTOMER_ID")["IS_CURRENT"].sum().to_dict() == {"CUST00000001": 1, "CUST00000002": 1}
    for _, versions in dimension.sort_values("VALID_FROM").groupby("CUSTOMER_ID"):
        starts, ends = list(versions["VALID_FROM"]), list(versions["VALID_TO"])
        assert ends[:-1] == starts[1:], "validity windows must meet without gap or overlap"
        assert ends[-1] == dimensions.OPEN_END and bool(versions["IS_CURRENT"].iloc[-1])

    fact = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")
    assert len(fact) == fact["TRANSACTION_ID"].nunique() == 6  # no row duplicated by the re-keying
    keyed = fact.merge(dimension, on="CUSTOMER_KEY", suffixes=("", "_DIM"))
    assert len(keyed) == 6
    first_start = dimension.groupby("CUSTOMER_ID")["VALID_FROM"].min().to_dict()
    for row in keyed.itertuples(index=False):
        day = pd.Timestamp(row.TRANSACTION_DATE).date()
        opens = row.VALID_FROM <= day or row.VALID_FROM == first_start[row.CUSTOMER_ID]
        assert opens and day < row.VALID_TO, f"{row.TRANSACTION_ID} on {day} keyed to {row.VALID_FROM}..{row.VALID_TO}"
    cards = dict(zip(keyed["TRANSACTION_ID"], keyed["CARD_TYPE"]))
    assert [cards[f"TXN00000000000{i}"] for i in range(1, 6)] == ["Standard", "Gold", "Gold", "Gold", "Standard"]


def test_the_dimension_is_written_by_one_rebuild_with_no_merge(session, star_cfg, tmp_path):
    """The same statements on both engines: the rebuild rewrites the table; nothing MERGEs into it."""
    delivery = tmp_path / "night"
    delivery.mkdir()
    (delivery / "customers_20250630.csv").write_text(HEADER + f"{BEN},Platinum,20000.00,2023-06-01,,,2023-06-01 12:00:00\n")
    (delivery / "transactions_20250630_001.csv").write_text(TRANSACTIONS.splitlines()[0] + "\n" + TRANSACTIONS.splitlines()[-1] + "\n")
    build_star(session, star_cfg, delivery)
    with session.query_history() as history:
        dimension_tables.run_dim_customer(session, star_cfg)
    statements = [q.sql_text.strip().upper() for q in history.queries]
    assert not any(s.startswith("MERGE") for s in statements)
    assert any(s.startswith("INSERT  OVERWRITE  INTO C360.GOLD.DIM_CUSTOMER") for s in statements)


# --- the transforms on tiny explicit inputs ---------------------------------------------------------

STG_CUSTOMER_COLUMNS = ["CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY", "EMPLOYMENT_STATUS",
                        "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "UPDATED_AT"]


def stg_customers(session, records: list[tuple[str, str, str, str]]):
    """STG_CUSTOMERS rows of one customer opened 2024-01-10: (updated_at, card type, credit limit, city)."""
    from datetime import datetime
    from decimal import Decimal

    rows = [["CUST00000001", "Ana", "Lopez", "ana@example.com", 34, "CA", city, "Employed", card, Decimal(limit),
             date(2024, 1, 10), datetime.fromisoformat(at)] for at, card, limit, city in records]
    return session.create_dataframe(rows, schema=STG_CUSTOMER_COLUMNS)


def dimension_frame(stg):
    return dimensions.dim_customer(dimensions.customer_changes(dimensions.daily_customer_states(stg)), dimensions.latest_customer_attributes(stg))


def dimension_of(stg) -> pd.DataFrame:
    return dimension_frame(stg).to_pandas().sort_values("VALID_FROM").reset_index(drop=True)


def test_versions_start_on_changes_only_and_a_day_keeps_its_last_record(session):
    dimension = dimension_of(stg_customers(session, [
        ("2024-01-15 10:00:00", "Standard", "5000.00", "Fresno"),
        ("2024-03-01 09:00:00", "Gold", "8000.00", "Fresno"),
        ("2024-03-01 15:00:00", "Platinum", "20000.00", "Fresno"),   # same day: the day's last record wins
        ("2024-04-01 09:00:00", "Platinum", "20000.00", "Fresno"),   # unchanged: no new version
        ("2024-05-01 09:00:00", "Standard", "5000.00", "Oakland"),   # back to an earlier state: a new version
    ]))
    assert list(dimension["CARD_TYPE"]) == ["Standard", "Platinum", "Standard"]
    assert list(dimension["VALID_FROM"]) == [date(2024, 1, 10), date(2024, 3, 1), date(2024, 5, 1)]  # opens with the account
    assert list(dimension["VALID_TO"]) == [date(2024, 3, 1), date(2024, 5, 1), dimensions.OPEN_END]
    assert list(dimension["IS_CURRENT"]) == [False, False, True]
    assert set(dimension["CITY"]) == {"Oakland"}  # Type 1: the latest record's value on every version
    assert dimension["CUSTOMER_KEY"].is_unique


def test_the_fact_keys_each_transaction_to_the_version_valid_on_its_day(session, star_cfg):
    from datetime import datetime

    warehouse = Warehouse(session, star_cfg)
    dimension = dimension_frame(stg_customers(session, [
        ("2024-01-15 10:00:00", "Standard", "5000.00", "Fresno"), ("2024-03-01 09:00:00", "Gold", "8000.00", "Fresno"),
    ]))
    transactions = session.create_dataframe(
        [[k, f"TXN{k}", "CUST00000001", datetime.fromisoformat(at), 10.0, "Corner Grocer", "Grocery Stores", "Mobile",
          "approved", "B1"]
         for k, at in enumerate(["2024-01-05 12:00:00", "2024-02-29 23:59:00", "2024-03-01 00:00:00", "2024-06-30 08:00:00"])],
        schema=["_RECORD_ID", "TRANSACTION_ID", "CUSTOMER_ID", "TRANSACTION_DATE", "TRANSACTION_AMOUNT", "MERCHANT_NAME",
                "MERCHANT_CATEGORY", "CHANNEL", "STATUS", "_BATCH_ID"],
    )
    categories = warehouse.dataframe(dimensions.merchant_categories(), dimensions.DIM_MERCHANT_CATEGORY_SCHEMA)
    calendar = warehouse.dataframe(dimensions.calendar_days(date(2024, 1, 5), date(2024, 6, 29)), dimensions.DIM_DATE_SCHEMA)
    fact = fact_transforms.fct_transactions(transactions, fact_transforms.customer_versions(dimension), categories, calendar).to_pandas()
    cards = dict(zip(dimension.to_pandas()["CUSTOMER_KEY"], dimension.to_pandas()["CARD_TYPE"]))
    keyed = {row.TRANSACTION_ID: (cards[row.CUSTOMER_KEY], row.DATE_KEY) for row in fact.itertuples()}
    # Before the account opened: the first version. 2024-06-30 is not in DIM_DATE: not keyed (the step then
    # refuses the batch, naming DIM_DATE).
    assert keyed == {"TXN0": ("Standard", 20240105), "TXN1": ("Standard", 20240229), "TXN2": ("Gold", 20240301)}
