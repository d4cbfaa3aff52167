"""GOLD.DT_CUSTOMER_DAILY_SPEND on the local engine: incremental refreshes equal a full recompute, the data
timestamp and history are recorded, and the refresh schedule keeps staleness within the target lag."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snowflake.snowpark.types import DecimalType, LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine import dynamic_tables
from c360_pipeline.engine.dynamic_tables import RefreshSchedule
from c360_pipeline.streaming import daily_spend
from c360_pipeline.streaming.events import STREAM_SCHEMA

CFG = PipelineConfig()
FACT = CFG.table("GOLD", "FCT_TRANSACTIONS")
STREAM = CFG.table("BRONZE", "RAW_TRANSACTIONS_STREAM")
FACT_SCHEMA = StructType([
    StructField("TRANSACTION_KEY", LongType()), StructField("TRANSACTION_ID", StringType()),
    StructField("CUSTOMER_ID", StringType()), StructField("TRANSACTION_DATE", TimestampType()),
    StructField("TRANSACTION_AMOUNT", DecimalType(12, 2)), StructField("STATUS", StringType()),
])
CUSTOMERS = ["CUST00000001", "CUST00000002", "CUST00000003"]
DAYS = [date(2025, 7, 1), date(2025, 7, 2)]


@pytest.fixture(scope="module")
def session():
    session = engine.local_session()
    for schema in ("GOLD", "BRONZE", "OPS"):
        session.sql(f"CREATE SCHEMA IF NOT EXISTS C360.{schema}").collect()
    yield session
    session.close()


def _reset(session) -> None:
    engine.load_pandas(session, pd.DataFrame(columns=FACT_SCHEMA.names), FACT_SCHEMA, FACT)
    engine.load_pandas(session, pd.DataFrame(columns=STREAM_SCHEMA.names), STREAM_SCHEMA, STREAM)
    for table in (CFG.table("GOLD", daily_spend.TABLE), CFG.table("OPS", "DT_REFRESH_HISTORY")):
        session.sql(f"DROP TABLE IF EXISTS {table}").collect()


def _fact_row(key: int, txn: str, customer: str, day: date, amount: str, status: str) -> dict:
    return {"TRANSACTION_KEY": key, "TRANSACTION_ID": txn, "CUSTOMER_ID": customer,
            "TRANSACTION_DATE": datetime.combine(day, datetime.min.time()) + timedelta(hours=key % 20),
            "TRANSACTION_AMOUNT": amount, "STATUS": status}


def _stream_row(row: int, txn: str, customer: str, day: date, amount: str, status: str) -> dict:
    # As delivered: text, odd case and spaces that silver's typing cleans.
    return {"TRANSACTION_ID": f" {txn}", "CUSTOMER_ID": customer.lower(),
            "TRANSACTION_DATE": f"{day} {row % 24:02d}:15:00", "TRANSACTION_AMOUNT": amount,
            "MERCHANT_NAME": "Shop", "MERCHANT_CATEGORY": "Grocery Stores", "CHANNEL": "Online", "STATUS": status.upper(),
            "_CHANNEL": "t-0", "_TOPIC": "t", "_PARTITION": 0, "_OFFSET": row, "_PRODUCED_AT": datetime(2025, 7, 1) + timedelta(seconds=row),
            "_INGESTED_AT": datetime(2025, 7, 1), "_STREAM_ROW": row}


def _append(session, table: str, rows: list[dict], schema: StructType) -> None:
    engine.load_pandas(session, pd.DataFrame(rows, columns=schema.names), schema, table, mode="append")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["APPROVED_SPEND"] = frame["APPROVED_SPEND"].astype(float).round(2)
    for column in ("TRANSACTION_COUNT", "DECLINED_COUNT"):
        frame[column] = frame[column].astype(int)
    frame["SPEND_DATE"] = pd.to_datetime(frame["SPEND_DATE"]).dt.date
    frame["LAST_EVENT_AT"] = pd.to_datetime(frame["LAST_EVENT_AT"])
    return frame.sort_values(list(daily_spend.KEYS)).reset_index(drop=True)[
        ["CUSTOMER_ID", "SPEND_DATE", "APPROVED_SPEND", "TRANSACTION_COUNT", "DECLINED_COUNT", "LAST_EVENT_AT"]]


# A step: append to the fact, append to the stream (new or already known transaction ids), or refresh.
transaction = st.tuples(st.integers(0, 11), st.sampled_from(CUSTOMERS), st.sampled_from(DAYS),
                        st.sampled_from(["10.00", "25.50", "3.25"]), st.sampled_from(["approved", "declined"]))
step = st.one_of(
    st.tuples(st.just("fact"), st.lists(transaction, min_size=1, max_size=4)),
    st.tuples(st.just("stream"), st.lists(transaction, min_size=1, max_size=4)),
    st.tuples(st.just("refresh"), st.just([])),
)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_incremental_refreshes_equal_a_full_recompute(session, steps):
    _reset(session)
    definition = daily_spend.definition(CFG)
    key = row = 0
    in_fact: set[str] = set()
    actions = []
    for kind, transactions in steps + [("refresh", [])]:
        if kind == "fact":
            rows = []
            for number, customer, day, amount, status in transactions:
                txn = f"TXN{number:012d}"
                if txn in in_fact:  # the fact holds a transaction once (stage_silver's dedupe)
                    continue
                in_fact.add(txn)
                key += 1
                rows.append(_fact_row(key, txn, customer, day, amount, status))
            _append(session, FACT, rows, FACT_SCHEMA)
        elif kind == "stream":
            rows = []
            for number, customer, day, amount, status in transactions:
                row += 1
                rows.append(_stream_row(row, f"TXN{number:012d}", customer, day, amount, status))
            _append(session, STREAM, rows, STREAM_SCHEMA)
        else:
            actions.append(dynamic_tables.refresh(session, definition).action)
            incremental = _sorted(session.table(definition.table).to_pandas())
            expected = _sorted(dynamic_tables.full_result(session, definition))
            pd.testing.assert_frame_equal(incremental, expected)
    assert actions[0] == "FULL"
    assert set(actions[1:]) <= {"INCREMENTAL", "NO_DATA"}


def test_a_transaction_streamed_and_filed_counts_once_and_the_refresh_is_recorded(session):
    _reset(session)
    definition = daily_spend.definition(CFG)
    _append(session, STREAM, [_stream_row(1, "TXN000000000001", CUSTOMERS[0], DAYS[0], "10.00", "approved"),
                              _stream_row(2, "TXN000000000001", CUSTOMERS[0], DAYS[0], "10.00", "approved"),
                              _stream_row(3, "TXN000000000002", CUSTOMERS[0], DAYS[0], "5.00", "declined")], STREAM_SCHEMA)
    first = dynamic_tables.refresh(session, definition, clock=lambda: datetime(2025, 7, 1, 12, 0, 0))
    row = session.table(definition.table).collect()[0]
    assert (row["TRANSACTION_COUNT"], row["DECLINED_COUNT"], float(row["APPROVED_SPEND"])) == (2, 1, 10.0)
    # The file delivers the first transaction too (with another amount): the fact's row wins, once.
    _append(session, FACT, [_fact_row(1, "TXN000000000001", CUSTOMERS[0], DAYS[0], "12.00", "approved")], FACT_SCHEMA)
    second = dynamic_tables.refresh(session, definition, clock=lambda: datetime(2025, 7, 1, 12, 0, 30))
    row = session.table(definition.table).collect()[0]
    assert (row["TRANSACTION_COUNT"], row["DECLINED_COUNT"], float(row["APPROVED_SPEND"])) == (2, 1, 12.0)
    third = dynamic_tables.refresh(session, definition, clock=lambda: datetime(2025, 7, 1, 12, 1, 0))
    assert (first.action, second.action, third.action) == ("FULL", "INCREMENTAL", "NO_DATA")
    assert (second.rows_inserted, second.rows_deleted) == (1, 1)
    history = session.table(definition.history_table).sort("REFRESH_END_TIME").to_pandas()
    assert list(history["REFRESH_ACTION"]) == ["FULL", "INCREMENTAL", "NO_DATA"]
    assert list(history["DATA_TIMESTAMP"]) == [pd.Timestamp("2025-07-01 12:00:00"), pd.Timestamp("2025-07-01 12:00:30"),
                                               pd.Timestamp("2025-07-01 12:01:00")]
    assert list(history["ROWS_CHANGED"]) == [1, 2, 0]
    assert dynamic_tables.staleness(session, definition, datetime(2025, 7, 1, 12, 1, 45)) == timedelta(seconds=45)


def test_a_rebuilt_source_gives_a_full_refresh(session):
    _reset(session)
    definition = daily_spend.definition(CFG)
    _append(session, FACT, [_fact_row(k, f"TXN{k:012d}", CUSTOMERS[0], DAYS[0], "10.00", "approved") for k in (1, 2, 3)],
            FACT_SCHEMA)
    dynamic_tables.refresh(session, definition)
    engine.load_pandas(session, pd.DataFrame([_fact_row(1, "TXN000000000009", CUSTOMERS[1], DAYS[1], "1.00", "approved")]),
                       FACT_SCHEMA, FACT)  # rebuilt smaller: the mark went back
    assert dynamic_tables.refresh(session, definition).action == "FULL"
    assert [r["CUSTOMER_ID"] for r in session.table(definition.table).collect()] == [CUSTOMERS[1]]


class FakeClock:
    """A clock the test moves by hand (named as a fake: it stands in for the wall clock)."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize("seed", range(5))
