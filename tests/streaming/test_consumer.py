"""`c360 stream` against a real broker (librdkafka's mock cluster): exactly once across crashes, partition order,
refused events with their reason."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from c360_pipeline.config import PipelineConfig
from c360_pipeline.streaming.consumer import StreamConsumer, StreamError, consumer_config
from c360_pipeline.streaming.events import EventChecker, encode_event
from c360_pipeline.streaming.sinks import LocalSink

from stream_fixtures import transaction

CFG = PipelineConfig()
AS_OF = date(2025, 7, 1)
EVENTS = 1200


class Crash(Exception):
    """Stands for the process dying at that point."""


def _events() -> list[tuple[str, bytes]]:
    events = []
    for number in range(EVENTS):
        customer = number % 37
        if number % 101 == 0:
            record = transaction(number, customer, transaction_amount="-4.00")  # non_positive_amount
        elif number % 251 == 0:
            events.append((f"CUST{customer:08d}", b"{not json"))  # malformed_row
            continue
        elif number % 307 == 0:
            record = transaction(number, customer, transaction_date="2025-07-09 08:00:00")  # future_date
        else:
            record = transaction(number, customer)
        events.append((record["customer_id"], encode_event(record)))
    return events


def _expected_reasons() -> dict[str, int]:
    reasons = {"non_positive_amount": 0, "malformed_row": 0, "future_date": 0}
    for number in range(EVENTS):
        if number % 101 == 0:
            reasons["non_positive_amount"] += 1
        elif number % 251 == 0:
            reasons["malformed_row"] += 1
        elif number % 307 == 0:
            reasons["future_date"] += 1
    return reasons


def _consumer(broker, topic, session, **sink_options) -> StreamConsumer:
    sink = LocalSink(session, CFG, **sink_options)
    return StreamConsumer(consumer_config(broker.bootstrap_servers, extra={"log_level": 0}), topic, sink,
                          EventChecker(session), as_of=lambda: AS_OF, max_batch=150, poll_seconds=0.5)


def _stream(session) -> pd.DataFrame:
    return session.table(CFG.table("BRONZE", "RAW_TRANSACTIONS_STREAM")).to_pandas()


def _rejects(session, topic) -> pd.DataFrame:
    rejects = session.table(CFG.table("SILVER", "REJECTED_RECORDS")).to_pandas()
    return rejects[rejects["SOURCE_FILE"].str.startswith(f"kafka:{topic}-")]


def _assert_exactly_once(session, broker, topic) -> None:
    stream = _stream(session)
    stream = stream[stream["_TOPIC"] == topic]
    rejects = _rejects(session, topic)
    expected = _expected_reasons()
    # Every event once: accepted + refused = produced, no transaction id twice, no (partition, offset) twice.
    assert len(stream) + len(rejects) == EVENTS
    assert not stream["TRANSACTION_ID"].duplicated().any()
    assert not rejects["RECORD_ID"].duplicated().any()
    assert rejects["REJECT_REASON"].value_counts().to_dict() == expected
    positions = pd.concat([stream[["_PARTITION", "_OFFSET"]].astype(int),
                           pd.DataFrame({"_PARTITION": rejects["SOURCE_FILE"].str.rsplit("-", n=1).str[1].astype(int),
                                         "_OFFSET": rejects["ROW_NUMBER"].astype(int)})])
    for partition, offsets in positions.groupby("_PARTITION")["_OFFSET"]:
        assert sorted(offsets) == list(range(len(offsets))), f"partition {partition} has gaps or repeats"
    # Per-partition order: rows were committed in offset order.
    for _partition, rows in stream.groupby("_PARTITION"):
        assert list(rows.sort_values("_STREAM_ROW")["_OFFSET"]) == sorted(rows["_OFFSET"])
    # The channel tokens are the last offset of each partition.
    channels = session.table(CFG.table("OPS", "STREAM_CHANNELS")).to_pandas()
    channels = channels[channels["TOPIC"] == topic]
    last = positions.groupby("_PARTITION")["_OFFSET"].max().to_dict()
    assert dict(zip(channels["PARTITION_ID"].astype(int), channels["OFFSET_TOKEN"].astype(int))) == last
    assert int(channels["ROWS_COMMITTED"].sum()) == EVENTS


def test_every_event_lands_once_with_refused_ones_and_their_reason(broker, session):
    topic = broker.new_topic()
    broker.produce(topic, _events())
    consumer = _consumer(broker, topic, session)
    stats = consumer.run(max_events=EVENTS, max_seconds=120)
    consumer.close()
    assert (stats.events, stats.rejected) == (EVENTS, sum(_expected_reasons().values()))
    _assert_exactly_once(session, broker, topic)
    refused = _rejects(session, topic).set_index("REJECT_REASON")
    assert refused.loc["non_positive_amount", "REJECT_COLUMN"].iloc[0] == "transaction_amount"
    assert set(refused.loc["malformed_row", "RAW_PAYLOAD"]) == {"{not json"}


@pytest.mark.parametrize("where", ["inside the commit", "after the commit"])
@pytest.mark.parametrize("crash_at_batch", [1, 3])
def test_a_consumer_crashed_mid_stream_resumes_exactly_once(broker, session, where, crash_at_batch):
    topic = broker.new_topic()
    broker.produce(topic, _events())
    batches = {"n": 0}

    def crash() -> None:
        batches["n"] += 1
        if batches["n"] == crash_at_batch:
            raise Crash(f"died {where} of batch {crash_at_batch}")

    if where == "inside the commit":
        first = _consumer(broker, topic, session, before_commit=crash)
    else:
        first = _consumer(broker, topic, session)
        first.after_batch = crash
    with pytest.raises(Crash):
        first.run(max_events=EVENTS, max_seconds=120)
    first.consumer.close()  # the process is gone; its uncommitted batch with it
    partial = _stream(session)
    landed = len(partial[partial["_TOPIC"] == topic]) + len(_rejects(session, topic))
    if where == "inside the commit":  # the crashed batch is rolled back: only the batches before it remain
        assert landed <= (crash_at_batch - 1) * 150
        assert (landed == 0) == (crash_at_batch == 1)
    else:
        assert 0 < landed <= crash_at_batch * 150

    restarted = _consumer(broker, topic, session)
    # Exactly the events not committed before the crash are read again (a bound, not a wait: no timing involved).
    assert restarted.run(max_events=EVENTS - landed, max_seconds=120).events == EVENTS - landed
    restarted.close()
    _assert_exactly_once(session, broker, topic)
    after = _consumer(broker, topic, session)
    assert after.run(idle_seconds=1.0).events == 0  # and nothing beyond them
    after.close()


def test_a_restart_with_nothing_new_reads_nothing(broker, session):
    topic = broker.new_topic()
    broker.produce(topic, _events()[:100])
    first = _consumer(broker, topic, session)
    assert first.run(max_events=100, max_seconds=60).events == 100
    first.close()
    second = _consumer(broker, topic, session)
    starts = second.start()
    assert sum(starts.values()) == 100  # each partition resumes after its last offset
    assert second.run(idle_seconds=1.0).events == 0
    second.close()


def test_an_unknown_topic_is_a_clear_error(broker, session):
    consumer = _consumer(broker, "c360.no.such.topic", session)
    with pytest.raises(StreamError, match="c360.no.such.topic"):
        consumer.start(timeout=5)
    consumer.close()
