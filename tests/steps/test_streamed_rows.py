"""Streamed transactions in the nightly DAG: stage_silver takes them with the file rows, with the same dedupe,
rules and accounting, so a transaction delivered by stream and by file is staged and in the fact once."""

from __future__ import annotations

from datetime import date, datetime

from test_medallion import CUSTOMER_HEADER, TRANSACTION_HEADER, customer, raw_cfg, run_core, txn, write_csv  # noqa: F401 (raw_cfg: a fixture)

from c360_pipeline.streaming.events import Event, EventChecker, encode_event
from c360_pipeline.streaming.promote import promote_streamed_transactions
from c360_pipeline.streaming.sinks import ChannelPosition, LocalSink


def _stream(session, cfg, rows: list[list[str]]) -> None:
    """Deliver transactions through the local stream sink, one event per row on partition 0."""
    events = [Event("c360.transactions", 0, offset, datetime(2025, 6, 30, 8, offset),
                    encode_event(dict(zip(TRANSACTION_HEADER, row)))) for offset, row in enumerate(rows)]
    batch = EventChecker(session).check(events, date(2025, 6, 30), datetime(2025, 6, 30, 8, 30))
    LocalSink(session, cfg).write(batch, [ChannelPosition("c360.transactions", 0, len(rows) - 1, len(rows))])


def test_a_transaction_delivered_by_stream_and_by_file_is_staged_once(session, raw_cfg, warehouse):
    write_csv(raw_cfg.source / "customers_20250629.csv", CUSTOMER_HEADER, [customer("CUST00000001")])
    write_csv(raw_cfg.source / "transactions_20250629_001.csv", TRANSACTION_HEADER, [txn("T-1")])
    run_core(session, raw_cfg.model_copy(update={"as_of": date(2025, 6, 29)}))
    _stream(session, raw_cfg, [txn("T-2", when="2025-06-30 08:00:00"), txn("T-3", when="2025-06-30 08:05:00"),
                               txn("T-ghost", cid="CUST99999999", when="2025-06-30 08:06:00")])
    write_csv(raw_cfg.source / "transactions_20250630_001.csv", TRANSACTION_HEADER,
              [txn("T-3", when="2025-06-30 08:05:00"), txn("T-4", when="2025-06-30 09:00:00")])

    results = run_core(session, raw_cfg)

    stage = results["stage_silver"]
    assert stage.details["streamed"] == 3
    assert stage.details["transactions"] == {"raw": 5, "staged": 3, "duplicates": 1, "rejected": 1}
    fact = warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")
    assert sorted(fact["TRANSACTION_ID"]) == ["T-1", "T-2", "T-3", "T-4"]
    rejected = warehouse.to_pandas("SILVER", "REJECTED_RECORDS")
    ghost = rejected[rejected["RECORD_KEY"] == "T-ghost"]
    assert list(ghost["REJECT_REASON"]) == ["unknown_customer"]
    assert list(ghost["SOURCE_FILE"]) == ["kafka:c360.transactions-0"]
    accounting = warehouse.to_pandas("OPS", "BATCH_ACCOUNTING")
    streamed = accounting[accounting["BATCH_ID"] == "STREAM20250630"]
    assert (int(streamed["ROWS_READ"].sum()), int(streamed["ROWS_STAGED"].sum()),
            int(streamed["ROWS_DUPLICATE"].sum()), int(streamed["ROWS_REJECTED"].sum())) == (3, 1, 1, 1)

    # Again: nothing is promoted twice, nothing staged twice.
    assert promote_streamed_transactions(warehouse) == 0
    again = run_core(session, raw_cfg)
    assert again["stage_silver"].details["streamed"] == 0
    assert sorted(warehouse.to_pandas("GOLD", "FCT_TRANSACTIONS")["TRANSACTION_ID"]) == ["T-1", "T-2", "T-3", "T-4"]
