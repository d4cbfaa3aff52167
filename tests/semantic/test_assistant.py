"""The AI Assistant over a real local database: suggested questions against independent pandas computations,
each understanding feature, refusals, injection strings, the SQL it shows, Cortex Analyst (endpoint mocked)
and `c360 ask`.

The database is a small gold layer written with `Warehouse.write_pandas` into a home's `C360.db` by a writer
session that is closed again (`world` below); the tests read it through a read-only session, as `c360 ask`
and the app do. Expected results are computed in pandas from the same frames, sharing no code with the engine.
"""

from __future__ import annotations

import http.server
import io
import json
import threading
from datetime import date

import pandas as pd
import pytest
import sqlglot
from app_fixtures import writer_process  # noqa: E402
from assistant_world import (  # noqa: E402  (the shared test world)
    AS_OF,
    SCHEMAS,
    assert_same,
    between,
    build_world,
    expected_for,
    plain,
    profile,
    rows_of,
    write_home,
)
from rich.console import Console

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic import cortex
from c360_pipeline.semantic.assistant import ask, ask_command
from c360_pipeline.semantic.engine import (
    QuestionNotUnderstood,
    UnsafeSql,
    check_read_only,
    compile_sql,
    data_as_of,
    parse_question,
)
from c360_pipeline.semantic.suggestions import SUGGESTED_QUESTIONS, all_suggestions, closest_questions


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return build_world()


@pytest.fixture(scope="module")
def world(tmp_path_factory, frames):
    """A read-only session on a local database holding the world's tables (shared by this module's tests)."""
    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp("assistant"), as_of=AS_OF)
    write_home(cfg, frames)
    session = engine.reader_session(cfg.home, cfg.database)
    warehouse = Warehouse.of(session, cfg)
    yield warehouse
    session.close()


# --- comparing answers with pandas -------------------------------------------------------------------

def test_twenty_plus_suggestions_in_the_five_seed_categories():
    assert list(SUGGESTED_QUESTIONS) == ["Churn", "Segmentation", "Spending", "Geographic", "Campaign"]
    assert len(all_suggestions()) >= 20
    assert all(len(questions) >= 4 for questions in SUGGESTED_QUESTIONS.values())


@pytest.mark.parametrize("question", all_suggestions())
def test_suggested_question_matches_an_independent_pandas_computation(world, frames, question):
    answer = ask(question, world)
    expected = expected_for(question, frames)
    assert len(expected) > 0, "the test world must make every suggestion non-empty"
    assert_same(answer, expected)
    assert sqlglot.parse_one(answer.sql, read="snowflake") is not None


def test_as_of_comes_from_the_data_not_the_clock(world):
    assert data_as_of(world) == AS_OF
    answer = ask("What was the total spend by merchant category last month?", world)
    assert "2025-05-01 to 2025-05-31" in answer.interpretation
    assert "BETWEEN 20250501 AND 20250531" in answer.sql


# --- understanding features (parse level: fast, no execution) ------------------------------------------

def parsed(question: str):
    return parse_question(question, AS_OF)


def condition_values(query) -> dict[str, tuple]:
    return {c.field.name if c.field else c.filter_name: (c.op, c.values) for c in query.conditions}


@pytest.mark.parametrize("question, metric", [
    ("average LTV by segment", "AVERAGE_LIFETIME_VALUE"),
    ("avg customer lifetime value per segment", "AVERAGE_LIFETIME_VALUE"),
    ("mean clv by segment", "AVERAGE_LIFETIME_VALUE"),
    ("total revenue by channel", "TOTAL_SPEND"),
    ("how much was spent by channel", "TOTAL_SPEND"),
    ("number of txns by channel", "TRANSACTION_COUNT"),
    ("average churn score by card tier", "AVERAGE_CHURN_RISK_SCORE"),
    ("decline rate by channel", "DECLINE_RATE"),
])
def test_metric_synonyms_and_abbreviations(question, metric):
    query = parsed(question)
    assert [m.label for m in query.measures] == [metric]


