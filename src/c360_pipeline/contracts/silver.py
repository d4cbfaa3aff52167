"""Contracts of the silver tables and of the batch accounting that proves no raw record is lost."""

from __future__ import annotations

from snowflake.snowpark import DataFrame
from snowflake.snowpark import functions as F

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, STATUSES
from c360_pipeline.contracts.model import Check, TableContract, count_rows


_STAGED_CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "SILVER", "STG_TRANSACTIONS", "one row per valid transaction_id, deduplicated",
        primary_key=("TRANSACTION_ID",),
        not_null=("CUSTOMER_ID", "TRANSACTION_DATE", "TRANSACTION_AMOUNT", "STATUS", "CHANNEL", "MERCHANT_CATEGORY"),
        accepted_values={"STATUS": STATUSES, "CHANNEL": CHANNELS},
        relationships={"CUSTOMER_ID": ("SILVER", "STG_CUSTOMERS", "CUSTOMER_ID")},
        invariants=(
            Check("STG_TRANSACTIONS.positive_amount", "error", description="every staged amount is positive",
                  condition=F.col("TRANSACTION_AMOUNT") <= F.lit(0)),
        ),
    ),
    TableContract(
        "SILVER", "STG_CUSTOMERS", "one row per customer per delivered attribute change",
        primary_key=("CUSTOMER_ID", "UPDATED_AT"),
        not_null=("CUSTOMER_ID", "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "UPDATED_AT"),
        accepted_values={"CARD_TYPE": CARD_TYPES},
    ),
    TableContract(
        "SILVER", "REJECTED_RECORDS", "one row per raw record refused",
        primary_key=("SOURCE_TABLE", "RECORD_ID"),
        not_null=("SOURCE_TABLE", "BATCH_ID", "REJECT_REASON", "RAW_PAYLOAD"),
    ),
)


_STAGED_TABLES = {"RAW_CUSTOMERS": "STG_CUSTOMERS", "RAW_TRANSACTIONS": "STG_TRANSACTIONS"}


def unbalanced_batches(accounting: DataFrame, tables) -> DataFrame:
    """Batches whose accounting does not add up: read != staged + duplicates + rejected, or the counts disagree
    with the rows in SILVER.STG_* (staged) and SILVER.REJECTED_RECORDS (rejected) for that batch."""
    totals = accounting.group_by("SOURCE_TABLE", "BATCH_ID").agg(
        *[F.sum(c).alias(c) for c in ("ROWS_READ", "ROWS_STAGED", "ROWS_DUPLICATE", "ROWS_REJECTED")]
    )
    try:
        rejected = tables("SILVER", "REJECTED_RECORDS").group_by("SOURCE_TABLE", "BATCH_ID").agg(
            F.count(F.lit(1)).alias("_REJECTED_ROWS"))
    except LookupError:  # nothing rejected yet
        rejected = totals.select("SOURCE_TABLE", "BATCH_ID", F.lit(0).alias("_REJECTED_ROWS"))
    staged = None
    for source, stg in _STAGED_TABLES.items():
        try:
            counted = tables("SILVER", stg).group_by("_BATCH_ID").agg(F.count(F.lit(1)).alias("_STAGED_ROWS"))
        except LookupError:  # a feed with no staged table yet has staged nothing
            continue
        counted = counted.select(F.lit(source).alias("SOURCE_TABLE"), F.col("_BATCH_ID").alias("BATCH_ID"), "_STAGED_ROWS")
        staged = counted if staged is None else staged.union_all(counted)
    checked = totals.join(rejected, ["SOURCE_TABLE", "BATCH_ID"], how="left")
    if staged is not None:
        checked = checked.join(staged, ["SOURCE_TABLE", "BATCH_ID"], how="left")
    else:
        checked = checked.with_column("_STAGED_ROWS", F.lit(0))
    return count_rows(checked.filter(
        (F.col("ROWS_READ") != F.col("ROWS_STAGED") + F.col("ROWS_DUPLICATE") + F.col("ROWS_REJECTED"))
        | (F.coalesce(F.col("_REJECTED_ROWS"), F.lit(0)) != F.col("ROWS_REJECTED"))
        | (F.coalesce(F.col("_STAGED_ROWS"), F.lit(0)) != F.col("ROWS_STAGED"))
    ))


CONTRACTS: tuple[TableContract, ...] = (
    *_STAGED_CONTRACTS,
    TableContract(
        "OPS", "BATCH_ACCOUNTING", "one row per source table per batch per stage_silver run: raw rows read and where they went",
        not_null=("SOURCE_TABLE", "BATCH_ID", "ROWS_READ", "ROWS_STAGED", "ROWS_DUPLICATE", "ROWS_REJECTED"),
        invariants=(
            Check("BATCH_ACCOUNTING.read_equals_staged_duplicates_rejected", "error",
                  description="per batch, raw rows read = staged + duplicates + rejected, matching SILVER.STG_* and "
                  "REJECTED_RECORDS",
                  query=unbalanced_batches),
        ),
    ),
)
