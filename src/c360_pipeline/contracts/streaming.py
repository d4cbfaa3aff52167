"""Contracts of the streaming tables: the stream table (each Kafka event at most once), its channel tokens and the
dynamic table GOLD.DT_CUSTOMER_DAILY_SPEND."""

from __future__ import annotations

from snowflake.snowpark import functions as F

from c360_pipeline.contracts.model import Check, TableContract

CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "BRONZE", "RAW_TRANSACTIONS_STREAM", "one row per accepted transaction event as delivered",
        # Exactly once: a Kafka position (topic, partition, offset) is never written twice.
        primary_key=("_TOPIC", "_PARTITION", "_OFFSET"),
        not_null=("_CHANNEL", "_PRODUCED_AT", "_INGESTED_AT"),
    ),
    TableContract(
        "OPS", "STREAM_CHANNELS", "one row per stream channel (topic-partition): its last committed offset token",
        primary_key=("CHANNEL_NAME",),
        not_null=("TOPIC", "PARTITION_ID", "OFFSET_TOKEN", "COMMITTED_AT"),
    ),
    TableContract(
        "GOLD", "DT_CUSTOMER_DAILY_SPEND", "one row per customer per day",
        primary_key=("CUSTOMER_ID", "SPEND_DATE"),
        not_null=("APPROVED_SPEND", "TRANSACTION_COUNT", "DECLINED_COUNT", "LAST_EVENT_AT"),
        invariants=(
            Check("DT_CUSTOMER_DAILY_SPEND.declined_within_transactions", "error",
                  description="a day's declined transactions are among its transactions",
                  condition=F.col("DECLINED_COUNT") > F.col("TRANSACTION_COUNT")),
        ),
    ),
)
