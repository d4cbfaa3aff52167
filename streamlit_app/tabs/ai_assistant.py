"""AI Assistant: ask the gold tables in plain English; see how the question was read, the SQL, rows and a chart.

Questions are answered by `c360_pipeline.semantic.assistant.ask` (the offline engine over the semantic
model; on Snowflake optionally Cortex Analyst, whose SQL is checked to be one read-only SELECT first).
Suggested questions come in five categories; the last five questions asked are kept in a history.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from data_access import AppData, DatabaseBusy, DataUnavailable, csv_bytes

from c360_pipeline.engine.warehouse import TableMissing, Warehouse
from c360_pipeline.semantic.assistant import Answer, ask
from c360_pipeline.semantic.suggestions import SUGGESTED_QUESTIONS
from tabs import chart, figure, plain

HISTORY_KEY = "ai_history"
ANSWER_KEY = "ai_answer"
QUESTION_KEY = "ai_question"
HISTORY_SIZE = 5


def _answer(question: str, data: AppData, use_cortex: bool) -> Answer:
    """The question answered over the gold tables, in one batch of reads (read-only locally, closed after)."""
    with data.reading() as session:
        return ask(question, Warehouse.of(session, data.config()), use_cortex=use_cortex)


def _submit(question: str) -> None:
    """Remember the question to answer on this run (button callbacks, run before the script reruns)."""
    st.session_state["ai_pending"] = question.strip()


def _submit_typed() -> None:
    typed = st.session_state.get(QUESTION_KEY, "")
    if typed.strip():
        _submit(typed)


def _remember(answer: Answer) -> None:
    history = [h for h in st.session_state.get(HISTORY_KEY, []) if h["question"] != answer.question]
    history.insert(0, {
        "question": answer.question,
        "answered": not answer.refused,
        "rows": len(answer.rows),
        "interpretation": answer.interpretation,
    })
    st.session_state[HISTORY_KEY] = history[:HISTORY_SIZE]


def _suggested_questions() -> None:
    st.markdown("**Suggested questions**")
    for category, tab in zip(SUGGESTED_QUESTIONS, st.tabs(list(SUGGESTED_QUESTIONS))):
        with tab:
            for index, question in enumerate(SUGGESTED_QUESTIONS[category]):
                st.button(question, key=f"ai_suggest_{category.lower()}_{index}", use_container_width=True,
                          on_click=_submit, args=(question,))


def _chart(answer: Answer) -> None:
    hint = answer.chart_hint
    if not hint or hint.get("type") == "metric":
        return
    frame = answer.dataframe
    x, y = hint["x"], hint["y"]
    title = f"{y.replace('_', ' ').title()} by {x.replace('_', ' ').title()}"
    if hint["type"] == "line":
        traces = [go.Scatter(x=frame[x].astype(str), y=frame[y], mode="lines+markers", name=y)]
    elif "color" in hint:
        traces = [
            go.Bar(x=part[x].astype(str), y=part[y], name=str(value))
            for value, part in frame.groupby(hint["color"], dropna=False, sort=True)
        ]
    else:
        traces = [go.Bar(x=frame[x].astype(str), y=frame[y], name=y)]
    chart(st, title, figure(traces, x.replace("_", " ").title(), y.replace("_", " ").title(), barmode="group"),
          key="ai_chart")


def _show(answer: Answer) -> None:
    if answer.fallback:
        st.warning(plain(answer.fallback), icon="⚠️")
    if answer.refused:
        st.warning(plain(answer.interpretation))
        if answer.suggestions:
            st.markdown("Questions I can answer that are close to yours:")
            for index, suggestion in enumerate(answer.suggestions):
                st.button(plain(suggestion), key=f"ai_retry_{index}", on_click=_submit, args=(suggestion,))
        return
    st.info(plain(answer.interpretation))
    with st.expander("Generated SQL", expanded=True):
        st.code(answer.sql or "", language="sql")
    frame = answer.dataframe
    if answer.chart_hint and answer.chart_hint.get("type") == "metric" and len(frame) == 1:
        label = answer.chart_hint["y"]
        value = frame.iloc[0][label]
        shown = "—" if value is None else (f"{value:,.2f}" if isinstance(value, float) else f"{value:,}")
        st.metric(label.replace("_", " ").title(), shown)
    st.dataframe(frame, hide_index=True, use_container_width=True, key="ai_result")
    st.caption(f"{len(frame):,} row{'s' if len(frame) != 1 else ''} · {answer.seconds:.2f} s · {answer.source} engine")
    _chart(answer)
    st.download_button("Download CSV", csv_bytes(frame), file_name="c360_answer.csv", mime="text/csv",
                       key="ai_download")


def _history() -> None:
    history = st.session_state.get(HISTORY_KEY, [])
    if not history:
        return
    st.markdown("**Recent questions**")
    for index, item in enumerate(history):
        status = f"{item['rows']:,} rows" if item["answered"] else "not answered"
        st.button(f"{plain(item['question'])}  ·  {status}", key=f"ai_history_{index}", on_click=_submit,
                  args=(item["question"],))


def render(data: AppData) -> None:
    st.subheader("AI Assistant")
    st.caption("Ask about customers, segments, churn risk, spending and campaigns in plain English. "
               "Answers are read-only; the SQL shown is what the answer computes.")
    use_cortex = False
    if data.engine == "snowflake":
        use_cortex = st.checkbox("Use Cortex Analyst (falls back to the built-in engine)", value=True,
                                 key="ai_use_cortex")
    with st.form("ai_form", clear_on_submit=False):
        st.text_input("Your question", key=QUESTION_KEY, placeholder="e.g. average lifetime value by segment")
        st.form_submit_button("Ask", type="primary", key="ai_ask", on_click=_submit_typed)
    _suggested_questions()
    pending = st.session_state.pop("ai_pending", None)
    if pending:
        with st.spinner("Working out the answer…"):
            try:
                answer = _answer(pending, data, use_cortex)
            except (TableMissing, DataUnavailable) as missing:
                st.error(str(missing))
                return
            except DatabaseBusy as busy:
                st.warning(str(busy))
                return
        st.session_state[ANSWER_KEY] = answer
        _remember(answer)
    answer = st.session_state.get(ANSWER_KEY)
    if answer is not None:
        st.markdown(f"**Q: {plain(answer.question)}**")
        _show(answer)
    _history()
