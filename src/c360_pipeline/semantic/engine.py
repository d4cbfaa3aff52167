"""The offline question engine: question → StructuredQuery → Snowflake SQL text and a Snowpark DataFrame.

`parse_question` (grammar.py) reads a question over the semantic model's vocabulary and returns a
`StructuredQuery` (query.py), or refuses with the reason and the closest answerable questions. The
same StructuredQuery compiles to Snowflake SQL text (`compile_sql`, shown to users and checked with
sqlglot to be one read-only SELECT) and to a Snowpark DataFrame (`to_dataframe`, run on either
engine; the SQL text is never executed). Values in both are literals built from the structured query,
never pasted question text. Questions over the transactions fact filter on the integer DATE_KEY and
aggregate in two passes: to a small grain (status, channel, category, day or customer), then, after
joining the small dimensions, to the answer's grain.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import sqlglot
from snowflake.snowpark import Column, DataFrame, Window
from snowflake.snowpark import functions as F
from sqlglot import exp

from c360_pipeline.semantic.columns import (
    UnsupportedExpression,
    MetricPlan,
    columns_in,
    counted,
    finish_leaf,
    first_pass_keys,
    leaf_from_partials,
    one_pass_aggregate,
    one_pass_inputs,
    partial_aggregates,
    partial_inputs,
    plan_metric,
    recombine_inputs,
    recombined_aggregates,
    to_column,
)
from c360_pipeline.semantic.grammar import FILLERS, STOPWORDS, Parser, parse_question  # noqa: F401 (re-exported)
from c360_pipeline.semantic.model import DIALECT, SemanticModel, parse_expression
from c360_pipeline.semantic.query import (  # noqa: F401 (re-exported: the engine's public names)
    ALIASES,
    CATEGORIES,
    AverageOf,
    DATES,
    FACT,
    FACT_DATE_KEY,
    PROFILE,
    Catalog,
    Condition,
    FieldRef,
    Having,
    Measure,
    OrderBy,
    QuestionNotUnderstood,
    StructuredQuery,
    TimeRange,
    catalog_for,
    condition_sql,
    qualified_expression,
    sql_literal,
)

# --- SQL text ------------------------------------------------------------------------------------


def physical_table(catalog: Catalog, table: str, database: str | None = None) -> str:
    base = catalog.tables[table].base_table
    return f"{database or base.database}.{base.schema_}.{base.table}"


def _having_sql(having: Having) -> exp.Expression:
    column = exp.column(having.label)
    values = [sql_literal(v) for v in having.values]
    if having.op == "between":
        return exp.Between(this=column, low=values[0], high=values[1])
    operator = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ, "!=": exp.NEQ}[having.op]
    return operator(this=column, expression=values[0])


def _time_sql(time_range: TimeRange) -> exp.Expression:
    if time_range.table == FACT:
        column = exp.column(FACT_DATE_KEY, table=ALIASES[FACT])
        return exp.Between(this=column, low=exp.Literal.number(_date_key(time_range.start)),
                           high=exp.Literal.number(_date_key(time_range.end)))
    column = qualified_expression(time_range.field.expr, ALIASES[time_range.table])
    if time_range.field.data_type.upper().startswith("TIMESTAMP"):
        return exp.and_(
            exp.GTE(this=column, expression=sql_literal(datetime.combine(time_range.start, time.min))),
            exp.LT(this=column.copy(), expression=sql_literal(datetime.combine(time_range.end + timedelta(days=1), time.min))),
        )
    return exp.Between(this=column, low=sql_literal(time_range.start), high=sql_literal(time_range.end))


def _date_key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def compile_sql(query: StructuredQuery, database: str | None = None, model: SemanticModel | None = None) -> str:
    """Snowflake SQL text of the structured query (what the DataFrame computes), checked to be one read-only SELECT."""
    catalog, _ = catalog_for(model)
    select = _select(query, catalog, database)
    if query.groups_counted is not None:
        # the groups the HAVING keeps, counted: one row
        select = exp.select(exp.alias_(exp.Count(this=exp.Star()), query.groups_counted[0])).from_(
            select.subquery("g"))
    sql = select.sql(dialect=DIALECT, pretty=True)
    allowed = {physical_table(catalog, t, database).upper() for t in catalog.tables}
    check_read_only(sql, allowed)
    return sql


def _base_source(query: StructuredQuery, catalog: Catalog, database: str | None) -> exp.Expression:
    """The base table under its alias; with a per-customer figure, the profile with that figure joined as a column
    (`COALESCE(c.figure, 0)`: customers without such transactions count as 0)."""
    base_alias = ALIASES[query.base_table]
    table = exp.alias_(exp.to_table(physical_table(catalog, query.base_table, database)), base_alias, table=True)
    inner = query.per_customer
    if inner is None:
        return table
    figure = inner.measures[0].label
    key = exp.EQ(this=exp.column("CUSTOMER_ID", table=base_alias), expression=exp.column("CUSTOMER_ID", table="c"))
    joined = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(base_alias)),
                        exp.alias_(exp.func("COALESCE", exp.column(figure, table="c"), exp.Literal.number(0)), figure)) \
        .from_(table).join(exp.alias_(_select(inner, catalog, database).subquery(), "c", table=True), on=key,
                           join_type="left")
    return joined.subquery(base_alias)


def _select(query: StructuredQuery, catalog: Catalog, database: str | None) -> exp.Select:
    """The structured query as one SELECT tree."""
    base_alias = ALIASES[query.base_table]
    select = exp.select()
    if query.kind == "list":
        select = select.select(*[exp.alias_(qualified_expression(c.expr, ALIASES[c.table]), c.label) for c in query.columns])
    else:
        select = select.select(
            *[exp.alias_(qualified_expression(g.expr, ALIASES[g.table]), g.label) for g in query.group_by],
            *[exp.alias_(_share_of_total(qualified_expression(m.expr, ALIASES[m.table])) if m.of_total
                         else _change_from_previous(qualified_expression(m.expr, ALIASES[m.table]), query)
                         if m.change_from_previous
                         else qualified_expression(m.expr, ALIASES[m.table]), m.label) for m in query.measures],
        )
    select = select.from_(_base_source(query, catalog, database))
    for table in sorted(query.tables() - {query.base_table}, key=lambda t: list(ALIASES).index(t)):
        left, right = catalog.joins[(query.base_table, table)]
        condition = exp.EQ(this=exp.column(left, table=base_alias), expression=exp.column(right, table=ALIASES[table]))
        select = select.join(exp.alias_(exp.to_table(physical_table(catalog, table, database)), ALIASES[table], table=True),
                             on=condition, join_type="inner")
    predicates = [condition_sql(c, ALIASES[c.table]) for c in query.conditions]
    if query.time_range is not None:
        predicates.append(_time_sql(query.time_range))
    if predicates:
        select = select.where(exp.and_(*predicates))
    if query.kind == "aggregate" and query.group_by:
        select = select.group_by(*[qualified_expression(g.expr, ALIASES[g.table]) for g in query.group_by])
    if query.having:
        select = select.having(exp.and_(*[_having_sql(h) for h in query.having]))
    ordered = [exp.Ordered(this=exp.column(o.label), desc=o.descending, nulls_first=False) for o in query.order_by]
    if query.shown_from is not None:
        # the periods from the range's first on: after the change from the previous period is computed
        label, first = query.shown_from
        period = next(g for g in query.group_by if g.label == label)
        select = select.qualify(exp.GTE(this=qualified_expression(period.expr, ALIASES[period.table]),
                                        expression=sql_literal(first)))
    if query.within:
        # the first N rows of each group: QUALIFY ROW_NUMBER() OVER (PARTITION BY group ORDER BY ...) <= N
        groups = [exp.column(g.label) for g in query.within]
        rank = exp.Window(this=exp.RowNumber(), partition_by=groups, order=exp.Order(expressions=ordered))
        select = select.qualify(exp.LTE(this=rank, expression=exp.Literal.number(query.limit)))
        ordered = [exp.Ordered(this=g.copy(), nulls_first=False) for g in groups] + [o.copy() for o in ordered]
    if ordered:
        select = select.order_by(*ordered)
    if query.limit is not None and not query.within:
        select = select.limit(query.limit)
    return select


def _share_of_total(figure: exp.Expr) -> exp.Expr:
    """`figure / NULLIF(SUM(figure) OVER (), 0)`: a group's figure as a fraction of the sum over every group."""
    total = exp.Window(this=exp.Sum(this=figure.copy()))
    return exp.Div(this=exp.Paren(this=figure), expression=exp.Nullif(this=total, expression=exp.Literal.number(0)))


