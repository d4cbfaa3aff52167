"""The SQL every step sends, captured and checked as Snowflake would receive it.

Each DAG step's procedure is called as its task calls it (`CALL <STEP>_SP('{}')`), twice, on the local
engine; Snowpark's `session.query_history()` records every statement the step sends on the session (the
local connection reports the Snowflake SQL, as a connector does). Every statement is parsed with
sqlglot's Snowflake dialect, and:

* no table with masked columns (`masking.MASKED_COLUMNS`) is ever replaced (`CREATE OR REPLACE TABLE`)
  once it exists: that would drop its masking policies; when a step creates one, it creates it empty and
  its first rows come in a later statement, after the policies are attached (on Snowflake; the local
  engine has none, and the statements Snowflake gets are checked on a fake Snowflake session below);
* no statement names a local file or directory: a procedure runs in the account, not on this disk;
* every table a statement reads was created by the DDL in sql/ or by an earlier statement of the run.

Not covered here, because they are not Snowpark statements on the session: the engine's local-only
bulk operations (DuckDB reading landed files, Arrow inserts); their Snowflake counterparts (COPY INTO,
PUT) are checked with the ingest tests.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from test_snowflake_path import call_as_task, fake_task_graph_runtime, generated_delivery, land  # noqa: E402

from c360_pipeline import engine, masking
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.fakesnow_adapter import if_not_exists_after_table_name, scoped_temporary
from c360_pipeline.orchestration import dag

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
# Column names that hold a customer's email or name wherever they appear.
PII_COLUMNS = {"EMAIL", "FIRST_NAME", "LAST_NAME", "FULL_NAME"}


def name_of(table: exp.Table) -> str:
    return ".".join(part.name.upper() for part in table.parts)


def parsed(sql: str) -> exp.Expr:
    """A statement as sqlglot's Snowflake dialect reads it; two spellings it does not read are normalised first
    (`CREATE TABLE t IF NOT EXISTS`, `CREATE SCOPED TEMPORARY TABLE`: both Snowflake, see fakesnow_adapter)."""
    return sqlglot.parse_one(scoped_temporary(if_not_exists_after_table_name(sql)), read="snowflake")


def masked_tables() -> dict[str, set[str]]:
    """Tables with masked columns and those columns, as `masking.MASKED_COLUMNS` declares them."""
    cfg = PipelineConfig.build()
    return {cfg.table(layer, table): set(masking.policies_of(cfg, layer, table)) for layer, table in masking.MASKED_COLUMNS}


def ddl_tables() -> set[str]:
    """Tables the account DDL in sql/ creates."""
    created = set()
    for path in sorted(SQL_DIR.glob("*.sql")):
        for statement in sqlglot.parse(path.read_text(), read="snowflake"):
            if isinstance(statement, exp.Create) and statement.kind == "TABLE":
                created.add(name_of(statement.find(exp.Table)))
    return created


def target_of(statement: exp.Expr) -> str | None:
    if isinstance(statement, (exp.Create, exp.Insert)):
        table = statement.this.find(exp.Table) if not isinstance(statement.this, exp.Table) else statement.this
        return name_of(table) if table is not None else None
    return None


def tables_read(statement: exp.Expr) -> set[str]:
    """Tables a statement reads (CTE names and the table a CREATE / INSERT writes are not reads)."""
    target = statement.this if isinstance(statement, (exp.Create, exp.Insert)) else None
    written = set(id(t) for t in target.find_all(exp.Table)) if isinstance(target, exp.Expr) else set()
    if isinstance(target, exp.Table):
        written.add(id(target))
    ctes = {cte.alias.upper() for cte in statement.find_all(exp.CTE)}
    return {name_of(t) for t in statement.find_all(exp.Table)
            if id(t) not in written and t.name and t.name.upper() not in ctes}


@pytest.fixture(scope="module")
def captured(tmp_path_factory) -> dict:
    """(run, step, statements) for two task-DAG runs over one landed delivery; and the procedures' home."""
    root = tmp_path_factory.mktemp("captured-sql")
    home = root / "home"
    previous = os.environ.get("C360_HOME")
    os.environ["C360_HOME"] = str(home)
    session = engine.local_session()
    calls = []
    try:
        land(session, generated_delivery(root / "delivery"))
        for run in ("nightly-1", "nightly-2"):
            fake_task_graph_runtime(session, run, "2025-07-01 02:00:00.000 -0700")
            for step in [*dag.topological_order(), dag.FINALIZER]:
                with session.query_history(include_describe=True) as history:
                    call_as_task(session, step.name)
                calls.append((run, step.name, [q.sql_text for q in history.queries]))
        # The columns of every table the two nights built, read from DuckDB's own catalog.
        built = engine.bulk_connection(session).execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE upper(table_catalog) = 'C360' AND table_schema IN ('BRONZE', 'SILVER', 'GOLD', 'OPS')"
        ).fetchall()
    finally:
        session.close()
        if previous is None:
            os.environ.pop("C360_HOME", None)
        else:
            os.environ["C360_HOME"] = previous
    columns: dict[str, set[str]] = {}
    for schema, table, column in built:
        columns.setdefault(f"C360.{schema}.{table}".upper(), set()).add(column.upper())
    return {"calls": calls, "home": home, "root": root, "columns": columns}


