"""The nightly hook: streamed transactions handed to stage_silver as bronze records, so both paths share one dedupe.

Streamed rows not yet promoted are appended to BRONZE.RAW_TRANSACTIONS with `_SOURCE` = `kafka:<channel>`,
`_ROW_NUMBER` = the Kafka offset and the next bronze record ids; stage_silver then types, checks,
dedupes by transaction_id (a transaction delivered by stream and by file is staged once, the other
delivery counted as a duplicate), refuses and accounts for them exactly as for file rows, and
fct_transactions takes them from there. A promoted row is recognised by its (`_SOURCE`, `_ROW_NUMBER`),
so promoting again adds nothing.
"""

from __future__ import annotations

from snowflake.snowpark import Window
from snowflake.snowpark import functions as F

from c360_pipeline.engine.atomic import sequence_assigns_record_ids
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps.ingest import RAW_TABLES, TRANSACTION_COLUMNS
from c360_pipeline.streaming.events import STREAM_TABLE

STREAM_SOURCE_PREFIX = "kafka:"


def promote_streamed_transactions(warehouse: Warehouse) -> int:
    """Append the streamed rows not yet in BRONZE.RAW_TRANSACTIONS to it; returns how many."""
    if not warehouse.exists("BRONZE", STREAM_TABLE) or not warehouse.exists("BRONZE", "RAW_TRANSACTIONS"):
        return 0
    raw = warehouse.read("BRONZE", "RAW_TRANSACTIONS")
    promoted = raw.filter(F.col("_SOURCE").startswith(F.lit(STREAM_SOURCE_PREFIX))).select("_SOURCE", "_ROW_NUMBER")
    stream = warehouse.read("BRONZE", STREAM_TABLE).select(
        *[F.col(c.upper()) for c in TRANSACTION_COLUMNS],
        F.concat(F.lit("STREAM"), F.to_char(F.col("_PRODUCED_AT"), F.lit("YYYYMMDD"))).alias("_BATCH_ID"),
        F.concat(F.lit(STREAM_SOURCE_PREFIX), F.col("_CHANNEL")).alias("_SOURCE"),
        F.col("_OFFSET").alias("_ROW_NUMBER"),
        F.col("_INGESTED_AT").alias("_LOADED_AT"),
        "_PRODUCED_AT", "_PARTITION",
    )
    new = stream.join(promoted, ["_SOURCE", "_ROW_NUMBER"], how="leftanti").cache_result()
    count = new.count()
    if count == 0:
        return 0
    columns = [c.upper() for c in TRANSACTION_COLUMNS] + ["_BATCH_ID", "_SOURCE", "_ROW_NUMBER", "_LOADED_AT"]
    if sequence_assigns_record_ids(warehouse.session):
        rows = new.select(columns)  # the column's default: the bronze record-id sequence
    else:
        first = max((warehouse.max_of("BRONZE", t, "_RECORD_ID") or 0)
                    for t in [raw_table.table for raw_table in RAW_TABLES] + ["RAW_REJECTS"]) + 1
        order = Window.order_by("_PRODUCED_AT", "_PARTITION", "_ROW_NUMBER")
        rows = new.select(*columns, (F.row_number().over(order) + F.lit(first - 1)).alias("_RECORD_ID"))
    rows.write.save_as_table(warehouse.name("BRONZE", "RAW_TRANSACTIONS"), mode="append", column_order="name")
    return count
