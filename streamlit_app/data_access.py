"""The app's only door to data: one session, cached reads, and filters that never put user text into SQL.

In Streamlit in Snowflake the session is `get_active_session()` and per-customer reads are Snowpark
DataFrame queries (user values only ever appear as `F.lit` values). Locally (`c360 app`, tests,
benchmarks) the tables are the Parquet files of the local warehouse at $C360_HOME, read through
`c360_pipeline.warehouse.Warehouse`: the Snowpark emulator needs 20-40 s to filter one customer out
of 270K transactions, while a pre-sorted Arrow table gives the same slice in milliseconds.
Searches and segment filters run in pandas on the cached profile (one row per customer), with the
search text used as a literal substring, never as a pattern or SQL.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import streamlit as st
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F

HOME_ENV = "C360_HOME"
DATABASE_ENV = "C360_DATABASE"
DEFAULT_HOME = ".c360"
DEFAULT_DATABASE = "C360"
GOLD = "GOLD"
PROFILE = "CUSTOMER_360_PROFILE"
DIM_CUSTOMER = "DIM_CUSTOMER"
FCT_TRANSACTIONS = "FCT_TRANSACTIONS"
DIM_MERCHANT_CATEGORY = "DIM_MERCHANT_CATEGORY"
REQUIRED_TABLES = (PROFILE, DIM_CUSTOMER, FCT_TRANSACTIONS, DIM_MERCHANT_CATEGORY)
TRANSACTION_LIMIT = 1000
CACHE_SECONDS = 600

# Display order of the categorical values (values found in the data but not listed here come after).
SEGMENT_ORDER = ("High-Value Travelers", "Declining", "New & Growing", "Budget-Conscious", "Stable Mid-Spenders")
RISK_ORDER = ("Low Risk", "Medium Risk", "High Risk")
CARD_ORDER = ("Standard", "Gold", "Premium", "Platinum")
NOT_SCORED = "Not scored"

HISTORY_COLUMNS = ("CUSTOMER_KEY", "CARD_TYPE", "CREDIT_LIMIT", "VALID_FROM", "VALID_TO", "IS_CURRENT")
FACT_COLUMNS = (
    "TRANSACTION_ID", "CUSTOMER_ID", "TRANSACTION_DATE", "MERCHANT_NAME", "MERCHANT_CATEGORY_KEY",
    "MERCHANT_CATEGORY", "TRANSACTION_AMOUNT", "CHANNEL", "STATUS",
)
TRANSACTION_COLUMNS = (
    "TRANSACTION_ID", "TRANSACTION_DATE", "MERCHANT_NAME", "MERCHANT_CATEGORY", "CATEGORY_GROUP",
    "TRANSACTION_AMOUNT", "CHANNEL", "STATUS",
)
SEARCH_COLUMNS = ("CUSTOMER_ID", "FULL_NAME", "EMAIL")


class DataUnavailable(RuntimeError):
    """The gold tables the app reads are not there; the message says which command builds them."""


# --- Snowpark queries (Streamlit in Snowflake; also run against the emulator in tests) -------------------


def customer_history_query(dim_customer: DataFrame, customer_id: str) -> DataFrame:
    """One customer's card type / credit-limit versions from the SCD2 dimension: one row per validity interval."""
    return (
        dim_customer.filter(F.col("CUSTOMER_ID") == F.lit(customer_id))
        .select(*HISTORY_COLUMNS)
        .sort(F.col("VALID_FROM"), F.col("CUSTOMER_KEY"))
    )


def customer_transactions_query(
    fact: DataFrame, categories: DataFrame, customer_id: str, limit: int = TRANSACTION_LIMIT
) -> DataFrame:
    """One customer's most recent transactions with their category group: one row per transaction."""
    recent = (
        fact.filter(F.col("CUSTOMER_ID") == F.lit(customer_id))
        .select(*FACT_COLUMNS)
        .sort(F.col("TRANSACTION_DATE").desc(), F.col("TRANSACTION_ID").desc())
        .limit(limit)
    )
    groups = categories.select("MERCHANT_CATEGORY_KEY", "CATEGORY_GROUP")
    return recent.join(groups, "MERCHANT_CATEGORY_KEY", how="left").select(*TRANSACTION_COLUMNS)


# --- pandas helpers (pure) ------------------------------------------------------------------------------


