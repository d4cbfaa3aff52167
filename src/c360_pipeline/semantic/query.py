"""The structured query a question becomes, and the semantic model as the engine sees it.

`StructuredQuery` (metrics, group-by dimensions, filters, time range, having, order, limit) is what the
grammar produces and what compile_sql / to_dataframe consume. `Catalog` indexes the engine's tables
(the profile, the transactions fact and its date and merchant-category dimensions) by logical name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Literal

from sqlglot import exp

from c360_pipeline.semantic.model import DIALECT, SemanticModel, Table, load_model, parse_expression
from c360_pipeline.semantic.vocabulary import ENGINE_TABLES, Lexicon, build_lexicon, with_data_values

PROFILE = "customer_360_profile"
FACT = "fct_transactions"
DATES = "dim_date"
CATEGORIES = "dim_merchant_category"
ALIASES = {PROFILE: "p", FACT: "t", DATES: "d", CATEGORIES: "m"}
LIST_LIMIT = 100
# The fact's days are filtered and grouped through its integer DATE_KEY (yyyymmdd).
FACT_DATE_KEY = "DATE_KEY"
# Identity columns shown first when rows of a table are listed, and its primary key (tie-breaker).
LIST_COLUMNS = {
    PROFILE: ("customer_id", "full_name"),
    FACT: ("transaction_id", "transaction_customer_id", "transaction_date", "merchant_name", "merchant_category",
           "channel", "status", "transaction_amount"),
}
PRIMARY_KEY = {PROFILE: "customer_id", FACT: "transaction_id"}
# Facts stored as fractions (0.25 = 25%): "over 25%" compares with 0.25.
FRACTION_FACTS = {"spend_change_pct", "travel_share", "necessities_share", "churn_probability", "mom_spend_change_pct"}
CHANGE_FACTS = ("spend_change_pct", "mom_spend_change_pct")
# Summary used when a fact is asked "by X" without saying how to aggregate it.
DEFAULT_AGGREGATION = {"transaction_amount": "sum"}
AGGREGATION_WORDS = {"avg": "AVG", "sum": "SUM", "median": "MEDIAN", "max": "MAX", "min": "MIN"}
AGGREGATION_TITLES = {"AVG": "average", "SUM": "total", "MEDIAN": "median", "MAX": "maximum", "MIN": "minimum",
                      "COUNT_DISTINCT": "number of distinct"}
GRAIN_WORDS = {"day": "day", "date": "day", "daily": "day", "week": "week", "weekly": "week", "month": "month",
               "monthly": "month", "quarter": "quarter", "quarterly": "quarter", "year": "year", "yearly": "year",
               "annual": "year", "annually": "year", "weekday": "weekday"}
# Grains of the fact, answered through DIM_DATE columns.
FACT_GRAINS = {"day": "calendar_date", "week": "week_start", "month": "year_month", "quarter": "year_quarter", "year": "year",
               "weekday": "day_name"}
# Grains of a date column of the profile, as SQL over that column.
DATE_GRAINS = {"week": "DATE_TRUNC('WEEK', {c})", "month": "TO_CHAR({c}, 'YYYY-MM')", "year": "YEAR({c})",
               "quarter": "CONCAT(TO_VARCHAR(YEAR({c})), '-Q', TO_VARCHAR(QUARTER({c})))"}

OPS_TEXT = {">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "equal to", "!=": "not equal to",
            "between": "between"}


class QuestionNotUnderstood(ValueError):
    """The question cannot be mapped onto the semantic model; carries the reason and suggestions."""

    def __init__(self, reason: str, suggestions: Iterable[str] = ()):
        super().__init__(reason)
        self.reason = reason
        self.suggestions = list(suggestions)
        self.unknown: list[str] = []  # words of the question the engine does not know (when that is the reason)


# --- the structured query ------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldRef:
    """A column of a logical table as the query uses it: its SQL expression and output label."""

    table: str
    name: str
    kind: str  # dimension | time_dimension | fact
    expr: str
    label: str
    data_type: str = ""
    title: str = ""

    @property
    def is_date(self) -> bool:
        return self.data_type.upper() in ("DATE", "TIMESTAMP", "TIMESTAMP_NTZ")


@dataclass(frozen=True)
class Measure:
    """An aggregate the query returns: a metric of the model or an aggregation of a fact."""

    label: str
    table: str
    expr: str
    title: str
    metric: str | None = None
    of_total: bool = False  # each group's value as a fraction of the sum over every group ("share by segment")
    # each period's value as a change from the previous period of the answer's one calendar grain
    # ("month over month change in total spend"): value / previous value - 1, a fraction (none for the first)
    change_from_previous: bool = False


@dataclass(frozen=True)
class AverageOf:
    """A comparison's value that is a customer figure's average over every customer ("ltv above average"): computed
    by the engine before the question's query runs and bound to it as a literal (engine.resolve_averages)."""

    expr: str
    title: str

    def __str__(self) -> str:
        return f"the average {self.title} of every customer"


