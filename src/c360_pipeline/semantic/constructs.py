"""Constructs of analysts' questions that change the shape of the answer, read as wholes.

- **Shares**: "what percentage of customers are high risk", "share of transactions made online",
  "proportion of spend at grocery stores". What follows the counted rows ("are high risk") says which
  rows the numerator counts; what names the rows ("of Platinum cardholders") scopes both numerator and
  denominator. A share is a fraction (0.25 = 25%) computed as one metric expression; it is named after
  the model's metric when the model has the same one (high_risk_share, decline_rate, approval_rate).
  Transaction shares count approved transactions unless the question is about the status itself.
- **Inactivity windows**: "haven't made a purchase in 60 days", "no transactions in the last 30 days",
  "inactive for 90 days": no approved transaction in the last N days, that is days since the last
  transaction ≥ N (the profile's recency, so the answer is a customer question).
- **Scoped superlatives**: "lowest average transaction value among Premium cardholders" asks for one
  figure (the minimum over those customers), not a list of customers: the customers are named only to
  say over whom the figure is taken.

The class is a mixin of the grammar's Parser: its passes read and mark the same tagged items.
"""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from c360_pipeline.semantic.assemble import _condition_title
from c360_pipeline.semantic.columns import columns_in
from c360_pipeline.semantic.model import DIALECT, parse_expression
from c360_pipeline.semantic.query import (
    CATEGORIES,
    DATES,
    FACT,
    PROFILE,
    Condition,
    Measure,
    _canonical,
    condition_sql,
    counted_rows,
)
from c360_pipeline.semantic.tagging import Item, tag
from c360_pipeline.semantic.timeranges import TimeSpec
from c360_pipeline.semantic.vocabulary import singular
from c360_pipeline.semantic.words import ENTITY_WORDS, HOLDING_WORDS, TRANSACT_VERBS
from c360_pipeline.transforms.dimensions import merchant_categories

CATEGORY_ROWS = merchant_categories()  # DIM_MERCHANT_CATEGORY's rows

SHARE_WORDS = {"percentage", "percent", "share", "proportion", "portion", "fraction", "ratio"}
# Words that end the rows' name and start what is counted: "customers [who are] high risk".
SHARE_BOUNDARY = {"are", "is", "were", "was", "have", "has", "had", "who", "that", "which", "with", "whose", "made",
                  "make", "not", "without", "no", "came", "come", "comes", "coming"}
# Verbs that only join spend to where it went: "share of spend goes to travel", "percent of spend went on dining".
SPEND_VERBS = {singular(word) for word in ("go", "goes", "went", "going", "spent", "spend", "came", "come", "comes", "coming")}  # as tokens are normalised
# Words between "share of" and the rows that change nothing: "share of all our spend", "share of their spend".
# the figures a mix (or "<figure> share by <group>") shares out over the groups
MIX_FIGURES = {"total_spend", "transaction_count", "customer_count"}
SHARE_DETERMINERS = {"the", "all", "our", "total", "their", "its", "his", "her", "your", "my"}
SCOPE_WORDS = {"among", "amongst", "of", "for", "across"}
WINDOW_UNITS = {"day", "week", "month"}
INACTIVE_FILTERS = {"inactive_customers"}
ACTIVITY_WORDS = TRANSACT_VERBS | {"transact", "transacted", "active", "purchase", "purchased", "spend", "spent"}
INACTIVITY_FACT = "days_since_last_transaction"
APPROVED = "STATUS = 'approved'"
# Metrics that count customers ("how many customers", "number of active customers").
CUSTOMER_COUNTS = {"customer_count", "active_customer_count"}