def plain_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """NUMBER(p,s) columns arrive as Decimal objects from Parquet; the app computes and charts in float."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            sample = out[column].dropna()
            if len(sample) and isinstance(sample.iloc[0], Decimal):
                out[column] = out[column].astype("float64")
    return out


def ordered_values(values: Iterable[object], order: Sequence[str] = ()) -> list[str]:
    """Distinct non-null values: those in `order` first, in that order, then the rest sorted."""
    present = {str(v) for v in values if v is not None and not pd.isna(v)}
    return [v for v in order if v in present] + sorted(present - set(order))


def filter_profile(
    profile: pd.DataFrame,
    segments: Sequence[str] = (),
    states: Sequence[str] = (),
    risk_categories: Sequence[str] = (),
    card_types: Sequence[str] = (),
    ltv_range: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Customers matching every non-empty filter (an empty selection means all): one row per customer."""
    keep = pd.Series(True, index=profile.index)
    if segments:
        keep &= profile["CUSTOMER_SEGMENT"].isin(list(segments))
    if states:
        keep &= profile["STATE"].isin(list(states))
    if risk_categories:
        risk = profile["CHURN_RISK_CATEGORY"].isin([r for r in risk_categories if r != NOT_SCORED])
        if NOT_SCORED in risk_categories:
            risk |= profile["CHURN_RISK_CATEGORY"].isna()
        keep &= risk
    if card_types:
        keep &= profile["CARD_TYPE"].isin(list(card_types))
    if ltv_range is not None:
        low, high = ltv_range
        # A customer without approved spend has no lifetime value yet: that is $0, not "unknown".
        keep &= profile["LIFETIME_VALUE"].fillna(0.0).between(low, high, inclusive="both")
    return profile[keep]


def search_customers(profile: pd.DataFrame, text: str, columns: Sequence[str] = SEARCH_COLUMNS) -> pd.DataFrame:
    """Customers whose ID, name or email contains `text` (literal, case-insensitive), ordered by ID."""
    needle = (text or "").strip().casefold()
    ordered = profile.sort_values("CUSTOMER_ID")
    if not needle:
        return ordered
    hit = pd.Series(False, index=ordered.index)
    for column in columns:
        hit |= ordered[column].astype("string").str.casefold().str.contains(needle, regex=False, na=False)
    return ordered[hit]


