"""Bronze → silver → gold on tiny hand-written raw files: rejects, dedup, accounting, SCD2 keys, idempotence."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from c360_pipeline.contracts import contract_for
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import dimension_tables, fact_table, ingest, stage
from c360_pipeline.transforms import dimensions
from c360_pipeline.transforms import fact as fact_transforms

CUSTOMER_HEADER = list(ingest.CUSTOMER_COLUMNS)
TRANSACTION_HEADER = list(ingest.TRANSACTION_COLUMNS)


def customer(cid: str, card: str = "Standard", limit: str = "5000.00", updated: str = "2024-01-01 00:00:00",
             opened: str = "2024-01-01", state: str = "CA", email: str | None = None) -> list[str]:
    return [cid, "ada", "LOVELACE", email or f"{cid.lower()}@example.com", "36", state, "Austin", "Employed", card,
            limit, opened, "Stable Mid-Spenders", "", updated]


def txn(tid: str, cid: str = "CUST00000001", when: str = "2025-06-01 10:00:00", amount: str = "25.00",
        category: str = "Grocery Stores", channel: str = "Online", status: str = "approved") -> list[str]:
    return [tid, cid, when, amount, "Corner Market", category, channel, status]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_core(session, cfg) -> dict[str, object]:
    ingest.land_directory(session, cfg)  # the client lands the raw files; ingest finds the new ones on the stage
    results = {}
    for runner in (ingest.run_ingest_bronze, stage.run_stage_silver, dimension_tables.run_dim_date,
                   dimension_tables.run_dim_merchant_category, dimension_tables.run_dim_customer, fact_table.run_fct_transactions):
        result = runner(session, cfg)
        results[result.step] = result
    return results


@pytest.fixture()
def raw_cfg(cfg, tmp_path):
    return cfg.model_copy(update={"source": tmp_path / "raw", "as_of": date(2025, 6, 30)})


BAD_TRANSACTIONS = [
    (txn("", "CUST00000001"), "missing_transaction_id"),
    (txn("T-miss-cust", ""), "missing_customer_id"),
    (txn("T-miss-date", when=""), "missing_transaction_date"),
    (txn("T-miss-amount", amount=""), "missing_amount"),
    (txn("T-bad-amount", amount="twelve"), "unparsable_amount"),
    (txn("T-zero", amount="0"), "non_positive_amount"),
    (txn("T-negative", amount="-5.00"), "non_positive_amount"),
    (txn("T-bad-date", when="2024-13-45 10:00:00"), "unparsable_date"),
    (txn("T-not-date", when="not a date"), "unparsable_date"),
    (txn("T-future", when="2025-07-01 00:00:00"), "future_date"),
    (txn("T-status", status="pending"), "unknown_status"),
    (txn("T-channel", channel="ATM"), "unknown_channel"),
    (txn("T-category", category="Spaceflight"), "unknown_merchant_category"),
    (txn("T-ghost", cid="CUST99999999"), "unknown_customer"),
]


def test_every_rejection_rule_is_recorded_and_nothing_is_lost(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250630.csv", CUSTOMER_HEADER, [
        customer("CUST00000001"),
        customer(" cust00000002 ", state=" tx ", email="  Grace.Hopper@Example.COM "),
        customer("", card="Gold"),
        customer("CUST00000003", opened="31/02/2024"),
    ])
    good = [txn("T-1"), txn("T-2", cid="cust00000002 ", channel="in-store", status=" APPROVED "),
            txn("T-3", when="2025-06-30 23:59:59")]
    duplicate = [txn("T-1")]
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER,
              good + duplicate + [row for row, _ in BAD_TRANSACTIONS])

    results = run_core(session, raw_cfg)

    rejected = warehouse.to_pandas("SILVER", "REJECTED_RECORDS")
    transactions_rejected = rejected[rejected["SOURCE_TABLE"] == "RAW_TRANSACTIONS"]
    expected = sorted(reason for _, reason in BAD_TRANSACTIONS)
    assert sorted(transactions_rejected["REJECT_REASON"]) == expected
    assert set(transactions_rejected["SOURCE_FILE"]) == {"transactions_20250630_001.csv"}
    future = transactions_rejected[transactions_rejected["REJECT_REASON"] == "future_date"].iloc[0]
    assert future["REJECT_COLUMN"] == "transaction_date"
    assert future["ROW_NUMBER"] == 4 + 10  # data row 14 of the file: 3 good, 1 duplicate, then the bad rows in order
    assert "transaction_date=2025-07-01 00:00:00" in future["RAW_PAYLOAD"]

    customers_rejected = rejected[rejected["SOURCE_TABLE"] == "RAW_CUSTOMERS"]
    assert sorted(customers_rejected["REJECT_REASON"]) == ["missing_customer_id", "unparsable_account_open_date"]

    staged = warehouse.to_pandas("SILVER", "STG_TRANSACTIONS")
    assert sorted(staged["TRANSACTION_ID"]) == ["T-1", "T-2", "T-3"]
    t2 = staged.set_index("TRANSACTION_ID").loc["T-2"]
    assert (t2["CUSTOMER_ID"], t2["CHANNEL"], t2["STATUS"]) == ("CUST00000002", "In-Store", "approved")
    stg_customers = warehouse.to_pandas("SILVER", "STG_CUSTOMERS").set_index("CUSTOMER_ID")
    assert stg_customers.loc["CUST00000002", "STATE"] == "TX"
    assert stg_customers.loc["CUST00000002", "EMAIL"] == "grace.hopper@example.com"
    assert stg_customers.loc["CUST00000001", "FIRST_NAME"] == "Ada"

    batches = warehouse.to_pandas("OPS", "SILVER_BATCHES").set_index("SOURCE_TABLE")
    txn_batch = batches.loc["RAW_TRANSACTIONS"]
    assert txn_batch["RAW_ROWS"] == len(good) + len(duplicate) + len(BAD_TRANSACTIONS)
    assert (txn_batch["STAGED_ROWS"], txn_batch["DUPLICATE_ROWS"], txn_batch["REJECTED_ROWS"]) == (3, 1, len(BAD_TRANSACTIONS))
    assert results["stage_silver"].details["transactions"] == {"raw": 18, "staged": 3, "duplicates": 1, "rejected": 14}

    fact = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")
    assert sorted(fact["TRANSACTION_ID"]) == ["T-1", "T-2", "T-3"]
    assert set(fact["DATE_KEY"]) == {20250601, 20250630}


def test_refused_file_names_the_column_and_other_files_still_load(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250630.csv", CUSTOMER_HEADER, [customer("CUST00000001")])
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1")])
    header = [c for c in TRANSACTION_HEADER if c != "channel"]
    write_csv(raw_cfg.source / "transactions_20250630_002.csv", header, [txn("T-2")[:6] + ["approved"]])
    ingest.land_directory(session, raw_cfg)

    result = ingest.run_ingest_bronze(session, raw_cfg)

    assert result.status == "warning"
    assert "transactions_20250630_002.csv" in result.message and "channel" in result.message
    assert warehouse.read("BRONZE", "RAW_TRANSACTIONS").count() == 1
    ledger = warehouse.to_pandas("OPS", "LOADED_FILES").set_index("FILE_NAME")
    assert ledger.loc["transactions_20250630_002.csv", "STATUS"] == "REFUSED"


def test_loading_the_same_files_twice_adds_nothing_and_rerun_changes_no_table(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250630.csv", CUSTOMER_HEADER, [customer("CUST00000001")])
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, [txn("T-1"), txn("T-2")])
    run_core(session, raw_cfg)
    tables = [("BRONZE", "RAW_TRANSACTIONS"), ("SILVER", "STG_TRANSACTIONS"), ("SILVER", "STG_CUSTOMERS"),
              ("GOLD", "DIM_CUSTOMER"), ("GOLD", "FCT_TRANSACTIONS")]
    before = {t: warehouse.to_pandas(*t).drop(columns=["_LOADED_AT"], errors="ignore") for t in tables}

    second = run_core(session, raw_cfg)

    assert second["ingest_bronze"].rows_in == 0
    assert second["stage_silver"].rows_in == 0
    for table in tables:
        after = warehouse.to_pandas(*table).drop(columns=["_LOADED_AT"], errors="ignore")
        assert after.sort_values(list(after.columns)).reset_index(drop=True).equals(
            before[table].sort_values(list(after.columns)).reset_index(drop=True)
        ), table


def test_second_batch_processes_only_new_rows_and_redelivery_counts_once(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250629.csv", CUSTOMER_HEADER, [customer("CUST00000001")])
    write_csv(raw_cfg.source / "transactions_20250629_001.csv", TRANSACTION_HEADER, [txn("T-1"), txn("T-2")])
    run_core(session, raw_cfg.model_copy(update={"as_of": date(2025, 6, 29)}))
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER,
              [txn("T-2"), txn("T-3", when="2025-06-30 09:00:00")])

    results = run_core(session, raw_cfg)

    assert results["stage_silver"].details["transactions"] == {"raw": 2, "staged": 1, "duplicates": 1, "rejected": 0}
    assert results["fct_transactions"].rows_out == 1
    assert sorted(warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")["TRANSACTION_ID"]) == ["T-1", "T-2", "T-3"]


def scd2_history(session, raw_cfg, warehouse, deliveries: list[tuple[str, list[list[str]]]]):
    for batch, rows in deliveries:
        write_csv(raw_cfg.source / f"customers_{batch}.csv", CUSTOMER_HEADER, rows)
        write_csv(raw_cfg.source / f"transactions_{batch}_001.csv", TRANSACTION_HEADER,
                  [txn(f"T-{batch}", when=f"{batch[:4]}-{batch[4:6]}-{batch[6:]} 12:00:00")])
        batch_cfg = raw_cfg.model_copy(update={"as_of": date(int(batch[:4]), int(batch[4:6]), int(batch[6:]))})
        run_core(session, batch_cfg)
    dim = warehouse.to_pandas("GOLD", "DIM_CUSTOMER").sort_values("VALID_FROM").reset_index(drop=True)
    return dim


@pytest.mark.parametrize(
    ("case", "deliveries", "expected"),
    [
        ("unchanged record", [("20240101", [customer("CUST00000001")]),
                              ("20240301", [customer("CUST00000001", updated="2024-03-01 08:00:00")])],
         [("Standard", "5000.00", date(2024, 1, 1), date(9999, 12, 31))]),
        ("one change", [("20240101", [customer("CUST00000001")]),
                        ("20240301", [customer("CUST00000001", card="Gold", updated="2024-03-01 08:00:00")])],
         [("Standard", "5000.00", date(2024, 1, 1), date(2024, 3, 1)),
          ("Gold", "5000.00", date(2024, 3, 1), date(9999, 12, 31))]),
        ("several changes in one batch", [("20240301", [
            customer("CUST00000001"),
            customer("CUST00000001", limit="8000.00", updated="2024-02-01 09:00:00"),
            customer("CUST00000001", card="Premium", limit="8000.00", updated="2024-03-01 09:00:00")])],
         [("Standard", "5000.00", date(2024, 1, 1), date(2024, 2, 1)),
          ("Standard", "8000.00", date(2024, 2, 1), date(2024, 3, 1)),
          ("Premium", "8000.00", date(2024, 3, 1), date(9999, 12, 31))]),
        ("late-arriving change", [
            ("20240101", [customer("CUST00000001")]),
            ("20240401", [customer("CUST00000001", card="Platinum", updated="2024-04-01 09:00:00")]),
            ("20240402", [customer("CUST00000001", card="Gold", updated="2024-02-15 09:00:00")])],
         [("Standard", "5000.00", date(2024, 1, 1), date(2024, 2, 15)),
          ("Gold", "5000.00", date(2024, 2, 15), date(2024, 4, 1)),
          ("Platinum", "5000.00", date(2024, 4, 1), date(9999, 12, 31))]),
        ("same batch delivered twice", [
            ("20240101", [customer("CUST00000001"), customer("CUST00000001")]),
            ("20240301", [customer("CUST00000001", card="Gold", updated="2024-03-01 08:00:00"),
                          customer("CUST00000001", card="Gold", updated="2024-03-01 08:00:00")])],
         [("Standard", "5000.00", date(2024, 1, 1), date(2024, 3, 1)),
          ("Gold", "5000.00", date(2024, 3, 1), date(9999, 12, 31))]),
    ],
)
def test_dim_customer_scd2(session, raw_cfg, warehouse, case, deliveries, expected):
    dim = scd2_history(session, raw_cfg, warehouse, deliveries)

    got = [(r.CARD_TYPE, f"{r.CREDIT_LIMIT:.2f}", r.VALID_FROM, r.VALID_TO) for r in dim.itertuples()]
    assert got == expected, case
    assert dim["IS_CURRENT"].tolist() == [False] * (len(expected) - 1) + [True]
    assert dim["CUSTOMER_KEY"].is_unique
    for check in contract_for("GOLD", "DIM_CUSTOMER").checks():
        assert check.failing_rows(warehouse.read("GOLD", "DIM_CUSTOMER"), warehouse.read) == 0, check.name


def test_rerunning_scd2_batch_keeps_keys_stable(session, raw_cfg, warehouse):
    deliveries = [("20240101", [customer("CUST00000001")]),
                  ("20240301", [customer("CUST00000001", card="Gold", updated="2024-03-01 08:00:00")])]
    first = scd2_history(session, raw_cfg, warehouse, deliveries)
    run_core(session, raw_cfg.model_copy(update={"as_of": date(2024, 3, 1)}))
    again = warehouse.to_pandas("GOLD", "DIM_CUSTOMER").sort_values("VALID_FROM").reset_index(drop=True)
    assert again["CUSTOMER_KEY"].tolist() == first["CUSTOMER_KEY"].tolist()


def test_fact_keys_each_transaction_to_the_version_valid_that_day(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250630.csv", CUSTOMER_HEADER, [
        customer("CUST00000001", opened="2025-01-10", updated="2025-01-10 00:00:00"),
        customer("CUST00000001", card="Gold", opened="2025-01-10", updated="2025-03-01 10:00:00"),
    ])
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER, [
        txn("T-before-open", when="2025-01-05 10:00:00"),
        txn("T-standard", when="2025-02-28 23:00:00"),
        txn("T-gold-day", when="2025-03-01 01:00:00"),
        txn("T-gold", when="2025-06-01 01:00:00"),
    ])
    run_core(session, raw_cfg)
    dim = warehouse.to_pandas("GOLD", "DIM_CUSTOMER").set_index("CARD_TYPE")
    fact = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS").set_index("TRANSACTION_ID")
    standard, gold_key = dim.loc["Standard", "CUSTOMER_KEY"], dim.loc["Gold", "CUSTOMER_KEY"]
    assert fact.loc["T-before-open", "CUSTOMER_KEY"] == standard
    assert fact.loc["T-standard", "CUSTOMER_KEY"] == standard
    assert fact.loc["T-gold-day", "CUSTOMER_KEY"] == gold_key
    assert fact.loc["T-gold", "CUSTOMER_KEY"] == gold_key
    for check in contract_for("GOLD", "FCT_TRANSACTIONS").checks():
        assert check.failing_rows(warehouse.read("GOLD", "FCT_TRANSACTIONS"), warehouse.read) == 0, check.name


def test_dim_date_covers_the_range_with_calendar_attributes():
    days = dimensions.calendar_days(date(2024, 12, 30), date(2025, 1, 5)).set_index("DATE_KEY")
    assert len(days) == 7
    assert days.loc[20250101, "YEAR"] == 2025 and days.loc[20250101, "QUARTER"] == 1
    assert days.loc[20250104, "DAY_NAME"] == "Saturday" and bool(days.loc[20250104, "IS_WEEKEND"])
    assert days.loc[20250105, "DAY_OF_WEEK"] == 0  # Sunday
    assert not bool(days.loc[20241230, "IS_WEEKEND"]) and days.loc[20241230, "MONTH_NAME"] == "December"


def test_merchant_categories_have_groups_and_flags():
    categories = dimensions.merchant_categories()
    assert len(categories) == 50 and categories["MERCHANT_CATEGORY_KEY"].is_unique
    assert categories.loc[categories["MERCHANT_CATEGORY"] == "Airlines", "IS_TRAVEL"].item()
    assert categories.loc[categories["MERCHANT_CATEGORY"] == "Grocery Stores", "IS_NECESSITY"].item()
    assert set(categories["CATEGORY_GROUP"]) >= {"travel", "necessities", "dining", "entertainment", "retail"}


def expected_customer_keys(fact, dim):
    """The CUSTOMER_KEY of the DIM_CUSTOMER version valid on each fact row's DATE_KEY (pandas, independent of gold)."""
    versions = dim[["CUSTOMER_ID", "CUSTOMER_KEY", "VALID_FROM", "VALID_TO"]].copy()
    for column, source in (("FROM", "VALID_FROM"), ("TO", "VALID_TO")):
        versions[column] = [d.year * 10000 + d.month * 100 + d.day for d in versions[source]]
    versions["FIRST"] = versions.groupby("CUSTOMER_ID")["FROM"].transform("min")
    pairs = fact[["TRANSACTION_ID", "CUSTOMER_ID", "DATE_KEY"]].merge(versions, on="CUSTOMER_ID")
    valid = pairs[((pairs["DATE_KEY"] >= pairs["FROM"]) | (pairs["FROM"] == pairs["FIRST"])) & (pairs["DATE_KEY"] < pairs["TO"])]
    assert valid["TRANSACTION_ID"].is_unique and len(valid) == len(fact)
    return valid.set_index("TRANSACTION_ID")["CUSTOMER_KEY"]