class Constructs:
    """Passes over the tagged items for shares, inactivity windows and scoped superlatives."""

    share: dict | None = None
    share_conditions: list
    inactivity_conditions: list
    scoped: bool = False

    # --- shares ---------------------------------------------------------------------------------
    def _split_share_phrases(self) -> None:
        """ "share of declined txns that were on mobile": a figure the model spells as a share of some rows ("share of
        declined transactions" is the decline rate) followed by what is counted among those rows ("that were ...") is
        the share construct, not that figure: the phrase is read again as its words, "share of" and the rows."""
        items = self.items
        for i, item in enumerate(items):
            words = item.norm.split()
            if item.kind != "sense" or len(words) < 3 or words[0] not in SHARE_WORDS or words[1] != "of":
                continue
            following = self._next(i, {"the"}, limit=1)
            while following is not None and items[following].kind == "time":
                following = self._next(following, {"the"}, limit=1)  # "share of declined txns in 2024 that were ..."
            if following is None or items[following].kind != "word" or items[following].norm not in SHARE_BOUNDARY:
                continue
            parts = tag(self.tokens[item.start + 2:item.end], self.lexicon)
            for part in parts:
                part.start += item.start + 2
                part.end += item.start + 2
            share, of = (Item("word", k, k + 1, self.tokens[k].raw, self.tokens[k].norm, token=self.tokens[k])
                         for k in (item.start, item.start + 1))
            self.items[i:i + 1] = [share, of, *parts]
            return

    def _shares(self) -> None:
        """Find "<share word> of <rows> [verb] <what is counted>" and remember where the counted part starts."""
        self.share_conditions = []
        items = self.items
        for i, item in enumerate(items):
            if item.used or item.kind != "word" or item.norm not in SHARE_WORDS:
                continue
            if self._wallet_share(i):
                return
            of_period = i + 1 < len(items) and items[i + 1].kind == "time" and items[i + 1].text.lower().startswith("of ")
            # "of all declines ytd, what share happened online": the rows named first, at the start of the question
            leading = self._word(i + 1) != "of" and not of_period and i > 1 and self._word(0) == "of"
            if self._word(i + 1) != "of" and not of_period and not leading:
                before = items[i - 1] if i > 0 else None
                if item.norm in ("share", "shares") and self._word(i + 1) in ("by", "per", "across") \
                        and before is not None and before.kind == "sense" and (
                            before.has("entity") or any(s.kind == "metric" and s.name in MIX_FIGURES
                                                        for s in before.senses)):
                    # "spend share by channel", "customer share by segment": each group's share, as a mix is
                    item.used = True
                    self._share_by = True
                continue
            # "share of q2 spend": the period's "of" is the share's
            j = 1 if leading else i + 2
            while j < len(items) and items[j].kind == "word" and items[j].norm in SHARE_DETERMINERS:
                items[j].used = True
                j += 1
            rows = rows_condition = None
            while j < len(items) and rows is None:
                candidate = items[j]
                if candidate.kind == "time" and not leading:
                    j += 1  # "share of their ytd spend": the period is the question's, read by its own pass
                    continue
                if candidate.kind == "sense":
                    entity = candidate.has("entity")
                    metric = candidate.has("metric")
                    summed = self._summed_profile_column(candidate)
                    if metric and metric.name == "total_spend":  # "spend" also names the transactions
                        rows = (j, FACT, "spend")
                    elif summed is not None and not entity:
                        # "what % of total lifetime value is held by platinum customers": a customers' amount that
                        # adds up, shared among them
                        rows = (j, PROFILE, summed)
                    elif entity:
                        rows = (j, entity.table, "count")
                    elif metric and counted_rows(self.catalog.metrics[(metric.table, metric.name)].expr) is not None:
                        # "share of declined transactions", "share of retention targets": a count metric's rows
                        rows = (j, metric.table, "count")
                        condition = counted_rows(self.catalog.metrics[(metric.table, metric.name)].expr)
                        if condition:
                            rows_condition = self._value_condition(metric.table, condition) or Condition(
                                metric.table, "filter", filter_name=metric.name, filter_expr=condition,
                                title=metric.name.replace("_", " "))
                    elif (candidate.has("value") or candidate.has("filter", PROFILE)) \
                            and candidate.norm.split()[-1] in ENTITY_WORDS and not self._spend_follows(j):
                        # "share of Platinum cardholders", "share of retention targets", "share of inactive custs"
                        # ("share of High-Value Travelers spend": their spend is the rows, read next)
                        rows = (j, PROFILE, "count")
                    elif (candidate.has("value", PROFILE) or candidate.has("filter", PROFILE)) \
                            and self._word(j + 1) in SHARE_BOUNDARY:
                        # "what fraction of students are high risk": a customers' value named as the rows (the
                        # customers who have it) and what is counted among them after the verb
                        rows = (j, PROFILE, "count")
                    elif self._transactions_of_a_kind(j):
                        # "share of approved txns that were under $20", "percentage of online purchases that were
                        # declined": a kind of transaction spelled with their noun names the rows (its value scopes
                        # them, read by the values pass)
                        rows = (j, FACT, "count")
                    elif candidate.has("value") or candidate.has("filter"):
                        j += 1
                        continue
                break
            if rows is None:
                raise self.refuse(f"'{item.text} of' needs the rows it is a share of: customers, transactions or spend "
                                  "(for example 'what percentage of customers are high risk')")
            index, table, of = rows
            if leading and index >= i:
                continue
            boundary = i if leading else index
            for k in range(boundary + 1, len(items)):
                if items[k].kind == "word" and items[k].norm in SHARE_BOUNDARY:
                    boundary = k
                    if of == "spend" and self._word(k + 1) in SPEND_VERBS and not items[k + 1].used:
                        items[k + 1].used = True  # "share of spend that goes to travel": the verb joins nothing more
                    if table == PROFILE and items[k].norm in ("with", "without"):
                        boundary = self._customers_described_after(k, boundary)
                    break
                if of == "spend" and items[k].kind == "word" and items[k].norm in SPEND_VERBS:
                    boundary = k
                    items[k].used = True
                    break
            if of.startswith("sum:"):
                # "is held by", "comes from", "belongs to", "accounted for by": what joins the amount to its holders
                k = boundary + 1
                joined = boundary > index  # after "is" / "that": "is from", "that is held by"
                while k < len(items) and items[k].kind == "word" and not items[k].used and (
                        items[k].norm in HOLDING_WORDS or joined and items[k].norm in ("by", "from", "to", "for")):
                    joined = True
                    items[k].used = True
                    k += 1
            items[i].used = True
            if leading:
                items[0].used = True
            elif not of_period:
                items[i + 1].used = True
            if items[index].has("entity") or items[index].has("metric") and not items[index].has("value") \
                    or of.startswith("sum:"):
                items[index].used = True
            self.share = {"start": i, "rows": index, "boundary": boundary, "table": table, "of": of,
                          "rows_condition": rows_condition, "counted_before": self._counted_before_share(i, table)}
            self.draft.entity = self.draft.entity or (PROFILE if table == PROFILE else None)
            if table == FACT:
                self.draft.entity = FACT
            return

    def _customers_described_after(self, k: int, boundary: int) -> int:
        """ "share of customers with a travel purchase who are platinum", "what share of customers with an online
        purchase are high risk": a later "who are" / "are" followed by the customers' own attribute says what is
        counted, and the "with" clause before it names the rows; else the "with" stays the boundary."""
        for j in range(k + 1, len(self.items)):
            item = self.items[j]
            if item.kind == "word" and item.norm in ("who", "that", "which", "are", "is", "were", "was"):
                after = self._next(j, {"are", "is", "were", "was", "a", "an", "the"}, limit=3)
                if after is not None and self.items[after].kind == "sense" and any(
                        s.kind in ("value", "filter") and s.table == PROFILE for s in self.items[after].senses):
                    return j
                return boundary
        return boundary

    def _spend_follows(self, index: int) -> bool:
        following = index + 1 < len(self.items) and self.items[index + 1]
        # (the noun: "travelers spent nothing on travel" is what the customers counted did)
        return bool(following) and following.kind == "sense" and following.text.lower() not in ("spent", "spends") \
            and any(s.kind == "metric" and s.name == "total_spend" for s in following.senses)

    def _summed_profile_column(self, item) -> str | None:
        """ "sum:LIFETIME_VALUE" when the item names a customers' column the model totals (a profile metric
        SUM(column), or a fact of that column: "total lifetime value", "ltv", "credit limit"); else None."""
        totals = {parse_expression(m.expr).this.sql(dialect=DIALECT).upper(): m for (table, _), m in self.catalog.metrics.items()
                  if table == PROFILE and isinstance(parse_expression(m.expr), exp.Sum)
                  and isinstance(parse_expression(m.expr).this, exp.Column)}
        metric = item.has("metric", PROFILE)
        if metric is not None:
            expression = parse_expression(self.catalog.metrics[(PROFILE, metric.name)].expr)
            if isinstance(expression, exp.Sum) and isinstance(expression.this, exp.Column):
                return f"sum:{expression.this.sql(dialect=DIALECT).upper()}"
            return None
        fact = item.has("fact", PROFILE)
        if fact is not None and self.catalog.field(PROFILE, fact.name).expr.upper() in totals:
            return f"sum:{self.catalog.field(PROFILE, fact.name).expr.upper()}"
        return None

    def _counted_before_share(self, i: int, table: str) -> set[int]:
        """ "online share of txn count by card type", "mobile share of spend", "weekend share of dining spend": a value (or
        named filter) of the rows
        written right before the share word is what the share counts among them, not a filter of the rows."""
        if i == 0 or self._word(0) == "of":
            return set()
        before = self.items[i - 1]
        if before.kind != "sense" or before.used or before.has("entity") or before.has("metric") or before.has("fact") \
                or before.has("dimension"):
            return set()
        tables = (FACT, CATEGORIES, DATES) if table == FACT else (table,)
        kinds = [s for s in before.senses if s.kind in ("value", "filter")]
        if not kinds or any(s.table not in tables for s in kinds):
            return set()
        return {i - 1}

    def _wallet_share(self, i: int) -> bool:
        """ "dining wallet share", "travel share of wallet": a kind of transaction's share of the spend (of the
        customers named, when they are)."""
        items = self.items
        if self._word(i - 1) == "wallet":
            kind, words = i - 2, [i - 1, i]
        elif self._word(i + 1) == "of" and self._word(i + 2) == "wallet":
            kind, words = i - 1, [i, i + 1, i + 2]
        else:
            return False
        if kind < 0 or items[kind].kind != "sense" or items[kind].used:
            return False
        value = next((s for s in items[kind].senses if s.kind == "value" and s.table in (FACT, CATEGORIES)), None)
        named = next((s for s in items[kind].senses if s.kind == "filter" and s.table in (FACT, CATEGORIES)), None)
        if value is not None:
            ref = self.catalog.field(value.table, value.name)
            condition = Condition(value.table, "in", (value.value,), ref, title=f"{ref.title} is {value.value}")
        elif named is not None:
            definition = self.catalog.filters[(named.table, named.name)]
            condition = Condition(named.table, "filter", filter_name=named.name, filter_expr=definition.expr,
                                  title=named.name.replace("_", " "))
        else:
            return False
        self.share_conditions.append(condition)
        for k in [kind, *words]:
            items[k].used = True
        self.share = {"start": min(kind, i), "rows": i, "boundary": len(items), "table": FACT, "of": "spend",
                      "rows_condition": None}
        self.draft.entity = FACT
        self.draft.notes.append("A wallet share is the kind's part of the spend.")
        return True

    def _in_share(self, index: int) -> bool:
        """Whether the item at index says what a share counts (it follows the rows' name)."""
        return self.share is not None and (index > self.share["boundary"]
                                           or index in self.share.get("counted_before", ()))

    def _customers_having_rows(self) -> None:
        """ "customers with declined transactions last month", "customers who made online purchases": a count of
        transactions said after the customers with "with" / "had" and no number is the customers who have at least
        one (declined_transaction_count >= 1 per customer), not that count over everyone. Counted ("how many
        customers had declined transactions") or per group ("... by segment"), they are the distinct customers among
        those transactions (_count_customers_having)."""
        items = self.items
        for k, item in enumerate(items):
            measure = self.item_measures.get(id(item))
            if measure is None or measure.table != FACT or not measure.expr.upper().startswith("COUNT"):
                continue
            if any(target[0] == "measure" and target[1] == measure for target, *_ in self.draft.comparisons):
                continue
            before = self._previous(k, {"any", "some", "a", "an", "one", "or", "more"}, limit=3)
            if before is None or self._word(before) not in {"with", "had", "have", "has", "having"} | TRANSACT_VERBS:
                continue
            customers = [other for other in items[:before] if other.kind == "sense" and (
                other.has("entity", PROFILE) or any(s.kind == "metric" and s.name in CUSTOMER_COUNTS for s in other.senses))]
            if not customers:
                continue
            if self._aggregate_context() or any(
                    s.kind == "metric" and s.name in CUSTOMER_COUNTS for other in customers for s in other.senses):
                # counted ("how many customers had ...") or per group ("... by segment"): the distinct customers
                # among the rows the count keeps, COUNT(DISTINCT customer) over those transactions
                self._count_customers_having(measure, item, customers)
                return
            self.draft.comparisons.append((("measure", measure), ">=", (1,), items[before]))
            self.draft.notes.append(f"Read as the customers with at least one: {measure.title} of at least 1 each.")
            return

    def _count_customers_having(self, measure: Measure, item, customers: list) -> None:
        """The customers with at least one of the rows a transaction count keeps, counted once each: COUNT(DISTINCT
        CUSTOMER_ID) over those rows (COUNT_IF(STATUS = 'declined') keeps the declined ones), named after the model's
        metric when it has the same one (active_customer_count for approved transactions)."""
        rows = counted_rows(measure.expr)
        customer = "CUSTOMER_ID" if not rows else f"IFF({rows}, CUSTOMER_ID, NULL)"
        expression = f"COUNT(DISTINCT {customer})"
        existing = self.catalog._canonical_metrics.get((FACT, _canonical(expression)))
        if existing:
            counted = self.catalog.metric_measure(FACT, existing)
        else:
            noun = (measure.metric or measure.label.lower()).removesuffix("_count")
            counted = Measure(f"CUSTOMERS_WITH_{noun.upper()}S", FACT, expression,
                              f"customers with at least one {noun.replace('_', ' ')}")
        # the count of transactions becomes the count of customers; "how many customers" was that count already
        kept = [counted if m == measure else m for m in self.draft.measures if m.metric not in CUSTOMER_COUNTS]
        self.draft.measures = kept if counted in kept else [counted] + kept
        self.item_measures[id(item)] = counted
        for other in customers:
            self.item_measures.pop(id(other), None)
        self.draft.entity = FACT
        self.draft.notes.append(f"Counted each customer once: {counted.title} (COUNT DISTINCT of the customers "
                                "over those transactions).")

    def _place_inactivity(self) -> None:
        """Inactivity windows filter the rows, or say what a share counts when they follow its rows' name. A window
        said beside the model's inactive customers ("no longer active (no purchase in the last 90 days)") is the
        inactivity the question means: it replaces the model's own window."""
        if self.inactivity_conditions:
            self.draft.conditions = [c for c in self.draft.conditions if c.filter_name != "inactive_customers"]
        for index, condition in self.inactivity_conditions:
            # a negation that ends the rows' name starts what is counted: "what share of travelers did not spend ..."
            counted = self._in_share(index) or (self.share is not None and index == self.share["boundary"]
                                                and index > self.share["rows"])
            (self.share_conditions if counted else self.draft.conditions).append(condition)

    def _share_measure(self) -> None:
        """Turn the counted part of a share question into one fraction metric; the rest stays the WHERE clause."""
        if self.share is None:
            self._mix_measure()
            return
        share, draft = self.share, self.draft
        table = share["table"]
        counted = list(self.share_conditions)
        kept = []
        for comparison in draft.comparisons:
            target, op, values, item = comparison
            position = next(k for k, it in enumerate(self.items) if it is item)
            if target[0] == "transactions_per_customer" and draft.time is None:
                target = ("fact", PROFILE, "total_transactions")  # "with more than 50 transactions": lifetime count
            if self._in_share(position) and target[0] == "fact":
                ref = self.catalog.field(target[1], target[2])
                counted.append(Condition(ref.table, op, values, ref, title=_condition_title(ref, op, values)))
            else:
                kept.append(comparison)
        draft.comparisons = kept
        rows_condition = share.get("rows_condition")
        if rows_condition is not None:
            # the rows a count names ("share of declined transactions"): what is counted when nothing else is, else
            # the rows the share is of ("share of declined transactions that were on mobile": of the declined ones)
            if counted:
                draft.conditions.append(rows_condition)
            else:
                counted = [rows_condition]
        grouped = [c for c in counted or draft.conditions
                   if c.table == table and c.field is not None and c.op == "in" and c.field in draft.group_by]
        if grouped and all(c in grouped for c in counted):
            draft.conditions = list(dict.fromkeys([*draft.conditions, *grouped]))
            # "which channel had the larger share of spend: online or in-store": the values of the breakdown name
            # the groups set side by side, each with its share of their total (counted by them, every row of a
            # group would be 100%)
            draft.measures.insert(0, self._share_of_total(table, share["of"]))
            draft.notes.append(f"Each group's share of the total over the {grouped[0].field.title} values named "
                               "(0.25 = 25%).")
            return
        if not counted:
            # "share of High Risk customers": the rows' own values say what is counted
            counted = [c for c in draft.conditions if c.table == table]
            draft.conditions = [c for c in draft.conditions if c not in counted]
        if not counted and draft.group_by:
            # "percentage of customers in each segment", "share of spend by channel": each group's part of the total
            draft.measures.insert(0, self._share_of_total(table, share["of"]))
            draft.notes.append("Each group's share of the total over every group (0.25 = 25%).")
            return
        if not counted:
            raise self.refuse("a share needs what to count (for example 'what percentage of customers are high risk' or "
                              "'share of transactions made online')")
        counted = [self._on_fact(c) if table == FACT and c.table == CATEGORIES else
                   _calendar_on_fact(c) if table == FACT and c.table == DATES else c for c in counted]
        # (a share of transactions or spend may count by the customers' own columns: "share of spend from platinum
        # customers", the engine joining them onto the transactions)
        by_customers = table == FACT and all(c.table == PROFILE for c in counted)
        if by_customers and draft.group_by:
            # "share of spend from high risk customers by segment": each segment's part from them, or how their spend
            # splits over the segments — two readings
            raise self.refuse("a share of spend from some customers by a group reads two ways; ask for one group at a "
                              "time (for example 'share of Declining segment spend from high risk customers') or "
                              "for their spend by the group (for example 'spend of high risk customers by segment')")
        foreign = [c for c in counted if c.table != table and not by_customers]
        if foreign:
            raise self.refuse(f"a share of {'customers' if table == PROFILE else 'transactions'} can count by their own "
                              f"columns only; '{foreign[0].title}' belongs to another table (ask for the figure by it "
                              "instead, for example 'total spend by category group')")
        scope_status = any("STATUS" in (columns_in(c.filter_expr) if c.field is None else columns_in(c.field.expr))
                           for c in draft.conditions if c.table == FACT)
        draft.measures.insert(0, self._fraction(table, share["of"], counted, scope_status))
        draft.notes.append("A share is a fraction of the rows in scope (0.25 = 25%).")

    def _mix_measure(self) -> None:
        """ "employment mix of upsell targets", "spend mix by category group for platinum cardholders", "customer mix
        by segment": a mix is the distribution over the groups as fractions of the total (they add up to 1), of
        the customers (no figure, a breakdown by their own attribute), the transactions or the spend — each group's
        share of the total, as "share of spend by channel" is. A mix of another figure (an average, a rate) or
        without a breakdown is refused."""
        if not (getattr(self, "_share_by", False) or any(item.kind == "word" and item.norm == "mix" for item in self.items)):
            return
        draft = self.draft
        names = [m.metric for m in draft.measures]
        if not draft.group_by or len(names) > 1 or draft.list_intent or draft.comparisons \
                or any(g.name in ("customer_id", "full_name") for g in draft.group_by):
            raise self.refuse("a mix is each group's share of a total; say the breakdown and what is shared (customers, "
                              "transactions or spend), for example 'spend share by category group'")
        grouped_tables = {g.table for g in draft.group_by}
        if names == ["total_spend"]:
            table, of = FACT, "spend"
        elif names == ["transaction_count"] or not names and draft.entity == FACT:
            table, of = FACT, "count"
        elif names in (["customer_count"], []) and draft.entity in (PROFILE, None) and grouped_tables == {PROFILE}:
            table, of = PROFILE, "count"
        else:
            raise self.refuse("a mix is each group's share of a total (customers, transactions or spend), not of "
                              f"{draft.measures[0].title if draft.measures else 'these rows'}; for example 'spend share "
                              "by category group'")
        draft.measures = [self._share_of_total(table, of)]
        draft.entity = table
        draft.count_intent = draft.group_customers = False
        draft.notes.append("A mix is each group's share of the total over every group (0.25 = 25%).")

    def _share_of_total(self, table: str, of: str) -> Measure:
        if of.startswith("sum:"):
            column = of.removeprefix("sum:")
            noun = column.lower().replace("_", " ")
            return Measure(f"{column}_SHARE", PROFILE, f"SUM({column})", f"share of {noun}", of_total=True)
        metric = "customer_count" if table == PROFILE else ("total_spend" if of == "spend" else "transaction_count")
        figure = self.catalog.metric_measure(table, metric)
        noun = {"customer_count": "customers", "total_spend": "spend", "transaction_count": "approved transactions"}[metric]
        label = {"customer_count": "CUSTOMER_SHARE", "total_spend": "SPEND_SHARE"}.get(metric, "TRANSACTION_SHARE")
        return replace(figure, label=label, title=f"share of {noun}", metric=None, of_total=True)

    def _on_fact(self, condition: Condition) -> Condition:
        """A merchant-category condition ("travel", "category group is dining") as the transactions' own
        MERCHANT_CATEGORY in the categories it keeps, so a share of transactions or spend can count by it.
        The categories are the gold dimension's rows (`merchant_categories`, the reference data it is built from)."""
        if condition.op in ("filter", "not_filter"):
            # a named filter of the categories ("travel categories": IS_TRAVEL) kept on their reference rows
            kept = _on_category_rows(parse_expression(condition.filter_expr))
            if kept is None:
                return condition
            kept = kept if condition.op == "filter" else ~kept
        elif condition.field is None or condition.op not in ("in", "not_in") or \
                condition.field.expr.upper() not in CATEGORY_ROWS.columns:
            return condition
        else:
            kept = CATEGORY_ROWS[condition.field.expr.upper()].isin(condition.values)
            kept = kept if condition.op == "in" else ~kept
        names = tuple(CATEGORY_ROWS.loc[kept, "MERCHANT_CATEGORY"])
        ref = self.catalog.field(FACT, "merchant_category")
        return Condition(FACT, "in", names, ref, title=condition.title)

    def _fraction(self, table: str, of: str, counted: list[Condition], scope_status: bool = False) -> Measure:
        """The share as one metric expression; with the rows' status chosen (counted or in scope: "share of declined
        transactions that were on mobile"), every status those rows keep is counted, not only approved ones."""
        predicate = exp.and_(*[condition_sql(c) for c in counted])
        about_status = scope_status or any(
            "STATUS" in (columns_in(c.filter_expr) if c.field is None else columns_in(c.field.expr)) for c in counted)
        if of.startswith("sum:"):
            column = of.removeprefix("sum:")
            expression = f"SUM(IFF({predicate.sql(dialect=DIALECT)}, {column}, 0)) / NULLIF(SUM({column}), 0)"
            noun = column.lower().replace("_", " ")
            return Measure(f"{column}_SHARE", PROFILE, expression,
                           f"share of {noun} where " + " and ".join(c.title for c in counted))
        if table == PROFILE:
            expression = f"COUNT_IF({predicate.sql(dialect=DIALECT)}) / NULLIF(COUNT(CUSTOMER_ID), 0)"
            noun = "customers"
        elif of == "spend":
            kept = predicate if about_status else exp.and_(parse_expression(APPROVED), predicate)
            expression = (f"SUM(IFF({kept.sql(dialect=DIALECT)}, TRANSACTION_AMOUNT, 0)) / "
                          f"NULLIF(SUM(IFF({APPROVED}, TRANSACTION_AMOUNT, 0)), 0)")
            noun = "spend"
        elif about_status:
            expression = f"COUNT_IF({predicate.sql(dialect=DIALECT)}) / NULLIF(COUNT(TRANSACTION_ID), 0)"
            noun = "transactions"
        else:
            kept = exp.and_(parse_expression(APPROVED), predicate)
            expression = f"COUNT_IF({kept.sql(dialect=DIALECT)}) / NULLIF(COUNT_IF({APPROVED}), 0)"
            noun = "approved transactions"
        existing = self.catalog._canonical_metrics.get((table, _canonical(expression)))
        if existing:
            return self.catalog.metric_measure(table, existing)
        label = {"customers": "CUSTOMER_SHARE", "spend": "SPEND_SHARE"}.get(noun, "TRANSACTION_SHARE")
        return Measure(label, table, expression, f"share of {noun} where " + " and ".join(c.title for c in counted))

    # --- inactivity windows ---------------------------------------------------------------------
    def _inactivity_windows(self) -> None:
        """ "haven't purchased in 60 days", "inactive for 90 days": days since the last transaction ≥ N."""
        items = self.items
        for i, item in enumerate(items):
            if item.used:
                continue
            negation = item.kind == "word" and item.norm in ("not", "no", "without", "never")
            inactive = item.kind == "sense" and item.has("filter") and item.has("filter").name in INACTIVE_FILTERS
            if not (negation or inactive):
                continue
            spans = [i]
            active = inactive
            window = None
            strict = False  # "inactive for more than 60 days": 61 days or more
            for k in range(i + 1, min(i + 8, len(items))):
                candidate = items[k]
                if candidate.used:
                    break
                if inactive and window is None and self._matches_words(k, ("more", "than")) \
                        and k + 2 < len(items) and items[k + 2].kind == "number":
                    strict = True
                    spans.extend([k, k + 1])
                    continue
                if inactive and self._matches_words(k, ("than",)) and strict:
                    continue
                if inactive and self._matches_words(k, ("at", "least")):
                    spans.append(k)
                    continue
                if inactive and self._matches_words(k, ("least",)) and spans[-1] == k - 1:
                    spans.append(k)
                    continue
                if candidate.kind == "time" and (candidate.time.kind == "since" or (
                        candidate.time.kind == "rolling" and candidate.time.unit in WINDOW_UNITS)):
                    # "in the last 90 days", "since april": the window runs from its first day to the as-of date
                    window = (candidate.time, [k])
                    break
                if candidate.kind == "number" and isinstance(candidate.token.value, int) and not candidate.token.percent \
                        and self._word(k + 1) in WINDOW_UNITS:
                    unit = self._word(k + 1)
                    n = candidate.token.value + (1 if strict and unit == "day" else 0)
                    window = (TimeSpec("rolling", n=n, unit=unit, text=f"last {n} {unit}s"), [k, k + 1])
                    break
                if _names_activity(candidate):
                    active = True
                    spans.append(k)
                    continue
                if candidate.kind == "word" and candidate.norm in ("a", "an", "any", "anything", "the", "in", "for", "within", "over",
                                                                    "made", "make", "been", "single", "last", "past",
                                                                    "their", "his", "her", "its"):
                    spans.append(k)
                    continue
                if active and candidate.kind == "sense" and candidate.has("dimension") and not (
                        candidate.has("value") or candidate.has("metric") or candidate.has("fact")):
                    # "haven't used their card in 30 days": what the activity was done with
                    spans.append(k)
                    continue
                break
            if window is None and active and negation and not any(it.kind == "time" for it in items):
                # "customers with no transactions", "never purchased": no approved transaction at all
                for k in spans:
                    items[k].used = True
                self.inactivity_conditions.append((i, never_transacted()))
                self.draft.entity = self.draft.entity or PROFILE
                self.draft.notes.append("Read as no approved transaction at all.")
                continue
            if window is None or not active:
                continue
            spec, window_spans = window
            start, end = spec.resolve(self.as_of())
            days = (end - start).days + 1
            if days < 1:
                continue
            for k in spans + window_spans:
                items[k].used = True
            # "since april": none on or after its first day, i.e. none in the days from then to the as-of date
            since = f"since {start:%B} {start.day}, {start.year}" if spec.kind == "since" else None
            self.inactivity_conditions.append((i, inactivity_condition(int(days), title=since and f"no transaction {since}")))
            self.implied_order = self.implied_order or (("fact", PROFILE, INACTIVITY_FACT), True)  # a list: longest idle first
            self.draft.entity = self.draft.entity or PROFILE
            self.draft.notes.append(f"Read as no approved transaction {since or f'in the last {days} days'} (days since "
                                    f"the last transaction at least {days}, or none at all).")

    # --- scoped superlatives ----------------------------------------------------------------------
    def _scoped_entities(self) -> None:
        """Customers named only after "among" / "of" / "for": they scope a figure, they are not the answer."""
        mentions = [k for k, item in enumerate(self.items) if item.kind == "sense" and (
            item.has("entity", PROFILE) or (item.has("value") and item.norm.split()[-1] in ENTITY_WORDS))]
        if not mentions:
            return
        self.scoped = all(self._after_scope_word(k) for k in mentions)

    def _after_scope_word(self, index: int) -> bool:
        k = index - 1
        while k >= 0:
            item = self.items[k]
            if item.kind == "word" and item.norm in SCOPE_WORDS:
                return True
            if item.kind == "sense" and item.has("value") or (item.kind == "word" and item.norm in ("the", "all", "our")):
                k -= 1
                continue
            return False
        return False

    def _single_figure_scope(self) -> None:
        """ "the lowest X among Premium cardholders": one figure, so the customers do not make it a list."""
        draft = self.draft
        if self.scoped and self.share is None and not draft.list_intent and draft.limit is None and not draft.group_by \
                and draft.order and draft.order[0][0] is not None and draft.order[0][0][0] == "fact" \
                and draft.entity == PROFILE and not draft.measures:
            draft.entity = None
        # "top 5 categories for platinum cardholders": groups of the transactions ranked among those customers' — the
        # customers scope the transactions (as "for students" does), they are not what is counted
        if self.scoped and self.share is None and not draft.list_intent and not draft.count_intent \
                and draft.entity == PROFILE and not draft.measures and not draft.group_customers and draft.group_by \
                and all(g.table in (FACT, DATES, CATEGORIES) for g in draft.group_by):
            draft.entity = None


