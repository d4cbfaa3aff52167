"""The app's only door to data: one code path over a session, cached reads, and no user text in SQL.

Every read is a Snowpark DataFrame query (user values only ever appear as `F.lit` values), the same on
both engines. In Streamlit in Snowflake the session is `get_active_session()`. Locally (`c360 app`,
tests, benchmarks) it is a read-only session on the DuckDB database `$C360_HOME/<DATABASE>.db`,
opened for a batch of reads and closed again so a `c360 run` can take the file; results are cached by
the file's modification time. While a run writes, reads raise `DatabaseBusy` (a clear message).
Searches and segment filters run in pandas on the cached profile (one row per customer), with the
search text used as a literal substring, never as a pattern or SQL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
    """NUMBER(p,s) columns may arrive as Decimal objects; the app computes and charts in float."""
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


# --- the source: where the tables come from ------------------------------------------------------------


class DatabaseBusy(RuntimeError):
    """The local database cannot be read right now (a `c360 run` is writing it); the message says so."""


class GoldSource:
    """The gold tables behind one session, read with the same Snowpark DataFrame queries on both engines.

    Only opening the session differs. In Streamlit in Snowflake it is the active session, used for every
    read. Locally it is a read-only session on `<home>/<DATABASE>.db`, opened for one batch of reads and
    closed straight after, so the app never holds the DuckDB file lock a `c360 run` needs; the reads are
    cached by the file's modification time (`stamp`).
    """

    def __init__(self, engine: str, database: str, home: Path | None = None, session: Session | None = None):
        self.engine = engine
        self.database = database.upper()
        self.home = home
        self._session = session
        # One process may hold several read-only sessions on the file, but opening and closing them from
        # Streamlit's script threads at once is not something to rely on: one batch of reads at a time.
        self._lock = threading.RLock()

    # where the tables are ----------------------------------------------------------------------------
    @property
    def database_file(self) -> Path | None:
        if self.engine != "local":
            return None
        from c360_pipeline import engine

        return engine.database_file(self.home, self.database)

    def describe(self) -> str:
        if self.engine == "local":
            return f"local database · {self.database_file}"
        return f"Snowflake · {self.database}.{GOLD}"

    def name(self, table: str, layer: str = GOLD) -> str:
        return f"{self.database}.{layer}.{table}"

    def stamp(self) -> int | None:
        """The local database file's modification time (and its write-ahead log's), the cache key of every read.

        None on Snowflake: the cache's time-to-live decides when the account is read again.
        """
        path = self.database_file
        if path is None:
            return None
        stamp = 0
        for file in (path, path.with_name(path.name + ".wal")):
            try:
                stamp = stamp * 1_000_003 + file.stat().st_mtime_ns
            except FileNotFoundError:
                stamp = stamp * 1_000_003
        return stamp if path.exists() else None

    # sessions -----------------------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for one batch of reads: the active one on Snowflake, a short read-only one locally."""
        if self.engine != "local":
            yield self._session if self._session is not None else _active_session()
            return
        from c360_pipeline import engine

        with self._lock:
            try:
                session = engine.reader_session(self.home, self.database)
            except FileNotFoundError:
                raise DataUnavailable(
                    f"there is no local database at {self.database_file} yet; "
                    f"build it first with `c360 run --home {self.home}`"
                ) from None
            except engine.DatabaseBusy as busy:
                raise DatabaseBusy(f"{busy}. Press “Reload data” (or refresh the page) then.") from None
            try:
                yield session
            finally:
                session.close()

    # reads ---------------------------------------------------------------------------------------------
    def check(self) -> None:
        """DataUnavailable, naming the command that builds them, when a gold table the app reads is missing."""
        with self.reading() as session:
            missing = []
            for table in REQUIRED_TABLES:
                try:
                    session.table(self.name(table)).schema
                except Exception:  # the connector raises several types for a missing table
                    missing.append(table)
        if not missing:
            return
        tables = ", ".join(f"{GOLD}.{m}" for m in missing)
        if self.engine == "local":
            raise DataUnavailable(
                f"the local database {self.database_file} has no {tables}; "
                f"build it first with `c360 run --home {self.home}`"
            )
        raise DataUnavailable(
            f"{self.database} has no {tables}; run the pipeline "
            f"(CALL {self.database}.OPS.RUN_PIPELINE()) or `c360 run --engine snowflake` first"
        )

    def frame(self, name: str) -> pd.DataFrame:
        with self.reading() as session:
            return plain_numbers(session.table(self.name(name)).to_pandas())

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        with self.reading() as session:
            rows = customer_history_query(session.table(self.name(DIM_CUSTOMER)), customer_id).to_pandas()
        return plain_numbers(rows).reset_index(drop=True)

    def customer_transactions(self, customer_id: str, limit: int) -> pd.DataFrame:
        with self.reading() as session:
            query = customer_transactions_query(
                session.table(self.name(FCT_TRANSACTIONS)), session.table(self.name(DIM_MERCHANT_CATEGORY)),
                customer_id, limit,
            )
            rows = query.to_pandas()
        return _sorted_transactions(rows)


