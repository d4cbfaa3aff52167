"""The AI Assistant: a question in, an Answer out (interpretation, SQL, rows, chart hint) — read-only, always.

`ask` reads the question with the offline engine (or, on Snowflake when asked to, Cortex Analyst with
the offline engine as fallback), runs the DataFrame and returns an `Answer`. A question that cannot be
mapped comes back refused, with the reason and the closest answerable questions. `ask_command` is the
body of `c360 ask`.
"""

from __future__ import annotations

import json
import math
import time
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

import pandas as pd

from c360_pipeline.config import PipelineConfig
from c360_pipeline.semantic import cortex
from c360_pipeline.semantic.columns import UnsupportedExpression
from c360_pipeline.semantic.engine import (
    DATES,
    QuestionNotUnderstood,
    StructuredQuery,
    UnsafeSql,
    catalog_for,
    check_read_only,
    compile_sql,
    count_labels,
    data_as_of,
    parse_question,
    physical_table,
    resolve_averages,
    to_dataframe,
)
from c360_pipeline.semantic.suggestions import answerable_suggestions, closest_questions
from c360_pipeline.semantic.vocabulary import DATA_VALUED_DIMENSIONS

MAX_BAR_GROUPS = 60


@dataclass
class Answer:
    """One question's answer as the CLI and the app show it."""

    question: str
    interpretation: str
    sql: str | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    chart_hint: dict | None = None
    refused: bool = False
    suggestions: list[str] = field(default_factory=list)
    source: str = "offline"  # offline | cortex
    query: StructuredQuery | None = None
    seconds: float = 0.0
    # Why Cortex Analyst was asked but the built-in engine answered (shown to the user), else None.
    fallback: str | None = None

    @property
    def dataframe(self) -> pd.DataFrame:
        """The result rows as pandas (numbers as float/int, dates as dates)."""
        return pd.DataFrame(self.rows, columns=self.columns)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "interpretation": self.interpretation,
            "sql": self.sql,
            "columns": self.columns,
            "rows": [[_json_value(v) for v in row] for row in self.rows],
            "refused": self.refused,
            "suggestions": self.suggestions,
            "chart": self.chart_hint,
            "source": self.source,
            "fallback": self.fallback,
        }


