"""The app's only door to data: one code path over a session, cached reads, and no user text in SQL.

Every read is a Snowpark DataFrame query (user values only ever appear as `F.lit` values), the same on
both engines, and each asks the warehouse for what a tab shows and no more: filters and searches run in
the query on the profile (one row per customer), totals and chart figures come back aggregated, lists
come back LIMITed together with the count of every match (so a tab can say "showing N of M"), and one
customer's card history and transactions are read by key. A search matches its text as a literal
substring (`CONTAINS` on lower-cased values), never as a pattern or SQL.

In Streamlit in Snowflake the session is `get_active_session()`. Locally (`c360 app`, tests,
benchmarks) it is a read-only session on the DuckDB database `$C360_HOME/<DATABASE>.db`, opened for a
batch of reads and closed again so a `c360 run` can take the file; results are cached by the file's
modification time (on Snowflake for CACHE_SECONDS). While a run writes, reads raise `DatabaseBusy`.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import streamlit as st
from snowflake.snowpark import Column, DataFrame, Session
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
LIST_LIMIT = 1000  # customers listed on screen; a download holds every customer selected
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
FACET_COLUMNS = ("CUSTOMER_SEGMENT", "STATE", "CHURN_RISK_CATEGORY", "CARD_TYPE")
SUMMARY_COLUMNS = ("CUSTOMER_SEGMENT", "STATE", "CHURN_RISK_CATEGORY")

# A list's order: (column, descending) pairs, nulls last; CUSTOMER_ID last makes every order total.
Ordering = tuple[tuple[str, bool], ...]
BY_LIFETIME_VALUE: Ordering = (("LIFETIME_VALUE", True), ("CUSTOMER_ID", False))
BY_CHURN_RISK: Ordering = (("CHURN_RISK_SCORE", True), ("LIFETIME_VALUE", True), ("CUSTOMER_ID", False))


class DataUnavailable(RuntimeError):
    """The gold tables the app reads are not there; the message says which command builds them."""


# --- what a tab asks for ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFilter:
    """A selection of customers from the profile: every non-empty field narrows it (empty means all).

    `risk_categories` may hold NOT_SCORED for customers without a churn prediction; `ltv_range` is
    inclusive and counts a customer without approved spend as $0 of lifetime value.
    """

    segments: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    risk_categories: tuple[str, ...] = ()
    card_types: tuple[str, ...] = ()
    ltv_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("segments", "states", "risk_categories", "card_types"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))
        if self.ltv_range is not None:
            object.__setattr__(self, "ltv_range", tuple(self.ltv_range))


@dataclass(frozen=True)
class ProfileFacets:
    """What the filters offer and the header shows: customers, values present, lifetime-value bounds."""

    customers: int
    as_of: date | None
    segments: tuple[str, ...]
    states: tuple[str, ...]
    risk_categories: tuple[str, ...]  # with NOT_SCORED last when some customers have no churn score
    card_types: tuple[str, ...]
    ltv_bounds: tuple[int, int]  # whole dollars containing every customer's lifetime value


@dataclass(frozen=True)
class SelectionSummary:
    """Totals of a selection, and its customers counted per segment, state and churn-risk category."""

    customers: int
    total_ltv: float
    average_ltv: float | None  # None for an empty selection
    average_risk_score: float | None  # over the scored customers; None when none is scored
    groups: pd.DataFrame = field(repr=False)  # SUMMARY_COLUMNS + CUSTOMERS, LIFETIME_VALUE, SCORED, RISK_SCORE_SUM


@dataclass(frozen=True)
class CustomerSelection:
    """A selection's summary and the first customers of its list (at most the limit asked for)."""

    summary: SelectionSummary
    customers: pd.DataFrame

    @property
    def complete(self) -> bool:
        """True when the list holds every customer selected."""
        return len(self.customers) >= self.summary.customers


@dataclass(frozen=True)
class CustomerMatches:
    """Customers found by a search: how many match, and the first of them by ID (ID, name, email)."""

    total: int
    customers: pd.DataFrame


