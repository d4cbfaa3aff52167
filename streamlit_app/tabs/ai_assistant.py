"""AI Assistant: ask the gold tables and the policy documents in plain English.

A question goes to the agent (`c360_pipeline.agent.RoutingAgent`): data questions to the semantic model's
engine (`semantic.assistant.ask`; on Snowflake optionally Cortex Analyst, whose SQL is checked to be one
read-only SELECT first), policy questions to document search (Cortex Search on Snowflake, BM25 over GOLD.DOCS
locally), mixed questions to both. The answer says which tool answered, shows the SQL and rows of a data answer
and cites the chunk ids of the documents it quotes. Suggested questions come in five categories; the last five
questions asked are kept in a history.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from data_access import AppData, DatabaseBusy, DataUnavailable, csv_bytes

from c360_pipeline.agent import AgentAnswer, RoutingAgent
from c360_pipeline.engine.warehouse import TableMissing, Warehouse
from c360_pipeline.search.service import CortexSearch
from c360_pipeline.semantic.assistant import Answer
from c360_pipeline.semantic.suggestions import SUGGESTED_QUESTIONS
from tabs import chart, figure, plain

HISTORY_KEY = "ai_history"
ANSWER_KEY = "ai_answer"
QUESTION_KEY = "ai_question"
HISTORY_SIZE = 5
# Questions for the documents, and one for both tools (the data suggestions are the semantic model's).
DOCUMENT_QUESTIONS = (
    "What is the late payment fee?",
    "What offer should we make to High Risk customers?",
    "How many customers are in the Declining segment, and what does the playbook say to do for them?",
)


TOOL_LABELS = {"cortex_analyst_text_to_sql": "the data (semantic model)", "cortex_search": "the documents (search)"}


@st.cache_resource(show_spinner=False, max_entries=4)
def _local_search(home: str | None, database: str, stamp: int | None, _session):
    """The local index over GOLD.DOCS as loaded (rebuilt when the database changes); the shipped corpus before the
    first load_docs. Imported here: the retriever's packages exist locally only (Cortex Search answers on Snowflake)."""
    from c360_pipeline.search.local import LocalSearch

    table = f"{database}.GOLD.DOCS"
    try:
        return LocalSearch.from_table(_session, table), f"local search over {table}"
    except Exception:  # GOLD.DOCS is not loaded yet in this home
        return LocalSearch.from_corpus(), "local search over the shipped documents (GOLD.DOCS is not loaded yet: c360 run)"


def _answer(question: str, data: AppData, use_cortex: bool) -> AgentAnswer:
    """The question answered by the agent, in one batch of reads (read-only locally, closed after)."""
    cfg = data.config()
    with data.reading() as session:
        if data.engine == "snowflake":
            search, described = CortexSearch(session, cfg), "Cortex Search"
        else:
            search, described = _local_search(data.home, data.database, data.stamp(), session)
        answer = RoutingAgent(Warehouse.of(session, cfg), search, use_cortex=use_cortex).run(question)
    answer.search_source = described
    return answer


def _submit(question: str) -> None:
    """Remember the question to answer on this run (button callbacks, run before the script reruns)."""
    st.session_state["ai_pending"] = question.strip()


def _submit_typed() -> None:
    typed = st.session_state.get(QUESTION_KEY, "")
    if typed.strip():
        _submit(typed)


def _remember(answer: AgentAnswer) -> None:
    history = [h for h in st.session_state.get(HISTORY_KEY, []) if h["question"] != answer.question]
    history.insert(0, {
        "question": answer.question,
        "answered": not answer.refused,
        "rows": sum(len(a.rows) for a in answer.data if not a.refused),
        "citations": len(answer.citations),
    })
    st.session_state[HISTORY_KEY] = history[:HISTORY_SIZE]


def _suggested_questions() -> None:
    st.markdown("**Suggested questions**")
    for category, tab in zip(SUGGESTED_QUESTIONS, st.tabs(list(SUGGESTED_QUESTIONS))):
        with tab:
            for index, question in enumerate(SUGGESTED_QUESTIONS[category]):
                st.button(question, key=f"ai_suggest_{category.lower()}_{index}", use_container_width=True,
                          on_click=_submit, args=(question,))


