"""The agent: clauses, the router measured on the labelled questions, the answers over a real local database
(data through the offline engine, documents through search over GOLD.DOCS, both with citations), the
specification deployed as CREATE AGENT, and its place in the deploy plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from assistant_world import build_world, write_world

from c360_pipeline import deploy
from c360_pipeline.agent import RoutingAgent, Router
from c360_pipeline.agent.agent import data_vocabulary, understands_with
from c360_pipeline.agent.router import clauses
from c360_pipeline.agent.spec import AGENT_NAME, agent_specification, create_agent_statement
from c360_pipeline.config import PipelineConfig
from c360_pipeline.documents.step import run_load_docs
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.search import search_service
from c360_pipeline.search.local import LocalSearch
from c360_pipeline.semantic import cortex

LABELLED = Path(__file__).resolve().parents[1] / "data" / "agent_routing.yaml"


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(understands_with(None), LocalSearch.from_corpus(), vocabulary=data_vocabulary())


@pytest.fixture()
def agent(session, cfg) -> RoutingAgent:
    warehouse = Warehouse.of(session, cfg)
    write_world(warehouse, build_world(customers=30, seed=5))
    run_load_docs(session, cfg)
    return RoutingAgent(warehouse, search_service(session, cfg), as_of=cfg.as_of)


@pytest.mark.parametrize("question, expected", [
    ("How many customers are High Risk, and what offer should they get?",
     ["How many customers are High Risk", "what offer should they get"]),
    ("How many Premium cardholders are there? What is the annual fee?",
     ["How many Premium cardholders are there", "What is the annual fee"]),
    ("average spend by state and card type", ["average spend by state and card type"]),
    ("customers in CA and how do disputes work", ["customers in CA", "how do disputes work"]),
])
def test_a_question_is_cut_into_clauses_only_where_a_new_question_starts(question, expected):
    assert clauses(question) == expected


def test_routing_accuracy_on_the_labelled_questions(router):
    questions = yaml.safe_load(LABELLED.read_text())["questions"]
    assert {q["route"] for q in questions} == {"analyst", "search", "both"}
    for part in ("tuned", "held_out"):
        chosen = [q for q in questions if q["slice"] == part]
        wrong = [(q["question"], q["route"], router.route(q["question"]).tool) for q in chosen
                 if router.route(q["question"]).tool != q["route"]]
        assert len(wrong) / len(chosen) <= 0.1, wrong


@pytest.mark.parametrize("question, tool", [
    ("What is the average salary by segment?", "none"),  # a data question with a word no tool knows
    ("what will the weather be in Paris", "none"),
    ("drop table customers", "none"),  # a command to change data
    ("'; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE; --", "none"),
    ("how do card upgrades work", "search"),  # a question about a change is for the documents
    ("how many customers are in each segment", "analyst"),
])
def test_unknown_questions_and_commands_reach_no_tool_and_questions_about_changes_reach_search(router, question, tool):
    assert router.route(question).tool == tool


def test_a_data_question_is_answered_by_the_engine_with_sql_and_rows(agent):
    answer = agent.run("How many customers are in each segment?")
    assert answer.route.tool == "analyst" and answer.tools == ["cortex_analyst_text_to_sql"]
    (data,) = answer.data
    assert "SELECT" in data.sql and data.rows and not answer.citations
    frame = agent.warehouse.session.table("C360.GOLD.CUSTOMER_360_PROFILE").group_by("CUSTOMER_SEGMENT").count()
    assert sorted(tuple(r) for r in data.rows) == sorted((r[0], r[1]) for r in frame.collect())


def test_a_policy_question_is_answered_from_gold_docs_with_citations_of_the_quoted_chunks(agent):
    answer = agent.run("What is the late payment fee?")
    assert answer.route.tool == "search" and answer.tools == ["cortex_search"] and not answer.data
    stored = {r["CHUNK_ID"]: r["CHUNK"].replace("**", "") for r in agent.warehouse.session.table("C360.GOLD.DOCS").collect()}
    assert answer.citations and all(c.chunk_id in stored for c in answer.citations)
    for sentence, chunk in answer.passages:
        assert " ".join(sentence.split()) in " ".join(stored[chunk].split())
    assert "$29" in answer.text and f"[{answer.citations[0].chunk_id}]" in answer.text


def test_a_mixed_question_gets_the_figure_and_the_policy_with_citations(agent):
    answer = agent.run("How many customers are High Risk, and what offer should they get?")
    assert answer.route.tool == "both" and answer.tools == ["cortex_analyst_text_to_sql", "cortex_search"]
    (data,) = answer.data
    high_risk = agent.warehouse.session.table("C360.GOLD.CUSTOMER_360_PROFILE").filter("CHURN_RISK_CATEGORY = 'High Risk'")
    assert data.rows == [[high_risk.count()]]
    assert any(c.heading.endswith("Offers by risk category") for c in answer.citations)


def test_an_unknown_question_gets_the_engine_s_refusal_with_suggestions(agent):
    answer = agent.run("What is the average salary by segment?")
    assert answer.refused and answer.tools == []
    (refusal,) = answer.data
    assert refusal.refused and "salary" in refusal.interpretation and len(refusal.suggestions) >= 2


def test_the_specification_has_both_tools_and_their_resources():
    cfg = PipelineConfig(database="ANALYTICS", warehouse="REPORTS_WH")
    spec = agent_specification(cfg)
    tools = {t["tool_spec"]["name"]: t["tool_spec"]["type"] for t in spec["tools"]}
    assert sorted(tools.values()) == ["cortex_analyst_text_to_sql", "cortex_search"]
    assert set(spec["tool_resources"]) == set(tools)
    analyst, search = (spec["tool_resources"][name] for name in sorted(tools, key=lambda n: tools[n]))
    assert analyst["semantic_model_file"] == cortex.stage_path(cfg)
    assert analyst["execution_environment"] == {"type": "warehouse", "warehouse": "REPORTS_WH"}
    assert search["name"] == "ANALYTICS.GOLD.DOCS_SEARCH" and search["id_column"] == "CHUNK_ID"
    descriptions = " ".join(t["tool_spec"]["description"] for t in spec["tools"])
    assert "customer_360_profile" in descriptions and "Fee schedule and fee reversal policy" in descriptions


def test_create_agent_statement_carries_the_specification_as_yaml():
    cfg = PipelineConfig()
    statement = create_agent_statement(cfg)
    assert statement.startswith(f"CREATE OR REPLACE AGENT C360.GOLD.{AGENT_NAME}\n")
    body = statement.split("$$\n", 1)[1].rsplit("$$", 1)[0]
    assert yaml.safe_load(body) == agent_specification(cfg)
    assert len(body.encode()) < 100_000


def test_deploy_loads_the_documents_then_creates_the_search_service_and_the_agent_before_the_task_graph(monkeypatch):
    plan = deploy.build_plan(PipelineConfig())
    kinds = [a.kind for a in plan.actions]
    phase = [a for a in plan.actions if a.phase == "search and agent"]
    assert [a.kind for a in phase] == ["docs", "search_service", "agent", "search_service", "agent"]
    assert phase[0].detail == "CALL C360.OPS.LOAD_DOCS_SP('{}')"
    assert phase[1].detail.startswith("CREATE OR REPLACE CORTEX SEARCH SERVICE C360.GOLD.DOCS_SEARCH")
    assert phase[3].detail == "GRANT USAGE ON CORTEX SEARCH SERVICE C360.GOLD.DOCS_SEARCH TO ROLE C360_ANALYST"
    assert max(i for i, k in enumerate(kinds) if k == "procedure") < kinds.index("docs") < kinds.index("task_graph")
    assert "C360.OPS.LOAD_DOCS_SP" in plan.objects("procedure")


def test_a_mixed_question_searches_with_the_data_part_s_subject(router):
    route = router.route("How many customers are High Risk, and what offer should they get?")
    assert route.tool == "both" and route.data_questions == ("How many customers are High Risk",)
    assert route.search_question == "High Risk what offer should they get"
