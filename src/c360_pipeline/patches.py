"""Functions the Snowpark local emulator lacks, added with its public `snowflake.snowpark.mock.patch` hook.

Each implementation is vectorised over the whole column (pandas), follows Snowflake's semantics
(NULL in, NULL out) and is registered once, when this module is imported by `sessions.local_session`.
"""

from __future__ import annotations

import hashlib

import pandas as pd
from snowflake.snowpark.mock import ColumnEmulator, ColumnType, patch
from snowflake.snowpark.types import LongType, StringType


def _moment(value: object) -> object:
    """A date/datetime for one value (None stays None); text is parsed the way Snowflake casts it."""
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return pd.Timestamp(value)
    return value


def _part(expr: ColumnEmulator, extract) -> ColumnEmulator:
    """A date part of every value: attribute access, so 9999-12-31 (beyond pandas' ns range) works too."""
    values = [_moment(v) for v in expr]
    result = ColumnEmulator(
        data=[None if v is None else int(extract(v)) for v in values],
        sf_type=ColumnType(LongType(), True),
        dtype=object,
    )
    result.index = expr.index
    return result


def _string(values: list, like: ColumnEmulator) -> ColumnEmulator:
    result = ColumnEmulator(data=values, sf_type=ColumnType(StringType(), True), dtype=object)
    result.index = like.index
    return result


@patch("year")
def year(expr: ColumnEmulator) -> ColumnEmulator:
    return _part(expr, lambda v: v.year)


@patch("quarter")
def quarter(expr: ColumnEmulator) -> ColumnEmulator:
    return _part(expr, lambda v: (v.month - 1) // 3 + 1)


@patch("month")
def month(expr: ColumnEmulator) -> ColumnEmulator:
    return _part(expr, lambda v: v.month)


@patch("dayofmonth")
def dayofmonth(expr: ColumnEmulator) -> ColumnEmulator:
    return _part(expr, lambda v: v.day)


@patch("dayofweek")
def dayofweek(expr: ColumnEmulator) -> ColumnEmulator:
    # Snowflake's default WEEK_START: Sunday = 0 … Saturday = 6.
    return _part(expr, lambda v: (v.weekday() + 1) % 7)


@patch("dayofyear")
def dayofyear(expr: ColumnEmulator) -> ColumnEmulator:
    return _part(expr, lambda v: v.timetuple().tm_yday)


@patch("trim")
def trim(expr: ColumnEmulator, trim_string: ColumnEmulator | None = None) -> ColumnEmulator:
    return _string([None if v is None or v is pd.NA else str(v).strip() for v in expr], expr)


def _hexdigest(expr: ColumnEmulator, algorithm: str) -> ColumnEmulator:
    return _string(
        [None if v is None else hashlib.new(algorithm, str(v).encode()).hexdigest() for v in expr],
        expr,
    )


@patch("md5")
def md5(expr: ColumnEmulator) -> ColumnEmulator:
    return _hexdigest(expr, "md5")


@patch("sha2")
def sha2(expr: ColumnEmulator, num_bits: ColumnEmulator | int = 256) -> ColumnEmulator:
    bits = int(num_bits.iloc[0]) if isinstance(num_bits, pd.Series) else int(num_bits)
    return _hexdigest(expr, {224: "sha224", 256: "sha256", 384: "sha384", 512: "sha512", 0: "sha256"}[bits])


_SNOWFLAKE_TO_STRPTIME = (
    ("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH24", "%H"), ("MI", "%M"), ("SS", "%S"), ("FF", "%f"),
)


def _strptime_format(fmt: ColumnEmulator | str | None) -> str | None:
    if fmt is None:
        return None
    text = str(fmt.iloc[0]) if isinstance(fmt, pd.Series) else str(fmt)
    for snowflake_token, python_token in _SNOWFLAKE_TO_STRPTIME:
        text = text.replace(snowflake_token, python_token)
    return text


@patch("try_to_timestamp")
def try_to_timestamp(expr: ColumnEmulator, fmt: ColumnEmulator | None = None) -> ColumnEmulator:
    from snowflake.snowpark.types import TimestampType

    values = pd.Series(expr, dtype=object).where(pd.Series(expr, dtype=object).notna(), None)
    parsed = pd.to_datetime(values.astype("string").str.strip(), format=_strptime_format(fmt) or "ISO8601", errors="coerce")
    result = ColumnEmulator(data=parsed.astype(object).where(parsed.notna(), None), sf_type=ColumnType(TimestampType(), True), dtype=object)
    result.index = expr.index
    return result


@patch("try_to_date")
def try_to_date(expr: ColumnEmulator, fmt: ColumnEmulator | None = None) -> ColumnEmulator:
    from snowflake.snowpark.types import DateType

    values = pd.Series(expr, dtype=object)
    parsed = pd.to_datetime(values.astype("string").str.strip(), format=_strptime_format(fmt) or "ISO8601", errors="coerce")
    dates = [None if pd.isna(v) else v.date() for v in parsed]
    result = ColumnEmulator(data=dates, sf_type=ColumnType(DateType(), True), dtype=object)
    result.index = expr.index
    return result


@patch("hash")
def hash_(*columns: ColumnEmulator) -> ColumnEmulator:
    """A deterministic signed 64-bit hash of the arguments (Snowflake's HASH; values differ by engine)."""
    from snowflake.snowpark.types import LongType

    frame = pd.DataFrame({i: pd.Series(c, dtype=object).astype("string").fillna("\x00") for i, c in enumerate(columns)})
    hashed = pd.util.hash_pandas_object(frame, index=False).astype("int64")
    result = ColumnEmulator(data=[int(v) for v in hashed], sf_type=ColumnType(LongType(), False), dtype=object)
    result.index = columns[0].index
    return result