@dataclass(frozen=True)
class Condition:
    """A row filter: a field compared with literal values, or a named filter of the model."""

    table: str
    op: str  # in | not_in | > | >= | < | <= | = | != | between | true | false | filter | not_filter
    values: tuple = ()
    field: FieldRef | None = None
    filter_name: str | None = None
    filter_expr: str | None = None
    title: str = ""


@dataclass(frozen=True)
class TimeRange:
    """Inclusive calendar days on a time column (the fact's DATE_KEY or a date of the profile)."""

    table: str
    field: FieldRef
    start: date
    end: date
    text: str


@dataclass(frozen=True)
class Having:
    label: str
    op: str
    values: tuple


@dataclass(frozen=True)
class OrderBy:
    label: str
    descending: bool


@dataclass(frozen=True)
class StructuredQuery:
    """What a question asks, in the semantic model's terms; compiled to SQL text and to a DataFrame."""

    kind: Literal["aggregate", "list"]
    base_table: str
    measures: tuple[Measure, ...] = ()
    group_by: tuple[FieldRef, ...] = ()
    columns: tuple[FieldRef, ...] = ()
    conditions: tuple[Condition, ...] = ()
    time_range: TimeRange | None = None
    having: tuple[Having, ...] = ()
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    notes: tuple[str, ...] = ()
    # each customer's figure over a period or a kind of transaction ("average spend per customer last quarter"): an
    # aggregate over the transactions grouped by customer, its one measure joined onto the profile as a column (0 for
    # customers it has no row for) that the measures average
    per_customer: StructuredQuery | None = None
    # the first `limit` rows within each of these groups ("top 5 transactions by amount by channel"): a rank per group
    # in the order of order_by (ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)), instead of `limit` rows overall
    within: tuple[FieldRef, ...] = ()
    # a change from the previous period over a time range ("mom change in spend in q2"): the range starts one period
    # early, so that its first period has a previous one, and the answer shows the periods from this one on
    # (the grouped period's label, its first value shown)
    shown_from: tuple[str, object] | None = None
    # the groups kept counted ("how many merchants had 1,000 or more transactions"): one row, the number of the groups
    # the query's HAVING keeps (COUNT(*) over its rows), under this label (plus the title it is shown with)
    groups_counted: tuple[str, str] | None = None

    @property
    def output_labels(self) -> list[str]:
        if self.kind == "list":
            return [c.label for c in self.columns]
        if self.groups_counted is not None:
            return [self.groups_counted[0]]
        return [g.label for g in self.group_by] + [m.label for m in self.measures]

    def tables(self) -> set[str]:
        used = {self.base_table}
        used |= {g.table for g in self.group_by} | {c.table for c in self.columns}
        used |= {c.table for c in self.conditions} | {m.table for m in self.measures}
        if self.time_range is not None:
            used.add(self.time_range.table)
        return used

    def describe(self) -> str:
        """A plain-English restatement: what is measured, over which rows, how it is grouped and ordered."""
        parts: list[str] = []
        if self.kind == "list":
            noun = "Customers" if self.base_table == PROFILE else "Transactions"
            shown = ", ".join(c.title for c in self.columns)
            parts.append(f"{noun} ({shown})")
        elif self.groups_counted is not None:
            parts.append(_capitalise(f"{self.groups_counted[1]}, counting each {' and '.join(g.title for g in self.group_by)} "
                                     f"by its {' and '.join(m.title for m in self.measures)}"))
        else:
            parts.append(_capitalise(" and ".join(m.title for m in self.measures)))
            if self.group_by:
                parts.append("by " + " and ".join(g.title for g in self.group_by))
        filters = [c.title for c in self.conditions]
        if filters:
            parts.append("where " + " and ".join(filters))
        if self.time_range is not None:
            parts.append(f"for {self.time_range.field.title} in {self.time_range.text}")
        if self.having:
            parts.append("keeping " + " and ".join(
                f"{_title(h.label)} {OPS_TEXT[h.op]} {' and '.join(_format_value(v) for v in h.values)}" for h in self.having
            ))
        if self.order_by:
            first = self.order_by[0]
            direction = "highest first" if first.descending else "lowest first"
            parts.append(f"sorted by {_title(first.label)} ({direction})")
        if self.within:
            first = "the first" if self.limit == 1 else f"the first {self.limit}"
            parts.append(f"{first} within each {' and '.join(g.title for g in self.within)}")
        elif self.limit is not None:
            parts.append(f"top {self.limit}" if self.order_by and self.limit < LIST_LIMIT else f"up to {self.limit} rows")
        text = ", ".join(parts) + "."
        if self.notes:
            text += " " + " ".join(self.notes)
        return text

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "base_table": self.base_table,
            "measures": [m.label for m in self.measures],
            "group_by": [g.label for g in self.group_by],
            "columns": [c.label for c in self.columns],
            "filters": [c.title for c in self.conditions],
            "time_range": None if self.time_range is None else {
                "column": self.time_range.field.label, "start": self.time_range.start.isoformat(),
                "end": self.time_range.end.isoformat()},
            "having": [{"label": h.label, "op": h.op, "values": list(h.values)} for h in self.having],
            "order_by": [{"label": o.label, "descending": o.descending} for o in self.order_by],
            "limit": self.limit,
        } | ({} if self.per_customer is None else {"per_customer": self.per_customer.to_dict()}) \
            | ({"within": [g.label for g in self.within]} if self.within else {}) \
            | ({"groups_counted": self.groups_counted[0]} if self.groups_counted else {})


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(label: str) -> str:
    return label.lower().replace("_", " ")


