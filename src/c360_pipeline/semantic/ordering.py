"""Top/bottom N, superlatives and sort directions.

"top 5 states by LTV", "10 customers with the highest lifetime value", "which segment has the lowest ...",
"sorted by tenure ascending": what the rows are ranked by, in which direction, and how many are kept.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from c360_pipeline.semantic.query import CATEGORIES, DATES, FACT, PROFILE
from c360_pipeline.semantic.words import (
    ACTIVITY_SUPERLATIVES,
    ASC_WORDS,
    CHANGE_DOWN,
    CHANGE_UP,
    DESC_WORDS,
    ENTITY_FIGURES,
    ENTITY_WORDS,
    FILLERS,
    GROUP_WORDS,
    ORDINAL_PLACES,
    SUPERLATIVES,
)


# Words after "most" / "least" that rank groups by how many rows they have: "the most common merchant categories".
FREQUENCY_WORDS = {"common", "popular", "frequent", "used"}
# Words that join a filter to the rows it restricts: "customers in texas", "customers who are high risk".
ROW_FILTER_WORDS = {"in", "from", "at", "of", "the", "who", "that", "are", "is", "located", "living", "based", "and",
                    "with"}


# "the biggest drop in spend", "whose spend fell the most": a change ranked by its size, up or down
CHANGE_RANKS = {"biggest", "largest", "greatest", "sharpest", "steepest", "strongest", "fastest", "highest"}
CHANGE_NOUNS_UP = {"increase", "rise", "growth", "jump", "gain", "increases", "rises", "gains"}
CHANGE_NOUNS_DOWN = {"drop", "decrease", "decline", "fall", "reduction", "dip", "drops", "decreases", "declines"}


class Ordering:
    """Top/bottom N, superlatives and sort directions."""

    def _ranked_by_the_spend_change(self) -> None:
        """ "which 5 customers had the biggest drop in spend", "customers whose spend fell the most", "the largest
        increase in 90-day spend": customers ranked by the profile's 90-day spend change (last 90 days against the 90
        before), most down or most up first, as a comparison "whose spend dropped by more than 20%" reads it. Only
        for customers with no period named: a change of groups or between named periods is read elsewhere."""
        items = self.items
        if any(item.kind == "time" for item in items) or self.draft.group_by or not any(
                item.kind == "sense" and item.has("entity", PROFILE) for item in items):
            return
        for i, item in enumerate(items):
            if item.used or item.kind != "word":
                continue
            span = None
            if item.norm in CHANGE_RANKS and self._word(i + 2) == "in" \
                    and self._word(i + 1) in CHANGE_NOUNS_UP | CHANGE_NOUNS_DOWN and self._spend_at(i + 3):
                span, up = [i, i + 1, i + 2, i + 3], self._word(i + 1) in CHANGE_NOUNS_UP
            elif item.norm in CHANGE_UP | CHANGE_DOWN and self._spend_at(i - 1) and self._word(i + 1) in ("the", "most"):
                most = i + 1 if self._word(i + 1) == "most" else i + 2
                if self._word(most) == "most":
                    span, up = [i - 1, *range(i, most + 1)], item.norm in CHANGE_UP
            if span is None:
                continue
            for k in span:
                items[k].used = True
            self.draft.order.append((("fact", PROFILE, "spend_change_pct"), up))
            self.draft.entity = self.draft.entity or PROFILE
            self._pending_singular = False
            self.draft.notes.append("Ranked by the 90-day spend change (last 90 days against the 90 before).")
            return

    def _spend_at(self, k: int) -> bool:
        """Whether item k names customers' spend (total spend, or the 90-day spend the change is measured on)."""
        if not 0 <= k < len(self.items) or self.items[k].kind != "sense" or self.items[k].used:
            return False
        item = self.items[k]
        metric, fact = item.has("metric", FACT), item.has("fact", PROFILE)
        return (metric is not None and metric.name == "total_spend") or (
            fact is not None and fact.name in ("spend_last_90_days", "total_spend"))

    def _ordering(self) -> None:
        self._what_is_spent_on()
        self._ranked_by_the_spend_change()
        items = self.items
        for i, item in enumerate(items):
            if item.used:
                continue
            word = item.norm if item.kind in ("word", "number") else ""
            place = ORDINAL_PLACES.get(word) if item.kind == "word" else (
                item.token.value if item.kind == "number" and item.token is not None and item.token.kind == "ordinal"
                and isinstance(item.token.value, int) and 1 < item.token.value <= 20 else None)
            if place is not None and i + 1 < len(items) and not items[i + 1].used and items[i + 1].kind == "word" \
                    and items[i + 1].norm in DESC_WORDS | ASC_WORDS and items[i + 1].norm not in ("top", "bottom"):
                # "the second highest state by spend", "3rd largest category": the ranking down to that place, whose
                # last row is the one asked for
                following = items[i + 1]
                item.used = following.used = True
                self.draft.limit = place
                self._ordinal_place = place
                self.draft.notes.append(f"Ranked down to place {place}: the {word} is the last row.")
                if not self._frequency_order(i + 1):
                    self._order_target(i + 1, descending=following.norm in DESC_WORDS, singular_limit=False,
                                       word=following.norm)
                continue
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
                    # "the top category by spend" is one; "top categories by spend" all of them, in order
                    j = self._next(i, {"the", "a", "an"}, limit=2)
                    one = j is not None and not self.items[j].plural and ((
                        self.items[j].kind == "sense" and (self.items[j].has("dimension") or self.items[j].has("entity"))
                        and not (self.items[j].has("value") or self.items[j].has("metric") or self.items[j].has("fact")))
                        or self._grain_word(self.items[j]))
                    self._order_target(i, descending=word == "top", singular_limit=one)
                    continue
            if item.kind == "number" and isinstance(item.token.value, int) and 0 < item.token.value <= 1000:
                following = items[i + 1] if i + 1 < len(items) else None
                if following is not None and following.kind == "word" and following.norm in DESC_WORDS | ASC_WORDS:
                    item.used = following.used = True
                    self.draft.limit = item.token.value
                    if not self._frequency_order(i + 1):
                        self._order_target(i + 1, descending=following.norm in DESC_WORDS)
                    continue
            if item.kind == "number" and isinstance(item.token.value, int) and 0 < item.token.value <= 1000 \
                    and not item.token.percent and i + 1 < len(items) and items[i + 1].kind == "sense" \
                    and (items[i + 1].has("entity") or (items[i + 1].has("dimension") and not items[i + 1].has("value"))
                         or self._rows_named_by_values(i + 1) is not None) \
                    and (i == 0 or items[i - 1].kind != "word" or items[i - 1].norm not in
                         {"than", "over", "under", "above", "below", "least", "most", "exactly"}):
                # "10 customers with the highest LTV", "show 5 states ..."
                item.used = True
                self.draft.limit = item.token.value
                continue
            if item.kind == "word" and word in ACTIVITY_SUPERLATIVES:
                # "the busiest day of the week", "quietest month": ranked by the figure named, else by how many
                # transactions each has
                item.used = True
                descending = ACTIVITY_SUPERLATIVES[word]
                self._order_target(i, descending=descending)
                if self.draft.order[-1][0] is None:
                    measure = self.catalog.metric_measure(FACT, "transaction_count")
                    if measure not in self.draft.measures:
                        self.draft.measures.append(measure)
                    self.draft.order[-1] = (("measure", measure), descending)
                continue
            if item.kind == "word" and word in SUPERLATIVES | {"riskiest", "maximum", "minimum"} and not item.used:
                item.used = True
                following = self._word(i + 1) if i + 1 < len(items) and not items[i + 1].used else ""
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
                if self._frequency_order(i):
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

    def _check_ordinal_place(self, query):
        """ "the second highest lifetime value" with nothing ranked (a maximum, one row): refused, never the top."""
        place = getattr(self, "_ordinal_place", None)
        if place is not None and (not query.order_by or query.limit != place):
            raise self.refuse("I can give a place in a ranking of groups or rows (for example 'the second highest "
                              "state by spend', 'the 3rd largest customers by lifetime value'), not of a single figure")
        return query

    def _what_is_spent_on(self) -> None:
        """ "what do gold cardholders spend the most on", "what do students spend least on in 2025": what the money
        goes to, the merchant categories, ranked by the figure before the superlative (the one category: a "what"
        asks for one, as "which category" does). Only where the question asks "what" and names no breakdown itself
        ("what categories do …" already groups)."""
        items = self.items
        if not items or items[0].kind != "word" or items[0].norm != "what" or items[0].used:
            return
        for i, item in enumerate(items):
            # "on" alone, or at the start of the period that follows it ("… most on last quarter")
            if not ((item.kind == "word" and item.norm == "on" and not item.used) or (
                    item.kind == "time" and item.text.lower().startswith("on "))):
                continue
            # after "on" only a period or the rows' values ("… most on in 2025", "… most on in texas")
            rest = [it for it in items[i + 1:] if not (it.kind == "punct" or (it.kind == "word" and it.norm in FILLERS))]
            if any(it.kind != "time" and not (it.kind == "word" and it.norm in ("in", "during", "from", "for"))
                   and not (it.kind == "sense" and all(s.kind == "value" for s in it.senses)) for it in rest):
                continue
            most = self._previous(i, {"the"}, limit=2)
            if most is None or self._word(most) not in ("most", "least"):
                continue
            figure = self._previous(most, {"the"}, limit=2)
            if figure is None or items[figure].kind != "sense" or not (
                    items[figure].has("metric", FACT) or items[figure].has("fact", FACT)):
                continue
            if any(it.kind == "sense" and (it.has("dimension") or it.has("time_dimension")) and not it.has("value")
                   and not it.has("entity") for it in items):
                continue
            items[0].used = True
            if item.kind == "word":
                item.used = True
            ref = self.catalog.field(FACT, "merchant_category")
            if ref not in self.draft.group_by:
                self.draft.group_by.append(ref)
            self._ranked_groups = [ref]
            self._which_group = True
            self._which_plural = False
            return

    def _frequency_order(self, i: int) -> bool:
        """ "the 5 most common merchant categories", "least popular channel": the groups ranked by how many rows they
        have (by the figure after "by" when one is named)."""
        word = self._word(i)
        if word not in ("most", "least") or self._word(i + 1) not in FREQUENCY_WORDS or self.items[i + 1].used:
            return False
        self.items[i].used = self.items[i + 1].used = True
        self._order_target(i + 1, descending=word == "most")
        if self.draft.order[-1][0] is None:
            self.draft.order[-1] = (self._frequency_count(), word == "most")
        return True

    def _frequency_count(self) -> tuple | None:
        """What "most common" ranks groups by when no figure is named: the count of the rows of the first dimension
        grouped or named (transactions for a merchant category or channel, customers for a segment)."""
        dimensions = list(self.draft.group_by) + [
            self.catalog.field(item.has("dimension").table, item.has("dimension").name) for item in self.items
            if item.kind == "sense" and item.has("dimension") and not item.has("value") and not item.has("entity")]
        if not dimensions:
            return None
        table = PROFILE if dimensions[0].table == PROFILE else FACT if dimensions[0].table in (FACT, CATEGORIES) \
            else None
        if table is None:
            return None
        measure = self.catalog.metric_measure(table, {PROFILE: "customer_count", FACT: "transaction_count"}[table])
        if measure not in self.draft.measures:
            self.draft.measures.append(measure)
        return ("measure", measure)

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
        if j is not None and self.items[j].kind == "time":
            # "the 5 biggest ytd spenders": a period between the superlative and the rows it ranks dates the figure
            after = self._next(j, skip, limit=2)
            if after is not None and self.items[after].kind == "sense" and self.items[after].norm in ENTITY_FIGURES:
                j = after
        target = None
        if j is not None and self._rows_named_by_values(j) not in (None, j):
            # "top 5 platinum customers by lifetime value": the values before the rows stay for the filters pass
            j = self._rows_named_by_values(j)
        if j is not None:
            item = self.items[j]
            if item.kind == "sense" and item.has("entity") and not item.used:
                # "top 10 customers by lifetime value": rank the rows by what follows; "top 10 customers with high risk
                # by credit limit": past the rows' filters first when a "by" follows them
                rows_table = item.has("entity").table
                filtered = self._past_row_filters(j + 1) > j + 1 and self._by_target_past_filters(j + 1, None, probe=True)
                target = self._by_target_past_filters(j + 1, rows_table) if filtered \
                    else self._by_target(j + 1, rows=rows_table)
                if target is None:
                    # "top 5 customers in texas by lifetime value": a filter between the rows and what ranks them
                    target = self._by_target_past_filters(j + 1, item.has("entity").table)
                if target is not None and target[0] == "fact" and item.has("entity", target[1]) and target[1] == FACT \
                        and not self._breakdown_named():
                    # "top 10 transactions by amount": the transactions ranked by their own amount, listed
                    self.draft.list_intent = True
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
                if target is None:
                    target = self._customers_by_transactions(index, j)
            elif self._rows_named_by_values(j) == j and self._by_target_past_filters(j + 1, None, probe=True):
                # "top 10 high risk customers by credit limit": the value names the rows, ranked by what follows (the
                # value stays for the filters pass)
                target = self._by_target_past_filters(j + 1, (item.has("value") or item.has("filter")).table)
            elif self._rows_named_by_values(j) == j and item.has("value", PROFILE) \
                    and item.has("value", PROFILE).name == "churn_risk_category" and not self._group_context(j):
                # "top 10 high risk customers": those customers (the value stays a filter), riskiest first
                target = ("fact", PROFILE, "churn_risk_score")
                self.draft.entity = self.draft.entity or PROFILE
            else:
                target = self._sort_key(j)
            if target is None and not item.used:
                target = self._customers_by_distinct(index, j)
            if target is None and not item.used and ((item.kind == "sense" and not item.has("value") and (
                    item.has("dimension") or item.has("time_dimension")) and not item.has("entity"))
                    or (self._grain_word(item) and self._which_period_reads(j))):
                # "top 5 states by ...", "top month by spend", "the busiest month": group by the dimension or the
                # calendar's periods, rank by what follows
                before = list(self.draft.group_by)
                consumed = self._group_target(j)
                self._ranked_groups = [g for g in self.draft.group_by if g not in before]
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

    def _customers_by_distinct(self, index: int, j: int) -> tuple | None:
        """ "which customers shop at the most merchants", "customers who used the fewest categories": customers named
        before "the most / fewest" and a plural of the transactions' own column with nothing ranking it after are
        ranked by how many distinct ones their approved transactions have (not the column's values by customers)."""
        item = self.items[j]
        dimension = item.has("dimension")
        if self._word(index) not in ("most", "fewest", "least") or item.kind != "sense" or not item.plural \
                or dimension is None or dimension.table not in (FACT, CATEGORIES) or item.has("value") \
                or item.has("metric") or item.has("entity") or self._word(j + 1) in ("by", "with", "on", "for"):
            return None
        customers = any(other.kind == "sense" and other.has("entity", PROFILE) and not other.has("metric")
                        for other in self.items[:index])
        # "which states have the most merchants": a group named before is ranked the same way
        groups = [k for k, other in enumerate(self.items[:index]) if other.kind == "sense" and other.has("dimension")
                  and not (other.has("value") or other.has("metric") or other.has("entity"))]
        if not customers and not groups:
            return None
        field = self.catalog.field(dimension.table, dimension.name)
        if field.table == CATEGORIES:
            field = self.catalog.field(FACT, "merchant_category") if field.expr.upper() == "MERCHANT_CATEGORY" else None
        if field is None:
            return None
        measure = self.catalog.aggregate_measure("COUNT_DISTINCT", field)
        if measure not in self.draft.measures:
            self.draft.measures.append(measure)
        item.used = True
        self.draft.group_customers = customers and not groups
        return ("measure", measure)

    def _customers_by_transactions(self, index: int, j: int) -> tuple | None:
        """ "which customer in florida has the most txns": customers named before the superlative are ranked by their
        number of transactions (the profile's lifetime count; over a period or a kind of transaction, the count of
        those, per customer)."""
        item = self.items[j]
        if not item.has("entity", FACT) or item.has("metric") or not any(
                other.kind == "sense" and other.has("entity", PROFILE) and not other.has("metric")
                for other in self.items[:index]):
            return None
        item.used = True
        if self.draft.time is None and not self._rows_named():
            return ("fact", PROFILE, "total_transactions")
        measure = self.catalog.metric_measure(FACT, "transaction_count")
        if measure not in self.draft.measures:
            self.draft.measures.append(measure)
        return ("measure", measure)

    def _sort_key(self, j: int, rows: str | None = None) -> tuple | None:
        """The figure an item at j names, as a sort target (fact, measure or a count of an entity); rows ranked by
        a fact of their own table ("top 2 customers by average monthly spend") are ranked by that fact, not by
        the metric of the same name."""
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
        if value and not (item.has("fact") or item.has("metric") or item.has("entity")) and j + 1 < len(self.items) \
                and self.items[j + 1].kind == "sense" and (id(self.items[j + 1]) in self.item_measures or (
                    self.items[j + 1].has("metric") and not self.items[j + 1].used)):
            # "by number of approved txns", "by approved transaction count": the value says which rows the figure
            # after it counts (it stays a filter, read by the values pass)
            return self._sort_key(j + 1, rows)
        if value and self._group_context(j) and self._names_its_rows(item.norm.split()[-1], value.table) \
                and not self._scoped_by(j, {"for", "among", "amongst", "within"}):
            # ("top 5 categories for platinum cardholders": a scope, not a count; "by number of high risk custs" is one)
            # "which states have the most high-risk customers": count those rows per group (the value filters them)
            measure = self.catalog.metric_measure(value.table, {PROFILE: "customer_count", FACT: "transaction_count"}[value.table])
            if measure not in self.draft.measures:
                self.draft.measures.append(measure)
            return ("measure", measure)
        named = item.has("filter", PROFILE)
        if named and not value and not item.used and item.plural and self._group_context(j) \
                and not self._scoped_by(j, {"for", "among", "amongst", "within"}):
            # "which 3 states have the most retention targets": the customers the named filter keeps, counted per
            # group (the filter stays for the filters pass)
            measure = self.catalog.metric_measure(PROFILE, "customer_count")
            if measure not in self.draft.measures:
                self.draft.measures.append(measure)
            return ("measure", measure)
        if value and value.name == "churn_risk_category":
            # "most at risk", "most / least likely to churn": the risk is what is ranked, not a filter
            item.used = True
            return ("fact", PROFILE, "churn_risk_score")
        if item.used:
            return None
        fact = item.has("fact")
        metric = item.has("metric")
        if fact and not item.has("entity") and (fact.table == rows or not (metric and self._aggregate_context())):
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

    def _past_row_filters(self, k: int) -> int:
        """The index after values and named filters that restrict the rows ("in texas", "who are high risk", "from
        the Gold tier"), so "by <figure>" can follow them; k itself when there are none (left for the filter pass)."""
        items, end = self.items, k
        while k < len(items) and not items[k].used:
            item = items[k]
            if item.kind == "word" and item.norm in ROW_FILTER_WORDS:
                k += 1
                continue
            if item.kind == "sense" and (item.has("value") or item.has("filter")) and not (
                    item.has("metric") or item.has("fact") or item.has("entity")):
                k += 1
                end = k
                continue
            break
        return end

    def _rows_named_by_values(self, j: int) -> int | None:
        """The index of the rows a customers' value or named filter at j names: j itself when its phrase ends in a noun
        for customers ("high risk customers", "premium cardholders"), the customers after it ("platinum | customers"),
        else None."""
        items = self.items
        k, tables = j, set()
        while k < len(items) and items[k].kind == "sense" and not items[k].used \
                and any(s.kind in ("value", "filter") for s in items[k].senses) \
                and not (items[k].has("metric") or items[k].has("fact") or items[k].has("entity")):
            tables |= {s.table for s in items[k].senses if s.kind in ("value", "filter")}
            if (items[k].has("value", PROFILE) or items[k].has("filter", PROFILE)) and items[k].plural \
                    and items[k].norm.split()[-1].rstrip("s") in ENTITY_WORDS:
                return k
            k += 1
        rows = items[k].has("entity") if k > j and k < len(items) and items[k].kind == "sense" \
            and not items[k].used and not (items[k].has("metric") or items[k].has("fact")) else None
        # "platinum | customers", "online | transactions": values of the rows' own table (a transaction's category
        # or day is its own too)
        if rows is not None and len(tables) == 1 and (tables == {rows.table} or (
                rows.table == FACT and tables <= {CATEGORIES, DATES})):
            return k
        return None

    def _by_target_past_filters(self, k: int, rows: str | None, probe: bool = False) -> tuple | bool | None:
        """ "by <figure>" after the rows' filters and an optional "ranked" / "sorted" ("top 5 customers in texas ranked
        by lifetime value"); with `probe` only whether one follows (nothing is read or marked)."""
        k = self._past_row_filters(k)
        sort_word = k + 1 < len(self.items) and self.items[k].kind == "word" and not self.items[k].used \
            and self.items[k].norm in ("ranked", "sorted", "ordered") and self.items[k + 1].norm == "by"
        by = k + 1 if sort_word else k
        if probe:
            return by < len(self.items) and self.items[by].kind == "word" and self.items[by].norm in ("by", "on") \
                and not self.items[by].used
        target = self._by_target(by, rows=rows)
        if target is not None and sort_word:
            self.items[k].used = True
        return target

    def _by_target(self, k: int, rows: str | None = None) -> tuple | None:
        """After "top 5 states": "by <figure>", "with the most <figure>", "in terms of <figure>"."""
        if k < len(self.items) and self.items[k].kind == "word" and self.items[k].norm in ("by", "on", "for", "with") \
                and not self.items[k].used:
            j = self._next(k, {"the", "a", "an", "their", "total", "highest", "most", "largest", "number", "of", "distinct",
                               "unique", "different"}, limit=4)
            while j is not None and self.items[j].kind == "time" and self.items[j].used:
                # "by ytd spend", "by 2024 txn count": the period is the question's, read by its own pass
                j = self._next(j, {"the", "total"}, limit=2)
            if j is not None:
                target = self._sort_key(j, rows)
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

    def _breakdown_named(self) -> bool:
        """A breakdown word not yet read ("by channel"), or a dimension named on its own: the rows are groups."""
        return bool(self.draft.group_by) or any(
            (i.kind == "word" and i.norm in GROUP_WORDS and not i.used)
            or (i.kind == "sense" and i.has("dimension") and not i.has("value") and not i.has("entity")
                and i.has("dimension").name not in ("customer_id", "full_name"))
            for i in self.items)

    def _aggregate_context(self) -> bool:
        """Figures are per group: a breakdown word, a grouping found already, or a dimension named on its own."""
        return bool(self.draft.group_by) or any(
            (i.kind == "word" and i.norm in GROUP_WORDS)
            or (i.kind == "sense" and i.has("dimension") and not i.has("value") and not i.has("entity")
                and i.has("dimension").name not in ("customer_id", "full_name"))
            for i in self.items)

    def _scoped_by(self, index: int, words: set[str]) -> bool:
        """Whether the item at index follows one of `words`, with only articles or other values between."""
        k = index - 1
        while k >= 0 and (self.items[k].kind == "sense" and self.items[k].has("value")
                          or (self.items[k].kind == "word" and self.items[k].norm in ("the", "all", "our"))):
            k -= 1
        return k >= 0 and self.items[k].kind == "word" and self.items[k].norm in words

    def _group_context(self, index: int) -> bool:
        """'most customers' in "which state has the most customers" counts customers per group."""
        for item in self.items:
            if item.kind == "sense" and item.has("dimension") and not item.has("value") and item is not self.items[index]:
                return True
            if item.kind == "word" and item.norm in GROUP_WORDS:
                return True
        return False
