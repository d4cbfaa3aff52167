"""Semantic-model SQL expressions as Snowpark columns, and metrics split into partial aggregates.

Only the model's own expressions are translated here (dimension, fact, filter and metric `expr`s
from semantic_model.yaml); values a user asked for arrive as Python literals and become `F.lit`.
The subset covers what the model uses: columns, literals, comparisons, AND/OR/NOT, IN, IS NULL,
arithmetic, IFF/CASE, NULLIF, COALESCE, CONCAT, TO_CHAR/TO_VARCHAR, TO_DATE(…, 'YYYYMMDD'), YEAR/QUARTER/MONTH/DAY/DAYOFWEEKISO/HOUR and the
aggregates SUM, AVG, COUNT, COUNT(DISTINCT), COUNT_IF, MIN, MAX, MEDIAN.

A metric is planned as leaves (its aggregate calls) plus the arithmetic over them, so it can run in
one pass (small tables) or in two: partial aggregates at a fine grain, then recombined (the
transactions fact, so the join to the small dimensions happens on the partials, not on every row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from snowflake.snowpark import Column
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType
from sqlglot import exp

from c360_pipeline.semantic.model import parse_expression

ColumnOf = Callable[[str], Column]


class UnsupportedExpression(ValueError):
    """A model expression uses SQL the translator does not cover."""


def literal(node: exp.Expression) -> object:
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return float(text) if any(ch in text for ch in ".eE") else int(text)
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return -literal(node.this)
    raise UnsupportedExpression(f"not a literal: {node.sql()}")


def _is_literal(node: exp.Expression) -> bool:
    return isinstance(node, (exp.Literal, exp.Boolean, exp.Null)) or (
        isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal)
    )


def choose(condition: Column, then: Column | None, otherwise: Column | None) -> Column:
    """IFF(condition, then, otherwise); None is NULL (IFF types the NULL like the other branch)."""
    if then is None:
        return F.iff(condition, F.lit(None), otherwise)
    if otherwise is None:
        return F.iff(condition, then, F.lit(None))
    return F.when(condition, then).otherwise(otherwise)


def to_column(node: exp.Expression | str, column_of: ColumnOf = F.col) -> Column:
    """A Snowpark column computing a scalar model expression (no aggregates)."""
    if isinstance(node, str):
        node = parse_expression(node)
    translate = lambda child: to_column(child, column_of)  # noqa: E731
    if isinstance(node, exp.Paren):
        return translate(node.this)
    if isinstance(node, exp.Column):
        return column_of(node.name.upper())
    if _is_literal(node):
        return F.lit(literal(node))
    if isinstance(node, (exp.EQ, exp.NEQ)) and isinstance(node.expression, exp.Literal) and node.expression.is_string:
        matched = translate(node.this).isin([literal(node.expression)])
        return matched if isinstance(node, exp.EQ) else ~matched
    comparisons = {exp.EQ: "__eq__", exp.NEQ: "__ne__", exp.GT: "__gt__", exp.GTE: "__ge__", exp.LT: "__lt__",
                   exp.LTE: "__le__", exp.Add: "__add__", exp.Sub: "__sub__", exp.Mul: "__mul__"}
    for kind, method in comparisons.items():
        if type(node) is kind:
            return getattr(translate(node.this), method)(translate(node.expression))
    if isinstance(node, exp.Div):
        return translate(node.this) / translate(node.expression)
    if isinstance(node, exp.And):
        return translate(node.this) & translate(node.expression)
    if isinstance(node, exp.Or):
        return translate(node.this) | translate(node.expression)
    if isinstance(node, exp.Not):
        if isinstance(node.this, exp.Is):
            return translate(node.this.this).is_not_null()
        return ~translate(node.this)
    if isinstance(node, exp.Neg):
        return -translate(node.this)
    if isinstance(node, exp.Between):
        return translate(node.this).between(translate(node.args["low"]), translate(node.args["high"]))
    if isinstance(node, exp.In):
        return translate(node.this).isin([literal(value) for value in node.expressions])
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return translate(node.this).is_null()
    if isinstance(node, exp.If):
        otherwise = node.args.get("false")
        return choose(translate(node.this), None if isinstance(node.args["true"], exp.Null) else translate(node.args["true"]),
                      None if otherwise is None or isinstance(otherwise, exp.Null) else translate(otherwise))
    if isinstance(node, exp.Case):
        # CASE WHEN cond THEN ... or the simple form CASE value WHEN match THEN ...
        subject = translate(node.this) if node.this is not None else None
        when = lambda branch: translate(branch.this) if subject is None else subject == translate(branch.this)  # noqa: E731
        branches = node.args["ifs"]
        result = F.when(when(branches[0]), translate(branches[0].args["true"]))
        for branch in branches[1:]:
            result = result.when(when(branch), translate(branch.args["true"]))
        default = node.args.get("default")
        return result.otherwise(translate(default)) if default is not None else result
    if isinstance(node, exp.Nullif):
        value = translate(node.this)
        return choose(value == translate(node.expression), None, value)
    if isinstance(node, exp.Coalesce):
        return F.coalesce(translate(node.this), *[translate(e) for e in node.expressions])
    if isinstance(node, exp.Concat):
        return F.concat(*[translate(e).cast("string") for e in node.expressions])
    if isinstance(node, exp.ToChar):
        fmt = node.args.get("format")
        if fmt is None:
            return translate(node.this).cast("string")
        return F.to_char(translate(node.this), literal(fmt))
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc)) and node.text("unit").upper() == "WEEK":
        return F.date_trunc("week", translate(node.this)).cast("date")
    if isinstance(node, exp.TsOrDsToDate) and literal(node.args["format"]) == "%Y%m%d":
        return F.to_date(translate(node.this), "YYYYMMDD")
    if isinstance(node, exp.DayOfWeekIso):
        return F.call_function("DAYOFWEEKISO", translate(node.this))
    if isinstance(node, exp.Day):
        return F.dayofmonth(translate(node.this))
    if isinstance(node, exp.Year):
        return F.year(translate(node.this))
    if isinstance(node, exp.Month):
        return F.month(translate(node.this))
    if isinstance(node, exp.Quarter):
        return F.quarter(translate(node.this))
    if type(node).__name__ == "Hour" or (isinstance(node, exp.Anonymous) and node.name.upper() == "HOUR"):
        return F.hour(translate(node.this if type(node).__name__ == "Hour" else node.expressions[0]))
    if isinstance(node, exp.Anonymous) and node.name.upper() in ("YEAR", "MONTH", "QUARTER"):
        return getattr(F, node.name.lower())(translate(node.expressions[0]))
    raise UnsupportedExpression(f"the assistant cannot translate {node.sql(dialect='snowflake')!r}")


def columns_in(node: exp.Expression | str) -> set[str]:
    if isinstance(node, str):
        node = parse_expression(node)
    return {column.name.upper() for column in node.find_all(exp.Column)}


# --- metrics as leaves ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Leaf:
    """One aggregate call of a metric: function, argument and the row condition folded into it."""

    alias: str
    function: str  # sum | avg | count | count_star | count_distinct | min | max | median
    argument: exp.Expression | None
    condition: exp.Expression | None
    original: exp.Expression


@dataclass(frozen=True)
class MetricPlan:
    """A metric as aggregate leaves plus the arithmetic that combines them (`final`)."""

    label: str
    leaves: tuple[Leaf, ...]
    final: exp.Expression

    @property
    def decomposable(self) -> bool:
        return all(leaf.function != "median" for leaf in self.leaves)


def _unwrap_condition(argument: exp.Expression, zero_is_neutral: bool) -> tuple[exp.Expression, exp.Expression | None]:
    """IFF(cond, x, NULL) (or 0 for sums) → (x, cond); anything else → (argument, None)."""
    if isinstance(argument, exp.If):
        otherwise = argument.args.get("false")
        neutral = otherwise is None or isinstance(otherwise, exp.Null) or (
            zero_is_neutral and isinstance(otherwise, exp.Literal) and not otherwise.is_string
            and float(otherwise.this) == 0
        )
        if neutral:
            return argument.args["true"], argument.this
    return argument, None


def plan_metric(label: str, expression: str) -> MetricPlan:
    """Split a metric expression into aggregate leaves and the arithmetic over them."""
    tree = parse_expression(expression)
    leaves: list[Leaf] = []

    def leaf_for(node: exp.Expression) -> exp.Expression:
        alias = f"_{label}_{len(leaves)}".upper()
        if isinstance(node, exp.CountIf):
            leaves.append(Leaf(alias, "count_star", None, node.this, node))
        elif isinstance(node, exp.Count):
            argument = node.this
            if isinstance(argument, exp.Distinct):
                value, condition = _unwrap_condition(argument.expressions[0], False)
                leaves.append(Leaf(alias, "count_distinct", value, condition, node))
            elif argument is None or isinstance(argument, exp.Star):
                leaves.append(Leaf(alias, "count_star", None, None, node))
            else:
                value, condition = _unwrap_condition(argument, False)
                leaves.append(Leaf(alias, "count", value, condition, node))
        elif isinstance(node, exp.Sum):
            value, condition = _unwrap_condition(node.this, True)
            leaves.append(Leaf(alias, "sum", value, condition, node))
        elif isinstance(node, (exp.Avg, exp.Min, exp.Max, exp.Median)):
            value, condition = _unwrap_condition(node.this, False)
            function = {exp.Avg: "avg", exp.Min: "min", exp.Max: "max", exp.Median: "median"}[type(node)]
            leaves.append(Leaf(alias, function, value, condition, node))
        else:
            raise UnsupportedExpression(f"metric {label}: aggregate {node.sql()} is not supported")
        return exp.column(alias)

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, (exp.AggFunc, exp.CountIf)):
            return leaf_for(node)
        return node

    final = tree.transform(replace, copy=True)
    return MetricPlan(label, tuple(leaves), final)


# Every aggregate input is first projected as a named column (`<alias>_IN`), then aggregated: the
# partial and recombined passes below read the same inputs by name.

def one_pass_inputs(leaf: Leaf, column_of: ColumnOf = F.col) -> list[Column]:
    """Row-level input of a one-pass leaf (its value with the condition applied), aliased `<alias>_IN`."""
    value = to_column(leaf.argument, column_of) if leaf.argument is not None else None
    condition = to_column(leaf.condition, column_of) if leaf.condition is not None else None
    if leaf.function == "count_star":
        value = choose(condition, F.lit(1), F.lit(0)) if condition is not None else F.lit(1)
    elif condition is not None:
        value = choose(condition, value, F.lit(0) if leaf.function == "sum" else None)
    return [value.alias(f"{leaf.alias}_IN")]


def one_pass_aggregate(leaf: Leaf) -> Column:
    """The leaf aggregated over its projected input."""
    value = F.col(f"{leaf.alias}_IN")
    function = {"count_star": F.sum, "sum": F.sum, "avg": F.avg, "count": F.count, "count_distinct": F.count_distinct,
                "min": F.min, "max": F.max, "median": F.median}[leaf.function]
    return function(value)


def partial_inputs(leaf: Leaf, column_of: ColumnOf = F.col) -> list[Column]:
    """Row-level input of the first pass of a two-pass leaf (conditions stay keys), aliased `<alias>_V`."""
    if leaf.function in ("count_star", "count_distinct"):
        return []
    return [to_column(leaf.argument, column_of).alias(f"{leaf.alias}_V")]


def partial_aggregates(leaf: Leaf) -> list[Column]:
    """First pass of a two-pass aggregate: the partials a leaf needs."""
    value = F.col(f"{leaf.alias}_V")
    if leaf.function == "count_star":
        return [F.count(F.lit(1)).alias(f"{leaf.alias}_N")]
    if leaf.function == "count":
        return [F.count(value).alias(f"{leaf.alias}_N")]
    if leaf.function == "sum":
        return [F.sum(value).alias(f"{leaf.alias}_S")]
    if leaf.function == "avg":
        return [F.sum(value).alias(f"{leaf.alias}_S"), F.count(value).alias(f"{leaf.alias}_N")]
    if leaf.function in ("min", "max"):
        return [getattr(F, leaf.function)(value).alias(f"{leaf.alias}_P")]
    if leaf.function == "count_distinct":
        return []  # its argument is a grouping key of the first pass
    raise UnsupportedExpression(f"{leaf.original.sql()} cannot be computed in two passes")


def recombine_inputs(leaf: Leaf) -> list[Column]:
    """Second-pass inputs: each partial with the leaf's condition applied (on the first pass's keys)."""
    condition = to_column(leaf.condition) if leaf.condition is not None else None

    def where(name: str, otherwise: object) -> Column:
        column = F.col(name)
        replacement = None if otherwise is None else F.lit(otherwise)
        return (choose(condition, column, replacement) if condition is not None else column).alias(f"{name}_R")

    if leaf.function in ("count_star", "count"):
        return [where(f"{leaf.alias}_N", 0)]
    if leaf.function == "sum":
        return [where(f"{leaf.alias}_S", 0)]
    if leaf.function == "avg":
        return [where(f"{leaf.alias}_S", 0), where(f"{leaf.alias}_N", 0)]
    if leaf.function in ("min", "max"):
        return [where(f"{leaf.alias}_P", None)]
    if leaf.function == "count_distinct":
        value = to_column(leaf.argument)
        return [(choose(condition, value, None) if condition is not None else value).alias(f"{leaf.alias}_D_R")]
    raise UnsupportedExpression(f"{leaf.original.sql()} cannot be recombined")


def recombined_aggregates(leaf: Leaf) -> list[Column]:
    """Second pass: partials summed (or min/max'd) per output group; `finish_leaf` completes averages."""
    if leaf.function in ("count_star", "count"):
        return [F.sum(f"{leaf.alias}_N_R").alias(leaf.alias)]
    if leaf.function == "sum":
        return [F.sum(f"{leaf.alias}_S_R").alias(leaf.alias)]
    if leaf.function == "avg":
        return [F.sum(f"{leaf.alias}_S_R").alias(f"{leaf.alias}_S2"), F.sum(f"{leaf.alias}_N_R").alias(f"{leaf.alias}_N2")]
    if leaf.function in ("min", "max"):
        return [getattr(F, leaf.function)(f"{leaf.alias}_P_R").alias(leaf.alias)]
    if leaf.function == "count_distinct":
        return [F.count_distinct(f"{leaf.alias}_D_R").alias(leaf.alias)]
    raise UnsupportedExpression(f"{leaf.original.sql()} cannot be recombined")


def leaf_from_partials(leaf: Leaf) -> Column:
    """The leaf's value when each first-pass group is already one output group (no second aggregation)."""
    if leaf.condition is not None or leaf.function == "count_distinct":
        raise UnsupportedExpression(f"{leaf.original.sql()} needs the second pass")
    if leaf.function in ("count_star", "count"):
        return F.col(f"{leaf.alias}_N").alias(leaf.alias)
    if leaf.function == "sum":
        return F.col(f"{leaf.alias}_S").alias(leaf.alias)
    if leaf.function == "avg":
        count = F.col(f"{leaf.alias}_N")
        return choose(count == F.lit(0), None, F.col(f"{leaf.alias}_S") / count).alias(leaf.alias)
    return F.col(f"{leaf.alias}_P").alias(leaf.alias)


def counted(leaf: Leaf) -> Column:
    """A leaf after aggregation: counts as integers (0 for a group with no rows, never NULL)."""
    if leaf.function in ("count_star", "count", "count_distinct"):
        return F.coalesce(F.col(leaf.alias), F.lit(0)).cast(LongType()).alias(leaf.alias)
    return F.col(leaf.alias)


def finish_leaf(leaf: Leaf) -> Column:
    """The leaf's value after the second pass (averages divide their recombined sum by their count)."""
    if leaf.function in ("count_star", "count", "count_distinct"):
        return counted(leaf)
    if leaf.function == "avg":
        count = F.col(f"{leaf.alias}_N2")
        return choose(count == F.lit(0), None, F.col(f"{leaf.alias}_S2") / count).alias(leaf.alias)
    return F.col(leaf.alias)


def first_pass_keys(leaf: Leaf) -> set[str]:
    """Columns the first pass must keep as keys so the second pass can apply the leaf's condition."""
    keys = columns_in(leaf.condition) if leaf.condition is not None else set()
    if leaf.function == "count_distinct":
        keys |= columns_in(leaf.argument)
    return keys
