"""The local engine's connection: fakesnow (Snowflake SQL on DuckDB) shaped the way Snowpark reads a connector.

Snowpark compiles every DataFrame to Snowflake SQL and hands it to a `snowflake.connector` connection.
fakesnow translates that SQL to DuckDB. Between the two are gaps; each is closed here by a small
named function whose docstring names the gap (tests: `tests/engine/test_engine.py`). Nothing here changes
what a query means: a shim either supplies what Snowpark reads from a real connector, or rewrites
one Snowflake construct that fakesnow 0.12 does not translate into one it does.

Pinned in pyproject.toml: fakesnow 0.12.x (which pins its sqlglot and duckdb). On an upgrade, run
`pytest tests/engine/test_engine.py`; a shim whose gap fakesnow has closed fails its test and can go.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sqlite3
import sys
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from fakesnow.conn import FakeSnowflakeConnection
from fakesnow.cursor import FakeSnowflakeCursor
from fakesnow.instance import FakeSnow
from snowflake.connector.cursor import DictCursor, SnowflakeCursor
from sqlglot import exp

# --------------------------------------------------------------------------------------------
# text shims: Snowflake syntax fakesnow's parser (sqlglot) rejects, rewritten before parsing

TextShim = Callable[[str], str]
TEXT_SHIMS: list[TextShim] = []


def text_shim(function: TextShim) -> TextShim:
    TEXT_SHIMS.append(function)
    return function


_IF_NOT_EXISTS_AFTER_NAME = re.compile(r"(?i)\bTABLE\s+((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))*)\s+IF\s+NOT\s+EXISTS\b")


@text_shim
def if_not_exists_after_table_name(sql: str) -> str:
    """`CREATE TABLE t IF NOT EXISTS (…)` (Snowpark's append to a new table) → `CREATE TABLE IF NOT EXISTS t`.

    Snowflake accepts both orders; sqlglot parses only the standard one.
    """
    return _IF_NOT_EXISTS_AFTER_NAME.sub(r"TABLE IF NOT EXISTS \1", sql, count=1)


_SCOPED_TEMPORARY = re.compile(r"(?i)^\s*CREATE\s+(OR\s+REPLACE\s+)?SCOPED\s+TEMPORARY\b")


@text_shim
def scoped_temporary(sql: str) -> str:
    """`CREATE SCOPED TEMPORARY TABLE` (cache_result, merge/update sources) → `CREATE TEMPORARY TABLE`.

    A scoped temporary object is a temporary one that Snowflake also drops with the stored procedure
    that made it; on the local engine a procedure is an in-process call, so session scope is the same.
    """
    return _SCOPED_TEMPORARY.sub(lambda m: f"CREATE {m.group(1) or ''}TEMPORARY", sql, count=1)


_DESCRIBE_PARENTHESISED = re.compile(r"(?is)^\s*DESCRIBE\s+(\(.*)$")


@text_shim
def describe_parenthesised_query(sql: str) -> str:
    """`DESCRIBE (SELECT …) UNION ALL (SELECT …)` (Snowpark's schema of a union) → `DESCRIBE SELECT * FROM (…)`.

    Snowflake describes any query; sqlglot parses DESCRIBE only before a statement that starts with
    a keyword.
    """
    match = _DESCRIBE_PARENTHESISED.match(sql)
    return f"DESCRIBE SELECT * FROM ({match.group(1)})" if match else sql


_CANCEL_ALL = re.compile(r"(?i)^\s*select\s+system\$cancel_all_queries\s*\(")
_QUERY_TAG = re.compile(r"(?is)^\s*alter\s+session\s+(?:set\s+query_tag\s*=\s*'((?:[^']|'')*)'|unset\s+query_tag)\s*;?\s*$")


# --------------------------------------------------------------------------------------------
# expression shims: applied to fakesnow's parse tree before its own transforms

ExpressionShim = Callable[[exp.Expr], exp.Expr]
EXPRESSION_SHIMS: list[ExpressionShim] = []


def expression_shim(function: ExpressionShim) -> ExpressionShim:
    EXPRESSION_SHIMS.append(function)
    return function


def _from_of(select: exp.Select) -> exp.Expr | None:
    source = select.args.get("from_") or select.args.get("from")
    return source.this if source is not None else None


@expression_shim
def positional_values_columns(node: exp.Expr) -> exp.Expr:
    """`SELECT $1, $2 FROM VALUES (…)` (Snowpark's create_dataframe) → the VALUES columns by name.

    Snowflake names VALUES columns COLUMN1…N and lets `$N` refer to them; DuckDB reads `$N` as a bind
    parameter. fakesnow already names the columns COLUMN1…N (its `values_columns` transform).
    """
    if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        select = node.find_ancestor(exp.Select)
        if select is not None and isinstance(_from_of(select), exp.Values):
            return exp.column(f"COLUMN{node.this.this}", quoted=True)
    return node


@expression_shim
def aliased_merge_source(node: exp.Expr) -> exp.Expr:
    """`MERGE INTO t USING (SELECT …) ON …` (Snowpark's Table.merge) → the source subquery gets an alias.

    fakesnow's MERGE translation needs a named source; Snowflake does not. The ON and SET clauses
    Snowpark writes use unique column names, so the alias changes no reference.
    """
    if isinstance(node, exp.Merge):
        source = node.args.get("using")
        if isinstance(source, exp.Subquery) and not source.alias:
            source.set("alias", exp.TableAlias(this=exp.to_identifier("C360_MERGE_SOURCE")))
    return node


@expression_shim
def typed_create_table_as_star(node: exp.Expr) -> exp.Expr:
    """`CREATE TABLE t (c1 T1, …) AS SELECT * FROM (…)` (Snowpark's save_as_table) → the star spelt as c1, ….

    fakesnow expands such a star by running `DESCRIBE` on the query rendered in sqlglot's generic
    dialect, not DuckDB's, which fails for functions the two spell differently (STR_TO_TIME). The
    column list of a typed CTAS names the query's columns in order, so it is the star's expansion.
    """
    if (isinstance(node, exp.Create) and node.kind == "TABLE" and isinstance(node.this, exp.Schema)
            and node.this.expressions):
        query = node.expression.unnest() if isinstance(node.expression, exp.Subquery) else node.expression
        if isinstance(query, exp.Select) and len(query.expressions) == 1 and isinstance(query.expressions[0], exp.Star):
            names = [d.this for d in node.this.expressions if isinstance(d, exp.ColumnDef)]
            query.set("expressions", [exp.Column(this=name.copy()) for name in names])
    return node


@expression_shim
def signed_hash(node: exp.Expr) -> exp.Expr:
    """`HASH(…)` is a signed 64-bit integer on Snowflake; DuckDB's `hash` is unsigned (UBIGINT).

    The unsigned value is reinterpreted as two's complement, so HASH keeps Snowflake's type and range
    (the values themselves differ between engines on any account too: never persist them across engines).
    """
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "HASH" and not node.meta.get("c360_signed"):
        node.meta["c360_signed"] = True
        unsigned = exp.cast(node, "HUGEINT")
        wrapped = exp.Case(
            ifs=[exp.If(this=exp.GTE(this=unsigned.copy(), expression=exp.Literal.number(2**63)),
                        true=exp.Sub(this=unsigned.copy(), expression=exp.Literal.number(2**64)))],
            default=unsigned,
        )
        return exp.cast(exp.Paren(this=wrapped), "BIGINT")
    return node


_DATE_FORMAT_TOKENS = re.compile(r"YYYY|YY|MM|MON|DD|DY|HH24|HH|MI|SS|FF")


@expression_shim
def to_char_with_a_date_format(node: exp.Expr) -> exp.Expr:
    """`TO_CHAR(day, 'YYYY-MM')` on a column → DuckDB's `strftime(day, '%Y-%m')`.

    sqlglot translates TO_CHAR's format only when it can see the argument is a date (a literal);
    on a column it drops the format, so a month label came back as the whole date.
    """
    if isinstance(node, exp.ToChar):
        fmt = node.args.get("format")
        if isinstance(fmt, exp.Literal) and fmt.is_string and _DATE_FORMAT_TOKENS.search(fmt.this.upper()):
            from sqlglot.dialects.snowflake import Snowflake

            return exp.TimeToStr(this=node.this, format=Snowflake.format_time(fmt))
    return node


_ONE_ARGUMENT_CASTS = {"TRY_TO_TIMESTAMP": "TIMESTAMP", "TRY_TO_TIMESTAMP_NTZ": "TIMESTAMP", "TRY_TO_DATE": "DATE"}


@expression_shim
def one_argument_try_conversions(node: exp.Expr) -> exp.Expr:
    """`TRY_TO_TIMESTAMP(x)` / `TRY_TO_DATE(x)` without a format → `TRY_CAST(x AS TIMESTAMP / DATE)`.

    sqlglot translates these only with a format argument; without one, Snowflake reads the text in
    its AUTO formats (ISO dates and timestamps among them), which DuckDB's cast reads too.
    """
    if isinstance(node, exp.Anonymous) and len(node.expressions) == 1:
        target = _ONE_ARGUMENT_CASTS.get(str(node.this).upper())
        if target:
            return exp.TryCast(this=node.expressions[0], to=exp.DataType.build(target))
    return node


# MEDIAN keeps fakesnow's DOUBLE: DuckDB's median of a DECIMAL keeps the input's scale, where Snowflake's
# averages the two middle values at 3 more decimals (the median of 1.00 and 1.25 is 1.125).
_NUMERIC_AGGREGATES = (exp.Sum, exp.Avg, exp.Min, exp.Max, exp.Stddev, exp.StddevSamp, exp.StddevPop,
                       exp.Variance, exp.VariancePop)


def keep_numeric_aggregate_types(expression: exp.Expr) -> set[int]:
    """Marks the numeric aggregates whose argument fakesnow would wrap in `TRY_CAST(… AS DOUBLE)`.

    fakesnow casts every SUM/AVG/… argument to DOUBLE (for Snowflake's implicit VARCHAR → number), so a
    SUM of NUMBER(12,2) money comes back as a float. c360 never aggregates text, and Snowflake keeps
    NUMBER(38,2) for that SUM: `undo_double_casts` removes the casts fakesnow added to the marked nodes.
    """
    return {id(node) for node in expression.find_all(*_NUMERIC_AGGREGATES)
            if not isinstance(node.this, (exp.Cast, exp.TryCast))}


def undo_double_casts(expression: exp.Expr, marked: set[int]) -> exp.Expr:
    for node in expression.find_all(*_NUMERIC_AGGREGATES):
        argument = node.this
        if id(node) in marked and isinstance(argument, exp.TryCast) and argument.to.this == exp.DataType.Type.DOUBLE:
            node.set("this", argument.this)
    return expression


def keep_try_cast_timestamps(expression: exp.Expr) -> set[int]:
    """Marks the operands of `TRY_CAST(… AS TIMESTAMP)`, which fakesnow turns into a failing cast.

    sqlglot's TryCast is a subclass of Cast, so fakesnow's `to_timestamp` transform rewrites a
    TRY_CAST to TIMESTAMP into its `_fs_to_timestamp` macro, which raises on text that is not a
    timestamp instead of returning NULL. `restore_try_cast_timestamps` puts the TRY_CAST back.
    """
    return {id(node.this) for node in expression.find_all(exp.TryCast)
            if node.to.this in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ)}


def restore_try_cast_timestamps(expression: exp.Expr, marked: set[int]) -> exp.Expr:
    def restore(node: exp.Expr) -> exp.Expr:
        if (isinstance(node, exp.Anonymous) and str(node.this).lower() == "_fs_to_timestamp"
                and node.expressions and id(node.expressions[0]) in marked):
            return exp.TryCast(this=node.expressions[0], to=exp.DataType.build("TIMESTAMP"))
        return node

    return expression.transform(restore, copy=False)


# --------------------------------------------------------------------------------------------
# results: typed the way the Snowflake connector types them


def snowflake_pandas(table: pa.Table) -> pd.DataFrame:
    """An Arrow result as the Snowflake connector's `fetch_pandas_all` gives it.

    The connector returns NUMBER(p, 0) as int64 (float64 when it has NULLs) and NUMBER(p, s>0) as
    float64; Arrow's `to_pandas` would give Python Decimal objects for both.
    """
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        kind = column.type
        if pa.types.is_decimal(kind):
            if kind.scale == 0 and column.null_count == 0:
                column = column.cast(pa.int64())
            else:
                column = column.cast(pa.float64())
        elif pa.types.is_integer(kind) and kind.bit_width > 64:
            column = column.cast(pa.int64())
        columns[name] = column
    return pa.table(columns).to_pandas() if columns else table.to_pandas()


SCRATCH = "C360_SCRATCH"


# --------------------------------------------------------------------------------------------
# translation: done once per distinct read statement

_READ_STATEMENT = re.compile(r"(?is)^\s*(?:DESCRIBE\s+)?(?:\(\s*)*(?:SELECT|WITH)\b")


def referenced_tables(expression: exp.Expr) -> frozenset[str]:
    return frozenset(table.name.upper() for table in expression.find_all(exp.Table) if table.name)


def reads_no_current_schema(expression: exp.Expr) -> bool:
    """Whether a statement means the same under any current schema: every table it names is qualified by
    database and schema (its own CTEs aside) and it asks for no CURRENT_SCHEMA(). The pipeline's statements
    are all qualified, while the current schema moves as a run goes (fakesnow makes every schema that
    `CREATE SCHEMA IF NOT EXISTS` names current, even one that exists), so such a statement's translation is
    kept for any current schema."""
    own = {cte.alias_or_name.upper() for cte in expression.find_all(exp.CTE)}
    for table in expression.find_all(exp.Table):
        if not (table.name and table.db and table.catalog) and table.name.upper() not in own:
            return False
    return expression.find(exp.CurrentSchema) is None


@dataclass
class Translation:
    """One read statement's DuckDB translation: the statements fakesnow runs for it and the tables it names."""

    key: tuple
    statements: tuple[exp.Expr, ...] | None = None  # set when translated before
    tables: frozenset[str] = frozenset()
    any_schema: bool = False  # it reads the same under any current schema: kept under `anywhere(key)`
    temporary: frozenset[str] = frozenset()  # the named tables that were temporary when it was translated
    translated: list[exp.Expr] = field(default_factory=list)


class TranslationMemo:
    """Gap: fakesnow translates every statement afresh, ~80 sqlglot passes over its tree (~20 ms however
    small the query), and Snowpark sends the same read statements again and again: the schema of a
    table (`DESCRIBE SELECT * FROM T`) for every DataFrame over it, the same existence and count
    queries in every step. A read statement (SELECT, WITH, DESCRIBE of either) is translated once per
    connection and its translation reused while the current database (and schema, for a statement that
    names a table by its name alone: `reads_no_current_schema`), the bound values and which of its tables
    are temporary (`Connection.temporary_table_names`) are the same; nothing else that fakesnow's
    translation of a read reads can change. Statements that write are always translated.
    """

    def __init__(self, capacity: int = 2048, store: "TranslationStore | None" = None):
        self.capacity = capacity
        self.store = store
        self._entries: OrderedDict[tuple, Translation] = OrderedDict()

    def start(self, command: str, params: Any, conn: "Connection") -> Translation | None:
        if not _READ_STATEMENT.match(command):
            return None
        key = (command, repr(params), conn.database, conn.schema)
        for candidate in (anywhere(key), key):
            known = self._entries.get(candidate)
            if known is not None and known.temporary == known.tables & conn._temporary:
                self._entries.move_to_end(candidate)
                return known
            if known is None and self.store is not None:
                stored = self.store.get(candidate)
                if stored is not None and not stored[0] & conn._temporary:
                    known = Translation(candidate, statements=stored[1], tables=stored[0])
                    self._remember(known)
                    return known
        return Translation(key)

    def __len__(self) -> int:
        return len(self._entries)

    def finish(self, translation: Translation | None, conn: "Connection") -> None:
        if translation is None or translation.statements is not None or not translation.translated:
            return
        translation.statements = tuple(translation.translated)
        translation.temporary = translation.tables & conn._temporary
        if translation.any_schema:
            translation.key = anywhere(translation.key)
        translation.translated = []
        self._remember(translation)
        if self.store is not None and not translation.temporary:
            self.store.put(translation.key, translation.tables, translation.statements)

    def _remember(self, translation: Translation) -> None:
        self._entries[translation.key] = translation
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


def anywhere(key: tuple) -> tuple:
    """A translation's key for any current schema (see `reads_no_current_schema`)."""
    return (*key[:3], None)


class TranslationStore:
    """Gap: fakesnow keeps no translation beyond its connection, and a home's runs send the same read
    statements night after night: the data-quality contracts' one aggregate statement (~28,000
    characters, ~0.4 s of sqlglot passes), the schema of every table a step reads, the same existence
    and count queries. So the translations of `TranslationMemo` are kept in the home too, in
    `<home>/<DATABASE>.translations` (SQLite), and a later connection of the home reuses them.

    An entry is the sqlglot trees fakesnow runs for one read statement, keyed by the statement's exact
    text, its bound values, the current database and schema (any schema when `reads_no_current_schema`),
    and a fingerprint of everything that shapes a translation: the fakesnow, sqlglot and duckdb versions
    and this module's source. A statement that
    named a temporary table is never kept; one kept is reused only while none of the tables it names is
    temporary. The store is a cache: an unreadable, locked or foreign file is a miss, never an error,
    and deleting the file loses nothing. At most `capacity` entries stay (those used least recently go).
    """

    def __init__(self, path: Path, capacity: int = 4096):
        self.path = path
        self.capacity = capacity
        self.fingerprint = translation_fingerprint()
        self._pending: dict[str, tuple[frozenset[str], tuple[exp.Expr, ...]]] = {}
        self._used: set[str] = set()
        self._db: Any = None
        self._opened = False

    @staticmethod
    def _digest(key: tuple) -> str:
        return hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()

    def _open(self) -> Any:
        if not self._opened:
            self._opened = True
            try:
                db = sqlite3.connect(self.path, timeout=1.0, isolation_level=None)
                db.execute("CREATE TABLE IF NOT EXISTS translation (id TEXT PRIMARY KEY, fingerprint TEXT, "
                           "tables TEXT, statements BLOB, used REAL)")
                self._db = db
            except sqlite3.Error:
                self._db = None
        return self._db

    def get(self, key: tuple) -> tuple[frozenset[str], tuple[exp.Expr, ...]] | None:
        db = self._open()
        if db is None:
            return None
        digest = self._digest(key)
        try:
            row = db.execute("SELECT tables, statements FROM translation WHERE id = ? AND fingerprint = ?",
                             (digest, self.fingerprint)).fetchone()
            if row is None:
                return None
            statements = pickle.loads(row[1])
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        self._used.add(digest)
        return frozenset(filter(None, row[0].split("\n"))), tuple(statements)

    def put(self, key: tuple, tables: frozenset[str], statements: tuple[exp.Expr, ...]) -> None:
        self._pending[self._digest(key)] = (tables, statements)

    def flush(self) -> None:
        """Write what this connection translated and mark what it reused (at the connection's close)."""
        if not self._pending and not self._used:
            return
        db = self._open()
        if db is None:
            return
        now = time.time()
        try:
            rows = []
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, 20_000))  # a deep expression tree pickles recursively
            try:
                for digest, (tables, statements) in self._pending.items():
                    rows.append((digest, self.fingerprint, "\n".join(sorted(tables)),
                                 pickle.dumps(list(statements), protocol=pickle.HIGHEST_PROTOCOL), now))
            finally:
                sys.setrecursionlimit(limit)
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO translation VALUES (?, ?, ?, ?, ?)", rows)
            db.executemany("UPDATE translation SET used = ? WHERE id = ?", [(now, d) for d in self._used])
            db.execute("DELETE FROM translation WHERE fingerprint <> ?", (self.fingerprint,))
            db.execute("DELETE FROM translation WHERE id IN (SELECT id FROM translation ORDER BY used DESC "
                       "LIMIT -1 OFFSET ?)", (self.capacity,))
            db.execute("COMMIT")
        except (sqlite3.Error, pickle.PicklingError, RecursionError):
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        finally:
            self._pending.clear()
            self._used.clear()

    def close(self) -> None:
        self.flush()
        if self._db is not None:
            self._db.close()
            self._db = None


def translation_fingerprint() -> str:
    """What shapes a translation besides the statement: the versions of fakesnow, sqlglot and duckdb, and the
    source of this module (its shims)."""
    from importlib.metadata import version

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for package in ("fakesnow", "sqlglot", "duckdb"):
        digest.update(f"{package}={version(package)};".encode())
    return digest.hexdigest()[:32]


class Cursor(FakeSnowflakeCursor):
    """fakesnow's cursor with the members Snowpark reads from a connector cursor."""

    _request_id = None
    _query_result_format = "arrow"
    _snowflake_sql: str | None = None
    _translation: Translation | None = None

    @property
    def query(self) -> str | None:
        """The statement as Snowpark sent it: Snowflake SQL, as a connector cursor reports it.

        Snowpark's `session.query_history()` records this; fakesnow's own `_last_sql` is the DuckDB
        translation (or a status query standing in for DDL), which is no record of what an account runs.
        """
        return self._snowflake_sql if self._snowflake_sql is not None else self._last_sql

    @property
    def connection(self) -> "Connection":
        return self._conn  # type: ignore[return-value]

    def execute(self, command: str, params: Any = None, *args: Any, **kwargs: Any) -> "Cursor":
        self._snowflake_sql = command
        if _CANCEL_ALL.match(command):
            # Snowpark cancels running queries when a session closes; DuckDB runs one at a time.
            command = "SELECT 'no query to cancel' AS STATUS"
        tag = _QUERY_TAG.match(command)
        if tag:
            # `session.query_tag = …` (the runner tags each step's statements): kept on the connection, as an
            # account keeps it on the session; DuckDB has no query history to write it to.
            self._conn.query_tag = tag.group(1).replace("''", "'") if tag.group(1) is not None else None
            command = "SELECT 'Statement executed successfully.' AS STATUS"
        for shim in TEXT_SHIMS:
            command = shim(command)
        self._atomic = False
        self._translation = self._conn.translations.start(command, params, self._conn)
        try:
            result = super().execute(command, params, *args, **kwargs)
        except BaseException:
            if self._atomic:
                self._duck_conn.execute("ROLLBACK")
            raise
        if self._atomic:
            self._duck_conn.execute("COMMIT")
        self._conn.translations.finish(self._translation, self._conn)
        return result

    def _transform_explode(self, expression: exp.Expr) -> list[exp.Expr]:
        # Runs once per statement, before fakesnow splits a MERGE and before its own transforms.
        translation = self._translation
        if translation is not None and translation.statements is not None:
            return list(translation.statements)  # translated before: `_transform` passes them through
        if translation is not None:
            translation.tables = referenced_tables(expression)
            translation.any_schema = reads_no_current_schema(expression)
        for shim in EXPRESSION_SHIMS:
            expression = expression.transform(shim, copy=False)
        expression = expression.transform(self._conn.temporary_table_names, copy=False)
        overwrite = isinstance(expression, exp.Insert) and bool(expression.args.get("overwrite"))
        statements = super()._transform_explode(expression)
        self._atomic = overwrite and insert_overwrite_in_one_transaction(self, statements)
        return statements

    def _transform(self, expression: exp.Expr, params: Any) -> exp.Expr:
        translation = self._translation
        if translation is not None and translation.statements is not None:
            return expression
        aggregates = keep_numeric_aggregate_types(expression)
        timestamps = keep_try_cast_timestamps(expression)
        transformed = super()._transform(expression, params)
        transformed = restore_try_cast_timestamps(undo_double_casts(transformed, aggregates), timestamps)
        if translation is not None:
            translation.translated.append(transformed)
        return transformed

    def _describe_last_sql(self) -> list:
        # The result's columns, described from the last statement: a query that opens with a
        # parenthesis (a union) is described as a subquery (describe_parenthesised_query).
        last = self._last_sql
        if isinstance(last, str) and last.lstrip().startswith("("):
            self._last_sql = f"SELECT * FROM ({last})"
        try:
            return super()._describe_last_sql()
        finally:
            self._last_sql = last

    def _describe_internal(self, query: str, params: Any = None, **kwargs: Any) -> list:
        return self.describe(query, params)

    def fetch_arrow_all(self, force_return_table: bool = False) -> pa.Table | None:
        if self._prefetch_hook is not None:
            self._prefetch_hook()
        return self._arrow_table

    def fetch_arrow_batches(self):
        table = self.fetch_arrow_all()
        return iter(table.to_batches() if table is not None else [])

    def fetch_pandas_all(self, **kwargs: Any) -> pd.DataFrame:
        table = self.fetch_arrow_all()
        if table is None:
            import snowflake.connector

            raise snowflake.connector.NotSupportedError("No open result set")
        return snowflake_pandas(table)

    def fetch_pandas_batches(self, **kwargs: Any):
        return iter([self.fetch_pandas_all()])


class _NoTelemetry:
    """Snowpark reports usage through the connector's telemetry client; locally there is nowhere to send it."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


class Connection(FakeSnowflakeConnection):
    """fakesnow's connection with the members Snowpark reads from a connector connection."""

    session_id = 0
    collect_stacktrace_in_query_tag = False
    query_tag: str | None = None  # the session's QUERY_TAG (ALTER SESSION SET QUERY_TAG)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._session_parameters: dict[str, Any] = {}
        self._telemetry = _NoTelemetry()
        self._temporary: set[str] = set()
        db_path = kwargs.get("db_path")
        store = TranslationStore(Path(db_path) / f"{self.database}.translations") if db_path is not None else None
        self.translations = TranslationMemo(store=store)
        # Temporary tables live in an in-memory database of this connection (see temporary_table_names).
        from fakesnow import info_schema

        self._duck_conn.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SCRATCH}")
        self._duck_conn.execute(info_schema.per_db_creation_sql(SCRATCH))

    def temporary_table_names(self, node: exp.Expr) -> exp.Expr:
        """Temporary tables named with database and schema (`cache_result`) → an in-memory scratch database.

        Snowflake keeps a temporary table in the schema it names, for the session; DuckDB keeps
        temporary tables in its `temp` catalog only, where fakesnow's bookkeeping cannot follow. So a
        table created as temporary with a qualified name is created in this connection's in-memory
        database `C360_SCRATCH` under the same schema, and every later reference to it goes there:
        it vanishes with the session, and a read-only session can make one too.
        """
        if isinstance(node, exp.Create) and node.kind == "TABLE":
            properties = node.args.get("properties")
            temporary = properties is not None and [p for p in properties.expressions if isinstance(p, exp.TemporaryProperty)]
            table = node.this.this if isinstance(node.this, exp.Schema) else node.this
            if isinstance(table, exp.Table) and table.args.get("catalog"):
                key = table.name.upper()
                if temporary:
                    for prop in temporary:
                        prop.pop()
                    self._temporary.add(key)
                    self._duck_conn.execute(f'CREATE SCHEMA IF NOT EXISTS {SCRATCH}."{table.db.upper()}"')
                elif key in self._temporary:
                    self._temporary.discard(key)
                    return node
        if isinstance(node, exp.Table) and node.name and node.name.upper() in self._temporary and node.args.get("catalog"):
            node.set("catalog", exp.to_identifier(SCRATCH))
        return node

    def close(self, retry: bool = True) -> None:
        if self.translations.store is not None:
            self.translations.store.close()
        super().close(retry)

    def cursor(self, cursor_class: type[SnowflakeCursor] = SnowflakeCursor) -> Cursor:  # type: ignore[override]
        return Cursor(conn=self, duck_conn=self._duck_conn, use_dict_result=cursor_class == DictCursor)

    @property
    def duckdb(self):
        """The DuckDB connection underneath (the engine module's bulk loads use it)."""
        return self._duck_conn


def insert_overwrite_in_one_transaction(cursor: "Cursor", statements: list[exp.Expr]) -> bool:
    """Gap: fakesnow runs INSERT OVERWRITE (Snowpark's `save_as_table(mode="truncate")`) as a DELETE
    then an INSERT, each committed on its own, so a failure in the INSERT (a full disk, a bad cast)
    leaves the table emptied. Snowflake runs the statement atomically: the old rows stay. Opens a
    transaction around the parts (committed, or rolled back on an error, by `Cursor.execute`);
    returns whether it did. Inside a transaction the caller opened, the parts already share it."""
    if len(statements) < 2 or cursor.connection._in_transaction:
        return False
    cursor._duck_conn.execute("BEGIN TRANSACTION")
    return True


GIB = 1024**3


def memory_limit() -> str:
    """DuckDB's memory limit: `C360_MEMORY_LIMIT` (e.g. "6GB"), else half this machine's memory, at most 8 GiB.

    DuckDB's own default, 80% of the machine, lets one run's buffer pool (which it keeps once filled)
    crowd out everything beside it: model training in the same process, the app, other jobs. Beyond the
    limit DuckDB spills to `<DATABASE>.db.tmp/` next to the database.
    """
    configured = os.environ.get("C360_MEMORY_LIMIT", "").strip()
    if configured:
        return configured
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(1, min(8, physical // 2 // GIB))}GB"


def spill_directory(db_path: Path | None, database: str) -> str:
    """Where DuckDB spills beyond its memory limit: `<home>/<DATABASE>.tmp/`, or the system's temporary
    directory for an in-memory database (DuckDB's own default, `.tmp/` under the current directory,
    would litter wherever a command was started)."""
    base = Path(db_path) / f"{database.upper()}.tmp" if db_path is not None else Path(tempfile.gettempdir()) / "c360-duckdb"
    return str(base).replace("'", "''")


def connect(db_path: Path | None, database: str, schema: str, read_only: bool = False) -> Connection:
    """A connection to `database` kept in `<db_path>/<DATABASE>.db` (in memory when db_path is None)."""
    instance = FakeSnow(db_path=db_path)
    instance.duck_conn.execute(f"SET memory_limit = '{memory_limit()}'")
    instance.duck_conn.execute(f"SET temp_directory = '{spill_directory(db_path, database)}'")
    database = database.upper()
    if db_path is not None:
        file = Path(db_path) / f"{database}.db"
        if read_only and not file.exists():
            raise FileNotFoundError(f"no local database at {file}; run `c360 run` first")
        mode = " (READ_ONLY)" if read_only else ""
        instance.duck_conn.execute(f"ATTACH DATABASE '{file}' AS {database}{mode}")
        if not read_only:
            from fakesnow import info_schema, macros

            instance.duck_conn.execute(info_schema.per_db_creation_sql(database))
            instance.duck_conn.execute(macros.creation_sql(database))
    return Connection(
        instance.duck_conn.cursor(), instance.results_cache, database, schema if not read_only else None,
        create_schema=not read_only, db_path=db_path, paramstyle="qmark",
    )