def filter_transactions(
    transactions: pd.DataFrame,
    start: date | None = None,
    end: date | None = None,
    groups: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> pd.DataFrame:
    """Transactions on days start..end (inclusive) in the chosen groups and categories (empty = all)."""
    day = pd.to_datetime(transactions["TRANSACTION_DATE"]).dt.date
    keep = pd.Series(True, index=transactions.index)
    if start is not None:
        keep &= day >= start
    if end is not None:
        keep &= day <= end
    if groups:
        keep &= transactions["CATEGORY_GROUP"].isin(list(groups))
    if categories:
        keep &= transactions["MERCHANT_CATEGORY"].isin(list(categories))
    return transactions[keep]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame exactly as shown, as UTF-8 CSV with a header row and no index."""
    return frame.to_csv(index=False).encode("utf-8")


def _sorted_transactions(frame: pd.DataFrame) -> pd.DataFrame:
    out = plain_numbers(frame)
    out["TRANSACTION_DATE"] = pd.to_datetime(out["TRANSACTION_DATE"])
    out = out.sort_values(["TRANSACTION_DATE", "TRANSACTION_ID"], ascending=False, kind="stable")
    return out[list(TRANSACTION_COLUMNS)].reset_index(drop=True)


# --- sources: where the tables come from ----------------------------------------------------------------


class SnowflakeSource:
    """Gold tables on the account of the active session (Streamlit in Snowflake)."""

    engine = "snowflake"

    def __init__(self, session: Session, database: str):
        self.session = session
        self.database = database
        self.warehouse = None

    def describe(self) -> str:
        return f"Snowflake · {self.database}.{GOLD}"

    def table(self, name: str, layer: str = GOLD) -> DataFrame:
        return self.session.table(f"{self.database}.{layer}.{name}")

    def stamp(self, name: str) -> None:
        return None  # the cache's time-to-live decides when the account is read again

    def check(self) -> None:
        try:
            self.table(PROFILE).schema
        except Exception as error:  # the connector raises several types for a missing table
            raise DataUnavailable(
                f"{self.database}.{GOLD}.{PROFILE} cannot be read ({error}); run the pipeline "
                f"(CALL {self.database}.OPS.RUN_PIPELINE()) or `c360 run --engine snowflake` first"
            ) from None

    def frame(self, name: str) -> pd.DataFrame:
        return plain_numbers(self.table(name).to_pandas())

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        return plain_numbers(customer_history_query(self.table(DIM_CUSTOMER), customer_id).to_pandas())

    def customer_transactions(self, customer_id: str, limit: int) -> pd.DataFrame:
        query = customer_transactions_query(
            self.table(FCT_TRANSACTIONS), self.table(DIM_MERCHANT_CATEGORY), customer_id, limit
        )
        return _sorted_transactions(query.to_pandas())


class LocalSource:
    """Gold tables of the local warehouse at `home` (Parquet files behind `Warehouse`)."""

    engine = "local"

    def __init__(self, home: Path, database: str):
        from c360_pipeline.config import PipelineConfig
        from c360_pipeline.sessions import local_session
        from c360_pipeline.warehouse import Warehouse

        self.home = home
        self.database = database
        self.cfg = PipelineConfig.build(home=home, database=database)
        self.session = local_session()
        self.warehouse = Warehouse.of(self.session, self.cfg)
        self._lock = threading.Lock()
        self._fact: tuple[int, object, dict[str, tuple[int, int]]] | None = None

    def describe(self) -> str:
        return f"local warehouse · {self.cfg.warehouse_dir}"

    def table(self, name: str, layer: str = GOLD) -> DataFrame:
        with self._lock:
            return self.warehouse.read(layer, name)

    def stamp(self, name: str) -> int | None:
        path = self.warehouse.path(GOLD, name)
        return path.stat().st_mtime_ns if path.exists() else None

    def check(self) -> None:
        missing = [name for name in REQUIRED_TABLES if not self.warehouse.exists(GOLD, name)]
        if missing:
            raise DataUnavailable(
                f"the local warehouse at {self.cfg.warehouse_dir} has no {', '.join(f'GOLD.{m}' for m in missing)}; "
                f"build it first with `c360 run --home {self.home}`"
            )

    def frame(self, name: str) -> pd.DataFrame:
        with self._lock:
            return plain_numbers(self.warehouse.to_pandas(GOLD, name))

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        history = self.frame(DIM_CUSTOMER)
        rows = history[history["CUSTOMER_ID"] == customer_id]
        return rows.sort_values(["VALID_FROM", "CUSTOMER_KEY"])[list(HISTORY_COLUMNS)].reset_index(drop=True)

    def customer_transactions(self, customer_id: str, limit: int) -> pd.DataFrame:
        table, offsets = self._fact_index()
        start, stop = offsets.get(customer_id, (0, 0))
        rows = table.slice(start, min(stop - start, limit)).to_pandas()  # type: ignore[attr-defined]
        groups = self.frame(DIM_MERCHANT_CATEGORY)[["MERCHANT_CATEGORY_KEY", "CATEGORY_GROUP"]]
        return _sorted_transactions(rows.merge(groups, on="MERCHANT_CATEGORY_KEY", how="left"))

    def _fact_index(self) -> tuple[object, dict[str, tuple[int, int]]]:
        """The fact sorted by customer then newest first, with each customer's row range (built once per file)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        stamp = self.stamp(FCT_TRANSACTIONS) or 0
        with self._lock:
            if self._fact is None or self._fact[0] != stamp:
                table = pq.read_table(self.warehouse.path(GOLD, FCT_TRANSACTIONS), columns=list(FACT_COLUMNS))
                amount = table.column("TRANSACTION_AMOUNT")
                table = table.set_column(
                    table.schema.get_field_index("TRANSACTION_AMOUNT"),
                    "TRANSACTION_AMOUNT",
                    pc.cast(amount, pa.float64()),
                )
                table = table.sort_by(
                    [("CUSTOMER_ID", "ascending"), ("TRANSACTION_DATE", "descending"), ("TRANSACTION_ID", "descending")]
                )
                ids = table.column("CUSTOMER_ID").to_numpy(zero_copy_only=False)
                offsets: dict[str, tuple[int, int]] = {}
                if len(ids):
                    edges = np.flatnonzero(ids[1:] != ids[:-1]) + 1
                    starts = np.r_[0, edges]
                    stops = np.r_[edges, len(ids)]
                    offsets = {str(ids[s]): (int(s), int(e)) for s, e in zip(starts, stops)}
                self._fact = (stamp, table, offsets)
            return self._fact[1], self._fact[2]


@st.cache_resource(show_spinner=False)
def _source(engine: str, home: str | None, database: str) -> SnowflakeSource | LocalSource:
    if engine == "snowflake":
        from snowflake.snowpark.context import get_active_session

        return SnowflakeSource(get_active_session(), database)
    return LocalSource(Path(home or DEFAULT_HOME), database)


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS)
def _checked(engine: str, home: str | None, database: str, stamp: int | None) -> bool:
    # A failed check raises and is not cached, so the next run looks again.
    _source(engine, home, database).check()
    return True


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS)
def _table_frame(engine: str, home: str | None, database: str, name: str, stamp: int | None) -> pd.DataFrame:
    return _source(engine, home, database).frame(name)


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=512)
def _customer_history(engine: str, home: str | None, database: str, customer_id: str, stamp: int | None) -> pd.DataFrame:
    return _source(engine, home, database).customer_history(customer_id)


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=512)
def _customer_transactions(
    engine: str, home: str | None, database: str, customer_id: str, limit: int, stamp: int | None
) -> pd.DataFrame:
    return _source(engine, home, database).customer_transactions(customer_id, limit)