@pytest.mark.parametrize("question, dimension", [
    ("customers by segment", "CUSTOMER_SEGMENT"),
    ("customer count per behavioural segment", "CUSTOMER_SEGMENT"),
    ("customers by card tier", "CARD_TYPE"),
    ("customers by risk level", "CHURN_RISK_CATEGORY"),
    ("spend by category last month", "MERCHANT_CATEGORY"),
    ("spend by spending group", "CATEGORY_GROUP"),
    ("customers by age group", "AGE_BAND"),
    ("spend by day of week", "DAY_NAME"),
])
def test_dimension_synonyms_group_the_answer(question, dimension):
    assert [g.label for g in parsed(question).group_by] == [dimension]


@pytest.mark.parametrize("question, field, values", [
    ("how many Declining customers", "customer_segment", ("Declining",)),
    ("how many travelers", "customer_segment", ("High-Value Travelers",)),
    ("customers in Texas", "state", ("TX",)),
    ("customers in TX", "state", ("TX",)),
    ("customers in ca", "state", ("CA",)),
    ("customers in OR or IN", "state", ("OR", "IN")),
    ("gold cardholders", "card_type", ("Gold",)),
    ("medium risk customers", "churn_risk_category", ("Medium Risk",)),
    ("spend on groceries last month", "merchant_category", ("Grocery Stores",)),
    ("mobile spend this year", "channel", ("Mobile",)),
    ("travel spend by month", "category_group", ("travel",)),
    ("rejected payments by channel", "status", ("declined",)),
])
def test_filters_by_sample_values_and_their_spellings(question, field, values):
    assert condition_values(parsed(question))[field] == ("in", values)


def test_or_in_lower_case_is_a_conjunction_not_oregon():
    values = condition_values(parsed("customers in Texas or California"))
    assert values == {"state": ("in", ("TX", "CA"))}


def test_negated_values_exclude():
    values = condition_values(parsed("average LTV by segment excluding Platinum cardholders"))
    assert values["card_type"] == ("not_in", ("Platinum",))


@pytest.mark.parametrize("question, field, op, value", [
    ("customers with LTV over 10,000", "lifetime_value", ">", (10000,)),
    ("customers with a lifetime value above $10k", "lifetime_value", ">", (10000,)),
    ("customers with more than 50 transactions", "total_transactions", ">", (50,)),
    ("customers with at least 20 purchases", "total_transactions", ">=", (20,)),
    ("customers with credit limit under 5k", "credit_limit", "<", (5000,)),
    ("customers with a credit limit of 1.5M or more", "credit_limit", ">=", (1500000,)),
    ("customers older than 60", "age", ">", (60,)),
    ("customers aged 25 to 34", "age", "between", (25, 34)),
    ("customers with travel share over 25%", "travel_share", ">", (0.25,)),
    ("customers whose spend dropped by more than 30%", "spend_change_pct", "<", (-0.3,)),
    ("customers with churn score between 40 and 70", "churn_risk_score", "between", (40, 70)),
])
def test_numeric_comparisons(question, field, op, value):
    assert condition_values(parsed(question))[field] == (op, value)


@pytest.mark.parametrize("question, start, end", [
    ("total spend last month", date(2025, 5, 1), date(2025, 5, 31)),
    ("total spend this month", date(2025, 6, 1), date(2025, 6, 30)),
    ("total spend in the last 30 days", date(2025, 6, 1), date(2025, 6, 30)),
    ("total spend over the past 3 months", date(2025, 4, 1), date(2025, 6, 30)),
    ("total spend in March", date(2025, 3, 1), date(2025, 3, 31)),
    ("total spend in December", date(2024, 12, 1), date(2024, 12, 31)),
    ("total spend in March 2025", date(2025, 3, 1), date(2025, 3, 31)),
    ("total spend in 2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("total spend year to date", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend ytd", date(2025, 1, 1), date(2025, 6, 30)),
    ("total spend in Q1 2025", date(2025, 1, 1), date(2025, 3, 31)),
    ("total spend last quarter", date(2025, 1, 1), date(2025, 3, 31)),
    ("total spend from January to March 2025", date(2025, 1, 1), date(2025, 3, 31)),
    ("total spend since April", date(2025, 4, 1), date(2025, 6, 30)),
    ("total spend on 2025-06-15", date(2025, 6, 15), date(2025, 6, 15)),
])
def test_time_ranges_relative_to_the_data_as_of(question, start, end):
    query = parsed(question)
    assert (query.time_range.start, query.time_range.end) == (start, end)


