"""Customers whose figure in one period is above (or below) their figure in another: "how many custs had more txns in
q2 than in q1", "customers who spent more in june than in may", "customers with fewer purchases in may than in april".

"more" / "fewer" / "less" followed by what a customer does (transactions, purchases or spend, or a verb of spending
before it), a calendar period, "than" and a second period compares each customer's figure over the two: the count of
approved transactions, or their approved amount when the question says spend or "spent". The figure is the
difference (first period's minus second's, a customer without transactions in a period counting 0 there) computed
per customer over the transactions of both periods, joined onto the profile with 0 for customers without any; the
customers kept are those where it is above 0 (more) or below 0 (fewer, less). The answer is then a customer question
(a count, a list, a profile figure over them), as for customers without some transactions (absences.py). 

One figure in two periods ("june spend vs the same month a year ago", "q2 spend vs q2 last year", "decline rate in
may vs april"): a period, "versus" and a second period right after it (or "the same month / quarter / period a year
ago", the first a year earlier) is one row per period, labelled with its days, over the transactions of both.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date

from sqlglot import exp

from c360_pipeline.semantic.model import DIALECT, parse_expression
from c360_pipeline.semantic.query import (
    CHANGE_FACTS,
    DATES,
    FACT,
    PROFILE,
    Condition,
    FieldRef,
    Measure,
    OrderBy,
    QuestionNotUnderstood,
    StructuredQuery,
    TimeRange,
)
from c360_pipeline.semantic.tagging import Item
from c360_pipeline.semantic.timeranges import TimeSpec, _a_year_back

CUSTOMER_COUNTS = {"customer_count"}  # "how many customers": the customers named, counted
VERSUS = {"versus", "compared", "against"}
MORE_WORDS = {"more": 1, "fewer": -1, "less": -1}
SPEND_WORDS = {"spend", "spent"}
FIGURE = "PERIOD_DIFFERENCE"
APPROVED = "STATUS = 'approved'"
# words that ask for a change from one year to the next rather than the two figures ("yoy growth", "change yoy")
YEAR_OVER_YEAR_CHANGES = {"change", "changed", "growth", "grew", "grow", "growing", "increase", "decrease", "delta",
                          "difference", "percent", "pct", "%", "trend", "rate"}


# words of change that "yoy" turns into the relative change from a year earlier ("yoy growth", "pct change yoy")
RELATIVE_CHANGES = {"change", "changed", "growth", "grew", "grow", "growing", "increase", "decrease", "delta",
                    "percent", "pct", "%"}


# words that ask how a figure changed between the two periods named ("change in spend from q1 to q2", "q1 vs q2 txn
# count growth"); the profile's change facts spelled with them ("spend change") are then the spend's change
PERIOD_CHANGE_WORDS = {"change", "changed", "growth", "grew", "increase", "increased", "decrease", "decreased", "delta"}
# words that may stand between the two periods: "q1 vs q2", "q1 to q2", "q1 compared with q2"
# words that ask for the change as a difference of the two figures rather than as a ratio
ABSOLUTE_WORDS = {"dollar", "dollars", "absolute", "usd"}
BETWEEN_PERIODS = {"vs", "versus", "to", "against", "compared", "with", "and", "through", "thru"}
CALENDAR_PERIODS = ("month", "quarter", "year", "half")


def _key(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


class PeriodPairs:
    """A customer's figure in one period set against the same figure in another."""

    def _period_against_period(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "word" or item.norm not in MORE_WORDS:
                continue
            k = i + 1
            figure = None
            span = [i]
            if k < len(items) and items[k].kind == "sense" and not items[k].used:
                figure = self._period_figure(items[k])
                if figure is None:
                    continue
                span.append(k)
                k += 1
            if k + 2 >= len(items) or items[k].kind != "time" or self._word(k + 1) != "than" \
                    or items[k + 2].kind != "time":
                continue
            if figure is None:
                # "spent more in june than in may": the verb of spending before "more" says what is compared
                verb = i - 1
                if verb < 0 or items[verb].used or items[verb].kind != "sense" or items[verb].norm not in SPEND_WORDS \
                        or self._period_figure(items[verb]) != "spend":
                    continue
                figure = "spend"
                span.insert(0, verb)
            if not any(other.kind == "sense" and (other.has("entity", PROFILE) or any(
                    s.kind == "metric" and s.name in CUSTOMER_COUNTS for s in other.senses)) for other in items[:i]):
                continue  # the customers must be named: "more transactions in q2 than q1" alone is two totals
            first, second = (self._time_range(items[j].time, self.catalog.field(FACT, "transaction_date"))
                             for j in (k, k + 2))
            self._period_difference(i, [*span, k, k + 1, k + 2], figure, MORE_WORDS[item.norm], first, second)
            return

    def _period_figure(self, item) -> str | None:
        """ "txns", "purchases" → a count of approved transactions; "spend" → their approved amount; else None."""
        metric = item.has("metric", FACT)
        if metric is not None and metric.name == "total_spend":
            return "spend"
        if item.has("entity", FACT) and (metric is None or metric.name == "transaction_count"):
            return "count"
        return None

    def _period_difference(self, index: int, span: list[int], figure: str, sign: int, first, second) -> None:
        def within(period) -> str:
            return f"{APPROVED} AND DATE_KEY >= {_key(period.start)} AND DATE_KEY <= {_key(period.end)}"

        if figure == "spend":
            expression = (f"SUM(IFF({within(first)}, TRANSACTION_AMOUNT, 0)) - "
                          f"SUM(IFF({within(second)}, TRANSACTION_AMOUNT, 0))")
            noun = "approved spend"
        else:
            expression = f"COUNT_IF({within(first)}) - COUNT_IF({within(second)})"
            noun = "approved transactions"
        start, end = min(first.start, second.start), max(first.end, second.end)
        time_range = TimeRange(first.table, first.field, start, end, f"{first.text} and {second.text}")
        measure = Measure(FIGURE, FACT, expression, f"{noun} in {first.text} minus {second.text} per customer")
        self._absence_query = self.catalog.per_customer(measure, time_range=time_range)
        self._customer_figure_query = self._absence_query
        fewer = "less" if figure == "spend" else "fewer"
        title = f"{'more' if sign > 0 else fewer} {noun} in {first.text} than in {second.text}"
        self.inactivity_conditions.append((index, Condition(
            PROFILE, "filter", filter_name="more_in_one_period", filter_expr=f"{FIGURE} {'>' if sign > 0 else '<'} 0",
            title=title)))
        for k in span:
            self.items[k].used = True
        self.draft.entity = self.draft.entity or PROFILE
        self.draft.notes.append(f"Read as the customers with {title}: each customer's figure in each period, 0 where "
                                "they had no approved transaction in it.")

    # --- one figure in two periods: "june spend vs the same month a year ago", "q2 vs q2 last year spend" ---------
    def _change_between_two_periods(self) -> None:
        """ "change in spend from q1 to q2", "spend growth q1 to q2", "% change in txn count april vs may": two calendar
        periods of one kind and a word of change are the figure in each and the later's change from the earlier (the
        later over the earlier, minus 1), one row — whichever order the periods are said in. "change in spend" is the
        profile's 90-day spend change only without two such periods."""
        items = self.items
        times = [k for k, item in enumerate(items) if item.kind == "time" and not item.used]
        taken: list[int] = []
        base = None
        if len(times) == 1 and items[times[0]].time.kind == "between":
            first, second = items[times[0]].time.first, items[times[0]].time.second
        elif len(times) == 2 and times[1] > times[0] + 1 and all(
                items[k].kind == "word" and items[k].norm in BETWEEN_PERIODS for k in range(times[0] + 1, times[1])):
            first, second = items[times[0]].time, items[times[1]].time
            taken = list(range(times[0] + 1, times[1]))
        elif len(times) == 2 and any(self._contrast_before(k) for k in times):
            # "compared with q1, how did spend change in q2", "spend in q2 relative to q1", "q2 spend relative to q1": the
            # period right after the contrast is the base, the other one is said anywhere else in the question
            k_base = next(k for k in times if self._contrast_before(k))
            if all(self._contrast_before(k) for k in times):
                return
            taken = self._contrast_before(k_base)
            base = items[k_base].time
            first, second = (items[k].time for k in times)
        else:
            return
        if first is None or second is None or first.kind != second.kind or first.kind not in CALENDAR_PERIODS:
            return
        changes = [k for k, item in enumerate(items) if not item.used and (
            (item.kind == "word" and item.norm in PERIOD_CHANGE_WORDS) or (
                item.kind == "sense" and item.has("fact", PROFILE) and item.has("fact", PROFILE).name in CHANGE_FACTS
                and PERIOD_CHANGE_WORDS & set(item.norm.split())))]
        relative = any(self.items[j].norm == "relative" for j in taken)
        if relative and not changes:
            # "q1 spend relative to q4": the figure in the later period relative to the base, a change
            if base is None or not any(item.kind == "sense" and not item.used and item.has("metric", FACT)
                                       for item in items):
                return
            self._two_periods_over(first, second, taken, times)
            self._change_between_periods = True
            self._change_base = None if base is None else int(base is second)
            return
        if len(changes) != 1:
            return
        k = changes[0]
        if items[k].kind == "sense":
            # "change in spend", "spend growth": the change of the spend between the two periods
            spend = [s for s in self.lexicon.phrases.get(("spend",), []) if s.kind == "metric" and s.table == FACT]
            if not spend:
                return
            changed = items[k]
            items[k] = Item("sense", changed.start, changed.end, changed.text, "spend", spend, token=changed.token)
        elif not any(item.kind == "sense" and not item.used and item.has("metric", FACT) for item in items):
            return
        else:
            items[k].used = True
        self._two_periods_over(first, second, taken, times)
        self._change_between_periods = True
        self._change_base = None if base is None else int(base is second)
        # "the biggest dollar increase", "absolute change", "change in dollars": the difference, not the ratio
        around = [j for j in (k - 1, k + 1, k + 2) if 0 <= j < len(items) and items[j].kind == "word"
                  and not items[j].used and items[j].norm in ABSOLUTE_WORDS]
        if around and (around[0] == k - 1 or self._word(k + 1) == "in"):
            items[around[0]].used = True
            if around[0] > k:
                items[k + 1].used = True
            self._absolute_change = True

    def _contrast_before(self, k: int) -> list[int]:
        """The indices of the unused words right before the period at k that set it against another ("compared
        with", "compared to", "compare to", "relative to", "versus", "vs", "against"); else []."""
        one = self._word(k - 1)
        if one in ("vs", "versus", "against") and not self.items[k - 1].used:
            return [k - 1]
        if one in ("to", "with") and self._word(k - 2) in ("compared", "compare", "relative") \
                and not self.items[k - 1].used and not self.items[k - 2].used:
            if self._word(k - 2) == "relative" and one != "to":
                return []
            return [k - 2, k - 1]
        return []

    def _period_versus_period(self) -> None:
        """A period, "versus" / "vs" / "compared to|with" and a second period — or "the same month a year ago", the
        first a year earlier — splits the transactions of the two into one row per period (labelled with its days);
        the rest of the question says the figure. Only with exactly those two periods and a figure of transactions
        (checked on the assembled query)."""
        items = self.items
        times = [k for k, item in enumerate(items) if item.kind == "time" and not item.used]
        # "how does spend in 2025 compare to 2024": "compare to / with" is a contrast as "compared to" is
        contrast = [k for k, item in enumerate(items) if item.kind == "word" and not item.used and (
            item.norm in VERSUS or item.norm == "compare" and self._word(k + 1) in ("to", "with"))]
        yoy = self._year_over_year(times, contrast)
        if yoy is not None:
            # "q1 txn count yoy", "june spend year over year": the period against the same period a year earlier
            first, taken = items[times[0]].time, yoy
            second = TimeSpec("same_last_year", unit="period", text="the same period a year earlier")
        else:
            if len(contrast) == 1 and len(times) == 1 and contrast[0] < times[0] and self._previous_only(times[0]):
                # "spend vs last month", "txn count compared to last year": the period now against the previous one
                previous = items[times[0]].time
                now = TimeSpec("current", unit=previous.unit, text=f"this {previous.unit}")
                self._two_periods_over(now, previous, [contrast[0], *range(contrast[0] + 1, times[0])], times)
                return
            if len(contrast) != 1 or not times or not times[0] < contrast[0]:
                return
            v = contrast[0]
            taken = [v]
            if items[v].norm in ("compared", "compare") and self._word(v + 1) in ("to", "with"):
                taken.append(v + 1)
            first = items[times[0]].time
            back = self._year_back_after(taken[-1] + 1) if len(times) == 1 else None
            if back is not None:
                # "q1 spend vs ly", "june spend vs the prior year": the words say a year back, not a period
                if not _named_part_of_year(first):
                    return
                taken.extend(back)
                second = TimeSpec("same_last_year", unit="period", text="the same period a year earlier")
            else:
                if len(times) != 2 or not contrast[0] < times[1]:
                    return
                second = items[times[1]].time
                if first.kind in ("same_last_year", "future") or second.kind == "future":
                    return
                if times[1] != taken[-1] + 1:
                    return  # the second period right after the contrast: "june spend vs may", not "june vs may spend"
                if second.kind == "previous" and second.unit == "year" and _named_part_of_year(first):
                    # "q1 spend vs last year": an analyst compares the quarter with the same quarter a year earlier,
                    # not with the whole of last year ("2025 spend vs last year" stays year against year)
                    second = TimeSpec("same_last_year", unit="period", text="the same period a year earlier")
        self._two_periods_over(first, second, taken, times)

    def _previous_only(self, k: int) -> bool:
        """Whether the item at k is "last month / quarter / year / week" with only "to" / "with" / "the" between the
        contrast word and it."""
        spec = self.items[k].time
        if spec.kind != "previous" or spec.unit not in ("week", "month", "quarter", "year") or spec.n not in (0, 1):
            return False
        v = max(j for j in range(k) if self.items[j].kind == "word" and self.items[j].norm in VERSUS)
        return all(self.items[j].kind == "word" and self.items[j].norm in ("to", "with", "the")
                   for j in range(v + 1, k))

    def _two_periods_over(self, first: TimeSpec, second: TimeSpec, taken: list[int], times: list[int]) -> None:
        items = self.items
        field = self.catalog.field(FACT, "transaction_date")
        one = self._time_range(first, field)
        if second.kind == "same_last_year":
            start, end = _a_year_earlier(one.start), _a_year_earlier(one.end, month_end=one.end == _month_end(one.end))
            other = TimeRange(FACT, field, start, end, f"{first.text} a year earlier ({start} to {end})")
        else:
            other = self._time_range(second, field)
        if not (one.end < other.start or other.end < one.start):
            raise self.refuse("the two periods overlap; name two periods that do not")

        def within(period) -> str:
            return f"DATE_KEY >= {_key(period.start)} AND DATE_KEY <= {_key(period.end)}"

        self._period_predicates = ((within(one), one.text), (within(other), other.text))
        self._period_ranges = (one, other)
        self._period_end = one.end
        # a whole calendar year is labelled as the year dimension labels it ("2024"), any other period by its days
        labels = [str(period.start.year) if (period.start.month, period.start.day, period.end.month, period.end.day) == (
            1, 1, 12, 31) and period.start.year == period.end.year else
            f"{period.start.isoformat()} to {period.end.isoformat()}" for period in (one, other)]
        side = exp.If(this=parse_expression(within(one)), true=exp.Literal.string(labels[0]),
                      false=exp.Literal.string(labels[1]))
        self.draft.group_by.append(FieldRef(FACT, "period", "dimension", side.sql(dialect=DIALECT), "PERIOD", "VARCHAR",
                                            "period"))
        self.draft.conditions.append(Condition(FACT, "filter", filter_name="two_periods",
                                               filter_expr=f"({within(one)}) OR ({within(other)})",
                                               title=f"transaction date in {one.text} or {other.text}"))
        for k in (*taken, *times):
            items[k].used = True
        self._two_periods = True
        self.draft.notes.append(f"Compared period with period: {one.text} against {other.text}, one row each.")

    def _year_back_after(self, k: int) -> list[int] | None:
        """The indices of the words from k to the end of the question that say "a year back" on their own ("ly",
        "the prior year", "the previous year"), when nothing follows them; else None."""
        rest = list(range(k, len(self.items)))
        if not rest or any(self.items[j].used or self.items[j].kind not in ("word", "sense") for j in rest):
            return None
        norms = [self.items[j].norm for j in rest]
        if _a_year_back(norms, 0) != len(norms) or norms in (["of", "last", "year"],):
            return None
        return rest

    def _year_over_year(self, times: list[int], contrast: list[int]) -> list[int] | None:
        """The indices of "year over year" / "year on year" ("yoy") said of the one period a question names, with no
        other period, contrast or word of change ("yoy growth" asks for a change, which this is not); else None."""
        if len(times) != 1 or contrast or self.items[times[0]].time.kind in ("same_last_year", "future"):
            return None
        found = None
        for k in range(len(self.items) - 2):
            # "year" alone is the calendar year's dimension, so it may be tagged as one
            if any(self.items[k + n].used or self.items[k + n].kind not in ("word", "sense") for n in range(3)):
                continue
            if tuple(self.items[k + n].norm for n in range(3)) in (("year", "over", "year"), ("year", "on", "year")):
                if found is not None:
                    return None
                found = [k, k + 1, k + 2]
        if found is None:
            return None
        changes = [k for k, item in enumerate(self.items) if item.kind == "word" and not item.used
                   and item.norm in YEAR_OVER_YEAR_CHANGES]
        norms = {self.items[k].norm for k in changes}
        if "growth" in norms:
            norms.discard("rate")  # "yoy growth rate"
        if changes and not norms <= RELATIVE_CHANGES:
            return None
        if changes:
            # "yoy growth in q2 spend", "q2 spend change yoy": the relative change from the same period a year earlier
            self._year_over_year_change = True
        return found + changes

    def _check_two_periods(self, query: StructuredQuery) -> StructuredQuery:
        if getattr(self, "_two_periods", False) and (
                query.base_table != FACT or query.per_customer is not None or query.time_range is not None
                or query.kind != "aggregate" or (query.limit is not None and not self._ranked_by_the_change(query))
                or any(item.kind == "sense" and item.has("time_dimension") for item in self.items)):
            # a ranking or a list over two periods ("top 5 categories in june vs may") does not say whether it ranks
            # each period or both together
            # "signups in june vs may": the periods would date the transactions, not the accounts opened
            raise QuestionNotUnderstood("two periods are compared on a figure of transactions (for example 'june spend "
                                        "vs the same month a year ago')")
        if getattr(self, "_change_between_periods", False):
            return self._change_from_the_earlier_period(query)
        if getattr(self, "_year_over_year_change", False) and getattr(self, "_two_periods", False):
            if len(query.measures) != 1 or not _groups_of_a_change(query):
                raise QuestionNotUnderstood("a change year over year is computed for one figure of transactions, by "
                                            "groups of customers or transactions at most (for example 'yoy growth in "
                                            "q2 spend by channel')")
            if self._period_end > self.as_of():
                # "yoy change in 2025 spend" with data to June: part of the year against the whole of the one before
                raise QuestionNotUnderstood(f"the period runs past the data's end ({self.as_of().isoformat()}), so its "
                                            "change from a year earlier would set part of it against a whole period; "
                                            "ask for the year to date (for example 'yoy growth in ytd spend')")
            figure = query.measures[0]
            (now, now_text), (before, before_text) = self._period_predicates
            query = _one_row_change(query, (before, before_text, "A_YEAR_EARLIER"), (now, now_text, "NOW"), "YOY_CHANGE",
                                    f"change in {figure.title} from a year earlier", earlier_first=False,
                                    refused=f"a change year over year of {figure.title} is not computed; ask for the "
                                            "two periods instead (for example 'q2 spend vs q2 last year')")
        return query

    def _ranked_by_the_change(self, query: StructuredQuery) -> bool:
        """ "top five categories by spend growth in q1 vs q4", "the 3 segments whose spend grew the most from q1 to q2":
        groups ranked by the change of their one figure between the two periods (the figure's rank becomes the
        change's in _one_row_change), so a top N is of the groups' changes."""
        return (getattr(self, "_change_between_periods", False) or getattr(self, "_year_over_year_change", False)) \
            and len(query.measures) == 1 and bool(query.group_by) and _groups_of_a_change(query) \
            and bool(query.order_by) and query.order_by[0].label == query.measures[0].label \
            and not query.within

    def _change_from_the_earlier_period(self, query: StructuredQuery) -> StructuredQuery:
        """The one figure in the earlier and the later of the two periods and the later's change from the earlier."""
        if len(query.measures) != 1 or not _groups_of_a_change(query):
            raise QuestionNotUnderstood("a change between two periods is computed for one figure of transactions, by "
                                        "groups of customers or transactions at most (for example 'change in spend "
                                        "from q1 to q2 by segment')")
        ranges = self._period_ranges
        earlier, later = sorted((0, 1), key=lambda n: ranges[n].start)
        base = getattr(self, "_change_base", None)
        if base is not None and base != earlier:
            # "q2 spend relative to q3": a change is read from the earlier period to the later one only
            raise QuestionNotUnderstood("a change is computed from the earlier period to the later one; set the later "
                                        "period against the earlier (for example 'q2 spend relative to q1')")
        if max(period.end for period in ranges) > self.as_of():
            raise QuestionNotUnderstood(f"a period runs past the data's end ({self.as_of().isoformat()}), so its change "
                                        "would set part of a period against a whole one; ask for the two figures "
                                        "instead (for example 'spend in 2024 vs 2025')")
        figure = query.measures[0]
        (before, before_text), (after, after_text) = (self._period_predicates[n] for n in (earlier, later))
        return _one_row_change(query, (before, before_text, "EARLIER"), (after, after_text, "LATER"), "CHANGE",
                               f"change in {figure.title} from {before_text} to {after_text}",
                               refused=f"a change in {figure.title} between two periods is not computed; ask for the "
                                       "two periods instead (for example 'spend in q1 vs q2')",
                               difference=getattr(self, "_absolute_change", False))


def _groups_of_a_change(query: StructuredQuery) -> bool:
    """Whether the breakdowns beside the two periods can each carry a change: groups of customers or transactions
    ("by segment", "by channel"), not single customers (who would be a list of customers whose figure changed, a
    filter) nor the calendar (a day or month lies in one of the two periods only)."""
    return all(group.label == "PERIOD" or (group.table != DATES and group.name not in ("customer_id", "full_name"))
               for group in query.group_by)


def _one_row_change(query: StructuredQuery, earlier: tuple[str, str, str], later: tuple[str, str, str], change: str,
                    title: str, refused: str, earlier_first: bool = True, difference: bool = False) -> StructuredQuery:
    """The query's one figure over each of two periods (predicate, text, label suffix) and the later's relative change
    from the earlier (with `difference`, the later minus the earlier), as one row (with `earlier_first` False the
    later period's column comes first) — or one row per
    group of the question's other breakdowns ("q1 spend by segment relative to q4"), ranked by the change where the
    figure was ranked; a group without the earlier period's figure has no change (NULL)."""
    figure = query.measures[0]
    (before, before_text, before_label), (after, after_text, after_label) = earlier, later
    old, new = (_within(figure.expr, predicate) for predicate in (before, after))
    if old is None or new is None:
        raise QuestionNotUnderstood(refused)
    columns = [Measure(f"{figure.label}_{before_label}", FACT, old, f"{figure.title} in {before_text}"),
               Measure(f"{figure.label}_{after_label}", FACT, new, f"{figure.title} in {after_text}")]
    measures = (*(columns if earlier_first else columns[::-1]),
                Measure(f"{figure.label}_{change}", FACT,
                        f"({new}) - ({old})" if difference else f"({new}) / NULLIF(({old}), 0) - 1", title))
    groups = tuple(group for group in query.group_by if group.label != "PERIOD")
    # the groups ranked by their change where the figure ranked them ("which segment grew the most"), else in order
    order = tuple(OrderBy(measures[-1].label, o.descending) for o in query.order_by if o.label == figure.label) \
        or tuple(OrderBy(g.label, False) for g in groups)
    return replace(query, measures=measures, group_by=groups, order_by=order if groups else (),
                   notes=tuple(
        note for note in query.notes if not note.startswith("Compared period with period")) + (
        f"The change is {after_text} minus {before_text}." if difference else
        f"The change is {after_text} over {before_text}, minus 1 (0.05 = 5% more).",))


def _within(expression: str, predicate: str) -> str | None:
    """A metric's expression over the rows a predicate keeps: each aggregate's argument kept where it holds
    (`SUM(x)` → `SUM(IFF(p, x, NULL))`, `COUNT_IF(c)` → `COUNT_IF(p AND c)`); None for an aggregate it cannot
    restrict."""
    tree = parse_expression(expression)
    condition = parse_expression(predicate)
    unknown = []

    def restrict(node):
        if isinstance(node, exp.CountIf):
            return exp.CountIf(this=exp.and_(exp.Paren(this=condition.copy()), exp.Paren(this=node.this.copy())))
        if isinstance(node, (exp.Sum, exp.Avg, exp.Count, exp.Median, exp.Max, exp.Min)):
            argument = node.this
            distinct = isinstance(argument, exp.Distinct)
            inner = argument.expressions[0] if distinct else argument
            if isinstance(inner, exp.Star):
                inner = exp.Literal.number(1)
            kept = exp.If(this=condition.copy(), true=inner.copy(), false=exp.null())
            copy = node.copy()
            copy.set("this", exp.Distinct(expressions=[kept]) if distinct else kept)
            return copy
        if isinstance(node, exp.AggFunc):
            unknown.append(node)
        return node

    restricted = tree.transform(restrict)
    return None if unknown else restricted.sql(dialect=DIALECT)


def _named_part_of_year(spec: TimeSpec) -> bool:
    """A named period shorter than a year — a month, quarter or half ("q1", "june 2025", "h1"), last month or quarter,
    or a period to date ("ytd", "qtd", "mtd", "this quarter") — which "vs last year" pairs with the same period a year
    earlier. A whole year ("2025", "this year") is not one."""
    if spec.kind in ("month", "quarter", "half"):
        return True
    if spec.kind == "previous":
        return spec.unit in ("month", "quarter")
    if spec.kind == "current":
        return spec.unit in ("month", "quarter") or (spec.unit == "year" and "to date" in spec.text)
    return False


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _a_year_earlier(day: date, month_end: bool = False) -> date:
    """The same day a year earlier (a month's end stays its month's end: 2024-02-29 → 2023-02-28)."""
    year = day.year - 1
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, last if month_end else min(day.day, last))
