"""Numeric comparisons bound to the fact or metric they are about.

"over 10,000", "at least 20 purchases", "between 40 and 70", "older than 60", "aged 25 to 34", "65+",
"dropped by more than 30%": a comparator, its number and the figure it compares (the one right after the
number binds tightest, else the one before the comparator); percentages of fraction facts are divided by 100.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from sqlglot import exp

from c360_pipeline.semantic.assemble import _condition_title
from c360_pipeline.semantic.model import DIALECT, parse_expression
from c360_pipeline.semantic.query import (
    CHANGE_FACTS,
    FACT,
    FRACTION_FACTS,
    PROFILE,
    Condition,
    FieldRef,
    Measure,
    QuestionNotUnderstood,
    StructuredQuery,
    _format_value,
    condition_sql,
)
from c360_pipeline.semantic.tagging import TRANSACTION_TABLES, Item
from c360_pipeline.semantic.words import CHANGE_DOWN, CHANGE_UP, COMPARATORS, ENTITY_WORDS, HOLDING_WORDS


# Facts that are durations, in their unit; a unit said with the number is converted to it (a month as 30 days and a
# year as 365 when the fact counts days: "tenure over 2 years" is more than 730 days on book).
DURATION_FACTS = {"tenure_months": "month", "tenure_days": "day", "days_since_last_transaction": "day", "age": "year"}
UNIT_DAYS = {"day": 1, "week": 7, "month": 365 / 12, "year": 365}


class Comparisons:
    """Numeric comparisons bound to the fact or metric they are about."""

    def _comparisons(self) -> None:
        items = self.items
        i = 0
        while i < len(items):
            item = items[i]
            band = self._age_band_at(i)
            if band is not None:
                # "the 65+ band", "the 25-34 bracket": an age band of the model written with its class noun
                op, values, end = band
                self._add_comparison(("fact", PROFILE, "age"), op, values, item, spans=tuple(range(i, end)))
                i = end
                continue
            if item.kind == "number" and not item.used and self._range_at(i) is not None \
                    and self._contrast_word_before(i):
                # "aged 40-49 compared with 50-59": a bare range set against a comparison of a fact is of that fact
                target = self._compared_before(i)
                if target is not None:
                    (low, high), end = self._range_at(i)
                    for k in range(i, end):
                        items[k].used = True
                    self._add_comparison(target, "between", (low, high), item, spans=tuple(range(i, end)))
                    i = end
                    continue
            if item.used or item.kind not in ("word", "op", "sense"):
                i += 1
                continue
            # older/younger than N, aged N to M, N years old
            if item.kind == "word" and item.norm in ("older", "younger") and self._matches_words(i + 1, ("than",)):
                number = self._number_at(i + 2)
                if number is not None:
                    op = ">" if item.norm == "older" else "<"
                    self._add_comparison(("fact", PROFILE, "age"), op, (number,), items[i], spans=(i, i + 1, i + 2))
                    self._consume_age_words(i + 3)
                    i += 3
                    continue
            decade = self._decade_at(i)
            if decade is not None:
                # "customers in their 30s": aged 30 to 39
                low, end = decade
                start = i - 1 if self._word(i - 1) in ("in", "aged") and not items[i - 1].used else i
                self._add_comparison(("fact", PROFILE, "age"), "between", (low, low + 9), item,
                                     spans=tuple(range(start, end)))
                i = end
                continue
            if item.kind == "word" and item.norm == "aged":
                bounds = self._range_at(i + 1)
                if bounds:
                    (low, high), end = bounds
                    self._add_comparison(("fact", PROFILE, "age"), "between", (low, high), item, spans=tuple(range(i, end)))
                    i = end
                    continue
                number = self._number_at(i + 1)
                if number is not None:
                    phrase, op, postfix = self._comparator_at(i + 2)
                    if phrase and postfix:  # "aged 65 and over", "aged 25 or younger"
                        end = i + 2 + len(phrase)
                        self._add_comparison(("fact", PROFILE, "age"), op, (number,), item, spans=tuple(range(i, end)))
                        i = end
                        continue
                    self._add_comparison(("fact", PROFILE, "age"), ">=" if items[i + 1].token.plus else "=", (number,), item, spans=(i, i + 1))
                    i += 2
                    continue
                phrase, op, postfix = self._comparator_at(i + 1)
                number = self._number_at(i + 1 + len(phrase)) if phrase and not postfix else None
                if number is not None:  # "aged over 65", "aged under 30"
                    end = i + 1 + len(phrase) + 1
                    self._add_comparison(("fact", PROFILE, "age"), op, (number,), item, spans=tuple(range(i, end)))
                    i = end
                    continue
            if item.kind == "word" and item.norm == "between":
                bounds = self._range_at(i + 1)
                if bounds:
                    (low, high), end = bounds
                    self._attach_comparison(i, "between", (low, high), tuple(range(i, end)), end)
                    i = end
                    continue
            phrase, op, postfix = self._comparator_at(i)
            if phrase and not postfix:
                number_index = i + len(phrase)
                number = self._number_at(number_index)
                if number is not None:
                    end = number_index + 1
                    self._attach_comparison(i, op, (number,), tuple(range(i, end)), end)
                    i = end
                    continue
            i += 1
        self._comparison_sides()
        # postfix comparators: "50 or more transactions", "65+"
        for i, item in enumerate(items):
            if item.kind == "number" and not item.used:
                phrase, op, postfix = self._comparator_at(i + 1)
                if phrase and postfix:
                    self._attach_comparison(i, op, (item.token.value,), tuple(range(i, i + 1 + len(phrase))), i + 1 + len(phrase),
                                            number_index=i)
                elif item.token is not None and item.token.plus:
                    self._attach_comparison(i, ">=", (item.token.value,), (i,), i + 1, number_index=i)
                elif self._exact_count_at(i):
                    # "customers with 0 lifetime txns", "who have exactly 3 transactions": a number written right
                    # before the figure it counts, without a comparator, is that figure's value
                    spans = (i - 1, i) if self._word(i - 1) == "exactly" else (i,)
                    self._attach_comparison(i, "=", (item.token.value,), spans, i + 1, number_index=i)
        # "under 30 vs 30 and over": a side written with a postfix comparator
        self._comparison_sides()

    def _compared_before(self, index: int) -> tuple | None:
        """ "utilization above 50 vs below 50": a comparison without its figure right after "vs" / "versus" /
        "compared to" that follows a comparison of a fact is of the same fact (the two sides of a contrast, split in
        _comparison_sides); else None."""
        k = index - 1
        if self._word(k) in ("to", "with") and self._word(k - 1) == "compared":
            k -= 1
        if k < 0 or self.items[k].kind != "word" or self.items[k].used \
                or self.items[k].norm not in ("versus", "vs", "against", "compared"):
            return None
        if not self.draft.comparisons or self.draft.comparisons[-1][0][0] != "fact":
            return None
        for j in range(k, index):
            self.items[j].used = True
        self._versus_at = k
        return self.draft.comparisons[-1][0]

    def _contrast_word_before(self, index: int) -> bool:
        """Whether "vs" / "versus" / "against" / "compared to|with" is written right before index, unused."""
        k = index - 1
        if self._word(k) in ("to", "with") and self._word(k - 1) == "compared":
            k -= 1
        return 0 <= k < len(self.items) and self.items[k].kind == "word" and not self.items[k].used \
            and self.items[k].norm in ("versus", "vs", "against", "compared")

    def _comparison_sides(self) -> None:
        """The two comparisons of one fact set against each other ("decline rate for customers with utilization above
        50 vs below 50") split the rows in two: one row per side, labelled with its condition, the rows in neither
        left out."""
        positions = [next(k for k, it in enumerate(self.items) if it is item) for *_, item in self.draft.comparisons]
        versus = [k for k, item in enumerate(self.items) if item.kind == "word" and item.norm in ("versus", "vs", "against", "compared")
                  and (not item.used or k == getattr(self, "_versus_at", None))]
        verb = next((k for k, item in enumerate(self.items) if item.kind == "word"
                     and item.norm in ("compare", "comparing", "comparison")), None)
        if verb is not None and not versus:
            # "compare the decline rate for customers under 25 with those 25 and older": after the verb, the word
            # joining the two sides
            versus = [k for k, item in enumerate(self.items) if k > verb and item.kind == "word" and not item.used
                      and item.norm in ("with", "to", "and")]
        pair = None
        for k in versus:
            before = [n for n, p in enumerate(positions) if p < k]
            after = [n for n, p in enumerate(positions) if p > k]
            if not before or not after:
                continue
            first, second = before[-1], after[0]
            if self.draft.comparisons[first][0] != self.draft.comparisons[second][0] \
                    or self.draft.comparisons[first][0][0] != "fact":
                # "utilization above 50 vs ltv below 5,000": two different figures' conditions are no two sides
                raise QuestionNotUnderstood("two groups set against each other are compared on one figure (for example "
                                            "'decline rate for utilization above 50 vs below 50')")
            self.items[k].used = True
            pair = [self.draft.comparisons[first], self.draft.comparisons[second]]
            break
        if pair is None:
            return
        bounds = {op: values[0] for _, op, values, _ in pair if op in (">", ">=", "<", "<=")}
        low = next((bounds[op] for op in (">", ">=") if op in bounds), None)
        high = next((bounds[op] for op in ("<", "<=") if op in bounds), None)
        if low is not None and high is not None and (low < high or low == high and ">=" in bounds and "<=" in bounds):
            raise QuestionNotUnderstood("the two sides overlap; name two groups that do not (for example 'utilization "
                                        "above 50 vs below 50')")
        if any(op == "between" for _, op, _, _ in pair) and _overlap(*(_interval(op, values) for _, op, values, _ in pair)):
            raise QuestionNotUnderstood("the two sides overlap; name two groups that do not (for example 'aged 40-49 "
                                        "vs 50-59')")
        ref = self.catalog.field(pair[0][0][1], pair[0][0][2])
        sides = [Condition(ref.table, op, values, ref, title=_condition_title(ref, op, values)) for _, op, values, _ in pair]
        predicates = [condition_sql(side) for side in sides]
        label = exp.If(this=predicates[0], true=exp.Literal.string(sides[0].title),
                       false=exp.If(this=predicates[1], true=exp.Literal.string(sides[1].title), false=exp.null()))
        self.draft.group_by.append(FieldRef(ref.table, f"{ref.name}_sides", "dimension", label.sql(dialect=DIALECT),
                                            f"{ref.label}_SIDE", "VARCHAR", f"{ref.title} side"))
        either = exp.or_(*predicates).sql(dialect=DIALECT)
        self.draft.conditions.append(Condition(ref.table, "filter", filter_name="either_side", filter_expr=either,
                                               title=f"{sides[0].title} or {sides[1].title}"))
        self.draft.comparisons = [c for c in self.draft.comparisons if c not in pair]
        self.draft.notes.append(f"Compared side with side: {sides[0].title} against {sides[1].title}, one row each.")

    def _customers_in_scope(self, index: int) -> bool:
        """Whether the item at index is the customers' noun said after "for" / "among" / "of" (the customers a figure is
        over: "top categories by spend for customers 65 and over"), not a count of customers."""
        item = self.items[index]
        return item.kind == "sense" and item.has("entity", PROFILE) is not None and item.has("metric") is None \
            and (self._word(index - 1) in ("for", "among", "amongst", "of")
                 or self._word(index - 1) in ("by", "to") and self._word(index - 2) in HOLDING_WORDS)

    def _exact_count_at(self, index: int) -> bool:
        """Whether the whole number at index follows "with" / "have" / "had" (or "exactly") and is written right
        before a count the customers have: a profile fact or the transactions ("with 0 lifetime txns")."""
        number = self.items[index]
        if not isinstance(number.token.value, int) or number.token.percent or number.text.lstrip().startswith("$"):
            return False
        before = self._word(index - 1)
        if before == "exactly":
            before = "with"
        if before not in ("with", "have", "has", "had", "having") or index + 1 >= len(self.items):
            return False
        after = self.items[index + 1]
        return after.kind == "sense" and not after.used and (after.has("fact", PROFILE) is not None
                                                              or after.has("entity", FACT) is not None)

    def _age_band_at(self, index: int) -> tuple[str, tuple, int] | None:
        """ "65+ band", "25-34 bracket", "18-24 group" at index: when the label is one of the age band's values, the
        age comparison it is (>= 65, between 25 and 34) and the index after the class noun; else None."""
        items = self.items
        number = items[index]
        if number.kind != "number" or number.used or not isinstance(number.token.value, int) or number.token.percent:
            return None
        low = number.token.value
        if number.token.plus:
            label, op, values, k = f"{low}+", ">=", (low,), index + 1
        else:
            bounds = self._range_at(index)
            if bounds is None or self._word(index + 1) not in ("-", "to"):
                return None
            (low, high), k = bounds
            label, op, values = f"{low}-{high}", "between", (low, high)
        if k >= len(items) or items[k].kind != "word" or items[k].norm not in ("band", "bracket", "group") or items[k].used:
            return None
        bands = {value for d in self.catalog.tables[PROFILE].dimensions if d.name == "age_band" for value in d.sample_values}
        if label not in bands:
            return None
        return op, values, k + 1

    def _decade_at(self, index: int) -> tuple[int, int] | None:
        """ "their 30s" / "their 30's" at index: the decade's first age and the index after the phrase."""
        items = self.items
        if self._word(index) != "their" or index + 2 >= len(items):
            return None
        number = items[index + 1]
        if number.kind != "number" or number.used or not isinstance(number.token.value, int) \
                or number.token.value % 10 or not 10 <= number.token.value <= 90 or number.token.percent:
            return None
        k = index + 2
        if items[k].kind == "punct" and items[k].text == "'" and k + 1 < len(items):
            k += 1
        if items[k].kind != "word" or items[k].norm != "s" or items[k].token is None \
                or items[k - 1].token is None or items[k].token.start != items[k - 1].token.end:
            return None
        return number.token.value, k + 1

    def _consume_age_words(self, index: int) -> None:
        for words in (("year", "old"), ("year",)):
            if self._matches_words(index, words):
                for k in range(index, index + len(words)):
                    self.items[k].used = True
                return

    def _number_at(self, index: int) -> float | int | None:
        if 0 <= index < len(self.items) and self.items[index].kind == "number" and not self.items[index].used:
            return self.items[index].token.value
        if 0 <= index < len(self.items) and self.items[index].kind == "punct" and self.items[index].text == "$":
            return self._number_at(index + 1)
        return None

    def _range_at(self, index: int) -> tuple[tuple[object, object], int] | None:
        low = self._number_at(index)
        if low is None:
            return None
        separator = self.items[index + 1] if index + 1 < len(self.items) else None
        if separator is not None and (separator.norm in ("and", "to") or separator.text in ("-", "–")):
            high = self._number_at(index + 2)
            if high is not None:
                return (min(low, high), max(low, high)), index + 3
        return None

    def _comparator_at(self, index: int) -> tuple[tuple[str, ...] | None, str, bool]:
        for length in (3, 2, 1):
            words = tuple(self.items[k].norm for k in range(index, min(index + length, len(self.items)))
                          if self.items[k].kind in ("word", "op", "number") and not self.items[k].used)
            if len(words) == length and words in COMPARATORS:
                op, postfix = COMPARATORS[words]
                return words, op, postfix
        if 0 <= index < len(self.items) and self.items[index].kind == "sense" and self.items[index].norm in ("over", "under"):
            return (self.items[index].norm,), ">" if self.items[index].norm == "over" else "<", False
        return None, "", False

    def _attach_comparison(self, index: int, op: str, values: tuple, spans: tuple[int, ...], end: int,
                           number_index: int | None = None) -> None:
        """Bind a comparison to the fact or metric it is about: before the comparator, else right after the number."""
        target = None
        percent = any(self.items[k].token is not None and self.items[k].token.percent for k in spans if self.items[k].kind == "number")
        direction = self._change_direction(index)
        back_skip = {"is", "are", "was", "were", "with", "whose", "has", "have", "had", "a", "an", "the", "of", "their",
                     "where", "that", "who", "which", "by", "in", "and", "value", "customer", "spend"} | CHANGE_DOWN | CHANGE_UP
        # a unit of time right after the number ("over 5 years", "more than 2 years of tenure"): the figure is a
        # duration, in its own unit
        unit = self._duration_unit(end)
        # the figure right after the number binds tightest ("more than 50 transactions"), else the one before it
        after = self._next(end - 1 if unit is None else end, {"in", "of", "the", "a", "an", "dollar", "usd", "total",
                                                               "worth", "as"}, limit=2)
        money = any(self.items[k].kind == "number" and self.items[k].text.lstrip().startswith("$") for k in spans)
        if unit is None and not money and not percent and index > 0 and self._customers_noun(index - 1) \
                and all(isinstance(v, int) and 18 <= v <= 100 for v in values):
            # "how much did customers under 25 spend on gaming": a number said right after the customers is their
            # age, not the figure after it
            after = None
            target = ("fact", PROFILE, "age")
            self.draft.notes.append(f"Read {' and '.join(_format_value(v) for v in values)} as an age.")
        if after is not None:
            target = self._comparison_target(after)
            if unit is not None and (target is None or target[0] != "fact" or target[2] not in DURATION_FACTS):
                target = None
        named_before = False
        if target is None:
            before = self._previous(min(spans), back_skip, limit=4)
            while before is not None and self.items[before].kind == "time":
                # "transactions in 2024 were under $20": the period says when, the figure is before it
                before = self._previous(before, back_skip, limit=4)
            if before is not None and self._customers_in_scope(before):
                before = None  # "spend for customers 65+": the customers the figure is over, not a count of them
            if before is not None:
                target = self._comparison_target(before)
                if target is None and self._transactions_of_a_kind(before):
                    # "approved txns between $200 and $300", "online purchases over 500": the rows named are
                    # transactions (a kind spelled with their noun), so the figure is each one's amount
                    target = ("transactions_per_customer",)
                named_before = target is not None
        money = any(self.items[k].kind == "number" and self.items[k].text.lstrip().startswith("$") for k in spans)
        if self._word(end) in ("dollar", "usd"):
            money, spans = True, (*spans, end)  # "5,000 dollars"
        # "transactions over $5,000", "transactions above 2k": the transactions' amount ("more than 50 transactions"
        # puts the count after the number, and "customers with transactions over ..." is per customer)
        if (money or named_before) and target == ("transactions_per_customer",) \
                and not self._customers_mentioned(as_makers=False):
            # "transactions over $5,000": an amount compares with each transaction's amount, not a count of them
            target = ("fact", FACT, "transaction_amount")
            self.draft.entity = self.draft.entity or FACT  # the transactions named are the rows
        if named_before and target[0] == "measure" and target[1].metric in ("transaction_count", "customer_count"):
            # "how many transactions over $1,000 (by channel)": an amount of money is never a count, so it picks the
            # transactions counted by their amount; "how many customers are over 65": with no groups a count has one
            # value and nothing to compare it with, so a number that can be an age picks the customers by their age
            # (as with no figure named at all, below)
            rows = target[1].table
            if rows == FACT and money:
                target = ("fact", FACT, "transaction_amount")
            elif rows == PROFILE and not money and not percent and direction is None and not self._aggregate_context() \
                    and all(isinstance(v, (int, float)) and 18 <= v <= 100 for v in values):
                target = ("fact", PROFILE, "age")
                self.draft.notes.append(f"Read {' and '.join(_format_value(v) for v in values)} as an age.")
        if direction is not None and (target is None or target[0] == "measure" or
                                      (target[0] == "fact" and target[2] not in CHANGE_FACTS)):
            if target is not None and target[0] == "measure" and target[1] in self.draft.measures:
                self.draft.measures.remove(target[1])
            target = ("fact", PROFILE, "spend_change_pct")
            self.draft.notes.append("Read the change as the 90-day spend change (last 90 days against the 90 before).")
        if target is None:
            target = self._compared_before(min(spans))
        if target is None:
            if self._customers_mentioned() and all(isinstance(v, (int, float)) and 18 <= v <= 100 for v in values) and not percent:
                target = ("fact", PROFILE, "age")
                self.draft.notes.append(f"Read {' and '.join(_format_value(v) for v in values)} as an age.")
            else:
                return
        if unit is not None and target[0] == "fact" and target[2] in DURATION_FACTS:
            # "tenure over 5 years": 60 months; "days since last purchase over 2 weeks": 14 days
            own = DURATION_FACTS[target[2]]
            factor = UNIT_DAYS[unit] / UNIT_DAYS[own]
            if factor != 1:
                converted = tuple(round(v * factor) if isinstance(v, (int, float)) else v for v in values)
                plural = "" if values == (1,) else "s"
                self.draft.notes.append(f"Read {' and '.join(_format_value(v) for v in values)} {unit}{plural} as "
                                        f"{' and '.join(_format_value(v) for v in converted)} {own}s.")
                values = converted
            spans = (*spans, end)
        for k in spans:
            self.items[k].used = True
        self._add_comparison(target, op, values, self.items[index], spans=spans, percent=percent, direction=direction)

    def _duration_unit(self, index: int) -> str | None:
        """The unit of time at index ("days", "weeks", "months", "years", "yrs"), or None."""
        if index >= len(self.items):
            return None
        item = self.items[index]
        if item.used or item.kind not in ("word", "sense") or item.norm not in UNIT_DAYS:
            return None
        return item.norm

    def _transactions_of_a_kind(self, index: int) -> bool:
        """Whether the item at index is a kind of transaction spelled with the transactions' noun ("approved txns",
        "declined purchases"): a value or filter of the transactions' tables whose last word names them."""
        item = self.items[index]
        words = item.norm.split()
        if item.kind != "sense" or item.used or len(words) < 2 or not item.senses or \
                not all(s.kind in ("value", "filter") and s.table in TRANSACTION_TABLES for s in item.senses):
            return False
        return any(s.kind == "entity" and s.table == FACT for s in self.lexicon.phrases.get((words[-1],), []))

    def _change_direction(self, index: int) -> str | None:
        for k in range(max(0, index - 3), index):
            item = self.items[k]
            if item.kind == "word" and item.norm in CHANGE_DOWN | CHANGE_UP:
                item.used = True
                if self._word(k + 1) == "by":
                    self.items[k + 1].used = True  # "dropped by more than 30%"
                return "down" if item.norm in CHANGE_DOWN else "up"
        return None

    def _customers_noun(self, k: int) -> bool:
        """Whether item k is the customers' noun alone, or a value spelled with it ("customers", "gold cardholders")."""
        item = self.items[k]
        if item.kind != "sense" or item.has("metric") or item.has("fact"):
            return False
        return item.has("entity", PROFILE) is not None or (
            item.has("value", PROFILE) is not None and item.norm.split()[-1] in ENTITY_WORDS)

    def _customers_mentioned(self, as_makers: bool = True) -> bool:
        """Whether the question names customers: the entity, or a value spelled with its noun ("premium
        cardholders", "platinum holders" are one phrase of the card type). Without `as_makers`, customers said as
        whose transactions are meant ("... transactions from platinum cardholders") do not count."""
        return any(item.kind == "sense" and (as_makers or not self._makers_of_transactions(k)) and (
            item.has("entity", PROFILE) or (
                item.has("value", PROFILE) and any(s.kind == "entity" and s.table == PROFILE
                                                   for s in self.lexicon.phrases.get((item.norm.split()[-1],), []))))
            for k, item in enumerate(self.items))

    def _makers_of_transactions(self, k: int) -> bool:
        """Whether the customers at k are said as whose transactions were counted ("merchants with more than 20
        transactions from platinum cardholders", "transactions over $1,000 by gold customers", "how many purchases over
        $500 did gold cardholders make"): "from" / "by" / "did" after a transaction noun or figure names a filter on
        those transactions, not customers as the rows or as whose figure is compared."""
        while k > 0 and self.items[k - 1].kind == "sense" and self.items[k - 1].has("value", PROFILE) \
                and not self.items[k - 1].has("entity"):
            k -= 1  # "from gold customers": the values said before the customers' noun
        if k < 2 or self._word(k - 1) not in ("from", "by", "did", "do", "does", "have", "has", "had"):
            return False
        return any(before.kind == "sense" and (before.has("entity", FACT) is not None
                                               or before.has("metric", FACT) is not None)
                   for before in self.items[:k - 1])

    def _comparison_target(self, index: int) -> tuple | None:
        item = self.items[index]
        if item.kind != "sense":
            return None
        fact = item.has("fact")
        metric = item.has("metric")
        entity = item.has("entity", FACT)
        if fact and not (metric and item.used):
            item.used = True
            return ("fact", fact.table, fact.name)
        if metric:
            measure = self._measure_item(item)
            return ("measure", measure)
        if entity:
            # "more than 50 transactions": per customer, lifetime (or in the asked period, see _assemble)
            item.used = True
            return ("transactions_per_customer",)
        if item.has("entity", PROFILE) and not item.used and self._aggregate_context():
            # "states with more than 20 customers"
            item.used = True
            measure = self.catalog.metric_measure(PROFILE, "customer_count")
            self.item_measures[id(item)] = measure
            return ("measure", measure)
        return None

    def _measure_item(self, item: Item) -> Measure:
        """The measure an item names (adding it to the query once)."""
        if id(item) in self.item_measures:
            return self.item_measures[id(item)]
        metric = item.has("metric")
        measure = self.catalog.metric_measure(metric.table, metric.name)
        item.used = True
        if measure not in self.draft.measures:
            self.draft.measures.append(measure)
        self.item_measures[id(item)] = measure
        return measure

    def _add_comparison(self, target: tuple, op: str, values: tuple, item: Item, spans: tuple[int, ...] = (),
                        percent: bool = False, direction: str | None = None) -> None:
        for k in spans:
            self.items[k].used = True
        # a fraction fact, or a rate of rows ("a decline rate of at least 8%"): a percentage is its hundredth
        fraction = (target[0] == "fact" and target[2] in FRACTION_FACTS) or (
            target[0] == "measure" and _a_fraction(target[1]))
        if fraction and (percent or any(abs(v) > 1 for v in values)):
            values = tuple(v / 100 for v in values)
        if target[0] == "fact":
            name = target[2]
            if direction is not None and name in CHANGE_FACTS:
                if direction == "down":
                    values = tuple(-abs(v) for v in values)
                    op = {">": "<", ">=": "<=", "<": ">", "<=": ">="}.get(op, op)
                    if op == "between":
                        values = tuple(sorted(values))
        self.draft.comparisons.append((target, op, values, item))


    def _check_conditions_can_hold(self, query: StructuredQuery) -> StructuredQuery:
        """ "average ltv of customers under 25 and over 60": conditions are all kept, and no customer is both, so the
        answer would be empty — refused with the two readings that have rows (side by side, or either)."""
        ranges = [c for c in query.conditions if c.field is not None and c.op in (">", ">=", "<", "<=", "between")
                  and all(isinstance(v, (int, float)) for v in c.values)]
        for n, one in enumerate(ranges):
            for other in ranges[n + 1:]:
                if one.field == other.field and not _overlap(_interval(one.op, one.values),
                                                             _interval(other.op, other.values)):
                    raise QuestionNotUnderstood(
                        f"no row has both {one.title} and {other.title}; to set the two groups side by side put "
                        "'vs' between them, or ask about each group on its own",
                        [f"{m.title.capitalize()} for {one.title} vs {other.title}" for m in query.measures[:1]])
        return query


