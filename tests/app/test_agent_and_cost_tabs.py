"""The AI Assistant's agent answers and the Cost tab, driven through AppTest over real local databases: a policy
question cites the GOLD.DOCS chunks it quotes, a mixed question shows the figure and the policy, and the Cost tab
shows ESTIMATED credits from OPS.PIPELINE_RUNS (or says which command records them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from app_fixtures import add_docs_and_runs, build_app_warehouse
from streamlit.testing.v1 import AppTest

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse

APP_DIR = Path(__file__).resolve().parents[2] / "streamlit_app"
sys.path.insert(0, str(APP_DIR))

SCRIPT = """
import sys
sys.path.insert(0, {app_dir!r})
import data_access
from tabs import {tab}
{tab}.render(data_access.app_data())
"""


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> dict[str, Path]:
    loaded = tmp_path_factory.mktemp("agent-cost-loaded")
    build_app_warehouse(loaded, customers=30, transactions_per_customer=20, seed=5)
    add_docs_and_runs(loaded)
    bare = tmp_path_factory.mktemp("agent-cost-bare")
    build_app_warehouse(bare, customers=10, transactions_per_customer=5, seed=2)
    return {"loaded": loaded, "bare": bare}


def run_tab(monkeypatch, home: Path, tab: str) -> AppTest:
    monkeypatch.setenv("C360_HOME", str(home))
    app = AppTest.from_string(SCRIPT.format(app_dir=str(APP_DIR), tab=tab), default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def profile(home: Path):
    session = engine.reader_session(home)
    try:
        return Warehouse.of(session, PipelineConfig.build(home=home)).to_pandas("GOLD", "CUSTOMER_360_PROFILE")
    finally:
        session.close()


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def test_a_policy_question_is_answered_from_gold_docs_with_its_citations(monkeypatch, homes):
    app = run_tab(monkeypatch, homes["loaded"], "ai_assistant")
    app.button(key="ai_docs_suggest_0").click().run()  # What is the late payment fee?
    assert not app.exception, [e.value for e in app.exception]
    assert "Answered from the documents (search) · local search over C360.GOLD.DOCS" in captions(app)
    answer = next(m.value for m in app.markdown if "`[" in m.value)
    assert "$29" in answer.replace("\\", "") and "`[fee_policy-4a8beb98]`" in answer
    citations = app.expander[-1]
    assert citations.label.startswith("Citations (")
    assert any("fee_policy-4a8beb98" in m.value for m in citations.markdown)
    assert len(app.dataframe) == 0  # no data answer


def test_a_mixed_question_shows_the_figure_and_the_playbook(monkeypatch, homes):
    app = run_tab(monkeypatch, homes["loaded"], "ai_assistant")
    app.button(key="ai_docs_suggest_2").click().run()  # Declining count, and what the playbook says
    assert not app.exception, [e.value for e in app.exception]
    assert "Answered from the data (semantic model) and the documents (search) · local search over C360.GOLD.DOCS" \
        in captions(app)
    frame = profile(homes["loaded"])
    assert app.dataframe[0].value.iloc[0, 0] == int((frame["CUSTOMER_SEGMENT"] == "Declining").sum())
    assert "SELECT" in app.code[0].value
    assert any("retention_playbook-" in m.value for m in app.markdown)


def test_before_load_docs_the_assistant_searches_the_shipped_documents_and_says_so(monkeypatch, homes):
    app = run_tab(monkeypatch, homes["bare"], "ai_assistant")
    app.text_input(key="ai_question").input("how long does a cardholder have to dispute a charge")
    app.button(key="ai_ask").click().run()
    assert any("shipped documents (GOLD.DOCS is not loaded yet" in c for c in captions(app))
    assert any("dispute_policy-" in m.value for m in app.markdown)


def test_the_cost_tab_shows_estimated_credits_from_the_recorded_step_seconds(monkeypatch, homes):
    app = run_tab(monkeypatch, homes["loaded"], "cost")
    assert "ESTIMATED credits" in app.info[0].value and "1 credit/hour" in app.info[0].value
    metrics = {m.label: m.value for m in app.metric}
    # 3 nights × (1,200 + 600 + 300) s on an XSMALL warehouse (1 credit an hour) = 1.75 credits, all in June
    assert metrics == {"Estimated credits this month": "1.750", "Projected for the month": "1.750",
                       "Monthly budget": "15", "Status": "within budget"}
    steps = app.dataframe[0].value.set_index("STEP")
    assert steps.loc["stage_silver", "CREDITS"] == pytest.approx(1.0) and steps.loc["stage_silver", "RUNS"] == 3
    assert len(app.get("plotly_chart")) == 2


def test_the_cost_tab_without_recorded_runs_names_the_command(monkeypatch, homes):
    app = run_tab(monkeypatch, homes["bare"], "cost")
    assert "c360 run" in app.info[0].value and not app.warning and not app.metric
