"""sql/*.sql checked as far as it can be without an account.

sqlglot 30 has a grammar for part of the files (CREATE DATABASE/SCHEMA/WAREHOUSE/STAGE/FILE FORMAT/
SEQUENCE/TABLE, GRANT on one object, USE). Everything else — CREATE ROLE, GRANT ROLE, GRANT OWNERSHIP,
GRANT ON ALL/FUTURE, masking policies, resource monitors, alerts, ALTER WAREHOUSE — it reads as an
opaque `Command`, so "it parses" proves nothing for those. Instead:

- each such statement must match one documented form in UNMODELLED exactly (a typo in a keyword fails);
- the SQL inside them is parsed as SQL: the masking policies' bodies (and evaluated on the local engine),
  the alert's condition and action;
- every object a GRANT or ALTER names is created by the DDL, every role is created or a system role;
- the roles form the designed hierarchy, and the app's owner cannot reach unmasked PII;
- account-level privileges and the resource monitor are run as ACCOUNTADMIN;
- objects a re-deploy must update (policies, monitor, alert, warehouse) are set again, not only created.

What stays unverifiable offline is said in each test: whether the account accepts a privilege on an
object type, what TASK_HISTORY returns, and anything that depends on objects the pipeline creates later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from c360_pipeline.config import PipelineConfig
from c360_pipeline.deploy import split_statements
from c360_pipeline.masking import MASKED_COLUMNS, policies_of

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
SQL_FILES = sorted(SQL_DIR.glob("*.sql"))

NAME = r"[A-Za-z_][A-Za-z0-9_$]*"
QUALIFIED = rf"{NAME}\.{NAME}\.{NAME}"
COMMENT = r"(?: COMMENT = '[^']*')?"
PRIVILEGE = r"(?:SELECT|INSERT|UPDATE|DELETE|TRUNCATE|USAGE|MONITOR|OPERATE)"
TRIGGERS = r"TRIGGERS(?P<triggers>(?: ON \d+ PERCENT DO (?:NOTIFY|SUSPEND|SUSPEND_IMMEDIATE))+)"
UNMODELLED: dict[str, str] = {
    "CREATE ROLE": rf"CREATE ROLE IF NOT EXISTS {NAME}{COMMENT}",
    "GRANT ROLE": rf"GRANT ROLE {NAME} TO ROLE {NAME}",
    "GRANT OWNERSHIP": (
        rf"GRANT OWNERSHIP ON (?:DATABASE {NAME}|WAREHOUSE {NAME}|ALL (?:SCHEMAS|STAGES|FILE FORMATS|SEQUENCES) "
        rf"IN DATABASE {NAME}) TO ROLE {NAME} COPY CURRENT GRANTS"
    ),
    "GRANT ON ALL/FUTURE": (
        rf"GRANT {PRIVILEGE}(?:, {PRIVILEGE})* ON (?:ALL|FUTURE) (?:TABLES|VIEWS|PROCEDURES|TASKS|STREAMLITS) "
        rf"IN SCHEMA {NAME}\.{NAME} TO ROLE {NAME}"
    ),
    "CREATE MASKING POLICY": (
        rf"CREATE MASKING POLICY IF NOT EXISTS (?P<name>{QUALIFIED}) AS \((?P<argument>{NAME}) STRING\) "
        rf"RETURNS STRING -> (?P<body>CASE .+ END) COMMENT = '(?P<comment>[^']*)'"
    ),
    "SET MASKING POLICY BODY": rf"ALTER MASKING POLICY (?P<name>{QUALIFIED}) SET BODY -> (?P<body>CASE .+ END)",
    "SET MASKING POLICY COMMENT": rf"ALTER MASKING POLICY (?P<name>{QUALIFIED}) SET COMMENT = '(?P<comment>[^']*)'",
    "ATTACH MASKING POLICY": (
        rf"ALTER TABLE IF EXISTS (?P<table>{QUALIFIED}) MODIFY COLUMN (?P<column>{NAME}) "
        rf"SET MASKING POLICY (?P<policy>{QUALIFIED}) FORCE"
    ),
    "CREATE RESOURCE MONITOR": (
        rf"CREATE RESOURCE MONITOR IF NOT EXISTS (?P<name>{NAME}) WITH CREDIT_QUOTA = (?P<quota>\d+) "
        rf"FREQUENCY = (?:DAILY|WEEKLY|MONTHLY|YEARLY|NEVER) START_TIMESTAMP = IMMEDIATELY {TRIGGERS}"
    ),
    "SET RESOURCE MONITOR": rf"ALTER RESOURCE MONITOR (?P<name>{NAME}) SET CREDIT_QUOTA = (?P<quota>\d+) {TRIGGERS}",
    "SET WAREHOUSE": (
        rf"ALTER WAREHOUSE (?P<warehouse>{NAME}) SET WAREHOUSE_SIZE = '(?P<size>[A-Z0-9]+)' "
        r"AUTO_SUSPEND = (?P<suspend>\d+) AUTO_RESUME = (?P<resume>TRUE|FALSE)"
    ),
    "SET WAREHOUSE MONITOR": rf"ALTER WAREHOUSE (?P<warehouse>{NAME}) SET RESOURCE_MONITOR = (?P<monitor>{NAME})",
    "CREATE ALERT": (
        rf"CREATE OR REPLACE ALERT (?P<name>{QUALIFIED}) WAREHOUSE = (?P<warehouse>{NAME}) "
        rf"SCHEDULE = '\d+ MINUTE'{COMMENT} IF \(EXISTS \((?P<condition>SELECT .+)\)\) THEN "
        rf"(?P<action>INSERT .+|EXECUTE IMMEDIATE \$\$ BEGIN (?P<insert>INSERT .+); "
        rf"(?P<notify>CALL SYSTEM\$SEND_SNOWFLAKE_NOTIFICATION\(SNOWFLAKE\.NOTIFICATION\.TEXT_PLAIN\('[^']*'\), "
        rf"SNOWFLAKE\.NOTIFICATION\.INTEGRATION\('(?P<integration>{NAME})'\)\)); END; \$\$)"
    ),
    "RESUME ALERT": rf"ALTER ALERT (?P<name>{QUALIFIED}) RESUME",
    # 06_cost.sql: the budget, its notification integration and the SNOWFLAKE database roles it needs.
    "GRANT DATABASE ROLE": rf"GRANT DATABASE ROLE SNOWFLAKE\.(?P<database_role>{NAME}) TO ROLE (?P<role>{NAME})",
    "CREATE NOTIFICATION INTEGRATION": (
        rf"CREATE NOTIFICATION INTEGRATION IF NOT EXISTS (?P<name>{NAME}) TYPE = EMAIL ENABLED = TRUE{COMMENT}"
    ),
    "GRANT INTEGRATION TO APPLICATION": rf"GRANT USAGE ON INTEGRATION (?P<name>{NAME}) TO APPLICATION SNOWFLAKE",
    "CREATE BUDGET": rf"CREATE SNOWFLAKE\.CORE\.BUDGET IF NOT EXISTS (?P<name>{QUALIFIED})\(\){COMMENT}",
    "SET BUDGET LIMIT": rf"CALL (?P<name>{QUALIFIED})!SET_SPENDING_LIMIT\((?P<limit>\d+)\)",
    "ADD BUDGET RESOURCE ONCE": (
        rf"EXECUTE IMMEDIATE \$\$ BEGIN CALL (?P<name>{QUALIFIED})!GET_LINKED_RESOURCES\(\); "
        rf"LET linked INTEGER := \((?P<count>SELECT .+?)\); IF \(linked = 0\) THEN "
        rf"CALL (?P=name)!ADD_RESOURCE\(SYSTEM\$REFERENCE\('WAREHOUSE', '(?P<warehouse>{NAME})', 'SESSION', "
        rf"'APPLYBUDGET'\)\); END IF; RETURN '[^']*'; END; \$\$"
    ),
}
SYSTEM_ROLES = {"ACCOUNTADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN", "PUBLIC"}


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


def masking_body(text: str) -> exp.Case:
    return parsed(f"SELECT {text}").expressions[0]


def check_statement(statement: str) -> str:
    """Parse one statement; return its kind (the expression type, or the UNMODELLED form it matched)."""
    expression = parsed(statement)
    if not isinstance(expression, exp.Command):
        return type(expression).__name__
    kind, match = unmodelled_form(statement)
    if kind in {"CREATE MASKING POLICY", "SET MASKING POLICY BODY"}:
        assert isinstance(masking_body(match["body"]), exp.Case), match["body"]
    elif kind == "CREATE ALERT":
        assert isinstance(parsed(match["condition"]), exp.Select)
        assert isinstance(parsed(match["insert"] or match["action"]), exp.Insert)
    elif kind == "ADD BUDGET RESOURCE ONCE":
        assert isinstance(parsed(match["count"]), exp.Select)
    return kind


@dataclass(frozen=True)
class Statement:
    file: str
    role: str  # the role in effect (the last USE ROLE before it)
    text: str  # normalised
    raw: str


def statements() -> list[Statement]:
    found, role = [], None
    for path in SQL_FILES:
        for raw in split_statements(path.read_text()):
            text = normalised(raw)
            if match := re.fullmatch(rf"USE ROLE ({NAME})", text):
                role = match.group(1)
                continue
            found.append(Statement(path.name, role, text, raw))
    return found


def of_kind(kind: str) -> list[re.Match]:
    found = []
    for statement in statements():
        if isinstance(parsed(statement.raw), exp.Command):
            matched_kind, match = unmodelled_form(statement.raw)
            if matched_kind == kind:
                found.append(match)
    return found


def created(kind: str) -> dict[str, exp.Create]:
    found = {}
    for statement in statements():
        expression = parsed(statement.raw)
        if isinstance(expression, exp.Create) and expression.kind == kind:
            target = expression.this.this if isinstance(expression.this, exp.Schema) else expression.this
            found[target.sql("snowflake")] = expression
    return found


def declared_objects() -> dict[str, set[str]]:
    """Every object the DDL creates, by kind (roles, policies, monitors and alerts from their documented forms)."""
    objects = {kind: set(created(kind)) for kind in ("DATABASE", "SCHEMA", "WAREHOUSE", "STAGE", "FILE FORMAT",
                                                      "SEQUENCE", "TABLE")}
    objects["ROLE"] = {re.match(rf"CREATE ROLE IF NOT EXISTS ({NAME})", s.text).group(1)
                       for s in statements() if s.text.startswith("CREATE ROLE")}
    objects["MASKING POLICY"] = {m["name"] for m in of_kind("CREATE MASKING POLICY")}
    objects["RESOURCE MONITOR"] = {m["name"] for m in of_kind("CREATE RESOURCE MONITOR")}
    objects["ALERT"] = {m["name"] for m in of_kind("CREATE ALERT")}
    objects["INTEGRATION"] = {m["name"] for m in of_kind("CREATE NOTIFICATION INTEGRATION")}
    objects["BUDGET"] = {m["name"] for m in of_kind("CREATE BUDGET")}
    objects["DATABASE"] |= {"SNOWFLAKE"}  # the account's shared database (ACCOUNT_USAGE), never created by c360
    return objects


GRANT = re.compile(rf"GRANT (?P<privileges>.+?) ON (?P<target>.+?) TO ROLE (?P<role>{NAME})(?: COPY CURRENT GRANTS)?")
TARGET = re.compile(
    rf"(?P<account>ACCOUNT)"
    rf"|(?P<kind>DATABASE|SCHEMA|WAREHOUSE|STAGE|FILE FORMAT|INTEGRATION) (?P<name>{NAME}(?:\.{NAME}){{0,2}})"
    rf"|(?:ALL|FUTURE) (?P<plural>[A-Z ]+?) IN (?P<container>DATABASE|SCHEMA) (?P<container_name>{NAME}(?:\.{NAME})?)"
)


def grants() -> list[tuple[Statement, re.Match, re.Match]]:
    """(statement, GRANT match, target match) for every privilege grant (role grants excluded)."""
    found = []
    for statement in statements():
        if statement.text.startswith("GRANT ") and not statement.text.startswith(("GRANT ROLE ", "GRANT DATABASE ROLE ")) \
                and " TO APPLICATION " not in statement.text:
            grant = GRANT.fullmatch(statement.text)
            assert grant, f"{statement.file}: unreadable grant {statement.text}"
            target = TARGET.fullmatch(grant["target"])
            assert target, f"{statement.file}: unreadable grant target {grant['target']}"
            found.append((statement, grant, target))
    return found


def role_edges() -> set[tuple[str, str]]:
    """(granted role, grantee role) for every GRANT ROLE."""
    return {(m.group(1), m.group(2)) for s in statements()
            if (m := re.fullmatch(rf"GRANT ROLE ({NAME}) TO ROLE ({NAME})", s.text))}


def inherited_by(role: str, edges: set[tuple[str, str]]) -> set[str]:
    """Every role whose privileges `role` holds (itself included), through the hierarchy."""
    held, frontier = {role}, {role}
    while frontier:
        frontier = {granted for granted, grantee in edges if grantee in frontier} - held
        held |= frontier
    return held


# ----------------------------------------------------------------------------------------------


def test_the_account_files_are_there():
    assert [p.name for p in SQL_FILES] == [
        "00_setup.sql", "01_roles.sql", "02_security.sql", "03_monitoring.sql", "04_tables.sql", "05_masking.sql",
        "06_cost.sql",
    ]


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_every_statement_parses_or_matches_its_documented_form(path):
    """Unverifiable offline: that the account accepts each documented form as written (keywords are checked,
    the account's own parser is not)."""
    found = split_statements(path.read_text())
    assert found
    # sqlglot splits the file on its own and must find the same statements.
    assert len([e for e in sqlglot.parse(path.read_text(), read="snowflake") if e is not None]) == len(found)
    for statement in found:
        check_statement(statement)


def test_checker_refuses_broken_statements():
    with pytest.raises(sqlglot.errors.ParseError):
        check_statement("CREATE TABLE C360.OPS.X (A NUMBER")
    with pytest.raises(AssertionError, match="matches no documented form"):
        check_statement("GRANT SELECT ON FUTURE TABLES IN SCHEMA C360.GOLD TO")
    with pytest.raises(AssertionError, match="matches no documented form"):
        check_statement("CREATE MASKING POLICY IF NOT EXISTS C360.OPS.M AS (val STRING) RETURNS STRING -> val")
    with pytest.raises(AssertionError, match="matches no documented form"):
        check_statement("ALTER RESOURCE MONITOR M SET CREDIT_QUOTA = 20 TRIGERS ON 90 PERCENT DO NOTIFY")
    with pytest.raises(sqlglot.errors.ParseError):
        check_statement("CREATE OR REPLACE ALERT C360.OPS.A WAREHOUSE = W SCHEDULE = '5 MINUTE' "
                        "IF (EXISTS (SELECT 1 FROM WHERE)) THEN INSERT INTO T SELECT 1")


def test_every_object_a_grant_names_is_created_by_the_ddl():
    """Unverifiable offline: whether the account accepts each privilege on its object type, and which objects
    `ALL … IN SCHEMA` reaches (only those existing when the grant runs; FUTURE grants cover the rest)."""
    objects = declared_objects()
    roles = objects["ROLE"] | SYSTEM_ROLES
    plural = {"TABLES": "TABLE", "VIEWS": "VIEW", "PROCEDURES": "PROCEDURE", "TASKS": "TASK",
              "STREAMLITS": "STREAMLIT", "SCHEMAS": "SCHEMA", "STAGES": "STAGE", "FILE FORMATS": "FILE FORMAT",
              "SEQUENCES": "SEQUENCE"}
    problems = []
    for statement, grant, target in grants():
        if grant["role"] not in roles:
            problems.append(f"{statement.file}: {statement.text}: role {grant['role']} is never created")
        if target["kind"] and target["name"] not in objects[target["kind"]]:
            problems.append(f"{statement.file}: {statement.text}: {target['kind']} {target['name']} is never created")
        if target["container"] and target["container_name"] not in objects[target["container"]]:
            problems.append(f"{statement.file}: {statement.text}: {target['container']} "
                            f"{target['container_name']} is never created")
        if target["plural"] and target["plural"] not in plural:
            problems.append(f"{statement.file}: {statement.text}: unknown object type {target['plural']}")
    for granted, grantee in role_edges():
        for role in (granted, grantee):
            if role not in roles:
                problems.append(f"01_roles.sql: GRANT ROLE {granted} TO ROLE {grantee}: role {role} is never created")
    assert not problems, "\n".join(problems)


def test_every_object_an_alter_or_policy_names_is_created_by_the_ddl():
    """Unverifiable offline: the silver and gold tables the policies attach to are built by the pipeline, not
    the DDL (IF EXISTS skips those not built yet); that their columns exist is checked against the tables the
    pipeline builds (tests/deploy/test_captured_sql.py)."""
    objects = declared_objects()
    problems = []
    for match in of_kind("SET MASKING POLICY BODY") + of_kind("SET MASKING POLICY COMMENT"):
        if match["name"] not in objects["MASKING POLICY"]:
            problems.append(f"ALTER MASKING POLICY {match['name']}: never created")
    for match in of_kind("ATTACH MASKING POLICY"):
        if match["policy"] not in objects["MASKING POLICY"]:
            problems.append(f"{match['table']}.{match['column']}: policy {match['policy']} never created")
    for match in of_kind("SET RESOURCE MONITOR"):
        if match["name"] not in objects["RESOURCE MONITOR"]:
            problems.append(f"ALTER RESOURCE MONITOR {match['name']}: never created")
    for match in of_kind("SET WAREHOUSE") + of_kind("SET WAREHOUSE MONITOR"):
        if match["warehouse"] not in objects["WAREHOUSE"]:
            problems.append(f"ALTER WAREHOUSE {match['warehouse']}: never created")
    for match in of_kind("SET WAREHOUSE MONITOR"):
        if match["monitor"] not in objects["RESOURCE MONITOR"]:
            problems.append(f"warehouse monitor {match['monitor']}: never created")
    for match in of_kind("CREATE ALERT"):
        if match["warehouse"] not in objects["WAREHOUSE"]:
            problems.append(f"alert {match['name']}: warehouse {match['warehouse']} never created")
    for match in of_kind("RESUME ALERT"):
        if match["name"] not in objects["ALERT"]:
            problems.append(f"ALTER ALERT {match['name']}: never created")
    for stage in created("STAGE").values():
        file_format = stage.find(exp.FileFormatProperty)
        if file_format is not None and file_format.this is not None:
            name = file_format.this.sql("snowflake") if not isinstance(file_format.this, list) else None
            if name and name not in objects["FILE FORMAT"]:
                problems.append(f"stage {stage.this.sql('snowflake')}: file format {name} never created")
    assert not problems, "\n".join(problems)


EXPECTED_HIERARCHY = {
    ("C360_ANALYST", "C360_ENGINEER"),
    ("C360_ANALYST", "C360_APP_OWNER"),
    ("C360_ENGINEER", "C360_ADMIN"),
    ("C360_APP_OWNER", "C360_ADMIN"),
    ("C360_PII_READER", "C360_ADMIN"),
    ("C360_ADMIN", "SYSADMIN"),
}


def test_roles_form_the_designed_hierarchy_ending_at_sysadmin():
    """Unverifiable offline: which users hold the roles (granted by the account's administrators)."""
    edges = role_edges()
    assert edges == EXPECTED_HIERARCHY
    for role in declared_objects()["ROLE"]:
        assert role in inherited_by("SYSADMIN", edges), f"{role} does not roll up to SYSADMIN"
    # Unmasked PII is reachable only through the admin; the app's owner (whose view every viewer of the
    # owner's-rights app gets) and the analyst and engineer never hold it.
    assert {grantee for granted, grantee in edges if granted == "C360_PII_READER"} == {"C360_ADMIN"}
    for role in ("C360_APP_OWNER", "C360_ANALYST", "C360_ENGINEER"):
        assert "C360_PII_READER" not in inherited_by(role, edges), role
    # The deploying admin can switch to the app owner to create the app.
    assert "C360_APP_OWNER" in inherited_by("C360_ADMIN", edges)


def privileges_of(role: str) -> list[str]:
    """Every grant a role holds, directly or through the hierarchy (normalised statement text)."""
    held = inherited_by(role, role_edges())
    return [statement.text for statement, grant, _ in grants() if grant["role"] in held]


def test_analyst_and_app_owner_read_gold_only_and_write_nothing():
    for role in ("C360_ANALYST", "C360_APP_OWNER"):
        held = privileges_of(role)
        assert not [g for g in held if re.search(r"\b(BRONZE|SILVER)\b", g)], role
        assert not [g for g in held if re.search(r"\b(INSERT|UPDATE|DELETE|TRUNCATE|OWNERSHIP|OPERATE|WRITE)\b", g)]
        assert not [g for g in held if re.search(r"ON (ALL|FUTURE) TABLES IN SCHEMA C360\.OPS", g)], role
        assert "GRANT SELECT ON FUTURE TABLES IN SCHEMA C360.GOLD TO ROLE C360_ANALYST" in held
    owner = privileges_of("C360_APP_OWNER")
    assert "GRANT CREATE STREAMLIT ON SCHEMA C360.GOLD TO ROLE C360_APP_OWNER" in owner
    assert "GRANT READ ON STAGE C360.OPS.APP TO ROLE C360_APP_OWNER" in owner
    assert "GRANT READ ON STAGE C360.OPS.SEMANTIC TO ROLE C360_ANALYST" in owner


def test_the_app_owner_holds_what_cortex_analyst_needs_in_its_own_right():
    """The owner's-rights app calls Cortex Analyst as C360_APP_OWNER: the semantic model's stage must be readable
    by that role (READ on the stage, USAGE on the database and the stage's schema) whatever the analyst role is
    granted, and it reaches nothing else in OPS. Unverifiable offline: SNOWFLAKE.CORTEX_USER (PUBLIC holds it
    by default) and the Cortex Analyst service itself."""
    from c360_pipeline.semantic import cortex

    stage = cortex.stage_path(PipelineConfig.build()).lstrip("@").rsplit("/", 1)[0]
    schema = stage.rsplit(".", 1)[0]
    direct = {(t["kind"], t["name"], g["privileges"]) for _, g, t in grants() if g["role"] == "C360_APP_OWNER"}
    assert {("STAGE", stage, "READ"), ("SCHEMA", schema, "USAGE"), ("DATABASE", "C360", "USAGE"),
            ("SCHEMA", "C360.GOLD", "USAGE")} <= direct
    in_ops = {(kind, name, privileges) for kind, name, privileges in direct if name and name.startswith("C360.OPS")}
    assert in_ops == {("STAGE", stage, "READ"), ("SCHEMA", schema, "USAGE"), ("STAGE", "C360.OPS.APP", "READ")}


def test_engineer_operates_the_pipeline_without_owning_it():
    engineer = [g for s, g, _ in grants() if g["role"] == "C360_ENGINEER"]
    texts = [g.string for g in engineer]
    assert any("ON FUTURE TABLES IN SCHEMA C360.SILVER" in g for g in texts)
    assert any("ON FUTURE PROCEDURES IN SCHEMA C360.OPS" in g for g in texts)
    assert "GRANT READ, WRITE ON STAGE C360.BRONZE.LANDING TO ROLE C360_ENGINEER" in texts
    assert not [g for g in texts if "OWNERSHIP" in g]


def test_account_level_privileges_and_the_monitor_are_set_as_accountadmin():
    """Snowflake lets only ACCOUNTADMIN grant EXECUTE TASK / EXECUTE ALERT / APPLY MASKING POLICY and create
    resource monitors. Unverifiable offline: that the deploying user holds ACCOUNTADMIN."""
    account = [(s, g) for s, g, t in grants() if t["account"]]
    assert {g["privileges"] for _, g in account} >= {"EXECUTE TASK", "EXECUTE ALERT", "APPLY MASKING POLICY"}
    for statement, grant in account:
        assert statement.role == "ACCOUNTADMIN", f"{statement.text} runs as {statement.role}"
        assert grant["role"] == "C360_ADMIN"
    for statement in statements():
        if "RESOURCE MONITOR" in statement.text or "RESOURCE_MONITOR" in statement.text:
            assert statement.role == "ACCOUNTADMIN", f"{statement.text} runs as {statement.role}"
        if statement.text.startswith(("CREATE MASKING POLICY", "ALTER MASKING POLICY", "ALTER TABLE",
                                      "CREATE OR REPLACE ALERT", "ALTER ALERT")):
            # The admin owns policies and the alert, and holds the account privileges to apply and run them.
            assert statement.role == "C360_ADMIN", f"{statement.text} runs as {statement.role}"


def test_objects_a_redeploy_must_update_are_set_again_not_only_created():
    """`IF NOT EXISTS` alone would keep yesterday's version forever. Unverifiable offline: that the account
    applies each ALTER to the object as it stands (the statements' forms are checked above)."""
    policies = {m["name"]: m for m in of_kind("CREATE MASKING POLICY")}
    bodies = {m["name"]: m for m in of_kind("SET MASKING POLICY BODY")}
    comments = {m["name"]: m for m in of_kind("SET MASKING POLICY COMMENT")}
    assert set(policies) == set(bodies) == set(comments) == {"C360.OPS.MASK_EMAIL", "C360.OPS.MASK_NAME"}
    for name, created_policy in policies.items():
        assert masking_body(created_policy["body"]) == masking_body(bodies[name]["body"]), name
        assert created_policy["comment"] == comments[name]["comment"], name

    (monitor,) = of_kind("CREATE RESOURCE MONITOR")
    (monitor_set,) = of_kind("SET RESOURCE MONITOR")
    assert (monitor["name"], monitor["quota"], monitor["triggers"]) == (
        monitor_set["name"], monitor_set["quota"], monitor_set["triggers"])

    warehouse = created("WAREHOUSE")["C360_WH"]
    (warehouse_set,) = of_kind("SET WAREHOUSE")
    properties = warehouse_properties(warehouse)
    assert (properties["WAREHOUSE_SIZE"], properties["AUTO_SUSPEND"], properties["AUTO_RESUME"]) == (
        f"'{warehouse_set['size']}'", warehouse_set["suspend"], warehouse_set["resume"])

    texts = [s.text for s in statements()]
    alerts = [i for i, t in enumerate(texts) if t.startswith("CREATE OR REPLACE ALERT")]
    assert [texts[i + 1] for i in alerts] == ["ALTER ALERT C360.OPS.FAILED_TASK_ALERT RESUME",
                                              "ALTER ALERT C360.OPS.CREDIT_SPIKE_ALERT RESUME"]
    # The budget is created once and its limit and warehouse set on every deploy (the warehouse only when missing).
    (budget,) = of_kind("CREATE BUDGET")
    assert [m["name"] for m in of_kind("SET BUDGET LIMIT")] == [budget["name"]]
    assert [(m["name"], m["warehouse"]) for m in of_kind("ADD BUDGET RESOURCE ONCE")] == [(budget["name"], "C360_WH")]


def test_the_budget_notifies_through_an_integration_the_snowflake_application_may_use():
    """Unverifiable offline: the integration's recipients (an account admin sets them, see 06_cost.sql)."""
    (integration,) = of_kind("CREATE NOTIFICATION INTEGRATION")
    assert [m["name"] for m in of_kind("GRANT INTEGRATION TO APPLICATION")] == [integration["name"]]
    (alert,) = [m for m in of_kind("CREATE ALERT") if m["insert"]]
    assert alert["integration"] == integration["name"] and "C360.OPS.COST_EVENTS" in alert["insert"]
    roles = {(m["database_role"], m["role"]) for m in of_kind("GRANT DATABASE ROLE")}
    assert ("BUDGET_CREATOR", "C360_ADMIN") in roles


@pytest.fixture(scope="module")
def policy_bodies() -> dict[str, exp.Case]:
    return {m["name"].rsplit(".", 1)[1]: masking_body(m["body"]) for m in of_kind("CREATE MASKING POLICY")}


def evaluate(session, body: exp.Case, value: str | None, pii_reader: bool):
    """The policy body on one value, on the local engine, with the role check decided up front."""
    def substitute(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name.lower() == "val":
            return exp.cast(exp.Literal.string(value) if value is not None else exp.Null(), "VARCHAR")
        if isinstance(node, exp.Anonymous) and node.name.upper() == "IS_ROLE_IN_SESSION":
            return exp.Boolean(this=pii_reader)
        return node

    expression = body.copy().transform(substitute)
    return session.sql(f"SELECT {expression.sql('snowflake')} AS MASKED").collect()[0]["MASKED"]


def test_masking_policy_bodies_refer_only_to_their_argument_and_the_pii_role(policy_bodies):
    for name, body in policy_bodies.items():
        assert {c.name.lower() for c in body.find_all(exp.Column)} == {"val"}, name
        roles = [f for f in body.find_all(exp.Anonymous) if f.name.upper() == "IS_ROLE_IN_SESSION"]
        assert [r.expressions[0].name for r in roles] == ["C360_PII_READER"], name
        first = body.args["ifs"][0]
        assert isinstance(first.this, exp.Is) and isinstance(first.args["true"], exp.Null), name


@pytest.mark.parametrize("policy, value, masked", [
    ("MASK_EMAIL", "jane.doe@example.com", "*****@example.com"),
    ("MASK_EMAIL", None, None),
    ("MASK_NAME", "Jane", "J***"),
    ("MASK_NAME", "Jane Doe", "J***"),
    ("MASK_NAME", None, None),
])
def test_masking_policies_mask_for_everyone_but_the_pii_reader(session, policy_bodies, policy, value, masked):
    """Evaluated on the local engine; unverifiable offline: IS_ROLE_IN_SESSION itself (decided here up front)."""
    body = policy_bodies[policy]
    assert evaluate(session, body, value, pii_reader=False) == masked
    assert evaluate(session, body, value, pii_reader=True) == value


def declared_attachments() -> set[tuple[str, str, str]]:
    """(table, column, policy) as masking.MASKED_COLUMNS declares them, named for the default database."""
    cfg = PipelineConfig.build()
    return {(cfg.table(layer, table), column, policy)
            for (layer, table) in MASKED_COLUMNS for column, policy in policies_of(cfg, layer, table).items()}


def test_pii_columns_are_masked_on_every_table_that_holds_them():
    declared = declared_attachments()
    for table in ("C360.BRONZE.RAW_CUSTOMERS", "C360.SILVER.STG_CUSTOMERS"):
        assert (table, "EMAIL", "C360.OPS.MASK_EMAIL") in declared
        for column in ("FIRST_NAME", "LAST_NAME"):
            assert (table, column, "C360.OPS.MASK_NAME") in declared
    for table in ("C360.GOLD.DIM_CUSTOMER", "C360.GOLD.CUSTOMER_360_PROFILE"):
        assert (table, "EMAIL", "C360.OPS.MASK_EMAIL") in declared
        for column in ("FIRST_NAME", "LAST_NAME", "FULL_NAME"):
            assert (table, column, "C360.OPS.MASK_NAME") in declared


def test_the_account_sql_attaches_exactly_the_declared_policies():
    """One declaration (masking.MASKED_COLUMNS) for the account SQL and the pipeline's writer."""
    attached = [(m["table"], m["column"], m["policy"]) for m in of_kind("ATTACH MASKING POLICY")]
    assert len(attached) == len(set(attached))
    assert set(attached) == declared_attachments()


def test_policies_attach_after_the_ddl_that_creates_their_tables():
    """A first deploy masks every table the account DDL creates: each attachment runs after the policy and the
    table exist (the file order is the deploy order). Tables the pipeline builds do not exist on a first deploy;
    `IF EXISTS` skips them and the writer attaches their policies when it creates them (tests/deploy/test_captured_sql.py)."""
    order = statements()
    position = {}
    for index, statement in enumerate(order):
        expression = parsed(statement.raw)
        if isinstance(expression, exp.Create) and expression.kind == "TABLE":
            target = expression.this.this if isinstance(expression.this, exp.Schema) else expression.this
            position.setdefault(target.sql("snowflake"), index)
        elif isinstance(expression, exp.Command):
            kind, match = unmodelled_form(statement.raw)
            if kind == "CREATE MASKING POLICY":
                position.setdefault(match["name"], index)
    ddl_tables = set(created("TABLE"))
    masked_by_ddl = set()
    for index, statement in enumerate(order):
        if statement.text.startswith("ALTER TABLE IF EXISTS"):
            _, match = unmodelled_form(statement.raw)
            assert position[match["policy"]] < index, f"{statement.file}: {statement.text}: before its policy"
            if match["table"] in ddl_tables:
                assert position[match["table"]] < index, f"{statement.file}: {statement.text}: before its table"
                masked_by_ddl.add(match["table"])
    assert masked_by_ddl == {"C360.BRONZE.RAW_CUSTOMERS"}


def test_resource_monitor_notifies_before_it_suspends():
    """Unverifiable offline: the credits the account actually uses."""
    (monitor,) = of_kind("CREATE RESOURCE MONITOR")
    triggers = re.findall(r"ON (\d+) PERCENT DO (\w+)", monitor["triggers"])
    actions = [action for _, action in sorted(triggers, key=lambda t: int(t[0]))]
    assert actions[0] == "NOTIFY" and "SUSPEND" in actions
    assert actions.index("SUSPEND") > actions.index("NOTIFY")
    assert int(monitor["quota"]) > 0


def test_alert_records_each_failed_task_of_the_graph_once():
    """The condition and the action are parsed as SQL; unverifiable offline: what TASK_HISTORY returns
    (an INFORMATION_SCHEMA table function of the account), so neither can be run here."""
    (alert,) = [m for m in of_kind("CREATE ALERT") if m["name"] == "C360.OPS.FAILED_TASK_ALERT"]
    condition, action = parsed(alert["condition"]), parsed(alert["action"])
    assert isinstance(condition, exp.Select) and isinstance(action, exp.Insert)
    target = action.this.sql("snowflake")
    assert target == "C360.OPS.TASK_FAILURES"
    table = created("TABLE")[target]
    columns = [c.name for c in table.this.expressions if isinstance(c, exp.ColumnDef)]
    select = action.expression
    assert len(select.expressions) == len(columns)
    # The action inserts exactly the failures the condition found: same source, same filter.
    assert select.args["from_"] == condition.args["from_"]
    assert select.args["where"] == condition.args["where"]
    where = condition.args["where"].sql("snowflake")
    assert "LIKE 'C360_NIGHTLY%'" in where
    # Not yet recorded: the filter compares with the table it writes, so a replaced alert repeats nothing.
    assert target in where
    source = condition.args["from_"].sql("snowflake")
    assert "TASK_HISTORY" in source and "ERROR_ONLY => TRUE" in source


def warehouse_properties(warehouse: exp.Create) -> dict[str, str]:
    return {p.name.upper(): p.args["value"].sql("snowflake") for p in warehouse.args["properties"].expressions
            if p.args.get("value") is not None and hasattr(p, "name")}


def test_setup_creates_database_medallion_schemas_stages_formats_and_sequence():
    assert set(created("SCHEMA")) == {"C360.BRONZE", "C360.SILVER", "C360.GOLD", "C360.OPS"}
    assert {"C360.BRONZE.LANDING", "C360.OPS.CODE", "C360.OPS.SEMANTIC", "C360.OPS.APP"} <= set(
        created("STAGE"))
    assert {"C360.BRONZE.CSV_FORMAT", "C360.BRONZE.PARQUET_FORMAT"} <= set(created("FILE FORMAT"))
    assert "C360.BRONZE.RECORD_ID_SEQ" in created("SEQUENCE")


def test_warehouse_is_xsmall_and_suspends_after_sixty_seconds():
    properties = warehouse_properties(created("WAREHOUSE")["C360_WH"])
    assert properties["WAREHOUSE_SIZE"] == "'XSMALL'"
    assert properties["AUTO_SUSPEND"] == "60"
    assert properties["AUTO_RESUME"] == "TRUE"


def test_fact_table_is_clustered_by_transaction_day():
    fact = created("TABLE")["C360.GOLD.FCT_TRANSACTIONS"]
    cluster = fact.find(exp.ClusterProperty)
    assert cluster is not None
    (key,) = cluster.expressions
    assert isinstance(key, exp.Cast) and key.to.this == exp.DataType.Type.DATE
    assert key.this.name == "TRANSACTION_DATE"