def _format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- the model as the engine sees it -------------------------------------------------------------

class Catalog:
    """Fields, metrics, filters and joins of the engine's tables, looked up by logical name."""

    def __init__(self, model: SemanticModel):
        self.model = model
        self.tables: dict[str, Table] = {t.name: t for t in model.tables if t.name in ENGINE_TABLES}
        self.fields: dict[tuple[str, str], FieldRef] = {}
        for table in self.tables.values():
            for kind, items in (("dimension", table.dimensions), ("time_dimension", table.time_dimensions),
                                ("fact", table.facts)):
                for item in items:
                    self.fields[(table.name, item.name)] = FieldRef(
                        table.name, item.name, kind, item.expr, item.name.upper(), item.data_type, _title(item.name)
                    )
        self.metrics = {(t.name, m.name): m for t in self.tables.values() for m in t.metrics}
        self.filters = {(t.name, f.name): f for t in self.tables.values() for f in t.filters}
        self.joins: dict[tuple[str, str], tuple[str, str]] = {}
        for relationship in model.relationships:
            if relationship.left_table in self.tables and relationship.right_table in self.tables:
                key = relationship.relationship_columns[0]
                self.joins[(relationship.left_table, relationship.right_table)] = (key.left_column, key.right_column)
        self._canonical_metrics = {
            (table, _canonical(metric.expr)): name for (table, name), metric in self.metrics.items()
        }
        # metrics that aggregate a fact over the rows the model counts ("average_transaction_amount":
        # AVG(IFF(STATUS = 'approved', TRANSACTION_AMOUNT, NULL))), by the plain aggregation they stand for
        # (when several do, as total_spend and declined_amount both sum the amount, the rows most of the table's
        # metrics count are the model's convention)
        counted: dict[tuple[str, str], list[tuple[str, frozenset[str], str]]] = {}
        conventions: dict[tuple[str, str], int] = {}
        for (table, name), metric in self.metrics.items():
            plain = _counted_rows_of(metric.expr)
            if plain is not None:
                counted.setdefault((table, plain[0]), []).append((metric.expr, plain[1], plain[2]))
                conventions[(table, plain[2])] = conventions.get((table, plain[2]), 0) + 1
        self._counted: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
        for (table, plain), found in counted.items():
            ranked = sorted(found, key=lambda f: -conventions[(table, f[2])])
            if len(ranked) == 1 or conventions[(table, ranked[0][2])] > conventions[(table, ranked[1][2])]:
                self._counted[(table, plain)] = (ranked[0][0], ranked[0][1])

    def field(self, table: str, name: str) -> FieldRef:
        return self.fields[(table, name)]

    def reachable(self, base: str) -> set[str]:
        """Tables whose columns a query over `base` can use (itself and its many-to-one parents)."""
        return {base} | {right for (left, right) in self.joins if left == base}

    def per_customer(self, figure: Measure, conditions=(), time_range: "TimeRange | None" = None) -> "StructuredQuery":
        """Each customer's `figure` over their transactions (of the conditions and period given): the per-customer
        query a customer question joins onto the profile (StructuredQuery.per_customer)."""
        return StructuredQuery("aggregate", FACT, measures=(figure,), group_by=(self.field(PROFILE, "customer_id"),),
                               conditions=tuple(conditions), time_range=time_range)

    def metric_measure(self, table: str, name: str) -> Measure:
        metric = self.metrics[(table, name)]
        return Measure(name.upper(), table, metric.expr, _title(name), name)

    def counted_rows(self, measure: Measure, filtered: set[str]) -> Measure:
        """A plain aggregation of a fact (`AVG(TRANSACTION_AMOUNT)` of "avg travel txn amount") over the rows the
        model's own metrics of it count (approved transactions: AVG(IFF(STATUS = 'approved', …))), unless the
        question filters the column that decides those rows itself ("total amount of declined transactions")."""
        if measure.metric is not None:
            return measure
        try:
            found = self._counted.get((measure.table, _canonical(measure.expr)))
        except Exception:
            return measure
        if found is None or found[1] & filtered:
            return measure
        return replace(measure, expr=found[0])

    def amount_of_count(self, measure: Measure) -> Measure | None:
        """The model's sum of amounts over the rows a count metric counts (COUNT_IF(STATUS = 'declined') ->
        declined_amount, SUM(IFF(STATUS = 'declined', TRANSACTION_AMOUNT, 0))); None when it has no such metric."""
        if measure.metric is None:
            return None
        tree = parse_expression(measure.expr)
        if not isinstance(tree, exp.CountIf):
            return None
        condition = tree.this.sql(dialect=DIALECT).upper()
        sums = [name for (table, name), metric in self.metrics.items() if table == measure.table
                and (plain := _counted_rows_of(metric.expr)) is not None and plain[0].startswith("SUM(") and plain[2] == condition]
        return self.metric_measure(measure.table, sums[0]) if len(sums) == 1 else None

    def aggregate_measure(self, function: str, fact: FieldRef) -> Measure:
        """AVG/SUM/... of a fact, named after an existing metric when the model has the same one."""
        if function == "COUNT_DISTINCT" and fact.table == FACT and fact.name != "status":
            # "distinct merchants": those of the approved transactions, as every figure of the transactions counts
            # (an explicit status filter counts what it keeps instead: Assembly)
            expr = f"COUNT(DISTINCT IFF(STATUS = 'approved', {fact.expr}, NULL))"
        elif function == "COUNT_DISTINCT":
            expr = f"COUNT(DISTINCT {fact.expr})"
        else:
            expr = f"{function}({fact.expr})"
        existing = self._canonical_metrics.get((fact.table, _canonical(expr)))
        if existing:
            return self.metric_measure(fact.table, existing)
        prefix = {"AVG": "AVERAGE", "SUM": "TOTAL", "COUNT_DISTINCT": "DISTINCT"}.get(function, function)
        label = f"{prefix}_{fact.name.upper()}" if function != "COUNT_DISTINCT" else f"NUMBER_OF_{plural(fact.name).upper()}"
        return Measure(label, fact.table, expr, f"{AGGREGATION_TITLES[function]} {fact.title}")