def _json_value(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def plain_value(value: object) -> object:
    """A result cell as a plain Python value: Decimal → float, numpy scalars → int/float, NaN → None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return None if value.is_nan() else float(value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def chart_hint(query: StructuredQuery | None, rows: list[list]) -> dict | None:
    """Which chart fits: a line over time, bars over categories, a single figure, or none (a list)."""
    if query is None or query.kind == "list" or not rows:
        return None
    if query.groups_counted is not None:
        return {"type": "metric", "y": query.groups_counted[0]}
    if not query.group_by:
        return {"type": "metric", "y": query.measures[0].label}
    x = query.group_by[0]
    hint: dict = {"x": x.label, "y": query.measures[0].label}
    if len(query.group_by) == 2 and len(rows) <= MAX_BAR_GROUPS:
        hint.update(type="bar", color=query.group_by[1].label)
        return hint
    if len(query.group_by) > 2:
        return None
    timelike = x.table == DATES or x.name.endswith(("_month", "_year", "_quarter", "_week"))
    if timelike and x.name not in ("day_name", "month_name"):
        hint["type"] = "line"
        return hint
    if len(rows) <= MAX_BAR_GROUPS:
        hint["type"] = "bar"
        return hint
    return None


def refusal(question: str, reason: str, suggestions: list[str] | None = None) -> Answer:
    """A refusal with the reason and two or three answerable questions: the refusal's own when it names them (what
    the data holds instead), else built from the words recognised."""
    return Answer(question, f"I can't answer that: {reason}", refused=True,
                  suggestions=list(suggestions or [])[:3] or answerable_suggestions(question))


def ask(question: str, warehouse, as_of: date | None = None, use_cortex: bool = False,
        transport: cortex.Transport | None = None) -> Answer:
    """Answer a question over the gold tables of `warehouse` (read-only); refusals carry suggestions."""
    started = time.perf_counter()
    fallback = None
    if use_cortex:
        try:
            answer = _ask_cortex(question, warehouse, transport)
            answer.seconds = time.perf_counter() - started
            return answer
        except (cortex.CortexUnavailable, UnsafeSql, QuestionNotUnderstood) as problem:
            # The built-in engine answers instead, and the answer says so.
            fallback = f"Cortex Analyst was not used ({problem}); the built-in engine answered instead"
    answer = _ask_offline(question, warehouse, as_of)
    answer.fallback = fallback
    answer.seconds = time.perf_counter() - started
    return answer


_DATA_VALUES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def data_values(warehouse) -> tuple[tuple[str, str, str], ...]:
    """The values of the dimensions too many-valued for the model's sample values (DATA_VALUED_DIMENSIONS: the
    customers' cities) as the warehouse's gold tables hold them, (table, dimension, value), read once per warehouse
    (cached; the same tuple each time, so the lexicon that knows them is built once too)."""
    try:
        cached = _DATA_VALUES.get(warehouse)
    except TypeError:
        return ()
    if cached is not None:
        return cached
    found: list[tuple[str, str, str]] = []
    for (table, name), column in DATA_VALUED_DIMENSIONS.items():
        try:
            frame = warehouse.read_or_none("GOLD", table.upper())
            rows = [] if frame is None else frame.select(column).distinct().collect()
        except Exception:  # a warehouse without the table or the column: nothing known beyond the model
            rows = []
        found += sorted((table, name, str(row[0])) for row in rows if row[0] is not None and str(row[0]).strip())
    values = tuple(found)
    _DATA_VALUES[warehouse] = values
    return values


def _ask_offline(question: str, warehouse, as_of: date | None) -> Answer:
    """The offline engine's answer: the question parsed onto the semantic model, compiled and run."""
    as_of_source: date | Callable[[], date | None] = as_of if as_of is not None else (lambda: data_as_of(warehouse))
    try:
        query = resolve_averages(parse_question(question, as_of_source, data_values=data_values(warehouse)), warehouse)
    except QuestionNotUnderstood as problem:
        return refusal(question, problem.reason, problem.suggestions)
    sql = compile_sql(query, database=warehouse.cfg.database)
    try:
        frame = to_dataframe(query, warehouse)
    except UnsupportedExpression as unsupported:
        # e.g. a median of transaction amounts: the fact is aggregated in two passes, and a median does not
        # recombine from partial medians — refused, never approximated (it was an error)
        return refusal(question, f"the engine cannot compute that figure ({unsupported}); ask for an average or a "
                                 "total instead")
    names = query.output_labels
    counts = [i for i, name in enumerate(names) if name in count_labels(query)]
    # collect() rather than to_pandas(): rows come back exactly as computed, on both engines
    rows = [[plain_value(row[i]) for i in range(len(names))] for row in frame.collect()]
    for row in rows:
        for i in counts:
            row[i] = None if row[i] is None else int(row[i])
    return Answer(question, query.describe(), sql, names, rows, chart_hint(query, rows), query=query)


def _ask_cortex(question: str, warehouse, transport: cortex.Transport | None) -> Answer:
    """Cortex Analyst's SQL for the question, run only after it is checked to be one read-only SELECT."""
    cfg = warehouse.cfg
    send = transport or cortex.session_transport(warehouse.session)
    reply = cortex.ask_analyst(question, cortex.stage_path(cfg), send)
    if reply.sql is None:
        return Answer(question, reply.text or "Cortex Analyst could not answer this question", refused=True,
                      suggestions=reply.suggestions or closest_questions(question), source="cortex")
    catalog, _ = catalog_for()
    allowed = {physical_table(catalog, table, cfg.database).upper() for table in catalog.tables}
    allowed |= {f"{cfg.database}.{cfg.gold_schema}.{t.base_table.table}".upper() for t in catalog.model.tables}
    check_read_only(reply.sql, allowed)
    result = warehouse.session.sql(reply.sql.rstrip().rstrip(";"))
    columns = [name.strip('"') for name in result.columns]
    rows = [[plain_value(v) for v in row] for row in result.collect()]
    return Answer(question, reply.text or "Answered by Cortex Analyst", reply.sql, columns, rows, None, source="cortex")


# --- c360 ask ------------------------------------------------------------------------------------

