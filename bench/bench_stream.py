"""Benchmark: produce → queryable latency of streamed transactions on the local engine; prints p50/p95 and throughput.

    python bench/bench_stream.py [--rate 5000] [--seconds 10] [--home DIR]

A real broker (librdkafka's mock cluster, in this process on 127.0.0.1) takes `rate` events per second
for `seconds`; `c360 stream`'s consumer (LocalSink, the silver rules, the dynamic table on its timer)
writes them to `<home>/C360.db`; a second DuckDB connection polls the stream table every 10 ms and
records when each transaction becomes readable. Latency = readable − published (the producer's clock,
the same host). Goal: p95 ≤ 2 s at 5,000 events/s.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.dynamic_tables import RefreshSchedule
from c360_pipeline.streaming import daily_spend
from c360_pipeline.streaming.commands import DemoBroker, refresh_daily_spend
from c360_pipeline.streaming.consumer import StreamConsumer, consumer_config
from c360_pipeline.streaming.events import EventChecker
from c360_pipeline.streaming.producer import producer_config, publish
from c360_pipeline.streaming.sinks import LocalSink


def events(count: int) -> pd.DataFrame:
    """`count` valid transactions over 500 customers (the transactions file's columns, as text)."""
    numbers = np.arange(count)
    return pd.DataFrame({
        "transaction_id": [f"TXN{n:012d}" for n in numbers],
        "customer_id": [f"CUST{n % 500:08d}" for n in numbers],
        "transaction_date": "2025-07-01 10:15:00",
        "transaction_amount": [f"{5 + n % 200}.{n % 100:02d}" for n in numbers],
        "merchant_name": "Corner Shop",
        "merchant_category": "Grocery Stores",
        "channel": "Online",
        "status": np.where(numbers % 20 == 0, "declined", "approved"),
    })


def empty_fact(session, cfg: PipelineConfig) -> None:
    """An empty GOLD.FCT_TRANSACTIONS, so the dynamic table refreshes on its timer as after `c360 run`."""
    session.sql(f"CREATE SCHEMA IF NOT EXISTS {cfg.schema('GOLD')}").collect()
    session.sql(f"CREATE TABLE IF NOT EXISTS {cfg.table('GOLD', 'FCT_TRANSACTIONS')} (TRANSACTION_KEY NUMBER(38, 0), "
                "TRANSACTION_ID VARCHAR, CUSTOMER_ID VARCHAR, TRANSACTION_AMOUNT NUMBER(12, 2), STATUS VARCHAR, "
                "TRANSACTION_DATE TIMESTAMP_NTZ)").collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5000.0, help="events per second published")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the producer publishes")
    parser.add_argument("--max-batch", type=int, default=5000, help="the consumer's largest batch")
    parser.add_argument("--home", type=Path, help="working directory (default: a temporary one)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="c360-bench-stream-"))
    cfg = PipelineConfig(home=home)
    count = int(args.rate * args.seconds)
    records = events(count)

    broker = DemoBroker()
    topic = "c360.bench"
    session = engine.local_session(home, cfg.database)
    empty_fact(session, cfg)
    sink = LocalSink(session, cfg)
    schedule = RefreshSchedule(daily_spend.TARGET_LAG, timedelta(seconds=5))
    consumer = StreamConsumer(consumer_config(broker.bootstrap_servers, extra={"log_level": 0}), topic, sink,
                              EventChecker(session), as_of=lambda: date(2025, 7, 1), max_batch=args.max_batch,
                              poll_seconds=0.1,
                              after_batch=lambda: schedule.tick(lambda: refresh_daily_spend(session, cfg).data_timestamp))
    # Warm up: the topic exists and the checker's statements are translated once before the clock starts.
    publish(records.head(1).assign(transaction_id="TXNWARMUP"), producer_config(broker.bootstrap_servers, {"log_level": 0}),
            topic)
    consumer.run(max_events=1)

    reader = engine.bulk_connection(session).cursor()  # a second connection: sees committed rows only
    stream_table = '"C360"."BRONZE"."RAW_TRANSACTIONS_STREAM"'
    seen: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        mark = 0
        while not done.is_set() or len(seen) < count:
            rows = reader.execute(f'SELECT "TRANSACTION_ID", "_STREAM_ROW" FROM {stream_table} WHERE "_STREAM_ROW" > ?',
                                  [mark]).fetchall()
            now = time.time()
            for transaction_id, row in rows:
                seen.setdefault(transaction_id, now)
                mark = max(mark, row)
            if done.is_set() and not rows:
                break
            time.sleep(0.01)

    produced: dict = {}

    def produce() -> None:
        produced["stats"] = publish(records, producer_config(broker.bootstrap_servers, {"log_level": 0}), topic,
                                    args.rate)

    poller = threading.Thread(target=poll, daemon=True)
    producer = threading.Thread(target=produce, daemon=True)
    poller.start()
    started = time.perf_counter()
    producer.start()
    stats = consumer.run(max_events=count)
    elapsed = time.perf_counter() - started
    producer.join()
    done.set()
    poller.join(timeout=30)
    consumer.close()

    sent = produced["stats"].sent_at
    latencies = np.array([seen[t] - sent[t] for t in sent if t in seen])
    missing = len(sent) - len(latencies)
    rows = session.sql(f"SELECT COUNT(*) FROM {cfg.table('BRONZE', 'RAW_TRANSACTIONS_STREAM')}").collect()[0][0]
    history = session.sql(f"SELECT REFRESH_ACTION, COUNT(*) AS N FROM {cfg.table('OPS', 'DT_REFRESH_HISTORY')} "
                          "GROUP BY REFRESH_ACTION ORDER BY REFRESH_ACTION").collect()
    session.close()
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    print(f"published {count:,} events at {produced['stats'].rate:,.0f} events/s (asked {args.rate:,.0f}) "
          f"over {produced['stats'].seconds:.1f} s")
    print(f"consumed {stats.events:,} events in {stats.batches:,} batches; {elapsed:.1f} s from the first event "
          f"published to the last committed ({stats.events / elapsed:,.0f} events/s end to end)")
    print(f"produce → queryable latency: p50 {p50:.3f} s, p95 {p95:.3f} s, p99 {p99:.3f} s, max {latencies.max():.3f} s"
          f" ({len(latencies):,} events measured, {missing} never seen)")
    print(f"stream table rows: {rows:,}; dynamic table refreshes: "
          + ", ".join(f"{r['REFRESH_ACTION']} {r['N']}" for r in history))
    if args.rate == 5000:
        print(f"goal p95 <= 2 s at 5,000 events/s: {'met' if p95 <= 2.0 and missing == 0 else 'NOT met'}")
    print(f"home kept at {home}")


if __name__ == "__main__":
    main()