def _document_questions() -> None:
    st.markdown("**Policies, definitions — and both at once**")
    for index, (question, column) in enumerate(zip(DOCUMENT_QUESTIONS, st.columns(len(DOCUMENT_QUESTIONS)))):
        with column:
            st.button(question, key=f"ai_docs_suggest_{index}", use_container_width=True, on_click=_submit,
                      args=(question,))


def _chart(answer: Answer, suffix: str = "") -> None:
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
          key=f"ai_chart{suffix}")


def _show(answer: Answer, suffix: str = "") -> None:
    if answer.fallback:
        st.warning(plain(answer.fallback), icon="⚠️")
    if answer.refused:
        st.warning(plain(answer.interpretation))
        if answer.suggestions:
            st.markdown("Questions I can answer that are close to yours:")
            for index, suggestion in enumerate(answer.suggestions):
                st.button(plain(suggestion), key=f"ai_retry{suffix}_{index}", on_click=_submit, args=(suggestion,))
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
    st.dataframe(frame, hide_index=True, use_container_width=True, key=f"ai_result{suffix}")
    st.caption(f"{len(frame):,} row{'s' if len(frame) != 1 else ''} · {answer.seconds:.2f} s · {answer.source} engine")
    _chart(answer, suffix)
    st.download_button("Download CSV", csv_bytes(frame), file_name="c360_answer.csv", mime="text/csv",
                       key=f"ai_download{suffix}")


def _show_documents(answer: AgentAnswer) -> None:
    """The documents' answer, each sentence followed by its chunk id, and the cited chunks."""
    st.markdown("**From the documents**")
    st.markdown(" ".join(f"{plain(sentence)} `[{chunk}]`" for sentence, chunk in answer.passages))
    with st.expander(f"Citations ({len(answer.citations)})", expanded=True):
        for citation in answer.citations:
            st.markdown(f"`{citation.chunk_id}` — {plain(citation.heading)}")
            st.caption(plain(citation.excerpt))


def _show_agent(answer: AgentAnswer) -> None:
    tools = [TOOL_LABELS[t] for t in answer.tools]
    if tools:
        detail = f" · {answer.search_source}" if "cortex_search" in answer.tools and answer.search_source else ""
        st.caption(f"Answered from {' and '.join(tools)}{detail}")
    for index, data_answer in enumerate(answer.data):
        if len(answer.data) > 1:
            st.markdown(f"**{plain(data_answer.question)}**")
        _show(data_answer, "" if index == 0 else f"_{index}")
    if answer.passages:
        _show_documents(answer)
    if answer.unanswered:
        st.info("Not answered (neither the data nor the documents recognise it): "
                + "; ".join(plain(u) for u in answer.unanswered))


def _history() -> None:
    history = st.session_state.get(HISTORY_KEY, [])
    if not history:
        return
    st.markdown("**Recent questions**")
    for index, item in enumerate(history):
        parts = ([f"{item['rows']:,} rows"] if item["rows"] or not item.get("citations") else []) + (
            [f"{item['citations']} citations"] if item.get("citations") else [])
        status = " + ".join(parts) if item["answered"] else "not answered"
        st.button(f"{plain(item['question'])}  ·  {status}", key=f"ai_history_{index}", on_click=_submit,
                  args=(item["question"],))


def render(data: AppData) -> None:
    st.subheader("AI Assistant")
    st.caption("Ask about customers, segments, churn risk, spending and campaigns — or about fees, disputes, "
               "retention offers and definitions — in plain English. Answers are read-only; the SQL shown is what "
               "a data answer computes, and document answers cite the chunks they quote.")
    use_cortex = False
    if data.engine == "snowflake":
        use_cortex = st.checkbox("Use Cortex Analyst (falls back to the built-in engine)", value=True,
                                 key="ai_use_cortex")
    with st.form("ai_form", clear_on_submit=False):
        st.text_input("Your question", key=QUESTION_KEY, placeholder="e.g. average lifetime value by segment")
        st.form_submit_button("Ask", type="primary", key="ai_ask", on_click=_submit_typed)
    _suggested_questions()
    _document_questions()
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
        _show_agent(answer)
    _history()