def test_every_step_sends_sql_and_all_of_it_parses_as_snowflake_sql(captured):
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    unreadable, opaque = [], []
    for run, step, statements in captured["calls"]:
        for sql in statements:
            try:
                statement = parsed(sql)
            except sqlglot.errors.ParseError as error:
                unreadable.append((step, sql[:200], str(error)[:200]))
                continue
            if isinstance(statement, exp.Command):
                opaque.append((step, sql[:200]))
    steps_with_sql = {step for _, step, statements in captured["calls"] if statements}
    assert steps_with_sql == {s.name for s in dag.STEPS} | {dag.FINALIZER.name}
    assert sum(len(s) for _, _, s in captured["calls"]) > 500
    assert not unreadable, unreadable[:5]
    assert not opaque, opaque[:5]


def test_no_table_with_masked_columns_is_ever_replaced_once_it_exists(captured):
    masked = masked_tables()
    assert {"C360.GOLD.DIM_CUSTOMER", "C360.GOLD.CUSTOMER_360_PROFILE", "C360.SILVER.STG_CUSTOMERS"} <= set(masked)
    # The local engine does not run the account DDL in sql/, so a table exists here once a statement of the
    # run created it; the first night creates what is missing (behind an existence check), the second
    # night finds everything in place, as an account after `c360 deploy` does.
    existing: set[str] = set()
    replaced, rewritten = [], set()
    for run, step, statements in captured["calls"]:
        for sql in statements:
            statement = parsed(sql)
            target = target_of(statement)
            if target is None:
                continue
            if isinstance(statement, exp.Create) and statement.args.get("replace") and target in masked and target in existing:
                replaced.append((run, step, target))
            if isinstance(statement, exp.Insert) and statement.args.get("overwrite"):
                rewritten.add(target)
            if isinstance(statement, exp.Create):
                existing.add(target)
    assert not replaced, replaced
    second_night = [parsed(sql) for run, _, statements in captured["calls"] if run == "nightly-2" for sql in statements]
    assert not [target_of(s) for s in second_night if isinstance(s, exp.Create) and target_of(s) in masked]
    # The masked tables the DAG rebuilds every night are rewritten in place on the second night.
    assert {"C360.GOLD.DIM_CUSTOMER", "C360.GOLD.CUSTOMER_360_PROFILE"} <= rewritten


def test_no_procedure_statement_names_a_local_path(captured):
    home, root = str(captured["home"]), str(captured["root"])
    offending = []
    for run, step, statements in captured["calls"]:
        for sql in statements:
            literals = [s.this for s in parsed(sql).find_all(exp.Literal) if s.is_string]
            local = [v for v in literals if v.startswith(("/", "~", "file:")) or re.match(r"^[A-Za-z]:\\", v)]
            if local or home in sql or root in sql:
                offending.append((step, local or sql[:200]))
    assert not offending, offending[:5]


