"""Document search: Cortex Search's request, response and filter shape, the local BM25 retriever answering it,
the golden questions, and the Snowflake side (the service DDL; the client against a mocked live service)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlglot

from c360_pipeline.config import PipelineConfig
from c360_pipeline.documents import corpus_chunks
from c360_pipeline.documents.step import DOCS_SCHEMA, run_load_docs
from c360_pipeline.search import SearchRequest, search_service
from c360_pipeline.search.evaluation import load_golden, recall_at, reciprocal_rank, score_questions, summary
from c360_pipeline.search.filters import FilterError, matches, validate_filter
from c360_pipeline.search.local import LocalSearch, terms
from c360_pipeline.search.request import ATTRIBUTES
from c360_pipeline.search.service import CortexSearch, create_service_statement

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "search_golden.yaml"
ROW = {"doc_type": "policy", "topic": "fees", "position": 3, "tags": ["a", "b"]}


@pytest.fixture(scope="module")
def corpus_search() -> LocalSearch:
    return LocalSearch.from_corpus()


@pytest.mark.parametrize("spec, expected", [
    ({"@eq": {"doc_type": "policy"}}, True),
    ({"@eq": {"DOC_TYPE": "policy"}}, True),  # attributes resolve case-insensitively, as unquoted names do
    ({"@eq": {"doc_type": "playbook"}}, False),
    ({"@contains": {"tags": "b"}}, True),
    ({"@contains": {"tags": "c"}}, False),
    ({"@contains": {"topic": "fees"}}, True),
    ({"@gte": {"position": 3}}, True),
    ({"@lte": {"position": 2}}, False),
    ({"@and": [{"@eq": {"doc_type": "policy"}}, {"@eq": {"topic": "fees"}}]}, True),
    ({"@and": [{"@eq": {"doc_type": "policy"}}, {"@eq": {"topic": "disputes"}}]}, False),
    ({"@or": [{"@eq": {"topic": "disputes"}}, {"@eq": {"topic": "fees"}}]}, True),
    ({"@not": {"@eq": {"topic": "fees"}}}, False),
    ({"@not": {"@eq": {"missing": "x"}}}, True),
])
def test_filters_evaluate_as_cortex_search_documents_them(spec, expected):
    assert matches(spec, ROW) is expected


@pytest.mark.parametrize("spec, problem", [
    ({"@like": {"doc_type": "p%"}}, "unknown filter operator '@like'"),
    ({"@eq": {"title": "x"}}, "'title' is not an attribute"),
    ({"@and": {"@eq": {"doc_type": "policy"}}}, "@and takes a non-empty list"),
    ({"@eq": {"doc_type": ["policy"]}}, "must be a single value"),
    ({"@eq": {"doc_type": "policy"}, "@not": {}}, "one operator"),
])
def test_malformed_filters_are_refused_naming_the_problem(spec, problem):
    with pytest.raises(FilterError, match=problem):
        validate_filter(spec, ATTRIBUTES)


def test_a_request_is_validated_and_serialises_to_the_query_endpoint_body():
    request = SearchRequest("late fee", ("CHUNK_ID", "title"), {"@eq": {"doc_type": "policy"}}, limit=3)
    assert request.to_json() == {"query": "late fee", "columns": ["chunk_id", "title"], "limit": 3,
                                 "filter": {"@eq": {"doc_type": "policy"}}}
    for bad in (dict(query=" "), dict(query="x", limit=0), dict(query="x", columns=("salary",))):
        with pytest.raises(ValueError):
            SearchRequest(**bad)


def test_local_search_returns_the_requested_columns_best_first(corpus_search):
    response = corpus_search.search(SearchRequest("foreign transaction fee on a Gold card", ("chunk_id", "heading"), limit=3))
    assert [set(r) for r in response.results] == [{"chunk_id", "heading"}] * 3
    assert response.results[0]["heading"] == "Cardholder terms and conditions > Foreign transactions"
    assert response.scores == sorted(response.scores, reverse=True) and response.request_id


def test_a_filter_is_applied_before_ranking(corpus_search):
    unfiltered = corpus_search.search(SearchRequest("late fee", limit=5))
    assert unfiltered.results[0]["topic"] == "fees"
    filtered = corpus_search.search(SearchRequest("late fee", filter={"@not": {"@eq": {"topic": "fees"}}}, limit=5))
    assert filtered.results and all(r["topic"] != "fees" for r in filtered.results)
    playbooks = corpus_search.search(SearchRequest("offer", filter={"@eq": {"doc_type": "playbook"}}, limit=50))
    assert {r["doc_type"] for r in playbooks.results} == {"playbook"}


def test_a_query_sharing_no_term_with_the_documents_finds_nothing(corpus_search):
    assert corpus_search.search(SearchRequest("zebra xylophone", limit=5)).results == []


def test_terms_are_stemmed_without_stop_words_and_identifiers_are_read_as_words():
    assert terms("Disputing the charges") == ["disput", "charg"]
    assert {"churn", "predict"} <= set(terms("CHURN_PREDICTIONS"))


def test_golden_questions_name_chunks_that_exist_under_the_sections_they_list():
    by_id = {c.chunk_id: c for c in corpus_chunks()}
    questions = load_golden(GOLDEN)
    assert len(questions) >= 40 and {q.slice for q in questions} == {"tuned", "held_out"}
    for question in questions:
        assert [by_id[i].heading for i in question.relevant] == list(question.sections), question.question


def test_recall_at_5_meets_the_goal_on_the_golden_questions(corpus_search):
    scored = score_questions(corpus_search, load_golden(GOLDEN), k=5)
    figures = summary(scored)
    assert figures["recall"] >= 0.9, [(s.question.question, s.ranked[:5]) for s in scored if s.recall < 1]
    assert figures["mrr"] >= 0.6


def test_recall_and_reciprocal_rank():
    assert recall_at(["a", "b", "c"], ["c", "d"], 2) == 0.0
    assert recall_at(["a", "b", "c"], ["c", "d"], 3) == 0.5
    assert reciprocal_rank(["a", "b", "c"], ["c"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a"], ["z"]) == 0.0


def test_the_local_service_reads_gold_docs_as_loaded(session, cfg):
    run_load_docs(session, cfg)
    service = search_service(session, cfg)
    assert isinstance(service, LocalSearch) and len(service.rows) == len(corpus_chunks())
    hit = service.search(SearchRequest("how do I file a dispute", limit=1)).results[0]
    assert hit["heading"] == "Transaction dispute and chargeback policy > How to file a dispute"


def test_the_local_service_without_gold_docs_says_which_step_loads_it():
    with pytest.raises(ValueError, match="load_docs"):
        LocalSearch([])


def test_create_service_statement_searches_chunk_filters_on_the_attributes_and_selects_docs_columns():
    cfg = PipelineConfig(database="ANALYTICS", warehouse="REPORTS_WH")
    statement = create_service_statement(cfg)
    assert statement.startswith("CREATE OR REPLACE CORTEX SEARCH SERVICE ANALYTICS.GOLD.DOCS_SEARCH\n  ON chunk\n"
                                "  ATTRIBUTES doc_type, topic\n  WAREHOUSE = REPORTS_WH\n  TARGET_LAG = '1 day'")
    select = sqlglot.parse_one(statement[statement.index("AS (") + 3:], read="snowflake")
    selected = {c.name.upper() for c in select.find_all(sqlglot.exp.Column)}
    assert selected <= {f.name for f in DOCS_SCHEMA.fields} and {"CHUNK", "DOC_TYPE", "TOPIC", "CHUNK_ID"} <= selected
    assert select.find(sqlglot.exp.Table).sql(dialect="snowflake") == "ANALYTICS.GOLD.DOCS"


def test_cortex_search_client_sends_the_request_to_the_service_resource_mocked_live_account():
    calls = []

    class MockedServiceResource:  # stands in for snowflake.core's CortexSearchServiceResource on an account
        def search(self, **arguments):
            calls.append(arguments)
            return SimpleNamespace(results=[{"CHUNK_ID": "fee_policy-4a8beb98", "TITLE": "Fees"}], request_id="r-1")

    client = CortexSearch(None, PipelineConfig(), resource=MockedServiceResource())
    response = client.search(SearchRequest("late fee", ("chunk_id", "title"), {"@eq": {"doc_type": "policy"}}, 2))
    assert calls == [{"query": "late fee", "columns": ["chunk_id", "title"], "filter": {"@eq": {"doc_type": "policy"}},
                      "limit": 2}]
    assert response.results == [{"chunk_id": "fee_policy-4a8beb98", "title": "Fees"}] and response.request_id == "r-1"
