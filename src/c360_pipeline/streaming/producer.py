"""`c360 produce`: publish a generated world's transactions as JSON events at a chosen rate.

The events are the rows of the world's transactions files (a batch's, by default the latest), keyed by
customer id so one customer's transactions stay in order on one partition. With `live`, each event's
transaction_date is the moment it is published (a demo of "today"); otherwise it keeps the file's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from c360_pipeline.steps.ingest import TRANSACTION_COLUMNS, batch_id_of, discover_files, raw_table_of
from c360_pipeline.streaming import DEFAULT_TOPIC
from c360_pipeline.streaming.events import encode_event



def producer_config(bootstrap_servers: str, extra: dict | None = None) -> dict:
    """The confluent-kafka producer settings: idempotent (no duplicates on retry), small linger for latency."""
    settings = {"bootstrap.servers": bootstrap_servers, "enable.idempotence": True, "linger.ms": 5,
                "acks": "all"}
    settings.update(extra or {})
    return settings


def world_transactions(raw_dir: Path, batch: str | None = None) -> pd.DataFrame:
    """The transactions of one batch of a raw directory (default: its latest), every value as text, in file order."""
    files = [p for p in discover_files(Path(raw_dir)) if raw_table_of(p) is not None and raw_table_of(p).prefix == "transactions"]
    if not files:
        raise FileNotFoundError(f"no transactions_<BATCH>_<PART> files in {raw_dir}: generate a world with `c360 generate`")
    wanted = batch or max(batch_id_of(p) for p in files)
    chosen = [p for p in files if batch_id_of(p) == wanted]
    if not chosen:
        known = ", ".join(sorted({batch_id_of(p) for p in files}))
        raise ValueError(f"batch {wanted!r} has no transactions file in {raw_dir} (batches: {known})")
    frames = []
    for path in chosen:
        if path.suffix.lower() == ".parquet":
            frames.append(pd.read_parquet(path).astype(object))
        else:
            frames.append(pd.read_csv(path, dtype=str, keep_default_na=False))
    frame = pd.concat(frames, ignore_index=True)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame[[c for c in TRANSACTION_COLUMNS if c in frame.columns]]


@dataclass
class ProduceStats:
    """What a publish did: events sent, seconds, the achieved rate, and the send time of each transaction id."""

    events: int
    seconds: float
    sent_at: dict[str, float]

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return f"published {self.events:,} events in {self.seconds:.1f} s ({self.rate:,.0f} events/s)"


def publish(records: pd.DataFrame, settings: dict, topic: str = DEFAULT_TOPIC, rate: float | None = None,
            live: bool = False, clock: Callable[[], float] = time.time) -> ProduceStats:
    """Publish each record as one event at `rate` events per second (None: as fast as the broker takes them)."""
    from confluent_kafka import KafkaException, Producer

    producer = Producer(settings)
    failures: list[str] = []

    def delivered(error, message) -> None:
        if error is not None:
            failures.append(str(error))

    sent_at: dict[str, float] = {}
    started = time.monotonic()
    for number, record in enumerate(records.to_dict("records")):
        if rate:
            ahead = started + number / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        now = clock()
        if live:
            record = {**record, "transaction_date": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")}
        key = record.get("customer_id")
        while True:
            try:
                producer.produce(topic, key=None if key is None else str(key).encode("utf-8"),
                                 value=encode_event(record), timestamp=int(now * 1000), on_delivery=delivered)
                break
            except BufferError:  # the local queue is full: let the broker catch up
                producer.poll(0.05)
        sent_at[str(record.get("transaction_id"))] = now
        if number % 500 == 0:
            producer.poll(0)
    left = producer.flush(30)
    if left or failures:
        raise KafkaException(f"{left} event(s) not delivered and {len(failures)} failed"
                             + (f": {failures[0]}" if failures else ""))
    return ProduceStats(len(records), time.monotonic() - started, sent_at)
