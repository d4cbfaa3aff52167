"""Step fct_transactions: new staged transactions appended to the fact, and rows whose customer version changed re-keyed."""

from __future__ import annotations

import time

from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult
from c360_pipeline.transforms.fact import customer_versions, fct_transactions, rekeyed_fact_rows, stale_fact_keys


def rekey_fact(warehouse: Warehouse, versions: DataFrame) -> int:
    """Re-key the fact rows whose CUSTOMER_KEY is no longer the version valid on their day; returns how many.

    Needed after a late-arriving customer change: DIM_CUSTOMER then splits (or merges) versions, and
    rows loaded earlier still point to the old version. When nothing changed this costs one aggregate
    of two fact columns to version grain and a join with the (few) versions. Otherwise the rows of the
    stale keys are re-keyed: an UPDATE by TRANSACTION_KEY of the rows whose key changed. Re-running
    finds no stale key, so it changes nothing.
    """
    if not warehouse.exists("GOLD", "FCT_TRANSACTIONS"):
        return 0
    keys = warehouse.read_columns("GOLD", "FCT_TRANSACTIONS", ["CUSTOMER_KEY", "TRANSACTION_DATE"])
    stale = [row["CUSTOMER_KEY"] for row in stale_fact_keys(keys, versions).collect()]
    if not stale:
        return 0
    fact = warehouse.read("GOLD", "FCT_TRANSACTIONS")
    candidates = fact.filter(F.col("CUSTOMER_KEY").isin(stale))  # a few customers' versions, not their transactions
    # Read four times (three counts, the update's source): materialised once.
    keyed = rekeyed_fact_rows(candidates, versions).cache_result()
    expected, found = candidates.count(), keyed.count()
    if found != expected:
        raise RuntimeError(
            f"fct_transactions found a valid customer version for {found} of {expected} fact rows to re-key: "
            "a customer version is missing (check GOLD.DIM_CUSTOMER validity intervals)"
        )
    moved = keyed.filter(F.col("CUSTOMER_KEY") != F.col("OLD_CUSTOMER_KEY")).select(
        "TRANSACTION_KEY", F.col("CUSTOMER_KEY").alias("NEW_CUSTOMER_KEY")
    )
    rekeyed = moved.count()
    if rekeyed == 0:
        return 0
    table = warehouse.session.table(warehouse.name("GOLD", "FCT_TRANSACTIONS"))
    table.update({"CUSTOMER_KEY": moved["NEW_CUSTOMER_KEY"]}, table["TRANSACTION_KEY"] == moved["TRANSACTION_KEY"], moved)
    return rekeyed


def run_fct_transactions(session: Session, cfg: PipelineConfig) -> StepResult:
    """Append staged transactions not yet in GOLD.FCT_TRANSACTIONS (watermark: TRANSACTION_KEY = silver _RECORD_ID),
    and re-key rows loaded earlier whose customer version changed since (late-arriving SCD2 changes)."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    versions = customer_versions(warehouse.read("GOLD", "DIM_CUSTOMER"))
    # Before the append: the rows appended below are keyed with the current versions already. It runs
    # on every batch, also one that brings only customer changes.
    rekeyed = rekey_fact(warehouse, versions)
    rekey_note = f", {rekeyed} re-keyed after late customer changes" if rekeyed else ""
    mark = warehouse.max_of("GOLD", "FCT_TRANSACTIONS", "TRANSACTION_KEY") or 0
    new = warehouse.read_since("SILVER", "STG_TRANSACTIONS", "_RECORD_ID", mark)
    incoming = new.count()
    if incoming == 0:
        return StepResult("fct_transactions", seconds=time.perf_counter() - started,
                          message=f"no new transactions{rekey_note}", details={"rekeyed": rekeyed})
    facts = fct_transactions(
        new, versions, warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY"), warehouse.read("GOLD", "DIM_DATE")
    )
    keyed = facts.count()
    if keyed != incoming:
        raise RuntimeError(
            f"fct_transactions keyed {keyed} of {incoming} new staged transactions: a customer version, a calendar "
            "day or a merchant category is missing (check GOLD.DIM_CUSTOMER validity intervals, GOLD.DIM_DATE's "
            "range and GOLD.DIM_MERCHANT_CATEGORY)"
        )
    rows = warehouse.write(facts, "GOLD", "FCT_TRANSACTIONS", mode="append")
    return StepResult("fct_transactions", rows_in=incoming, rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} transactions appended{rekey_note}", details={"rekeyed": rekeyed})
