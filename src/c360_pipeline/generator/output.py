"""Text formatting and file writing: every value becomes text exactly as a bank would deliver it.

Transactions are formatted with Arrow compute kernels from small string pools (dates, times,
merchants, ...) and written as whole CSV buffers or Parquet row groups, in parts of at most
PART_ROWS rows. CSV is UTF-8 with a header row, comma separated, "\\n" line ends and minimal quoting
(a field is quoted only when it holds a comma, quote or line break: Python's csv.QUOTE_MINIMAL)."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, EMPLOYMENT_STATUSES, SEGMENTS, STATUSES
from c360_pipeline.generator import dirt as D
from c360_pipeline.generator import reference as ref
from c360_pipeline.generator.behaviour import Transactions
from c360_pipeline.generator.population import DECLINE_TYPES, EPOCH_ORDINAL, Population, Versions

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_id", "first_name", "last_name", "email", "age", "state", "city", "employment_status",
    "card_type", "credit_limit", "account_open_date", "customer_segment", "decline_type", "updated_at",
)
TRANSACTION_COLUMNS: tuple[str, ...] = (
    "transaction_id", "customer_id", "transaction_date", "transaction_amount", "merchant_name",
    "merchant_category", "channel", "status",
)
PART_ROWS = 1_000_000
WRITE_BLOCK_ROWS = 250_000
STATUS_POOL: tuple[str, ...] = STATUSES + D.UNKNOWN_STATUSES
CHANNEL_POOL: tuple[str, ...] = CHANNELS + D.UNKNOWN_CHANNELS


def csv_field(value: str) -> str:
    """A field as csv.QUOTE_MINIMAL writes it."""
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _amounts(cents: np.ndarray) -> pa.Array:
    """Cents as `1234.50` / `-0.07`: the int64 cents are the unscaled value of a decimal(18, 2)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension to 128 bits
    return pc.cast(pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [None, pa.py_buffer(words)]), pa.string())


def _fixed_width(chars: np.ndarray) -> pa.Array:
    """An (n, width) uint8 matrix of ASCII codes as an Arrow string array, without copying."""
    n, width = chars.shape
    data = np.ascontiguousarray(chars).reshape(-1)
    offsets = (np.arange(n + 1, dtype=np.int64) * width).astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


_FOUR_DIGITS = np.array([[48 + int(c) for c in f"{i:04d}"] for i in range(10_000)], dtype=np.uint8)


def _digits(out: np.ndarray, values: np.ndarray, start: int, width: int) -> None:
    """Write non-negative `values` zero-padded to `width` digits into columns start..start+width of `out`
    (four digits per table lookup; unsigned division is much faster than NumPy's floor division)."""
    rest = values.astype(np.uint64)
    end = start + width
    while end - start >= 4:
        quotient = rest // np.uint64(10_000)
        out[:, end - 4:end] = _FOUR_DIGITS[(rest - quotient * np.uint64(10_000)).astype(np.intp)]
        rest, end = quotient, end - 4
    while end > start:
        quotient = rest // np.uint64(10)
        out[:, end - 1] = rest - quotient * np.uint64(10) + np.uint64(48)
        rest, end = quotient, end - 1