LOADED_TRANSACTIONS = [
    txn("T-0105", when="2025-01-05 10:00:00"),
    txn("T-0120", when="2025-01-20 10:00:00"),
    txn("T-0210", when="2025-02-10 10:00:00"),
    txn("T-0225", when="2025-02-25 10:00:00"),
    txn("T-0301", when="2025-03-01 10:00:00"),
    txn("T-other", cid="CUST00000002", when="2025-02-10 10:00:00"),
]


@pytest.mark.parametrize(
    ("case", "late_record", "rekeyed_ids"),
    [
        # Gold from 15 Jan splits the Standard version: its rows of 20 Jan and 10 Feb move to the new Gold version.
        ("late change splits a version", customer("CUST00000001", card="Gold", updated="2025-01-15 09:00:00"),
         {"T-0120", "T-0210"}),
        # Platinum already from 1 Feb: the Platinum version of 20 Feb is no longer a change and its key is gone.
        ("late change removes a version", customer("CUST00000001", card="Platinum", updated="2025-02-01 09:00:00"),
         {"T-0210", "T-0225", "T-0301"}),
    ],
)
def test_late_customer_change_rekeys_loaded_fact_rows(session, raw_cfg, warehouse, case, late_record, rekeyed_ids):
    write_csv(raw_cfg.source / "customers_20250301.csv", CUSTOMER_HEADER, [
        customer("CUST00000001"),
        customer("CUST00000001", card="Platinum", updated="2025-02-20 09:00:00"),
        customer("CUST00000002"),
    ])
    write_csv(raw_cfg.source / "transactions_20250301_001.csv", TRANSACTION_HEADER, LOADED_TRANSACTIONS)
    first = run_core(session, raw_cfg.model_copy(update={"as_of": date(2025, 3, 1)}))
    assert first["fct_transactions"].details["rekeyed"] == 0
    loaded = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS").set_index("TRANSACTION_ID")
    stored_schema = warehouse.read("GOLD", "FCT_TRANSACTIONS").schema

    # A batch with only the late customer record (dated before the current version), no transactions.
    write_csv(raw_cfg.source / "customers_20250302.csv", CUSTOMER_HEADER, [late_record])
    late_cfg = raw_cfg.model_copy(update={"as_of": date(2025, 3, 2)})
    second = run_core(session, late_cfg)

    fact = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")
    assert len(fact) == len(LOADED_TRANSACTIONS) and fact["TRANSACTION_KEY"].is_unique, case
    dim = warehouse.to_pandas("GOLD", "DIM_CUSTOMER")
    expected = expected_customer_keys(fact, dim)
    keyed = fact.set_index("TRANSACTION_ID")
    assert (keyed["CUSTOMER_KEY"] == expected.loc[keyed.index]).all(), case
    moved = {t for t in keyed.index if keyed.loc[t, "CUSTOMER_KEY"] != loaded.loc[t, "CUSTOMER_KEY"]}
    assert moved == rekeyed_ids, case
    assert second["fct_transactions"].details["rekeyed"] == len(rekeyed_ids)
    assert f"{len(rekeyed_ids)} re-keyed after late customer changes" in second["fct_transactions"].message
    # Only the key moved: every other column of every row is as loaded, and the stored types are unchanged.
    assert keyed.drop(columns="CUSTOMER_KEY").sort_index().equals(loaded.drop(columns="CUSTOMER_KEY").sort_index())
    assert warehouse.read("GOLD", "FCT_TRANSACTIONS").schema == stored_schema
    for check in contract_for("GOLD", "FCT_TRANSACTIONS").checks():
        assert check.failing_rows(warehouse.read("GOLD", "FCT_TRANSACTIONS"), warehouse.read) == 0, check.name

    third = run_core(session, late_cfg)

    assert third["fct_transactions"].details["rekeyed"] == 0
    assert "re-keyed" not in third["fct_transactions"].message
    again = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")
    columns = list(again.columns)
    assert again.sort_values(columns).reset_index(drop=True).equals(fact.sort_values(columns).reset_index(drop=True))