def test_every_table_read_is_created_by_the_ddl_or_an_earlier_statement(captured):
    existing = ddl_tables()
    unknown = []
    for run, step, statements in captured["calls"]:
        for sql in statements:
            statement = parsed(sql)
            for table in tables_read(statement):
                if ".INFORMATION_SCHEMA." in f".{table}." or table in existing:
                    continue
                unknown.append((run, step, table, sql[:160]))
            target = target_of(statement)
            if isinstance(statement, exp.Create) and target:
                existing.add(target)
    assert not unknown, unknown[:5]


# ------------------------------------------------------------------------------------------
# masking policies: attached by the writer when it creates a masked table


def test_a_masked_table_is_created_empty_and_gets_its_rows_from_a_later_statement(captured):
    """No row of a masked table exists before its policies: the table is created with no rows (`… WHERE 1 = 0`,
    reading no table), the policies are attached (on Snowflake, see the fake-session test below), then rows go in."""
    masked = masked_tables()
    created, filled_later = set(), set()
    for _, _, statements in captured["calls"]:
        for sql in statements:
            statement = parsed(sql)
            target = target_of(statement)
            if target not in masked:
                continue
            if isinstance(statement, exp.Create):
                empty = any(w.this.sql("snowflake") == "1 = 0" for w in statement.find_all(exp.Where))
                assert empty and not tables_read(statement), f"{target} created with rows: {sql[:300]}"
                created.add(target)
            elif isinstance(statement, exp.Insert) and target in created:
                filled_later.add(target)
    assert created == set(masked)  # the first night creates every masked table, each one empty
    # Bronze rows come from the engine's bulk load (not a session statement); the others by INSERT.
    assert filled_later >= set(masked) - {"C360.BRONZE.RAW_CUSTOMERS"}


def test_every_table_the_pipeline_builds_with_names_or_emails_is_declared_masked(captured):
    """The declaration covers every table that holds PII columns, and each declared column exists."""
    columns = captured["columns"]
    assert len(columns) > 15
    holding_pii = {table for table, names in columns.items() if names & PII_COLUMNS}
    masked = masked_tables()
    assert holding_pii == set(masked)
    for table, masked_columns in masked.items():
        assert masked_columns == columns[table] & PII_COLUMNS, table


class RecordingSnowflakeSession:
    """Stands in for a Snowflake session (a live account cannot exist here): records every statement sent and
    every table write, in order; a table is missing until a write creates it (as on an empty account)."""

    _conn = None

    def __init__(self):
        self.statements: list[str] = []
        self.events: list[tuple] = []
        self.tables: dict[str, int] = {}

    def sql(self, text):
        self.statements.append(text)
        self.events.append(("sql", text))
        return self

    def collect(self):
        return []

    def table(self, name):
        if name not in self.tables:
            raise LookupError(f"table {name} does not exist")
        return _RecordedFrame(self, self.tables[name])

    def create_dataframe(self, data, schema=None):
        return _RecordedFrame(self, len(data))


class _RecordedFrame:
    def __init__(self, session: RecordingSnowflakeSession, rows: int):
        self.session, self.rows, self.write = session, rows, self

    def limit(self, _):
        return self

    def collect(self):
        return []

    def save_as_table(self, name, mode, **_):
        self.session.events.append(("write", name, mode, self.rows))
        self.session.tables[name] = self.session.tables.get(name, 0) * (mode == "append") + self.rows