def test_time_range_on_a_profile_date():
    query = parsed("how many customers joined in 2024")
    assert query.time_range.field.name == "account_open_date"
    assert (query.time_range.start, query.time_range.end) == (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize("question, label, descending, limit", [
    ("top 5 states by average LTV", "AVERAGE_LIFETIME_VALUE", True, 5),
    ("bottom 3 segments by average churn score", "AVERAGE_CHURN_RISK_SCORE", False, 3),
    ("which segment has the lowest average credit limit", "AVERAGE_CREDIT_LIMIT", False, 1),
    ("10 customers with the highest lifetime value", "LIFETIME_VALUE", True, 10),
    ("which customer has the highest churn score", "CHURN_RISK_SCORE", True, 1),
    ("customers sorted by tenure ascending", "TENURE_MONTHS", False, 100),
])
def test_top_bottom_and_ordering(question, label, descending, limit):
    query = parsed(question)
    assert (query.order_by[0].label, query.order_by[0].descending, query.limit) == (label, descending, limit)


def test_highest_without_a_breakdown_is_the_maximum():
    assert [m.expr for m in parsed("what is the highest lifetime value").measures] == ["MAX(LIFETIME_VALUE)"]


def test_counts_averages_and_distinct_counts():
    assert [m.label for m in parsed("how many customers are there").measures] == ["CUSTOMER_COUNT"]
    assert [m.label for m in parsed("how many transactions in May 2025").measures] == ["TRANSACTION_COUNT"]
    assert [m.expr for m in parsed("how many states do we have customers in").measures] == ["COUNT(DISTINCT STATE)"]
    assert [m.label for m in parsed("average age and average tenure by segment").measures] == [
        "AVERAGE_AGE", "AVERAGE_TENURE_MONTHS"]


def test_customer_counts_over_transactions_count_customers_who_transacted():
    query = parsed("how many customers shopped online last month")
    assert query.base_table == "fct_transactions"
    assert [m.label for m in query.measures] == ["ACTIVE_CUSTOMER_COUNT"]


# --- refusals ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, reason", [
    ("What is the average salary by segment?", "salary"),
    ("Show customers by favourite colour", "favourite"),
    ("How many customers have a mortgage?", "mortgage"),
    ("average lifetime value by channel", "transaction attributes"),
    ("How many customers next month?", "future"),
    ("What is the weather in California?", "weather"),
    ("", "empty"),
    ("average spend by segment", "ambiguous"),
])
def test_unanswerable_questions_are_refused_with_the_reason_and_suggestions(question, reason):
    with pytest.raises(QuestionNotUnderstood) as refused:
        parsed(question)
    assert reason in refused.value.reason
    answer_suggestions = closest_questions(question)
    assert len(answer_suggestions) == 3 and all(s in all_suggestions() + _verified() for s in answer_suggestions)


def _verified() -> list[str]:
    from c360_pipeline.semantic.model import load_model

    return [q.question for q in load_model().verified_queries]


@pytest.mark.parametrize("question", [
    "Delete all customers in California",
    "drop table customer_360_profile",
    "Update the credit limit of CUST00000001 to 50000",
    "insert a new customer",
    "truncate the transactions",
    "change the card type of CUST00000002 to Platinum",
    "remove high risk customers",
    "SELECT * FROM C360.GOLD.CUSTOMER_360_PROFILE",
])
def test_requests_to_change_data_are_refused(world, question):
    before = world.read("GOLD", "CUSTOMER_360_PROFILE").count()
    answer = ask(question, world)
    assert answer.refused and answer.sql is None and answer.rows == []
    assert world.read("GOLD", "CUSTOMER_360_PROFILE").count() == before


def test_a_close_suggestion_is_offered_for_a_near_miss():
    assert closest_questions("which customers might churn soon")[0] == "Which customers are at highest risk of churning?"


