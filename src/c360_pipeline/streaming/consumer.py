"""`c360 stream`: consume card-transaction events from Kafka into the stream table, exactly once.

On start the consumer asks the sink for each partition's committed offset token and assigns the
partition at token + 1 (the beginning when none): Kafka's own group offsets are not used, so the
table and its tokens are the one record of progress. Each poll returns a batch (at most
`max_batch` events or `poll_seconds` of waiting); it is checked with the silver rules and written by
the sink with the tokens in one commit. Kafka keeps order within a partition and the batch keeps it,
so rows of a partition are committed in offset order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from c360_pipeline.streaming.events import Event, EventChecker
from c360_pipeline.streaming.sinks import ChannelPosition, Sink


class StreamError(RuntimeError):
    """The broker or the topic cannot be used; the message says what to check."""


@dataclass
class StreamStats:
    """What a consumer run did: events read, accepted, refused, batches committed and the last positions."""

    events: int = 0
    accepted: int = 0
    rejected: int = 0
    batches: int = 0
    seconds: float = 0.0
    positions: dict[int, int] = field(default_factory=dict)

    def summary(self) -> str:
        rate = self.events / self.seconds if self.seconds else 0.0
        return (f"{self.events:,} events = {self.accepted:,} accepted + {self.rejected:,} refused, "
                f"{self.batches:,} batches in {self.seconds:.1f} s ({rate:,.0f} events/s)")


def consumer_config(bootstrap_servers: str, group_id: str = "c360-stream", extra: dict | None = None) -> dict:
    """The confluent-kafka consumer settings: no auto commit (the sink's tokens are the progress record)."""
    settings = {
        "bootstrap.servers": bootstrap_servers,
        "group.id": group_id,
        "enable.auto.commit": False,
        "enable.partition.eof": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 50,
    }
    settings.update(extra or {})
    return settings


class StreamConsumer:
    """Reads a topic's partitions from their committed tokens and hands checked batches to a sink."""

    def __init__(self, settings: dict, topic: str, sink: Sink, checker: EventChecker,
                 as_of: Callable[[], date] | None = None, after_batch: Callable[[], None] | None = None,
                 max_batch: int = 5000, poll_seconds: float = 0.2, clock: Callable[[], datetime] | None = None):
        from confluent_kafka import Consumer

        self.topic = topic
        self.sink = sink
        self.checker = checker
        self.as_of = as_of or (lambda: datetime.now(timezone.utc).date())
        self.after_batch = after_batch
        self.max_batch = max_batch
        self.poll_seconds = poll_seconds
        self.clock = clock or (lambda: datetime.now(timezone.utc).replace(tzinfo=None))
        self.consumer = Consumer(settings)
        self.partitions: list[int] = []

    def start(self, timeout: float = 10.0) -> dict[int, int]:
        """Assign every partition of the topic at its committed token + 1; returns partition → next offset."""
        from confluent_kafka import OFFSET_BEGINNING, KafkaException, TopicPartition

        try:
            metadata = self.consumer.list_topics(self.topic, timeout=timeout)
        except KafkaException as error:
            raise StreamError(f"cannot reach the Kafka broker to read topic {self.topic!r}: {error}; "
                              "check --bootstrap-servers and that the broker is up") from None
        topic = metadata.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            reason = topic.error if topic is not None and topic.error is not None else "it has no partitions"
            raise StreamError(f"topic {self.topic!r} cannot be read ({reason}); create it or pass --topic")
        self.partitions = sorted(topic.partitions)
        tokens = self.sink.committed(self.topic, self.partitions)
        starts = {p: tokens[p] + 1 if p in tokens else OFFSET_BEGINNING for p in self.partitions}
        self.consumer.assign([TopicPartition(self.topic, p, starts[p]) for p in self.partitions])
        return {p: tokens.get(p, -1) + 1 for p in self.partitions}

    def poll_batch(self) -> list[Event]:
        """Up to `max_batch` events (waits at most `poll_seconds` for the first)."""
        from confluent_kafka import KafkaError

        messages = self.consumer.consume(self.max_batch, self.poll_seconds)
        events = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise StreamError(f"Kafka reported an error on {message.topic()}[{message.partition()}]: {error}")
            kind, stamp = message.timestamp()
            produced = (datetime.fromtimestamp(stamp / 1000, timezone.utc).replace(tzinfo=None)
                        if stamp and stamp > 0 else self.clock())
            events.append(Event(message.topic(), message.partition(), message.offset(), produced, message.value()))
        return events

    def process(self, events: list[Event], stats: StreamStats) -> None:
        """Check a batch and write it with its channels' tokens in one commit."""
        if not events:
            return
        batch = self.checker.check(events, self.as_of(), self.clock())
        last: dict[tuple[str, int], Event] = {}
        counts: dict[tuple[str, int], int] = {}
        for event in events:
            key = (event.topic, event.partition)
            last[key] = event  # Kafka delivers a partition in offset order
            counts[key] = counts.get(key, 0) + 1
        positions = [ChannelPosition(t, p, last[(t, p)].offset, counts[(t, p)]) for (t, p) in sorted(last)]
        self.sink.write(batch, positions)
        stats.events += len(events)
        stats.accepted += len(batch.accepted)
        stats.rejected += len(batch.rejected)
        stats.batches += 1
        stats.positions.update({p.partition: p.offset for p in positions})

    def run(self, max_events: int | None = None, max_seconds: float | None = None, idle_seconds: float | None = None,
            should_stop: Callable[[], bool] | None = None) -> StreamStats:
        """Consume until `max_events` were processed, `max_seconds` passed, nothing came for `idle_seconds`, or
        `should_stop()`; without any of these, until interrupted."""
        if not self.partitions:
            self.start()
        stats = StreamStats()
        started = idle_since = time.monotonic()
        while True:
            events = self.poll_batch()
            if max_events is not None and stats.events + len(events) > max_events:
                events = self._hold_back(events, max_events - stats.events)
            self.process(events, stats)
            if self.after_batch is not None:
                self.after_batch()
            now = time.monotonic()
            if events:
                idle_since = now
            if max_events is not None and stats.events >= max_events:
                break
            if max_seconds is not None and now - started >= max_seconds:
                break
            if idle_seconds is not None and now - idle_since >= idle_seconds:
                break
            if should_stop is not None and should_stop():
                break
        stats.seconds = time.monotonic() - started
        return stats

    def _hold_back(self, events: list[Event], keep: int) -> list[Event]:
        """The first `keep` events; the partitions of the rest are sought back to their first unprocessed offset."""
        from confluent_kafka import TopicPartition

        kept, rest = events[:keep], events[keep:]
        first: dict[tuple[str, int], int] = {}
        for event in rest:
            first.setdefault((event.topic, event.partition), event.offset)
        for (topic, partition), offset in first.items():
            self.consumer.seek(TopicPartition(topic, partition, offset))
        return kept

    def close(self) -> None:
        self.consumer.close()
        self.sink.close()
