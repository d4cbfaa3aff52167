"""One figure's ratio between two values of one dimension: "what's the online to in-store spend ratio for q1", "ratio
of online to in-store spend", "ratio of mobile spend to online spend", "spend ratio of online to mobile".

Two values of the same dimension joined by "to" / "vs" / "versus" / "over" next to the word "ratio", and one figure
of the model said with them (before the first value, between them or after the second: "online spend to in-store",
"online to in-store spend"), are one figure: the metric over the rows the first value keeps divided by the metric over
the rows the second keeps (its other conditions — approved for spend and counts — stay inside it). The rest of the
question (the period, other filters, a breakdown) applies to both sides. Without a figure named the ratio is refused
(a ratio of counts and of spend are both readings), and so are values of another table than the figure's.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from c360_pipeline.semantic.periodpairs import _within
from c360_pipeline.semantic.query import CATEGORIES, FACT, Condition, Measure, QuestionNotUnderstood, condition_sql
from c360_pipeline.semantic.model import DIALECT

RATIO_JOINERS = {"to", "vs", "versus", "over", "/", "against"}


class Ratios:
    """A figure over the rows of one value divided by the same figure over another value's rows."""

    def _value_ratios(self) -> None:
        items = self.items
        ratios = [i for i, item in enumerate(items) if item.kind == "word" and item.norm == "ratio" and not item.used]
        if not ratios:
            return
        r = ratios[0]
        for a, first in enumerate(items):
            value_a = self._ratio_value(a)
            if value_a is None:
                continue
            figure_a = a + 1 if self._ratio_figure(a + 1) else None
            t = (figure_a or a) + 1
            if self._word(t) not in RATIO_JOINERS:
                continue
            b = t + 1
            value_b = self._ratio_value(b)
            if value_b is None or (value_b.table, value_b.name) != (value_a.table, value_a.name) \
                    or value_b.value == value_a.value:
                continue
            figure_b = b + 1 if self._ratio_figure(b + 1) else None
            span = [a, t, b] + [k for k in (figure_a, figure_b) if k is not None]
            end = max(span)
            # the word "ratio": right before the values ("ratio of online to in-store spend") or right after them
            # ("online to in-store spend ratio")
            before = a - 1 - (self._word(a - 1) == "of")
            if r == end + 1:
                words = [r]
            elif r == before or (before > 0 and r == before - 1 and self._ratio_figure(before)):
                words = list(range(r, a))
            else:
                continue
            if words[0] == r and self._ratio_figure(r - 1):
                words.insert(0, r - 1)  # "spend ratio of online to mobile"
            figures = [k for k in (figure_a, figure_b) if k is not None] + [
                k for k in words if self._ratio_figure(k)]
            if not figures:
                raise QuestionNotUnderstood(
                    f"say which figure the ratio of {value_a.value} to {value_b.value} is of (for example "
                    f"'{value_a.value.lower()} to {value_b.value.lower()} spend ratio' or '... transaction count ratio')")
            metrics = {items[k].has("metric").name for k in figures}
            if len(metrics) != 1:
                raise QuestionNotUnderstood("a ratio between two values is of one figure; name one")
            metric = items[figures[0]].has("metric")
            definition = self.catalog.metrics[(metric.table, metric.name)]
            sides = [self._ratio_condition(value, metric.table) for value in (value_a, value_b)]
            if any(side is None for side in sides):
                raise QuestionNotUnderstood(
                    f"{definition.name.replace('_', ' ')} is a figure of another table than "
                    f"{self.catalog.field(value_a.table, value_a.name).title}; ask for it by "
                    f"{self.catalog.field(value_a.table, value_a.name).title} instead")
            parts = [_within(definition.expr, condition_sql(side).sql(dialect=DIALECT)) for side in sides]
            if any(part is None for part in parts):
                raise QuestionNotUnderstood(f"{definition.name.replace('_', ' ')} cannot be split between two values")
            title = metric.name.replace("_", " ")
            measure = Measure(f"{metric.name.upper()}_RATIO", metric.table, f"({parts[0]}) / NULLIF({parts[1]}, 0)",
                              f"ratio of {title} where {sides[0].title} to {title} where {sides[1].title}")
            self.draft.measures.append(measure)
            self.draft.entity = self.draft.entity or metric.table
            for k in span + words + figures:
                items[k].used = True
            self.draft.notes.append(f"The ratio is {title} where {sides[0].title} divided by {title} where "
                                    f"{sides[1].title}.")
            return

    def _ratio_value(self, index: int):
        if not 0 <= index < len(self.items):
            return None
        item = self.items[index]
        if item.kind != "sense" or item.used or item.has("metric") or item.has("fact") or item.has("entity"):
            return None
        values = [s for s in item.senses if s.kind == "value"]
        return values[0] if len(values) == 1 else None

    def _ratio_figure(self, index: int) -> bool:
        if not 0 <= index < len(self.items):
            return False
        item = self.items[index]
        return item.kind == "sense" and not item.used and item.has("metric") is not None and not item.has("value")

    def _ratio_condition(self, value, table: str) -> Condition | None:
        ref = self.catalog.field(value.table, value.name)
        condition = Condition(value.table, "in", (value.value,), ref, title=f"{ref.title} is {value.value}")
        if table == FACT and value.table == CATEGORIES:
            condition = self._on_fact(condition)
        return condition if condition.table == table else None