@dataclass(frozen=True)
class CustomerView:
    """One customer as Customer 360 shows them: profile row, SCD2 versions, most recent transactions."""

    profile: pd.Series
    history: pd.DataFrame
    transactions: pd.DataFrame


# --- Snowpark queries (the same on both engines) ---------------------------------------------------------


def _lifetime_value() -> Column:
    # A customer without approved spend has no lifetime value yet: that is $0, not "unknown".
    return F.coalesce(F.col("LIFETIME_VALUE"), F.lit(0))


def customer_filter_condition(selection: CustomerFilter) -> Column | None:
    """The selection as one condition on the profile's columns (None when it selects everyone)."""
    conditions: list[Column] = []
    if selection.segments:
        conditions.append(F.col("CUSTOMER_SEGMENT").isin(list(selection.segments)))
    if selection.states:
        conditions.append(F.col("STATE").isin(list(selection.states)))
    if selection.risk_categories:
        named = [r for r in selection.risk_categories if r != NOT_SCORED]
        options = [F.col("CHURN_RISK_CATEGORY").isin(named)] if named else []
        if NOT_SCORED in selection.risk_categories:
            options.append(F.col("CHURN_RISK_CATEGORY").is_null())
        conditions.append(reduce(lambda a, b: a | b, options))
    if selection.card_types:
        conditions.append(F.col("CARD_TYPE").isin(list(selection.card_types)))
    if selection.ltv_range is not None:
        low, high = selection.ltv_range
        conditions.append(_lifetime_value().between(F.lit(low), F.lit(high)))
    return reduce(lambda a, b: a & b, conditions) if conditions else None


def selected_customers(profile: DataFrame, selection: CustomerFilter) -> DataFrame:
    """The profile's rows in the selection: one row per customer."""
    condition = customer_filter_condition(selection)
    return profile if condition is None else profile.filter(condition)


def profile_facets_query(profile: DataFrame) -> DataFrame:
    """Customers per (segment, state, risk category, card type) with their lifetime-value range and as-of date."""
    return profile.group_by(*FACET_COLUMNS).agg(
        F.count(F.lit(1)).alias("CUSTOMERS"),
        F.min(_lifetime_value()).alias("LTV_MIN"),
        F.max(_lifetime_value()).alias("LTV_MAX"),
        F.max("AS_OF_DATE").alias("AS_OF_DATE"),
    )


def selection_summary_query(profile: DataFrame, selection: CustomerFilter) -> DataFrame:
    """The selection counted per (segment, state, risk category): customers, lifetime value, churn scores."""
    return selected_customers(profile, selection).group_by(*SUMMARY_COLUMNS).agg(
        F.count(F.lit(1)).alias("CUSTOMERS"),
        F.sum(_lifetime_value()).alias("LIFETIME_VALUE"),
        F.count("CHURN_RISK_SCORE").alias("SCORED"),
        F.sum("CHURN_RISK_SCORE").alias("RISK_SCORE_SUM"),
    )


def customer_list_query(
    profile: DataFrame, selection: CustomerFilter, columns: Sequence[str], order: Ordering, limit: int | None
) -> DataFrame:
    """The selection's customers in `order`, with only `columns`, the first `limit` of them (None: all)."""
    keys = [F.col(name).desc_nulls_last() if descending else F.col(name).asc_nulls_last() for name, descending in order]
    ordered = selected_customers(profile, selection).select(*columns).sort(*keys)
    return ordered if limit is None else ordered.limit(limit)


def customer_search_query(
    profile: DataFrame, text: str, columns: Sequence[str] = SEARCH_COLUMNS, limit: int = 200
) -> DataFrame:
    """Customers whose `columns` contain `text` (literal, case-insensitive), first `limit` by ID, with MATCHES.

    MATCHES is the number of all matching customers (a window over the matches, before the LIMIT).
    Empty text matches everyone.
    """
    found = profile
    if text:
        needle = F.lower(F.lit(text))
        found = profile.filter(reduce(lambda a, b: a | b, [F.contains(F.lower(F.col(c)), needle) for c in columns]))
    return (
        found.select(*SEARCH_COLUMNS, F.count(F.lit(1)).over().alias("MATCHES"))
        .sort(F.col("CUSTOMER_ID"))
        .limit(limit)
    )


