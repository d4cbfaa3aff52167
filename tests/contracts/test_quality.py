"""Data-quality step: declared contracts evaluated into OPS.DQ_RESULTS; error failures fail, warnings are kept."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import DecimalType, DoubleType, StringType, StructField, StructType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import all_contracts
from c360_pipeline.contracts.evaluation import evaluate_check, evaluate_contracts
from c360_pipeline.contracts.model import Check, TableContract, count_difference, count_rows
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.orchestration.procedures import execute_step
from c360_pipeline.steps.quality import run_data_quality

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
    from c360_pipeline.contracts import all_contracts
    from c360_pipeline.steps.ingest import run_ingest_bronze

    cfg.raw_dir.mkdir(parents=True)
    (cfg.raw_dir / "transactions_20250630_001.csv").write_text(
        "transaction_id,customer_id,transaction_date,transaction_amount,merchant_name,merchant_category,channel,status\n"
        "TXN000000000001,CUST00000001,2025-06-03 17:55:58,112.44,Hunter,Department Stores,In-Store,approved\n"
    )
    from c360_pipeline.steps.ingest import land_directory

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
    from c360_pipeline.contracts import evaluation as quality

    write_orders(warehouse, [("O1", "C1", "approved", 1.0), ("O1", "C2", "approved", 2.0)])
    monkeypatch.setattr(quality, "all_contracts", lambda: [orders_contract()])
    argument = json.dumps(dict(cfg.model_dump(mode="json"), run_id="night-43", record=True))
    from c360_pipeline.orchestration.procedures import StepFailed

    with pytest.raises(StepFailed, match=r"QA_ORDERS\.unique\(ORDER_ID\)"):
        execute_step(session, "data_quality", argument)
    runs = warehouse.to_pandas("OPS", "PIPELINE_RUNS")
    recorded = runs[runs["RUN_ID"] == "night-43"].iloc[0]
    assert recorded["STEP"] == "data_quality" and recorded["STATUS"] == "failed"


def test_a_table_whose_columns_differ_from_the_declared_ones_fails_naming_the_check(session, cfg, warehouse):
    """Declared ORDER_ID, CUSTOMER_ID, STATUS as text and AMOUNT as NUMBER(12,2): the table has AMOUNT as a float
    and no CHANNEL column that the declaration adds, so two columns differ."""
    write_orders(warehouse, [("O1", "C1", "approved", 10.0)])
    declared = StructType([*ORDERS.fields[:3], StructField("AMOUNT", DecimalType(12, 2)), StructField("CHANNEL", StringType())])
    contract = TableContract("GOLD", "QA_ORDERS", "one row per order", primary_key=("ORDER_ID",), columns=declared)
    as_built = TableContract("GOLD", "QA_ORDERS", "one row per order", columns=ORDERS)
    outcomes = {o.check: o for o in evaluate_contracts(session, cfg, [contract])[0]}
    assert (outcomes["QA_ORDERS.columns_as_declared"].status, outcomes["QA_ORDERS.columns_as_declared"].failing_rows) == ("failed", 2)
    assert outcomes["QA_ORDERS.unique(ORDER_ID)"].status == "passed"
    assert [(o.check, o.status) for o in evaluate_contracts(session, cfg, [as_built])[0]] == [
        ("QA_ORDERS.columns_as_declared", "passed")]


# --- batched evaluation -------------------------------------------------------------------------


def test_the_checks_of_a_table_are_counted_in_one_query(session, cfg, warehouse):
    """Key, not-null, accepted values, a relationship and a row invariant over one table: one query reads its rows."""
    write_orders(warehouse, [("O1", "C1", "approved", 10.0), ("O1", "C9", "refunded", -3.0), ("O3", None, "approved", 1.0)])
    negative = Check("QA_ORDERS.amount_not_negative", "warn", condition=F.col("AMOUNT") < 0)
    with session.query_history() as history:
        outcomes, _ = evaluate_contracts(session, cfg, [orders_contract((negative,))])
    reading = [q.sql_text for q in history.queries if "QA_ORDERS" in q.sql_text and "LIMIT 0" not in q.sql_text
               and not q.sql_text.lstrip().upper().startswith("DESCRIBE")]
    assert len(reading) == 1, reading
    assert {o.check: o.failing_rows for o in outcomes} == {
        "QA_ORDERS.unique(ORDER_ID)": 1, "QA_ORDERS.not_null(CUSTOMER_ID)": 1, "QA_ORDERS.accepted_values(STATUS)": 1,
        "QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)": 1, "QA_ORDERS.amount_not_negative": 1,
    }


def test_an_empty_table_passes_every_batched_check(session, cfg, warehouse):
    write_orders(warehouse, [])
    outcomes, _ = evaluate_contracts(session, cfg, [orders_contract()])
    assert len(outcomes) == 4 and all(o.status == "passed" and o.failing_rows == 0 for o in outcomes), outcomes


def test_a_broken_check_is_named_and_the_other_checks_of_its_table_still_count(session, cfg, warehouse):
    write_orders(warehouse, [("O1", "C1", "approved", 1.0), ("O1", "C9", "approved", 2.0)])
    broken = TableContract(
        "GOLD", "QA_ORDERS", "one row per order", primary_key=("ORDER_ID",), not_null=("NO_SUCH_COLUMN",),
        relationships={"CUSTOMER_ID": ("GOLD", "QA_CUSTOMERS", "CUSTOMER_ID"), "ORDER_ID": ("GOLD", "QA_NOT_BUILT", "ORDER_ID")},
    )
    outcomes = {o.check: o for o in evaluate_contracts(session, cfg, [broken])[0]}
    assert outcomes["QA_ORDERS.not_null(NO_SUCH_COLUMN)"].status == "error"
    assert "NO_SUCH_COLUMN" in outcomes["QA_ORDERS.not_null(NO_SUCH_COLUMN)"].error
    assert outcomes["QA_ORDERS.relationship(ORDER_ID->QA_NOT_BUILT.ORDER_ID)"].status == "error"
    assert "QA_NOT_BUILT" in outcomes["QA_ORDERS.relationship(ORDER_ID->QA_NOT_BUILT.ORDER_ID)"].error
    assert outcomes["QA_ORDERS.unique(ORDER_ID)"].failing_rows == 1
    assert outcomes["QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)"].failing_rows == 1


def _executed(history) -> list[str]:
    """Statements executed, the warehouse's one listing of the database's tables (INFORMATION_SCHEMA) apart."""
    return [q.sql_text for q in history.queries if not q.is_describe and "INFORMATION_SCHEMA" not in q.sql_text]


def _orders_match_customers(frame, tables):
    """A query check (another table's rows): |orders - customers|."""
    return count_difference(frame, tables("GOLD", "QA_CUSTOMERS"))


def test_every_table_and_every_query_check_is_counted_in_one_statement(session, cfg, warehouse):
    """Two tables' aggregates, a relationship and two query checks: one aggregate statement reads every table."""
    write_orders(warehouse, [("O1", "C1", "approved", 10.0), ("O1", "C9", "refunded", -3.0), ("O3", None, "approved", 1.0)])
    matches = Check("QA_ORDERS.matches_customers", "error", query=_orders_match_customers)
    big = Check("QA_ORDERS.big_amounts", "warn", query=lambda frame, tables: count_rows(frame.filter(F.col("AMOUNT") > 5)))
    customers = TableContract("GOLD", "QA_CUSTOMERS", "one row per customer", primary_key=("CUSTOMER_ID",))
    with session.query_history(include_describe=True) as history:
        outcomes, _ = evaluate_contracts(session, cfg, [orders_contract((matches, big)), customers])
    assert len(_executed(history)) == 1, _executed(history)
    assert {o.check: o.failing_rows for o in outcomes} == {
        "QA_ORDERS.unique(ORDER_ID)": 1, "QA_ORDERS.not_null(CUSTOMER_ID)": 1, "QA_ORDERS.accepted_values(STATUS)": 1,
        "QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)": 1, "QA_ORDERS.matches_customers": 1,
        "QA_ORDERS.big_amounts": 1, "QA_CUSTOMERS.unique(CUSTOMER_ID)": 0,
    }


def test_a_broken_query_check_is_named_alone_and_every_other_check_still_counts(session, cfg, warehouse):
    """One query check cannot be built (its table is missing), one fails when run (no such column): each is an
    error naming why, and the checks beside them, batched or queried, keep their counts."""
    write_orders(warehouse, [("O1", "C1", "approved", 10.0), ("O1", "C9", "refunded", -3.0)])
    missing = Check("QA_ORDERS.matches_missing", "error",
                    query=lambda frame, tables: count_difference(frame, tables("GOLD", "QA_NOT_BUILT")))
    broken = Check("QA_ORDERS.broken_column", "error",
                   query=lambda frame, tables: count_rows(frame.filter(F.col("NO_SUCH_COLUMN") > 0)))
    matches = Check("QA_ORDERS.matches_customers", "error", query=_orders_match_customers)
    outcomes = {o.check: o for o in evaluate_contracts(session, cfg, [orders_contract((missing, broken, matches))])[0]}
    assert (outcomes["QA_ORDERS.matches_missing"].status, outcomes["QA_ORDERS.broken_column"].status) == ("error", "error")
    assert "QA_NOT_BUILT" in outcomes["QA_ORDERS.matches_missing"].error
    assert "NO_SUCH_COLUMN" in outcomes["QA_ORDERS.broken_column"].error
    assert {name: o.failing_rows for name, o in outcomes.items() if o.status != "error"} == {
        "QA_ORDERS.unique(ORDER_ID)": 1, "QA_ORDERS.not_null(CUSTOMER_ID)": 0, "QA_ORDERS.accepted_values(STATUS)": 1,
        "QA_ORDERS.relationship(CUSTOMER_ID->QA_CUSTOMERS.CUSTOMER_ID)": 1, "QA_ORDERS.matches_customers": 0,
    }


def test_a_query_check_alone_counts_what_it_counts_with_the_others(session, cfg, warehouse):
    write_orders(warehouse, [("O1", "C1", "approved", 10.0), ("O2", "C1", "approved", 1.0), ("O3", "C2", "approved", 1.0)])
    matches = Check("QA_ORDERS.matches_customers", "error", query=_orders_match_customers)
    (together,) = [o for o in evaluate_contracts(session, cfg, [orders_contract((matches,))])[0] if o.check == matches.name]
    assert together.failing_rows == matches.failing_rows(warehouse.read("GOLD", "QA_ORDERS"), warehouse.read) == 1


CUSTOMERS_IN_WORLD, AS_OF = 40, date(2025, 6, 30)


def _tamper(warehouse: Warehouse, layer: str, table: str, edit) -> None:
    """Rewrite a table with `edit(rows)` applied to its rows (in pandas), keeping its schema."""
    schema = warehouse.read(layer, table).schema
    rows = warehouse.to_pandas(layer, table)
    warehouse.write_pandas(edit(rows), schema, layer, table)


def _broken_stg_transactions(rows: pd.DataFrame) -> pd.DataFrame:
    rows = pd.concat([rows, rows.iloc[:2]], ignore_index=True)  # two transaction ids delivered twice
    rows.loc[2, "STATUS"] = "refunded"
    rows.loc[3, "CUSTOMER_ID"] = "CUST99999999"  # no such customer
    rows.loc[4, "TRANSACTION_AMOUNT"] = -1
    rows.loc[5, "CHANNEL"] = None
    return rows


def _broken_dim_customer(rows: pd.DataFrame) -> pd.DataFrame:
    current = rows.index[rows["IS_CURRENT"]][0]
    earlier = rows.index[~rows["IS_CURRENT"] & (rows["CUSTOMER_ID"] != rows.loc[current, "CUSTOMER_ID"])][0]
    rows.loc[current, "IS_CURRENT"] = False  # a customer left without a current version
    rows.loc[earlier, "CARD_TYPE"] = "Titanium"
    return pd.concat([rows, rows.loc[[earlier]]], ignore_index=True)  # a version key twice


def _broken_fact(rows: pd.DataFrame) -> pd.DataFrame:
    rows.loc[:1, "DATE_KEY"] = 19000101  # a day the date dimension does not have
    rows.loc[2, "MERCHANT_CATEGORY_KEY"] = None  # missing, so not an orphan
    return rows


def _broken_features(rows: pd.DataFrame) -> pd.DataFrame:
    rows.loc[0, "CUTOFF_DATE"] = None
    rows.loc[2, "TRAVEL_SHARE"] = 1.5
    rows.loc[3, "SPEND_30D"] = None
    return pd.concat([rows, rows.iloc[[1]]], ignore_index=True)


def _broken_predictions(rows: pd.DataFrame) -> pd.DataFrame:
    rows.loc[0, "MODEL_VERSION"] = "v-never-trained"
    rows.loc[1, "CHURN_PROBABILITY"] = 1.2
    return rows


def _broken_profile(rows: pd.DataFrame) -> pd.DataFrame:
    rows.loc[0, ["IS_RETENTION_TARGET", "IS_UPSELL_TARGET"]] = True
    rows.loc[1, "CHURN_RISK_CATEGORY"] = "Unknown"
    return rows


def _broken_transaction_values(rows: pd.DataFrame) -> pd.DataFrame:
    rows.loc[0, "SPENDING_CONSISTENCY"] = 2.0
    return rows


@pytest.fixture(scope="module")
def broken_world(tmp_path_factory):
    """A generated world built by the whole DAG, then broken on purpose in seven tables."""
    from c360_pipeline.generator import generate_world
    from c360_pipeline.orchestration.runner import run_pipeline
    from c360_pipeline.steps.ingest import land_directory

    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp("dq") / "home", as_of=AS_OF,
                               customers=CUSTOMERS_IN_WORLD, seed=7)
    generate_world(cfg.raw_dir, customers=CUSTOMERS_IN_WORLD, seed=7, as_of=AS_OF, dirty_rate=0.02)
    session = local_session()
    land_directory(session, cfg)
    summary = run_pipeline(cfg, session=session)
    assert summary.ok, summary.reason
    _stream_a_few(session, cfg)  # the streaming tables exist too, so their contracts are evaluated
    warehouse = Warehouse.of(session, cfg)
    _tamper(warehouse, "SILVER", "STG_TRANSACTIONS", _broken_stg_transactions)
    _tamper(warehouse, "GOLD", "DIM_CUSTOMER", _broken_dim_customer)
    _tamper(warehouse, "GOLD", "FCT_TRANSACTIONS", _broken_fact)
    _tamper(warehouse, "GOLD", "CHURN_FEATURES", _broken_features)
    _tamper(warehouse, "GOLD", "CHURN_PREDICTIONS", _broken_predictions)
    _tamper(warehouse, "GOLD", "CUSTOMER_360_PROFILE", _broken_profile)
    _tamper(warehouse, "GOLD", "METRIC_AVG_TRANSACTION_VALUE", _broken_transaction_values)
    yield session, cfg
    session.close()


