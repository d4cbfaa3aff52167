"""The Snowpipe Streaming sink's contract, against a fake SDK client and channel (in place of an account):
one channel per partition, offset token = Kafka offset, resume after the committed token, exactly once."""

from __future__ import annotations

import inspect
from datetime import date

import pytest
from stream_fixtures import transaction

from c360_pipeline.config import PipelineConfig
from c360_pipeline.streaming.consumer import StreamConsumer, consumer_config
from c360_pipeline.streaming.events import EventChecker, encode_event
from c360_pipeline.streaming.sinks import SnowpipeStreamingSink, ensure_stream_tables, streaming_properties
from c360_pipeline.engine.warehouse import Warehouse

CFG = PipelineConfig()


class FakeChannel:
    """Stands in for `StreamingIngestChannel`: rows and the offset token commit together on append (the
    server's view); `pending` rows are lost when the channel is dropped before `commit`."""

    def __init__(self, name: str, server: dict):
        self.channel_name = name
        self.server = server
        self.closed = False

    def append_rows(self, rows, start_offset_token=None, end_offset_token=None):
        assert not self.closed
        assert int(start_offset_token) <= int(end_offset_token)
        assert [r["_OFFSET"] for r in rows] == sorted(r["_OFFSET"] for r in rows)
        state = self.server.setdefault(self.channel_name, {"rows": [], "token": None})
        state["rows"].extend(rows)
        state["token"] = end_offset_token

    def get_latest_committed_offset_token(self):
        return self.server.get(self.channel_name, {}).get("token")

    def close(self, drop=False, wait_for_flush=True, timeout_seconds=None):
        self.closed = True


class FakeClient:
    """Stands in for `StreamingIngestClient`: opens fake channels over one fake server state."""

    def __init__(self, server: dict):
        self.server = server
        self.opened: list[str] = []
        self.closed = False

    def open_channel(self, channel_name, offset_token=None):
        self.opened.append(channel_name)
        return FakeChannel(channel_name, self.server), object()

    def close(self, wait_for_flush=True, timeout_seconds=None):
        self.closed = True


def test_the_fakes_take_the_real_sdks_arguments():
    from snowflake.ingest.streaming import StreamingIngestChannel, StreamingIngestClient

    for fake, real in ((FakeChannel.append_rows, StreamingIngestChannel.append_rows),
                       (FakeClient.open_channel, StreamingIngestClient.open_channel),
                       (FakeChannel.get_latest_committed_offset_token,
                        StreamingIngestChannel.get_latest_committed_offset_token)):
        assert list(inspect.signature(fake).parameters) == list(inspect.signature(real).parameters)


def _events(count: int) -> list[tuple[str, bytes]]:
    out = []
    for n in range(count):
        record = transaction(n, n % 11, transaction_amount="0.00") if n % 40 == 0 else transaction(n, n % 11)
        out.append((record["customer_id"], encode_event(record)))
    return out


def test_one_channel_per_partition_with_offset_tokens_and_a_restart_exactly_once(broker, session):
    ensure_stream_tables(Warehouse.of(session, CFG))  # SILVER.REJECTED_RECORDS, where the refused events go
    topic = broker.new_topic()
    broker.produce(topic, _events(400))
    server: dict = {}

    def consumer(max_events=None) -> StreamConsumer:
        sink = SnowpipeStreamingSink(FakeClient(server), session, CFG)
        return StreamConsumer(consumer_config(broker.bootstrap_servers, extra={"log_level": 0}), topic, sink,
                              EventChecker(session), as_of=lambda: date(2025, 7, 1), max_batch=60, poll_seconds=0.5)

    first = consumer()
    first.run(max_events=150)
    first.consumer.close()  # dies without closing its channels
    second = consumer()
    starts = second.start()
    assert starts == {p: int(server[f"{topic}-{p}"]["token"]) + 1 for p in broker.partitions(topic)
                      if f"{topic}-{p}" in server} | {p: 0 for p in broker.partitions(topic) if f"{topic}-{p}" not in server}
    assert second.run(max_events=250, max_seconds=120).events == 250  # the first committed exactly 150
    second.close()

    assert second.sink.client.closed and sorted(second.sink.client.opened) == sorted(
        f"{topic}-{p}" for p in broker.partitions(topic))
    rows = [row for state in server.values() for row in state["rows"]]
    rejected = session.table(CFG.table("SILVER", "REJECTED_RECORDS")).to_pandas()
    assert len(rows) == 390 and len({r["TRANSACTION_ID"] for r in rows}) == 390
    assert sorted(rejected["REJECT_REASON"]) == ["non_positive_amount"] * 10
    for name, state in server.items():
        offsets = [r["_OFFSET"] for r in state["rows"]]
        assert offsets == sorted(offsets) and all(r["_CHANNEL"] == name for r in state["rows"])
        assert int(state["token"]) >= offsets[-1]
    assert {type(rows[0][k]) for k in ("_PARTITION", "_OFFSET")} == {int}


def test_a_replayed_batch_adds_no_refused_event_twice(session):
    """Refused events are merged on (SOURCE_TABLE, RECORD_ID): a batch written again after a crash adds nothing."""
    from datetime import datetime

    from c360_pipeline.streaming.events import Event
    from c360_pipeline.streaming.sinks import ChannelPosition

    ensure_stream_tables(Warehouse.of(session, CFG))
    events = [Event("t", 0, n, datetime(2025, 7, 1), encode_event(transaction(n, 1, status="pending"))) for n in range(3)]
    batch = EventChecker(session).check(events, date(2025, 7, 1), datetime(2025, 7, 1, 12))
    sink = SnowpipeStreamingSink(FakeClient({}), session, CFG)
    sink.write(batch, [ChannelPosition("t", 0, 2, 3)])
    sink.write(batch, [ChannelPosition("t", 0, 2, 3)])
    assert sorted(session.table(CFG.table("SILVER", "REJECTED_RECORDS")).to_pandas()["REJECT_REASON"]) == [
        "unknown_status"] * 3


def test_the_sdk_authenticates_with_the_connections_key_pair_and_never_a_password():
    properties = streaming_properties({"account": "acme-xy12345", "user": "C360_STREAM", "role": "C360_LOADER",
                                       "private_key_file": "/keys/c360.p8", "password": "never used"})
    assert properties == {"account": "acme-xy12345", "user": "C360_STREAM", "role": "C360_LOADER",
                          "private_key_file": "/keys/c360.p8", "url": "https://acme-xy12345.snowflakecomputing.com"}
    with pytest.raises(ValueError, match="lacks private_key_file: Snowpipe Streaming authenticates with a key pair"):
        streaming_properties({"account": "acme", "user": "u", "password": "secret"})
