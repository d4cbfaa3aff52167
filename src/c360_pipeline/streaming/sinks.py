"""Where consumed events go: the `Sink` contract and its local and Snowflake implementations.

The contract, on both engines: `write` persists a checked batch (accepted rows into
BRONZE.RAW_TRANSACTIONS_STREAM, refused ones into SILVER.REJECTED_RECORDS) and, with it, each channel's
offset token (the Kafka offset of the channel's last event in the batch); `committed` returns those
tokens. The consumer resumes every partition at token + 1, so a restart after a crash at any point
delivers every event exactly once.

- `LocalSink`: rows, rejects and tokens (OPS.STREAM_CHANNELS) in one local transaction.
- `SnowpipeStreamingSink`: the Snowpipe Streaming SDK, one channel per Kafka partition on the table's
  default pipe (`RAW_TRANSACTIONS_STREAM-STREAMING`), offset token = Kafka offset; a channel commits its
  rows and its token together. Refused events go to SILVER.REJECTED_RECORDS by MERGE on
  (SOURCE_TABLE, RECORD_ID) before the channel's rows, so a batch replayed after a crash adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark import functions as F

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine import atomic
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.streaming.events import (
    CHANNELS_SCHEMA,
    CHANNELS_TABLE,
    REJECTED_SCHEMA,
    STREAM_SCHEMA,
    STREAM_TABLE,
    CheckedBatch,
)


@dataclass(frozen=True)
class ChannelPosition:
    """The last event of a batch on one channel: its topic, partition and offset, and how many events it closes."""

    topic: str
    partition: int
    offset: int
    events: int


class Sink(Protocol):
    """Persists checked batches with their channels' offset tokens, all or nothing per channel."""

    def committed(self, topic: str, partitions: list[int]) -> dict[int, int]:
        """partition → last committed offset token (partitions never written are absent)."""

    def write(self, batch: CheckedBatch, positions: list[ChannelPosition]) -> None:
        """Persist the batch's rows and advance each position's channel token to its offset."""

    def close(self) -> None:
        """Release the sink's resources (flushes what is pending)."""


