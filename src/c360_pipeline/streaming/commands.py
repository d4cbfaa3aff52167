"""The bodies of `c360 stream`, `c360 produce` and `c360 refresh` (cli.py parses the options and calls these)."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.streaming import DEFAULT_TOPIC


@dataclass(frozen=True)
class StreamOptions:
    """What `c360 stream` was asked: the broker (or the in-process demo broker), topic and when to stop."""

    bootstrap_servers: str | None = None
    topic: str = DEFAULT_TOPIC
    demo: bool = False
    rate: float = 1000.0
    max_events: int | None = None
    max_seconds: float | None = None
    idle_seconds: float | None = None
    group_id: str = "c360-stream"


class DemoBroker:
    """librdkafka's mock cluster, a Kafka broker inside this process on 127.0.0.1 (for the local demo and tests)."""

    def __init__(self):
        from confluent_kafka import Producer

        self._holder = Producer({"test.mock.num.brokers": 1, "log_level": 0})
        brokers = self._holder.list_topics(timeout=10).brokers.values()
        self.bootstrap_servers = ",".join(f"{b.host}:{b.port}" for b in brokers)


def refresh_daily_spend(session, cfg: PipelineConfig, full: bool = False):
    """Refresh GOLD.DT_CUSTOMER_DAILY_SPEND on the local engine; returns the Refresh."""
    from c360_pipeline.engine import dynamic_tables
    from c360_pipeline.streaming import daily_spend

    return dynamic_tables.refresh(session, daily_spend.definition(cfg), full=full)


def _demo_events(cfg: PipelineConfig, console: Console):
    """The next day of the home's generated world (written to a temporary folder: the home's raw data is untouched)."""
    from c360_pipeline import generator
    from c360_pipeline.streaming.producer import world_transactions

    raw = cfg.home / "raw"
    if not (raw / "manifest.json").exists():
        raise ConfigError(f"the demo streams the next day of the world in {raw}, which has none: run `c360 run` first")
    folder = Path(tempfile.mkdtemp(prefix="c360-stream-demo-"))
    summary = generator.continue_world(raw, days=1, out_dir=folder)
    console.print(f"demo: {summary.transactions:,} transactions of {summary.as_of} (the world's next day) to stream")
    return world_transactions(folder)