@pytest.mark.parametrize("text", [
    "'; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE; --",
    "customers in California' OR 1=1 --",
    "\" OR 1=1 --",
    "customers named Robert'); DELETE FROM GOLD.FCT_TRANSACTIONS WHERE ('1'='1",
    "average LTV by segment; UPDATE C360.GOLD.CUSTOMER_360_PROFILE SET LIFETIME_VALUE = 0",
    "show customer CUST00000001' OR 'a'='a",
    "$$ || CURRENT_USER() || $$",
])
def test_injection_strings_are_inert(world, frames, text):
    counts = {name: world.read("GOLD", name).count() for name in frames}
    answer = ask(text, world)
    if not answer.refused:  # answered: only as a literal filter that matches nothing
        assert answer.rows == [], answer.interpretation
        check_read_only(answer.sql)
    assert {name: world.read("GOLD", name).count() for name in frames} == counts


def test_a_customer_id_is_a_bound_literal(world, frames):
    answer = ask("show customer CUST00000007", world)
    assert [row[0] for row in answer.rows] == ["CUST00000007"]
    assert "p.CUSTOMER_ID = 'CUST00000007'" in answer.sql
    assert ask("show customer CUST99999999", world).rows == []


# --- the SQL shown ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", all_suggestions() + [
    "customers with LTV over 10,000 in Texas or California",
    "spend by channel and category group on weekends in 2025",
    "customers who joined by month",
    "states with more than 5 customers",
])
def test_generated_sql_is_one_read_only_select_over_model_tables(question):
    sql = compile_sql(parsed(question))
    tree = check_read_only(sql, {f"C360.GOLD.{t}" for t in SCHEMAS})
    assert isinstance(tree, sqlglot.exp.Select)


@pytest.mark.parametrize("sql", [
    "DELETE FROM C360.GOLD.CUSTOMER_360_PROFILE",
    "SELECT 1; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE",
    "DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE",
    "UPDATE C360.GOLD.CUSTOMER_360_PROFILE SET AGE = 1",
    "SELECT * FROM C360.OPS.PIPELINE_RUNS",
    "SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY",
    "SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))",
    "CREATE TABLE X AS SELECT * FROM C360.GOLD.CUSTOMER_360_PROFILE",
    "SELECT SYSTEM$WAIT(10)",
    "MERGE INTO C360.GOLD.DIM_DATE d USING C360.GOLD.DIM_DATE s ON d.DATE_KEY = s.DATE_KEY WHEN MATCHED THEN DELETE",
])
def test_read_only_check_rejects_anything_but_one_select_over_the_model(sql):
    with pytest.raises(UnsafeSql):
        check_read_only(sql, {f"C360.GOLD.{t}" for t in SCHEMAS})


def test_read_only_check_accepts_ctes_over_model_tables():
    sql = ("WITH __customer_360_profile AS (SELECT CUSTOMER_SEGMENT, LIFETIME_VALUE FROM C360.GOLD.CUSTOMER_360_PROFILE) "
           "SELECT CUSTOMER_SEGMENT, AVG(LIFETIME_VALUE) FROM __customer_360_profile GROUP BY 1")
    check_read_only(sql, {"C360.GOLD.CUSTOMER_360_PROFILE"})


def test_sql_uses_the_configured_database():
    sql = compile_sql(parsed("average LTV by segment"), database="ANALYTICS")
    assert "ANALYTICS.GOLD.CUSTOMER_360_PROFILE" in sql and "C360." not in sql


# --- Cortex Analyst (the HTTP endpoint is mocked: it cannot exist here) --------------------------------

class FakeAnalyst(http.server.BaseHTTPRequestHandler):
    """Stands in for POST /api/v2/cortex/analyst/message; replies with the SQL the test sets."""

    reply: dict = {}
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeAnalyst.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        payload = json.dumps(FakeAnalyst.reply).encode()
        self.send_response(FakeAnalyst.reply.get("_status", 200))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        return None


@pytest.fixture()
def fake_analyst():
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeAnalyst)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAnalyst.requests = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def analyst_reply(sql: str | None, text: str = "This is our interpretation") -> dict:
    content = [{"type": "text", "text": text}]
    if sql:
        content.append({"type": "sql", "statement": sql})
    else:
        content.append({"type": "suggestions", "suggestions": ["What is the average lifetime value by segment?"]})
    return {"message": {"role": "analyst", "content": content}, "request_id": "r-1"}


