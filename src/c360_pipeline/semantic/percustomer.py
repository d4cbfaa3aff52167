"""Figures per customer, and the questions the data cannot answer though they sound like it could.

- **Per-customer figures**: "average spend per customer", "what does the average customer spend", "how many
  transactions does a customer make on average", "median transaction count per cust". The figure is a
  transaction metric that adds up (a sum or a count), the unit is the customer (`per customer`, `a customer`,
  `the average / typical customer`, `on average` with the customer as subject): the answer is the average (or
  median) over customers of each customer's figure. The profile carries that figure already: the profile fact
  whose synonyms include "<metric name> per customer" in semantic_model.yaml (lifetime_value is "total spend per
  customer", total_transactions "transaction count per customer"), so the answer is one aggregate over the
  profile, every customer counted (those without transactions as 0). With a period or a kind of transaction
  ("average spend per customer last quarter", "avg spend last 90 days for the declining segment", "average
  online spend per customer") each customer's figure is aggregated from those transactions by customer
  (StructuredQuery.per_customer), joined onto the profile with 0 for customers without any, and averaged over
  every customer in scope (the profile's customers the question's customer filters keep), as the lifetime
  figure is. A calendar grain ("per month") or a transaction attribute ("by channel") splits no customer's
  figure and is refused.
- **Newest / oldest**: "newest customers", "most recently opened accounts", "latest transactions" sort the rows
  by the date that starts them, their table's first time dimension in the model (the account open date, the
  transaction date). "oldest customers" could be their age or their tenure, so it is refused with both
  readings as suggestions; "oldest accounts" is the account's age.
- **A total's change from one period to the next**: "month over month change in total spend", "week over week
  growth in transaction count": the transaction metric by that calendar grain with its change from the
  previous period (value / previous value - 1, none for the first period), for one total and no other
  breakdown. The profile's change facts (mom_spend_change_pct, spend_change_pct) are each customer's own.
- **What the data does not hold**: observed churn ("how many customers churned"): the profile has churn-risk
  predictions, not churn events; how fast a group grows ("which segments are growing fastest") would need each
  group's totals over two periods compared and ranked, which the model does not do. Each is refused with the
  questions the model can answer instead.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from c360_pipeline.semantic.model import parse_expression
from c360_pipeline.semantic.query import (
    CATEGORIES,
    CHANGE_FACTS,
    DATES,
    FACT,
    GRAIN_WORDS,
    PROFILE,
    Condition,
    FieldRef,
    Measure,
    OrderBy,
    QuestionNotUnderstood,
)
from c360_pipeline.semantic.tagging import Item, ordinal_place
from c360_pipeline.semantic.vocabulary import RowRanking, Sense, tokenize
from c360_pipeline.semantic.perperiod import AVERAGE_WORDS, plural
from c360_pipeline.semantic.ranking import ROW_NOUNS
from c360_pipeline.semantic.words import ASC_WORDS, DESC_WORDS, ENTITY_WORDS, GROUP_WORDS

# verbs that name customers by their transactions of a kind: "per customer who bought travel"
BUY_VERBS = {"bought", "buy", "buys", "purchased", "purchase", "shopped", "shop", "spent", "spend", "made", "had",
             "used", "transacted"}

PER_CUSTOMER_AGGREGATIONS = {"average": "AVG", "typical": "AVG", "median": "MEDIAN"}
# Words before the customer that make it the unit of a figure: "per customer", "a customer", "each customer".
UNIT_WORDS = {"per", "each", "every", "a", "an", "the", "typical", "average", "median"}
COUNT_WORDS = {"many", "number", "count"}
NEWEST_WORDS = {"newest": True, "latest": True, "youngest": True, "oldest": False, "earliest": False}
# "oldest customers" names people: their age and their tenure are both readings.
PEOPLE_NOUNS = {"customer", "client", "cardholder", "holder", "person", "people", "spender"}
# Past events of churn: the data predicts churn risk, it does not record churn.
CHURN_EVENT_WORDS = {"churned", "churners", "churner", "attrited", "defected"}
GROWTH_WORDS = {"grow", "growing", "grew", "grown", "growth", "shrinking", "shrink", "shrank"}
SPEED_WORDS = {"fastest", "quickest", "slowest", "fast", "faster", "quickly", "slower"}
PERIOD_CHANGE = {("month", "over", "month"), ("month", "on", "month"), ("week", "over", "week"),
                 ("week", "on", "week"), ("year", "over", "year"), ("year", "on", "year"), ("quarter", "over", "quarter")}
CHANGE_NOUNS = {"change", "changed", "difference", "growth", "increase", "decrease", "delta"}
# Words that would take a date's maximum or minimum ("max last transaction date"): the model's figures aggregate
# facts, never dates, so such a question is refused rather than read as a count by the date.
# (latest / earliest before a date sort the rows by it: _newest_and_oldest, refused per group in _check_constructs.)
DATE_EXTREMES = {"max", "maximum", "min", "minimum", "highest", "lowest", "greatest", "largest", "smallest", "biggest"}


class PerCustomer:
    """Passes for per-customer averages, newest/oldest rows, period-over-period changes and honest refusals."""

    # per-customer figures ---------------------------------------------------------------------
    def _per_customer_before_the_figure(self) -> None:
        """ "per-customer dining spend in q1 for the new & growing segment", "per customer transaction count in 2024":
        "per customer" said before a figure that adds up (past the kinds of transactions it counts) is the figure per
        customer, the average over the customers in scope — read as "average <figure> per customer"."""
        items = self.items
        for i, item in enumerate(items[:-2]):
            if item.used or item.kind != "word" or item.norm != "per":
                continue
            unit = items[i + 1]
            if unit.kind != "sense" or unit.used or unit.plural or not unit.has("entity", PROFILE) \
                    or unit.has("metric") or unit.has("fact") or unit.has("dimension"):
                continue
            if any(other.kind == "sense" for other in items[:i]) or any(
                    other.kind == "word" and other.norm in PER_CUSTOMER_AGGREGATIONS for other in items):
                return  # "spend per customer ..." after a figure, or an average said already
            j = i + 2
            while j < len(items) and items[j].kind == "sense" and not items[j].used and (
                    items[j].has("value") or items[j].has("filter")) and not (
                    items[j].has("metric") or items[j].has("entity")):
                j += 1
            if j >= len(items) or items[j].kind != "sense" or items[j].used or not items[j].has("metric", FACT):
                return
            measure = self.catalog.metric_measure(FACT, items[j].has("metric", FACT).name)
            if not isinstance(parse_expression(measure.expr), (exp.Sum, exp.Count, exp.CountIf)):
                return
            average = Item("word", item.start, item.start, "average", "average", token=item.token)
            self.items = items[:i] + [average] + items[i + 2:j + 1] + [item, unit] + items[j + 1:]
            return

    def _per_customer_figures(self) -> None:
        self._per_customer_before_the_figure()
        self._customer_figure_per_customer_by_group()
        if self._per_active_customer():
            return
        items = self.items
        cue = next((i for i, item in enumerate(items) if not item.used and item.kind == "word"
                    and item.norm in PER_CUSTOMER_AGGREGATIONS), None)
        if cue is None:
            if not self._average_count_per_customer():
                self._per_customer_phrase_listed()
            return
        if self._per_transaction() or self._per_customer_phrase_scoped(cue):
            return
        unit = next((i for i, item in enumerate(items) if not item.used and item.kind == "sense"
                     and item.has("entity", PROFILE) and not (item.has("metric") or item.has("fact")
                                                               or item.has("dimension") or item.has("filter"))
                     and (self._word(self._unit_word(i)) in UNIT_WORDS
                          and (not item.plural or self._word(self._unit_word(i)) == "per")
                          or item.plural and self._word(cue - 1) == "on" and i < cue
                          or self._after_scope_word(i))), None)
        named = None
        if unit is None:
            # "the average Premium cardholder", "per high risk customer": a value of the customers that names them;
            # "average spend for the declining segment", "... of Platinum cardholders": the customers a figure is over
            named = next((i for i, item in enumerate(items) if not item.used and item.kind == "sense"
                          and (item.has("value", PROFILE) or item.has("filter", PROFILE))
                          and (not item.plural and item.norm.split()[-1] in ENTITY_WORDS
                               and self._word(self._unit_word(i)) in UNIT_WORDS or self._after_scope_word(i))), None)
            if named is None:
                return
            unit = named
        figures = [i for i, item in enumerate(items) if not item.used and item.kind == "sense"
                   and item.has("metric", FACT)]
        counted = [i for i, item in enumerate(items) if not item.used and item.kind == "sense"
                   and item.has("entity", FACT) and not item.has("metric") and self._word(i - 1) in COUNT_WORDS | {"of"}]
        if len(figures) + len(counted) != 1:
            return
        figure = (figures or counted)[0]
        on_average = self._word(cue - 1) == "on" and items[cue].norm == "average"
        beside = self._next(cue, {"the", "a", "an", "of"}, limit=2)
        while beside is not None and beside != figure and items[beside].kind == "sense" and (
                items[beside].has("value") or items[beside].has("filter")):
            beside = self._next(beside, {"the", "a", "an", "of"}, limit=2)  # "average online spend per customer"
        if not (on_average or beside in (figure, unit)):
            return
        metric = items[figure].has("metric", FACT) if figures else None
        name = metric.name if metric else "transaction_count"
        measure = self.catalog.metric_measure(FACT, name)
        outer = parse_expression(measure.expr)
        if not isinstance(outer, (exp.Sum, exp.Count, exp.CountIf)):
            return  # an average or a rate is not a figure that adds up per customer
        function = PER_CUSTOMER_AGGREGATIONS[items[cue].norm]
        if self._per_customer_scoped(measure.title, function):
            aggregated = self._per_customer_over_transactions(measure, function)
        else:
            lifetime = self._per_customer_fact(name)
            if lifetime is None:
                raise QuestionNotUnderstood(
                    f"the model has no per-customer {measure.title}, so its average over customers cannot be computed",
                    ["Average lifetime value", "Average transactions per customer", f"{measure.title} by segment"])
            aggregated = self.catalog.aggregate_measure(function, lifetime)
            self.draft.notes.append(
                f"Each customer's {measure.title} is the profile's {lifetime.title} (approved transactions since the "
                f"account opened); the {'median' if function == 'MEDIAN' else 'average'} is over every customer, those "
                "without transactions counting as 0.")
        self._answer_per_customer(aggregated, items[figure])
        for index in (cue, figure) if named is not None else (cue, unit, figure):
            items[index].used = True  # a value naming the customers stays for the filters pass
        if on_average:
            items[cue - 1].used = True
        if self._word(self._unit_word(unit)) in UNIT_WORDS:
            items[self._unit_word(unit)].used = True
        for k in range(len(items) - 1):
            # "how much do self-employed customers spend per customer on average": the customers named are those in
            # scope, and "per customer" says again what the figure is over, not a row per customer
            if self._word(k) == "per" and not items[k].used and items[k + 1].kind == "sense" \
                    and not items[k + 1].used and items[k + 1].has("entity", PROFILE) and not items[k + 1].plural \
                    and not (items[k + 1].has("metric") or items[k + 1].has("fact")):
                items[k].used = items[k + 1].used = True
        if counted and self._word(figure - 1) in COUNT_WORDS | {"of"}:
            for k in range(max(0, figure - 2), figure):
                if items[k].kind == "word" and items[k].norm in COUNT_WORDS | {"of", "how"}:
                    items[k].used = True

    def _customer_figure_per_customer_by_group(self) -> None:
        """ "avg mom spend change per cust by segment", "avg utilization per customer by state": a customer's own figure
        (a fact of the profile, averaged) is already one per customer, so "per customer" before a breakdown by the
        customers' own attribute adds nothing: the answer is the average per group, not a row per customer — and with
        no breakdown at all ("average ltv per customer") the average over the customers. Without an average said
        ("credit limit per customer by segment") or with a breakdown of another kind the words keep their reading."""
        items = self.items
        for p, per in enumerate(items):
            if per.used or per.kind != "word" or per.norm not in ("per", "each") or not 0 < p < len(items) - 1:
                continue
            unit, figure = items[p + 1], items[p - 1]
            if unit.kind != "sense" or unit.used or not unit.has("entity", PROFILE) or unit.has("metric") \
                    or unit.has("fact") or unit.has("dimension") or unit.norm.split()[-1] not in ENTITY_WORDS:
                continue
            grouped = self._profile_breakdown_after(p + 1)
            if figure.kind != "sense" or figure.used or not (grouped or self._no_breakdown_after(p + 1)):
                continue
            fact, metric = figure.has("fact", PROFILE), figure.has("metric", PROFILE)
            averaged = fact is not None and self._word(p - 2) in AVERAGE_WORDS | {"median"}
            if metric is not None and fact is None:
                averaged = isinstance(parse_expression(self.catalog.metric_measure(PROFILE, metric.name).expr),
                                      (exp.Avg, exp.Median))
            if not averaged or figure.has("metric", FACT) or figure.has("fact", FACT):
                continue
            per.used = unit.used = True
            self.draft.notes.append("Each customer's figure is already one per customer; read as the figure over "
                                    + ("each group's customers." if grouped else "the customers."))
            return

    def _defined_active(self) -> None:
        """ "may spend per active customer by segment (active = had an approved may txn)": a definition of "active" in
        brackets that says what "per active customer" over a period reads already — customers with an approved
        transaction, in the question's period (or with none said) — is read as that; any other definition is
        refused rather than ignored."""
        items = self.items
        for o, opening in enumerate(items):
            if opening.kind != "punct" or opening.text != "(" or o + 2 >= len(items):
                continue
            active = items[o + 1]
            if active.kind != "sense" or active.has("filter", PROFILE) is None \
                    or active.has("filter", PROFILE).name != "active_customers":
                continue
            close = next((k for k in range(o + 2, len(items)) if items[k].kind == "punct" and items[k].text == ")"),
                         len(items))
            if not any(item.kind == "word" and item.norm == "per" and k + 1 < o and items[k + 1].kind == "sense"
                       and items[k + 1].has("filter", PROFILE) is not None
                       and items[k + 1].has("filter", PROFILE).name == "active_customers"
                       for k, item in enumerate(items[:o])):
                return
            inner = items[o + 2:close]
            refused = QuestionNotUnderstood(
                "I read 'per active customer' over a period as per customer with an approved transaction in that "
                "period; the definition in brackets says something else, so say it in words (for example 'may spend "
                "per active customer by segment')")
            periods = [item for item in items[:o] + items[close + 1:] if item.kind == "time"]
            verb = False
            for item in inner:
                if item.kind in ("op", "punct") and item.text in ("=", ":", ","):
                    continue
                if item.kind == "word" and item.norm in ("means", "mean", "meaning", "is", "are", "=", "had", "has", "have",
                                                          "made", "with", "a", "an", "at", "least", "one", "any"):
                    verb = verb or item.norm in ("had", "has", "have", "made", "with")
                    continue
                if item.kind == "number" and item.token is not None and item.token.value == 1:
                    continue  # "at least one"
                if item.kind == "sense" and item.has("value", FACT) is not None \
                        and item.has("value", FACT).name == "status" and item.has("value", FACT).value == "approved":
                    continue
                if item.kind == "sense" and item.has("entity", FACT) is not None and not item.has("metric"):
                    continue
                if item.kind == "time" and len(periods) == 1 and \
                        item.time.resolve(self.as_of()) == periods[0].time.resolve(self.as_of()):
                    continue
                raise refused
            if not verb or len(periods) != 1 or not any(
                    item.kind == "sense" and (item.has("entity", FACT) is not None or item.has("value", FACT) is not None
                                              and len(item.norm.split()) > 1)  # "approved transaction"
                    for item in inner):
                raise refused
            for item in items[o:close + 1]:
                item.used = True
            self.draft.notes.append("Read the definition in brackets as the customers with an approved transaction "
                                    "in the period.")
            return

    def _per_customer_who_bought(self) -> None:
        """ "avg ytd travel spend per customer who bought travel ytd", "online spend in q1 per customer who bought online":
        the customers after "per", named by the same kind of transaction the figure is over (and the same period, or
        none), are those with such an approved transaction in the window — the figure per active customer of those
        rows (over all the data without a window), the restated kind and period read once. Named by another kind ("avg spend per customer who bought
        travel": all their spend, or their travel spend?) it is refused."""
        items = self.items
        for p, per in enumerate(items):
            if per.used or per.kind != "word" or per.norm != "per" or p + 3 >= len(items):
                continue
            unit = items[p + 1]
            if unit.kind != "sense" or not unit.has("entity", PROFILE) or unit.has("metric") \
                    or self._word(p + 2) not in ("who", "that") or self._word(p + 3) not in BUY_VERBS:
                continue
            k = p + 4
            if self._word(k) in ("on", "at", "some", "any", "a"):
                k += 1  # "who spent on travel", "who shopped at airlines"
            restated = []
            while k < len(items) and self._kind_of_transaction(items[k]):
                restated.append(k)
                k += 1
            rest = [j for j in range(k, len(items)) if not (items[j].kind == "punct" or (
                items[j].kind == "word" and items[j].norm in ("in", "during", "for")))]
            if not restated or any(items[j].kind != "time" for j in rest) or len(rest) > 1:
                continue
            named = [j for j in range(p) if self._kind_of_transaction(items[j])]
            if sorted(s for j in named for s in map(repr, items[j].senses)) != sorted(
                    s for j in restated for s in map(repr, items[j].senses)):
                raise QuestionNotUnderstood(
                    "the customers are named by a kind of transaction the figure is not over; say the same kind for "
                    "both (for example 'travel spend per customer who bought travel in q1')")
            periods = [j for j in range(p) if items[j].kind == "time"]
            if rest and periods and not self._same_period(items[periods[0]].time, items[rest[0]].time):
                raise QuestionNotUnderstood("the figure and the customers are named over two periods; say one")
            for j in [p + 2, p + 3, *range(p + 4, restated[0]), *restated, *(rest if periods else [])]:
                items[j].used = True
            active = [s for s in self.lexicon.phrases.get(("transacting", "customer"), []) if s.kind == "metric"]
            self.items[p + 1] = Item("sense", unit.start, unit.end, unit.text, "transacting customer", active,
                                     token=unit.token)
            self._kind_restated = True
            return

    def _kind_of_transaction(self, item) -> bool:
        return item.kind == "sense" and bool(item.senses) and all(
            s.kind in ("value", "filter") and s.table in (FACT, DATES, CATEGORIES) for s in item.senses)

    def _per_active_customer(self) -> bool:
        """ "spend per active cust by card type in q1", "avg spend per active cust in may", "avg txns per active cust in
        june", "spend per transacting customer in may": a figure that adds up (a sum or a count of the transactions)
        per active customer over a window divides the window's figure by the customers who made an approved
        transaction in that window (per group with a breakdown): the model's active_customer_count over the same rows,
        not the profile's "active" flag (a transaction in the last 60 days) as a filter. Without a window the words
        keep their reading (the flag); with a kind of transaction named as well ("online spend per active customer")
        the active customers could be those of the window or of those transactions, so it is refused."""
        items = self.items
        if self.draft.time is None and not getattr(self, "_kind_restated", False):
            return False  # (customers who bought the figure's own kind: over all the data without a window)
        for p, per in enumerate(items):
            if per.used or per.kind != "word" or per.norm not in ("per", "each", "every") or p + 1 >= len(items):
                continue
            unit = [p + 1]
            first = items[p + 1]
            if first.kind != "sense" or first.used:
                continue
            active = first.has("filter", PROFILE)
            if active is not None and active.name == "active_customers":
                if first.norm.split()[-1] not in ENTITY_WORDS:
                    after = items[p + 2] if p + 2 < len(items) else None
                    if after is None or after.kind != "sense" or after.used or not after.has("entity", PROFILE) \
                            or after.has("metric") or after.has("fact") or after.norm.split()[-1] not in ENTITY_WORDS:
                        continue
                    unit.append(p + 2)  # "per | active | account"
            elif not (first.has("metric", FACT) and first.has("metric", FACT).name == "active_customer_count"
                      and first.norm.split()[-1] in ENTITY_WORDS):
                continue  # "per transacting customer"; "buyers" alone is left to the metric's own reading
            f = p - 1
            if f > 0 and items[f].kind == "time":
                f -= 1  # "avg online spend in q1 per active customer": the period stays for its own pass
            if f < 0 or items[f].kind != "sense" or items[f].used:
                continue
            figure_item, used = items[f], [f]
            words = figure_item.norm.split()
            rows = self.lexicon.phrases.get(tuple(words[1:]), [])
            if words[0] in AVERAGE_WORDS and any(s.kind == "entity" and s.table == FACT for s in rows) \
                    and plural(self.tokens[figure_item.end - 1]):
                name = "transaction_count"  # "avg txns per active cust": the number of transactions
            elif figure_item.has("metric", FACT):
                name = figure_item.has("metric", FACT).name
                back = f - 1
                while back > 0 and (self._kind_of_transaction(items[back]) or items[back].kind == "time"):
                    back -= 1  # "avg ytd travel spend per …": the kind and the period stay for their passes
                if self._word(back) in AVERAGE_WORDS:
                    used.append(back)  # "avg spend per active cust": the figure per customer is that average
                elif self._word(back) in ("median", "typical"):
                    return False
            else:
                continue
            figure = self.catalog.metric_measure(FACT, name)
            if not isinstance(parse_expression(figure.expr), (exp.Sum, exp.Count, exp.CountIf)):
                return False  # an average or a rate is not a figure that adds up per customer
            if self._rows_named() and not getattr(self, "_kind_restated", False):
                raise QuestionNotUnderstood(
                    f"'{figure.title} per active customer' with a kind of transaction named could divide by the "
                    "customers active in the period or by those with such transactions; say which",
                    [f"{figure.title.capitalize()} per active customer in the same period",
                     f"{figure.title.capitalize()} of those transactions by customer"])
            active_count = self.catalog.metric_measure(FACT, "active_customer_count")
            measure = Measure(f"{figure.label}_PER_ACTIVE_CUSTOMER", FACT,
                              f"{figure.expr} / NULLIF({active_count.expr}, 0)", f"{figure.title} per active customer")
            self.draft.measures.append(measure)
            self.item_measures[id(figure_item)] = measure
            self.draft.entity = self.draft.entity or FACT
            if getattr(self, "_kind_restated", False):
                window = ("the period's", " in that period") if self.draft.time is not None else ("the", "")
                self.draft.notes.append(
                    f"Per customer who made one = the {figure.title} of {window[0]} approved transactions of that kind "
                    f"÷ the customers with at least one such approved transaction{window[1]} (in each group).")
            else:
                self.draft.notes.append(
                    f"Per active customer = the {figure.title} of the period's approved transactions ÷ the customers "
                    "with at least one approved transaction in that period (in each group), not the profile's active "
                    "flag (a transaction in the last 60 days).")
            for k in used + [p] + unit:
                items[k].used = True
            return True
        return False

    def _average_count_per_customer(self) -> bool:
        """ "avg txns per active cust in june", "average transactions per platinum customer": the average of the rows
        named in the plural, per customer (the customers' own values or filters between), is the average number of
        those transactions per customer — not the average transaction amount its words spell in the singular."""
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "sense" or item.norm.split()[0] not in AVERAGE_WORDS:
                continue
            rows = self.lexicon.phrases.get(tuple(item.norm.split()[1:]), [])
            if not any(s.kind == "entity" and s.table == FACT for s in rows) or not plural(self.tokens[item.end - 1]):
                continue
            if self._word(i + 1) not in ("per", "each", "every"):
                return False
            j = i + 2
            while j < len(items) and items[j].kind == "sense" and not items[j].has("entity", PROFILE) and (
                    items[j].has("value", PROFILE) or items[j].has("filter", PROFILE)) \
                    and items[j].norm.split()[-1] not in ENTITY_WORDS:
                j += 1  # "per | platinum | customer": the customers' values stay for the filters pass
            unit = items[j] if j < len(items) else None
            if unit is None or unit.kind != "sense" or unit.used or not (unit.has("entity", PROFILE) or (
                    (unit.has("value", PROFILE) or unit.has("filter", PROFILE)) and unit.norm.split()[-1] in ENTITY_WORDS)):
                return False  # "per | active customer": a filter that names the customers is the unit too
            measure = self.catalog.metric_measure(FACT, "transaction_count")
            if self._per_customer_scoped(measure.title, "AVG"):
                aggregated = self._per_customer_over_transactions(measure, "AVG")
            else:
                lifetime = self._per_customer_fact("transaction_count")
                if lifetime is None:
                    return False
                aggregated = self.catalog.aggregate_measure("AVG", lifetime)
                self.draft.notes.append(f"Each customer's transaction count is the profile's {lifetime.title}; the "
                                        "average is over every customer, those without transactions counting as 0.")
            self._answer_per_customer(aggregated, item)
            item.used = items[i + 1].used = True
            if not (unit.has("value") or unit.has("filter")):
                unit.used = True
            return True
        return False

    def _per_transaction(self) -> bool:
        """ "avg spend per txn for premium cardholders": the question makes the transaction the unit ("per / each /
        every transaction"), so the figure is an average over transactions, whoever the customers are."""
        return any(item.kind == "sense" and item.has("entity", FACT) and not item.has("metric")
                   and self._word(i - 1) in {"per", "each", "every"} for i, item in enumerate(self.items))

    def _per_customer_phrase_scoped(self, cue: int) -> bool:
        """ "avg transactions per cust in the last 90 days": the profile's per-customer fact named by a phrase that says
        "per customer", with a period or a kind of transaction, is that transaction metric per customer over them."""
        j = self._next(cue, {"the", "a", "an", "of"}, limit=2)
        item = self.items[j] if j is not None else None
        fact = item.has("fact", PROFILE) if item is not None and item.kind == "sense" and not item.used else None
        if fact is None or "per" not in item.norm.split():
            return False
        metric = next((name for (table, name) in self.catalog.metrics if table == FACT
                       and self._per_customer_fact(name) == self.catalog.field(PROFILE, fact.name)), None)
        if metric is None or not (self.draft.time is not None or self._rows_named()):
            return False
        figure = self.catalog.metric_measure(FACT, metric)
        function = PER_CUSTOMER_AGGREGATIONS[self.items[cue].norm]
        self._per_customer_scoped(figure.title, function)  # refuses a calendar grain or a transaction attribute
        self._answer_per_customer(self._per_customer_over_transactions(figure, function), item)
        self.items[cue].used = item.used = True
        return True

    def _per_customer_phrase_listed(self) -> None:
        """ "total spend per customer last quarter", "transactions per customer last month": the profile's per-customer
        fact named by a phrase that says "per customer", with a period or a kind of transaction and no average, is
        each customer's own transaction metric over those transactions — a figure per customer, listed as "spend per
        customer in 2025" is (the profile's lifetime figure takes no period)."""
        if self.draft.time is None and not self._rows_named():
            return
        items = self.items
        figures = [item for item in items if item.kind == "sense" and (item.has("metric") or item.has("fact"))]
        if len(figures) != 1 or any(item.kind == "word" and item.norm in COUNT_WORDS for item in items):
            return  # another figure or a count ("how many customers had a declined transaction per ...") reads it
        for k, item in enumerate(items):
            fact = item.has("fact", PROFILE) if item.kind == "sense" and not item.used else None
            if fact is None or "per" not in item.norm.split():
                continue
            following = items[k + 1] if k + 1 < len(items) else None
            if following is not None and following.kind == "sense" and following.has("dimension"):
                return  # the phrase ran into a breakdown ("transaction per customer | segment")
            metric = next((name for (table, name) in self.catalog.metrics if table == FACT
                           and self._per_customer_fact(name) == self.catalog.field(PROFILE, fact.name)), None)
            if metric is None:
                continue
            measure = self.catalog.metric_measure(FACT, metric)
            if self._profile_breakdown_after(k):
                # "txns per customer by card type in june": per group, the average of its customers' figures (as
                # Assembly._per_customer_by_group reads "spend per customer by segment")
                self._per_customer_scoped(measure.title, "AVG")
                self._answer_per_customer(self._per_customer_over_transactions(measure, "AVG"), item)
                self.draft.notes.append(f"Read as each group's average {measure.title} per customer.")
                item.used = True
                return
            self.draft.measures.append(measure)
            self.item_measures[id(item)] = measure
            self.draft.group_customers = True
            item.used = True
            return

    def _no_breakdown_after(self, k: int) -> bool:
        """No breakdown word nor a dimension to break down by after item k ("average ltv per customer", "... for
        June 2025", "... of platinum cardholders")."""
        return not any((item.kind == "word" and item.norm in GROUP_WORDS) or (
            item.kind == "sense" and item.has("dimension") and not item.has("value")) for item in self.items[k + 1:])

    def _profile_breakdown_after(self, k: int) -> bool:
        """A breakdown by the customers' own attribute after item k ("... by segment", "... for each state")."""
        for j in range(k + 1, len(self.items)):
            item = self.items[j]
            dimension = item.has("dimension", PROFILE) if item.kind == "sense" and not item.used else None
            if dimension is not None and not item.has("value") and dimension.name not in ("customer_id", "full_name") \
                    and self._word(j - 1) in GROUP_WORDS:
                return True
        return False

    def _answer_per_customer(self, measure: Measure, item) -> None:
        """The per-customer figure is the answer's measure, named by `item`, over the customers."""
        self.draft.measures.append(measure)
        self.item_measures[id(item)] = measure
        self.draft.entity = PROFILE

    def _rows_named(self) -> bool:
        """A kind of transaction not yet read: a value or filter of the transactions, their dates or categories."""
        return any(not item.used and item.kind == "sense" and any(
            s.table in (FACT, DATES, CATEGORIES) and s.kind in ("value", "filter") for s in item.senses) for item in self.items)

    def _unit_word(self, index: int) -> int:
        """The word before the customer, past the customers' own values ("per | Premium | customer")."""
        j = index - 1
        while j >= 0 and self.items[j].kind == "sense" and not self.items[j].used and (
                self.items[j].has("value", PROFILE) or self.items[j].has("filter", PROFILE)):
            j -= 1
        return j

    def _per_customer_fact(self, metric: str):
        """The profile fact that is `metric` per customer: its synonyms include '<metric name> per customer'."""
        wanted = _norms(f"{metric.replace('_', ' ')} per customer")
        for fact in self.catalog.tables[PROFILE].facts:
            if any(_norms(synonym) == wanted for synonym in fact.synonyms):
                return self.catalog.field(PROFILE, fact.name)
        return None

    def _per_customer_scoped(self, figure: str, function: str) -> bool:
        """Whether a period or a kind of transaction (online, groceries, weekend) scopes the per-customer figure: then
        it is each customer's figure over those transactions, not the profile's lifetime one. A calendar grain ("per
        month") or a breakdown by a transaction attribute (channel) has no per-customer answer and is refused."""
        word = "median" if function == "MEDIAN" else "average"
        unused = [item for item in self.items if not item.used]
        senses = [[s.kind for s in item.senses if s.table in (FACT, DATES, CATEGORIES)] for item in unused if item.kind == "sense"]
        split = [kinds for kinds in senses if "value" not in kinds and "filter" not in kinds
                 and ("dimension" in kinds or "time_dimension" in kinds)]
        if split or any(item.kind == "word" and item.norm in GRAIN_WORDS for item in unused):
            raise QuestionNotUnderstood(
                f"the {word} {figure} per customer is one figure per customer; it cannot be split by a calendar grain or "
                "a transaction attribute such as channel",
                [f"{word.capitalize()} {figure} per customer", f"{figure.capitalize()} by month",
                 f"{figure.capitalize()} by channel"])
        return self.draft.time is not None or self._rows_named()

    def _per_customer_over_transactions(self, measure: Measure, function: str) -> Measure:
        """Each customer's `measure` over the question's period and kinds of transaction (an aggregate of the
        transactions by customer, _per_customer_period), averaged over every customer in scope."""
        self._customer_figure = replace(measure, label=f"CUSTOMER_{measure.label}")
        word = "median" if function == "MEDIAN" else "average"
        return Measure(f"{word.upper()}_{measure.label}_PER_CUSTOMER", PROFILE,
                       f"{function}(CUSTOMER_{measure.label})", f"{word} {measure.title} per customer")

    def _counted_by_their_figure(self) -> None:
        """ "how many customers spent over 10k in q1", "number of customers with more than 5 txns in 2024": customers
        counted by a condition on their own transaction figure (a sum or a count; over all the data without a period,
        a count of transactions then being the profile's lifetime count) are the customers whose figure (each one's,
        aggregated by customer: _per_customer_period, 0 for those without such transactions) meets it — not the
        total's condition, which needs a breakdown. The same customers listed ("customers who spent under 100 in q1",
        shown with their figure and ranked by it, those without a transaction included) or described by a profile
        figure ("avg ltv of customers with more than 50 transactions in 2025")."""
        draft = self.draft
        counts = [m for m in draft.measures if m.metric == "customer_count"]
        if draft.group_by or draft.group_customers \
                or len(draft.comparisons) != 1 or getattr(self, "_customer_figure", None) is not None \
                or self.share is not None:
            return
        target, op, values, item = draft.comparisons[0]
        kinds = [c for c in draft.conditions if c.table in (FACT, DATES, CATEGORIES)]
        if target[0] == "transactions_per_customer" and (draft.time is not None or kinds):
            measure = self.catalog.metric_measure(FACT, "transaction_count")
        elif target[0] == "measure" and target[1].table == FACT and target[1].metric is not None \
                and isinstance(parse_expression(target[1].expr), (exp.Sum, exp.Count, exp.CountIf)):
            measure = target[1]
        else:
            return
        rest = [m for m in draft.measures if m is not measure]
        listed = not rest and draft.entity == PROFILE and not draft.count_intent
        described = bool(rest) and all(m.table == PROFILE for m in rest)
        if not (counts or listed or described):
            return
        if counts:
            draft.list_intent = False  # "number of customers whose q1 spend was over 10k": counted, not listed
        figure = replace(measure, label=f"CUSTOMER_{measure.label}")
        self._customer_figure = figure
        draft.measures = [m for m in draft.measures if m is not measure]
        draft.comparisons = []
        draft.entity = PROFILE
        for key, kept in list(self.item_measures.items()):
            if kept is measure:
                del self.item_measures[key]
        numbers = " and ".join(str(v) for v in values)
        predicate = f"{figure.label} >= {values[0]} AND {figure.label} <= {values[1]}" if op == "between" else \
            f"{figure.label} {op} {values[0]}"
        words = {">": "over", ">=": "at least", "<": "under", "<=": "at most", "=": "equal to", "between": "between"}
        draft.conditions.append(Condition(PROFILE, "filter", filter_name="their_figure", filter_expr=predicate,
                                          title=f"their {measure.title} {words.get(op, op)} {numbers}"))
        self._counted_by_figure = True
        if listed:
            # the customers listed with the figure they were picked by, highest first
            shown = FieldRef(PROFILE, "their_figure", "fact", figure.label, figure.label, "NUMBER", f"their {measure.title}")
            draft.columns.append(shown)
            self._their_figure_order = OrderBy(figure.label, op not in ("<", "<="))

    def _per_customer_period(self) -> None:
        """The per-customer figure's own query: the transactions of the period and of the kinds asked (their
        conditions leave the profile's), aggregated by customer. The customers in scope stay the profile's rows, the
        question's customer filters applying, so the average is the figure's total over every one of them."""
        figure = getattr(self, "_customer_figure", None)
        if figure is None:
            return
        draft = self.draft
        rows = [c for c in draft.conditions if c.table in (FACT, DATES, CATEGORIES)]
        draft.conditions = [c for c in draft.conditions if c not in rows]
        period = None
        if draft.time is not None and draft.time_field is None:
            period = self._time_range(draft.time, self.catalog.field(FACT, "transaction_date"))
            draft.time = None
        self._customer_figure_query = self.catalog.per_customer(figure, rows, period)
        scope = " and ".join(([f"in {period.text}"] if period else []) + [f"where {c.title}" for c in rows])
        if getattr(self, "_counted_by_figure", False):
            draft.notes.append(f"Counted the customers by their own {figure.title} over "
                               f"{'the transactions ' + scope if scope else 'all their transactions'}, 0 for those "
                               "without such transactions.")
            return
        draft.notes.append(
            f"Per customer = the {figure.title} of the transactions {scope} ÷ every customer in scope (each "
            "customer of the profile matching the question, those without such transactions counting as 0), as a "
            "card issuer's spend per card in force divides by every card, not only the active ones.")

    # newest / oldest --------------------------------------------------------------------------
    def _newest_and_oldest(self) -> None:
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "word":
                continue
            newest = NEWEST_WORDS.get(item.norm)
            words = [i]
            if newest is None and item.norm in ("most", "least") and self._word(i + 1) in ("recent", "recently"):
                newest, words = item.norm == "most", [i, i + 1]
            if newest is None:
                continue
            after = self._next(words[-1], {"the", "a", "an"}, limit=2)
            count = None
            if after is not None and items[after].kind == "number" and isinstance(items[after].token.value, (int, float)) \
                    and float(items[after].token.value).is_integer() and 0 < items[after].token.value <= 1000:
                count, after = after, self._next(after, {"the"}, limit=1)  # "latest 5 transactions"
            before_count = self._previous(i, {"the", "top", "first"}, limit=2)  # "the 10 most recent transactions"
            if count is None and before_count is not None and items[before_count].kind == "number" \
                    and not items[before_count].used and isinstance(items[before_count].token.value, int) \
                    and not items[before_count].token.percent and 0 < items[before_count].token.value <= 1000 \
                    and self._word(before_count - 1) not in ("than", "over", "under", "above", "below", "exactly"):
                count = before_count
                if self._word(count - 1) in ("top", "first"):
                    words = words + [count - 1]  # "top 10 most recent transactions"
            named_rows = None
            while after is not None and items[after].kind == "sense" and not items[after].has("entity") and (
                    items[after].has("value") or items[after].has("filter")):
                # "newest Platinum cardholders": the value names the rows ("cardholders") or comes before them
                if items[after].norm.split()[-1] in ENTITY_WORDS:
                    named_rows = (items[after].has("value") or items[after].has("filter")).table
                after = self._next(after, {"the", "a", "an"}, limit=1)
            before = self._previous(i, {"the", "a", "an", "were", "was", "have", "has", "who", "that"}, limit=3)
            dated = [j for j in (after, before) if j is not None and items[j].kind == "sense" and not items[j].used
                     and items[j].has("time_dimension") and not items[j].has("entity")]
            if dated:
                # "most recently opened accounts", "customers who joined most recently": that date
                sense = items[dated[0]].has("time_dimension")
                if count is not None:  # "the 5 most recently opened accounts"
                    self.draft.limit = int(items[count].token.value)
                    words = words + [count]
                self._order_on_date(self.catalog.field(sense.table, sense.name), newest, words + [dated[0]])
                return
            rows = after if after is not None and items[after].kind == "sense" and items[after].has("entity") \
                and not (items[after].has("metric") or items[after].has("fact")) else None
            if rows is None and named_rows is None:
                continue
            table_name = items[rows].has("entity").table if rows is not None else named_rows
            noun = items[rows].norm if rows is not None else "customer"
            if table_name == PROFILE and item.norm in ("oldest", "youngest") \
                    and any(word in PEOPLE_NOUNS for word in noun.split()):
                age = self._age_named_with(i, rows)
                if age is not None and count is None:
                    # "age of the oldest customer", "the youngest cardholder's age": the age settles what "oldest"
                    # means, and the one figure asked is its maximum (minimum)
                    ref = self.catalog.field(PROFILE, "age")
                    self.draft.measures.append(self.catalog.aggregate_measure(
                        "MAX" if item.norm == "oldest" else "MIN", ref))
                    for k in words + [age] + ([rows] if rows is not None else []):
                        items[k].used = True
                    return
                if item.norm == "youngest":
                    self._order_on_date(self.catalog.field(PROFILE, "age"), False, words, note="Youngest read as age")
                    return
                raise QuestionNotUnderstood(
                    "'oldest customers' could mean their age or how long they have been customers; say which",
                    ["Top 10 customers by age", "Top 10 customers by tenure", "Customers with the earliest account open date"])
            table = self.catalog.tables[table_name]
            if not table.time_dimensions:
                continue
            if count is not None:
                self.draft.limit = int(items[count].token.value)
                words = words + [count]
            # the rows' own date: their table's first time dimension (account open date, transaction date)
            self._order_on_date(self.catalog.field(table_name, table.time_dimensions[0].name), newest, words)
            return

    def _age_named_with(self, i: int, rows: int | None) -> int | None:
        """The customers' age named as the figure of "oldest" / "youngest" at i: before it ("age of the oldest
        customer") or after its rows ("the oldest customer's age"); None when another figure or none is named."""
        items = self.items

        def age(j):
            return j is not None and items[j].kind == "sense" and not items[j].used and any(
                s.kind == "fact" and s.table == PROFILE and s.name == "age" for s in items[j].senses)
        before = self._previous(i, {"the", "a", "an", "our", "of", "is", "what", "s"}, limit=4)
        if age(before):
            return before
        for k in range(i - 1):
            # "how old is our oldest customer", "how old are the oldest cardholders": "how old" asks for the age
            if self._word(k) == "how" and self._word(k + 1) in ("old", "young") and not items[k].used \
                    and not items[k + 1].used:
                items[k].used = True
                return k + 1
        after = self._next(rows, {"'s", "'", "s"}, limit=2) if rows is not None else None
        return after if age(after) else None

    def _largest_and_smallest_rows(self) -> None:
        """ "biggest transactions last month", "the 5 largest purchases": the rows themselves ranked by the fact the
        model's largest / smallest metric takes (largest_transaction_amount is MAX(IFF(STATUS = 'approved',
        TRANSACTION_AMOUNT, NULL))) over the rows it takes (approved ones), not that one figure — the tagger split the
        plural noun from the metric's phrase and left the ranking on the word. With a breakdown ("biggest transactions
        by channel") the rows are groups, so the phrase is the metric again, per group."""
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "word" or item.ranks is None:
                continue
            ranks = item.ranks
            rows = self._next(i, {"the", "a", "an"}, limit=1)
            if rows is None or items[rows].kind != "sense" or items[rows].used \
                    or not any(s.kind == "entity" and s.table == ranks.table for s in items[rows].senses):
                continue
            if self._aggregate_context():
                item.kind, item.senses = "sense", [Sense("metric", ranks.table, ranks.metric)]
                item.norm, item.text = f"{item.norm} {items[rows].norm}", f"{item.text} {items[rows].text}"
                items[rows].used = True
                continue
            words = [i]
            count = self._previous(i, {"the"}, limit=1)  # "the 5 biggest transactions"
            place = ordinal_place(items[count].token) if count is not None and items[count].token is not None \
                and not items[count].used else None
            if place is not None:
                # "the second largest transaction in june": the ranking down to that place, whose last row is the one
                self.draft.limit = place
                self._ordinal_place = place
                words.append(count)
                self.draft.notes.append(f"Ranked down to place {place}: the {items[count].text} is the last row.")
            elif count is not None and items[count].kind == "number" and isinstance(items[count].token.value, int) \
                    and 0 < items[count].token.value <= 1000 and not items[count].token.percent:
                self.draft.limit = items[count].token.value
                words.append(count)
                if self._word(count - 1) in ("top", "first"):
                    words.append(count - 1)  # "top 5 biggest transactions"
            self._rows_ranked_by(ranks, words, item.text.capitalize())
            return
        if not self._aggregate_context() and not getattr(self, "_partition", None):
            self._top_rows_by_their_size()  # (within each group, "top 3 purchases per category", it is asked for)

    def _rows_ranked_by(self, ranks: RowRanking, words: list[int], said: str) -> None:
        """The rows listed in the order of the fact a largest / smallest metric takes, over the rows it takes."""
        ref = self.catalog.field(ranks.table, ranks.fact)
        self.draft.order.append((("fact", ranks.table, ranks.fact), ranks.descending))
        self.draft.list_intent = True
        metric = self.catalog.metrics[(ranks.table, ranks.metric)]
        if ranks.condition is not None:
            self.draft.conditions.append(Condition(ranks.table, "filter", filter_name=f"{ranks.metric}_rows",
                                                   filter_expr=ranks.condition,
                                                   title=f"{ranks.condition} (the rows {metric.name.replace('_', ' ')} takes)"))
        for k in words:
            self.items[k].used = True
        self.draft.notes.append(f"{said} read as the {ref.title} ({'highest' if ranks.descending else 'lowest'} first).")

    def _top_rows_by_their_size(self) -> None:
        """ "top 3 transactions in june", "bottom 5 online purchases": rows ranked with no figure named to rank them by
        are ranked as "the 3 largest transactions" are — by the one fact the model's largest / smallest metrics of
        their table take (the transaction amount), over the rows those take (approved ones). A figure, a fact or a
        superlative anywhere else names the ranking itself, and is left to it."""
        items = self.items
        if any(not it.used and (it.kind == "sense" and (it.has("metric") or it.has("fact"))
                                or it.kind == "word" and it.norm in (DESC_WORDS | ASC_WORDS) - {"top", "bottom"})
               for it in items):
            return
        for i, item in enumerate(items):
            if item.used or item.kind != "word" or item.norm not in ("top", "bottom") or i + 2 >= len(items):
                continue
            count, rows = items[i + 1], i + 2
            while rows < len(items) and items[rows].kind == "sense" and not items[rows].used \
                    and all(s.kind == "value" and s.table in (FACT, CATEGORIES) for s in items[rows].senses):
                rows += 1  # "top 3 online transactions": values of the rows before their noun
            if count.used or count.kind != "number" or count.token is None or count.token.percent \
                    or not isinstance(count.token.value, int) or not 0 < count.token.value <= 1000 \
                    or rows >= len(items) or items[rows].used or items[rows].kind != "sense" or not items[rows].plural:
                return
            entity = items[rows].has("entity")
            if entity is None or items[rows].has("metric"):
                return
            descending = item.norm == "top"
            kinds = {ranks for ranks in self.lexicon.singular_row_phrases.values() if ranks is not None
                     and ranks.table == entity.table and ranks.descending == descending}
            if len({ranks.fact for ranks in kinds}) != 1:
                return  # no one fact the table's rows are ranked by
            ranks = min(kinds, key=lambda r: r.metric)
            self.draft.limit = count.token.value
            self._rows_ranked_by(ranks, [i, i + 1], f"{item.text.capitalize()} {count.text} {items[rows].text}")
            return

    def _who_asks_for_customers(self) -> None:
        """ "who spent the most last month", "who made the biggest purchase": "who" opening the question asks for
        customers, as "which customer" does (the rows are customers unless it names them itself)."""
        items = self.items
        if not items or items[0].kind != "word" or items[0].norm not in ("who", "whos") or items[0].used:
            return
        if self._customers_mentioned():
            return
        senses = [s for s in self.lexicon.phrases.get(("customer",), []) if s.kind == "entity" and s.table == PROFILE]
        if senses:
            first = items[0]
            self.items[0] = Item("sense", first.start, first.end, first.text, "customer", senses, token=first.token)

    def _customers_by_their_largest_row(self) -> None:
        """ "which customer made the biggest purchase", "who had the smallest transaction in june": customers named
        with the model's largest / smallest transaction are ranked by their own (its MAX / MIN per customer), one
        customer for a singular noun — not that one amount alone, which says nothing of whose it was."""
        items = self.items
        if self.draft.group_by or any(item.kind == "sense" and item.has("dimension") and not item.has("value")
                                      and not item.has("entity") for item in items):
            return
        for i, item in enumerate(items):
            metric = item.has("metric", FACT) if item.kind == "sense" and not item.used else None
            if metric is None:
                continue
            tree = parse_expression(self.catalog.metric_measure(FACT, metric.name).expr)
            if not isinstance(tree, (exp.Max, exp.Min)) or item.norm.split()[-1].rstrip("s") not in ROW_NOUNS:
                continue
            named = [k for k in range(i) if items[k].kind == "sense" and items[k].has("entity", PROFILE)
                     and not items[k].has("metric")]
            if not named:
                return
            measure = self._measure_item(item)
            self.draft.group_customers = True
            self.draft.order.append((("measure", measure), isinstance(tree, exp.Max)))
            self._pending_singular = not items[named[0]].plural
            if not items[named[0]].plural:
                self.draft.limit = self.draft.limit or 1
            return

    def _largest_amount_per_group(self, query):
        """ "largest transaction per merchant category": per group the model's largest / smallest metric is one
        amount (the MAX / MIN it takes over the rows it keeps), not a transaction; the interpretation says so and how
        to list the transactions themselves."""
        if query.kind != "aggregate" or not query.group_by or query.within:
            return query
        notes = []
        group = " and ".join(g.title for g in query.group_by if g.name != "full_name").replace("customer id", "customer")
        for measure in query.measures:
            if measure.metric is None or measure.table != FACT:
                continue
            tree = parse_expression(measure.expr)
            if not isinstance(tree, (exp.Max, exp.Min)):
                continue
            named = [item for item in self.items if item.kind == "sense" and item.has("metric", FACT)
                     and item.has("metric", FACT).name == measure.metric]
            if not any(item.norm.split()[-1].rstrip("s") in ROW_NOUNS for item in named):
                continue  # asked as an amount ("max transaction amount"), not as the transaction
            largest = isinstance(tree, exp.Max)
            kept = tree.find(exp.If)
            rows = f" of the transactions where {kept.this.sql()}" if kept is not None else ""
            notes.append(f"The {measure.title} is each {group}'s {'largest' if largest else 'smallest'} amount{rows}, a "
                         f"figure, not the transaction itself; 'the 3 {'largest' if largest else 'smallest'} transactions "
                         f"per {group}' lists the transactions.")
        return replace(query, notes=query.notes + tuple(notes)) if notes else query

    def _order_on_date(self, ref, descending: bool, words: list[int], note: str | None = None) -> None:
        self._newest_rows = ref
        self.draft.order.append((("fact", ref.table, ref.name), descending))
        self.draft.list_intent = True  # the rows themselves, newest first (not the latest date)
        for k in words:
            self.items[k].used = True
        self.draft.notes.append(f"{note}, lowest first." if note else
                                f"{'Newest' if descending else 'Oldest'} read as the {ref.title} "
                                f"({'latest' if descending else 'earliest'} first).")

    # a total's change from one period to the next -------------------------------------------
    def _period_changes(self) -> None:
        """ "month over month change in total spend", "week over week growth in transaction count": the figure by
        that calendar grain with its change from the previous period (the profile's change facts are each
        customer's own change, not the total's)."""
        items = self.items
        periods = [i for i, item in enumerate(items) if not item.used and item.kind == "sense"
                   and item.has("dimension", DATES) and any(" ".join(p) in item.norm for p in PERIOD_CHANGE)]
        changes = [i for i, item in enumerate(items) if not item.used and item.kind == "sense" and any(
            s.kind == "fact" and s.name in CHANGE_FACTS for s in item.senses)]
        nouns = [i for i, item in enumerate(items) if not item.used and item.kind == "word" and item.norm in CHANGE_NOUNS]
        totals = [i for i, item in enumerate(items) if not item.used and item.kind == "sense" and item.has("metric", FACT)]
        self._total_change = self._a_total_s_change(changes)
        if not ((periods and (changes or nouns)) or (changes and totals) or self._total_change):
            return
        if periods:
            unit = items[periods[0]].norm.split()[0]
        else:
            change = items[changes[0]]
            unit = "month" if change.has("fact").name == "mom_spend_change_pct" else None
        suggestions = ["Month over month change in total spend", "Total spend by month",
                       "Average mom spend change pct by segment"]
        # "mom spend growth": with the period change said apart, a transaction figure inside the change fact's phrase is
        # the total that changes, as it is when the phrase says the period itself ("month over month spend change")
        inner = (self._figure_inside(changes[0]) or (self._figure_named_in(changes[0])
                                                     if self._total_change or periods else None)) \
            if changes and not totals and len(changes) == 1 else None
        if unit is None or len(totals) + (inner is not None) != 1 or len(periods) > 1 or len(changes) > 1:
            raise QuestionNotUnderstood(
                f"say which total changes from one {unit or 'period'} to the next (for example 'month over month "
                "change in total spend'); the profile's change of spend is each customer's own", suggestions)
        name = inner if inner is not None else items[totals[0]].has("metric", FACT).name
        measure = self.catalog.metric_measure(FACT, name)
        change = replace(measure, label=f"{measure.label}_CHANGE", metric=None, change_from_previous=True,
                         title=f"change in {measure.title} from the previous {unit}")
        self.draft.measures += [measure, change]
        if totals:
            self.item_measures[id(items[totals[0]])] = measure
        self._group_by_grain(unit)
        for i in periods + changes + nouns + totals:
            items[i].used = True
        self._period_change = unit
        self.draft.notes.append(
            f"The change is each {unit}'s {measure.title} over the previous {unit}'s, minus 1 (0.05 = 5% more); the "
            f"first {unit} has none, and the first and last {unit}s of the data may be partial.")

    def _a_total_s_change(self, changes: list[int]) -> bool:
        """ "month over month spend change" said on its own, as "month over month change in spend" is: the change fact's
        phrase names the period change and a transaction figure, and nothing makes it each customer's own (no
        customers named, no average / median / sort word, no number to compare it with)."""
        if len(changes) != 1:
            return False
        item = self.items[changes[0]]
        words = tuple(item.norm.split())
        if not any(words[k:k + 3] == period for period in PERIOD_CHANGE for k in range(len(words))) \
                or self._figure_named_in(changes[0]) is None:
            return False
        per_customer = {"average", "avg", "mean", "median", "typical", "sum", "max", "min", "maximum", "minimum",
                        "highest", "lowest", "top", "bottom", "most", "least", "largest", "smallest", "biggest"}
        return not any(
            (other.kind == "word" and other.norm in per_customer) or other.kind in ("number", "op", "id")
            or (other.kind == "sense" and other is not item and (other.has("entity", PROFILE) or any(
                s.table == PROFILE and s.kind in ("fact", "metric", "value", "filter") for s in other.senses)))
            for other in self.items)

    def _figure_named_in(self, index: int) -> str | None:
        """The transaction metric any words inside a phrase name, the longest first ("month over month | spend | change")."""
        item = self.items[index]
        norms = [t.norm for t in self.tokens]
        for length in range(item.end - item.start - 1, 0, -1):
            for k in range(item.start, item.end - length + 1):
                metric = next((s for s in self.lexicon.phrases.get(tuple(norms[k:k + length]), [])
                               if s.kind == "metric" and s.table == FACT), None)
                if metric is not None:
                    return metric.name
        return None

    def _figure_inside(self, index: int) -> str | None:
        """The transaction metric named inside a change phrase ("week over week change in | spend |")."""
        norms = [t.norm for t in self.tokens]
        item = self.items[index]
        for k in range(item.start, item.end):
            length, senses = self.lexicon.match(norms[:item.end], k)
            metric = next((s for s in senses if s.kind == "metric" and s.table == FACT), None)
            if length and metric is not None:
                return metric.name
        return None

    def _aggregated_dates(self) -> None:
        """ "max last transaction date by segment", "minimum account open date": the model's figures aggregate facts,
        never dates, so a date's maximum or minimum is refused (with the questions it can answer) instead of
        being read as a count by that date's month. A date whose own phrase is a superlative ("most recent
        transaction" is the last transaction date's synonym) is one customer's value: per group it is refused in
        _check_constructs."""
        items = self.items
        for i, item in enumerate(items):
            if item.kind != "sense" or not item.has("time_dimension") or item.has("entity"):
                continue
            before = self._previous(i, {"the", "a", "an", "of"}, limit=2)
            words = item.norm.split()
            if before is not None and self._word(before) in DATE_EXTREMES:
                self._refuse_date_extreme(item)
            if words and (words[0] in NEWEST_WORDS or words[:2] in (["most", "recent"], ["least", "recent"])):
                self._superlative_date = item

    def _refuse_date_extreme(self, item) -> None:
        sense = item.has("time_dimension")
        ref = self.catalog.field(sense.table, sense.name)
        if sense.table == PROFILE:
            suggestions = [f"Customers with the latest {ref.title}", f"How many customers by {ref.title} month?",
                           "Customer count by segment"]
        else:
            suggestions = ["Latest 10 transactions", "Transaction count by month", "Total spend by channel"]
        raise QuestionNotUnderstood(
            f"the latest or earliest {ref.title} of a group is a date's maximum or minimum, which the model does "
            "not compute: its figures aggregate amounts and counts, not dates", suggestions)

    def _check_constructs(self, query):
        """Newest / oldest sorts rows (customers, transactions), not groups of them: "which segment has the newest
        customers" would rank an average of dates. A change from the previous period needs the answer to be that
        one grain, in calendar order. The top N rows per group are ranked within the partition found, or refused;
        a date's latest value per group is refused."""
        query = self._rank_groups_within_groups(self._rank_rows_within_groups(query))
        query = self._largest_amount_per_group(query)
        superlative = getattr(self, "_superlative_date", None)
        if superlative is not None and query.group_by:
            self._refuse_date_extreme(superlative)
        dated = getattr(self, "_newest_rows", None)
        if dated is not None and query.kind != "list":
            raise QuestionNotUnderstood(
                f"newest and oldest sort customers or transactions by their {dated.title}; a group has no single date",
                ["Newest customers", "How many customers joined each month?" if dated.table == PROFILE
                 else "Latest 10 transactions", "Customer count by segment"])
        if dated is not None:
            query = self._when_asks_for_the_date(query, dated)
        unit = getattr(self, "_period_change", None)
        if unit is None:
            return query
        if query.kind != "aggregate" or len(query.group_by) != 1 or query.having or query.limit is not None:
            raise QuestionNotUnderstood(
                f"a change from the previous {unit} is computed for one total by {unit}, without other breakdowns, "
                "conditions on the figure or limits", [f"Total spend by {unit}", "Month over month change in total spend"])
        return replace(query, order_by=(OrderBy(query.group_by[0].label, False),))

    def _when_asks_for_the_date(self, query, dated):
        """ "when was the earliest transaction at cruise lines" (and "when did we first see a transaction at …",
        which normalise writes so): "when" asks for the date of the rows sorted on it, so the date is the answer's
        last column; of transactions, the approved ones — a declined attempt is no transaction made, as counts and
        spend take only approved ones (unless the question names a status itself)."""
        words = [t for t in self.tokens if t.kind == "word"]
        if query.kind != "list" or not words or words[0].norm != "when" \
                or not any(c.table == dated.table and c.name == dated.name for c in query.columns):
            return query
        columns = tuple(c for c in query.columns if not (c.table == dated.table and c.name == dated.name))
        columns += tuple(c for c in query.columns if c.table == dated.table and c.name == dated.name)[:1]
        conditions, notes = query.conditions, query.notes
        if dated.table == FACT and not any(c.field is not None and c.field.table == FACT and c.field.name == "status"
                                           for c in conditions):
            status = self.catalog.field(FACT, "status")
            conditions += (Condition(FACT, "in", ("approved",), status, title="status is approved"),)
            notes += ("When read as the date of approved transactions (a declined attempt is no transaction made).",)
        return replace(query, columns=columns, conditions=conditions, notes=notes)

    # what the data does not hold --------------------------------------------------------------
    def _unanswerable_concepts(self) -> None:
        raw = [t.raw.lower() for t in self.tokens]
        norms = [t.norm for t in self.tokens]
        words = set(raw) | set(norms)
        loose = {item.text.lower() for item in self.items if item.kind == "word"}
        if loose & CHURN_EVENT_WORDS:
            raise QuestionNotUnderstood(
                "the data has churn-risk predictions (a risk score, probability and category per customer), not "
                "observed churn: it cannot say who churned",
                ["How many high churn risk customers are there", "How many customers are in each churn risk category?",
                 "What is the average churn probability?"])
        if words & GROWTH_WORDS and words & SPEED_WORDS:
            raise QuestionNotUnderstood(
                "how fast a group grows needs its totals over two periods, which the model does not compare; the "
                "profile has each customer's change of spend between the last and the prior 90 days",
                ["Average spend change by segment", "Total 90 day spend by segment", "Total spend by month"])


def _norms(text: str) -> tuple[str, ...]:
    return tuple(t.norm for t in tokenize(text) if t.kind in ("word", "number"))
