"""The grammar: a question → StructuredQuery, read over the semantic model's vocabulary.

The pipeline: `normalise` (normalise.py: canonical spelling) → `tag` (tagging.py: time expressions,
then the longest model phrases — metrics, facts, dimensions, values, named filters, the customer and
transaction entities — numbers, ids, words) → the grammar's passes, which give every span its role:
inactivity windows, shares and scoped superlatives (constructs.py), per-customer averages, newest / oldest
rows and refusals of what the data does not hold (percustomer.py), the top N rows within each group
(ranking.py), counts and aggregation words,
numeric comparisons, top/bottom N and superlatives, "by X" breakdowns, values as filters (with
negation), list words → `_assemble`, which validates the result (one table's figures, reachable
columns, a period only where a date applies). A word that plays no role — unknown, or a structural word
without its target — makes the question refused with the reason, instead of answering a different
question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable

from c360_pipeline.semantic.absences import Absences
from c360_pipeline.semantic.assemble import Assembly
from c360_pipeline.semantic.averages import ComparedWithTheAverage
from c360_pipeline.semantic.comparisons import Comparisons
from c360_pipeline.semantic.constructs import Constructs
from c360_pipeline.semantic.contrasts import Contrasts
from c360_pipeline.semantic.distinctkinds import DistinctKinds
from c360_pipeline.semantic.figures import Figures
from c360_pipeline.semantic.grouping import Grouping
from c360_pipeline.semantic.hours import HoursOfTheDay
from c360_pipeline.semantic.restatements import RestatedPeriodPairs
from c360_pipeline.semantic.model import SemanticModel
from c360_pipeline.semantic.normalise import normalise
from c360_pipeline.semantic.ordering import Ordering
from c360_pipeline.semantic.percustomer import PerCustomer
from c360_pipeline.semantic.periodpairs import PeriodPairs
from c360_pipeline.semantic.perperiod import PerPeriod
from c360_pipeline.semantic.ranking import RankedRows
from c360_pipeline.semantic.ratios import Ratios
from c360_pipeline.semantic.query import (
    FACT,
    PROFILE,
    Catalog,
    Condition,
    FieldRef,
    Measure,
    QuestionNotUnderstood,
    StructuredQuery,
    catalog_for,
)
from c360_pipeline.semantic.roles import Roles
from c360_pipeline.semantic.spelling import corrected, corrections, restated_in_brackets
from c360_pipeline.semantic.tagging import Item, tag
from c360_pipeline.semantic.timeranges import TimeSpec, over_a_year
from c360_pipeline.semantic.vocabulary import Lexicon, tokenize
from c360_pipeline.semantic.words import (  # noqa: F401 (FILLERS and STOPWORDS are re-exported)
    COHORT_NOUNS,
    ASC_WORDS,
    DESC_WORDS,
    FILLERS,
    MODIFY_WORDS,
    STOPWORDS,
    TRANSACT_VERBS,
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
    per_customer: bool = False  # the customers grouped were named "per customer"
    amount_intent: bool = False  # "how much ...": an amount of money, never a count of rows
    group_customers: bool = False
    transacted: bool = False
    notes: list[str] = field(default_factory=list)


# sizes said before "drop" as a noun ("the biggest drop in spend")
DROP_SIZES = {"biggest", "largest", "greatest", "sharpest", "steepest", "big", "large", "sharp", "steep", "sudden",
              "significant", "huge", "major"}


class Parser(Figures, Comparisons, Ordering, Grouping, Roles, Assembly, Constructs, PerCustomer, RankedRows, Absences,
             PerPeriod, Contrasts, PeriodPairs, DistinctKinds, Ratios, HoursOfTheDay, RestatedPeriodPairs,
             ComparedWithTheAverage):
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
        self.implied_order: tuple | None = None
        self.inactivity_conditions: list = []  # (item index, Condition): customers without some transactions

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
        self._follow_up_without_its_question()
        self._who_asks_for_customers()
        self._data_value_collisions()
        self._shop_as_a_verb()
        self._value_ratios()
        self._defined_active()
        self._per_customer_who_bought()
        self._split_share_phrases()
        self._shared_nouns()
        self._dated_cohorts()
        self._counted_value_nouns()
        self._unanswerable_concepts()
        self._aggregated_dates()
        self._ranked_rows_within_groups()
        self._absent_transactions()
        self._present_transactions()
        self._customers_with_large_transactions()
        self._distinct_kinds_per_customer()
        self._active_in_every_period()
        self._hours_of_the_day()
        self._restated_period_pairs()
        self._change_between_two_periods()
        self._period_against_period()
        self._period_versus_period()
        self._inactivity_windows()
        self._time_expressions()
        self._identifiers()
        self._compared_with_the_average()
        self._period_changes()
        self._per_period_figures()
        self._per_customer_figures()
        self._newest_and_oldest()
        self._largest_and_smallest_rows()
        self._customers_by_their_largest_row()
        self._shares()
        self._versus_the_rest()
        self._named_filters_against_each_other()
        self._counts_and_aggregations()
        self._comparisons()
        self._ordering()
        self._grouping()
        self._values_and_filters()
        self._directions()
        self._remaining_senses()
        self._list_and_filler_words()
        self._scoped_entities()
        self._check_everything_used()
        query = self._assemble()
        for check in (self._check_constructs, self._check_absences, self._check_per_period, self._check_two_periods,
                      self._check_distinct_kinds, self._check_ordinal_place, self._check_groups_counted,
                      self._check_conditions_can_hold):
            query = check(query)
        return query

    def _a_drop_in(self, k: int) -> bool:
        """ "the biggest drop in spend", "a sharp drop in transactions": "drop" as the noun of a change, a size
        before it and "in" / "of" after it (never a verb asking to drop a table)."""
        return self._word(k) in ("drop", "drops") and self._word(k - 1) in DROP_SIZES and self._word(k + 1) in ("in", "of")

    # passes -----------------------------------------------------------------------------------
    def _check_read_only(self) -> None:
        # words outside the model's phrases ("upgrade candidates" is a named filter, "upgrade them" a change)
        norms = [item.norm for k, item in enumerate(self.items) if item.kind == "word" and not self._a_drop_in(k)]
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

    def _follow_up_without_its_question(self) -> None:
        """ "and by segment?", "what about texas", "same for q2": a follow-up to a question asked before, naming no
        figure or rows of its own — each question is answered on its own, so it is refused rather than answered with
        a figure it never named."""
        words = []
        for item in self.items[:2]:
            if item.kind != "word":
                break
            words.append(item.norm)  # the question's own first words
        if not (words[:1] in (["and"], ["also"]) or words[:2] in (["what", "about"], ["how", "about"])
                or words[:2] == ["same", "for"] or words[:2] == ["same", "but"]):
            return
        if any(item.kind == "sense" and (item.has("metric") or item.has("fact") or item.has("entity"))
               for item in self.items):
            return
        raise self.refuse("each question is answered on its own, so a follow-up needs its whole question (for "
                          "example 'total spend by segment' rather than 'and by segment?')")

    def _shop_as_a_verb(self) -> None:
        """ "how many merchants did students shop at", "customers who shop at airlines": "shop" after the customers
        (or "who" / "did" / "to", or a group of them: "did each segment shop in") and before "at" / "with", a period or
        the end is the verb of transacting, not the merchant noun (a synonym of the merchant name)."""
        for i, item in enumerate(self.items):
            after = self.items[i + 1] if i + 1 < len(self.items) else None
            if item.kind != "sense" or item.plural or item.norm not in TRANSACT_VERBS or not item.has("dimension") \
                    or not (after is None or after.kind in ("time", "punct") or self._word(i + 1) in ("at", "with")
                            or (self._word(i + 1) in ("in", "during") and i + 2 < len(self.items)
                                and self.items[i + 2].kind == "time")):
                continue
            before = self.items[i - 1] if i > 0 else None
            if before is None or not ((before.kind == "sense" and before.plural and (
                    before.has("entity", PROFILE) or before.has("value", PROFILE) or before.has("filter", PROFILE)))
                                      or self._word(i - 1) in ("who", "that", "did", "do", "does", "to", "they", "we")
                                      or (before.kind == "sense" and before.has("dimension", PROFILE)
                                          and self._word(i - 2) in ("did", "do", "does", "each", "every"))):
                continue  # ("how many categories did each segment shop in": the groups of customers shop)
            self.items[i] = Item("word", item.start, item.end, item.text, item.norm, [], token=item.token)

    def _data_value_collisions(self) -> None:
        """ "customers in gold" where the data has a city named Gold: a place read after "in" / "from" / "at" that is
        also a name of the model is refused, not guessed (elsewhere the model's name stands: "gold customers")."""
        if not self.lexicon.collisions:
            return
        for i, item in enumerate(self.items):
            sense = self.lexicon.collisions.get(tuple(item.norm.split())) if item.kind == "sense" else None
            if sense is not None and self._word(i - 1) in ("in", "from", "at", "near"):
                raise self.refuse(f"'{item.text}' is a {sense.name} in the data and also a name of the model "
                                  f"({', '.join(s.name for s in item.senses)}); I can't tell which is meant")

    def _dated_cohorts(self) -> None:
        """ "2024 cohorts", "the q1 2025 vintage": a period written right before "cohort" or "vintage" dates the
        customers' signup cohort (the model's "signup cohort", "signup vintage"), not their segment, which "cohort"
        alone names."""
        for i, item in enumerate(self.items[:-1]):
            after = self.items[i + 1]
            if item.kind != "time" or after.used or after.kind not in ("sense", "word") or \
                    after.norm not in COHORT_NOUNS:
                continue
            senses = [s for s in self.lexicon.phrases.get(("signup", after.norm), []) if s.kind == "time_dimension"]
            if len(senses) == 1:
                self.items[i + 1] = Item("sense", after.start, after.end, after.text, after.norm, senses,
                                         token=after.token)

    def _time_expressions(self) -> None:
        for item in self.items:
            if item.kind == "word" and not item.used and item.token is not None and \
                    over_a_year(self.tokens, self.tokens.index(item.token)):
                raise self.refuse(f"'{item.text} {self.tokens[self.tokens.index(item.token) + 1].raw}' could be an "
                                  "amount or a year; say 'more than …' for an amount or 'in …' for the year")
        for item in self.items:
            if item.kind != "time" or item.used:
                continue
            if item.time.kind == "future":
                raise self.refuse(f"'{item.text}' is in the future: the data ends on {self.as_of().isoformat()}")
            if item.time.kind == "same_last_year":
                raise self.refuse(f"'{item.text}' is read against another period (for example 'june spend vs the same "
                                  "month a year ago')")
            if self.draft.time is not None:
                raise self.refuse("the question names two periods; ask about one period at a time")
            self.draft.time = item.time
            item.used = True

    def _same_period(self, first: TimeSpec, second: TimeSpec) -> bool:
        """Whether two periods of the question are the same days (a period restated), not two periods."""
        try:
            return first.resolve(self.as_of()) == second.resolve(self.as_of())
        except (QuestionNotUnderstood, ValueError, TypeError, AttributeError):
            return False

    def _identifiers(self) -> None:
        for item in self.items:
            if item.kind == "id":
                table, name = (PROFILE, "customer_id") if item.text.upper().startswith("CUST") else (FACT, "transaction_id")
                ref = self.catalog.field(table, name)
                self.draft.conditions.append(Condition(table, "in", (item.text.upper(),), ref, title=f"{ref.title} is {item.text.upper()}"))
                item.used = True
                k = self.items.index(item) - 1
                if table == PROFILE and k >= 0 and self.items[k].kind == "word" and self.items[k].norm == "by" \
                        and not self.items[k].used:
                    self.items[k].used = True  # "transactions made by CUST00000077": whose rows, not a breakdown


def parse_question(question: str, as_of: date | Callable[[], date] | None = None,
                   model: SemanticModel | None = None, data_values: tuple[tuple[str, str, str], ...] = ()) -> StructuredQuery:
    """The structured query a question asks for; raises QuestionNotUnderstood (with reason) if it cannot be mapped.
    `data_values` are values read from the warehouse's data ((table, dimension, value): its cities), known as
    values of their dimension."""
    catalog, lexicon = catalog_for(model, data_values)
    try:
        return Parser(question, catalog, lexicon, as_of).parse()
    except QuestionNotUnderstood as refused:
        # a misspelt word ("avergae"): read once more with the one known word a slip away, and say so
        # a word restated in brackets ("typical (median)"): the bracketed words in its place
        text, restated = restated_in_brackets(question, refused.unknown, lexicon)
        found = corrections([w for w in refused.unknown if any(
            w.lower() == t.lower() for t in re.findall(r"[A-Za-z][A-Za-z']*", text))], lexicon)
        if not found and not restated:
            raise
        try:
            query = Parser(corrected(text, found), catalog, lexicon, as_of).parse()
        except QuestionNotUnderstood:
            raise refused from None
        assumed = ", ".join(f"'{raw}' as '{word}'" for raw, word in {**restated, **found}.items())
        return replace(query, notes=(f"Read {assumed}.",) + query.notes)
