"""The streaming tables' contracts: a Kafka position is in the stream table once, and the dynamic table's rows hold."""

from __future__ import annotations

from datetime import date, datetime

from stream_fixtures import transaction

from c360_pipeline.contracts import contract_for
from c360_pipeline.contracts.evaluation import evaluate_contracts
from c360_pipeline.streaming.events import Event, EventChecker, encode_event
from c360_pipeline.streaming.sinks import ChannelPosition, LocalSink


def _outcomes(session, cfg, table: str) -> dict[str, int]:
    outcomes, _absent = evaluate_contracts(session, cfg, [contract_for(*table.split("."))])
    return {o.check: o.failing_rows for o in outcomes}


def test_the_stream_table_contract_passes_once_and_fails_on_a_position_written_twice(session, cfg):
    events = [Event("t", 0, n, datetime(2025, 7, 1, 9), encode_event(transaction(n, 1))) for n in range(3)]
    batch = EventChecker(session).check(events, date(2025, 7, 1), datetime(2025, 7, 1, 9, 1))
    sink = LocalSink(session, cfg)
    sink.write(batch, [ChannelPosition("t", 0, 2, 3)])
    assert set(_outcomes(session, cfg, "BRONZE.RAW_TRANSACTIONS_STREAM").values()) == {0}
    assert set(_outcomes(session, cfg, "OPS.STREAM_CHANNELS").values()) == {0}
    sink.write(batch, [ChannelPosition("t", 0, 2, 3)])  # what a consumer without tokens would do
    assert _outcomes(session, cfg, "BRONZE.RAW_TRANSACTIONS_STREAM")[
        "RAW_TRANSACTIONS_STREAM.unique(_TOPIC,_PARTITION,_OFFSET)"] == 3