def _stream_a_few(session, cfg) -> None:
    """Three events through the local stream sink, then the dynamic table refreshed."""
    from datetime import datetime

    from stream_fixtures import transaction

    from c360_pipeline.engine import dynamic_tables
    from c360_pipeline.streaming import daily_spend
    from c360_pipeline.streaming.events import Event, EventChecker, encode_event
    from c360_pipeline.streaming.sinks import ChannelPosition, LocalSink

    events = [Event("t", 0, n, datetime(2025, 6, 30, 9), encode_event(transaction(n, 1, transaction_date="2025-06-30 08:00:00")))
              for n in range(3)]
    batch = EventChecker(session).check(events, AS_OF, datetime(2025, 6, 30, 9, 1))
    LocalSink(session, cfg).write(batch, [ChannelPosition("t", 0, 2, 3)])
    dynamic_tables.refresh(session, daily_spend.definition(cfg))


def test_batched_evaluation_counts_what_each_check_counts_alone(broken_world):
    """Every declared check on a built, deliberately broken warehouse: same name, severity and failing rows."""
    session, cfg = broken_world
    batched, absent = evaluate_contracts(session, cfg)
    assert absent == []
    tables = Warehouse.of(session, cfg).read
    alone = [
        evaluate_check(check, tables(contract.layer, contract.table), tables, cfg.table(contract.layer, contract.table))
        for contract in all_contracts() for check in contract.checks()
    ]
    assert [(o.check, o.table, o.severity, o.failing_rows, o.status) for o in batched] == \
        [(o.check, o.table, o.severity, o.failing_rows, o.status) for o in alone]
    assert not [o for o in batched if o.status == "error"]

    failing = {o.check: o.failing_rows for o in batched}
    assert {name: failing[name] for name in BROKEN} == BROKEN
    assert failing["FCT_TRANSACTIONS.relationship(MERCHANT_CATEGORY_KEY->DIM_MERCHANT_CATEGORY.MERCHANT_CATEGORY_KEY)"] == 0