def _a_fraction(measure: Measure) -> bool:
    """Whether a measure is a fraction of its rows: a share of a total, or rows of a kind over all the rows counted
    (`COUNT_IF(p) / NULLIF(COUNT(x), 0)`, as the decline and approval rates are)."""
    if measure.of_total:
        return True
    try:
        tree = parse_expression(measure.expr)
    except Exception:
        return False
    if not isinstance(tree, exp.Div):
        return False
    below = tree.expression.this if isinstance(tree.expression, exp.Nullif) else tree.expression
    return isinstance(tree.this, exp.CountIf) and isinstance(below, exp.Count)


def _interval(op: str, values: tuple) -> tuple:
    """The values a comparison keeps as (low, low included, high, high included); None for an open end; an equality
    or a list of values is treated as its whole span."""
    numbers = [v for v in values if isinstance(v, (int, float))]
    if op == "between" or op in ("=", "in"):
        return (min(numbers), True, max(numbers), True) if numbers else (None, True, None, True)
    return {">": (values[0], False, None, True), ">=": (values[0], True, None, True),
            "<": (None, True, values[0], False), "<=": (None, True, values[0], True)}.get(op, (None, True, None, True))


def _overlap(one: tuple, other: tuple) -> bool:
    """Whether two intervals of _interval share a value."""
    def below(high, high_in, low, low_in):  # every value up to `high` is under every value from `low`
        if high is None or low is None:
            return False
        return high < low or high == low and not (high_in and low_in)
    return not (below(one[2], one[3], other[0], other[1]) or below(other[2], other[3], one[0], one[1]))
