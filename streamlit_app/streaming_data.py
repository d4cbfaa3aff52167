"""Reads for the Customer 360 tab's "streamed today" section: a customer's streamed transactions of the stream's
latest day, that day's row of GOLD.DT_CUSTOMER_DAILY_SPEND and the dynamic table's data timestamp.

"Today" is the day of the latest streamed event (the stream's clock: in a live stream it is the real
today; replaying a generated world it is the world's next day). Every query is a Snowpark DataFrame with
the customer id as a bound literal, never SQL text made from user input. Both engines run the same
queries; only the data timestamp is read from where each engine records it (Snowflake's refresh history,
the local engine's OPS.DT_REFRESH_HISTORY).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import streamlit as st
from data_access import CACHE_SECONDS, AppData
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F

STREAM_TABLE = "RAW_TRANSACTIONS_STREAM"
DAILY_SPEND = "DT_CUSTOMER_DAILY_SPEND"
SHOWN_COLUMNS = ("TRANSACTION_ID", "TRANSACTION_DATE", "MERCHANT_NAME", "MERCHANT_CATEGORY", "TRANSACTION_AMOUNT",
                 "CHANNEL", "STATUS", "_PRODUCED_AT")


@dataclass(frozen=True)
class StreamedToday:
    """A customer's streamed day: which day, its events, the dynamic table's row and how fresh that table is."""

    day: date | None
    transactions: pd.DataFrame
    daily: dict | None
    fresh_as_of: datetime | None


def _typed(stream: DataFrame) -> DataFrame:
    """Stream rows typed as silver types them (customer upper case, timestamp, amount)."""
    return stream.select(
        F.trim(F.col("TRANSACTION_ID")).alias("TRANSACTION_ID"),
        F.upper(F.trim(F.col("CUSTOMER_ID"))).alias("CUSTOMER_ID"),
        F.call_function("try_to_timestamp", F.col("TRANSACTION_DATE")).alias("TRANSACTION_DATE"),
        F.trim(F.col("MERCHANT_NAME")).alias("MERCHANT_NAME"),
        F.trim(F.col("MERCHANT_CATEGORY")).alias("MERCHANT_CATEGORY"),
        F.trim(F.col("TRANSACTION_AMOUNT")).try_cast("NUMBER(12, 2)").alias("TRANSACTION_AMOUNT"),
        F.initcap(F.trim(F.col("CHANNEL"))).alias("CHANNEL"),
        F.lower(F.trim(F.col("STATUS"))).alias("STATUS"),
        "_PRODUCED_AT",
    )


def stream_day_query(stream: DataFrame) -> DataFrame:
    """One row: the day of the latest streamed event (DAY)."""
    return _typed(stream).agg(F.max(F.to_date(F.col("TRANSACTION_DATE"))).alias("DAY"))


def streamed_transactions_query(stream: DataFrame, customer_id: str, day: date) -> DataFrame:
    """A customer's streamed transactions of `day`, newest first, one row per transaction id (its first event)."""
    typed = _typed(stream).filter(
        (F.col("CUSTOMER_ID") == F.lit(customer_id.strip().upper())) & (F.to_date(F.col("TRANSACTION_DATE")) == F.lit(day))
    )
    return typed.group_by("TRANSACTION_ID").agg(
        *[F.min_by(F.col(c), F.col("_PRODUCED_AT")).alias(c) for c in SHOWN_COLUMNS if c not in ("TRANSACTION_ID", "_PRODUCED_AT")],
        F.min("_PRODUCED_AT").alias("_PRODUCED_AT"),
    ).select(*SHOWN_COLUMNS).sort(F.col("TRANSACTION_DATE").desc(), F.col("TRANSACTION_ID"))


def daily_spend_query(daily: DataFrame, customer_id: str, day: date) -> DataFrame:
    return daily.filter((F.col("CUSTOMER_ID") == F.lit(customer_id.strip().upper())) & (F.col("SPEND_DATE") == F.lit(day)))


def _exists(session: Session, name: str) -> bool:
    try:
        session.table(name).limit(0).collect()
        return True
    except Exception:  # the connector raises a ProgrammingError subtype per engine
        return False


def data_timestamp(session: Session, engine: str, database: str) -> datetime | None:
    """The dynamic table's data timestamp: its latest successful refresh (None before any)."""
    name = f"{database}.GOLD.{DAILY_SPEND}"
    if engine == "local":
        history = f"{database}.OPS.DT_REFRESH_HISTORY"
        if not _exists(session, history):
            return None
        rows = session.table(history).filter(F.col("NAME") == F.lit(name)).agg(
            F.max("DATA_TIMESTAMP").alias("T")).collect()
    else:
        rows = session.sql(
            "SELECT MAX(DATA_TIMESTAMP) AS T FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => ?)) "
            "WHERE STATE = 'SUCCEEDED'", params=[name]).collect()
    value = rows[0]["T"] if rows else None
    return None if value is None else pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)


def read_streamed_today(session: Session, engine: str, database: str, customer_id: str) -> StreamedToday | None:
    """The section's figures (None when nothing was ever streamed to this database)."""
    stream_name = f"{database}.BRONZE.{STREAM_TABLE}"
    if not _exists(session, stream_name):
        return None
    stream = session.table(stream_name)
    day = stream_day_query(stream).collect()[0]["DAY"]
    if day is None:
        return StreamedToday(None, pd.DataFrame(columns=list(SHOWN_COLUMNS)), None, None)
    transactions = streamed_transactions_query(stream, customer_id, day).to_pandas()
    transactions["TRANSACTION_AMOUNT"] = transactions["TRANSACTION_AMOUNT"].astype(float)
    daily_name = f"{database}.GOLD.{DAILY_SPEND}"
    daily = None
    if _exists(session, daily_name):
        rows = daily_spend_query(session.table(daily_name), customer_id, day).collect()
        daily = rows[0].as_dict() if rows else None
    return StreamedToday(day, transactions, daily, data_timestamp(session, engine, database))


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=256)
def _streamed_today(engine: str, home: str | None, database: str, customer_id: str, stamp: int | None):
    data = AppData(engine, home, database)
    with data.reading() as session:
        return read_streamed_today(session, engine, database, customer_id)


def streamed_today(data: AppData, customer_id: str) -> StreamedToday | None:
    """Cached by the database's stamp, as every read of the app."""
    return _streamed_today(data.engine, data.home, data.database, customer_id, data.stamp())