def stream_command(cfg: PipelineConfig, options: StreamOptions, console: Console) -> int:
    """Consume events into the stream table (local engine: refreshing the dynamic table within its lag)."""
    from c360_pipeline.engine.dynamic_tables import RefreshSchedule
    from c360_pipeline.streaming import daily_spend
    from c360_pipeline.streaming.consumer import StreamConsumer, consumer_config
    from c360_pipeline.streaming.events import EventChecker
    from c360_pipeline.streaming.producer import producer_config, publish

    if options.demo and cfg.engine != "local":
        raise ConfigError("setting 'demo' runs an in-process broker for the local engine; drop --demo to stream to Snowflake")
    if not options.demo and not options.bootstrap_servers:
        raise ConfigError("setting 'bootstrap_servers' is required: --bootstrap-servers HOST:PORT (or --demo)")
    broker = DemoBroker() if options.demo else None
    servers = broker.bootstrap_servers if broker else options.bootstrap_servers
    if broker is not None:  # a new broker each demo: a topic of its own, so no earlier demo's tokens apply
        from datetime import datetime, timezone

        options = replace(options, topic=f"{options.topic}.demo{datetime.now(timezone.utc):%Y%m%d%H%M%S}")
    publisher = None
    max_events = options.max_events
    if broker is not None:
        events = _demo_events(cfg, console)
        if max_events is None:
            max_events = len(events)
        publisher = threading.Thread(target=publish, args=(events, producer_config(servers, {"log_level": 0}),
                                                            options.topic, options.rate), daemon=True)
        publisher.start()
        # The topic exists once the first event is in.
        from confluent_kafka import Producer

        Producer({"bootstrap.servers": servers, "log_level": 0}).list_topics(options.topic, timeout=10)
    settings = consumer_config(servers, options.group_id, {"log_level": 0} if broker else None)
    if cfg.engine == "local":
        from c360_pipeline import engine
        from c360_pipeline.streaming.sinks import LocalSink

        session = engine.local_session(cfg.home, cfg.database)
        sink = LocalSink(session, cfg)
        checker = EventChecker(session)
        schedule = RefreshSchedule(daily_spend.TARGET_LAG, timedelta(seconds=5))
        can_refresh = engine.table_exists(session, cfg.table("GOLD", "FCT_TRANSACTIONS"))
        if not can_refresh:
            console.print("[yellow]GOLD.FCT_TRANSACTIONS does not exist yet[/]: the dynamic table is refreshed once "
                          "`c360 run` has built it; events are streamed meanwhile")

        def after_batch() -> None:
            if can_refresh:
                schedule.tick(lambda: refresh_daily_spend(session, cfg).data_timestamp)
    else:
        from c360_pipeline import engine
        from c360_pipeline.engine.sessions import named_connection, snowflake_session
        from c360_pipeline.streaming.sinks import SnowpipeStreamingSink, streaming_client

        if not cfg.connection:
            raise ConfigError("setting 'connection' is required with --engine snowflake: the Snowpipe Streaming "
                              "client uses the connection's key pair (--connection NAME)")
        session = snowflake_session(cfg)
        client = streaming_client(cfg, named_connection(cfg.connection), f"c360-stream-{options.group_id}")
        sink = SnowpipeStreamingSink(client, session, cfg)
        checker = EventChecker(engine.local_session())  # the rules run beside the consumer, on the local engine
        after_batch = None
    consumer = StreamConsumer(settings, options.topic, sink, checker, after_batch=after_batch)
    try:
        starts = consumer.start()
        console.print(f"streaming {options.topic} from {servers}: partitions resume at "
                      + ", ".join(f"{p}@{o}" for p, o in sorted(starts.items())))
        stats = consumer.run(max_events=max_events, max_seconds=options.max_seconds, idle_seconds=options.idle_seconds)
        console.print(stats.summary())
        if cfg.engine == "local" and can_refresh:
            result = refresh_daily_spend(session, cfg)
            console.print(f"{cfg.table('GOLD', daily_spend.TABLE)}: {result.action} refresh, "
                          f"{result.rows_changed:,} rows changed, fresh as of {result.data_timestamp:%Y-%m-%d %H:%M:%S} UTC")
    except KeyboardInterrupt:
        console.print("stopped: every committed batch is in; the next start resumes after it")
    finally:
        consumer.close()
        session.close()
        if publisher is not None:
            publisher.join(timeout=5)
    return 0


def produce_command(raw_dir: Path, bootstrap_servers: str, topic: str, rate: float | None, batch: str | None,
                    limit: int | None, live: bool, console: Console) -> int:
    from c360_pipeline.streaming.producer import producer_config, publish, world_transactions

    events = world_transactions(raw_dir, batch)
    if limit is not None:
        events = events.head(limit)
    stats = publish(events, producer_config(bootstrap_servers), topic, rate, live=live)
    console.print(stats.summary() + f" to {topic} on {bootstrap_servers}")
    return 0


def refresh_command(cfg: PipelineConfig, full: bool, console: Console) -> int:
    """Refresh GOLD.DT_CUSTOMER_DAILY_SPEND now: incrementally on the local engine, by Snowflake on an account."""
    from c360_pipeline.streaming import daily_spend

    if cfg.engine == "local":
        from c360_pipeline import engine

        session = engine.local_session(cfg.home, cfg.database)
        try:
            result = refresh_daily_spend(session, cfg, full=full)
        except LookupError as missing:  # a source table is not built yet
            console.print(f"[red]error:[/] {missing}")
            return 2
        finally:
            session.close()
        console.print(f"{cfg.table('GOLD', daily_spend.TABLE)}: {result.action} refresh, {result.rows_inserted:,} rows "
                      f"inserted, {result.rows_deleted:,} deleted in {result.seconds:.2f} s; fresh as of "
                      f"{result.data_timestamp:%Y-%m-%d %H:%M:%S} UTC")
        return 0
    from snowflake.core import Root

    from c360_pipeline.engine.sessions import snowflake_session

    session = snowflake_session(cfg)
    try:
        schema = Root(session).databases[cfg.database].schemas[cfg.gold_schema]
        schema.dynamic_tables[daily_spend.TABLE].refresh()
    finally:
        session.close()
    console.print(f"asked Snowflake to refresh {cfg.table('GOLD', daily_spend.TABLE)}")
    return 0