def customer_profile_query(profile: DataFrame, customer_id: str) -> DataFrame:
    """One customer's profile row, read by key."""
    return profile.filter(F.col("CUSTOMER_ID") == F.lit(customer_id)).limit(1)


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


# --- pandas helpers (pure, on the small frames the queries return) --------------------------------------


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


def profile_facets(groups: pd.DataFrame) -> ProfileFacets:
    """The facets from `profile_facets_query`'s rows (a few thousand at most, whatever the customer count)."""
    risks = ordered_values(groups["CHURN_RISK_CATEGORY"], RISK_ORDER)
    if groups["CHURN_RISK_CATEGORY"].isna().any():
        risks.append(NOT_SCORED)
    if groups.empty:
        bounds = (0, 1)
    else:
        low, high = math.floor(float(groups["LTV_MIN"].min())), math.ceil(float(groups["LTV_MAX"].max()))
        bounds = (low, max(high, low + 1))
    as_of = groups["AS_OF_DATE"].dropna().max() if len(groups) else None
    return ProfileFacets(
        customers=int(groups["CUSTOMERS"].sum()),
        as_of=None if as_of is None or pd.isna(as_of) else as_of,
        segments=tuple(ordered_values(groups["CUSTOMER_SEGMENT"], SEGMENT_ORDER)),
        states=tuple(ordered_values(groups["STATE"])),
        risk_categories=tuple(risks),
        card_types=tuple(ordered_values(groups["CARD_TYPE"], CARD_ORDER)),
        ltv_bounds=bounds,
    )