BROKEN = {  # what the tampering in `broken_world` breaks, and by how many rows
    "STG_TRANSACTIONS.unique(TRANSACTION_ID)": 2,
    "STG_TRANSACTIONS.accepted_values(STATUS)": 1,
    "STG_TRANSACTIONS.relationship(CUSTOMER_ID->STG_CUSTOMERS.CUSTOMER_ID)": 1,
    "STG_TRANSACTIONS.positive_amount": 1,
    "STG_TRANSACTIONS.not_null(CHANNEL)": 1,
    "FCT_TRANSACTIONS.matches_silver": 2,
    "DIM_CUSTOMER.unique(CUSTOMER_KEY)": 1,
    "DIM_CUSTOMER.accepted_values(CARD_TYPE)": 2,  # the version changed, and its copy
    "DIM_CUSTOMER.one_current_version": 1,
    "FCT_TRANSACTIONS.relationship(DATE_KEY->DIM_DATE.DATE_KEY)": 2,
    "FCT_TRANSACTIONS.not_null(MERCHANT_CATEGORY_KEY)": 1,
    "CHURN_FEATURES.not_null(CUTOFF_DATE)": 1,
    "CHURN_FEATURES.unique(CUSTOMER_ID,CUTOFF_DATE)": 1,
    "TRAVEL_SHARE.between(0,1)": 1,
    "CHURN_FEATURES.no_null_features": 1,
    "CHURN_PREDICTIONS.relationship(MODEL_VERSION->CHURN_MODEL_METRICS.MODEL_VERSION)": 1,
    "CHURN_PROBABILITY.between(0,1)": 1,
    "CUSTOMER_360_PROFILE.campaign_flags_exclusive": 1,
    "CUSTOMER_360_PROFILE.accepted_values(CHURN_RISK_CATEGORY)": 1,
    "METRIC_AVG_TRANSACTION_VALUE.values_ordered": 1,
}