def ask_command(question: str, cfg: PipelineConfig, as_json: bool, console) -> int:
    """`c360 ask "question" [--home DIR] [--json]`: print the interpretation, SQL and result; exit code 0/1/2/3.

    0: answered; 1: refused (the question cannot be mapped onto the semantic model); 2: the gold tables
    are not built yet or the connection failed; 3: a `c360 run` is writing the local database right now.
    The tables are read through a reader session (read-only locally), closed before the answer is printed.
    """
    from c360_pipeline import engine
    from c360_pipeline.engine.sessions import ConnectionProblem, reader_session
    from c360_pipeline.engine.warehouse import TableMissing, Warehouse

    def problem(message: str, code: int) -> int:
        if as_json:
            console.print_json(json.dumps({"error": message}))
        else:
            console.print(f"[red]{message}[/red]")
        return code

    try:
        session = reader_session(cfg)
    except ConnectionProblem as error:
        return problem(str(error), 2)
    except FileNotFoundError:
        return problem(f"there is no local database at {engine.database_file(cfg.home, cfg.database)} yet; "
                       f"build it first with `c360 run --home {cfg.home}`", 2)
    except engine.DatabaseBusy as busy:
        return problem(f"{busy}; ask again then", 3)
    try:
        answer = ask(question, Warehouse.of(session, cfg), use_cortex=cfg.engine == "snowflake")
    except TableMissing as missing:
        return problem(str(missing), 2)
    finally:
        session.close()
    if as_json:
        console.print_json(json.dumps(answer.to_json(), default=str))
    else:
        print_answer(answer, console)
    return 1 if answer.refused else 0


EXIT_WORDS = {"exit", "quit", "q", ":q", "bye"}


def ask_interactive(cfg: PipelineConfig, as_json: bool, console, read_line: Callable[[str], str] = input) -> int:
    """`c360 ask` with no question (or `--interactive`): a prompt loop over one read-only session.

    The session (and on the local engine the database's as-of date) is opened once, so each question
    costs only its own parse and query. An empty line, `exit`/`quit` or end of input ends the loop. The
    read-only session is held until then: a `c360 run` on the same home stops as busy (exit 3) meanwhile.
    Exit code 0, or 2/3 when the tables cannot be opened (as for one question).
    """
    from c360_pipeline import engine
    from c360_pipeline.engine.sessions import ConnectionProblem, reader_session
    from c360_pipeline.engine.warehouse import TableMissing, Warehouse

    try:
        session = reader_session(cfg)
    except ConnectionProblem as error:
        console.print(f"[red]{error}[/red]")
        return 2
    except FileNotFoundError:
        console.print(f"[red]there is no local database at {engine.database_file(cfg.home, cfg.database)} yet; "
                      f"build it first with `c360 run --home {cfg.home}`[/red]")
        return 2
    except engine.DatabaseBusy as busy:
        console.print(f"[red]{busy}; ask again then[/red]")
        return 3
    try:
        warehouse = Warehouse.of(session, cfg)
        as_of = data_as_of(warehouse)
        console.print(f"Ask about the data as of {as_of}; an empty line or 'exit' ends.")
        while True:
            try:
                question = read_line("? ").strip()
            except (EOFError, KeyboardInterrupt):
                break
            if not question or question.lower() in EXIT_WORDS:
                break
            try:
                answer = ask(question, warehouse, as_of=as_of, use_cortex=cfg.engine == "snowflake")
            except TableMissing as missing:
                console.print(f"[red]{missing}[/red]")
                continue
            if as_json:
                console.print_json(json.dumps(answer.to_json(), default=str))
            else:
                print_answer(answer, console)
    finally:
        session.close()
    return 0


def print_answer(answer: Answer, console, max_rows: int = 50) -> None:
    """The answer with rich: interpretation, SQL, then the rows as a table."""
    from rich.markup import escape
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table

    style = "yellow" if answer.refused else "green"
    if answer.fallback:
        console.print(f"[yellow]{escape(answer.fallback)}[/yellow]")
    console.print(Panel(answer.interpretation, title="Interpretation", border_style=style))
    if answer.refused:
        if answer.suggestions:
            console.print("You could ask:")
            for suggestion in answer.suggestions:
                console.print(f"  • {suggestion}")
        return
    if answer.sql:
        console.print(Panel(Syntax(answer.sql, "sql", word_wrap=True), title=f"SQL ({answer.source})"))
    table = Table(show_lines=False)
    for column in answer.columns:
        table.add_column(column)
    for row in answer.rows[:max_rows]:
        table.add_row(*[_display(v) for v in row])
    console.print(table)
    more = f" (first {max_rows} shown)" if len(answer.rows) > max_rows else ""
    console.print(f"{len(answer.rows)} row{'s' if len(answer.rows) != 1 else ''}{more} in {answer.seconds:.2f} s")


def _display(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
