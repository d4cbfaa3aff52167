"""Counts and aggregation words: what is counted, averaged or summed.

How a question names its figure: "how many", "number of", "count" and the entity or dimension they count;
"average", "total", "median", "maximum", "minimum" and the fact or metric they aggregate. Lists are answered whole:
several summaries of one figure ("min and max credit limit by card type", "highest and lowest credit limit"), and
rows named in a list with a count or another figure ("how many customers and transactions by state", "customers,
transactions and spend by state"), each counted as a figure of its own.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from sqlglot import exp

from c360_pipeline.semantic.columns import columns_in
from c360_pipeline.semantic.model import parse_expression
from c360_pipeline.semantic.query import AGGREGATION_TITLES, FACT, PROFILE, QuestionNotUnderstood
from c360_pipeline.semantic.tagging import TRANSACTION_TABLES, Item
from c360_pipeline.semantic.words import ENTITY_WORDS, STOPWORDS

# Summary words that can be listed before one figure ("min and max credit limit").
SUMMARY_WORDS = {"average": "AVG", "avg": "AVG", "mean": "AVG", "total": "SUM", "sum": "SUM", "median": "MEDIAN",
                 "maximum": "MAX", "max": "MAX", "minimum": "MIN", "min": "MIN"}
# Superlatives listed before one figure are its maximum and minimum ("highest and lowest credit limit by card type").
SUPERLATIVE_SUMMARIES = {"highest": "MAX", "largest": "MAX", "biggest": "MAX", "greatest": "MAX", "lowest": "MIN",
                         "smallest": "MIN"}
# The count of each entity's rows.
COUNTS = {PROFILE: "customer_count", FACT: "transaction_count"}


class Figures:
    """Counts and aggregation words: what is counted, averaged or summed."""

    def _counts_and_aggregations(self) -> None:
        self._aggregation_lists()
        self._summarised_counts()
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
        self._counted_pairs()

    def _summarised_counts(self) -> None:
        """ "avg number of lifetime transactions", "max count of transactions per customer": a summary of a
        customer's count, the figure itself summarised ("number of" says only that the figure is a count). Only a
        figure of the customer's profile, not an entity: "average number of transactions" is read elsewhere, and so
        is one over a period ("average number of transactions per customer last 90 days": the transactions')."""
        items = self.items
        if any(item.kind == "time" for item in items):
            return
        for i in range(len(items) - 2):
            function = {"average": "AVG", "total": "SUM", "median": "MEDIAN", "maximum": "MAX", "minimum": "MIN"}.get(
                self._word(i))
            k = i + 1 + (self._word(i + 1) == "the")
            if function is None or items[i].used or self._word(k) not in ("number", "count") \
                    or self._word(k + 1) != "of" or not self._names_figure(k + 1):
                continue
            j = self._next(k + 1, {"the", "a", "an", "all", "our"}, limit=2)
            named = items[j].has("fact") or items[j].has("metric")
            if items[j].used or items[j].has("entity") or named is None or named.table != PROFILE:
                continue
            self._bind_aggregation(k + 1, function)
            if items[j].used:  # bound: the summary word and "number of" are read with it
                for index in range(i, k + 2):
                    items[index].used = True

    def _aggregation_lists(self) -> None:
        """ "max and min credit limit by card type", "average, min and max transaction amount by channel": several
        summaries of the one figure named after them, each a figure of the answer (the model's metric when the summary
        and the figure spell one, "max transaction amount"), in the order asked — none dropped."""
        items = self.items
        i = 0
        while i < len(items):
            words = [i] if self._summary_word(i) else []
            k = i
            while words and self._word(k + 1) in ("and", ",", "&") and (
                    self._summary_word(k + 2) or self._summary_phrase(k + 2) is not None):
                k += 2
                words.append(k)
            if len(words) < 2:
                i += 1
                continue
            figure, fact = self._summarised_figure(words)
            ranked = any(self.items[index].norm.split()[0] in SUPERLATIVE_SUMMARIES for index in words)
            rows = any(item.kind == "sense" and item.has("entity") and not (item.has("metric") or item.has("fact"))
                       for item in items)
            if fact is None or (ranked and rows):
                # "highest and lowest spend by state" would be two rankings, "customers with the highest and lowest
                # ltv" two lists of rows: one figure summarised twice is all a list of summaries reads
                reason = ("the highest and the lowest groups or customers are two rankings; ask for each" if ranked
                          else "say which figure of the rows the summaries (average, total, minimum, maximum) are of")
                raise QuestionNotUnderstood(
                    f"{reason} (for example 'minimum and maximum credit limit by card type')",
                    ["Minimum and maximum credit limit by card type", "Top 5 states by total spend",
                     "Bottom 5 states by total spend"])
            ref = self.catalog.field(fact.table, fact.name)
            named = self.items[figure].norm.split()
            named = named[1:] if named[0] in SUMMARY_WORDS or named[0] in SUPERLATIVE_SUMMARIES else named
            for index in words:
                word = self.items[index].norm.split()[0]
                if word == "count":
                    # "count and average credit limit by card type": the rows the figure is of, counted
                    measure = self.catalog.metric_measure(ref.table, COUNTS[ref.table])
                    if measure not in self.draft.measures:
                        self.draft.measures.append(measure)
                    continue
                function = SUMMARY_WORDS.get(word) or SUPERLATIVE_SUMMARIES[word]
                # the summary and the figure spelled together may be a metric of the model ("max transaction amount")
                metric = next((s for s in self.lexicon.phrases.get((word, *named), []) if s.kind == "metric"
                               and s.table == ref.table), None) or self._extreme_metric(function, ref)
                measure = self.catalog.metric_measure(ref.table, metric.name) if metric is not None \
                    else self.catalog.aggregate_measure(function, ref)
                if measure not in self.draft.measures:
                    self.draft.measures.append(measure)
                self.item_measures.setdefault(id(self.items[index]), measure)
            for index in range(words[0], max(words[-1], figure) + 1):
                self.items[index].used = True
            i = figure + 1

    def _summary_word(self, index: int) -> bool:
        item = self.items[index] if 0 <= index < len(self.items) else None
        return item is not None and item.kind == "word" and not item.used and (
            item.norm in SUMMARY_WORDS or item.norm in SUPERLATIVE_SUMMARIES or item.norm == "count")

    def _extreme_metric(self, function: str, ref):
        """The model's own maximum / minimum of a fact of the transactions (largest_transaction_amount takes the approved
        ones), so "highest and lowest transaction amount" agrees with "largest transaction"; None for other facts."""
        if function not in ("MAX", "MIN") or ref.table != FACT:
            return None
        kind = exp.Max if function == "MAX" else exp.Min
        for (table, name), metric in self.catalog.metrics.items():
            tree = parse_expression(metric.expr)
            if table == ref.table and isinstance(tree, kind) and ref.expr.upper() in columns_in(metric.expr):
                return metric
        return None

    def _summary_phrase(self, index: int):
        """The fact a phrase that starts with a summary word names ("max transaction amount"), else None."""
        item = self.items[index] if 0 <= index < len(self.items) else None
        if item is None or item.kind != "sense" or item.used or item.norm.split()[0] not in SUMMARY_WORDS:
            return None
        rest = tuple(item.norm.split()[1:])
        return next((s for s in self.lexicon.phrases.get(rest, []) if s.kind == "fact"), None)

    def _summarised_figure(self, words: list[int]) -> tuple[int, object]:
        """The index and fact sense of the figure the summaries are of: the fact after the last word, or the fact the
        last phrase spells after its summary word ("min and | max transaction amount")."""
        last = words[-1]
        fact = self._summary_phrase(last)
        if fact is not None:
            return last, fact
        j = self._next(last, {"the", "of", "a", "an"}, limit=2)
        item = self.items[j] if j is not None else None
        if item is not None and item.kind == "sense" and not item.used and not item.has("entity"):
            fact = item.has("fact")
            if fact is not None:
                return j, fact
        return last, None

    def _counted_pairs(self) -> None:
        """ "how many customers and transactions by state", "number of high risk customers and their average ltv",
        "customers, transactions and spend by state", "spend and transactions by month": rows named in a list with a
        count or another figure are counted as a figure of their own — every figure of the list answered, none
        dropped."""
        items = self.items
        k = 0
        while k < len(items):
            members, joints, theirs = self._listed_with(k)
            if len(members) < 2:
                k += 1
                continue
            k = members[-1] + 1
            counts = {m: self._counted_rows_at(m) for m in members if self._counted_rows_at(m) is not None}
            figures = [m for m in members if m not in counts and self._figure_at(m)]
            rows = [m for m in members if m not in counts and self._bare_rows(m)]
            if not rows and not (figures and counts):
                continue
            if not counts and (theirs or not (self._aggregate_context() or self.draft.time is not None)):
                continue  # "show customers and their lifetime value": rows listed with a column of theirs
            for m, table in counts.items():
                if id(items[m]) not in self.item_measures and not items[m].has("metric"):
                    # "how many high risk customers and ...": the customers named by their value are counted too
                    self._count_entity(table, items[m])
            for m in rows:
                table = items[m].has("entity").table
                if table not in counts.values():
                    self._count_entity(table, items[m])
            for j in joints:
                items[j].used = True

    def _listed_with(self, k: int) -> tuple[list[int], list[int], bool]:
        """The senses listed from k with "and" / "," ("customers, transactions and spend"), skipping "their" / "the"
        after a joint; the joints' indices; whether a "their" made a figure the rows' own."""
        items = self.items
        if items[k].kind != "sense":
            return [k], [], False
        members, joints, theirs = [k], [], False
        j = k
        while True:
            n = j + 1
            joint = []
            while n < len(items) and self._word(n) in ("and", ",", "&"):
                joint.append(n)
                n += 1
            while joint and n < len(items) and self._word(n) in ("their", "the", "its"):
                theirs = theirs or self._word(n) == "their"
                n += 1
            if not joint or n >= len(items) or items[n].kind != "sense":
                return members, joints, theirs
            members.append(n)
            joints += joint
            j = n

    def _bare_rows(self, index: int) -> bool:
        """The customers or transactions named as a plain plural noun, not read yet ("customers", "transactions")."""
        item = self.items[index]
        return item.kind == "sense" and not item.used and item.has("entity") is not None and item.plural \
            and not (item.has("metric") or item.has("fact"))

    def _counted_rows_at(self, index: int) -> str | None:
        """The table whose rows the item at index counts: a count metric ("how many customers"), an entity counted
        already, or customers named by a value after "how many" ("how many high risk customers")."""
        item = self.items[index]
        measure = self.item_measures.get(id(item))
        if measure is not None and measure.metric in COUNTS.values():
            return measure.table
        metric = item.has("metric") if item.kind == "sense" else None
        if metric is not None and metric.name in COUNTS.values():
            return metric.table
        if item.kind == "sense" and self.draft.count_intent and not (item.has("metric") or item.has("fact")):
            named = item.has("value", PROFILE) or item.has("filter", PROFILE)
            if named is not None and item.norm.split()[-1].rstrip("s") in ENTITY_WORDS:
                return PROFILE
        return None

    def _figure_at(self, index: int) -> bool:
        """A figure named at index: a metric or fact (not a count of rows), measured already or not."""
        item = self.items[index]
        return id(item) in self.item_measures or (item.kind == "sense" and bool(item.has("metric") or item.has("fact")))

    def _names_figure(self, index: int) -> bool:
        """Whether the next meaningful item after index is a fact or metric (not the customers or transactions)."""
        j = self._next(index, {"the", "a", "an", "all", "our"}, limit=2)
        item = self.items[j] if j is not None else None
        return item is not None and item.kind == "sense" and bool(
            item.has("metric") or (item.has("fact") and not item.has("entity")))

    def _counted_value_nouns(self) -> None:
        """ "how many (distinct) travel merchants": a count of a kind of value spelled with a column's noun ("travel
        merchants" is the travel filter and "merchant" the merchant name) counts that column's distinct values among
        the rows of that kind — the phrase is split into the kind and the noun — never the rows themselves; spelled
        with the transactions' noun ("travel purchases") it counts those transactions. And "how
        many merchants had spend": the values with an approved transaction, not their count and the spend beside it."""
        items = self.items
        i = 0
        while i < len(items) - 2:
            if not ((self._word(i) == "how" and self._word(i + 1) == "many")
                    or (self._word(i) in ("number", "count") and self._word(i + 1) == "of")):
                i += 1
                continue
            j = i + 2
            while j < len(items) and items[j].kind == "word" and items[j].norm in ("distinct", "unique", "different", "the"):
                j += 1
            if j >= len(items) or items[j].kind != "sense" or items[j].used:
                i = j
                continue
            item = items[j]
            words = item.norm.split()
            after = items[j + 1] if j + 1 < len(items) else None
            # a noun after the phrase is what is counted ("coffee shop txns", "budget segment customers"): kept whole
            counted_after = after is not None and after.kind == "sense" and (after.has("entity") or after.has("dimension"))
            if len(words) > 1 and item.senses and all(s.kind in ("value", "filter") for s in item.senses) \
                    and not counted_after:
                noun = self.lexicon.phrases.get((words[-1],), [])
                prefix = self.lexicon.phrases.get(tuple(words[:-1]), [])
                column = len(noun) == 1 and noun[0].kind == "dimension" and (noun[0].table, noun[0].name) in \
                    self.catalog.fields and self.catalog.fields[(noun[0].table, noun[0].name)].kind == "dimension"
                # "how many travel purchases": the transactions of that kind, counted (not the customers who made them)
                rows = len(noun) == 1 and noun[0].kind == "entity" and noun[0].table == FACT
                if (column or rows) and prefix and all(s.kind in ("value", "filter") for s in prefix) and item.end - item.start == len(words):
                    last = self.tokens[item.end - 1]
                    kind = Item("sense", item.start, item.end - 1, " ".join(t.raw for t in self.tokens[item.start:item.end - 1]),
                                " ".join(words[:-1]), list(prefix), token=item.token)
                    items[j:j + 1] = [kind, Item("sense", item.end - 1, item.end, last.raw, words[-1], list(noun), token=last)]
                    j += 1
            item = items[j]
            dimension = item.has("dimension")
            verb = j + 2 if self._word(j + 1) in ("that", "which", "who") else j + 1
            if dimension is not None and dimension.table in TRANSACTION_TABLES and not item.has("value") \
                    and not item.has("entity") and self._word(verb) in ("had", "have", "has", "with") and verb + 1 < len(items):
                spend = items[verb + 1]
                phrase, _, _ = self._comparator_at(verb + 2)
                approved = [s for s in self.lexicon.phrases.get(("approved",), []) if s.kind == "value" and s.name == "status"]
                if spend.kind == "sense" and spend.norm == "spend" and spend.has("metric") and not spend.used \
                        and phrase is None and self._number_at(verb + 2) is None and approved:
                    # "merchants that had spend": those with an approved transaction (spend counts approved ones)
                    for k in range(j + 1, verb + 1):
                        items[k].used = True
                    items[verb + 1] = Item("sense", spend.start, spend.end, spend.text, "approved", approved, token=spend.token)
                    self.draft.notes.append(f"Read '{items[verb].text} spend' as having an approved transaction.")
            i = j + 1

    def _bind_count(self, index: int) -> None:
        """Count what follows a count phrase: an entity, a dimension (distinct values) or filtered customers."""
        skip = STOPWORDS - {"and", "or", "by", "per", "each"} | {"distinct", "different", "unique"}
        j = self._next(index, skip, limit=3)
        while j is not None:
            item = self.items[j]
            if item.kind == "sense" and item.used and item.has("entity", FACT) and item.has("metric", FACT) \
                    and self.inactivity_conditions:
                break  # "how many platinum cardholders spent nothing in may": the verb was read with its negation
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
                    self._counted_dimension = (measure, ref)
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
        # "total grocery store spend", "average Premium customer LTV": values between the word and its figure; and so
        # is a period ("total ytd spend", "average q1 ticket")
        while j is not None and (self.items[j].kind == "time" or self.items[j].kind == "sense" and self.items[j].has("value")
                                 and not (self.items[j].has("fact") or self.items[j].has("metric"))):
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
