"""The app's only door to data: cached reads of the gold tables behind `AppData`, which every tab receives.

The reads are the Snowpark queries of `gold_queries` (one code path over a session, no user text in SQL),
run through a `gold_source.GoldSource` (the active session in Streamlit in Snowflake; short read-only
sessions on the local database otherwise). Results are cached by the database stamp (the local file's
modification time; on Snowflake for CACHE_SECONDS), so a finished run is read again without a restart.
The names the tabs use are importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd
import streamlit as st
from gold_queries import (  # noqa: F401 (the tabs' names, importable from one place)
    BY_CHURN_RISK,
    BY_LIFETIME_VALUE,
    CARD_ORDER,
    DIM_MERCHANT_CATEGORY,
    LIST_LIMIT,
    NOT_SCORED,
    RISK_ORDER,
    SEARCH_COLUMNS,
    SEGMENT_ORDER,
    TRANSACTION_LIMIT,
    CustomerFilter,
    CustomerMatches,
    CustomerSelection,
    CustomerView,
    Ordering,
    ProfileFacets,
    SelectionSummary,
    csv_bytes,
    filter_transactions,
    ordered_values,
)
from gold_source import DatabaseBusy, DataUnavailable, GoldSource, active_session  # noqa: F401

HOME_ENV = "C360_HOME"
DATABASE_ENV = "C360_DATABASE"
DEFAULT_HOME = ".c360"
DEFAULT_DATABASE = "C360"
CACHE_SECONDS = 600


@st.cache_resource(show_spinner=False)
def _source(engine: str, home: str | None, database: str) -> GoldSource:
    if engine == "snowflake":
        return GoldSource("snowflake", database, session=active_session())
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




def app_data() -> AppData:
    """Streamlit in Snowflake when a session is active and no local home is set; else the local database."""
    database = os.environ.get(DATABASE_ENV, DEFAULT_DATABASE).upper()
    home = os.environ.get(HOME_ENV)
    if home is None and active_session() is not None:
        return AppData("snowflake", None, database)
    return AppData("local", str(Path(home or DEFAULT_HOME).resolve()), database)


def clear_caches() -> None:
    """Forget cached reads so the next run reads the gold tables again."""
    for cached in (
        _checked, _table_frame, _facets, _customer_selection, _customer_list_csv, _search, _customer,
        _customer_history, _customer_transactions,
    ):
        cached.clear()
