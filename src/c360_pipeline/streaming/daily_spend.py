"""GOLD.DT_CUSTOMER_DAILY_SPEND: one row per customer per day, over the fact and the stream table.

Approved spend, transactions, declined count and the last event time per customer and day, from
GOLD.FCT_TRANSACTIONS and the streamed rows not yet in the fact (a transaction delivered by stream and
by file counts once: the fact's row wins; a transaction streamed twice counts once: its first event).
The query is Snowflake SQL and is the one definition: `c360 deploy` creates the dynamic table with it
(snowflake-core `DynamicTable`, `refresh_mode=INCREMENTAL`), and the local engine refreshes it
incrementally with the same query restricted to the (customer, day) groups that changed
(`engine.dynamic_tables`).
"""

from __future__ import annotations

from datetime import timedelta

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.dynamic_tables import ChangeSource, DynamicTableDefinition
from c360_pipeline.streaming.events import STREAM_TABLE

TABLE = "DT_CUSTOMER_DAILY_SPEND"
TARGET_LAG = timedelta(minutes=1)
TARGET_LAG_TEXT = "1 minute"
KEYS = ("CUSTOMER_ID", "SPEND_DATE")
COMMENT = ("one row per customer per day: approved spend, transactions, declined count and last event time, "
           "over GOLD.FCT_TRANSACTIONS and the streamed transactions not yet in it")


def _streamed(stream: str) -> str:
    """The stream table's rows typed as silver types them, one per transaction id (its first event)."""
    return (
        "SELECT TRIM(TRANSACTION_ID) AS TRANSACTION_ID, UPPER(TRIM(CUSTOMER_ID)) AS CUSTOMER_ID, "
        "TRY_TO_TIMESTAMP(TRANSACTION_DATE) AS TRANSACTION_TS, "
        "TRY_CAST(TRIM(TRANSACTION_AMOUNT) AS NUMBER(12, 2)) AS AMOUNT, LOWER(TRIM(STATUS)) AS STATUS "
        f"FROM {stream} "
        "QUALIFY ROW_NUMBER() OVER (PARTITION BY TRIM(TRANSACTION_ID) ORDER BY _PRODUCED_AT, _PARTITION, _OFFSET) = 1"
    )


def daily_spend_query(cfg: PipelineConfig) -> str:
    """The dynamic table's query (Snowflake SQL): customer-day aggregates of the fact plus the streamed rows."""
    fact = cfg.table("GOLD", "FCT_TRANSACTIONS")
    stream = cfg.table("BRONZE", STREAM_TABLE)
    return (
        f"WITH STREAMED AS ({_streamed(stream)}), "
        "TRANSACTIONS AS ("
        f"SELECT F.CUSTOMER_ID, F.TRANSACTION_DATE AS TRANSACTION_TS, F.TRANSACTION_AMOUNT AS AMOUNT, F.STATUS FROM {fact} F "
        "UNION ALL "
        f"SELECT S.CUSTOMER_ID, S.TRANSACTION_TS, S.AMOUNT, S.STATUS FROM STREAMED S LEFT JOIN {fact} F "
        "ON F.TRANSACTION_ID = S.TRANSACTION_ID WHERE F.TRANSACTION_ID IS NULL) "
        "SELECT CUSTOMER_ID, TO_DATE(TRANSACTION_TS) AS SPEND_DATE, "
        "CAST(SUM(CASE WHEN STATUS = 'approved' THEN AMOUNT ELSE 0 END) AS NUMBER(14, 2)) AS APPROVED_SPEND, "
        "COUNT(*) AS TRANSACTION_COUNT, "
        "SUM(CASE WHEN STATUS = 'declined' THEN 1 ELSE 0 END) AS DECLINED_COUNT, "
        "MAX(TRANSACTION_TS) AS LAST_EVENT_AT "
        "FROM TRANSACTIONS GROUP BY CUSTOMER_ID, TO_DATE(TRANSACTION_TS)"
    )


def changed_groups_query(cfg: PipelineConfig) -> str:
    """The (customer, day) groups that new source rows can change, with bound marks `?` (fact key, stream row).

    New fact rows, new streamed rows, and streamed rows whose transaction the new fact rows now hold
    (they leave the group their event put them in).
    """
    fact = cfg.table("GOLD", "FCT_TRANSACTIONS")
    stream = cfg.table("BRONZE", STREAM_TABLE)
    return (
        f"SELECT F.CUSTOMER_ID, TO_DATE(F.TRANSACTION_DATE) AS SPEND_DATE FROM {fact} F WHERE F.TRANSACTION_KEY > ? "
        "UNION "
        f"SELECT UPPER(TRIM(S.CUSTOMER_ID)), TO_DATE(TRY_TO_TIMESTAMP(S.TRANSACTION_DATE)) FROM {stream} S "
        "WHERE S._STREAM_ROW > ? "
        "UNION "
        f"SELECT UPPER(TRIM(S.CUSTOMER_ID)), TO_DATE(TRY_TO_TIMESTAMP(S.TRANSACTION_DATE)) FROM {stream} S "
        f"JOIN {fact} F ON F.TRANSACTION_ID = TRIM(S.TRANSACTION_ID) WHERE F.TRANSACTION_KEY > ?"
    )


def definition(cfg: PipelineConfig) -> DynamicTableDefinition:
    """The dynamic table as the local engine refreshes it: query, keys, change markers, target lag."""
    return DynamicTableDefinition(
        table=cfg.table("GOLD", TABLE),
        query=daily_spend_query(cfg),
        keys=KEYS,
        sources=(ChangeSource(cfg.table("GOLD", "FCT_TRANSACTIONS"), "TRANSACTION_KEY"),
                 ChangeSource(cfg.table("BRONZE", STREAM_TABLE), "_STREAM_ROW")),
        changed_groups=changed_groups_query(cfg),
        # fact mark, stream mark, fact mark: the order of the `?` in changed_groups_query
        mark_order=(0, 1, 0),
        target_lag=TARGET_LAG,
        history_table=cfg.table("OPS", "DT_REFRESH_HISTORY"),
    )


def dynamic_table_resource(cfg: PipelineConfig):
    """The snowflake-core `DynamicTable` that `c360 deploy` creates (or replaces) in the GOLD schema."""
    from snowflake.core.dynamic_table import DynamicTable, DynamicTableColumn, UserDefinedLag

    return DynamicTable(
        name=TABLE,
        target_lag=UserDefinedLag(seconds=int(TARGET_LAG.total_seconds())),
        warehouse=cfg.warehouse,
        query=daily_spend_query(cfg),
        refresh_mode="INCREMENTAL",
        initialize="ON_CREATE",
        columns=[
            DynamicTableColumn(name="CUSTOMER_ID", datatype="VARCHAR"),
            DynamicTableColumn(name="SPEND_DATE", datatype="DATE"),
            DynamicTableColumn(name="APPROVED_SPEND", datatype="NUMBER(14, 2)"),
            DynamicTableColumn(name="TRANSACTION_COUNT", datatype="NUMBER(38, 0)"),
            DynamicTableColumn(name="DECLINED_COUNT", datatype="NUMBER(38, 0)"),
            DynamicTableColumn(name="LAST_EVENT_AT", datatype="TIMESTAMP_NTZ"),
        ],
        comment=COMMENT,
    )
