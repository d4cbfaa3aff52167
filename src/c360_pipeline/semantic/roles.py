"""Values and named filters as conditions (with negation), the remaining names, and unknown words.

Values of a dimension become IN / NOT IN conditions ("not", "excluding", "other than"), named filters their
predicate; the model names left over become the entity, measures or listed columns; list words and fillers are
consumed; any word still without a role refuses the question, naming it and the closest model phrase.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

import difflib

from c360_pipeline.semantic.query import FACT, PROFILE, Condition, _title, counted_rows
from c360_pipeline.semantic.vocabulary import normalize_phrase, value_filter_sense
from c360_pipeline.semantic.words import ENTITY_WORDS, FILLERS, LIST_WORDS, NEGATIONS, TRANSACT_VERBS

CONTRAST_WORDS = {"versus", "compared", "against"}
# negation words that take a whole list of values after them ("not in CA or NY"; "non-platinum" is one word's)
# words that put values out of a list of groups ("segments other than X", "states except CA")
EXCLUSION_WORDS = {"other", "than", "except", "excluding", "besides", "but", "apart", "from", "not", "aside"}
LIST_NEGATIONS = {"not", "excluding", "exclude", "except", "without", "outside", "never"}
NEGATED_LIST_JOINS = {",", "or", "and", "nor", "in", "the"}


class Roles:
    """Values and named filters as conditions (with negation), the remaining names, and unknown words."""

    def _values_and_filters(self) -> None:
        items = self.items
        values: dict[tuple[str, str, bool], list[tuple[str, bool]]] = {}
        positions: dict[tuple[str, str, bool], list[int]] = {}
        negated_list: tuple[int, str, str] | None = None  # the last value a negation word put out of scope
        for i, item in enumerate(items):
            if item.kind != "sense" or item.used:
                continue
            counted = self._in_share(i)  # the part of a share question that says what is counted
            value = item.has("value")
            named = item.has("filter")
            if not value and not named:
                continue
            # a phrase that is both a value and a named filter ("high risk"): the value wins
            negated = self._negated(i)
            if value and negated and any(self.items[k].used and self.items[k].kind == "word"
                                         and self.items[k].norm in LIST_NEGATIONS for k in range(max(0, i - 3), i)):
                negated_list = (i, value.table, value.name)
            elif value and not negated and negated_list is not None and negated_list[1:] == (value.table, value.name) \
                    and all(self.items[k].norm in NEGATED_LIST_JOINS or self._names_the_dimension(k, value)
                            for k in range(negated_list[0] + 1, i)):
                # "not in CA or NY", "excluding students and retirees": the negation is the whole list's
                negated = True
                negated_list = (i, value.table, value.name)
            if self._names_its_rows(item.norm.split()[-1], (value or named).table) \
                    and not self._makers_of_transactions(i):
                # "Declining customers", "premium card holders", "approved transactions" also name the rows counted
                self.draft.entity = self.draft.entity or (value or named).table
            if value:
                values.setdefault((value.table, value.name, counted), []).append((value.value, negated))
                positions.setdefault((value.table, value.name, counted), []).append(i)
                item.used = True
                # "customers at highest risk": a list of them comes riskiest first (a figure is not sorted)
                if "highest" in item.norm or "riskiest" in item.norm:
                    self.implied_order = (("fact", PROFILE, "churn_risk_score"), True)
                    self._pending_singular = False
                elif "lowest" in item.norm and value.name == "churn_risk_category":
                    self.implied_order = (("fact", PROFILE, "churn_risk_score"), False)
                    self._pending_singular = False
                continue
            item.used = True
            definition = self.catalog.filters[(named.table, named.name)]
            title = f"{'not ' if negated else ''}{_title(named.name)}"
            (self.share_conditions if counted else self.draft.conditions).append(
                Condition(named.table, "not_filter" if negated else "filter", filter_name=named.name,
                          filter_expr=definition.expr, title=title))
        for (table, name, counted), chosen in values.items():
            target = self.share_conditions if counted else self.draft.conditions
            ref = self.catalog.field(table, name)
            included = tuple(dict.fromkeys(v for v, negated in chosen if not negated))
            excluded = tuple(dict.fromkeys(v for v, negated in chosen if negated))
            if set(included) & set(excluded):
                # "platinum and non-platinum": no row is both; the question means something this reading misses
                raise self.refuse(f"the question asks for {ref.title} both {included[0]} and not {included[0]}; to "
                                  f"compare them ask for example 'average lifetime value {included[0]} vs everyone else'")
            if included:
                target.append(Condition(table, "in", included, ref, title=f"{ref.title} is {' or '.join(included)}"))
                if len(included) > 1 and self._contrasted(positions[(table, name, counted)]) and ref not in self.draft.group_by:
                    # "online versus in-store", "groceries vs restaurants": each value is a row of the answer
                    self.draft.group_by.append(ref)
                elif len(included) > 2 and not excluded and not counted and self._listed(positions[(table, name, counted)]):
                    # "avg spend change for ca, ny and tx": a figure for a list of values with no other breakdown is
                    # one row per value
                    self.draft.group_by.append(ref)
                    self.draft.notes.append(f"Read as one row per {ref.title} listed.")
            if excluded:
                target.append(Condition(table, "not_in", excluded, ref,
                                                       title=f"{ref.title} is not {' or '.join(excluded)}"))
                if not included and not counted and self._groups_but(positions[(table, name, counted)][0], table, name) \
                        and ref not in self.draft.group_by:
                    # "spend for segments other than Budget-Conscious": the dimension's noun in the plural before the
                    # exclusion names the groups shown, each its own row
                    self.draft.group_by.append(ref)
            # "customers in the state of CA": the dimension word that introduced the value is part of it
            for item in items:
                if item.kind == "sense" and not item.used and item.has("dimension") and item.has("dimension").name == name:
                    item.used = True

    def _groups_but(self, index: int, table: str, name: str) -> bool:
        """Whether the plural noun of the value's own dimension, after "for" / "of" / "across", stands right before the
        exclusion words that put the value at `index` out ("spend for segments other than X", "ltv across states
        except CA")."""
        k = index - 1
        while k >= 0 and self.items[k].kind == "word" and self.items[k].norm in EXCLUSION_WORDS:
            k -= 1
        if k == index - 1 or k < 0:
            return False
        item = self.items[k]
        dimension = item.has("dimension") if item.kind == "sense" else None
        # ("customers in segments other than X" are those customers: the noun says where, not a breakdown)
        return dimension is not None and not item.used and item.plural and not item.has("value") \
            and (dimension.table, dimension.name) == (table, name) and self._word(k - 1) in ("for", "of", "across")

    def _contrasted(self, indices: list[int]) -> bool:
        """Whether values of one dimension are set against each other ("X versus Y", "X compared with Y")."""
        between = self.items[min(indices) + 1:max(indices)]
        if any(item.kind == "word" and item.norm in CONTRAST_WORDS for item in between):
            return True
        # "between Gold and Platinum customers": the values a comparison is drawn between
        before = self._previous(min(indices), {"the", "a", "an"}, limit=2)
        if before is not None and self.items[before].kind == "word" and self.items[before].norm == "between" \
                and not self.items[before].used:
            self.items[before].used = True
            return True
        # "compare platinum and gold on avg utilization", "comparing online and mobile spend": the values listed after
        # the verb are compared, a row each
        return any(item.kind == "word" and item.norm in ("compare", "comparing", "comparison")
                   for item in self.items[:min(indices)])

    def _listed(self, indices: list[int]) -> bool:
        """Three or more values of one dimension written as a list ("ca, ny and tx", "ca, ny, tx") — commas between
        them and "and" at most before the last, no "or" — for a figure or a count with no other breakdown."""
        draft = self.draft
        figure = draft.measures or draft.count_intent or any(item.kind == "sense" and item.has("metric")
                                                             for item in self.items)
        if draft.group_by or draft.list_intent or not figure or len(indices) < 3 or draft.comparisons \
                or draft.order or draft.limit is not None or any(item.ranks is not None for item in self.items):
            return False
        ordered = sorted(indices)
        for a, b in zip(ordered, ordered[1:]):
            between = [item.norm for item in self.items[a + 1:b]]
            if between not in ([","], ["and"], [",", "and"]):
                return False
        return "," in [item.norm for item in self.items[ordered[0] + 1:ordered[-1]]]

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

    def _scopes_another_figure(self, index: int, metric) -> bool:
        """ "the average amount for declined transactions": a count of some rows, named after "for" / "of" / "among"
        another figure, is the rows that figure is about. It becomes their condition (STATUS = 'declined')."""
        before = self._previous(index, {"the", "all", "a", "an", "our"}, limit=2)
        if before is None or self._word(before) not in ("for", "of", "among", "on", "across") or not self.draft.measures:
            return False
        rows = counted_rows(self.catalog.metrics[(metric.table, metric.name)].expr)
        condition = self._value_condition(metric.table, rows) if rows else None
        if condition is None:
            return False
        self.draft.conditions.append(condition)
        self.items[index].used = self.items[before].used = True
        return True

    def _value_condition(self, table: str, sql: str) -> Condition | None:
        """`<column> = '<value>'` as the condition "<field> is <value>" (the value of an enum dimension, as a named
        filter of that shape is read: `value_filter_sense`)."""
        sense = value_filter_sense(self.catalog.tables[table], sql)
        if sense is None:
            return None
        ref = self.catalog.field(table, sense.name)
        return Condition(table, "in", (sense.value,), ref, title=f"{ref.title} is {sense.value}")

    def _names_the_dimension(self, k: int, value) -> bool:
        """Whether item k is the noun of the value's own dimension or "of" after it ("excluding california and the
        state of texas")."""
        item = self.items[k]
        if item.kind == "word" and item.norm == "of":
            return k > 0 and self._names_the_dimension(k - 1, value)
        dimension = item.has("dimension") if item.kind == "sense" else None
        return dimension is not None and (dimension.table, dimension.name) == (value.table, value.name)

    def _names_its_rows(self, word: str, table: str) -> bool:
        """Whether `word` (the last of a value's phrase) names the rows of the value's table: customers, transactions."""
        if table == PROFILE and word in ENTITY_WORDS:
            return True
        _, senses = self.lexicon.match(list(normalize_phrase(word)), 0)
        return any(sense.kind == "entity" and sense.table == table for sense in senses)

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
                if entity.table == PROFILE and self._makers_of_transactions(i):
                    item.used = True  # "transactions by gold customers": whose transactions, not the rows
                    continue
                if self.draft.entity is None or self.draft.entity == entity.table:
                    self.draft.entity = entity.table
                    item.used = True
                    continue
                if entity.table == FACT and self.draft.entity == PROFILE:
                    # "customers ... transactions": the transactions are the measured rows
                    item.used = True
                    continue
            if metric and self._scopes_another_figure(i, metric):
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
                elif ref != self.draft.time_field and ref not in self.draft.columns:
                    # a date named twice is one date: "new customers who joined in 2024" is the period's date
                    # twice, not a period and a breakdown by that date's month
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

    def _observed_amount(self, i: int) -> bool:
        """ "how much did we see via mobile", "how many transactions did we get on sundays": a list word after an
        auxiliary and who asks, in a question opened by "how much" / "how many", says what was seen, not "list"."""
        words = [self._word(k) for k in range(i)]
        return len(words) >= 2 and words[-1] in {"we", "you", "i", "they", "u"} \
            and words[-2] in {"did", "do", "does", "have", "has", "had"} \
            and any(words[k] == "how" and words[k + 1] in ("much", "many") for k in range(len(words) - 1))

    def _list_and_filler_words(self) -> None:
        for i, item in enumerate(self.items):
            if item.used:
                continue
            if item.kind == "word" and item.norm in LIST_WORDS and self._observed_amount(i):
                item.used = True  # "how much did we see via mobile": the verb of what happened, as "did we do"
            elif item.kind == "word" and item.norm in LIST_WORDS:
                self.draft.list_intent = True
                item.used = True
            elif item.kind == "word" and item.norm == "me" and item.text == "me" and self._word(i - 1) in ("in", "from"):
                # "customers in me", "spend from me": the word is a state's code more than a filler ("for me" is the
                # asker)
                raise self.refuse("'me' after '" + self._word(i - 1) + "' may be the state of Maine: write 'ME' or "
                                  "'Maine' to ask about it, or ask without it")
            elif item.kind == "word" and item.norm in FILLERS:
                item.used = True
            elif item.kind == "word" and item.norm in ("month", "year", "day", "week") and self._word(i - 1) == "in":
                # "tenure in months": a unit, not a period
                item.used = self.items[i - 1].used = True
            elif item.kind == "word" and item.norm == "total" and self._word(i - 1) == "in":
                # "customers who spent more than 50,000 in total": the figure is already a total
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
            refused = self.refuse(f"I don't know what {quoted} refers to in this data.{hint}")
            refused.unknown = [item.text for item in unknown if item.kind == "word"]  # read again if misspelt
            raise refused
        if numbers:
            raise self.refuse(f"I couldn't tell what {', '.join(numbers)} refers to; say which figure it limits "
                              "(for example 'lifetime value over 10,000')")
        raise self.refuse("part of the question is not something I can read: "
                          + " ".join(item.text for item in unknown[:5]))

    def _closest_terms(self, words: list[str]) -> str:
        phrases = self.lexicon.spelled()
        found = []
        for word in words:
            match = difflib.get_close_matches(word.lower(), phrases, n=1, cutoff=0.75)
            if match:
                found.append(f"'{match[0]}'")
        return " or ".join(found[:2])
