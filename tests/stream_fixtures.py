"""Helpers of the streaming tests: a real Kafka broker (librdkafka's mock cluster) and transaction events."""

from __future__ import annotations

import itertools
import json

_topics = itertools.count(1)


class MockBroker:
    """librdkafka's built-in mock cluster (`test.mock.num.brokers`): a Kafka broker in this process, on 127.0.0.1.

    The cluster lives as long as the client that started it; topics are created on first produce with
    four partitions.
    """

    def __init__(self):
        from confluent_kafka import Producer

        self._holder = Producer({"test.mock.num.brokers": 1, "log_level": 0})
        brokers = self._holder.list_topics(timeout=10).brokers.values()
        self.bootstrap_servers = ",".join(f"{b.host}:{b.port}" for b in brokers)

    def new_topic(self) -> str:
        return f"c360.test.{next(_topics)}"

    def produce(self, topic: str, events: list[tuple[str, bytes]]) -> None:
        """Publish (key, value) events and wait until the broker has them all."""
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": self.bootstrap_servers, "linger.ms": 1, "log_level": 0})
        for key, value in events:
            producer.produce(topic, key=key.encode(), value=value)
        assert producer.flush(30) == 0

    def partitions(self, topic: str) -> list[int]:
        return sorted(self._holder.list_topics(topic, timeout=10).topics[topic].partitions)


def transaction(number: int, customer: int, **changes: str) -> dict[str, str]:
    """A valid transaction event's fields (a transactions file's row)."""
    record = {
        "transaction_id": f"TXN{number:012d}", "customer_id": f"CUST{customer:08d}",
        "transaction_date": "2025-07-01 10:15:00", "transaction_amount": f"{10 + number % 90}.25",
        "merchant_name": "Corner Shop", "merchant_category": "Grocery Stores", "channel": "Online",
        "status": "declined" if number % 17 == 0 else "approved",
    }
    record.update(changes)
    return record


def encoded(record: dict) -> bytes:
    return json.dumps(record).encode()


def stream_into(home, records: list[dict], refreshed_at, topic: str = "c360.transactions") -> None:
    """Deliver transaction records through the local stream sink (partition 0, one event each, in order) into the
    database of `home`, then refresh GOLD.DT_CUSTOMER_DAILY_SPEND with its data timestamp `refreshed_at`."""
    from datetime import timedelta

    from c360_pipeline import engine
    from c360_pipeline.config import PipelineConfig
    from c360_pipeline.engine import dynamic_tables
    from c360_pipeline.streaming import daily_spend
    from c360_pipeline.streaming.events import Event, EventChecker, encode_event
    from c360_pipeline.streaming.sinks import ChannelPosition, LocalSink

    cfg = PipelineConfig.build(home=home)
    events = [Event(topic, 0, offset, refreshed_at - timedelta(minutes=len(records) - offset), encode_event(record))
              for offset, record in enumerate(records)]
    session = engine.local_session(home, cfg.database)
    try:
        batch = EventChecker(session).check(events, refreshed_at.date(), refreshed_at)
        LocalSink(session, cfg).write(batch, [ChannelPosition(topic, 0, len(records) - 1, len(records))])
        dynamic_tables.refresh(session, daily_spend.definition(cfg), clock=lambda: refreshed_at)
    finally:
        session.close()
