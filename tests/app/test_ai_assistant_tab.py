"""The AI Assistant tab driven through AppTest over a real local database (the test world of test_assistant.py):
click a suggested question, see the SQL, the rows (checked against pandas), the chart and the history."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from assistant_world import build_world, expected_for, plain, rows_of, write_home  # noqa: E402
from streamlit.testing.v1 import AppTest

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic.suggestions import SUGGESTED_QUESTIONS

APP_DIR = Path(__file__).resolve().parents[2] / "streamlit_app"
sys.path.insert(0, str(APP_DIR))

import tabs.ai_assistant as ai_assistant  # noqa: E402  (the same module the script imports)

SCRIPT = f"""
import sys
sys.path.insert(0, {str(APP_DIR)!r})
import data_access
from tabs import ai_assistant
ai_assistant.render(data_access.app_data())
"""
WIDGET_KINDS = ("button", "text_input", "checkbox", "download_button")


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    frames = build_world()
    home = tmp_path_factory.mktemp("assistant-tab")
    write_home(PipelineConfig.build(home=home), frames)  # the writer is closed again: the app only reads
    return home, frames


@pytest.fixture()
def app(monkeypatch, home) -> AppTest:
    monkeypatch.setenv("C360_HOME", str(home[0]))
    app = AppTest.from_string(SCRIPT, default_timeout=120)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def suggestion_key(question: str) -> str:
    for category, questions in SUGGESTED_QUESTIONS.items():
        if question in questions:
            return f"ai_suggest_{category.lower()}_{questions.index(question)}"
    raise KeyError(question)


def shown_rows(app: AppTest) -> list[tuple]:
    return [tuple(plain(v) for v in row) for row in app.dataframe[0].value.itertuples(index=False, name=None)]


def history(app: AppTest) -> list[str]:
    return [b.label.split("  ·  ")[0].replace("\\", "") for b in app.button if b.key and b.key.startswith("ai_history_")]


def test_suggested_questions_in_five_categories_and_every_widget_has_a_key(app):
    assert [t.label for t in app.tabs] == list(SUGGESTED_QUESTIONS)
    labels = {b.label for b in app.button}
    assert all(q in labels for qs in SUGGESTED_QUESTIONS.values() for q in qs)
    widgets = [w for kind in WIDGET_KINDS for w in getattr(app, kind, [])]
    assert len(widgets) >= 21 and [w for w in widgets if not w.key] == []
    assert app.text_input(key="ai_question") is not None


def test_clicking_a_suggestion_shows_sql_rows_and_history(app, home, mocker):
    exported = mocker.spy(ai_assistant, "csv_bytes")
    question = "Which customers are at highest risk of churning?"
    app.button(key=suggestion_key(question)).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "SELECT" in app.code[0].value and "High Risk" in app.code[0].value
    expected = expected_for(question, home[1])
    assert list(app.dataframe[0].value.columns) == list(expected.columns)
    assert shown_rows(app) == rows_of(expected)
    assert history(app) == [question]
    csv = pd.read_csv(io.BytesIO(exported.spy_return))
    assert list(csv["CUSTOMER_ID"]) == list(expected["CUSTOMER_ID"])


def test_typed_question_answers_and_a_grouped_answer_gets_a_chart(app, home):
    app.text_input(key="ai_question").input("average lifetime value by segment")
    app.button(key="ai_ask").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert shown_rows(app) == rows_of(expected_for("What is the average lifetime value by segment?", home[1]))
    assert len(app.get("plotly_chart")) == 1
    assert history(app) == ["average lifetime value by segment"]


def test_history_keeps_the_last_five_newest_first(app):
    asked = ["How many customers are in each segment?", "Which states have the most customers?",
             "What is the average lifetime value by state?", "How many Platinum cardholders are high risk?",
             "What is the average churn risk score by segment?", "What is the average tenure in months by segment?"]
    for question in asked:
        app.button(key=suggestion_key(question)).click().run()
    assert history(app) == list(reversed(asked))[:5]
    # asking again from the history answers it again and moves it to the top
    app.button(key="ai_history_4").click().run()
    assert history(app)[0] == "Which states have the most customers?"
    assert app.markdown and any("Which states have the most customers?" in m.value for m in app.markdown)


def test_unanswerable_question_is_refused_with_clickable_suggestions(app, home):
    app.text_input(key="ai_question").input("What is the average salary by segment?")
    app.button(key="ai_ask").click().run()
    assert "salary" in app.warning[0].value
    assert len(app.dataframe) == 0
    retry = [b for b in app.button if b.key and b.key.startswith("ai_retry_")]
    assert len(retry) == 3
    retry[0].click().run()
    assert not app.warning and len(app.dataframe) == 1


def test_injection_text_changes_nothing_and_is_not_an_error(app, home):
    def profile_rows() -> pd.DataFrame:
        session = engine.reader_session(home[0])
        try:
            frame = Warehouse.of(session, PipelineConfig.build(home=home[0])).to_pandas("GOLD", "CUSTOMER_360_PROFILE")
        finally:
            session.close()
        return frame.sort_values("CUSTOMER_ID", ignore_index=True)

    before = profile_rows()
    app.text_input(key="ai_question").input("'; DROP TABLE C360.GOLD.CUSTOMER_360_PROFILE; --")
    app.button(key="ai_ask").click().run()
    assert not app.exception and app.warning
    pd.testing.assert_frame_equal(profile_rows(), before)


def test_question_text_is_echoed_as_typed_not_as_markdown(app):
    app.text_input(key="ai_question").input("[click](http://example.com) **now**")
    app.button(key="ai_ask").click().run()
    from tabs import plain

    echoed = [m.value for m in app.markdown if m.value.startswith("**Q:")]
    assert echoed == [f"**Q: {plain('[click](http://example.com) **now**')}**"]
    assert "\\[click\\]" in echoed[0] and "\\*\\*now" in echoed[0]