@st.cache_resource(show_spinner=False)
def _source(engine: str, home: str | None, database: str) -> GoldSource:
    if engine == "snowflake":
        return GoldSource("snowflake", database, session=_active_session())
    return GoldSource("local", database, home=Path(home or DEFAULT_HOME))


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
    """What every tab's `render(data)` receives: cached reads of the gold tables, and sessions for other reads."""

    engine: str
    home: str | None
    database: str

    @property
    def source(self) -> GoldSource:
        return _source(self.engine, self.home, self.database)

    def config(self):
        """The pipeline configuration naming these tables (for `Warehouse` and the assistant)."""
        from c360_pipeline.config import PipelineConfig

        if self.engine == "local":
            return PipelineConfig.build(home=Path(self.home or DEFAULT_HOME), database=self.database)
        return PipelineConfig.build(engine="snowflake", database=self.database)

    def reading(self):
        """`with data.reading() as session:` a session for a batch of reads the cached ones below do not cover.

        Locally it is read-only and closed when the block ends (a `c360 run` needs the file); collect the
        results inside the block. Raises DatabaseBusy while a run writes, DataUnavailable before the first run.
        """
        return self.source.reading()

    def describe(self) -> str:
        return self.source.describe()

    def stamp(self) -> int | None:
        return self.source.stamp()

    def check(self) -> None:
        """Raise DataUnavailable, naming the command to run, when the gold tables are not built."""
        _checked(self.engine, self.home, self.database, self.stamp())

    def frame(self, name: str) -> pd.DataFrame:
        """A whole (small) gold table in pandas, cached: the profile, the dimensions."""
        return _table_frame(self.engine, self.home, self.database, name, self.stamp())

    def profile(self) -> pd.DataFrame:
        """GOLD.CUSTOMER_360_PROFILE: one row per current customer."""
        return self.frame(PROFILE)

    def categories(self) -> pd.DataFrame:
        """GOLD.DIM_MERCHANT_CATEGORY: one row per merchant category."""
        return self.frame(DIM_MERCHANT_CATEGORY)

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        """One customer's SCD2 versions (card type, credit limit, validity), oldest first."""
        return _customer_history(self.engine, self.home, self.database, customer_id, self.stamp())

    def customer_transactions(self, customer_id: str, limit: int = TRANSACTION_LIMIT) -> pd.DataFrame:
        """One customer's `limit` most recent transactions with category group, newest first."""
        return _customer_transactions(self.engine, self.home, self.database, customer_id, limit, self.stamp())


def _active_session() -> Session | None:
    try:
        from snowflake.snowpark.context import get_active_session

        return get_active_session()
    except Exception:  # no session: not running inside Snowflake
        return None


def app_data() -> AppData:
    """Streamlit in Snowflake when a session is active and no local home is set; else the local database."""
    database = os.environ.get(DATABASE_ENV, DEFAULT_DATABASE).upper()
    home = os.environ.get(HOME_ENV)
    if home is None and _active_session() is not None:
        return AppData("snowflake", None, database)
    return AppData("local", str(Path(home or DEFAULT_HOME).resolve()), database)


def clear_caches() -> None:
    """Forget cached tables so the next run reads the gold tables again."""
    _checked.clear()
    _table_frame.clear()
    _customer_history.clear()
    _customer_transactions.clear()