def test_staleness_never_exceeds_the_target_lag(seed):
    import random

    chance = random.Random(seed)
    clock = FakeClock(datetime(2025, 7, 1, 9, 0, 0))
    lag, poll = timedelta(seconds=60), timedelta(seconds=5)
    schedule = RefreshSchedule(lag, poll, clock)
    worst = timedelta(0)
    refreshes = 0

    def run() -> datetime:
        data_timestamp = clock()  # the sources are read as of the refresh's start
        clock.now += timedelta(seconds=chance.uniform(0.1, 8.0))  # the refresh takes a while
        return data_timestamp

    for _ in range(2000):
        clock.now += timedelta(seconds=chance.uniform(0.0, poll.total_seconds()))  # the caller polls
        if schedule.data_timestamp is not None:
            worst = max(worst, clock() - schedule.data_timestamp)
        refreshes += schedule.tick(run)
        worst = max(worst, clock() - schedule.data_timestamp)
    assert worst <= lag
    # It does not refresh on every poll either: the lag is used.
    assert refreshes < 2000 / 4


def test_a_schedule_polled_less_often_than_the_lag_is_refused():
    with pytest.raises(ValueError, match="shorter than the target lag"):
        RefreshSchedule(timedelta(seconds=10), timedelta(seconds=10))
