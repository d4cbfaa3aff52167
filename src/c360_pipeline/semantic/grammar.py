"""The grammar: a question → StructuredQuery, read with a small rule-based parser over the model's vocabulary.

The question is tokenised (vocabulary.py), time expressions are found (timeranges.py), then the longest
model phrases (metrics, facts, dimensions, values, named filters, the customer and transaction
entities). Passes then give the remaining words their roles: counts and aggregation words, numeric
comparisons, top/bottom N and superlatives, "by X" breakdowns, values as filters (with negation),
list words. A word that plays no role — unknown, or a structural word without its target — makes the
question refused with the reason, instead of answering a different question.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable

from c360_pipeline.semantic.columns import columns_in
from c360_pipeline.semantic.model import SemanticModel, parse_expression
from c360_pipeline.semantic.query import (
    AGGREGATION_TITLES,
    CATEGORIES,
    CHANGE_FACTS,
    DATE_GRAINS,
    DATES,
    DEFAULT_AGGREGATION,
    FACT,
    FACT_GRAINS,
    FRACTION_FACTS,
    GRAIN_WORDS,
    LIST_COLUMNS,
    LIST_LIMIT,
    OPS_TEXT,
    PRIMARY_KEY,
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
    _format_value,
    _title,
    catalog_for,
)
from c360_pipeline.semantic.normalise import normalise
from c360_pipeline.semantic.tagging import Item, tag
from c360_pipeline.semantic.timeranges import FutureTime, TimeSpec
from c360_pipeline.semantic.vocabulary import Lexicon, Sense, Token, tokenize
from c360_pipeline.semantic.words import (  # noqa: F401 (STOPWORDS and FILLERS are re-exported)
    ASC_WORDS,
    CHANGE_DOWN,
    CHANGE_UP,
    COMPARATORS,
    DESC_WORDS,
    ENTITY_FIGURES,
    ENTITY_WORDS,
    FILLERS,
    GROUP_WORDS,
    LIST_WORDS,
    MODIFY_WORDS,
    NEGATIONS,
    STOPWORDS,
    STRUCTURAL,
    SUPERLATIVES,
    TRANSACT_VERBS,
    TREND_WORDS,
)

# --- reading a question --------------------------------------------------------------------------

@dataclass
class Draft:
    """What the grammar has understood so far."""

    measures: list[Measure] = field(default_factory=list)
    group_by: list[FieldRef] = field(default_factory=list)
    columns: list[FieldRef] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    comparisons: list[tuple[object, str, tuple, Item]] = field(default_factory=list)  # target, op, values
    time: TimeSpec | None = None
    time_field: FieldRef | None = None
    order: list[tuple[object, bool]] = field(default_factory=list)  # target (Measure|FieldRef|None), descending
    limit: int | None = None
    entity: str | None = None
    list_intent: bool = False
    count_intent: bool = False
    group_customers: bool = False
    transacted: bool = False
    notes: list[str] = field(default_factory=list)


class Parser:
    """Reads one question into a StructuredQuery (or refuses) using the model's vocabulary."""

    def __init__(self, question: str, catalog: Catalog, lexicon: Lexicon, as_of: date | Callable[[], date] | None):
        self.question = question
        self.catalog = catalog
        self.lexicon = lexicon
        self._as_of = as_of
        self.tokens = tokenize(normalise(question))
        self.items = tag(self.tokens, lexicon)
        self.draft = Draft()
        self.item_measures: dict[int, Measure] = {}
        self._pending_singular = True
        self._which_group = False

    # helpers ----------------------------------------------------------------------------------
    def as_of(self) -> date:
        if callable(self._as_of):
            self._as_of = self._as_of()
        if self._as_of is None:
            raise QuestionNotUnderstood("the data's as-of date is unknown, so relative dates cannot be resolved")
        return self._as_of

    def _word(self, index: int) -> str:
        if 0 <= index < len(self.items) and self.items[index].kind in ("word", "op", "punct", "number"):
            return self.items[index].norm
        return ""

    def _next(self, index: int, skip: set[str] = STOPWORDS - DESC_WORDS - ASC_WORDS - {"by", "per", "each", "and", "or"},
              limit: int = 4) -> int | None:
        """Index of the next meaningful item after `index`, skipping filler words."""
        j = index + 1
        hops = 0
        while j < len(self.items) and hops < limit:
            item = self.items[j]
            if item.kind == "punct" and item.text in ("'", '"', "`", "."):
                j += 1
                continue
            if item.kind == "word" and item.norm in skip:
                j += 1
                hops += 1
                continue
            return j
        return None

    def _previous(self, index: int, skip: set[str], limit: int = 4) -> int | None:
        j = index - 1
        hops = 0
        while j >= 0 and hops < limit:
            item = self.items[j]
            if item.kind == "word" and item.norm in skip:
                j -= 1
                hops += 1
                continue
            return j
        return None

    def _matches_words(self, index: int, words: tuple[str, ...]) -> bool:
        if index + len(words) > len(self.items):
            return False
        for offset, word in enumerate(words):
            item = self.items[index + offset]
            if item.kind not in ("word", "op", "number") or item.norm != word or item.used:
                return False
        return True

    def refuse(self, reason: str) -> QuestionNotUnderstood:
        return QuestionNotUnderstood(reason)

    # entry point ------------------------------------------------------------------------------
    def parse(self) -> StructuredQuery:
        text = self.question.strip()
        if not text:
            raise self.refuse("the question is empty")
        if len(text) > 400:
            raise self.refuse("the question is too long; ask one thing at a time")
        self._check_read_only()
        self._time_expressions()
        self._identifiers()
        self._counts_and_aggregations()
        self._comparisons()
        self._ordering()
        self._grouping()
        self._values_and_filters()
        self._directions()
        self._remaining_senses()
        self._list_and_filler_words()
        self._check_everything_used()
        return self._assemble()

    # passes -----------------------------------------------------------------------------------
    def _check_read_only(self) -> None:
        norms = [t.norm for t in self.tokens if t.kind == "word"]
        if any(word in MODIFY_WORDS for word in norms):
            verb = next(word for word in norms if word in MODIFY_WORDS)
            raise self.refuse(
                f"I only read data: '{verb}' asks to change it. The assistant never modifies tables; "
                "ask a question about the data instead"
            )
        if "select" in norms and "from" in norms:
            raise self.refuse("I answer questions in plain English and do not run SQL typed into the box")
        if any(word in ("change", "set") for word in norms) and "to" in norms and not any(
            item.kind == "time" for item in self.items
        ):
            for i, token in enumerate(self.tokens):
                if token.norm in ("change", "set") and i + 1 < len(self.tokens) and self.tokens[i + 1].kind == "word" and \
                        self.tokens[i + 1].norm in ("the", "their", "his", "her", "customer", "card", "status", "state",
                                                     "segment", "limit", "credit"):
                    raise self.refuse("I only read data: the question asks to change it. The assistant never modifies tables")

    def _time_expressions(self) -> None:
        for item in self.items:
            if item.kind != "time":
                continue
            if item.time.kind == "future":
                raise self.refuse(f"'{item.text}' is in the future: the data ends on {self.as_of().isoformat()}")
            if self.draft.time is not None:
                raise self.refuse("the question names two periods; ask about one period at a time")
            self.draft.time = item.time
            item.used = True

    def _identifiers(self) -> None:
        for item in self.items:
            if item.kind == "id":
                table, name = (PROFILE, "customer_id") if item.text.upper().startswith("CUST") else (FACT, "transaction_id")
                ref = self.catalog.field(table, name)
                self.draft.conditions.append(Condition(table, "in", (item.text.upper(),), ref, title=f"{ref.title} is {item.text.upper()}"))
                item.used = True

    def _counts_and_aggregations(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used:
                continue
            word = item.norm if item.kind == "word" else ""
            # "how many", "number of", "count of", "count", "#" → count of the next entity / dimension
            counting = False
            span = 1
            if word == "how" and i + 1 < len(items) and items[i + 1].norm == "many":
                counting, span = True, 2
            elif word in ("number", "count", "total") and i + 1 < len(items) and items[i + 1].norm == "of":
                counting, span = True, 2
            elif word == "count":
                counting = True
            if counting:
                for k in range(i, i + span):
                    items[k].used = True
                self._bind_count(i + span - 1)
                continue
            function = {"average": "AVG", "total": "SUM", "median": "MEDIAN", "maximum": "MAX", "minimum": "MIN"}.get(word)
            if function:
                self._bind_aggregation(i, function)

    def _bind_count(self, index: int) -> None:
        """Count what follows a count phrase: an entity, a dimension (distinct values) or filtered customers."""
        skip = STOPWORDS - {"and", "or", "by", "per", "each"} | {"distinct", "different", "unique"}
        j = self._next(index, skip, limit=3)
        while j is not None:
            item = self.items[j]
            if item.kind == "sense":
                entity = item.has("entity")
                metric = item.has("metric")
                dimension = item.has("dimension")
                if entity:
                    item.used = True
                    self._count_entity(entity.table, item)
                    return
                if metric and metric.name in ("customer_count", "transaction_count", "retention_target_count",
                                              "upsell_target_count", "high_risk_customer_count"):
                    return  # "number of customers" etc. is a metric already
                if dimension and not item.has("value") and self.catalog.fields[(dimension.table, dimension.name)].kind == "dimension":
                    ref = self.catalog.field(dimension.table, dimension.name)
                    item.used = True
                    measure = self.catalog.aggregate_measure("COUNT_DISTINCT", ref)
                    self.draft.measures.append(measure)
                    self.item_measures[id(item)] = measure
                    return
                if item.has("value") or item.has("filter") or item.has("time_dimension"):
                    # "how many Premium cardholders ..." / "how many high-risk customers": values, then maybe the entity
                    j = self._next(j, skip, limit=3)
                    continue
            break
        # "transactions this year by channel, count": the entity named before the word
        for item in reversed(self.items[:index]):
            entity = item.kind == "sense" and not item.used and item.has("entity")
            if entity and not item.has("metric"):
                item.used = True
                self._count_entity(entity.table, item)
                return
        # "how many are high risk?" — counting customers is the only reading
        self.draft.count_intent = True

    def _count_entity(self, table: str, item: Item) -> None:
        metric = {PROFILE: "customer_count", FACT: "transaction_count"}[table]
        measure = self.catalog.metric_measure(table, metric)
        self.draft.measures.append(measure)
        self.item_measures[id(item)] = measure
        self.draft.entity = self.draft.entity or table

    def _bind_aggregation(self, index: int, function: str) -> None:
        skip = {"of", "the", "a", "an", "customer", "per", "all", "our", "their", "'s"}
        j = self._next(index, skip, limit=3)
        # "total grocery store spend", "average Premium customer LTV": values between the word and its figure
        while j is not None and self.items[j].kind == "sense" and self.items[j].has("value") \
                and not (self.items[j].has("fact") or self.items[j].has("metric")):
            j = self._next(j, skip, limit=2)
        if j is None or not (self.items[j].kind == "sense" and (self.items[j].has("fact") or self.items[j].has("metric"))):
            # "LTV average", "spend total": the word after its figure
            before = index - 1
            while before >= 0 and (self.items[before].kind == "punct" or
                                   (self.items[before].kind == "word" and self.items[before].norm in ("on", "in", "the", "an"))):
                before -= 1
            if before >= 0 and self.items[before].kind == "sense" and not self.items[before].used \
                    and (self.items[before].has("fact") or self.items[before].has("metric")):
                j = before
        if j is None:
            return
        targets = []
        while j is not None:
            item = self.items[j]
            if item.kind != "sense" or item.used:
                break
            targets.append(item)
            following = self._next(j, set(), limit=1)
            if following is not None and self.items[following].kind == "word" and self.items[following].norm in ("and", ",") \
                    or (following is not None and self.items[following].kind == "punct" and self.items[following].text == ","):
                nxt = self._next(following, skip, limit=2)
                if nxt is not None and self.items[nxt].kind == "sense" and (self.items[nxt].has("fact") or self.items[nxt].has("metric")) \
                        and not self.items[nxt].has("entity"):
                    self.items[following].used = True
                    j = nxt
                    continue
            break
        bound = False
        for item in targets:
            fact = item.has("fact")
            metric = item.has("metric")
            if fact:
                ref = self.catalog.field(fact.table, fact.name)
                measure = self.catalog.aggregate_measure(function, ref)
                self.draft.measures.append(measure)
                self.item_measures[id(item)] = measure
                item.used = bound = True
            elif metric:
                measure = self.catalog.metric_measure(metric.table, metric.name)
                outer = parse_expression(measure.expr)
                outer_name = type(outer).__name__.upper()
                agrees = {"AVG": "AVG", "SUM": "SUM", "MAX": "MAX", "MIN": "MIN", "MEDIAN": "MEDIAN"}.get(function) == outer_name \
                    or (function == "SUM" and outer_name in ("COUNT", "COUNTIF"))
                if not agrees and measure.metric not in ("average_transaction_amount",):
                    raise self.refuse(
                        f"'{self.items[index].text} {item.text}' is ambiguous: {measure.title} is already a "
                        f"{AGGREGATION_TITLES.get(outer_name, outer_name.lower())}. Ask for it directly, or for an average of a "
                        "per-customer figure such as average lifetime value or average monthly spend"
                    )
                self.draft.measures.append(measure)
                self.item_measures[id(item)] = measure
                item.used = bound = True
            elif item.has("entity") and function == "SUM":
                entity = item.has("entity")
                item.used = bound = True
                self._count_entity(entity.table, item)
        if bound:
            self.items[index].used = True

    def _comparisons(self) -> None:
        items = self.items
        i = 0
        while i < len(items):
            item = items[i]
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
            if item.kind == "word" and item.norm == "aged":
                bounds = self._range_at(i + 1)
                if bounds:
                    (low, high), end = bounds
                    self._add_comparison(("fact", PROFILE, "age"), "between", (low, high), item, spans=tuple(range(i, end)))
                    i = end
                    continue
                number = self._number_at(i + 1)
                if number is not None:
                    self._add_comparison(("fact", PROFILE, "age"), ">=" if items[i + 1].token.plus else "=", (number,), item, spans=(i, i + 1))
                    i += 2
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
        # postfix comparators: "50 or more transactions", "65+"
        for i, item in enumerate(items):
            if item.kind == "number" and not item.used:
                phrase, op, postfix = self._comparator_at(i + 1)
                if phrase and postfix:
                    self._attach_comparison(i, op, (item.token.value,), tuple(range(i, i + 1 + len(phrase))), i + 1 + len(phrase),
                                            number_index=i)
                elif item.token is not None and item.token.plus:
                    self._attach_comparison(i, ">=", (item.token.value,), (i,), i + 1, number_index=i)

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
        # the figure right after the number binds tightest ("more than 50 transactions"), else the one before it
        after = self._next(end - 1, {"in", "of", "the", "a", "an", "dollar", "usd", "total", "worth"}, limit=2)
        if after is not None:
            target = self._comparison_target(after)
        if target is None:
            before = self._previous(min(spans), back_skip, limit=4)
            if before is not None:
                target = self._comparison_target(before)
        if direction is not None and (target is None or target[0] == "measure" or
                                      (target[0] == "fact" and target[2] not in CHANGE_FACTS)):
            if target is not None and target[0] == "measure" and target[1] in self.draft.measures:
                self.draft.measures.remove(target[1])
            target = ("fact", PROFILE, "spend_change_pct")
            self.draft.notes.append("Read the change as the 90-day spend change (last 90 days against the 90 before).")
        if target is None:
            if self._customers_mentioned() and all(isinstance(v, (int, float)) and 18 <= v <= 100 for v in values) and not percent:
                target = ("fact", PROFILE, "age")
                self.draft.notes.append(f"Read {' and '.join(_format_value(v) for v in values)} as an age.")
            else:
                return
        for k in spans:
            self.items[k].used = True
        self._add_comparison(target, op, values, self.items[index], spans=spans, percent=percent, direction=direction)

    def _change_direction(self, index: int) -> str | None:
        for k in range(max(0, index - 3), index):
            item = self.items[k]
            if item.kind == "word" and item.norm in CHANGE_DOWN | CHANGE_UP:
                item.used = True
                if self._word(k + 1) == "by":
                    self.items[k + 1].used = True  # "dropped by more than 30%"
                return "down" if item.norm in CHANGE_DOWN else "up"
        return None

    def _customers_mentioned(self) -> bool:
        return any(item.kind == "sense" and item.has("entity", PROFILE) for item in self.items)

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
        if target[0] == "fact":
            name = target[2]
            if name in FRACTION_FACTS:
                if percent or any(abs(v) > 1 for v in values):
                    values = tuple(v / 100 for v in values)
            if direction is not None and name in CHANGE_FACTS:
                if direction == "down":
                    values = tuple(-abs(v) for v in values)
                    op = {">": "<", ">=": "<=", "<": ">", "<=": ">="}.get(op, op)
                    if op == "between":
                        values = tuple(sorted(values))
        self.draft.comparisons.append((target, op, values, item))

    def _ordering(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used:
                continue
            word = item.norm if item.kind in ("word", "number") else ""
            # "top 10", "bottom 5", "10 highest", "highest 10"
            if word in ("top", "bottom", "first", "last") and item.kind == "word":
                number = self._number_at(i + 1)
                if number is not None and isinstance(number, int) and number > 0:
                    item.used = items[i + 1].used = True
                    self.draft.limit = number
                    self._order_target(i + 1, descending=word in ("top", "first"))
                    continue
                if word in ("top", "bottom"):
                    item.used = True
                    self._order_target(i, descending=word == "top", singular_limit=False)
                    continue
            if item.kind == "number" and isinstance(item.token.value, int) and 0 < item.token.value <= 1000:
                following = items[i + 1] if i + 1 < len(items) else None
                if following is not None and following.kind == "word" and following.norm in DESC_WORDS | ASC_WORDS:
                    item.used = following.used = True
                    self.draft.limit = item.token.value
                    self._order_target(i + 1, descending=following.norm in DESC_WORDS)
                    continue
            if item.kind == "number" and isinstance(item.token.value, int) and 0 < item.token.value <= 1000 \
                    and not item.token.percent and i + 1 < len(items) and items[i + 1].kind == "sense" \
                    and (items[i + 1].has("entity") or (items[i + 1].has("dimension") and not items[i + 1].has("value"))) \
                    and (i == 0 or items[i - 1].kind != "word" or items[i - 1].norm not in
                         {"than", "over", "under", "above", "below", "least", "most", "exactly"}):
                # "10 customers with the highest LTV", "show 5 states ..."
                item.used = True
                self.draft.limit = item.token.value
                continue
            if item.kind == "word" and word in SUPERLATIVES | {"riskiest", "maximum", "minimum"} and not item.used:
                item.used = True
                following = self._word(i + 1)
                if following in ("first", "to", "on"):
                    # "highest first", "from highest to lowest": only the direction of the sort
                    items[i + 1].used = True
                    if following == "to" and self._word(i + 2) in DESC_WORDS | ASC_WORDS:
                        items[i + 2].used = True
                    if i > 0 and self._word(i - 1) == "from":
                        items[i - 1].used = True
                    self.draft.order.append((None, word in DESC_WORDS))
                    self._pending_singular = False
                    continue
                self._order_target(i, descending=word in DESC_WORDS, word=word)
                continue
            if item.kind == "word" and word in ("sorted", "sort", "ordered", "order", "ranked", "rank", "ranking") \
                    and i + 1 < len(items) and items[i + 1].norm in ("by", "on"):
                item.used = items[i + 1].used = True
                descending = self._sort_direction(i + 2)
                self._order_target(i + 1, descending=descending, singular_limit=False)
            if item.kind == "word" and word in ("rank", "ranked", "ranking", "sort", "sorted", "order"):
                item.used = True

    def _directions(self) -> None:
        """ "descending" / "ascending" on their own set the direction of the sort (or ask for one)."""
        for item in self.items:
            if item.used or item.kind != "word" or item.norm not in ("ascending", "asc", "descending", "desc",
                                                                      "increasing", "decreasing"):
                continue
            item.used = True
            descending = item.norm in ("descending", "desc", "decreasing")
            if self.draft.order:
                target, _ = self.draft.order[-1]
                self.draft.order[-1] = (target, descending)
            else:
                self.draft.order.append((None, descending))
                self._pending_singular = False

    def _sort_direction(self, index: int) -> bool:
        for k in range(index, min(index + 5, len(self.items))):
            item = self.items[k]
            if item.kind == "word" and item.norm in ("ascending", "asc", "increasing", "lowest"):
                item.used = True
                return False
            if item.kind == "word" and item.norm in ("descending", "desc", "decreasing", "highest"):
                item.used = True
                return True
        return True

    def _order_target(self, index: int, descending: bool, singular_limit: bool = True, word: str = "") -> None:
        """What a superlative sorts by: the next fact/metric/entity count, or (later) the first measure."""
        skip = {"the", "a", "an", "of", "in", "with", "their", "on", "customer's", "amount", "total", "number"}
        j = self._next(index, skip, limit=3)
        target = None
        if j is not None:
            item = self.items[j]
            if item.kind == "sense" and item.has("entity") and not item.used:
                # "top 10 customers by lifetime value": rank the rows by what follows
                target = self._by_target(j + 1)
                if target is None and item.norm in ENTITY_FIGURES:
                    # "the biggest spenders": customers ranked by what the noun implies
                    metric = ENTITY_FIGURES[item.norm]
                    measure = self.catalog.metric_measure(FACT, metric)
                    if measure not in self.draft.measures:
                        self.draft.measures.append(measure)
                    target = ("measure", measure)
                    self.draft.entity = self.draft.entity or PROFILE
                    item.used = True
                if target is None and self._group_context(j):
                    target = self._sort_key(j)
            else:
                target = self._sort_key(j)
            if target is None and item.kind == "sense" and not item.used and not item.has("value") \
                    and (item.has("dimension") or item.has("time_dimension")) and not item.has("entity"):
                # "top 5 states by ...": group by the dimension, rank by what follows
                consumed = self._group_target(j)
                target = self._by_target(j + max(consumed, 1))
        if target is None and word in ("most", "least", "highest", "lowest", "largest", "smallest"):
            # "customers who spent the most": the figure before the superlative
            before = self._previous(index, FILLERS | {"the"}, limit=3)
            if before is not None and self.items[before].kind == "sense" and (
                    self.items[before].has("metric") or self.items[before].has("fact")) and not self.items[before].has("value"):
                target = self._sort_key(before) if not self.items[before].used or id(self.items[before]) in self.item_measures \
                    else None
                if target is None and self.items[before].has("metric"):
                    target = ("measure", self._measure_item(self.items[before]))
        if target is not None and target[0] == "fact" and word in ("most", "least"):
            target = target + ("SUM",)  # "the most lifetime value" is a total, "the highest" an average
        self.draft.order.append((target, descending))
        self._pending_singular = self._pending_singular and singular_limit

    def _sort_key(self, j: int) -> tuple | None:
        """The figure an item at j names, as a sort target (fact, measure or a count of an entity)."""
        item = self.items[j]
        if id(item) in self.item_measures:
            return ("measure", self.item_measures[id(item)])
        if item.kind != "sense":
            if item.kind == "word" and item.used:
                # "by number of customers": the count phrase already made the measure
                for later in self.items[j + 1:j + 4]:
                    if id(later) in self.item_measures:
                        return ("measure", self.item_measures[id(later)])
            return None
        value = item.has("value")
        if value and value.name == "churn_risk_category" and "risk" in item.norm:
            return ("fact", PROFILE, "churn_risk_score")
        if item.used:
            return None
        fact = item.has("fact")
        metric = item.has("metric")
        if fact and not item.has("entity") and not (metric and self._aggregate_context()):
            item.used = True
            return ("fact", fact.table, fact.name)
        if metric:
            return ("measure", self._measure_item(item))
        entity = item.has("entity")
        if entity and self._group_context(j):
            measure = self.catalog.metric_measure(entity.table, {PROFILE: "customer_count", FACT: "transaction_count"}[entity.table])
            if measure not in self.draft.measures:
                self.draft.measures.append(measure)
            self.item_measures[id(item)] = measure
            item.used = True
            return ("measure", measure)
        return None

    def _by_target(self, k: int) -> tuple | None:
        """After "top 5 states": "by <figure>", "with the most <figure>", "in terms of <figure>"."""
        if k < len(self.items) and self.items[k].kind == "word" and self.items[k].norm in ("by", "on", "for", "with") \
                and not self.items[k].used:
            j = self._next(k, {"the", "a", "an", "their", "total", "highest", "most", "largest", "number", "of"}, limit=3)
            if j is not None:
                target = self._sort_key(j)
                if target is not None:
                    self.items[k].used = True
                    for between in self.items[k + 1:j]:
                        if between.kind == "word" and between.norm in DESC_WORDS | ASC_WORDS:
                            between.used = True
                    return target
        if self._matches_words(k, ("in", "term", "of")):
            j = k + 3
            target = self._sort_key(j) if j < len(self.items) else None
            if target is not None:
                for m in range(k, k + 3):
                    self.items[m].used = True
                return target
        return None

    def _aggregate_context(self) -> bool:
        """Figures are per group: a breakdown word, a grouping found already, or a dimension named on its own."""
        return bool(self.draft.group_by) or any(
            (i.kind == "word" and i.norm in GROUP_WORDS)
            or (i.kind == "sense" and i.has("dimension") and not i.has("value") and not i.has("entity")
                and i.has("dimension").name not in ("customer_id", "full_name"))
            for i in self.items)

    def _group_context(self, index: int) -> bool:
        """'most customers' in "which state has the most customers" counts customers per group."""
        for item in self.items:
            if item.kind == "sense" and item.has("dimension") and not item.has("value") and item is not self.items[index]:
                return True
            if item.kind == "word" and item.norm in GROUP_WORDS:
                return True
        return False

    def _grouping(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used:
                continue
            word = item.norm if item.kind == "word" else ""
            starts_group = word in GROUP_WORDS or (word == "for" and self._word(i + 1) in ("each", "every")) \
                or (word == "in" and self._word(i + 1) in ("each", "every")) \
                or (word == "between" and i + 1 < len(items) and self._groupable(i + 1))
            if not starts_group:
                continue
            item.used = True
            j = i + 1
            if word in ("for", "in"):
                items[j].used = True
                j += 1
            skip = {"the", "each", "every", "their", "a", "an", "of", "different", "individual", "customer's"}
            while j < len(items) and items[j].kind == "word" and items[j].norm in skip:
                items[j].used = True
                j += 1
            grouped_any = False
            while j < len(items):
                consumed = self._group_target(j)
                if not consumed:
                    break
                grouped_any = True
                j += consumed
                if j < len(items) and ((items[j].kind == "word" and items[j].norm in ("and", "then")) or items[j].text == ","):
                    nxt = j + 1
                    while nxt < len(items) and items[nxt].kind == "word" and items[nxt].norm in skip:
                        nxt += 1
                    if nxt < len(items) and self._groupable(nxt):
                        items[j].used = True
                        j = nxt
                        continue
                break
            if not grouped_any and word in ("by",):
                # "by" followed by a figure is a sort ("top 5 states by customers"), not a breakdown
                item.used = False
                target = self._by_target(i)
                if target is not None:
                    self.draft.order.append((target, True))
        # "which segment ...", "what state ..." group by the dimension asked about
        for i, item in enumerate(items):
            if item.kind == "word" and item.norm in ("which", "what") and not item.used:
                j = self._next(i, {"the", "a", "customer", "card"}, limit=1)
                if j is not None and items[j].kind == "sense" and not items[j].used and self._groupable(j) \
                        and not items[j].has("entity"):
                    item.used = True
                    self._group_target(j)
                    self._which_group = True
                    self._which_plural = items[j].plural
        # "segment breakdown", "state distribution"
        for i, item in enumerate(items):
            if item.kind == "word" and item.norm in ("breakdown", "distribution", "split", "mix") and not item.used:
                before = self._previous(i, {"the", "a"}, limit=1)
                if before is not None and items[before].kind == "sense" and not items[before].used and self._groupable(before):
                    self._group_target(before)
                    item.used = True
        # "trend", "over time": by month when nothing else sets the grain
        for i, item in enumerate(items):
            if item.used:
                continue
            if item.kind == "word" and item.norm in TREND_WORDS or (
                item.kind == "word" and item.norm == "over" and self._word(i + 1) == "time"
            ):
                if not any(g.name in FACT_GRAINS.values() for g in self.draft.group_by):
                    self.draft.group_by.append(self.catalog.field(DATES, "year_month"))
                item.used = True
                if item.norm == "over":
                    items[i + 1].used = True

    def _groupable(self, index: int) -> bool:
        item = self.items[index]
        if item.kind == "word" and item.norm in GRAIN_WORDS:
            return True
        if item.kind != "sense":
            return False
        return bool(item.has("dimension") or item.has("time_dimension") or item.has("entity", PROFILE))

    def _group_target(self, index: int) -> int:
        """Group by the item at index; returns how many items it took (0 if it is not groupable)."""
        item = self.items[index]
        if item.kind == "word" and item.norm in GRAIN_WORDS:
            grain = GRAIN_WORDS[item.norm]
            # "by month of account opening" / "by month of their last transaction"
            j = self._next(index, {"of", "the", "their", "when", "they", "account"}, limit=3)
            if j is not None and self.items[j].kind == "sense" and self.items[j].has("time_dimension", PROFILE):
                sense = self.items[j].has("time_dimension", PROFILE)
                self._group_by_date(self.catalog.field(PROFILE, sense.name), grain)
                item.used = self.items[j].used = True
                for k in range(index, j):
                    self.items[k].used = True
                return j - index + 1
            self._group_by_grain(grain)
            item.used = True
            if item.norm == "day" and self._word(index + 1) == "of" and self._word(index + 2) == "week":
                self.draft.group_by[-1] = self.catalog.field(DATES, "day_name")
                self.items[index + 1].used = self.items[index + 2].used = True
                return 3
            return 1
        if item.kind != "sense":
            return 0
        entity = item.has("entity", PROFILE)
        dimension = item.has("dimension")
        time_dimension = item.has("time_dimension")
        if dimension and not (entity and not dimension):
            ref = self.catalog.field(dimension.table, dimension.name)
            if ref.name in ("customer_id", "full_name", "transaction_customer_id"):
                self.draft.group_customers = True
            elif ref not in self.draft.group_by:
                self.draft.group_by.append(ref)
            item.used = True
            return 1
        if time_dimension:
            ref = self.catalog.field(time_dimension.table, time_dimension.name)
            following = self._word(index + 1)
            if ref.table == PROFILE:
                grain = GRAIN_WORDS.get(following, "month")
                self._group_by_date(ref, grain)
                if following in GRAIN_WORDS:
                    self.items[index + 1].used = True
                item.used = True
                return 2 if following in GRAIN_WORDS else 1
            if ref.table == DATES:
                self.draft.group_by.append(ref)
            else:
                self._group_by_grain("day")
            item.used = True
            return 1
        if entity:
            self.draft.group_customers = True
            item.used = True
            return 1
        return 0

    def _group_by_grain(self, grain: str) -> None:
        if grain == "week":
            raise self.refuse("weekly breakdowns are not in the model; try by day, by month or by day of week")
        ref = self.catalog.field(DATES, FACT_GRAINS[grain])
        if ref not in self.draft.group_by:
            self.draft.group_by.append(ref)

    def _group_by_date(self, ref: FieldRef, grain: str) -> None:
        if grain not in DATE_GRAINS:
            raise self.refuse(f"{ref.title} can be grouped by month, quarter or year, not by {grain}")
        expr = DATE_GRAINS[grain].format(c=ref.expr)
        label = f"{ref.name.upper().removesuffix('_DATE')}_{grain.upper()}"
        self.draft.group_by.append(FieldRef(ref.table, f"{ref.name}_{grain}", "dimension", expr, label, "VARCHAR",
                                            f"{ref.title} ({grain})"))

    def _values_and_filters(self) -> None:
        items = self.items
        values: dict[tuple[str, str], list[tuple[str, bool]]] = {}
        for i, item in enumerate(items):
            if item.kind != "sense" or item.used:
                continue
            value = item.has("value")
            named = item.has("filter")
            if not value and not named:
                continue
            # a phrase that is both a value and a named filter ("high risk"): the value wins
            negated = self._negated(i)
            if item.norm.split()[-1] in ENTITY_WORDS and (value or named).table == PROFILE:
                # "Declining customers", "inactive customers", "premium card holders" also name the customers
                self.draft.entity = self.draft.entity or PROFILE
            if value:
                values.setdefault((value.table, value.name), []).append((value.value, negated))
                item.used = True
                if "highest" in item.norm or "riskiest" in item.norm:
                    self.draft.order.append((("fact", PROFILE, "churn_risk_score"), True))
                    self._pending_singular = False
                elif "lowest" in item.norm and value.name == "churn_risk_category":
                    self.draft.order.append((("fact", PROFILE, "churn_risk_score"), False))
                    self._pending_singular = False
                continue
            item.used = True
            definition = self.catalog.filters[(named.table, named.name)]
            title = f"{'not ' if negated else ''}{_title(named.name)}"
            self.draft.conditions.append(Condition(named.table, "not_filter" if negated else "filter",
                                                   filter_name=named.name, filter_expr=definition.expr, title=title))
        for (table, name), chosen in values.items():
            ref = self.catalog.field(table, name)
            included = tuple(dict.fromkeys(v for v, negated in chosen if not negated))
            excluded = tuple(dict.fromkeys(v for v, negated in chosen if negated))
            if included:
                self.draft.conditions.append(Condition(table, "in", included, ref, title=f"{ref.title} is {' or '.join(included)}"))
            if excluded:
                self.draft.conditions.append(Condition(table, "not_in", excluded, ref,
                                                       title=f"{ref.title} is not {' or '.join(excluded)}"))
            # "customers in the state of CA": the dimension word that introduced the value is part of it
            for item in items:
                if item.kind == "sense" and not item.used and item.has("dimension") and item.has("dimension").name == name:
                    item.used = True

    def _negated(self, index: int) -> bool:
        for k in range(max(0, index - 3), index):
            item = self.items[k]
            if item.kind == "word" and item.norm in NEGATIONS | {"other"} and not item.used:
                if item.norm == "other" and self._word(k + 1) != "than":
                    continue
                item.used = True
                if item.norm == "other":
                    self.items[k + 1].used = True
                return True
        return False

    def _remaining_senses(self) -> None:
        """Entities, metrics, facts and dimensions not consumed by the structural passes."""
        for i, item in enumerate(self.items):
            if item.kind != "sense" or item.used:
                continue
            entity = item.has("entity")
            metric = item.has("metric")
            fact = item.has("fact")
            dimension = item.has("dimension")
            time_dimension = item.has("time_dimension")
            if entity and not metric and not fact:
                if self.draft.entity is None or self.draft.entity == entity.table:
                    self.draft.entity = entity.table
                    item.used = True
                    continue
                if entity.table == FACT and self.draft.entity == PROFILE:
                    # "customers ... transactions": the transactions are the measured rows
                    item.used = True
                    continue
            if metric:
                self._measure_item(item)
                continue
            if fact:
                ref = self.catalog.field(fact.table, fact.name)
                if ref not in self.draft.columns:
                    self.draft.columns.append(ref)
                item.used = True
                continue
            if time_dimension:
                ref = self.catalog.field(time_dimension.table, time_dimension.name)
                if self.draft.time is not None and self.draft.time_field is None:
                    self.draft.time_field = ref
                else:
                    self.draft.columns.append(ref)
                item.used = True
                continue
            if dimension:
                ref = self.catalog.field(dimension.table, dimension.name)
                self.draft.columns.append(ref)
                item.used = True
                continue
            if entity:
                item.used = True

    def _list_and_filler_words(self) -> None:
        for i, item in enumerate(self.items):
            if item.used:
                continue
            if item.kind == "word" and item.norm in LIST_WORDS:
                self.draft.list_intent = True
                item.used = True
            elif item.kind == "word" and item.norm in FILLERS:
                item.used = True
            elif item.kind == "word" and item.norm in ("month", "year", "day", "week") and self._word(i - 1) == "in":
                # "tenure in months": a unit, not a period
                item.used = self.items[i - 1].used = True
            elif item.kind == "punct" and item.text in "?.,!:;'\"()`$-–":
                item.used = True
            elif item.kind == "word" and item.norm in ("customer", "customer's", "transaction", "card", "holder"):
                item.used = True
            elif item.kind == "word" and item.norm in TRANSACT_VERBS:
                # "customers who shopped / bought / made purchases": customers with transactions
                self.draft.transacted = True
                item.used = True

    def _check_everything_used(self) -> None:
        unknown = [item for item in self.items if not item.used]
        if not unknown:
            return
        words = [item.text for item in unknown if item.kind in ("word", "sense")]
        numbers = [item.text for item in unknown if item.kind == "number"]
        if words:
            closest = self._closest_terms(words)
            hint = f" Did you mean {closest}?" if closest else ""
            quoted = ", ".join(f"'{w}'" for w in words[:4])
            raise self.refuse(f"I don't know what {quoted} refers to in this data.{hint}")
        if numbers:
            raise self.refuse(f"I couldn't tell what {', '.join(numbers)} refers to; say which figure it limits "
                              "(for example 'lifetime value over 10,000')")
        raise self.refuse("part of the question is not something I can read: "
                          + " ".join(item.text for item in unknown[:5]))

    def _closest_terms(self, words: list[str]) -> str:
        phrases = [" ".join(key) for key in self.lexicon.phrases]
        found = []
        for word in words:
            match = difflib.get_close_matches(word.lower(), phrases, n=1, cutoff=0.75)
            if match:
                found.append(f"'{match[0]}'")
        return " or ".join(found[:2])

    # assembling the query ---------------------------------------------------------------------
    def _assemble(self) -> StructuredQuery:
        draft = self.draft
        measures = list(dict.fromkeys(draft.measures))
        fact_values = [c for c in draft.conditions if c.table in (FACT, CATEGORIES)]
        customer_list = draft.entity == PROFILE and not draft.count_intent
        # comparisons on per-customer transaction counts: profile lifetime count, or the period's count per customer
        comparisons = list(draft.comparisons)
        for index, (target, op, values, item) in enumerate(comparisons):
            if target[0] == "transactions_per_customer":
                if draft.time is not None or fact_values:
                    comparisons[index] = (("measure", self.catalog.metric_measure(FACT, "transaction_count")), op, values, item)
                else:
                    comparisons[index] = (("fact", PROFILE, "total_transactions"), op, values, item)
        having_measures = [t[1] for t, *_ in comparisons if t[0] == "measure"]
        # a per-customer metric with a comparison or sort on customers: group the fact by customer
        ranked_by_fact = any(o[0] and o[0][0] == "measure" and o[0][1].table == FACT for o in draft.order) or (
            any(o[0] is None for o in draft.order) and measures and measures[0].table == FACT)
        if draft.entity == PROFILE and (having_measures or ranked_by_fact) \
                and any(m.table == FACT for m in measures + having_measures) and not draft.group_by:
            draft.group_customers = True
        if draft.count_intent and not measures:
            measures.append(self.catalog.metric_measure(PROFILE, "customer_count"))
        if (customer_list or draft.entity is None) and not draft.group_customers and not measures:
            kind = "list" if (draft.entity is not None or draft.list_intent) and not draft.group_by else "aggregate"
        else:
            kind = "aggregate"
        if draft.group_customers:
            kind = "aggregate"
        if kind == "aggregate":
            # a dimension named in an aggregate question ("average LTV segment", "spend month by month") groups it
            for column in [c for c in draft.columns if c.kind in ("dimension", "time_dimension")]:
                draft.columns.remove(column)
                if any(c.field == column for c in draft.conditions) or column in draft.group_by:
                    continue
                if column.kind == "time_dimension" and column.table == PROFILE:
                    self._group_by_date(column, "month")
                elif column.kind == "time_dimension" and column.table == FACT:
                    self._group_by_grain("day")
                elif column.name in ("customer_id", "full_name"):
                    draft.group_customers = True
                else:
                    draft.group_by.append(column)
        if kind == "aggregate" and not measures:
            if draft.columns and any(c.kind == "fact" for c in draft.columns):
                for column in [c for c in draft.columns if c.kind == "fact"]:
                    function = DEFAULT_AGGREGATION.get(column.name, "avg").upper()
                    measures.append(self.catalog.aggregate_measure(function, column))
                    draft.columns.remove(column)
                draft.notes.append("Aggregated with the default summary (average per customer, total for amounts).")
            elif draft.order and draft.order[0][0] and draft.order[0][0][0] == "fact" and draft.group_by:
                table, name = draft.order[0][0][1], draft.order[0][0][2]
                function = draft.order[0][0][3] if len(draft.order[0][0]) > 3 else DEFAULT_AGGREGATION.get(name, "avg").upper()
                measures.append(self.catalog.aggregate_measure(function, self.catalog.field(table, name)))
            elif draft.order and draft.order[0][0] and draft.order[0][0][0] == "fact" and not draft.group_customers:
                # "what is the highest lifetime value": the maximum, not a sort
                target, descending = draft.order.pop(0)
                measures.append(self.catalog.aggregate_measure("MAX" if descending else "MIN",
                                                               self.catalog.field(target[1], target[2])))
            elif draft.group_by or draft.entity is not None or draft.conditions:
                table = draft.entity or (FACT if any(g.table in (FACT, DATES, CATEGORIES) for g in draft.group_by) else PROFILE)
                measures.append(self.catalog.metric_measure(table, {PROFILE: "customer_count", FACT: "transaction_count"}[table]))
            else:
                raise self.refuse("I couldn't find a figure or a list of customers or transactions to show")
        if kind == "aggregate":
            stray = [c.title for c in draft.columns if c.kind == "fact"]
            if stray:
                raise self.refuse(f"I found {', '.join(stray)} but not how it fits the question; ask for its average "
                                  "or total, or compare it with a number")
        # which table answers: the measures' table, or the listed entity's
        if kind == "list":
            base = draft.entity or self._table_of(draft.columns + [c.field for c in draft.conditions if c.field]) or PROFILE
            if base not in (PROFILE, FACT):
                base = FACT if base in (DATES, CATEGORIES) else PROFILE
        else:
            tables = {m.table for m in measures}
            if len(tables) > 1:
                if tables == {PROFILE, FACT} and all(m.metric == "customer_count" for m in measures if m.table == PROFILE):
                    measures = [m for m in measures if m.table == FACT] + [self.catalog.metric_measure(FACT, "active_customer_count")]
                    tables = {FACT}
                else:
                    raise self.refuse("the figures asked for come from different tables (customer profile and transactions); "
                                      "ask for them one at a time")
            base = tables.pop()
        # customer counts over transaction filters or periods are counts of customers who transacted
        if kind == "aggregate" and base == PROFILE and any(m.metric == "customer_count" for m in measures) and (
            fact_values or (draft.time is not None and draft.time_field is None) or draft.transacted
            or any(g.table in (FACT, DATES, CATEGORIES) for g in draft.group_by)
        ):
            measures = [self.catalog.metric_measure(FACT, "active_customer_count") if m.metric == "customer_count" else m
                        for m in measures]
            if any(m.table == PROFILE for m in measures):
                raise self.refuse("customer figures cannot be split by transaction attributes; ask about transactions instead")
            base = FACT
            draft.notes.append("Counted customers with at least one approved transaction matching the filters.")
        if base == FACT and any(c.field is not None and c.field.name == "status" for c in draft.conditions):
            # an explicit status filter ("declined transactions"): count and sum every status it keeps
            all_statuses = {"transaction_count": "COUNT(TRANSACTION_ID)", "total_spend": "SUM(TRANSACTION_AMOUNT)",
                            "average_transaction_amount": "AVG(TRANSACTION_AMOUNT)"}
            measures = [replace(m, expr=all_statuses[m.metric], title=m.title.replace("spend", "amount"))
                        if m.metric in all_statuses else m for m in measures]
        reachable = self.catalog.reachable(base)
        # comparisons: on facts of the rows (WHERE) or on measures (HAVING)
        conditions = list(draft.conditions)
        having: list[Having] = []
        for target, op, values, item in comparisons:
            if target[0] == "fact":
                ref = self.catalog.field(target[1], target[2])
                if ref.table not in reachable:
                    raise self.refuse(f"{ref.title} is a per-customer figure and cannot filter {self._noun(base)}")
                conditions.append(Condition(ref.table, op, values, ref, title=_condition_title(ref, op, values)))
                if kind == "list" and ref not in draft.columns:
                    draft.columns.append(ref)
            else:
                measure = target[1]
                if measure.table != base and measure not in measures:
                    raise self.refuse(f"{measure.title} and the other figures come from different tables")
                if measure not in measures:
                    measures.append(measure)
                if kind == "aggregate" and not draft.group_by and not draft.group_customers:
                    raise self.refuse(f"a condition on {measure.title} needs a breakdown (for example 'segments with "
                                      f"{measure.title} over ...')")
                having.append(Having(measure.label, op, values))
        for condition in conditions:
            if condition.table not in reachable:
                raise self.refuse(self._unreachable(condition.table, base))
        # time range
        time_range = None
        if draft.time is not None:
            ref = draft.time_field
            if ref is None:
                if base == FACT:
                    ref = self.catalog.field(FACT, "transaction_date")
                else:
                    raise self.refuse(
                        "customer figures are a snapshot as of the data date; a period applies to transactions or to "
                        "a date such as account open date (for example 'customers who joined in 2024')"
                    )
            if ref.table not in reachable:
                raise self.refuse(self._unreachable(ref.table, base))
            try:
                start, end = draft.time.resolve(self.as_of())
            except FutureTime as error:
                raise self.refuse(str(error)) from None
            time_range = TimeRange(ref.table, ref, start, end, draft.time.label(self.as_of()))
        for ref in draft.group_by + draft.columns:
            if ref.table not in reachable:
                raise self.refuse(self._unreachable(ref.table, base))
        group_by = list(dict.fromkeys(draft.group_by))
        if draft.group_customers:
            id_field = self.catalog.field(PROFILE, "customer_id")
            name_field = self.catalog.field(PROFILE, "full_name")
            group_by = [id_field, name_field] + [g for g in group_by if g not in (id_field, name_field)]
        # ordering and limits
        order: list[OrderBy] = []
        columns = list(dict.fromkeys(draft.columns))
        limit = draft.limit
        singular = getattr(self, "_pending_singular", True)
        for target, descending in draft.order:
            label = None
            if target is None:
                if kind == "aggregate" and measures:
                    label = measures[0].label
                elif kind == "list" and columns:
                    facts = [c for c in columns if c.kind == "fact"]
                    label = facts[0].label if facts else None
            elif target[0] == "measure":
                if target[1] not in measures:
                    measures.append(target[1])
                label = target[1].label
            elif target[0] == "fact":
                ref = self.catalog.field(target[1], target[2])
                if kind == "list":
                    if ref.table not in reachable:
                        raise self.refuse(self._unreachable(ref.table, base))
                    if ref not in columns:
                        columns.append(ref)
                    label = ref.label
                elif not group_by:
                    # "what is the highest lifetime value": the maximum, not a sort
                    function = "MAX" if descending else "MIN"
                    measure = self.catalog.aggregate_measure(function, ref)
                    if measure not in measures:
                        measures.append(measure)
                    continue
                else:
                    existing = [m for m in measures if ref.expr.upper() in m.expr.upper()]
                    if existing:
                        label = existing[0].label
                    else:
                        function = target[3] if len(target) > 3 else DEFAULT_AGGREGATION.get(ref.name, "avg").upper()
                        measure = self.catalog.aggregate_measure(function, ref)
                        measures.append(measure)
                        label = measure.label
            if label is None:
                raise self.refuse("I couldn't tell what to rank by; name the figure (for example 'top 5 states by lifetime value')")
            order.append(OrderBy(label, descending))
            if limit is None and singular:
                plural = getattr(self, "_which_plural", True) if self._which_group else self._plural_subject()
                if not plural:
                    limit = 1
        if kind == "aggregate" and not group_by and order:
            raise self.refuse("a ranking needs something to rank: add a breakdown (for example 'by segment') or ask "
                              "for a list of customers or transactions")
        if kind == "list" and not order:
            compared = [c.field for c in conditions if c.field is not None and c.field.kind == "fact" and c.op not in ("in", "not_in")]
            if compared:
                order = [OrderBy(compared[0].label, not any(c.op in ("<", "<=") for c in conditions if c.field == compared[0]))]
        if kind == "list":
            identity = [self.catalog.field(base, name) for name in LIST_COLUMNS[base]]
            shown = [c for c in identity]
            for condition in conditions:
                for ref in self._condition_fields(condition):
                    if ref not in shown and ref.table in reachable:
                        shown.append(ref)
            for column in columns:
                if column not in shown:
                    shown.append(column)
            columns = shown
            if limit is None:
                limit = LIST_LIMIT
            key = self.catalog.field(base, PRIMARY_KEY[base]).label
            order = order + [OrderBy(key, False)]
        elif group_by:
            if not order:
                if any(g.table == DATES or g.name.endswith(("_month", "_year", "_quarter")) for g in group_by):
                    order = [OrderBy(g.label, False) for g in group_by]
                else:
                    order = [OrderBy(measures[0].label, True)]
            order = order + [OrderBy(g.label, False) for g in group_by if g.label not in {o.label for o in order}]
        query = StructuredQuery(
            kind=kind,
            base_table=base,
            measures=tuple(measures) if kind == "aggregate" else (),
            group_by=tuple(group_by) if kind == "aggregate" else (),
            columns=tuple(columns) if kind == "list" else (),
            conditions=tuple(conditions),
            time_range=time_range,
            having=tuple(having),
            order_by=tuple(order),
            limit=limit,
            notes=tuple(dict.fromkeys(draft.notes)),
        )
        # the last word: one table's figures, and only columns that table reaches through its relationships
        if any(m.table != base for m in query.measures):
            raise self.refuse("the figures asked for come from different tables (customer profile and transactions); "
                              "ask for them one at a time")
        unreachable = query.tables() - reachable
        if unreachable:
            raise self.refuse(self._unreachable(sorted(unreachable)[0], base))
        return query

    def _condition_fields(self, condition: Condition) -> list[FieldRef]:
        """The columns a condition filters on (a named filter's columns, found among the table's fields)."""
        if condition.field is not None:
            return [condition.field]
        if condition.filter_expr is None:
            return []
        wanted = columns_in(condition.filter_expr)
        return [ref for (table, _), ref in self.catalog.fields.items()
                if table == condition.table and ref.expr.upper() in wanted and ref.kind != "time_dimension"][:len(wanted)]

    def _plural_subject(self) -> bool:
        """'Which customers' / 'which segments' lists all; 'which customer' / 'which segment' gives one."""
        for item in self.items:
            if item.kind == "sense" and (item.has("entity") or item.has("dimension")) and not item.has("value"):
                return item.plural
        return True

    def _table_of(self, fields: list[FieldRef]) -> str | None:
        return fields[0].table if fields else None

    def _noun(self, table: str) -> str:
        return {PROFILE: "customer figures", FACT: "transactions"}.get(table, table)

    def _unreachable(self, table: str, base: str) -> str:
        if base == PROFILE and table in (FACT, DATES, CATEGORIES):
            return ("per-customer figures cannot be broken down by transaction attributes (channel, merchant category, "
                    "date); ask about spend or transactions for that breakdown")
        return f"{table.replace('_', ' ')} cannot be combined with {self._noun(base)} in one answer"


def _condition_title(ref: FieldRef, op: str, values: tuple) -> str:
    if op == "between":
        return f"{ref.title} between {_format_value(values[0])} and {_format_value(values[1])}"
    shown = " and ".join(_format_value(v) for v in values)
    return f"{ref.title} {OPS_TEXT.get(op, op)} {shown}"


def parse_question(question: str, as_of: date | Callable[[], date] | None = None,
                   model: SemanticModel | None = None) -> StructuredQuery:
    """The structured query a question asks for; raises QuestionNotUnderstood (with reason) if it cannot be mapped."""
    catalog, lexicon = catalog_for(model)
    return Parser(question, catalog, lexicon, as_of).parse()