def inactivity_condition(days: int, title: str | None = None) -> Condition:
    """No approved transaction in the last `days` days: the last one is at least that old, or there is none."""
    column = parse_expression(INACTIVITY_FACT.upper())
    tree = exp.or_(exp.GTE(this=column, expression=exp.Literal.number(days)), exp.Is(this=column.copy(), expression=exp.Null()))
    return Condition(PROFILE, "filter", filter_name=f"no_transaction_in_{days}_days", filter_expr=tree.sql(dialect=DIALECT),
                     title=title or f"no transaction in the last {days} days")


def never_transacted() -> Condition:
    """No approved transaction at all: there is no last one."""
    column = parse_expression(INACTIVITY_FACT.upper())
    return Condition(PROFILE, "filter", filter_name="no_transaction", title="no transaction at all",
                     filter_expr=exp.Is(this=column, expression=exp.Null()).sql(dialect=DIALECT))


def _names_activity(item) -> bool:
    if item.kind == "word":
        return item.norm in ACTIVITY_WORDS
    if item.kind == "sense":
        return bool(item.has("entity", FACT)) or (item.has("filter") and item.has("filter").name == "active_customers")
    return False


def _on_category_rows(tree: exp.Expression):
    """A category filter's expression (a column that is a flag, NOT, AND / OR, = or IN literals) evaluated on the
    categories' reference rows: a boolean Series, or None for anything else."""
    if isinstance(tree, exp.Paren):
        return _on_category_rows(tree.this)
    if isinstance(tree, exp.Column) and tree.name.upper() in CATEGORY_ROWS.columns:
        return CATEGORY_ROWS[tree.name.upper()].astype(bool)
    if isinstance(tree, exp.Not):
        inner = _on_category_rows(tree.this)
        return None if inner is None else ~inner
    if isinstance(tree, (exp.And, exp.Or)):
        left, right = _on_category_rows(tree.this), _on_category_rows(tree.expression)
        if left is None or right is None:
            return None
        return (left & right) if isinstance(tree, exp.And) else (left | right)
    if isinstance(tree, (exp.EQ, exp.In)) and isinstance(tree.this, exp.Column) \
            and tree.this.name.upper() in CATEGORY_ROWS.columns:
        values = [tree.expression] if isinstance(tree, exp.EQ) else tree.expressions
        if not all(isinstance(v, exp.Literal) for v in values):
            return None
        return CATEGORY_ROWS[tree.this.name.upper()].isin([v.this if v.is_string else float(v.this) for v in values])
    return None