def test_cortex_client_against_mocked_analyst_endpoint_sends_question_model_and_token(fake_analyst):
    FakeAnalyst.reply = analyst_reply("SELECT 1 AS X FROM C360.GOLD.DIM_DATE")
    reply = cortex.ask_analyst("How many customers?", "@C360.GOLD.SEMANTIC_MODELS/semantic_model.yaml",
                               cortex.rest_transport(fake_analyst, "tok-123"))
    sent = FakeAnalyst.requests[0]
    assert sent["path"] == "/api/v2/cortex/analyst/message"
    assert sent["auth"] == 'Snowflake Token="tok-123"'
    assert sent["body"]["messages"][0]["content"][0] == {"type": "text", "text": "How many customers?"}
    assert sent["body"]["semantic_model_file"] == "@C360.GOLD.SEMANTIC_MODELS/semantic_model.yaml"
    assert (reply.sql, reply.text, reply.request_id) == ("SELECT 1 AS X FROM C360.GOLD.DIM_DATE",
                                                         "This is our interpretation", "r-1")


def test_cortex_with_mocked_endpoint_unsafe_sql_is_never_run_and_offline_engine_answers(world, fake_analyst, frames):
    FakeAnalyst.reply = analyst_reply("DELETE FROM C360.GOLD.CUSTOMER_360_PROFILE")
    answer = ask("How many customers are in each segment?", world, use_cortex=True,
                 transport=cortex.rest_transport(fake_analyst, "t"))
    assert answer.source == "offline"
    assert_same(answer, expected_for("How many customers are in each segment?", frames))
    assert world.read("GOLD", "CUSTOMER_360_PROFILE").count() == len(frames["CUSTOMER_360_PROFILE"])


def test_cortex_with_mocked_endpoint_http_error_falls_back(world, fake_analyst):
    FakeAnalyst.reply = {"_status": 503, "message": "unavailable"}
    answer = ask("average LTV by segment", world, use_cortex=True, transport=cortex.rest_transport(fake_analyst, "t"))
    assert answer.source == "offline" and not answer.refused


def test_cortex_with_mocked_endpoint_asking_to_rephrase_is_a_refusal_with_its_suggestions(world, fake_analyst):
    FakeAnalyst.reply = analyst_reply(None, "Please clarify which period you mean.")
    answer = ask("How are we doing?", world, use_cortex=True, transport=cortex.rest_transport(fake_analyst, "t"))
    assert answer.refused and answer.source == "cortex"
    assert answer.suggestions == ["What is the average lifetime value by segment?"]


def test_staged_model_points_at_the_configured_database():
    import yaml

    cfg = PipelineConfig.build(database="ANALYTICS")
    document = yaml.safe_load(cortex.rendered_model(cfg))
    assert {t["base_table"]["database"] for t in document["tables"]} == {"ANALYTICS"}
    assert cortex.stage_path(cfg) == "@ANALYTICS.OPS.SEMANTIC/semantic_model.yaml"


# --- c360 ask -----------------------------------------------------------------------------------------

def test_ask_command_prints_json_with_sql_columns_rows_and_interpretation(world, frames):
    console = Console(file=io.StringIO(), width=200)
    code = ask_command("How many customers are in each segment?", world.cfg, True, console)
    document = json.loads(console.file.getvalue())
    assert code == 0
    assert {"sql", "columns", "rows", "interpretation"} <= set(document)
    expected = expected_for("How many customers are in each segment?", frames)
    assert document["columns"] == list(expected.columns)
    assert [tuple(plain(v) for v in r) for r in document["rows"]] == rows_of(expected)


def test_ask_command_refusal_exits_1_and_lists_suggestions(world):
    console = Console(file=io.StringIO(), width=200)
    assert ask_command("What is the average salary by segment?", world.cfg, False, console) == 1
    text = console.file.getvalue()
    assert "salary" in text and "You could ask" in text