def utc_now() -> datetime:
    """Now in UTC as a naive timestamp (TIMESTAMP_NTZ, as every c360 timestamp)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def ensure_stream_tables(warehouse: Warehouse) -> None:
    """BRONZE.RAW_TRANSACTIONS_STREAM, OPS.STREAM_CHANNELS and SILVER.REJECTED_RECORDS, created empty when missing
    (on an account sql/04_tables.sql creates them)."""
    for layer, table, schema in (("BRONZE", STREAM_TABLE, STREAM_SCHEMA), ("OPS", CHANNELS_TABLE, CHANNELS_SCHEMA),
                                 ("SILVER", "REJECTED_RECORDS", REJECTED_SCHEMA)):
        if not warehouse.exists(layer, table):
            warehouse.write_pandas(pd.DataFrame(columns=schema.names), schema, layer, table, mode="append")


class LocalSink:
    """The sink on the local engine: one transaction per batch for rows, rejects and channel tokens.

    `before_commit` is called inside the transaction after every write and before the commit: the crash
    tests raise there, and nothing of that batch may remain.
    """

    def __init__(self, session: Session, cfg: PipelineConfig, before_commit: Callable[[], None] | None = None,
                 clock: Callable[[], datetime] = utc_now):
        atomic.require_local(session, "LocalSink")
        self.session = session
        self.cfg = cfg
        self.before_commit = before_commit
        self.clock = clock
        self.warehouse = Warehouse.of(session, cfg)
        ensure_stream_tables(self.warehouse)
        self.stream_table = cfg.table("BRONZE", STREAM_TABLE)
        self.channels_table = cfg.table("OPS", CHANNELS_TABLE)
        self.rejects_table = cfg.table("SILVER", "REJECTED_RECORDS")

    def committed(self, topic: str, partitions: list[int]) -> dict[int, int]:
        rows = self.session.table(self.channels_table).filter(F.col("TOPIC") == F.lit(topic)).select(
            "PARTITION_ID", "OFFSET_TOKEN").collect()
        return {int(r["PARTITION_ID"]): int(r["OFFSET_TOKEN"]) for r in rows if int(r["PARTITION_ID"]) in partitions}

    def write(self, batch: CheckedBatch, positions: list[ChannelPosition]) -> None:
        now = self.clock()
        accepted = batch.accepted.assign(_INGESTED_AT=now)
        channels = self._channel_rows(positions, now)
        with atomic.transaction(self.session):
            atomic.insert_rows(self.session, accepted, STREAM_SCHEMA, self.stream_table, numbered="_STREAM_ROW")
            atomic.insert_rows(self.session, batch.rejected, REJECTED_SCHEMA, self.rejects_table)
            atomic.delete_where_in(self.session, self.channels_table, "CHANNEL_NAME", list(channels["CHANNEL_NAME"]))
            atomic.insert_rows(self.session, channels, CHANNELS_SCHEMA, self.channels_table)
            atomic.run_hook(self.before_commit)

    def _channel_rows(self, positions: list[ChannelPosition], now: datetime) -> pd.DataFrame:
        """OPS.STREAM_CHANNELS rows after this batch: the new token and the running count of events committed."""
        before = self.session.table(self.channels_table).select("CHANNEL_NAME", "ROWS_COMMITTED").collect()
        counted = {r["CHANNEL_NAME"]: int(r["ROWS_COMMITTED"] or 0) for r in before}
        from c360_pipeline.streaming.events import channel_name

        rows = [{"CHANNEL_NAME": channel_name(p.topic, p.partition), "TOPIC": p.topic, "PARTITION_ID": p.partition,
                 "OFFSET_TOKEN": p.offset,
                 "ROWS_COMMITTED": counted.get(channel_name(p.topic, p.partition), 0) + p.events, "COMMITTED_AT": now}
                for p in positions]
        return pd.DataFrame(rows, columns=CHANNELS_SCHEMA.names)

    def close(self) -> None:
        """Nothing is pending: every batch was committed by `write`."""


# --- Snowflake -----------------------------------------------------------------------------------


def streaming_properties(connection: dict[str, Any]) -> dict[str, Any]:
    """The SDK's connection properties from a connections-file entry: key-pair auth (a private key file), never a
    password. Raises ValueError naming what is missing."""
    account = connection.get("account")
    user = connection.get("user")
    key_file = connection.get("private_key_file") or connection.get("private_key_path")
    missing = [name for name, value in (("account", account), ("user", user), ("private_key_file", key_file))
               if not value]
    if missing:
        raise ValueError(
            f"the Snowflake connection lacks {', '.join(missing)}: Snowpipe Streaming authenticates with a key pair; "
            "set account, user and private_key_file in the connection (connections.toml), see "
            "https://docs.snowflake.com/en/user-guide/key-pair-auth"
        )
    properties: dict[str, Any] = {"account": account, "user": user, "private_key_file": str(key_file),
                                  "url": connection.get("host") or f"https://{account}.snowflakecomputing.com"}
    if connection.get("private_key_file_pwd"):
        properties["private_key_file_pwd"] = connection["private_key_file_pwd"]
    if connection.get("role"):
        properties["role"] = connection["role"]
    return properties


def streaming_client(cfg: PipelineConfig, connection: dict[str, Any], client_name: str):
    """The SDK's client on the stream table's default pipe (the SDK is imported only here: it is only needed here)."""
    from snowflake.ingest.streaming import StreamingIngestClient

    return StreamingIngestClient.from_table(
        client_name=client_name, db_name=cfg.database, schema_name=cfg.bronze_schema, table_name=STREAM_TABLE,
        properties=streaming_properties(connection),
    )


class SnowpipeStreamingSink:
    """The sink on Snowflake: one Snowpipe Streaming channel per Kafka partition, offset token = Kafka offset.

    `client` is the SDK's `StreamingIngestClient` (or anything with its `open_channel`/`close`); `session` a
    Snowpark session on the account for the refused events.
    """

    def __init__(self, client: Any, session: Session, cfg: PipelineConfig, clock: Callable[[], datetime] = utc_now):
        self.client = client
        self.session = session
        self.cfg = cfg
        self.clock = clock
        self.channels: dict[str, Any] = {}
        self.rejects_table = cfg.table("SILVER", "REJECTED_RECORDS")

    def _channel(self, topic: str, partition: int):
        from c360_pipeline.streaming.events import channel_name

        name = channel_name(topic, partition)
        if name not in self.channels:
            channel, _status = self.client.open_channel(name)
            self.channels[name] = channel
        return self.channels[name]

    def committed(self, topic: str, partitions: list[int]) -> dict[int, int]:
        tokens = {}
        for partition in partitions:
            token = self._channel(topic, partition).get_latest_committed_offset_token()
            if token is not None:
                tokens[partition] = int(token)
        return tokens

    def write(self, batch: CheckedBatch, positions: list[ChannelPosition]) -> None:
        if len(batch.rejected):
            self._merge_rejects(batch.rejected)
        now = self.clock()
        for position in positions:
            mine = batch.accepted[(batch.accepted["_TOPIC"] == position.topic)
                                  & (batch.accepted["_PARTITION"] == position.partition)].sort_values("_OFFSET")
            rows = [_sdk_row(row, now) for row in mine.to_dict("records")]
            channel = self._channel(position.topic, position.partition)
            first = str(int(mine["_OFFSET"].iloc[0])) if rows else str(position.offset)
            if rows:
                channel.append_rows(rows, first, str(position.offset))

    def _merge_rejects(self, rejected: pd.DataFrame) -> None:
        """Refused events into SILVER.REJECTED_RECORDS unless already there (a replayed batch adds nothing)."""
        source = Warehouse.of(self.session, self.cfg).dataframe(rejected[REJECTED_SCHEMA.names], REJECTED_SCHEMA)
        target = self.session.table(self.rejects_table)
        from snowflake.snowpark.functions import when_not_matched

        target.merge(
            source,
            (target["SOURCE_TABLE"] == source["SOURCE_TABLE"]) & (target["RECORD_ID"] == source["RECORD_ID"]),
            [when_not_matched().insert({name: source[name] for name in REJECTED_SCHEMA.names})],
        )

    def close(self) -> None:
        for channel in self.channels.values():
            channel.close()
        self.channels.clear()
        self.client.close()


def _sdk_row(row: dict[str, Any], ingested_at: datetime) -> dict[str, Any]:
    """One stream-table row as the SDK takes it: column name → Python value (None for missing)."""
    values = {name: (None if pd.isna(row.get(name)) else row.get(name)) for name in STREAM_SCHEMA.names
              if name not in ("_INGESTED_AT", "_STREAM_ROW")}
    produced = values.get("_PRODUCED_AT")
    if isinstance(produced, pd.Timestamp):
        values["_PRODUCED_AT"] = produced.to_pydatetime()
    for name in ("_PARTITION", "_OFFSET"):
        values[name] = int(values[name])
    values["_INGESTED_AT"] = ingested_at
    return values