def _change_from_previous(figure: exp.Expr, query: StructuredQuery) -> exp.Expr:
    """`figure / NULLIF(LAG(figure) OVER (ORDER BY period), 0) - 1`: a period's figure against the previous period's."""
    period = query.group_by[0]
    previous = exp.Window(this=exp.Anonymous(this="LAG", expressions=[figure.copy()]),
                          order=exp.Order(expressions=[exp.Ordered(this=qualified_expression(period.expr,
                                                                                             ALIASES[period.table]))]))
    ratio = exp.Div(this=exp.Paren(this=figure), expression=exp.Nullif(this=previous, expression=exp.Literal.number(0)))
    return exp.Sub(this=ratio, expression=exp.Literal.number(1))


class UnsafeSql(ValueError):
    """SQL that is not exactly one read-only SELECT over the semantic model's tables."""


_FORBIDDEN = (exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Create, exp.Merge, exp.Alter, exp.Command,
              exp.TruncateTable, exp.Grant, exp.Copy, exp.Use, exp.Set, exp.Transaction, exp.Commit, exp.Rollback)


def check_read_only(sql: str, allowed_tables: set[str] | None = None) -> exp.Expression:
    """Parse SQL (Snowflake dialect) and insist on one SELECT that reads only allowed tables; returns the tree."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except sqlglot.errors.ParseError as error:
        raise UnsafeSql(f"the SQL does not parse: {error}") from None
    if len(statements) != 1:
        raise UnsafeSql(f"expected exactly one statement, got {len(statements)}")
    tree = statements[0]
    if not isinstance(tree, (exp.Select, exp.Union, exp.Intersect, exp.Except)):
        raise UnsafeSql(f"only SELECT is allowed, got {tree.key.upper()}")
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN):
            raise UnsafeSql(f"{node.key.upper()} is not allowed in a read-only query")
        if isinstance(node, (exp.Anonymous, exp.Func)):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).upper()
            if name.startswith("SYSTEM$") or name in {"RESULT_SCAN", "GENERATOR", "EXTERNAL_FUNCTION"}:
                raise UnsafeSql(f"function {name} is not allowed")
        if isinstance(node, exp.Into):
            raise UnsafeSql("SELECT ... INTO is not allowed")
    if allowed_tables is not None:
        ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Func) or table.find(exp.Func):
                raise UnsafeSql("table functions are not allowed")
            parts = [p.name for p in (table.args.get("catalog"), table.args.get("db"), table.this) if p is not None]
            name = ".".join(parts).upper()
            if name in ctes or table.name.upper() in ctes:
                continue
            if name not in allowed_tables and not any(t.endswith("." + name) for t in allowed_tables):
                raise UnsafeSql(f"table {name} is not part of the semantic model")
    return tree


# --- the DataFrame --------------------------------------------------------------------------------

def count_labels(query: StructuredQuery) -> set[str]:
    """Output columns that are plain counts (shown as integers whatever type the engine returns)."""
    if query.groups_counted is not None:
        return {query.groups_counted[0]}
    labels = set()
    for measure in query.measures:
        if measure.of_total or measure.change_from_previous:
            continue  # a count's share of the total, or its change, is a fraction
        plan = plan_metric(measure.label, measure.expr)
        if isinstance(plan.final, exp.Column) and all(
                leaf.function in ("count_star", "count", "count_distinct") for leaf in plan.leaves):
            labels.add(measure.label)
    return labels


def data_as_of(warehouse) -> date | None:
    """The data's as-of date: the profile's AS_OF_DATE, else the last transaction day, else the configured date."""
    profile = warehouse.read_or_none("GOLD", "CUSTOMER_360_PROFILE")
    if profile is not None:
        value = profile.agg(F.max("AS_OF_DATE").alias("D")).collect()[0]["D"]
        if value is not None:
            return value if isinstance(value, date) else value.date()
    facts = warehouse.read_or_none("GOLD", "FCT_TRANSACTIONS")
    if facts is not None:
        key = facts.agg(F.max(FACT_DATE_KEY).alias("K")).collect()[0]["K"]
        if key is not None:
            key = int(key)
            return date(key // 10000, key // 100 % 100, key % 100)
    return warehouse.cfg.as_of


def _physical(catalog: Catalog, table: str) -> str:
    return catalog.tables[table].base_table.table


def resolve_averages(query: StructuredQuery, warehouse, model: SemanticModel | None = None) -> StructuredQuery:
    """The query with every average it compares a customer figure with ("ltv above average") computed over the whole
    profile, by a read of its own, and bound as a literal; the condition's title then says what the average was."""
    averages = {v for c in query.conditions for v in c.values if isinstance(v, AverageOf)}
    if not averages:
        return query
    catalog, _ = catalog_for(model)
    profile = warehouse.read("GOLD", _physical(catalog, PROFILE))
    ordered = sorted(averages, key=lambda a: a.expr)
    row = profile.select(*[F.avg(to_column(a.expr)) for a in ordered]).collect()[0]
    values = {}
    for n, average in enumerate(ordered):
        if row[n] is None:
            raise QuestionNotUnderstood(f"no customer has a {average.title}, so there is no average to compare with")
        values[average] = float(row[n])
    conditions = []
    for condition in query.conditions:
        found = [v for v in condition.values if isinstance(v, AverageOf)]
        if not found:
            conditions.append(condition)
            continue
        title = condition.title
        for average in found:
            title = title.replace(str(average), f"{average} ({_format_average(values[average])})")
        conditions.append(replace(condition, title=title, values=tuple(
            values[v] if isinstance(v, AverageOf) else v for v in condition.values)))
    return replace(query, conditions=tuple(conditions))


