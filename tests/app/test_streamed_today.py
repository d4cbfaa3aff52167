"""Customer 360's "streamed today" section over a real local database: the customer's streamed transactions of the
latest streamed day, that day's row of GOLD.DT_CUSTOMER_DAILY_SPEND and its "fresh as of" data timestamp."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from app_fixtures import build_app_warehouse
from streamlit.testing.v1 import AppTest

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.streaming.events import Event, EventChecker, encode_event
from c360_pipeline.streaming.sinks import ChannelPosition, LocalSink

APP_DIR = Path(__file__).resolve().parents[2] / "streamlit_app"
APP = APP_DIR / "streamlit_app.py"
sys.path.insert(0, str(APP_DIR))

import streaming_data  # noqa: E402

STREAM_DAY = date(2025, 7, 1)
REFRESHED_AT = datetime(2025, 7, 1, 9, 30, 5)


def _event(offset: int, transaction_id: str, customer_id: str, when: str, amount: str, status: str = "approved") -> Event:
    record = {"transaction_id": transaction_id, "customer_id": customer_id, "transaction_date": when,
              "transaction_amount": amount, "merchant_name": "Corner Cafe", "merchant_category": "Restaurants",
              "channel": "Mobile", "status": status}
    return Event("c360.transactions", 0, offset, datetime(2025, 7, 1, 9, offset), encode_event(record))


@pytest.fixture(scope="module")
def streamed_home(tmp_path_factory) -> tuple[Path, str, dict]:
    """A small app database and three streamed events of one customer on 2025-07-01, the dynamic table refreshed."""
    home = tmp_path_factory.mktemp("app-streamed")
    tables = build_app_warehouse(home, customers=12, transactions_per_customer=10, seed=3, scored=True)
    customer = sorted(tables["CUSTOMER_360_PROFILE"]["CUSTOMER_ID"])[0]
    other = sorted(tables["CUSTOMER_360_PROFILE"]["CUSTOMER_ID"])[1]
    events = [
        _event(0, "TXNSTREAM0001", customer.lower(), "2025-07-01 08:15:00", "12.50"),
        _event(1, "TXNSTREAM0002", customer, "2025-07-01 09:05:00", "40.00", status="declined"),
        _event(2, "TXNSTREAM0001", customer, "2025-07-01 08:15:00", "12.50"),  # sent twice: counts once
        _event(3, "TXNSTREAM0003", other, "2025-07-01 09:10:00", "7.25"),
        _event(4, "TXNSTREAM0004", customer, "2025-07-01 09:20:00", "-3.00"),  # refused: non_positive_amount
    ]
    cfg = PipelineConfig.build(home=home)
    session = engine.local_session(home, cfg.database)
    try:
        batch = EventChecker(session).check(events, STREAM_DAY, REFRESHED_AT)
        LocalSink(session, cfg).write(batch, [ChannelPosition("c360.transactions", 0, 4, 5)])
        from c360_pipeline.engine import dynamic_tables
        from c360_pipeline.streaming import daily_spend

        dynamic_tables.refresh(session, daily_spend.definition(cfg), clock=lambda: REFRESHED_AT)
    finally:
        session.close()
    return home, customer, tables


def test_the_section_reads_the_streamed_day_the_daily_spend_and_its_data_timestamp(streamed_home):
    home, customer, _ = streamed_home
    session = engine.reader_session(home)
    try:
        view = streaming_data.read_streamed_today(session, "local", "C360", customer)
    finally:
        session.close()
    assert view.day == STREAM_DAY
    assert list(view.transactions["TRANSACTION_ID"]) == ["TXNSTREAM0002", "TXNSTREAM0001"]  # newest first, once each
    assert (view.daily["TRANSACTION_COUNT"], view.daily["DECLINED_COUNT"], float(view.daily["APPROVED_SPEND"])) == (2, 1, 12.5)
    assert view.fresh_as_of == REFRESHED_AT


@pytest.mark.parametrize("text", ["' OR '1'='1", "x'); DROP TABLE C360.BRONZE.RAW_TRANSACTIONS_STREAM; --"])
def test_a_customer_id_is_a_bound_value_not_sql(streamed_home, text):
    home, _, _ = streamed_home
    session = engine.reader_session(home)
    try:
        view = streaming_data.read_streamed_today(session, "local", "C360", text)
        assert view.transactions.empty and view.daily is None
        assert session.table("C360.BRONZE.RAW_TRANSACTIONS_STREAM").count() == 4
    finally:
        session.close()


def test_customer_360_shows_the_streamed_transactions_fresh_as_of_the_dynamic_table(monkeypatch, streamed_home):
    home, customer, _ = streamed_home
    monkeypatch.setenv("C360_HOME", str(home))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception, [e.value for e in app.exception]
    app.text_input(key="c360_search").input(customer).run()
    assert not app.exception, [e.value for e in app.exception]
    customer_tab = next(t for t in app.tabs if t.label == "Customer 360")
    captions = [c.value for c in customer_tab.caption]
    assert any("2025-07-01, the latest streamed day · 2 streamed transaction(s) · daily spend fresh as of "
               "2025-07-01 09:30:05 UTC" in c for c in captions), captions
    shown = {m.label: m.value for m in customer_tab.metric}
    assert (shown["Approved spend that day"], shown["Transactions that day"], shown["Declined that day"]) == (
        "$12.50", "2", "1")
    streamed = customer_tab.dataframe[-1].value
    assert list(streamed["TRANSACTION_ID"]) == ["TXNSTREAM0002", "TXNSTREAM0001"]
    assert list(streamed["STATUS"]) == ["declined", "approved"]


def test_without_a_stream_the_tab_shows_no_section(monkeypatch, tmp_path):
    build_app_warehouse(tmp_path, customers=5, transactions_per_customer=3, seed=1, scored=True)
    monkeypatch.setenv("C360_HOME", str(tmp_path))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    customer_tab = next(t for t in app.tabs if t.label == "Customer 360")
    assert not any("streamed" in c.value for c in customer_tab.caption)
    assert "Approved spend that day" not in {m.label for m in customer_tab.metric}
