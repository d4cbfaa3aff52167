"""Counts and aggregation words: what is counted, averaged or summed.

How a question names its figure: "how many", "number of", "count" and the entity or dimension they count;
"average", "total", "median", "maximum", "minimum" and the fact or metric they aggregate.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from c360_pipeline.semantic.model import parse_expression
from c360_pipeline.semantic.query import AGGREGATION_TITLES, FACT, PROFILE
from c360_pipeline.semantic.tagging import Item
from c360_pipeline.semantic.words import STOPWORDS


class Figures:
    """Counts and aggregation words: what is counted, averaged or summed."""

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
            elif word == "how" and i + 1 < len(items) and items[i + 1].norm == "much" and not items[i + 1].used:
                # "how much was declined at airlines": the amount of the rows named, not how many there were
                items[i].used = items[i + 1].used = True
                self.draft.amount_intent = True
                continue
            elif word in ("number", "count", "total") and i + 1 < len(items) and items[i + 1].norm == "of" \
                    and not (word == "total" and self._names_figure(i + 1)):
                # "number of customers" counts rows; "total of 90 day spend" sums the figure
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

    def _names_figure(self, index: int) -> bool:
        """Whether the next meaningful item after index is a fact or metric (not the customers or transactions)."""
        j = self._next(index, {"the", "a", "an", "all", "our"}, limit=2)
        item = self.items[j] if j is not None else None
        return item is not None and item.kind == "sense" and bool(
            item.has("metric") or (item.has("fact") and not item.has("entity")))

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