# The calendar's columns as expressions of a transaction's own DATE_KEY (yyyymmdd), as DIM_DATE defines them
# (DAY_OF_WEEK 0 = Sunday; weekends are Saturday and Sunday): a share of transactions or spend can then count by a
# calendar condition ("weekend share of dining spend") inside its one fraction expression, on the fact's rows.
_DAY = "TO_DATE(TO_VARCHAR(DATE_KEY), 'YYYYMMDD')"
_MONTHS = " ".join(f"WHEN {n} THEN '{name}'" for n, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"], 1))
_WEEKDAYS = " ".join(f"WHEN {n} THEN '{name}'" for n, name in enumerate(
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], 1))
CALENDAR_ON_FACT = {
    "DATE_KEY": "DATE_KEY",
    "CALENDAR_DATE": _DAY,
    "YEAR": f"YEAR({_DAY})",
    "QUARTER": f"QUARTER({_DAY})",
    "MONTH": f"MONTH({_DAY})",
    "MONTH_NAME": f"CASE MONTH({_DAY}) {_MONTHS} END",
    "DAY": f"DAY({_DAY})",
    "DAY_OF_WEEK": f"IFF(DAYOFWEEKISO({_DAY}) = 7, 0, DAYOFWEEKISO({_DAY}))",
    "DAY_NAME": f"CASE DAYOFWEEKISO({_DAY}) {_WEEKDAYS} END",
    "IS_WEEKEND": f"(DAYOFWEEKISO({_DAY}) >= 6)",
}


def _calendar_on_fact(condition: Condition) -> Condition:
    """A calendar condition ("weekends", "day of week is Saturday", "in March") as a predicate on the transactions'
    own DATE_KEY, so that a share of transactions or spend counts by it; a column the mapping lacks stays as it is
    (and the share is refused as one over another table's column)."""
    tree = condition_sql(condition)
    names = {column.name.upper() for column in tree.find_all(exp.Column)}
    if not names or not names <= set(CALENDAR_ON_FACT):
        return condition

    def on_fact(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return exp.paren(parse_expression(CALENDAR_ON_FACT[node.name.upper()]))
        return node

    predicate = tree.transform(on_fact, copy=True).sql(dialect=DIALECT)
    return Condition(FACT, "filter", filter_name=condition.filter_name, filter_expr=predicate, title=condition.title)