@dataclass(frozen=True)
class AppData:
    """What every tab's `render(data)` receives: cached reads of the gold tables plus the live session."""

    engine: str
    home: str | None
    database: str

    @property
    def source(self) -> SnowflakeSource | LocalSource:
        return _source(self.engine, self.home, self.database)

    @property
    def session(self) -> Session:
        """The Snowpark session (Streamlit in Snowflake's, or the local-testing one)."""
        return self.source.session

    @property
    def warehouse(self):
        """The local `Warehouse` (None in Streamlit in Snowflake)."""
        return self.source.warehouse

    def describe(self) -> str:
        return self.source.describe()

    def check(self) -> None:
        """Raise DataUnavailable, naming the command to run, when the gold tables are not built."""
        _checked(self.engine, self.home, self.database, self.source.stamp(PROFILE))

    def table(self, name: str, layer: str = GOLD) -> DataFrame:
        """A table as a Snowpark DataFrame, for queries the cached reads below do not cover."""
        return self.source.table(name, layer)

    def frame(self, name: str) -> pd.DataFrame:
        """A whole (small) gold table in pandas, cached: the profile, the dimensions."""
        return _table_frame(self.engine, self.home, self.database, name, self.source.stamp(name))

    def profile(self) -> pd.DataFrame:
        """GOLD.CUSTOMER_360_PROFILE: one row per current customer."""
        return self.frame(PROFILE)

    def categories(self) -> pd.DataFrame:
        """GOLD.DIM_MERCHANT_CATEGORY: one row per merchant category."""
        return self.frame(DIM_MERCHANT_CATEGORY)

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        """One customer's SCD2 versions (card type, credit limit, validity), oldest first."""
        stamp = self.source.stamp(DIM_CUSTOMER)
        return _customer_history(self.engine, self.home, self.database, customer_id, stamp)

    def customer_transactions(self, customer_id: str, limit: int = TRANSACTION_LIMIT) -> pd.DataFrame:
        """One customer's `limit` most recent transactions with category group, newest first."""
        stamp = self.source.stamp(FCT_TRANSACTIONS)
        return _customer_transactions(self.engine, self.home, self.database, customer_id, limit, stamp)


def _active_session() -> Session | None:
    try:
        from snowflake.snowpark.context import get_active_session

        return get_active_session()
    except Exception:  # no session: not running inside Snowflake
        return None


def app_data() -> AppData:
    """Streamlit in Snowflake when a session is active and no local home is set; else the local warehouse."""
    database = os.environ.get(DATABASE_ENV, DEFAULT_DATABASE).upper()
    home = os.environ.get(HOME_ENV)
    if home is None and _active_session() is not None:
        return AppData("snowflake", None, database)
    return AppData("local", str(Path(home or DEFAULT_HOME).resolve()), database)


def clear_caches() -> None:
    """Forget cached tables so the next run reads the warehouse again."""
    _checked.clear()
    _table_frame.clear()
    _customer_history.clear()
    _customer_transactions.clear()