def test_rekey_updates_stale_rows_in_place(session, cfg):
    """Re-keying is an UPDATE by TRANSACTION_KEY of the stale rows only."""
    warehouse = Warehouse(session, cfg)
    session.sql(f"CREATE SCHEMA IF NOT EXISTS {cfg.schema('GOLD')}").collect()
    old_key, gold_key, standard_key = -1653294659661889544, -1920030110860337452, 7
    session.create_dataframe(
        [[1, "CUST00000001", standard_key, datetime(2025, 1, 5, 9)], [2, "CUST00000001", standard_key, datetime(2025, 1, 20, 9)],
         [3, "CUST00000001", old_key, datetime(2025, 3, 1, 9)]],
        schema=["TRANSACTION_KEY", "CUSTOMER_ID", "CUSTOMER_KEY", "TRANSACTION_DATE"],
    ).write.save_as_table(warehouse.name("GOLD", "FCT_TRANSACTIONS"), mode="overwrite")
    versions = fact_transforms.customer_versions(session.create_dataframe(
        [["CUST00000001", standard_key, date(2024, 1, 1), date(2025, 1, 15)],
         ["CUST00000001", gold_key, date(2025, 1, 15), date(9999, 12, 31)]],
        schema=["CUSTOMER_ID", "CUSTOMER_KEY", "VALID_FROM", "VALID_TO"],
    ))

    assert fact_table.rekey_fact(warehouse, versions) == 2
    assert fact_table.rekey_fact(warehouse, versions) == 0

    rows = warehouse.read("GOLD", "FCT_TRANSACTIONS").collect()
    assert sorted((r["TRANSACTION_KEY"], r["CUSTOMER_KEY"]) for r in rows) == [(1, standard_key), (2, gold_key), (3, gold_key)]
