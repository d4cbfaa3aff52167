"""Where the gold tables come from: the active session in Streamlit in Snowflake, or short read-only sessions
on the local database file, opened for a batch of reads and closed straight after so a `c360 run` can
take the file; reads are keyed by the file's modification time. While a run writes, reads raise DatabaseBusy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Sequence

import pandas as pd
from gold_queries import (
    DIM_CUSTOMER,
    DIM_MERCHANT_CATEGORY,
    FCT_TRANSACTIONS,
    GOLD,
    PROFILE,
    REQUIRED_TABLES,
    SEARCH_COLUMNS,
    TRANSACTION_LIMIT,
    CustomerFilter,
    CustomerMatches,
    CustomerSelection,
    CustomerView,
    Ordering,
    ProfileFacets,
    customer_history_query,
    customer_list_query,
    customer_profile_query,
    customer_search_query,
    customer_transactions_query,
    plain_numbers,
    profile_facets,
    profile_facets_query,
    selection_summary,
    selection_summary_query,
    sorted_transactions,
)
from snowflake.snowpark import DataFrame, Session


class DataUnavailable(RuntimeError):
    """The gold tables the app reads are not there; the message says which command builds them."""


# --- the source: where the tables come from ------------------------------------------------------------


class DatabaseBusy(RuntimeError):
    """The local database cannot be read right now (a `c360 run` is writing it); the message says so."""


class GoldSource:
    """The gold tables behind one session, read with the same Snowpark DataFrame queries on both engines.

    Only opening the session differs. In Streamlit in Snowflake it is the active session, used for every
    read. Locally it is a read-only session on `<home>/<DATABASE>.db`, opened for one batch of reads and
    closed straight after, so the app never holds the file lock a `c360 run` needs; the reads are
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
            yield self._session if self._session is not None else active_session()
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
            sorted_transactions(transactions),
        )

    def customer_history(self, customer_id: str) -> pd.DataFrame:
        with self.reading() as session:
            rows = customer_history_query(session.table(self.name(DIM_CUSTOMER)), customer_id).to_pandas()
        return plain_numbers(rows).reset_index(drop=True)

    def customer_transactions(self, customer_id: str, limit: int) -> pd.DataFrame:
        with self.reading() as session:
            rows = self._transactions(session, customer_id, limit).to_pandas()
        return sorted_transactions(rows)

    def _transactions(self, session: Session, customer_id: str, limit: int) -> DataFrame:
        return customer_transactions_query(
            session.table(self.name(FCT_TRANSACTIONS)), session.table(self.name(DIM_MERCHANT_CATEGORY)),
            customer_id, limit,
        )


def active_session() -> Session | None:
    """The session of Streamlit in Snowflake (None when not running inside Snowflake)."""
    try:
        from snowflake.snowpark.context import get_active_session

        return get_active_session()
    except Exception:  # no session: not running inside Snowflake
        return None
