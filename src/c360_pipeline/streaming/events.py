"""Card-transaction events: the transactions file's fields as one JSON object per Kafka message.

An event carries the eight columns of a transactions file (`steps.ingest.TRANSACTION_COLUMNS`), each as
text as a file would deliver it (numbers are accepted and kept as their text). It is checked with the
batch path's own rules (`transforms.silver.transaction_rules`, evaluated by Snowpark on a local engine
session), so a streamed event and a file row are refused for the same reason; the rule that needs the
staged customers (unknown_customer) is applied when the nightly run stages the streamed rows.
A message that is not a JSON object with those fields is refused as `malformed_row`, as a file row
that cannot be a record is.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline import engine
from c360_pipeline.engine import atomic
from c360_pipeline.steps.ingest import TRANSACTION_COLUMNS
from c360_pipeline.transforms.silver import (
    TRANSACTION_TEXT_COLUMNS,
    flag_valid,
    rejected_records,
    transaction_rules,
    typed_transactions,
    with_raw_text,
    with_reject_reason,
)

STREAM_TABLE = "RAW_TRANSACTIONS_STREAM"
CHANNELS_TABLE = "STREAM_CHANNELS"
SOURCE_TABLE = STREAM_TABLE  # SILVER.REJECTED_RECORDS.SOURCE_TABLE of refused events

# RECORD_ID of a refused event in SILVER.REJECTED_RECORDS: unique per (partition, offset).
_PARTITION_STRIDE = 1_000_000_000_000

# BRONZE.RAW_TRANSACTIONS_STREAM: the event's text columns as delivered, then where it came from.
STREAM_SCHEMA = StructType(
    [StructField(column.upper(), StringType()) for column in TRANSACTION_COLUMNS]
    + [
        StructField("_CHANNEL", StringType()),  # `<topic>-<partition>`: one Snowpipe Streaming channel
        StructField("_TOPIC", StringType()),
        StructField("_PARTITION", LongType()),
        StructField("_OFFSET", LongType()),  # the Kafka offset, also the channel's offset token
        StructField("_PRODUCED_AT", TimestampType()),  # the Kafka message timestamp (UTC)
        StructField("_INGESTED_AT", TimestampType()),  # when the sink wrote it (UTC)
        StructField("_STREAM_ROW", LongType()),  # local engine: a row sequence, the dynamic table's change marker
    ]
)

# OPS.STREAM_CHANNELS: one row per channel, the last committed offset token.
CHANNELS_SCHEMA = StructType(
    [
        StructField("CHANNEL_NAME", StringType()),
        StructField("TOPIC", StringType()),
        StructField("PARTITION_ID", LongType()),
        StructField("OFFSET_TOKEN", LongType()),
        StructField("ROWS_COMMITTED", LongType()),
        StructField("COMMITTED_AT", TimestampType()),
    ]
)

REJECTED_SCHEMA = StructType(
    [
        StructField("SOURCE_TABLE", StringType()),
        StructField("BATCH_ID", StringType()),
        StructField("SOURCE_FILE", StringType()),
        StructField("ROW_NUMBER", LongType()),
        StructField("RECORD_ID", LongType()),
        StructField("RECORD_KEY", StringType()),
        StructField("REJECT_REASON", StringType()),
        StructField("REJECT_COLUMN", StringType()),
        StructField("RAW_PAYLOAD", StringType()),
        StructField("REJECTED_AT", TimestampType()),
    ]
)

MALFORMED = engine.MALFORMED_ROW


def channel_name(topic: str, partition: int) -> str:
    """The channel of a Kafka partition: `<topic>-<partition>` (one channel per partition)."""
    return f"{topic}-{partition}"


@dataclass(frozen=True)
class Event:
    """One consumed Kafka message: where it sits (topic, partition, offset), when it was produced, its bytes."""

    topic: str
    partition: int
    offset: int
    produced_at: datetime
    value: bytes | None

    @property
    def channel(self) -> str:
        return channel_name(self.topic, self.partition)


def encode_event(record: dict[str, object]) -> bytes:
    """An event's JSON bytes: the transaction's fields (lower case names), values as text."""
    return json.dumps({column: _text(record.get(column)) for column in TRANSACTION_COLUMNS},
                      separators=(",", ":")).encode("utf-8")


def decode_event(value: bytes | None) -> dict[str, str | None] | None:
    """The fields of an event (lower-case names → text or None); None when the message is not such an object."""
    if value is None:
        return None
    try:
        parsed = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(parsed, dict):
        return None
    fields = {str(key).strip().lower(): item for key, item in parsed.items()}
    if not any(column in fields for column in TRANSACTION_COLUMNS):
        return None
    if any(isinstance(fields.get(column), (dict, list)) for column in TRANSACTION_COLUMNS):
        return None
    return {column: _text(fields.get(column)) for column in TRANSACTION_COLUMNS}


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def record_id(partition: int, offset: int) -> int:
    """The RECORD_ID of a refused event in SILVER.REJECTED_RECORDS (unique per partition and offset)."""
    return partition * _PARTITION_STRIDE + offset


@dataclass
class CheckedBatch:
    """A batch of events split by the rules: rows for the stream table and rows for SILVER.REJECTED_RECORDS."""

    accepted: pd.DataFrame  # STREAM_SCHEMA columns except _INGESTED_AT and _STREAM_ROW
    rejected: pd.DataFrame  # REJECTED_SCHEMA columns


_RAW_SCHEMA = StructType(
    [StructField(column.upper(), StringType()) for column in TRANSACTION_COLUMNS]
    + [StructField("_BATCH_ID", StringType()), StructField("_SOURCE", StringType()),
       StructField("_ROW_NUMBER", LongType()), StructField("_RECORD_ID", LongType())]
)


class EventChecker:
    """Splits batches of events into accepted and refused rows with the silver transaction rules.

    `session` is a local engine session (the sink's own, or an in-memory one beside the Snowflake sink): the
    rules are Snowpark expressions and run there. The batch goes through one temporary table kept for the
    checker's life (refilled in place), so every batch sends the same SQL text (translated once by the local
    engine).
    """

    def __init__(self, session: Session):
        self.session = session
        self.table = f"C360_EVENTS_{uuid.uuid4().hex[:12].upper()}"
        self._created = False

    def check(self, events: list[Event], as_of: date, checked_at: datetime) -> CheckedBatch:
        """Accepted rows (STREAM_SCHEMA columns up to _PRODUCED_AT) and SILVER.REJECTED_RECORDS rows; a
        transaction after `as_of` is from the future (the first failing rule is the reason)."""
        rows, rejected = [], []
        for position, event in enumerate(events):
            fields = decode_event(event.value)
            if fields is None:
                rejected.append(_malformed_row(event, checked_at))
                continue
            rows.append({**{c.upper(): fields[c] for c in TRANSACTION_COLUMNS},
                         "_BATCH_ID": _batch_id(event), "_SOURCE": f"kafka:{event.channel}",
                         "_ROW_NUMBER": event.offset, "_RECORD_ID": position})
        raw = pd.DataFrame(rows, columns=_RAW_SCHEMA.names)
        accepted_positions: list[int] = []
        if len(raw):
            if self._created:
                atomic.replace_rows(self.session, raw, _RAW_SCHEMA, self.table)
            else:
                engine.load_pandas(self.session, raw, _RAW_SCHEMA, self.table, table_type="temporary")
                self._created = True
            bronze = self.session.table(self.table)
            rules = transaction_rules(as_of)
            checked = flag_valid(typed_transactions(bronze), rules)
            verdicts = checked.select("_RECORD_ID", "_VALID").to_pandas()
            accepted_positions = sorted(int(p) for p in verdicts.loc[verdicts["_VALID"].astype(bool), "_RECORD_ID"])
            if len(accepted_positions) < len(raw):
                refused = with_raw_text(with_reject_reason(checked.filter(~F.col("_VALID")), rules), bronze,
                                        list(TRANSACTION_TEXT_COLUMNS))
                reasons = rejected_records(refused, SOURCE_TABLE, "TRANSACTION_ID",
                                           list(TRANSACTION_TEXT_COLUMNS), checked_at).to_pandas()
                for record in reasons.to_dict("records"):
                    event = events[int(record["RECORD_ID"])]
                    rejected.append({**record, "RECORD_ID": record_id(event.partition, event.offset)})
        accepted = raw.set_index("_RECORD_ID").loc[accepted_positions] if accepted_positions else raw.iloc[0:0]
        accepted_events = [events[p] for p in accepted_positions]
        stream_rows = pd.DataFrame({
            **{c.upper(): accepted[c.upper()].tolist() for c in TRANSACTION_COLUMNS},
            "_CHANNEL": [e.channel for e in accepted_events],
            "_TOPIC": [e.topic for e in accepted_events],
            "_PARTITION": [e.partition for e in accepted_events],
            "_OFFSET": [e.offset for e in accepted_events],
            "_PRODUCED_AT": [e.produced_at for e in accepted_events],
        })
        rejected.sort(key=lambda r: r["RECORD_ID"])
        return CheckedBatch(stream_rows, pd.DataFrame(rejected, columns=REJECTED_SCHEMA.names))


def _batch_id(event: Event) -> str:
    """The batch a streamed event belongs to: `STREAM<YYYYMMDD>` of the day it was produced (UTC)."""
    return f"STREAM{event.produced_at:%Y%m%d}"


def _malformed_row(event: Event, checked_at: datetime) -> dict[str, object]:
    text = (event.value or b"").decode("utf-8", errors="replace")
    return {
        "SOURCE_TABLE": SOURCE_TABLE, "BATCH_ID": _batch_id(event), "SOURCE_FILE": f"kafka:{event.channel}",
        "ROW_NUMBER": event.offset, "RECORD_ID": record_id(event.partition, event.offset), "RECORD_KEY": None,
        "REJECT_REASON": MALFORMED, "REJECT_COLUMN": "(event)",
        "RAW_PAYLOAD": engine.safe_text(text) if text else "<empty message>", "REJECTED_AT": checked_at,
    }
