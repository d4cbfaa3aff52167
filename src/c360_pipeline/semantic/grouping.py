"""Breakdowns: "by X", "per X", "for each X", "which X", "X breakdown", trends.

A breakdown groups by a dimension, a date grain of the fact (day, week, month, quarter, year, weekday) or a month /
quarter / year of a profile date ("customers who joined by month").

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from c360_pipeline.semantic.model import parse_expression
from c360_pipeline.semantic.query import (
    CATEGORIES,
    DATE_GRAINS,
    DATES,
    FACT,
    FACT_GRAINS,
    GRAIN_WORDS,
    PROFILE,
    FieldRef,
    QuestionNotUnderstood,
    StructuredQuery,
    plural,
)
from c360_pipeline.semantic.vocabulary import DATE_GRAIN_NOUNS
from c360_pipeline.semantic.words import (
    ACTIVITY_SUPERLATIVES,
    COHORT_NOUNS,
    ENTITY_WORDS,
    GROUP_WORDS,
    SUPERLATIVES,
    TREND_WORDS,
)

# words that rank what they name: "rank segments by customers"
RANK_WORDS = {"rank", "ranked", "ranking", "sort", "sorted", "order", "ordered", "top", "bottom"}


class Grouping:
    """Breakdowns: "by X", "per X", "for each X", "which X", "X breakdown", trends."""

    def _groups_counted_by_their_figure(self) -> None:
        """ "how many merchants had 1,000 or more transactions", "number of states with more than 50 customers", "how
        many categories had over 1m of spend in 2024": the distinct values counted are the groups whose own figure (a
        count or a sum, over the period and the kinds asked) meets the comparison — a HAVING over the groups, whose
        rows are then counted — not the values of the rows whose customer's figure meets it."""
        draft = self.draft
        counted = getattr(self, "_counted_dimension", None)
        if counted is None or draft.measures != [counted[0]] or draft.group_by or draft.group_customers \
                or len(draft.comparisons) != 1 or draft.order or draft.limit is not None or self.share is not None \
                or getattr(self, "_customer_figure", None) is not None:
            return
        _, ref = counted
        if ref.name in ("customer_id", "full_name"):
            return
        target, op, values, item = draft.comparisons[0]
        if target[0] == "transactions_per_customer" and ref.table in (FACT, CATEGORIES, DATES) \
                and not self._customers_mentioned(as_makers=False):
            figure = self.catalog.metric_measure(FACT, "transaction_count")
        elif target[0] == "measure" and target[1].metric is not None and (
                target[1].table == FACT or (target[1].table == PROFILE and ref.table == PROFILE)) \
                and isinstance(parse_expression(target[1].expr), (exp.Sum, exp.Count, exp.CountIf)):
            figure = target[1]
        else:
            return
        draft.measures = [figure]
        draft.group_by = [ref]
        draft.comparisons = [(("measure", figure), op, values, item)]
        self._groups_counted = (f"NUMBER_OF_{plural(ref.name).upper()}", f"number of {plural(ref.title)}")

    def _check_groups_counted(self, query: StructuredQuery) -> StructuredQuery:
        """The groups a HAVING keeps, counted: one row (see _groups_counted_by_their_figure)."""
        counted = getattr(self, "_groups_counted", None)
        if counted is None:
            return query
        if query.kind != "aggregate" or len(query.group_by) != 1 or not query.having or query.per_customer is not None:
            raise self.refuse("I could not read which groups to count; ask for the groups themselves (for example "
                              "'merchants with 1,000 or more transactions')")
        return replace(query, groups_counted=counted, order_by=(), limit=None)

    def _grouping(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            # "customer-level total spend", "customer wise spend in 2025": a figure per customer
            if item.kind == "sense" and not item.used and item.has("entity", PROFILE) and not item.plural \
                    and not (item.has("metric") or item.has("fact")) and self._word(i + 1) in ("level", "wise"):
                item.used = items[i + 1].used = True
                self.draft.group_customers = True
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
            if word == "by" and j < len(items) and items[j].kind == "sense" and not items[j].used \
                    and items[j].has("time_dimension", PROFILE) and items[j].plural \
                    and items[j].norm.split()[-1].rstrip("s") in ENTITY_WORDS:
                # "spend by new customers": whose spend (customers who joined when?), not a breakdown by signup month
                raise QuestionNotUnderstood(
                    f"'{items[j].text}' are customers picked by the date they joined: say when (for example "
                    "'spend of customers who joined in 2025'), or ask for a breakdown by signup month",
                    ["Total spend of customers who joined in 2025", "Total spend by signup month",
                     "How many customers joined in 2025"])
            if word == "by" and self._made_by_customers(j):
                continue  # "spend by platinum cardholders": whose transactions (the value stays a filter)
            if word == "by" and self._groups_ranked_by_their_rows(i, j):
                # "top 3 states per card type by customers", "rank segments by customers": the groups named before
                # are ranked by their count of those rows, not broken down by customer
                item.used = False
                target = self._by_target(i)
                if target is not None:
                    self.draft.order.append((target, True))
                    continue
                item.used = True
            grouped_any = False
            before = self.draft.group_customers
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
            if word == "per" and self.draft.group_customers and not before:
                self.draft.per_customer = True  # "spend per customer": each customer's figure (not "by customer")
            if not grouped_any and word in ("by",):
                # "by" followed by a figure is a sort ("top 5 states by customers"), not a breakdown
                item.used = False
                target = self._by_target(i)
                if target is not None:
                    self.draft.order.append((target, True))
        # "which segment ...", "what state ..." group by the dimension asked about; "which month ..." by the
        # calendar's months (a grain word, as "by month" is)
        for i, item in enumerate(items):
            if item.kind == "word" and item.norm in ("which", "what") and not item.used:
                j = self._next(i, {"the", "a", "customer", "card"}, limit=1)
                if j is not None and (items[j].kind == "sense" or self._grain_word(items[j])) and not items[j].used \
                        and self._groupable(j) and not items[j].has("entity") and self._which_period_reads(j):
                    item.used = True
                    before = list(self.draft.group_by)
                    self._group_target(j)
                    # "which category has the highest spend in each channel": the groups asked about are ranked
                    self._ranked_groups = [g for g in self.draft.group_by if g not in before]
                    self._which_group = True
                    self._which_plural = items[j].plural
        # "months in 2024 with spend over 2.3m", "days with more than 500 transactions": calendar periods named in the
        # plural as the rows asked for, kept by a figure of the transactions
        for i, item in enumerate(items):
            if item.used or item.kind != "word" or item.norm not in GRAIN_WORDS or not item.plural \
                    or item.norm.endswith("ly") or item.norm == "date":
                continue
            if any(it.kind == "sense" and (it.has("metric", FACT) or it.has("entity", FACT)) for it in items) \
                    and any(it.kind == "word" and it.norm in ("with", "where", "having", "that", "when")
                            for it in items[i + 1:]):
                self._group_target(i)
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

    def _made_by_customers(self, j: int) -> bool:
        """Whether "by" before j names whose transactions a figure is over: a value of the customers ("by High-Value
        Travelers", "by platinum cardholders", "by high risk customers") in a question about transactions that ranks
        nothing (in "top 5 states by high risk customers" the value counts the customers ranking the states)."""
        items = self.items
        if j >= len(items) or items[j].kind != "sense" or items[j].used or not items[j].has("value", PROFILE) \
                or items[j].has("dimension") or items[j].has("metric"):
            return False
        if any(item.kind == "word" and (item.norm in RANK_WORDS or item.norm in SUPERLATIVES) for item in items):
            return False
        return any(item.kind == "sense" and (item.has("metric", FACT) or item.has("entity", FACT)) for item in items[:j])

    def _groups_ranked_by_their_rows(self, by: int, j: int) -> bool:
        """Whether "by" at `by` is followed by the rows' plural noun alone ("customers", "transactions") in a question
        that ranks (a top / bottom N, "rank", "sort") groups named before it ("states", "segments")."""
        items = self.items
        if j >= len(items) or items[j].kind != "sense" or items[j].used or not items[j].plural \
                or not items[j].has("entity") or items[j].has("metric") or items[j].has("fact"):
            return False
        ranks = self.draft.limit is not None or any(
            item.kind == "word" and item.norm in RANK_WORDS for item in items[:by])
        named = any(item.kind == "sense" and item.has("dimension") and not item.has("value") and not item.has("entity")
                    for item in items[:by])
        return ranks and named

    def _which_period_reads(self, j: int) -> bool:
        """Whether "which month / quarter / year" at j ranks the calendar's periods by a figure: of the transactions,
        or of a customer's date when one is named ("which month had the most signups" is the signup date's month,
        read so by _periods_on_the_named_date), and a grain word only with a figure to rank by ("what month is it",
        "what year is it" have none)."""
        items = self.items
        if not self._grain_word(items[j]):
            return True
        if any(item.kind == "word" and item.norm in ACTIVITY_SUPERLATIVES for item in items):
            return True  # "the busiest month": ranked by its transactions
        if any(item.kind == "sense" and item.has("time_dimension", PROFILE) for item in items):
            return True  # "which quarter had the most signups": the signup date's quarters (see _periods_on_the_named_date)
        return any(item.kind == "sense" and k != j and (item.has("metric") or item.has("fact") or item.has("entity"))
                   for k, item in enumerate(items))

    def _grain_word(self, item) -> bool:
        """A calendar grain word ("month", "quarter", "year"): by it is each period of the calendar, in order — even
        where the model has a dimension spelled the same (DIM_DATE's quarter is the quarter's number, 1–4, which
        would put Q1 of every year together; its synonyms name it: "quarter number")."""
        return item.norm in GRAIN_WORDS and (item.kind == "word" or (item.kind == "sense" and item.has("dimension", DATES)))

    def _groupable(self, index: int) -> bool:
        item = self.items[index]
        if self._grain_word(item):
            return True
        if item.kind != "sense":
            return False
        return bool(item.has("dimension") or item.has("time_dimension") or item.has("entity", PROFILE))

    def _group_target(self, index: int) -> int:
        """Group by the item at index; returns how many items it took (0 if it is not groupable)."""
        item = self.items[index]
        if self._grain_word(item):
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
            if index + 1 < len(self.items) and not self.items[index + 1].used and self._grain_word(self.items[index + 1]):
                following = self.items[index + 1].norm  # "by signup year": DIM_DATE's year spelled as the grain
            # "by join month": the grain is the phrase's own last word (the model's "join date" at that grain)
            spelled = item.norm.split()[-1]
            own_grain = GRAIN_WORDS[spelled] if spelled in DATE_GRAIN_NOUNS else None
            if own_grain is not None:
                following = None
            if ref.table == PROFILE:
                grain = own_grain or GRAIN_WORDS.get(following, "month")
                self._group_by_date(ref, grain)
                consumed = 1
                if following in GRAIN_WORDS:
                    self.items[index + 1].used = True
                    consumed = 2
                if own_grain is not None or following in GRAIN_WORDS:
                    # "by signup month cohort": the cohort is that grouping (alone, "cohort" names the segment)
                    after = self.items[index + consumed] if index + consumed < len(self.items) else None
                    if after is not None and not after.used and after.norm in COHORT_NOUNS:
                        after.used = True
                        consumed += 1
                item.used = True
                return consumed
            if ref.table == DATES:
                self.draft.group_by.append(ref)
            else:
                self._group_by_grain(own_grain or "day")
            item.used = True
            return 1
        if entity:
            self.draft.group_customers = True
            item.used = True
            return 1
        return 0

    def _group_by_grain(self, grain: str) -> None:
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
