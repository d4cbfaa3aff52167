"""Averages per calendar unit: "avg txns per day in june", "average spend per week in q2", "mean number of declined
transactions per month in 2025".

An average word, a transaction figure that adds up (a count or a sum: transactions, spend, declined transactions)
and "per" / "a" with a calendar unit (day, week, month, quarter, year), or the unit as an adjective ("average
daily transactions in june"), ask for one figure: the figure over the
question's period divided by the number of those units in it — June's approved transactions ÷ 30 days. The period
runs to the data's as-of date at the latest (2025 is its days up to then), and months, quarters and years must be
whole ones, else the question is refused. "avg txns" in the plural counts the transactions; "avg txn" alone is
the average amount. Without a period the number of units is unknown, so the question is refused. A breakdown by a
transaction attribute keeps the division (each channel's figure ÷ the days); a breakdown by the calendar is refused.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

import calendar
from datetime import date

from sqlglot import exp

from c360_pipeline.semantic.columns import plan_metric
from c360_pipeline.semantic.query import DATES, FACT, GRAIN_WORDS, PROFILE, Measure, QuestionNotUnderstood, StructuredQuery
from c360_pipeline.semantic.timeranges import EARLIEST
from c360_pipeline.semantic.words import STOPWORDS

AVERAGE_WORDS = {"average", "mean"}
UNIT_WORDS = {"per", "a", "each"}
UNITS = ("day", "week", "month", "quarter", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "year": 12}
ADJECTIVE_UNITS = {"daily", "weekly", "monthly", "quarterly", "yearly", "annual"}


class PerPeriod:
    """The average of a transaction figure per day, week, month, quarter or year of the question's period."""

    _per_period: Measure | None = None

    def _per_period_figures(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used:
                continue
            cue = figure = None
            if item.kind == "word" and item.norm in AVERAGE_WORDS and self.draft.time is not None \
                    and self._adjective_unit(i) is not None:
                # "average daily transactions in june": the unit said as an adjective before the figure
                grain, figure_index, metric = self._adjective_unit(i)
                self._answer_per_period(metric, GRAIN_WORDS[items[grain].norm])
                for k in (i, grain, figure_index):
                    items[k].used = True
                return
            if item.kind == "word" and item.norm in AVERAGE_WORDS:
                cue = i
                j = self._next(i, {"the", "a", "an", "of", "number"}, limit=3)
                while j is not None and items[j].kind == "sense" and not items[j].used and (
                        items[j].has("value") or items[j].has("filter")) and not (
                        items[j].has("metric") or items[j].has("entity")):
                    j = self._next(j, {"the", "a", "an", "of"}, limit=2)  # "average online spend per day"
                if j is not None and items[j].kind == "sense" and not items[j].used:
                    figure = self._additive_figure(items[j])
                    figure = figure and (j, figure)
            elif item.kind == "sense" and item.has("fact", PROFILE) and self.draft.time is not None \
                    and self._spelled_per_unit(item) is not None and not any(
                        other is not item and other.kind == "sense" and any(s.table == PROFILE for s in other.senses)
                        for other in items):
                # "avg spend per day in june": the profile's own per-day average, asked over a period, is the
                # period's spend per day — over every customer only: for some customers or per group of them
                # ("avg monthly spend of platinum cardholders in 2025") it could as well be each customer's own
                # average, so that stays refused
                metric, unit = self._spelled_per_unit(item)
                self._answer_per_period(metric, unit)
                item.used = True
                for k in range(len(items) - 1):
                    if self._matches_words(k, ("on", "average")):
                        items[k].used = items[k + 1].used = True  # "spend per day on average in june"
                return
            elif item.kind == "sense" and not item.used and self._on_average() is not None \
                    and self._additive_figure(item) is not None and self._calendar_unit(i) is not None:
                # "number of transactions per day on average in may", "on average, how much spend per week in q2":
                # "on average" said apart from the figure per unit
                on = self._on_average()
                cue, figure = on, (i, self._additive_figure(item))
                items[on + 1].used = True
            elif item.kind == "sense" and item.norm.split()[0] in AVERAGE_WORDS:
                # "avg txns per day": the average of the rows named in the plural is their number
                rows = self.lexicon.phrases.get(tuple(item.norm.split()[1:]), [])
                if any(s.kind == "entity" and s.table == FACT for s in rows) and plural(self.tokens[item.end - 1]):
                    cue, figure = i, (i, "transaction_count")
            if figure is None:
                continue
            index, metric = figure
            unit = self._calendar_unit(index)
            if unit is None:
                continue
            per, grain = unit
            self._answer_per_period(metric, GRAIN_WORDS[items[grain].norm])
            for k in {cue, index, per, grain}:
                items[k].used = True
            if self._word(cue - 1) in ("the", "an", "a") and not items[cue - 1].used:
                items[cue - 1].used = True
            for k in range(cue + 1, index):
                if items[k].kind == "word" and items[k].norm in ("number", "of", "count"):
                    items[k].used = True
            return

    def _on_average(self) -> int | None:
        """The index of "on" in an "on average" not yet read."""
        for k in range(len(self.items) - 1):
            if self._matches_words(k, ("on", "average")):
                return k
        return None

    def _adjective_unit(self, index: int) -> tuple[int, int, str] | None:
        """ "average | daily | transactions": the grain word right after the average word, then an additive figure."""
        items = self.items
        grain = index + 1
        if grain + 1 >= len(items) or items[grain].used or items[grain].norm not in ADJECTIVE_UNITS \
                or items[grain].kind not in ("word", "sense") or (items[grain].kind == "sense" and not all(
                    s.table == DATES for s in items[grain].senses)):
            return None
        figure = items[grain + 1]
        metric = self._additive_figure(figure) if figure.kind == "sense" and not figure.used else None
        return (grain, grain + 1, metric) if metric is not None else None

    def _spelled_per_unit(self, item) -> tuple[str, str] | None:
        """ "average spend per day" / "average daily spend" / "spend per day" as one phrase: the additive transaction
        metric its other words name, and the unit."""
        words = item.norm.split()
        if len(words) >= 3 and words[0] in AVERAGE_WORDS and words[1] in ADJECTIVE_UNITS:
            middle, unit = tuple(words[2:]), GRAIN_WORDS[words[1]]
        elif len(words) >= 4 and words[0] in AVERAGE_WORDS and words[-2] in UNIT_WORDS \
                and GRAIN_WORDS.get(words[-1]) in UNITS:
            middle, unit = tuple(words[1:-2]), GRAIN_WORDS[words[-1]]
        elif len(words) >= 3 and words[-2] == "per" and GRAIN_WORDS.get(words[-1]) in UNITS:
            # "spend per day in june": a figure per unit is already its average over the units
            middle, unit = tuple(words[:-2]), GRAIN_WORDS[words[-1]]
        else:
            return None
        if unit not in UNITS:
            return None
        senses = self.lexicon.phrases.get(middle, [])
        metric = next((s.name for s in senses if s.kind == "metric" and s.table == FACT), None)
        if metric is None or self._additive_figure(type(item)("sense", 0, 0, "", senses=[
                s for s in senses if s.kind == "metric" and s.table == FACT])) is None:
            return None
        return metric, unit

    def _additive_figure(self, item) -> str | None:
        """The transaction metric an item names when it adds up (a count or a sum), or the transactions counted."""
        metric = item.has("metric", FACT)
        if metric is not None:
            plan = plan_metric(metric.name, self.catalog.metrics[(FACT, metric.name)].expr)
            if len(plan.leaves) == 1 and isinstance(plan.final, exp.Column) \
                    and plan.leaves[0].function in ("count_star", "count", "sum"):
                return metric.name
            return None
        if item.has("entity", FACT) and not item.has("fact"):
            return "transaction_count"
        return None

    def _calendar_unit(self, index: int) -> tuple[int, int] | None:
        """ "per day" / "a week" after the figure (past its values and fillers): the indices of the two words."""
        items = self.items
        j = index + 1
        while j < len(items) - 1:
            item = items[j]
            if item.used:
                return None
            if item.kind == "word" and item.norm in UNIT_WORDS:
                grain = items[j + 1]
                if not grain.used and grain.norm in GRAIN_WORDS and GRAIN_WORDS[grain.norm] in UNITS and (
                        grain.kind == "word" or (grain.kind == "sense" and grain.has("dimension", DATES))):
                    return j, j + 1
                return None
            if item.kind == "sense" and (item.has("value") or item.has("filter")) and not item.has("metric"):
                j += 1
                continue
            if item.kind == "word" and item.norm in STOPWORDS - {"by", "per", "each", "every", "than", "over"}:
                j += 1
                continue
            return None
        return None

    def _answer_per_period(self, metric: str, unit: str) -> None:
        """The figure over the period ÷ the number of units in it (a period is needed, and whole months)."""
        measure = self.catalog.metric_measure(FACT, metric)
        spec = self.draft.time
        if spec is None:
            raise QuestionNotUnderstood(
                f"an average {measure.title} per {unit} needs the period it is taken over (for example 'in June')",
                [f"Average {measure.title} per {unit} in June", f"{measure.title.capitalize()} by {unit} in June",
                 f"Total {measure.title} last month"])
        period = self._time_range(spec, self.catalog.field(FACT, "transaction_date"))
        start, end = period.start, min(period.end, self.as_of())
        if start == EARLIEST or end < start:
            raise QuestionNotUnderstood(f"an average per {unit} needs a period with a first day",
                                        [f"Average {measure.title} per {unit} in June"])
        days = (end - start).days + 1
        if unit == "day":
            count, divisor = f"{days} days", exp.Literal.number(days)
        elif unit == "week":
            count, divisor = f"{days} days ÷ 7", exp.Div(this=exp.Literal.number(days), expression=exp.Literal.number(7))
        else:
            months = _whole_months(start, end)
            if months is None or months % MONTHS_IN[unit]:
                raise QuestionNotUnderstood(
                    f"the period ({start.isoformat()} to {end.isoformat()}) is not a whole number of {unit}s, so an "
                    f"average per {unit} over it is not defined; name whole {unit}s or ask per day",
                    [f"Average {measure.title} per day in June", f"{measure.title.capitalize()} by {unit}"])
            units = months // MONTHS_IN[unit]
            count, divisor = f"{units} {unit}{'s' if units != 1 else ''}", exp.Literal.number(units)
        expression = exp.Div(this=exp.Paren(this=exp.maybe_parse(measure.expr, dialect="snowflake")),
                             expression=divisor if isinstance(divisor, exp.Literal) else exp.Paren(this=divisor))
        self._per_period = Measure(f"AVERAGE_{measure.label}_PER_{unit.upper()}", FACT,
                                   expression.sql(dialect="snowflake"),
                                   f"average {measure.title} per {unit}")
        self.draft.measures.append(self._per_period)
        self.draft.notes.append(f"Per {unit} = the {measure.title} from {start.isoformat()} to {end.isoformat()} ÷ "
                                f"{count}{' (the data ends on ' + self.as_of().isoformat() + ')' if end == self.as_of() else ''}.")

    def _check_per_period(self, query: StructuredQuery) -> StructuredQuery:
        """A figure per day divides the whole period's: a breakdown by the calendar (or a customer's figure) cannot."""
        if self._per_period is None:
            return query
        calendar_groups = [g for g in query.group_by if g.table == DATES or (
            g.table == PROFILE and g.name.endswith(("_month", "_quarter", "_year", "_week")))]
        per_customer = any(item.kind == "sense" and item.has("entity", PROFILE) and self._word(k - 1) in ("per", "a")
                           for k, item in enumerate(self.items))  # "avg txns per month per cust": not one list
        if query.base_table != FACT or calendar_groups or query.per_customer is not None or per_customer:
            raise QuestionNotUnderstood(
                f"{self._per_period.title} is one figure over the question's period; it cannot be broken down by the "
                "calendar or taken per customer",
                [f"{self._per_period.title.capitalize()} in June", "Transaction count by day in June"])
        return query


def _whole_months(start: date, end: date) -> int | None:
    """How many calendar months run from start to end, when both are a month's first and last day."""
    if start.day != 1 or end.day != calendar.monthrange(end.year, end.month)[1]:
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def plural(token) -> bool:
    """A noun written in the plural, abbreviations included ("txns")."""
    return token.plural or (token.raw.lower().endswith("s") and not token.raw.lower().endswith("ss"))