def plural(noun: str) -> str:
    """The plural of a column's noun for labels ("merchant_category" → "merchant_categories", "city" → "cities")."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def _counted_rows_of(expression: str) -> tuple[str, frozenset[str], str] | None:
    """For `F(IFF(condition, fact, NULL or 0))`: the plain `F(fact)` (canonical), the condition's columns and the
    condition (canonical)."""
    tree = parse_expression(expression)
    if not isinstance(tree, (exp.Sum, exp.Avg, exp.Max, exp.Min)) or not isinstance(tree.this, exp.If):
        return None
    value, default = tree.this.args.get("true"), tree.this.args.get("false")
    if not isinstance(value, exp.Column) or not (
            default is None or isinstance(default, exp.Null) or (isinstance(default, exp.Literal) and default.this == "0")):
        return None
    plain = tree.copy()
    plain.set("this", value.copy())
    condition = tree.this.this
    return (plain.sql(dialect=DIALECT).upper(), frozenset(c.name.upper() for c in condition.find_all(exp.Column)),
            condition.sql(dialect=DIALECT).upper())


def _canonical(expression: str) -> str:
    return parse_expression(expression).sql(dialect=DIALECT).upper()


_CATALOGS: dict[int, tuple[SemanticModel, Catalog, Lexicon]] = {}


_VALUED: dict[tuple[int, int], tuple[Lexicon, tuple, Lexicon]] = {}


def catalog_for(model: SemanticModel | None = None,
                data_values: tuple[tuple[str, str, str], ...] = ()) -> tuple[Catalog, Lexicon]:
    """The (cached) catalog and lexicon of a model (the packaged model by default); with values read from a
    warehouse's data (assistant.data_values: (table, dimension, value)), the lexicon that knows them too (cached per
    values read, so per warehouse)."""
    model = model or load_model()
    cached = _CATALOGS.get(id(model))
    if cached is None or cached[0] is not model:
        cached = (model, Catalog(model), build_lexicon(model))
        _CATALOGS[id(model)] = cached
    if not data_values:
        return cached[1], cached[2]
    lexicon = cached[2]
    valued = _VALUED.get((id(lexicon), id(data_values)))
    if valued is None or valued[0] is not lexicon or valued[1] is not data_values:
        from c360_pipeline.semantic.timeranges import MONTHS
        from c360_pipeline.semantic.words import NEGATIONS, STOPWORDS, STRUCTURAL

        if len(_VALUED) > 8:
            _VALUED.clear()
        reserved = STOPWORDS | STRUCTURAL | NEGATIONS | set(MONTHS)
        valued = (lexicon, data_values, with_data_values(lexicon, data_values, reserved))
        _VALUED[(id(lexicon), id(data_values))] = valued
    return cached[1], valued[2]


def sql_literal(value: object) -> exp.Expression:
    """A structured query's value as a SQL literal (never text pasted into SQL)."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def qualified_expression(text: str, alias: str | None) -> exp.Expression:
    """A model expression parsed, its columns qualified by `alias` (left unqualified without one)."""
    tree = parse_expression(text)
    if alias is not None:
        for column in tree.find_all(exp.Column):
            column.set("table", exp.to_identifier(alias))
    return tree