def selection_summary(groups: pd.DataFrame) -> SelectionSummary:
    """Totals from `selection_summary_query`'s rows."""
    customers = int(groups["CUSTOMERS"].sum())
    total = float(groups["LIFETIME_VALUE"].sum())
    scored = int(groups["SCORED"].sum())
    return SelectionSummary(
        customers=customers,
        total_ltv=total,
        average_ltv=total / customers if customers else None,
        average_risk_score=float(groups["RISK_SCORE_SUM"].sum()) / scored if scored else None,
        groups=groups,
    )


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
        self._batch = threading.local()

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
    def batch(self) -> Iterator[None]:
        """Local reads in this block (on this thread) share one session, opened at the first, closed at the end.

        A tab's run then reads whatever its cache lacks through one session rather than one per read, and
        a run served from the cache opens none. On Snowflake every read uses the active session anyway.
        """
        if self.engine != "local" or getattr(self._batch, "reads", None) is not None:
            yield
            return
        with ExitStack() as reads:
            self._batch.reads, self._batch.session = reads, None
            try:
                yield
            finally:
                self._batch.reads = self._batch.session = None

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for one batch of reads: the active one on Snowflake, a short read-only one locally."""
        if self.engine != "local":
            yield self._session if self._session is not None else _active_session()
            return
        reads = getattr(self._batch, "reads", None)
        if reads is None:
            with self._reader() as session:
                yield session
            return
        if self._batch.session is None:
            self._batch.session = reads.enter_context(self._reader())
        yield self._batch.session

    @contextmanager
    def _reader(self) -> Iterator[Session]:
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
        """A whole (small) gold table: the dimensions, never the profile or the fact."""
        with self.reading() as session:
            return plain_numbers(session.table(self.name(name)).to_pandas())

    def facets(self) -> ProfileFacets:
        with self.reading() as session:
            groups = profile_facets_query(session.table(self.name(PROFILE))).to_pandas()
        return profile_facets(plain_numbers(groups))

    def customer_selection(
        self, selection: CustomerFilter, columns: Sequence[str], order: Ordering, limit: int
    ) -> CustomerSelection:
        """A selection's summary and its first `limit` customers, in one batch of reads."""
        with self.reading() as session:
            profile = session.table(self.name(PROFILE))
            groups = selection_summary_query(profile, selection).to_pandas()
            customers = customer_list_query(profile, selection, columns, order, limit).to_pandas()
        return CustomerSelection(selection_summary(plain_numbers(groups)), plain_numbers(customers))

    def customer_list(self, selection: CustomerFilter, columns: Sequence[str], order: Ordering) -> pd.DataFrame:
        """Every customer of a selection, in `order` (what a download holds)."""
        with self.reading() as session:
            rows = customer_list_query(session.table(self.name(PROFILE)), selection, columns, order, None).to_pandas()
        return plain_numbers(rows)

    def search(self, text: str, columns: Sequence[str], limit: int) -> CustomerMatches:
        with self.reading() as session:
            rows = customer_search_query(session.table(self.name(PROFILE)), text, columns, limit).to_pandas()
        total = int(rows["MATCHES"].iloc[0]) if len(rows) else 0
        return CustomerMatches(total, rows[list(SEARCH_COLUMNS)].reset_index(drop=True))

    def customer(self, customer_id: str, limit: int = TRANSACTION_LIMIT) -> CustomerView | None:
        """One customer's profile row, card history and most recent transactions, in one batch of reads."""
        with self.reading() as session:
            profile = customer_profile_query(session.table(self.name(PROFILE)), customer_id).to_pandas()
            if profile.empty:
                return None
            history = customer_history_query(session.table(self.name(DIM_CUSTOMER)), customer_id).to_pandas()
            transactions = self._transactions(session, customer_id, limit).to_pandas()
        return CustomerView(
            plain_numbers(profile).iloc[0], plain_numbers(history).reset_index(drop=True),
            _sorted_transactions(transactions),
        )

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        with self.reading() as session:
            rows = customer_history_query(session.table(self.name(DIM_CUSTOMER)), customer_id).to_pandas()
        return plain_numbers(rows).reset_index(drop=True)

    def customer_transactions(self, customer_id: str, limit: int) -> pd.DataFrame:
        with self.reading() as session:
            rows = self._transactions(session, customer_id, limit).to_pandas()
        return _sorted_transactions(rows)

    def _transactions(self, session: Session, customer_id: str, limit: int) -> DataFrame:
        return customer_transactions_query(
            session.table(self.name(FCT_TRANSACTIONS)), session.table(self.name(DIM_MERCHANT_CATEGORY)),
            customer_id, limit,
        )


@st.cache_resource(show_spinner=False)
def _source(engine: str, home: str | None, database: str) -> GoldSource:
    if engine == "snowflake":
        return GoldSource("snowflake", database, session=_active_session())
    return GoldSource("local", database, home=Path(home or DEFAULT_HOME))


# Every cached read is keyed by the database stamp: a finished run is read again, without a restart.
@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS)
def _checked(engine: str, home: str | None, database: str, stamp: int | None) -> bool:
    # A failed check raises and is not cached, so the next run looks again.
    _source(engine, home, database).check()
    return True


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS)
def _table_frame(engine: str, home: str | None, database: str, name: str, stamp: int | None) -> pd.DataFrame:
    return _source(engine, home, database).frame(name)


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS)
def _facets(engine: str, home: str | None, database: str, stamp: int | None) -> ProfileFacets:
    return _source(engine, home, database).facets()


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=256)
def _customer_selection(
    engine: str, home: str | None, database: str, selection: CustomerFilter, columns: tuple[str, ...],
    order: Ordering, limit: int, stamp: int | None,
) -> CustomerSelection:
    return _source(engine, home, database).customer_selection(selection, columns, order, limit)


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=16)
def _customer_list_csv(
    engine: str, home: str | None, database: str, selection: CustomerFilter, columns: tuple[str, ...],
    order: Ordering, stamp: int | None,
) -> bytes:
    return csv_bytes(_source(engine, home, database).customer_list(selection, columns, order))


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=512)
def _search(
    engine: str, home: str | None, database: str, text: str, columns: tuple[str, ...], limit: int, stamp: int | None
) -> CustomerMatches:
    return _source(engine, home, database).search(text, columns, limit)


