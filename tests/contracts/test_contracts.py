"""Table contracts: how checks are declared, what the generic checks count, and the list of every table's contract."""

from __future__ import annotations

import pandas as pd
import pytest
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import BooleanType, LongType, StringType, StructField, StructType

from c360_pipeline.contracts import all_contracts, contract_for
from c360_pipeline.contracts import bronze as bronze_contracts
from c360_pipeline.contracts import churn as churn_contracts
from c360_pipeline.contracts import streaming as streaming_contracts
from c360_pipeline.contracts import gold as gold_contracts
from c360_pipeline.contracts import marts as marts_contracts
from c360_pipeline.contracts import silver as silver_contracts
from c360_pipeline.contracts.model import Check, TableContract, duplicate_keys, rows_where
from c360_pipeline.documents import contract as docs_contracts

KEYS = StructType([StructField("A", StringType()), StructField("B", LongType())])


def frame_of(warehouse, rows: list[tuple], schema: StructType = KEYS):
    return warehouse.dataframe(pd.DataFrame(rows, columns=[f.name for f in schema.fields]), schema)


def failing(frame, measure) -> int:
    return frame.agg(measure.alias("FAILING")).collect()[0]["FAILING"]


def test_every_table_has_one_contract_listed_by_its_layer_module():
    listed = [*bronze_contracts.CONTRACTS, *silver_contracts.CONTRACTS, *gold_contracts.CONTRACTS, *marts_contracts.CONTRACTS,
              *churn_contracts.CONTRACTS, *docs_contracts.CONTRACTS, *streaming_contracts.CONTRACTS]
    assert all_contracts() == listed
    names = [c.qualified for c in listed]
    assert len(names) == len(set(names)), names
    assert {"GOLD.DIM_CUSTOMER", "GOLD.FCT_TRANSACTIONS", "GOLD.CUSTOMER_360_PROFILE", "OPS.BATCH_ACCOUNTING"} <= set(names)


def test_check_names_are_unique_within_each_table():
    for contract in all_contracts():
        names = [check.name for check in contract.checks()]
        assert len(names) == len(set(names)), contract.qualified


def test_contract_for_names_the_table_it_does_not_know():
    assert contract_for("gold", "dim_customer").table == "DIM_CUSTOMER"
    with pytest.raises(KeyError, match="GOLD.NO_SUCH_TABLE"):
        contract_for("GOLD", "NO_SUCH_TABLE")


def test_a_check_is_declared_one_way():
    with pytest.raises(ValueError, match="not condition and aggregate"):
        Check("T.both", "error", condition=F.col("A").is_null(), aggregate=F.count(F.lit(1)))
    with pytest.raises(ValueError, match="declare a condition"):
        Check("T.nothing", "error")


def test_a_condition_counts_the_rows_where_it_is_true_and_null_is_not_true(warehouse):
    frame = frame_of(warehouse, [("x", 1), ("x", None), (None, 3), ("y", 5)])
    check = Check("T.big", "error", condition=F.col("B") > 2)
    assert check.failing_rows(frame, warehouse.read) == 2
    assert failing(frame, rows_where(F.col("B") > 2)) == 2


def test_rows_where_is_zero_on_an_empty_table(warehouse):
    empty = frame_of(warehouse, [("x", 1)]).filter(F.lit(False))
    assert failing(empty, rows_where(F.col("B") > 0)) == 0


def test_a_single_column_key_fails_on_repeats_and_on_missing_keys(warehouse):
    frame = frame_of(warehouse, [("x", 1), ("x", 2), ("x", 3), (None, 4), ("y", 5)])
    assert failing(frame, duplicate_keys(("A",))) == 3  # two repeats of x, one row without a key


def test_a_composite_key_fails_on_rows_that_agree_on_every_part_nulls_included(warehouse):
    frame = frame_of(warehouse, [("x", 1), ("x", 1), ("x", None), ("x", None), (None, 1), ("y", 1)])
    assert failing(frame, duplicate_keys(("A", "B"))) == 2
    assert failing(frame.filter(F.lit(False)), duplicate_keys(("A", "B"))) == 0


def test_the_primary_key_check_of_a_contract_counts_duplicates(warehouse):
    contract = TableContract("GOLD", "QA", "one row per A and B", primary_key=("A", "B"))
    (check,) = contract.checks()
    assert check.failing_rows(frame_of(warehouse, [("x", 1), ("x", 1), ("x", 2)]), warehouse.read) == 1


VERSIONS = StructType([StructField("CUSTOMER_ID", StringType()), StructField("IS_CURRENT", BooleanType())])


def test_one_current_version_counts_customers_without_one_and_extra_current_versions(warehouse):
    check = next(c for c in contract_for("GOLD", "DIM_CUSTOMER").checks() if c.name == "DIM_CUSTOMER.one_current_version")
    versions = frame_of(warehouse, [
        ("A", True), ("A", True), ("A", False),  # one current version too many
        ("B", False), ("B", False),  # no current version
        ("C", False), ("C", True),  # as it should be
    ], VERSIONS)
    assert check.failing_rows(versions, warehouse.read) == 2
    assert check.failing_rows(versions.filter(F.col("CUSTOMER_ID") == "C"), warehouse.read) == 0
