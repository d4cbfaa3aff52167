"""Customers without some transactions: "platinum custs without any travel txns", "customers who never transacted
online", "how many customers didn't spend anything last month", "customers with no declined transactions in q2".

A negation ("no", "without", "never", "not", "zero", 0; "nothing" or 0 right after the verb: "spent nothing on
travel", "spent $0 on dining") followed by what a customer does (transactions, purchases, spend, a
verb of buying) and a kind of transaction (a value or named filter of the transactions, their merchant category or
their day) or a calendar period (last month, q2, 2024) picks the customers who have no such transaction: each
customer's count of the matching transactions (approved ones, unless the kind is a status such as declined) is
aggregated by customer (StructuredQuery.per_customer), joined onto the profile with 0 for customers without any,
and the customers kept are those with 0 — customers who never transacted included. The answer is then a customer
question (a count, a list, a share or a profile figure over them). The same words with a rolling window to the
as-of date and no kind ("no transactions in the last 90 days") are the inactivity window (constructs.py), which
reads the profile's days since the last transaction.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from sqlglot import exp

from c360_pipeline.semantic.columns import columns_in, plan_metric
from c360_pipeline.semantic.model import DIALECT, parse_expression
from c360_pipeline.semantic.query import (
    CATEGORIES,
    DATES,
    FACT,
    OPS_TEXT,
    PROFILE,
    Condition,
    Measure,
    QuestionNotUnderstood,
    StructuredQuery,
    _format_value,
)
from c360_pipeline.semantic.words import ENTITY_WORDS, LIST_WORDS, TRANSACT_VERBS

ABSENCE_NEGATIONS = {"no", "without", "never", "not"}
# What a customer does: buying verbs, and the nouns and verbs of transacting ("purchase", "spend", "transact").
ACTIVITY = TRANSACT_VERBS | {"transact", "transacted", "purchase", "purchased", "spend", "spent", "shop"}
# Words inside the phrase that change nothing: "without any", "never made a single", "didn't spend anything", "no
# purchase at all".
PHRASE_FILLERS = {"a", "an", "any", "anything", "single", "one", "the", "their", "in", "at", "on", "for", "made",
                  "make", "been", "had", "have", "has", "with", "ever", "do", "did", "does", "or", "of", "all"}
# After the phrase, a comparison would be about the transactions themselves ("no travel txns over $500").
COMPARISON_WORDS = {"over", "under", "above", "below", "more", "less", "fewer", "than", "exceeding", "greater",
                    "bigger", "larger", "smaller", "at", "between", "exactly"}
# Rolling windows to the as-of date: the inactivity window reads them (days since the last transaction).
WINDOW_UNITS = {"day", "week", "month"}
FIGURE = "MATCHING_TRANSACTIONS"
APPROVED = "STATUS = 'approved'"
TRANSACTION_TABLES = (FACT, CATEGORIES, DATES)


class Absences:
    """The customers who have no transaction of a kind or in a period."""

    _absence_query: StructuredQuery | None = None

    def _absent_transactions(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            zero = (item.kind == "word" and item.norm == "zero") or (
                item.kind == "number" and item.token is not None and item.token.value == 0 and not item.token.percent)
            if zero and self._word(i - 1) in COMPARISON_WORDS | {"than", "least", "most", "to", "and", "or", "between"}:
                zero = False  # "more than 0 transactions": a comparison
            # "spent nothing on travel", "spent $0 on dining", "bought nothing online": the negation after the verb
            after_verb = (zero or self._word(i) == "nothing") and i > 0 and not items[i - 1].used and (
                self._word(i - 1) in ACTIVITY or items[i - 1].kind == "sense" and items[i - 1].norm in ACTIVITY
                and items[i - 1].has("metric", FACT) is not None)
            if item.used or not (zero or (item.kind == "word" and item.norm in ABSENCE_NEGATIONS) or after_verb):
                continue
            start = i - 1 if after_verb else i
            rows = next((other for other in reversed(items[:start]) if other.kind == "sense" and (
                other.has("entity") or other.has("metric", FACT) or (other.has("value", PROFILE) and other.norm.split()[-1]
                                                                     in ENTITY_WORDS))), None)
            if rows is not None and (rows.has("entity", FACT) or rows.has("metric", FACT)) \
                    and not rows.has("entity", PROFILE):
                continue  # "transactions not made online": the transactions are the rows, not customers
            activity = i - 1 if after_verb else None
            period = None
            kinds: list[int] = []
            status: list[str] = []
            meaningful = [i - 1, i] if after_verb else [i]
            for k in range(i + 1, min(i + 10, len(items))):
                candidate = items[k]
                if candidate.used:
                    break
                if candidate.kind == "time":
                    if period is not None:
                        break
                    period = k
                elif candidate.kind == "sense" and candidate.has("entity", FACT) and not candidate.has("metric"):
                    activity = k
                elif candidate.kind == "sense" and candidate.has("metric", FACT) and _additive(self, candidate):
                    # "no declined transactions", "didn't spend": the rows the figure counts or sums
                    activity = k
                    kept = _rows_of(self, candidate)
                    if kept and kept != _canonical_sql(APPROVED):
                        status.append(kept)  # "never had a declined txn": the kind is the status
                elif candidate.kind == "sense" and any(s.kind in ("value", "filter") and s.table in TRANSACTION_TABLES
                                                       for s in candidate.senses) \
                        and not any(s.table == PROFILE for s in candidate.senses):
                    kinds.append(k)
                    last = candidate.norm.split()[-1]
                    if last in ACTIVITY or any(s.kind == "entity" and s.table == FACT
                                               for s in self.lexicon.phrases.get((last,), [])):
                        activity = k  # "travel purchases": the kind spelled with the rows' noun
                elif candidate.kind == "word" and candidate.norm in ACTIVITY:
                    activity = k
                elif candidate.kind == "word" and candidate.norm in PHRASE_FILLERS:
                    continue
                elif activity is not None and candidate.kind == "sense" and candidate.has("dimension") and not (
                        candidate.has("value") or candidate.has("metric") or candidate.has("fact")
                        or candidate.has("filter")):
                    continue  # "didn't use their card in june": what the activity was done with
                else:
                    break
                meaningful.append(k)
            if activity is None or not (kinds or status or period is not None):
                continue
            last = meaningful[-1]
            after = self._next(last, {"the"}, limit=1)
            if after is not None and (items[after].kind in ("number", "op") or (
                    items[after].kind == "word" and items[after].norm in COMPARISON_WORDS
                    and not (items[after].norm == "at" and self._word(after + 1) == "all"))):
                continue  # "no travel txns over $500": a comparison of the transactions, not read here ("at all" is none)
            spec = items[period].time if period is not None else None
            if not zero and not kinds and not status and spec is not None and (spec.kind == "since" or (
                    spec.kind == "rolling" and spec.unit in WINDOW_UNITS)):
                continue  # "no transactions in the last 90 days": the inactivity window
            if self._absence_query is not None:
                raise self.refuse("the question names two kinds of transactions customers have none of; ask about "
                                  "one at a time")
            self._absence(i, meaningful, kinds, status, period)

    def _absence(self, index: int, span: list[int], kinds: list[int], status: list[str], period: int | None,
                 present: bool = False, amount: Condition | None = None, at_least: int = 1) -> None:
        """The customers with no matching transaction: the per-customer count of them is 0 (with `present`, the
        customers with at least `at_least`); `amount` is a condition on each transaction's amount."""
        items = self.items
        conditions = self._kind_conditions(kinds) + ([amount] if amount is not None else [])
        about_status = bool(status) or any(
            "STATUS" in columns_in(c.field.expr if c.field is not None else c.filter_expr or "") for c in conditions)
        rows = status[0] if status else (None if about_status else APPROVED)
        expression = f"COUNT_IF({rows})" if rows else "COUNT(TRANSACTION_ID)"
        time_range = None
        if period is not None:
            time_range = self._time_range(items[period].time, self.catalog.field(FACT, "transaction_date"))
        noun = "approved transaction" if rows == APPROVED else "transaction"
        kinds_said = [c.title for c in conditions]
        if rows and rows != APPROVED:
            value = self._value_condition(FACT, rows)
            kinds_said.insert(0, value.title if value is not None else rows)
        counted = ("at least one" if at_least == 1 else f"at least {at_least}") if present else "no"
        title = f"{counted} {noun}{'' if at_least == 1 else 's'}" + (
            f" where {' and '.join(kinds_said)}" if kinds_said else "")
        if time_range is not None:
            title += f" {'' if time_range.text.startswith('since') else 'in '}{time_range.text}"
        figure = Measure(FIGURE, FACT, expression, f"{noun}s per customer")
        self._absence_query = self.catalog.per_customer(figure, conditions, time_range)
        self._customer_figure_query = self._absence_query
        zero = exp.GTE(this=parse_expression(FIGURE), expression=exp.Literal.number(at_least)) if present else \
            exp.EQ(this=parse_expression(FIGURE), expression=exp.Literal.number(0))
        self.inactivity_conditions.append((index, Condition(
            PROFILE, "filter", filter_name="matching_transaction" if present else "no_matching_transaction",
            filter_expr=zero.sql(dialect=DIALECT), title=title)))
        for k in range(span[0], span[-1] + 1):
            items[k].used = True
        self.draft.entity = self.draft.entity or PROFILE
        if present:
            self.draft.notes.append(f"Read as the customers with {title}: each customer's count of those "
                                    f"transactions is at least {at_least}.")
            return
        self.draft.notes.append(f"Read as the customers with {title}: each customer's count of those transactions is "
                                "0, customers without any transaction included.")

    def _present_transactions(self) -> None:
        """ "customers who shopped at Department Stores in May", "distinct customers who bought online in q1",
        "platinum customers with a travel purchase in q2": customers named as rows (listed, not counted, grouped or
        given another figure) by a verb of buying and a kind of transaction or a period are the customers with at
        least one such approved transaction (the per-customer count of them is above 0)."""
        items = self.items
        # "avg ltv of customers who bought travel": a profile figure of those customers (aggregated over them)
        profile_figure = any(item.kind == "sense" and not item.used and item.has("metric", PROFILE)
                             and not item.has("metric", FACT) for item in items)
        aggregations = {"total", "average", "avg", "sum", "mean", "median"} if profile_figure else set()
        if self._absence_query is not None or any(
                item.kind == "word" and item.norm in {"how", "many", "number", "count", "by", "per", "each", "every",
                                                     "across", "than", "total", "average", "avg", "sum"} - aggregations
                for item in items) or any(item.kind == "sense" and not item.used and (
                    item.has("fact") or item.has("dimension") and not item.has("value")
                    or item.has("metric") and item.norm not in ACTIVITY and not (
                        profile_figure and item.has("metric", PROFILE) and not item.has("metric", FACT)))
                    for item in items):
            return
        for c, item in enumerate(items):
            if item.used or item.kind != "sense" or not (item.has("entity", PROFILE) or (
                    item.has("value", PROFILE) and item.norm.split()[-1] in ENTITY_WORDS)):
                continue
            k = c + 1
            while k < len(items) and items[k].kind == "word" and items[k].norm in ("who", "that", "which"):
                k += 1
            verb = None
            if k < len(items) and (self._word(k) in ACTIVITY - {"spend", "spent", "used", "use", "using"}
                                   or items[k].kind == "sense" and items[k].norm in ("shop", "purchase")
                                   # "which customers spent at cruise lines in 2025": where, not how much
                                   or items[k].norm in ("spend", "spent") and self._word(k + 1) in ("at", "on", "with")):
                verb = k
            elif self._word(k) in ("with", "having", "had", "have", "has"):
                verb = k
            if verb is None or items[verb].used:
                return
            kinds: list[int] = []
            period = activity = None
            meaningful = [verb]
            skip_to = None
            for j in range(verb + 1, min(verb + 8, len(items))):
                candidate = items[j]
                if candidate.used:
                    break
                if skip_to is not None and j <= skip_to:
                    meaningful.append(j)
                    continue
                if self._word(j) == "at" and self._word(j + 1) == "least" and self._is_one(j + 2):
                    # "who made at least one online purchase": having one such transaction, as "an online purchase"
                    skip_to = j + 2
                    meaningful.append(j)
                    continue
                if candidate.kind == "time" and period is None:
                    period = j
                elif candidate.kind == "sense" and candidate.has("entity", FACT) and not candidate.has("metric"):
                    activity = j
                elif candidate.kind == "sense" and any(s.kind in ("value", "filter") and s.table in TRANSACTION_TABLES
                                                       for s in candidate.senses) \
                        and not any(s.table == PROFILE for s in candidate.senses):
                    if any("STATUS" in (s.name or "").upper() for s in candidate.senses if s.kind == "value"):
                        return  # a status named: the count of those rows is another reading
                    kinds.append(j)
                    last = candidate.norm.split()[-1]
                    if last in ACTIVITY or any(s.kind == "entity" and s.table == FACT
                                               for s in self.lexicon.phrases.get((last,), [])):
                        activity = j
                elif candidate.kind == "word" and candidate.norm in PHRASE_FILLERS | {"from", "through", "via"}:
                    continue
                else:
                    break
                meaningful.append(j)
            if self._word(verb) in ("with", "having", "had", "have", "has") and activity is None:
                return  # "customers with ...": only a transaction noun says they are transactions
            if not (kinds or period is not None) or any(
                    other.kind == "word" and not other.used and other.norm in COMPARISON_WORDS
                    for other in items[meaningful[-1] + 1:]):
                return
            if self._word(c - 1) in ("distinct", "unique") and not any(
                    other.kind == "word" and other.norm in LIST_WORDS - {"who", "which", "whose"} for other in items):
                # "distinct customers who shopped at department stores in may": how many there are, each counted once
                items[c - 1].used = True
                self._bind_count(c - 1)
                return
            self._absence(verb, meaningful, kinds, [], period, present=True)
            for j in range(c + 1, verb):
                items[j].used = True
            return

    def _customers_with_large_transactions(self) -> None:
        """ "customers with at least one transaction over 2,000 in the last 30 days", "customers with a travel
        purchase above $500", "customers who had at least 3 transactions over $1,000 in 2025": an amount said right
        after one transaction (or a number of them) that customers have is each transaction's amount — the
        customers with at least one (that many) approved transactions of that amount (and kind, and period) — not
        their count of transactions compared with the amount."""
        items = self.items
        if self._absence_query is not None:
            return
        for c, item in enumerate(items):
            counted = item.kind == "sense" and any(s.kind == "metric" and s.name == "customer_count"
                                                   for s in item.senses)  # "how many customers had ..."
            if item.used or item.kind != "sense" or not (item.has("entity", PROFILE) or counted or (
                    item.has("value", PROFILE) and item.norm.split()[-1] in ENTITY_WORDS)):
                continue
            k = c + 1
            while self._word(k) in ("who", "that", "which"):
                k += 1
            if self._word(k) not in ("with", "having", "had", "have", "has", "made", "make"):
                continue
            j, at_least = k + 1, 1
            if self._word(j) == "at" and self._word(j + 1) == "least" and j + 2 < len(items) \
                    and items[j + 2].kind in ("number", "word") and not items[j + 2].used:
                number = items[j + 2].token.value if items[j + 2].kind == "number" and items[j + 2].token else (
                    1 if self._is_one(j + 2) else None)
                if not isinstance(number, int) or number < 1 or (items[j + 2].token and items[j + 2].token.percent):
                    continue
                at_least, j = number, j + 3
            elif self._word(j) in ("a", "an", "any", "one", "single") or self._is_one(j):
                j += 1
                if self._word(j) == "single":
                    j += 1
            else:
                continue
            kinds = []
            while j < len(items) and items[j].kind == "sense" and not items[j].used and any(
                    s.kind in ("value", "filter") and s.table in TRANSACTION_TABLES for s in items[j].senses) \
                    and not any(s.table == PROFILE for s in items[j].senses) and not items[j].has("entity"):
                kinds.append(j)
                j += 1
            if kinds and self._names_transactions(items[kinds[-1]].norm.split()[-1]) \
                    and not (j < len(items) and items[j].kind == "sense" and items[j].has("entity", FACT)):
                j = kinds[-1]  # "a travel purchase over $500": the kind's phrase ends in the transactions' noun
                noun = items[j]
            else:
                noun = items[j] if j < len(items) else None
                if noun is None or noun.kind != "sense" or noun.used or not noun.has("entity", FACT) \
                        or noun.has("metric"):
                    continue
            if at_least == 1 and noun.plural:
                continue
            phrase, op, postfix = self._comparator_at(j + 1)
            if not phrase or postfix:
                continue
            n = j + 1 + len(phrase)
            amount = items[n] if n < len(items) else None
            if amount is None or amount.kind != "number" or amount.used or amount.token is None \
                    or not isinstance(amount.token.value, (int, float)) or amount.token.percent:
                continue
            if self._word(n + 1) in ("years", "year", "days", "months", "customers", "transactions"):
                continue
            ref = self.catalog.field(FACT, "transaction_amount")
            condition = Condition(FACT, op, (amount.token.value,), ref,
                                  title=f"{ref.title} {OPS_TEXT.get(op, op)} {_format_value(amount.token.value)}")
            times = [t for t, other in enumerate(items) if other.kind == "time" and not other.used]
            period = times[0] if len(times) == 1 and not any(
                other.kind == "sense" and other.has("time_dimension") for other in items) else None
            self._absence(k, list(range(k, n + 1)), kinds, [], period, present=True, amount=condition,
                          at_least=at_least)
            for m in [*range(c + 1, k), *([period] if period is not None else [])]:
                items[m].used = True
            if period is not None and self._word(period - 1) in ("in", "during", "over"):
                items[period - 1].used = True
            return

    def _names_transactions(self, word: str) -> bool:
        """Whether a word names transactions (a verb of buying, or a noun the model reads as the transactions)."""
        return word in ACTIVITY or any(s.kind == "entity" and s.table == FACT for s in self.lexicon.phrases.get((word,), []))

    def _is_one(self, k: int) -> bool:
        """Whether the item at k is the number 1 ("1" or "one"), unused."""
        if not 0 <= k < len(self.items) or self.items[k].used:
            return False
        item = self.items[k]
        if item.kind == "number":
            return item.token is not None and item.token.value == 1 and not item.token.percent and not item.token.plus
        return item.kind == "word" and item.norm == "one"

    def _kind_conditions(self, kinds: list[int]) -> list[Condition]:
        """The kinds of transaction named, as conditions of the transactions (values of one column joined by "or")."""
        values: dict[tuple[str, str], list[str]] = {}
        conditions: list[Condition] = []
        for k in kinds:
            item = self.items[k]
            value = next((s for s in item.senses if s.kind == "value" and s.table in TRANSACTION_TABLES), None)
            if value is not None:
                values.setdefault((value.table, value.name), []).append(value.value)
                continue
            named = next(s for s in item.senses if s.kind == "filter" and s.table in TRANSACTION_TABLES)
            definition = self.catalog.filters[(named.table, named.name)]
            conditions.append(Condition(named.table, "filter", filter_name=named.name, filter_expr=definition.expr,
                                        title=named.name.replace("_", " ")))
        for (table, name), chosen in values.items():
            ref = self.catalog.field(table, name)
            chosen = list(dict.fromkeys(chosen))
            conditions.insert(0, Condition(table, "in", tuple(chosen), ref, title=f"{ref.title} is {' or '.join(chosen)}"))
        return conditions

    def _check_absences(self, query: StructuredQuery) -> StructuredQuery:
        """The customers without some transactions are profile rows: the answer must be over the profile, and the
        one per-customer figure the query carries is theirs."""
        if self._absence_query is None:
            return query
        if query.base_table != PROFILE or query.per_customer not in (None, self._absence_query):
            raise QuestionNotUnderstood(
                "customers without some transactions can be counted, listed or described by their profile figures, "
                "but not combined with a figure of transactions or a per-customer average in one answer",
                ["How many customers had no travel transactions last month", "Average lifetime value of customers "
                 "who never transacted online", "Total spend by segment last month"])
        return query


def _additive(parser, item) -> bool:
    """Whether the item's transaction metric is one count or sum (a figure each customer has 0 of when absent)."""
    metric = item.has("metric", FACT)
    plan = plan_metric(metric.name, parser.catalog.metrics[(FACT, metric.name)].expr)
    return len(plan.leaves) == 1 and isinstance(plan.final, exp.Column) \
        and plan.leaves[0].function in ("count_star", "count", "sum")


def _rows_of(parser, item) -> str | None:
    """The row condition of a count or sum metric (STATUS = 'declined'), as model SQL; None for every row."""
    metric = item.has("metric", FACT)
    leaf = plan_metric(metric.name, parser.catalog.metrics[(FACT, metric.name)].expr).leaves[0]
    return leaf.condition.sql(dialect=DIALECT) if leaf.condition is not None else None


def _canonical_sql(sql: str) -> str:
    return parse_expression(sql).sql(dialect=DIALECT)