def _format_average(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"


def _row_predicate(condition: Condition) -> Column:
    if condition.op in ("filter", "not_filter"):
        predicate = to_column(condition.filter_expr)
        return ~predicate if condition.op == "not_filter" else predicate
    column = to_column(condition.field.expr)
    values = [F.lit(v) for v in condition.values]
    if condition.op == "in":
        return column.isin(list(condition.values))
    if condition.op == "not_in":
        return ~column.isin(list(condition.values))
    if condition.op == "between":
        return (column >= values[0]) & (column <= values[1])
    return {">": column.__gt__, ">=": column.__ge__, "<": column.__lt__, "<=": column.__le__, "=": column.__eq__,
            "!=": column.__ne__}[condition.op](values[0])


def _time_predicate(time_range: TimeRange) -> Column:
    if time_range.table == FACT:
        key = F.col(FACT_DATE_KEY)
        return (key >= F.lit(_date_key(time_range.start))) & (key <= F.lit(_date_key(time_range.end)))
    column = to_column(time_range.field.expr)
    if time_range.field.data_type.upper().startswith("TIMESTAMP"):
        return (column >= F.lit(datetime.combine(time_range.start, time.min))) & (
            column < F.lit(datetime.combine(time_range.end + timedelta(days=1), time.min)))
    return (column >= F.lit(time_range.start)) & (column <= F.lit(time_range.end))


def _having_predicate(having: Having) -> Column:
    column = F.col(having.label)
    values = [F.lit(v) for v in having.values]
    if having.op == "between":
        return (column >= values[0]) & (column <= values[1])
    return {">": column.__gt__, ">=": column.__ge__, "<": column.__lt__, "<=": column.__le__, "=": column.__eq__,
            "!=": column.__ne__}[having.op](values[0])


def _ordered(frame: DataFrame, query: StructuredQuery) -> DataFrame:
    order = [F.col(o.label).desc_nulls_last() if o.descending else F.col(o.label).asc_nulls_last() for o in query.order_by]
    if query.within:
        # the first N rows of each group, ranked in the query's order (its last keys break ties), then by group
        groups = [F.col(g.label) for g in query.within]
        rank = F.row_number().over(Window.partition_by(*groups).order_by(*order))
        shown = frame.columns
        frame = frame.with_column("_RANK", rank).filter(F.col("_RANK") <= F.lit(query.limit)).select(*shown)
        return frame.sort(*[g.asc_nulls_last() for g in groups], *order)
    if order:
        frame = frame.sort(*order)
    if query.limit is not None:
        frame = frame.limit(query.limit)
    return frame


def to_dataframe(query: StructuredQuery, warehouse, model: SemanticModel | None = None) -> DataFrame:
    """The Snowpark DataFrame computing the structured query: one query, sent as is to either engine."""
    if query.groups_counted is not None:
        # the groups the HAVING keeps, counted: one row
        groups = to_dataframe(replace(query, groups_counted=None), warehouse, model)
        return groups.agg(F.count(F.lit(1)).alias(query.groups_counted[0]))
    catalog, _ = catalog_for(model)
    read = lambda table: warehouse.read("GOLD", _physical(catalog, table))  # noqa: E731
    if query.base_table == PROFILE:
        profile = read(PROFILE)
        if query.per_customer is not None:
            # each customer's figure over the period's transactions, 0 for customers without any
            figure = query.per_customer.measures[0].label
            per_customer = _fact_frame(query.per_customer, catalog, read).select(F.col("CUSTOMER_ID"), F.col(figure))
            profile = profile.join(per_customer, "CUSTOMER_ID", "left").with_column(
                figure, F.coalesce(F.col(figure), F.lit(0)))
        return _profile_frame(query, profile)
    return _fact_frame(query, catalog, read)


def _profile_frame(query: StructuredQuery, profile: DataFrame) -> DataFrame:
    """One pass over the profile (one row per customer)."""
    frame = profile
    for condition in query.conditions:
        frame = frame.filter(_row_predicate(condition))
    if query.time_range is not None:
        frame = frame.filter(_time_predicate(query.time_range))
    if query.kind == "list":
        return _ordered(frame.select(*[to_column(c.expr).alias(c.label) for c in query.columns]), query)
    plans = [plan_metric(m.label, m.expr) for m in query.measures]
    leaves = [leaf for plan in plans for leaf in plan.leaves]
    labels = [g.label for g in query.group_by]
    keyed = frame.select(*[to_column(g.expr).alias(g.label) for g in query.group_by],
                         *[column for leaf in leaves for column in one_pass_inputs(leaf)])
    aggregates = [one_pass_aggregate(leaf).alias(leaf.alias) for leaf in leaves]
    grouped = keyed.group_by(*labels).agg(*aggregates) if labels else keyed.agg(*aggregates)
    grouped = grouped.select(*[F.col(label) for label in labels], *[counted(leaf) for leaf in leaves])
    return _finished(grouped, query, plans)


def _finished(grouped: DataFrame, query: StructuredQuery, plans: list[MetricPlan]) -> DataFrame:
    """Metric arithmetic over the aggregated leaves, then HAVING, ORDER BY and LIMIT."""
    result = grouped.select(*[F.col(g.label) for g in query.group_by],
                            *[to_column(plan.final).alias(plan.label) for plan in plans])
    shares = [m.label for m in query.measures if m.of_total]
    if shares:
        # a share of the total: each group's figure over the figures' sum across the groups
        result = result.select(*[F.col(g.label) for g in query.group_by], *[
            (F.col(plan.label) / F.sum(F.col(plan.label)).over(Window.partition_by())).alias(plan.label)
            if plan.label in shares else F.col(plan.label) for plan in plans])
    changes = [m.label for m in query.measures if m.change_from_previous]
    if changes:
        # a change from the previous period: the figure over the previous period's (the answer's one grain), minus 1
        window = Window.order_by(F.col(query.group_by[0].label))
        previous = {label: F.lag(F.col(label)).over(window) for label in changes}
        result = result.select(*[F.col(g.label) for g in query.group_by], *[
            F.when(previous[plan.label] != F.lit(0), F.col(plan.label) / previous[plan.label] - F.lit(1)).alias(plan.label)
            if plan.label in changes else F.col(plan.label) for plan in plans])
    if query.shown_from is not None:
        label, first = query.shown_from
        result = result.filter(F.col(label) >= F.lit(first))
    for having in query.having:
        result = result.filter(_having_predicate(having))
    return _ordered(result, query)


def _fact_frame(query: StructuredQuery, catalog: Catalog, read) -> DataFrame:
    """Transactions: one filter on DATE_KEY and literal lists, the few columns needed, small dimensions joined by
    name, then two aggregation passes (a small grain such as status, channel, day or customer; then the answer's)."""
    by_table: dict[str, list[Condition]] = {}
    for condition in query.conditions:
        by_table.setdefault(condition.table, []).append(condition)
    plans = [plan_metric(m.label, m.expr) for m in query.measures] if query.kind == "aggregate" else []
    leaves = [leaf for plan in plans for leaf in plan.leaves]
    predicates = [_row_predicate(c) for c in by_table.get(FACT, [])]
    # a period on a customer date (account opened in 2024) filters the customers joined, not the transactions
    profile_period = query.time_range is not None and query.time_range.table == PROFILE
    if query.time_range is not None and not profile_period:
        predicates.insert(0, _time_predicate(query.time_range))
    if CATEGORIES in by_table:
        # 50 categories: resolve the filter to category keys and keep it an integer IN list on the fact
        categories = read(CATEGORIES)
        for condition in by_table[CATEGORIES]:
            categories = categories.filter(_row_predicate(condition))
        keys = sorted(int(row[0]) for row in categories.select("MERCHANT_CATEGORY_KEY").collect())
        predicates.append(F.col("MERCHANT_CATEGORY_KEY").isin(keys) if keys else F.lit(False))
    shared = {leaf.condition.sql() if leaf.condition is not None else None for leaf in leaves}
    if len(shared) == 1 and None not in shared:
        # every aggregate keeps the same rows (e.g. approved only): filter once, aggregate unconditionally
        predicates.append(to_column(leaves[0].condition))
        leaves = [replace(leaf, condition=None) for leaf in leaves]
    facts = read(FACT)
    if predicates:
        combined = predicates[0]
        for predicate in predicates[1:]:
            combined = combined & predicate
        facts = facts.filter(combined)
    customer_grain = any(g.table == PROFILE and g.name in ("customer_id", "full_name") for g in query.group_by)
    # customers' columns a figure's own condition reads ("share of spend from platinum customers": SUM(IFF(CARD_TYPE =
    # 'Platinum', ...))): joined by name onto the transactions before the first pass, which keeps them as keys
    counted_profile = _profile_columns_of(leaves, catalog)
    if counted_profile and customer_grain:
        raise UnsupportedExpression("a figure per customer cannot count by the customers' own columns")
    date_fields = [g for g in query.group_by if g.table == DATES]
    category_fields = [g for g in query.group_by if g.table == CATEGORIES]
    profile_fields = [f for f in (*query.group_by, *query.columns) if f.table == PROFILE]
    join_profile = not customer_grain and (PROFILE in by_table or bool(profile_fields) or profile_period
                                           or bool(counted_profile))
    if query.kind == "aggregate":
        needed = {k for g in query.group_by if g.table == FACT for k in columns_in(g.expr)}
        for leaf in leaves:
            needed |= first_pass_keys(leaf) | (columns_in(leaf.argument) if leaf.argument is not None else set())
        needed -= counted_profile
        needed |= {"CUSTOMER_ID"} if customer_grain or join_profile else set()
        needed |= {FACT_DATE_KEY} if date_fields or DATES in by_table else set()
        needed |= {"MERCHANT_CATEGORY_KEY"} if category_fields else set()
        facts = facts.select(*[F.col(c) for c in sorted(needed)]) if needed else facts.select(F.lit(1).alias("_ROW"))
    if join_profile:
        # a few profile columns joined by name onto the (already filtered, narrow) transactions
        profile = read(PROFILE)
        for condition in by_table.get(PROFILE, []):
            profile = profile.filter(_row_predicate(condition))
        if profile_period:
            profile = profile.filter(_time_predicate(query.time_range))
        profile = profile.select(F.col("CUSTOMER_ID"), *[to_column(f.expr).alias(f.label) for f in profile_fields],
                                 *[F.col(c) for c in sorted(counted_profile)])
        facts = facts.join(profile, "CUSTOMER_ID")
    if query.kind == "list":
        # the calendar's and the categories' columns and filters ("transactions on sundays", "weekend transactions")
        # joined onto the rows, as the aggregates join them (they were neither filtered nor found)
        facts = _joined_small_dimensions(facts, read, by_table, [c for c in query.columns if c.table == DATES],
                                         [c for c in query.columns if c.table == CATEGORIES])
        columns = [F.col(c.label) if c.table in (PROFILE, DATES, CATEGORIES) else to_column(c.expr).alias(c.label)
                   for c in query.columns]
        return _ordered(facts.select(*columns), query)
    if any(leaf.function == "median" for leaf in leaves):
        return _one_pass_facts(query, facts, plans, leaves, read, by_table, customer_grain, profile_period)
    # first pass: aggregate transactions to a small grain (the keys)
    keys: list[str] = []
    for group in query.group_by:
        if group.table == FACT:
            keys += sorted(columns_in(group.expr))
        elif group.table == PROFILE and not customer_grain:
            keys.append(group.label)
    if customer_grain:
        keys.append("CUSTOMER_ID")
    if date_fields or DATES in by_table:
        keys.append(FACT_DATE_KEY)
    if category_fields:
        keys.append("MERCHANT_CATEGORY_KEY")
    for leaf in leaves:
        keys += sorted(first_pass_keys(leaf))
    keys = list(dict.fromkeys(keys))
    inputs = [*[F.col(k) for k in keys], *[c for leaf in leaves for c in partial_inputs(leaf)]]
    # a plain row count over the filtered rows reads no column at all
    projected = facts.select(*inputs) if inputs else facts.select(F.lit(1).alias("_ROW"))
    partials = [c for leaf in leaves for c in partial_aggregates(leaf)]
    first = projected.group_by(*keys).agg(*partials) if keys else projected.agg(*partials)
    # second pass: join the small dimensions onto the partials, regroup to the asked grain
    first = _with_dimensions(first, query, read, by_table, customer_grain, profile_period)
    group_columns = [to_column(g.expr).alias(g.label) if g.table == FACT else F.col(g.label) for g in query.group_by]
    labels = [g.label for g in query.group_by]
    identity = [k for g in query.group_by if g.table == FACT for k in sorted(columns_in(g.expr))]
    identity += ["CUSTOMER_ID"] if customer_grain else [g.label for g in query.group_by if g.table == PROFILE]
    # (only when every transaction group is a column itself: a group computed from columns, such as one side of a
    # contrast IFF(CHANNEL = 'Online', ...), puts many first-pass groups in one answer row)
    plain_groups = all(_is_column(g.expr) for g in query.group_by if g.table == FACT)
    if keys and set(keys) == set(identity) and plain_groups and all(
            leaf.condition is None and leaf.function != "count_distinct" for leaf in leaves):
        # each first-pass group is already one answer row: no second aggregation
        finished = first.select(*group_columns, *[leaf_from_partials(leaf) for leaf in leaves])
        return _finished(finished, query, plans)
    regrouped = first.select(*group_columns, *[c for leaf in leaves for c in recombine_inputs(leaf)])
    aggregates = [c for leaf in leaves for c in recombined_aggregates(leaf)]
    second = regrouped.group_by(*labels).agg(*aggregates) if labels else regrouped.agg(*aggregates)
    finished = second.select(*[F.col(label) for label in labels], *[finish_leaf(leaf) for leaf in leaves])
    return _finished(finished, query, plans)


def _profile_columns_of(leaves: list, catalog: Catalog) -> set[str]:
    """The customers' columns (of the profile's fields, and not the transactions') that the figures' conditions and
    arguments read."""
    def columns_of(table: str) -> set[str]:
        return {c for (t, _), ref in catalog.fields.items() if t == table for c in columns_in(ref.expr)}

    read = set()
    for leaf in leaves:
        read |= first_pass_keys(leaf) | (columns_in(leaf.argument) if leaf.argument is not None else set())
    return read & (columns_of(PROFILE) - columns_of(FACT) - {"CUSTOMER_ID", "CUSTOMER_KEY"})


def _is_column(expression: str) -> bool:
    return isinstance(parse_expression(expression), exp.Column)


def _joined_small_dimensions(frame: DataFrame, read, by_table: dict, date_fields: list, category_fields: list) -> DataFrame:
    """The calendar (filtered by its conditions, with `date_fields`) and the categories (with `category_fields`)
    joined onto fact rows or their partial aggregates, each only when the question needs it."""
    if date_fields or DATES in by_table:
        dates = read(DATES)
        for condition in by_table.get(DATES, []):
            dates = dates.filter(_row_predicate(condition))
        frame = frame.join(dates.select(F.col("DATE_KEY"), *[to_column(f.expr).alias(f.label) for f in date_fields]),
                           FACT_DATE_KEY)
    if category_fields:
        frame = frame.join(read(CATEGORIES).select(F.col("MERCHANT_CATEGORY_KEY"),
                                                   *[to_column(f.expr).alias(f.label) for f in category_fields]),
                           "MERCHANT_CATEGORY_KEY")
    return frame


def _with_dimensions(frame: DataFrame, query: StructuredQuery, read, by_table: dict, customer_grain: bool,
                     profile_period: bool) -> DataFrame:
    """The small dimensions joined onto fact rows or their partial aggregates: the calendar (its filters and the
    answer's date groups), the categories' groups, and at a customer grain the filtered profile's groups."""
    frame = _joined_small_dimensions(frame, read, by_table, [g for g in query.group_by if g.table == DATES],
                                     [g for g in query.group_by if g.table == CATEGORIES])
    if customer_grain:
        profile = read(PROFILE)
        for condition in by_table.get(PROFILE, []):
            profile = profile.filter(_row_predicate(condition))
        if profile_period:
            profile = profile.filter(_time_predicate(query.time_range))
        frame = frame.join(profile.select(F.col("CUSTOMER_ID"), *[to_column(g.expr).alias(g.label) for g in query.group_by
                                                                  if g.table == PROFILE and g.name != "customer_id"]),
                           "CUSTOMER_ID")
    return frame


def _one_pass_facts(query: StructuredQuery, facts: DataFrame, plans: list[MetricPlan], leaves: list, read,
                    by_table: dict, customer_grain: bool, profile_period: bool) -> DataFrame:
    """A median does not recombine from partial medians: the filtered transactions get the answer's grouping columns
    (the small dimensions joined onto each row) and are aggregated once, to the answer's grain."""
    facts = _with_dimensions(facts, query, read, by_table, customer_grain, profile_period)
    labels = [g.label for g in query.group_by]
    group_columns = [to_column(g.expr).alias(g.label) if g.table == FACT or (g.table == PROFILE and g.name == "customer_id")
                     else F.col(g.label) for g in query.group_by]
    keyed = facts.select(*group_columns, *[column for leaf in leaves for column in one_pass_inputs(leaf)])
    aggregates = [one_pass_aggregate(leaf).alias(leaf.alias) for leaf in leaves]
    grouped = keyed.group_by(*labels).agg(*aggregates) if labels else keyed.agg(*aggregates)
    grouped = grouped.select(*[F.col(label) for label in labels], *[counted(leaf) for leaf in leaves])
    return _finished(grouped, query, plans)
