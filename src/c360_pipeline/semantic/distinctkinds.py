"""Customers by how many different kinds of transaction they have: "customers who shopped in more than 5 categories",
"how many customers used 2 or more channels in 2025", "custs with transactions at 3+ merchant categories", "customers
who bought from at least 10 different merchants".

A number with its comparator ("more than 5", "at least 2", "3 or more", "3+", "exactly 2", "all 3") right before a
transaction dimension named in the plural (merchant categories, channels, merchants) in a question about customers
is each customer's count of distinct values of it over their approved transactions (in the question's one period,
when it names one and no customer date): aggregated by customer (StructuredQuery.per_customer), joined onto the
profile with 0 for customers without any, and the customers kept are those whose count passes the comparison. The
answer is then a customer question (a count, a list, a profile figure over them), as for customers without some
transactions (absences.py). A customer's own attribute ("more than one card", "customers in 2 states") has one value
per customer in this data, so the question is refused with that reason rather than answered as a breakdown.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from datetime import date

from sqlglot import exp

from c360_pipeline.semantic.model import DIALECT, parse_expression
from c360_pipeline.semantic.query import (
    FACT,
    PROFILE,
    Condition,
    FieldRef,
    Measure,
    QuestionNotUnderstood,
    StructuredQuery,
    _format_value,
)
from c360_pipeline.semantic.words import TRANSACT_VERBS

FIGURE = "DISTINCT_KINDS"
CUSTOMER_COUNTS = {"customer_count", "active_customer_count"}
ACTIVITY = TRANSACT_VERBS | {"use", "used", "using", "shop", "shopped", "shopping", "transacted", "spent", "spend"}
APPROVED = "STATUS = 'approved'"
# words between the number and the kind that change nothing: "5 different categories", "3 distinct channels"
KIND_FILLERS = {"different", "distinct", "unique", "separate", "merchant"}
OPERATORS = {">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "=": exp.EQ}
WORDS = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most", "=": "exactly"}


# calendar periods "in every <period> of ..." counts, with the number of them a span of days touches
EVERY_GRAINS = {"day": "DATE_KEY", "month": "YEAR(TRANSACTION_DATE) * 100 + MONTH(TRANSACTION_DATE)",
                "quarter": "YEAR(TRANSACTION_DATE) * 10 + QUARTER(TRANSACTION_DATE)", "year": "YEAR(TRANSACTION_DATE)"}


def _periods_touched(unit: str, start: date, end: date) -> int:
    """How many calendar days, months, quarters or years the days start..end (inclusive) touch."""
    if end < start:
        return 0
    if unit == "day":
        return (end - start).days + 1
    months = (end.year - start.year) * 12 + end.month - start.month
    if unit == "month":
        return months + 1
    if unit == "quarter":
        return (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3 + 1
    return end.year - start.year + 1


class DistinctKinds:
    """The customers whose count of distinct channels, categories or merchants passes a comparison."""

    def _distinct_kinds_per_customer(self) -> None:
        items = self.items
        for k, item in enumerate(items):
            if item.used or item.kind != "number" or item.token is None or item.token.percent \
                    or not isinstance(item.token.value, int):
                continue
            op, span = self._kind_comparator(k)
            if not op:
                continue
            d = max(*span, k) + 1
            while d < len(items) and items[d].kind == "word" and items[d].norm in KIND_FILLERS and not items[d].used:
                d += 1
            if d >= len(items):
                continue
            kind = items[d]
            dimension = kind.has("dimension") if kind.kind == "sense" else None
            if dimension is None or kind.used or kind.has("value") or kind.has("metric") or kind.has("fact") \
                    or kind.has("entity") or not (kind.plural or item.token.value == 1):
                continue
            if not self._customers_mentioned() and not self._customers_counted():
                continue
            ref = self.catalog.field(dimension.table, dimension.name)
            if dimension.table == PROFILE:
                raise self.refuse(f"each customer has one {ref.title} in this data, so a count of {ref.title}s per "
                                  "customer is always 1")
            if dimension.table != FACT:
                continue  # "tenure over 5 years": a calendar word is a unit there, not kinds of transaction
            if getattr(self, "_customer_figure_query", None) is not None:
                raise self.refuse("the question picks customers by two figures of their transactions; ask about one at "
                                  "a time")
            self._distinct_kinds(ref, op, item.token.value, sorted({*span, k, *range(k + 1, d + 1)}))
            return

    def _active_in_every_period(self) -> None:
        """ "how many customers made purchases in every month of 2025", "customers who shopped in every quarter of
        2024": the customers with an approved transaction in each such calendar period of the question's one period
        (up to the data's end) — their count of distinct months (quarters, days) with one is the number of them the
        period touches. Without a period it is refused (every month since when?)."""
        items = self.items
        for i in range(len(items) - 2):
            if self._word(i) not in ("in", "during") or self._word(i + 1) != "every" or items[i].used or items[i + 1].used:
                continue  # ("in each month" is a breakdown: "customers who joined in each month of 2025")
            if any(item.kind == "sense" and item.has("time_dimension") for item in items) or not any(
                    (item.kind == "sense" and item.has("entity", FACT)) or item.norm in ACTIVITY for item in items):
                continue  # every month of a customer's own date, or nothing said of transactions
            grain = items[i + 2]
            unit = grain.norm if grain.kind in ("word", "sense") and not grain.used else ""
            if unit not in EVERY_GRAINS or not (self._customers_mentioned() or self._customers_counted()):
                continue
            span = [i, i + 1, i + 2]
            if self._word(i + 3) == "of":
                span.append(i + 3)
            times = [j for j, item in enumerate(items) if item.kind == "time" and not item.used]
            if len(times) != 1:
                raise self.refuse(f"say which period every {unit} is of (for example 'customers who made a purchase "
                                  f"in every {unit} of 2025')")
            start, end = items[times[0]].time.resolve(self.as_of())
            end = min(end, self.as_of())
            periods = _periods_touched(unit, start, end)
            ref = FieldRef(FACT, f"transaction_{unit}", "dimension", EVERY_GRAINS[unit], f"TRANSACTION_{unit.upper()}",
                           "NUMBER", unit)
            self._distinct_kinds(ref, ">=", periods, span)
            self.draft.notes.append(f"Every {unit} of the period up to the data's end ({end.isoformat()}): "
                                    f"{periods} {unit}{'s' if periods != 1 else ''}.")
            return

    def _customers_counted(self) -> bool:
        """Whether the question counts customers ("how many customers", "customers with transactions"): the model's
        count of customers, of all or of those with transactions."""
        return any(item.kind == "sense" and any(s.kind == "metric" and s.name in CUSTOMER_COUNTS for s in item.senses)
                   for item in self.items)

    def _kind_comparator(self, k: int) -> tuple[str, list[int]]:
        """The comparator around the number at k and the indices it spans: before it ("more than 5", "at least 2"),
        after it ("3 or more", "10 or fewer"), a "+" on the number ("3+"), or none (exactly)."""
        phrase, op, postfix = self._comparator_at(k + 1)
        if phrase and postfix:
            return op, [k, *range(k + 1, k + 1 + len(phrase))]
        if self.items[k].token.plus:
            return ">=", [k]
        for length in (3, 2, 1):
            start = k - length
            if start < 0:
                continue
            phrase, op, postfix = self._comparator_at(start)
            if phrase and not postfix and len(phrase) == length:
                return op, list(range(start, k + 1))
        if self._word(k - 1) in ("exactly", "all") and not self.items[k - 1].used:
            return "=", [k - 1, k]  # "exactly 2 channels", "all 3 channels"
        return "", []  # a bare number ("top 5 cities", "5 states with ..."): a limit or a count, not read here

    def _distinct_kinds(self, ref, op: str, number: int, span: list[int]) -> None:
        items = self.items
        dated = any(item.kind == "sense" and item.has("time_dimension") for item in items)
        times = [j for j, item in enumerate(items) if item.kind == "time" and not item.used]
        time_range = None
        if len(times) == 1 and not dated:
            # "used 2 or more channels in 2025": the period is the transactions'
            time_range = self._time_range(items[times[0]].time, self.catalog.field(FACT, "transaction_date"))
            items[times[0]].used = True
        expression = f"COUNT(DISTINCT IFF({APPROVED}, {ref.expr}, NULL))"
        figure = Measure(FIGURE, FACT, expression, f"different {ref.title}s per customer")
        self._customer_figure_query = self.catalog.per_customer(figure, time_range=time_range)
        test = OPERATORS[op](this=parse_expression(FIGURE), expression=exp.Literal.number(number))
        title = f"distinct {ref.title} count {WORDS[op]} {_format_value(number)}"
        if time_range is not None:
            title += f" in {time_range.text}"
        self.inactivity_conditions.append((span[0], Condition(PROFILE, "filter", filter_name="distinct_kinds",
                                                              filter_expr=test.sql(dialect=DIALECT), title=title)))
        for j in span:
            items[j].used = True
        j = span[0] - 1
        while j >= 0 and items[j].kind == "word" and items[j].norm in ("in", "at", "from", "with", "across", "on"):
            j -= 1
        if j >= 0 and items[j].kind in ("word", "sense") and items[j].norm in ACTIVITY and not items[j].used:
            # "shopped in", "used", "bought from": the verb says the kinds are the transactions', nothing more (also
            # where the model names a kind with it: "shopping" is the retail group's)
            for m in range(j, span[0]):
                items[m].used = True
        for item in items:
            # "customers with transactions in 3+ categories": the phrase names the customers, not a count of them
            if item.kind == "sense" and not item.used and item.norm.startswith("customer") and any(
                    s.kind == "metric" and s.name == "active_customer_count" for s in item.senses):
                item.used = True
        self.draft.entity = self.draft.entity or PROFILE
        self.draft.notes.append(f"Read as the customers whose approved transactions have a {title}; customers "
                                "without any transaction count 0.")

    def _check_distinct_kinds(self, query: StructuredQuery) -> StructuredQuery:
        """The customers picked by their count of distinct kinds are profile rows: the answer must be over the
        profile, with that one per-customer figure."""
        figure = getattr(self, "_customer_figure_query", None)
        if figure is None or not any(m.label == FIGURE for m in figure.measures):
            return query
        if query.base_table != PROFILE or query.per_customer is not figure:
            raise QuestionNotUnderstood(
                "customers picked by how many different channels, categories or merchants they used can be counted, "
                "listed or described by their profile figures, but not combined with a figure of transactions",
                ["How many customers used more than 2 channels", "Average lifetime value of customers who shopped in "
                 "more than 10 merchant categories", "Total spend by channel"])
        return query
