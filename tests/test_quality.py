"""Data-quality step: declared contracts evaluated into OPS.DQ_RESULTS; error failures fail, warnings are kept."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import DoubleType, StringType, StructField, StructType

from c360_pipeline.contracts import Check, TableContract
from c360_pipeline.quality import evaluate_contracts, run_data_quality
from c360_pipeline.runner import execute_step

ORDERS = StructType([
    StructField("ORDER_ID", StringType()),
    StructField("CUSTOMER_ID", StringType()),
    StructField("STATUS", StringType()),
    StructField("AMOUNT", DoubleType()),
])
CUSTOMERS = StructType([StructField("CUSTOMER_ID", StringType())])


def negative_amounts(frame, tables) -> int:
    return frame.filter(F.col("AMOUNT") < 0).count()


def orders_contract(extra: tuple[Check, ...] = ()) -> TableContract:
    return TableContract(
        "GOLD", "QA_ORDERS", "one row per order",
        primary_key=("ORDER_ID",),
        not_null=("CUSTOMER_ID",),
        accepted_values={"STATUS": ("approved", "declined")},
        relationships={"CUSTOMER_ID": ("GOLD", "QA_CUSTOMERS", "CUSTOMER_ID")},
        invariants=extra,
    )


def write_orders(warehouse, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["ORDER_ID", "CUSTOMER_ID", "STATUS", "AMOUNT"])
    warehouse.write_pandas(frame, ORDERS, "GOLD", "QA_ORDERS")
    warehouse.write_pandas(pd.DataFrame({"CUSTOMER_ID": ["C1", "C2"]}), CUSTOMERS, "GOLD", "QA_CUSTOMERS")


def dq_results(warehouse) -> pd.DataFrame:
    return warehouse.to_pandas("OPS", "DQ_RESULTS").set_index("CHECK_NAME")


def test_clean_table_passes_every_check_and_records_one_row_per_check(session, cfg, warehouse):
    write_orders(warehouse, [("O1", "C1", "approved", 10.0), ("O2", "C2", "declined", 5.0)])
    result = run_data_quality(session, cfg, contracts=[orders_contract()])
    assert result.status == "succeeded", result.message
    rows = dq_results(warehouse)
    assert set(rows.index) == {
        "QA_ORDERS.unique(ORDER_ID)", "QA_ORDERS.not_null(CUSTOMER_ID)",
        "QA_ORDERS.accepted_values(STATUS)", "QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)",
    }
    assert (rows["STATUS"] == "passed").all() and (rows["FAILING_ROWS"] == 0).all()
    assert (rows["TABLE_NAME"] == "C360.GOLD.QA_ORDERS").all()
    assert result.rows_in == 4 and result.rows_out == 4


def test_error_failures_fail_the_step_naming_the_checks_and_counting_rows(session, cfg, warehouse):
    write_orders(warehouse, [
        ("O1", "C1", "approved", 10.0),
        ("O1", "C9", "refunded", 3.0),  # duplicate key, orphan customer, unknown status
        ("O3", None, "approved", 1.0),  # missing customer
    ])
    result = run_data_quality(session, cfg, contracts=[orders_contract()])
    assert result.status == "failed"
    for check in ("QA_ORDERS.unique(ORDER_ID)", "QA_ORDERS.not_null(CUSTOMER_ID)",
                  "QA_ORDERS.accepted_values(STATUS)", "QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)"):
        assert check in result.message
        assert check in result.details["failed_checks"]
    rows = dq_results(warehouse)
    assert rows.loc["QA_ORDERS.unique(ORDER_ID)", "FAILING_ROWS"] == 1
    assert rows.loc["QA_ORDERS.not_null(CUSTOMER_ID)", "FAILING_ROWS"] == 1
    assert rows.loc["QA_ORDERS.accepted_values(STATUS)", "FAILING_ROWS"] == 1
    assert rows.loc["QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)", "FAILING_ROWS"] == 1
    assert (rows["STATUS"] == "failed").all() and (rows["SEVERITY"] == "error").all()


def test_warning_is_recorded_without_failing_the_step(session, cfg, warehouse):
    write_orders(warehouse, [("O1", "C1", "approved", -4.0), ("O2", "C2", "approved", 7.0)])
    contract = orders_contract((Check("QA_ORDERS.amount_not_negative", "warn", negative_amounts),))
    result = run_data_quality(session, cfg, contracts=[contract])
    assert result.status == "warning"
    assert result.details["warning_checks"] == ["QA_ORDERS.amount_not_negative"]
    rows = dq_results(warehouse)
    assert rows.loc["QA_ORDERS.amount_not_negative", "STATUS"] == "warned"
    assert rows.loc["QA_ORDERS.amount_not_negative", "FAILING_ROWS"] == 1


def test_a_check_that_cannot_run_is_an_error_not_a_pass(session, cfg, warehouse):
    write_orders(warehouse, [("O1", "C1", "approved", 1.0)])
    broken = TableContract("GOLD", "QA_ORDERS", "one row per order", not_null=("NO_SUCH_COLUMN",))
    result = run_data_quality(session, cfg, contracts=[broken])
    assert result.status == "failed"
    assert "QA_ORDERS.not_null(NO_SUCH_COLUMN) (could not be evaluated" in result.message
    assert dq_results(warehouse).loc["QA_ORDERS.not_null(NO_SUCH_COLUMN)", "STATUS"] == "error"


def test_contracts_of_tables_not_built_are_skipped_and_listed(session, cfg, warehouse):
    write_orders(warehouse, [("O1", "C1", "approved", 1.0)])
    absent = TableContract("GOLD", "QA_NOT_BUILT", "one row per nothing", primary_key=("X",))
    outcomes, missing = evaluate_contracts(session, cfg, [orders_contract(), absent])
    assert missing == ["C360.GOLD.QA_NOT_BUILT"]
    assert {o.table for o in outcomes} == {"C360.GOLD.QA_ORDERS"}


def test_results_carry_the_run_id_of_the_procedure_call(session, cfg, warehouse):
    """Through the procedure body: every declared contract whose table exists, under the caller's run id."""
    from c360_pipeline.bronze import run_ingest_bronze
    from c360_pipeline.contracts import all_contracts

    cfg.raw_dir.mkdir(parents=True)
    (cfg.raw_dir / "transactions_20250630_001.csv").write_text(
        "transaction_id,customer_id,transaction_date,transaction_amount,merchant_name,merchant_category,channel,status\n"
        "TXN000000000001,CUST00000001,2025-06-03 17:55:58,112.44,Hunter,Department Stores,In-Store,approved\n"
    )
    from c360_pipeline.bronze import land_directory

    land_directory(session, cfg)
    assert run_ingest_bronze(session, cfg).rows_out == 1
    argument = json.dumps(dict(cfg.model_dump(mode="json"), run_id="night-42", record=False))
    result = json.loads(execute_step(session, "data_quality", argument))
    rows = warehouse.to_pandas("OPS", "DQ_RESULTS")
    assert len(rows) > 0 and set(rows["RUN_ID"]) == {"night-42"}
    # Ingest creates both raw tables (an empty one for a feed with no file yet), so later steps find them.
    built = {"C360.BRONZE.RAW_TRANSACTIONS", "C360.BRONZE.RAW_CUSTOMERS", "C360.BRONZE.RAW_REJECTS", "C360.OPS.LOADED_FILES"}
    declared = [c for c in all_contracts() if f"C360.{c.layer}.{c.table}" in built]
    assert set(rows["TABLE_NAME"]) == {f"C360.{c.layer}.{c.table}" for c in declared}
    assert len(rows) == sum(len(c.checks()) for c in declared) == result["rows_in"]
    assert result["status"] == "succeeded"


def test_error_failure_raises_from_the_procedure_so_the_task_fails(session, cfg, warehouse, monkeypatch):
    """The registry is swapped for one test contract so the declared ones stay untouched."""
    import c360_pipeline.quality as quality

    write_orders(warehouse, [("O1", "C1", "approved", 1.0), ("O1", "C2", "approved", 2.0)])
    monkeypatch.setattr(quality, "all_contracts", lambda: [orders_contract()])
    argument = json.dumps(dict(cfg.model_dump(mode="json"), run_id="night-43", record=True))
    from c360_pipeline.runner import StepFailed

    with pytest.raises(StepFailed, match=r"QA_ORDERS\.unique\(ORDER_ID\)"):
        execute_step(session, "data_quality", argument)
    runs = warehouse.to_pandas("OPS", "PIPELINE_RUNS")
    recorded = runs[runs["RUN_ID"] == "night-43"].iloc[0]
    assert recorded["STEP"] == "data_quality" and recorded["STATUS"] == "failed"