def test_on_snowflake_the_declared_policies_are_attached_column_by_column():
    cfg = PipelineConfig.build(database="ACME")
    fake = RecordingSnowflakeSession()
    policies = masking.policies_of(cfg, "GOLD", "DIM_CUSTOMER")

    sent = engine.attach_masking_policies(fake, cfg.table("GOLD", "DIM_CUSTOMER"), policies)

    assert sent == fake.statements and len(sent) == 4
    assert set(sent) == {
        f"ALTER TABLE ACME.GOLD.DIM_CUSTOMER MODIFY COLUMN {column} SET MASKING POLICY ACME.OPS.{policy} FORCE"
        for column, policy in (("EMAIL", "MASK_EMAIL"), ("FIRST_NAME", "MASK_NAME"), ("LAST_NAME", "MASK_NAME"),
                               ("FULL_NAME", "MASK_NAME"))
    }
    # The same form sql/05_masking.sql uses (there with IF EXISTS, for tables not built yet).
    from test_sql import unmodelled_form

    for statement in sent:
        kind, match = unmodelled_form(statement.replace("ALTER TABLE ", "ALTER TABLE IF EXISTS ", 1))
        assert kind == "ATTACH MASKING POLICY" and match["table"] == "ACME.GOLD.DIM_CUSTOMER"


def test_a_table_without_pii_gets_no_policy_statement_and_the_local_engine_none_at_all(session):
    fake = RecordingSnowflakeSession()
    assert engine.attach_masking_policies(fake, "C360.GOLD.FCT_TRANSACTIONS", {}) == [] and fake.statements == []
    cfg = PipelineConfig.build()
    with session.query_history() as history:
        sent = engine.attach_masking_policies(session, "C360.GOLD.DIM_CUSTOMER", masking.policies_of(cfg, "GOLD", "DIM_CUSTOMER"))
    assert sent == [] and history.queries == []  # DuckDB has no masking policies


def test_on_snowflake_the_writer_attaches_policies_before_a_new_masked_table_gets_its_first_row():
    import pandas as pd
    from snowflake.snowpark.types import StringType, StructField, StructType

    from c360_pipeline.engine.warehouse import Warehouse

    cfg = PipelineConfig.build(engine="snowflake")
    fake = RecordingSnowflakeSession()
    schema = StructType([StructField(c, StringType()) for c in ("CUSTOMER_ID", "EMAIL", "FIRST_NAME", "LAST_NAME")])
    rows = pd.DataFrame({"CUSTOMER_ID": ["C1"], "EMAIL": ["ana@example.com"], "FIRST_NAME": ["Ana"], "LAST_NAME": ["Lopez"]})

    Warehouse(fake, cfg).write_pandas(rows, schema, "SILVER", "STG_CUSTOMERS", mode="append")

    writes = [e for e in fake.events if e[0] == "write"]
    attached = [i for i, e in enumerate(fake.events) if e[0] == "sql" and "SET MASKING POLICY" in e[1]]
    assert writes == [("write", "C360.SILVER.STG_CUSTOMERS", "overwrite", 0),  # created empty
                      ("write", "C360.SILVER.STG_CUSTOMERS", "append", 1)]  # then its rows
    assert len(attached) == 3
    first_row = fake.events.index(writes[1])
    assert max(attached) < first_row and min(attached) > fake.events.index(writes[0])

    # The next night the table exists: rows are appended, nothing is created or attached again.
    fake.events.clear()
    Warehouse(fake, cfg).write_pandas(rows, schema, "SILVER", "STG_CUSTOMERS", mode="append")
    assert [e[:3] for e in fake.events if e[0] == "write"] == [("write", "C360.SILVER.STG_CUSTOMERS", "append")]
    assert not [e for e in fake.events if e[0] == "sql" and "MASKING" in e[1]]


def test_on_snowflake_a_table_without_pii_is_written_in_one_statement():
    import pandas as pd
    from snowflake.snowpark.types import StringType, StructField, StructType

    from c360_pipeline.engine.warehouse import Warehouse

    fake = RecordingSnowflakeSession()
    schema = StructType([StructField("CATEGORY", StringType())])
    Warehouse(fake, PipelineConfig.build(engine="snowflake")).write_pandas(
        pd.DataFrame({"CATEGORY": ["travel"]}), schema, "GOLD", "DIM_MERCHANT_CATEGORY")
    assert [e for e in fake.events if e[0] == "write"] == [("write", "C360.GOLD.DIM_MERCHANT_CATEGORY", "overwrite", 1)]
    assert not [e for e in fake.events if e[0] == "sql" and "MASKING" in e[1]]