def condition_sql(condition: "Condition", alias: str | None = None) -> exp.Expression:
    """A condition as a Snowflake predicate, its columns qualified by `alias` (unqualified without);
    its values are literals built from the structured query."""

    def expression(text: str) -> exp.Expression:
        return qualified_expression(text, alias)

    if condition.op in ("filter", "not_filter"):
        tree = exp.paren(expression(condition.filter_expr))
        return exp.not_(tree) if condition.op == "not_filter" else tree
    column = expression(condition.field.expr)
    values = [sql_literal(v) for v in condition.values]
    if condition.op in ("in", "not_in"):
        node = exp.EQ(this=column, expression=values[0]) if len(values) == 1 else exp.In(this=column, expressions=values)
        return exp.not_(node) if condition.op == "not_in" else node
    if condition.op == "between":
        return exp.Between(this=column, low=values[0], high=values[1])
    operator = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ, "!=": exp.NEQ}[condition.op]
    return operator(this=column, expression=values[0])


def counted_rows(expression: str) -> str | None:
    """The row condition of a count metric (COUNT_IF(cond) → cond, COUNT(col) → ''); None for other metrics."""
    tree = parse_expression(expression)
    if isinstance(tree, exp.CountIf):
        return tree.this.sql(dialect=DIALECT)
    if isinstance(tree, exp.Count) and not isinstance(tree.this, exp.Distinct):
        return ""
    return None