def test_ask_command_without_tables_names_the_command_to_run(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    cfg = PipelineConfig.build(home=tmp_path / "empty")
    assert ask_command("How many customers are in each segment?", cfg, False, console) == 2
    assert "c360 run" in console.file.getvalue()


def test_ask_command_while_a_run_writes_says_so_and_exits_3(tmp_path, frames):
    cfg = PipelineConfig.build(home=tmp_path / "busy", as_of=AS_OF)
    write_home(cfg, frames)
    question = "How many customers are in each segment?"
    with writer_process(cfg.home):
        for as_json in (False, True):
            console = Console(file=io.StringIO(), width=200)
            assert ask_command(question, cfg, as_json, console) == 3
            text = console.file.getvalue()
            assert "is writing to" in text and str(engine.database_file(cfg.home)) in text
            assert "Traceback" not in text
    console = Console(file=io.StringIO(), width=200)
    assert ask_command(question, cfg, True, console) == 0  # the run finished; and `ask` let the database go:
    with writer_process(cfg.home):
        pass


def test_word_soup_is_answered_or_refused_never_an_error():
    """Random mixes of model phrases and grammar words: every one parses and compiles, or is refused."""
    import random

    from c360_pipeline.semantic.engine import catalog_for

    _, lexicon = catalog_for()
    phrases = sorted(" ".join(key) for key in lexicon.phrases if not key[0].startswith("state:"))
    words = ["by", "per", "top 5", "bottom 3", "highest", "most", "least", "average", "total", "how many", "number of",
             "over", "under", "10,000", "50%", "between", "and", "or", "not", "last month", "in 2024", "Q1", "which",
             "show", "customers", "transactions", "each", "than", "sorted by", "descending", "65+", "aged", "?", ",",
             "'", ";", "--", "=", "1", "monthly", "trend", "since April", "from January to March"]
    chooser = random.Random(20250630)
    for _ in range(600):
        question = " ".join(chooser.choice(phrases + words * 3) for _ in range(chooser.randint(1, 7)))
        try:
            check_read_only(compile_sql(parsed(question)))
        except QuestionNotUnderstood:
            pass


def _rate(frame: pd.DataFrame, status: str) -> float:
    return float((frame["STATUS"] == status).mean())


@pytest.mark.parametrize("question, expected", [
    ("retention target count by segment for Platinum cardholders",
     lambda p, f: [(k, int(v)) for k, v in p[p["CARD_TYPE"] == "Platinum"].groupby("CUSTOMER_SEGMENT")["IS_RETENTION_TARGET"].sum().items()]),
    ("high risk share by state for Gold cardholders",
     lambda p, f: [(k, float((g["CHURN_RISK_CATEGORY"] == "High Risk").mean())) for k, g in p[p["CARD_TYPE"] == "Gold"].groupby("STATE")]),
    ("declined count and approval rate by channel last month",
     lambda p, f: [(k, int((g["STATUS"] == "declined").sum()), _rate(g, "approved"))
                   for k, g in between(f, date(2025, 5, 1), date(2025, 5, 31)).groupby("CHANNEL")]),
    ("decline rate by channel for customers in California",
     lambda p, f: [(k, _rate(g, "declined"))
                   for k, g in f.merge(p[["CUSTOMER_ID", "STATE"]], on="CUSTOMER_ID").query("STATE == 'CA'").groupby("CHANNEL")]),
    ("largest transaction and number of declined transactions by channel",
     lambda p, f: [(k, float(g[g["STATUS"] == "approved"]["TRANSACTION_AMOUNT"].astype(float).max()),
                    int((g["STATUS"] == "declined").sum())) for k, g in f.groupby("CHANNEL")]),
    ("average transaction amount and decline rate by channel in 2025",
     lambda p, f: [(k, float(g[g["STATUS"] == "approved"]["TRANSACTION_AMOUNT"].astype(float).mean()), _rate(g, "declined"))
                   for k, g in between(f, date(2025, 1, 1), date(2025, 12, 31)).groupby("CHANNEL")]),
])
def test_conditional_metrics_over_filtered_rows_match_pandas(world, frames, question, expected):
    answer = ask(question, world)
    assert not answer.refused, answer.interpretation
    want = [tuple(plain(v) for v in row) for row in expected(profile(frames), frames["FCT_TRANSACTIONS"])]
    got = [tuple(plain(v) for v in row) for row in answer.rows]
    assert sorted(got, key=repr) == sorted(want, key=repr), answer.interpretation
    assert all(isinstance(v, int) for row in answer.rows for v, label in zip(row, answer.columns)
               if label.endswith("_COUNT") and v is not None)
