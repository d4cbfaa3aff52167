"""The SQL every step sends, captured and checked as Snowflake would receive it.

Each DAG step's procedure is called as its task calls it (`CALL <STEP>_SP('{}')`), twice, on the local
engine; Snowpark's `session.query_history()` records every statement the step sends on the session (the
local connection reports the Snowflake SQL, as a connector does). Every statement is parsed with
sqlglot's Snowflake dialect, and:

* no table with masked columns (sql/02_security.sql) is ever replaced (`CREATE OR REPLACE TABLE`) once
  it exists: that would drop its masking policies;
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

from c360_pipeline import dag, engine
from c360_pipeline.engine.fakesnow_adapter import if_not_exists_after_table_name, scoped_temporary

from test_snowflake_path import call_as_task, fake_task_graph_runtime, generated_delivery, land  # noqa: E402

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
_MASKED_COLUMN = re.compile(r"(?i)ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?([\w.$\"]+)\s+MODIFY\s+COLUMN\s+(\w+)\s+SET\s+MASKING\s+POLICY")


def name_of(table: exp.Table) -> str:
    return ".".join(part.name.upper() for part in table.parts)


def parsed(sql: str) -> exp.Expr:
    """A statement as sqlglot's Snowflake dialect reads it; two spellings it does not read are normalised first
    (`CREATE TABLE t IF NOT EXISTS`, `CREATE SCOPED TEMPORARY TABLE`: both Snowflake, see fakesnow_adapter)."""
    return sqlglot.parse_one(scoped_temporary(if_not_exists_after_table_name(sql)), read="snowflake")


def masked_tables() -> dict[str, set[str]]:
    """Tables with masked columns and those columns, as sql/02_security.sql attaches the policies."""
    found: dict[str, set[str]] = {}
    for table, column in _MASKED_COLUMN.findall((SQL_DIR / "02_security.sql").read_text()):
        found.setdefault(table.replace('"', "").upper(), set()).add(column.upper())
    return found


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
    finally:
        session.close()
        if previous is None:
            os.environ.pop("C360_HOME", None)
        else:
            os.environ["C360_HOME"] = previous
    return {"calls": calls, "home": home, "root": root}


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