@st.cache_data(show_spinner=False, ttl=CACHE_SECONDS, max_entries=512)
def _customer(engine: str, home: str | None, database: str, customer_id: str, stamp: int | None) -> CustomerView | None:
    return _source(engine, home, database).customer(customer_id)


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

    def batch(self):
        """`with data.batch():` the reads in the block that miss the cache share one session (see GoldSource.batch)."""
        return self.source.batch()

    def describe(self) -> str:
        return self.source.describe()

    def stamp(self) -> int | None:
        return self.source.stamp()

    def _key(self) -> tuple[str, str | None, str]:
        return self.engine, self.home, self.database

    def check(self) -> None:
        """Raise DataUnavailable, naming the command to run, when the gold tables are not built."""
        _checked(*self._key(), self.stamp())

    def frame(self, name: str) -> pd.DataFrame:
        """A whole small gold table in pandas, cached: a dimension such as DIM_MERCHANT_CATEGORY."""
        return _table_frame(*self._key(), name, self.stamp())

    def categories(self) -> pd.DataFrame:
        """GOLD.DIM_MERCHANT_CATEGORY: one row per merchant category."""
        return self.frame(DIM_MERCHANT_CATEGORY)

    def facets(self) -> ProfileFacets:
        """Customer count, as-of date, the values each filter offers and the lifetime-value bounds."""
        return _facets(*self._key(), self.stamp())

    def customer_selection(
        self, selection: CustomerFilter, columns: Sequence[str], order: Ordering, limit: int | None = None
    ) -> CustomerSelection:
        """The selection's totals and chart figures, and its first `limit` (default LIST_LIMIT) customers in `order`."""
        limit = LIST_LIMIT if limit is None else limit
        return _customer_selection(*self._key(), selection, tuple(columns), order, limit, self.stamp())

    def customer_list_csv(self, selection: CustomerFilter, columns: Sequence[str], order: Ordering) -> bytes:
        """Every customer of the selection in `order`, as CSV (cached: for a download built on every run)."""
        return _customer_list_csv(*self._key(), selection, tuple(columns), order, self.stamp())

    def customer_list_export(
        self, selection: CustomerFilter, columns: Sequence[str], order: Ordering
    ) -> Callable[[], bytes]:
        """A function that reads every customer of the selection in `order` and returns them as CSV.

        It holds the source, not the script's context: a download button may call it on another thread.
        """
        source, columns = self.source, tuple(columns)
        return lambda: csv_bytes(source.customer_list(selection, columns, order))

    def search(self, text: str, columns: Sequence[str] = SEARCH_COLUMNS, limit: int = 200) -> CustomerMatches:
        """Customers whose `columns` contain `text` (literal, case-insensitive): how many, and the first by ID."""
        return _search(*self._key(), (text or "").strip(), tuple(columns), limit, self.stamp())

    def customer(self, customer_id: str) -> CustomerView | None:
        """One customer's profile, card history and most recent transactions (None: not in the profile)."""
        return _customer(*self._key(), customer_id, self.stamp())

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        """One customer's SCD2 versions (card type, credit limit, validity), oldest first."""
        return _customer_history(*self._key(), customer_id, self.stamp())

    def customer_transactions(self, customer_id: str, limit: int = TRANSACTION_LIMIT) -> pd.DataFrame:
        """One customer's `limit` most recent transactions with category group, newest first."""
        return _customer_transactions(*self._key(), customer_id, limit, self.stamp())


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
    """Forget cached reads so the next run reads the gold tables again."""
    for cached in (
        _checked, _table_frame, _facets, _customer_selection, _customer_list_csv, _search, _customer,
        _customer_history, _customer_transactions,
    ):
        cached.clear()
