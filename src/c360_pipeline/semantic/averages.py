"""A customer figure compared with its own average: "customers whose ltv is above average", "platinum customers with
below-average utilization", "how many customers have a credit limit higher than the average credit limit".

The average is over every customer of the profile (whatever else the question filters), so the customers kept are
those above or below the whole book's figure; the engine computes it first, with its own read of the profile, and
binds it to the question's query as a literal (engine.resolve_averages), so the answer says what the average was.
Only a figure of the customers has an average to compare with here: "customers who spent more than average" (a sum
of transactions per customer) is refused rather than read another way.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from c360_pipeline.semantic.query import PROFILE, AverageOf, QuestionNotUnderstood

AVERAGE_WORDS = {"average", "avg", "mean"}
# words between the figure compared and the comparator: "ltv is above", "customers whose credit limit was below"
_LINKS = {"is", "are", "was", "were", "with", "whose", "has", "have", "had", "a", "an", "the", "their", "of", "that"}
_ONE_FIGURE = ("a comparison with the average is of one customer figure, against its average over every customer (for "
               "example 'customers with lifetime value above average' or 'credit limit below the average')")


class ComparedWithTheAverage:
    """A customer figure compared with its own average over every customer."""

    def _compared_with_the_average(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind not in ("word", "op", "sense"):
                continue
            phrase, op, postfix = self._comparator_at(i)
            if not phrase or postfix or op not in (">", ">=", "<", "<="):
                continue
            k = i + len(phrase)
            if self._word(k) == "the":
                k += 1
            if k >= len(items) or items[k].used:
                continue
            averaged, end = self._averaged_figure(k)
            if end is None:
                continue
            before = self._previous(i, _LINKS, limit=3)
            named = None  # the figure named before the comparator: (kind, table, name)
            if before is not None and items[before].kind == "sense" and not items[before].used:
                if items[before].has("dimension") and not (items[before].has("value") or items[before].has("entity")):
                    # "which states are above the average ltv": a group's figure against the average, not customers'
                    raise QuestionNotUnderstood(_ONE_FIGURE)
                sense = items[before].has("fact") or items[before].has("metric")
                if sense is not None and sense.kind == "metric" and sense.name.endswith("_count"):
                    sense = None  # "how many customers have above average ltv": the rows counted, not a figure
                named = None if sense is None else (sense.kind, sense.table, sense.name)
            if named is not None and (named[0] != "fact" or named[1] != PROFILE):
                raise QuestionNotUnderstood(_ONE_FIGURE)
            figure = named[2] if named is not None else averaged
            if figure is None:
                raise QuestionNotUnderstood(_ONE_FIGURE)
            if named is not None and averaged is not None and averaged != figure:
                raise QuestionNotUnderstood("compare a figure with its own average (for example 'credit limit above "
                                            "the average credit limit')")
            for j in tuple(range(i, end)) + ((before,) if named is not None else ()):
                items[j].used = True
            ref = self.catalog.field(PROFILE, figure)
            self.draft.comparisons.append((("fact", PROFILE, figure), op, (AverageOf(ref.expr, ref.title),), item))

    def _averaged_figure(self, k: int) -> tuple[str | None, int | None]:
        """At k, "average" (alone, or before the customer figure it averages: "the average ltv") or the model's own
        average of a customer figure ("average credit limit"): (that figure's name, or None when only "average" is
        written; the index after the phrase). (None, None) when no average is written at k; a transaction figure's
        average ("average spend") is refused."""
        items = self.items
        at = items[k]
        if at.kind == "word" and at.norm in AVERAGE_WORDS:
            after = items[k + 1] if k + 1 < len(items) else None
            fact = after.has("fact") if after is not None and after.kind == "sense" and not after.used else None
            if fact is None:
                return None, k + 1
            if fact.table != PROFILE:
                raise QuestionNotUnderstood(_ONE_FIGURE)
            return fact.name, k + 2
        metric = at.has("metric") if at.kind == "sense" else None
        if metric is None or at.norm.split()[0] not in AVERAGE_WORDS:
            return None, None
        expr = self.catalog.metric_measure(metric.table, metric.name).expr
        if metric.table != PROFILE or not (expr.upper().startswith("AVG(") and expr.endswith(")")):
            raise QuestionNotUnderstood(_ONE_FIGURE)
        for fact in self.catalog.tables[PROFILE].facts:
            if self.catalog.field(PROFILE, fact.name).expr == expr[4:-1]:
                return fact.name, k + 1
        raise QuestionNotUnderstood(_ONE_FIGURE)