def _prefixed_number(values: np.ndarray, prefix: str, width: int) -> pa.Array:
    """prefix + zero-padded decimal number (`CUST00000042`); values must be below 10**width."""
    out = np.empty((len(values), len(prefix) + width), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    _digits(out, values, len(prefix), width)
    return _fixed_width(out)


def _timestamps(day: np.ndarray, second: np.ndarray) -> pa.Array:
    """`YYYY-MM-DD HH:MM:SS` for day ordinals and seconds of the day."""
    first = int(day.min()) if len(day) else 0
    index = day - first
    days = range(first, first + (int(index.max()) + 1 if len(day) else 0))
    iso = np.frombuffer("".join(date.fromordinal(d).isoformat() for d in days).encode(), dtype=np.uint8)
    out = np.empty((len(day), 19), dtype=np.uint8)
    out[:, :10] = iso.reshape(-1, 10)[index]
    out[:, 10] = ord(" ")
    out[:, 13] = out[:, 16] = ord(":")
    hours, rest = np.divmod(second, 3600)
    minutes, seconds = np.divmod(rest, 60)
    _digits(out, hours, 11, 2)
    _digits(out, minutes, 14, 2)
    _digits(out, seconds, 17, 2)
    return _fixed_width(out)


def _patch(column: pa.Array, defect: np.ndarray, replacements: dict[int, str]) -> pa.Array:
    """Replace the values of rows whose defect code is a key of `replacements` (one pass over the column)."""
    codes = np.array(sorted(replacements), dtype=defect.dtype)
    mask = np.isin(defect, codes)
    if not mask.any():
        return column
    texts = np.array([replacements[int(c)] for c in codes], dtype=object)
    values = texts[np.searchsorted(codes, defect[mask])]
    return pc.replace_with_mask(column, pa.array(mask), pa.array(values, pa.string()))


def transaction_columns(rows: Transactions, pools: ref.NamePools, for_csv: bool) -> list[pa.Array]:
    """The eight transaction columns as Arrow string arrays; `for_csv` quotes merchant names and ends
    each status with the line break, so joining the columns with commas gives the file's lines."""
    defect = rows.defect
    ids = _patch(_prefixed_number(rows.number, "TXN", 12), defect, {D.BLANK_TRANSACTION_ID: ""})
    customers = _patch(_prefixed_number(rows.customer, "CUST", 8), defect, {D.BLANK_CUSTOMER_ID: ""})
    bad_dates = {D.BAD_DATE_CODE + offset: text for offset, text in enumerate(D.BAD_DATES)}
    moments = _patch(_timestamps(rows.day, rows.second), defect, {D.BLANK_DATE: "", **bad_dates})
    amounts = _patch(_amounts(rows.cents), defect, {D.BLANK_AMOUNT: ""})
    merchant_pool = pa.array([csv_field(m) for m in pools.merchants] if for_csv else list(pools.merchants))
    return [
        ids,
        customers,
        moments,
        amounts,
        merchant_pool.take(pa.array(rows.merchant)),
        pa.array(ref.CATEGORY_NAMES).take(pa.array(rows.category)),
        pa.array(CHANNEL_POOL).take(pa.array(rows.channel)),
        pa.array([s + "\n" for s in STATUS_POOL] if for_csv else list(STATUS_POOL)).take(pa.array(rows.status)),
    ]


class TransactionFiles:
    """Writes one batch's transactions as `transactions_<BATCH>_<PART>.<ext>`, PART_ROWS rows per part."""

    def __init__(self, out_dir: Path, batch: str, fmt: str, pools: ref.NamePools) -> None:
        self.out_dir, self.batch, self.fmt, self.pools = out_dir, batch, fmt, pools
        self.files: list[tuple[Path, int]] = []
        self._handle = None
        self._rows_in_part = 0

    def _open_part(self) -> None:
        self._close_part()
        path = self.out_dir / f"transactions_{self.batch}_{len(self.files) + 1:03d}.{self.fmt}"
        if self.fmt == "csv":
            self._handle = path.open("wb")
            self._handle.write((",".join(TRANSACTION_COLUMNS) + "\n").encode())
        else:
            schema = pa.schema([(name, pa.string()) for name in TRANSACTION_COLUMNS])
            self._handle = pq.ParquetWriter(path, schema, compression="snappy")
        self.files.append((path, 0))
        self._rows_in_part = 0

    def _close_part(self) -> None:
        if self._handle is not None:
            self._handle.close()
            path, _ = self.files[-1]
            self.files[-1] = (path, self._rows_in_part)
            self._handle = None

    def write(self, rows: Transactions) -> None:
        """Append rows (formatted a block at a time, to keep the text in memory small)."""
        for start in range(0, max(len(rows), 1), WRITE_BLOCK_ROWS):
            self._write_block(rows.take(slice(start, start + WRITE_BLOCK_ROWS)))

    def _write_block(self, rows: Transactions) -> None:
        columns = transaction_columns(rows, self.pools, for_csv=self.fmt == "csv")
        if self.fmt == "csv":
            lines = pc.binary_join_element_wise(*columns, ",")  # the status pool carries the line end
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
            data = memoryview(lines.buffers()[2])
        position, total = 0, len(rows)
        while position < total or self._handle is None:
            if self._handle is None or self._rows_in_part == PART_ROWS:
                self._open_part()
            take = min(total - position, PART_ROWS - self._rows_in_part)
            if take:
                if self.fmt == "csv":
                    self._handle.write(data[offsets[position]: offsets[position + take]])
                else:
                    table = pa.Table.from_arrays([c.slice(position, take) for c in columns], names=list(TRANSACTION_COLUMNS))
                    self._handle.write_table(table, row_group_size=PART_ROWS)
            position += take
            self._rows_in_part += take

    def close(self) -> list[tuple[Path, int]]:
        """Finish the last part (an empty batch still gets one file with just the header)."""
        if self._handle is None and not self.files:
            self._open_part()
        self._close_part()
        return self.files


def timestamp_text(seconds: int) -> str:
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def customer_rows(pop: Population, versions: Versions) -> list[list[str]]:
    """One text row per customer version, in the file's column order."""
    rows = []
    open_text = {}
    for i, when, card, limit in zip(
        versions.customer.tolist(), versions.updated_at.tolist(), versions.card.tolist(), versions.credit_limit.tolist()
    ):
        opened = int(pop.open_day[i])
        if opened not in open_text:
            open_text[opened] = date.fromordinal(opened).isoformat()
        rows.append([
            f"CUST{int(pop.number[i]):08d}", pop.first_name[i], pop.last_name[i], pop.email[i], str(int(pop.age[i])),
            ref.STATE_CODES[pop.state[i]], pop.city[i], EMPLOYMENT_STATUSES[pop.employment[i]], CARD_TYPES[card],
            f"{limit}.00", open_text[opened], SEGMENTS[pop.archetype[i]], DECLINE_TYPES[pop.decline_type[i]],
            timestamp_text(when),
        ])
    return rows


def write_customers(path: Path, rows: list[list[str]], fmt: str) -> None:
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CUSTOMER_COLUMNS)
            writer.writerows(rows)
    else:
        columns = list(zip(*rows)) if rows else [()] * len(CUSTOMER_COLUMNS)
        table = pa.Table.from_arrays([pa.array(list(c), pa.string()) for c in columns], names=list(CUSTOMER_COLUMNS))
        pq.write_table(table, path, compression="snappy")


assert EPOCH_ORDINAL == date(1970, 1, 1).toordinal()
