"""Every statement of sql/*.sql parses with sqlglot's Snowflake dialect, and says what the account needs.

sqlglot 30 has a grammar for most of the files (CREATE DATABASE/SCHEMA/WAREHOUSE/STAGE/FILE FORMAT/
SEQUENCE/TABLE, GRANT on one object, USE). A few Snowflake statement forms it does not model — it
reads them as an opaque `Command` — are listed in UNMODELLED with their documented syntax: such a
statement must match one of those forms exactly, and any SQL inside it (a masking policy's body, an
alert's condition and action) must parse on its own. No other statement may fall back to `Command`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from c360_pipeline.deploy import split_statements

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
SQL_FILES = sorted(SQL_DIR.glob("*.sql"))

NAME = r"[A-Za-z_][A-Za-z0-9_$]*"
QUALIFIED = rf"{NAME}\.{NAME}\.{NAME}"
COMMENT = r"(?: COMMENT = '[^']*')?"
UNMODELLED: dict[str, str] = {
    "CREATE ROLE": rf"CREATE ROLE IF NOT EXISTS {NAME}{COMMENT}",
    "GRANT ROLE": rf"GRANT ROLE {NAME} TO ROLE {NAME}",
    "GRANT OWNERSHIP": (
        rf"GRANT OWNERSHIP ON (?:DATABASE {NAME}|WAREHOUSE {NAME}|ALL (?:SCHEMAS|STAGES|FILE FORMATS|SEQUENCES) "
        rf"IN DATABASE {NAME}) TO ROLE {NAME} COPY CURRENT GRANTS"
    ),
    "GRANT ON ALL/FUTURE": (
        r"GRANT (?:SELECT|INSERT|UPDATE|DELETE|TRUNCATE|USAGE|MONITOR|OPERATE)(?:, (?:SELECT|INSERT|UPDATE|DELETE|"
        r"TRUNCATE|USAGE|MONITOR|OPERATE))* ON (?:ALL|FUTURE) (?:TABLES|VIEWS|PROCEDURES|TASKS|STREAMLITS) "
        rf"IN SCHEMA {NAME}\.{NAME} TO ROLE {NAME}"
    ),
    "CREATE MASKING POLICY": (
        rf"CREATE MASKING POLICY IF NOT EXISTS {QUALIFIED} AS \((?P<argument>{NAME}) STRING\) RETURNS STRING -> "
        r"(?P<body>CASE .+ END)" + COMMENT
    ),
    "SET MASKING POLICY": rf"ALTER TABLE IF EXISTS {QUALIFIED} MODIFY COLUMN {NAME} SET MASKING POLICY {QUALIFIED} FORCE",
    "CREATE RESOURCE MONITOR": (
        rf"CREATE RESOURCE MONITOR IF NOT EXISTS {NAME} WITH CREDIT_QUOTA = \d+ "
        r"FREQUENCY = (?:DAILY|WEEKLY|MONTHLY|YEARLY|NEVER) START_TIMESTAMP = IMMEDIATELY "
        r"TRIGGERS(?P<triggers>(?: ON \d+ PERCENT DO (?:NOTIFY|SUSPEND|SUSPEND_IMMEDIATE))+)"
    ),
    "SET RESOURCE MONITOR": rf"ALTER WAREHOUSE {NAME} SET RESOURCE_MONITOR = {NAME}",
    "CREATE ALERT": (
        rf"CREATE ALERT IF NOT EXISTS {QUALIFIED} WAREHOUSE = {NAME} SCHEDULE = '\d+ MINUTE'{COMMENT} "
        r"IF \(EXISTS \((?P<condition>SELECT .+)\)\) THEN (?P<action>.+)"
    ),
    "RESUME ALERT": rf"ALTER ALERT {QUALIFIED} RESUME",
}


def normalised(statement: str) -> str:
    """One line, comments removed (none of the files has `--` inside a string)."""
    without_comments = re.sub(r"--[^\n]*", " ", statement)
    text = re.sub(r"\s+", " ", without_comments).strip()
    return re.sub(r"\( ", "(", re.sub(r" \)", ")", text))


def unmodelled_form(statement: str) -> tuple[str, re.Match]:
    """The UNMODELLED form a statement matches exactly; AssertionError naming the statement otherwise."""
    text = normalised(statement)
    for kind, pattern in UNMODELLED.items():
        match = re.fullmatch(pattern, text)
        if match:
            return kind, match
    raise AssertionError(f"sqlglot cannot parse this statement and it matches no documented form: {text}")


def parsed(statement: str) -> exp.Expression:
    return sqlglot.parse_one(statement, read="snowflake", error_level=sqlglot.ErrorLevel.RAISE)


def check_statement(statement: str) -> str:
    """Parse one statement; return its kind (the expression type, or the UNMODELLED form it matched)."""
    expression = parsed(statement)
    if not isinstance(expression, exp.Command):
        return type(expression).__name__
    kind, match = unmodelled_form(statement)
    if kind == "CREATE MASKING POLICY":
        body = parsed(f"SELECT {match['body']}").expressions[0]
        assert isinstance(body, exp.Case), body
        assert match["argument"].lower() in {c.name.lower() for c in body.find_all(exp.Column)}
    elif kind == "CREATE ALERT":
        assert isinstance(parsed(match["condition"]), exp.Select)
        assert isinstance(parsed(match["action"]), exp.Insert)
    return kind


def statements_of(path: Path) -> list[str]:
    return split_statements(path.read_text())


def all_statements() -> list[str]:
    return [s for path in SQL_FILES for s in statements_of(path)]


def test_the_account_files_are_there():
    assert [p.name for p in SQL_FILES] == [
        "00_setup.sql", "01_roles.sql", "02_security.sql", "03_monitoring.sql", "04_tables.sql",
    ]


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_every_statement_parses_with_the_snowflake_dialect(path):
    statements = statements_of(path)
    assert statements
    # sqlglot splits the file on its own and must find the same statements.
    assert len([e for e in sqlglot.parse(path.read_text(), read="snowflake") if e is not None]) == len(statements)
    for statement in statements:
        check_statement(statement)


def test_checker_refuses_broken_statements():
    with pytest.raises(sqlglot.errors.ParseError):
        check_statement("CREATE TABLE C360.OPS.X (A NUMBER")
    with pytest.raises(AssertionError, match="matches no documented form"):
        check_statement("GRANT SELECT ON FUTURE TABLES IN SCHEMA C360.GOLD TO")
    with pytest.raises(AssertionError, match="matches no documented form"):
        check_statement("CREATE MASKING POLICY IF NOT EXISTS C360.OPS.M AS (val STRING) RETURNS STRING -> val")
    with pytest.raises(sqlglot.errors.ParseError):
        check_statement("CREATE ALERT IF NOT EXISTS C360.OPS.A WAREHOUSE = W SCHEDULE = '5 MINUTE' "
                        "IF (EXISTS (SELECT 1 FROM WHERE)) THEN INSERT INTO T SELECT 1")


def created(kind: str) -> dict[str, exp.Create]:
    found = {}
    for statement in all_statements():
        expression = parsed(statement)
        if isinstance(expression, exp.Create) and expression.kind == kind:
            target = expression.this.this if isinstance(expression.this, exp.Schema) else expression.this
            found[target.sql("snowflake")] = expression
    return found


def test_setup_creates_database_medallion_schemas_stages_formats_and_sequence():
    assert set(created("SCHEMA")) == {"C360.BRONZE", "C360.SILVER", "C360.GOLD", "C360.OPS"}
    assert {"C360.BRONZE.LANDING", "C360.OPS.CODE", "C360.OPS.SEMANTIC", "C360.OPS.APP"} <= set(created("STAGE"))
    assert {"C360.BRONZE.CSV_FORMAT", "C360.BRONZE.PARQUET_FORMAT"} <= set(created("FILE FORMAT"))
    assert "C360.BRONZE.RECORD_ID_SEQ" in created("SEQUENCE")


def test_warehouse_is_xsmall_and_suspends_after_sixty_seconds():
    warehouse = created("WAREHOUSE")["C360_WH"]
    properties = {p.name.upper(): p.args["value"].sql("snowflake") for p in warehouse.args["properties"].expressions
                  if p.args.get("value") is not None and hasattr(p, "name")}
    assert properties["WAREHOUSE_SIZE"] == "'XSMALL'"
    assert properties["AUTO_SUSPEND"] == "60"
    assert properties["AUTO_RESUME"] == "TRUE"


def test_roles_are_least_privilege_with_future_grants():
    grants = [normalised(s) for s in statements_of(SQL_DIR / "01_roles.sql") if s.lstrip().upper().startswith("GRANT")]
    created_roles = {m.group(1) for s in statements_of(SQL_DIR / "01_roles.sql")
                     if (m := re.match(r"CREATE ROLE IF NOT EXISTS (\w+)", normalised(s)))}
    assert {"C360_ADMIN", "C360_ENGINEER", "C360_ANALYST"} <= created_roles
    analyst = [g for g in grants if g.endswith("TO ROLE C360_ANALYST")]
    # The analyst reads GOLD only: nothing in BRONZE, SILVER or OPS tables, no write privilege anywhere.
    assert not [g for g in analyst if re.search(r"\b(BRONZE|SILVER)\b", g)]
    assert not [g for g in analyst if re.search(r"\b(INSERT|UPDATE|DELETE|TRUNCATE|OWNERSHIP|OPERATE)\b", g)]
    assert "GRANT SELECT ON FUTURE TABLES IN SCHEMA C360.GOLD TO ROLE C360_ANALYST" in analyst
    engineer = [g for g in grants if g.endswith("TO ROLE C360_ENGINEER")]
    assert any("ON FUTURE TABLES IN SCHEMA C360.SILVER" in g for g in engineer)
    assert any("ON FUTURE PROCEDURES IN SCHEMA C360.OPS" in g for g in engineer)
    assert not [g for g in engineer if "OWNERSHIP" in g]
    # Unmasked PII comes only through the admin.
    pii = [g for g in grants if g.startswith("GRANT ROLE C360_PII_READER")]
    assert pii == ["GRANT ROLE C360_PII_READER TO ROLE C360_ADMIN"]


def test_pii_columns_are_masked_for_roles_without_the_pii_role():
    statements = [normalised(s) for s in statements_of(SQL_DIR / "02_security.sql")]
    policies = [s for s in statements if s.startswith("CREATE MASKING POLICY")]
    assert len(policies) == 2
    for policy in policies:
        assert "IS_ROLE_IN_SESSION('C360_PII_READER') THEN val" in policy
    attached = {tuple(re.match(r"ALTER TABLE IF EXISTS (\S+) MODIFY COLUMN (\w+) SET MASKING POLICY (\S+)", s).groups())
                for s in statements if s.startswith("ALTER TABLE")}
    for table in ("C360.GOLD.DIM_CUSTOMER", "C360.GOLD.CUSTOMER_360_PROFILE"):
        assert (table, "EMAIL", "C360.OPS.MASK_EMAIL") in attached
        for column in ("FIRST_NAME", "LAST_NAME", "FULL_NAME"):
            assert (table, column, "C360.OPS.MASK_NAME") in attached


def test_resource_monitor_notifies_before_it_suspends_and_an_alert_watches_failed_tasks():
    statements = {check_statement(s): normalised(s) for s in statements_of(SQL_DIR / "03_monitoring.sql")}
    triggers = re.findall(r"ON (\d+) PERCENT DO (\w+)", statements["CREATE RESOURCE MONITOR"])
    actions = [action for _, action in sorted(triggers, key=lambda t: int(t[0]))]
    assert actions[0] == "NOTIFY" and "SUSPEND" in actions
    assert actions.index("SUSPEND") > actions.index("NOTIFY")
    assert "CREDIT_QUOTA" in statements["CREATE RESOURCE MONITOR"]
    alert = statements["CREATE ALERT"]
    assert "TASK_HISTORY" in alert and "ERROR_ONLY => TRUE" in alert and "C360_NIGHTLY" in alert
    assert "RESUME ALERT" in statements


def test_fact_table_is_clustered_by_transaction_day():
    fact = created("TABLE")["C360.GOLD.FCT_TRANSACTIONS"]
    cluster = fact.find(exp.ClusterProperty)
    assert cluster is not None
    (key,) = cluster.expressions
    assert isinstance(key, exp.Cast) and key.to.this == exp.DataType.Type.DATE
    assert key.this.name == "TRANSACTION_DATE"
