"""The last stage: the draft becomes a StructuredQuery, validated.

Which table answers (one table's figures; customer counts over transaction filters count customers who
transacted), comparisons as WHERE or HAVING, the period on its date column, breakdowns, ordering with its
tie-breakers and limits, list columns — and the checks that every column is reachable from that table.

A mixin of the grammar's Parser (grammar.py): its passes read and mark the same tagged items.
"""

from __future__ import annotations

import re

from dataclasses import replace
from datetime import date, timedelta

from sqlglot import exp

from c360_pipeline.semantic.columns import columns_in
from c360_pipeline.semantic.model import parse_expression
from c360_pipeline.semantic.query import (
    CATEGORIES,
    DATE_GRAINS,
    DATES,
    DEFAULT_AGGREGATION,
    FACT,
    FACT_GRAINS,
    LIST_COLUMNS,
    LIST_LIMIT,
    OPS_TEXT,
    PRIMARY_KEY,
    PROFILE,
    Condition,
    FieldRef,
    Having,
    Measure,
    OrderBy,
    QuestionNotUnderstood,
    StructuredQuery,
    TimeRange,
    _format_value,
)
from c360_pipeline.semantic.timeranges import FutureTime
from c360_pipeline.semantic.words import TRANSACT_VERBS


class Assembly:
    """The last stage: the draft becomes a StructuredQuery, validated."""

    # assembling the query ---------------------------------------------------------------------
    def _periods_on_the_named_date(self) -> None:
        """ "customers who opened accounts each month this year": with a customer date named for the period, a
        calendar breakdown (month, quarter, year) is of that date too, not of the transactions' date."""
        draft = self.draft
        named = draft.time_field if draft.time_field is not None and draft.time_field.table == PROFILE else next(
            (c for c in draft.columns if c.table == PROFILE and c.kind == "time_dimension"), None)
        grains = {name: grain for grain, name in FACT_GRAINS.items() if grain in DATE_GRAINS} | {"quarter": "quarter"}
        if named is None:
            # "which quarter had the most signups": the customer date already grouped by its month, a calendar grain
            # beside it — the date at that grain
            dated = [g for g in draft.group_by if g.table == PROFILE and g.kind == "dimension"
                     and self.catalog.fields.get((PROFILE, g.name.rsplit("_", 1)[0]), g).kind == "time_dimension"]
            if len(dated) == 1 and any(g.table == DATES and g.name in grains for g in draft.group_by):
                named = self.catalog.field(PROFILE, dated[0].name.rsplit("_", 1)[0])
                draft.group_by.remove(dated[0])
                if draft.time is not None and draft.time_field is None:
                    draft.time_field = named  # "... the most signups in 2024": the period is the signups'
        if named is None:
            return
        # a grain said as a breakdown ("by month") or as a word of the figure ("monthly signups")
        calendar = [g for g in draft.group_by + draft.columns if g.table == DATES and g.name in grains]
        for group in calendar:
            (draft.group_by if group in draft.group_by else draft.columns).remove(group)
            self._group_by_date(named, grains[group.name])
        if calendar and named in draft.columns:
            draft.columns.remove(named)  # "accounts opened per year": the date is what is grouped

    def _assemble(self) -> StructuredQuery:
        draft = self.draft
        self._place_inactivity()
        self._groups_counted_by_their_figure()
        self._per_customer_by_group()
        self._counted_by_their_figure()
        self._per_customer_period()
        self._customers_having_rows()
        self._share_measure()
        self._single_figure_scope()
        self._periods_on_the_named_date()
        measures = list(dict.fromkeys(draft.measures))
        distinct = [m for m in measures if m.table == FACT and APPROVED_DISTINCT.fullmatch(m.expr)]
        kinds = [(m, counted) for m in measures if m.table == FACT and m.metric
                 and (counted := STATUS_COUNT.fullmatch(m.expr))]
        if len(measures) == 2 and len(distinct) == 1 and len(kinds) == 1:
            # "how many distinct merchants had declined transactions": the count of a status names the rows whose
            # distinct values are counted, not a second figure
            status = kinds[0][1].group(1)
            ref = self.catalog.field(FACT, "status")
            draft.conditions.append(Condition(FACT, "in", (status,), ref, title=f"{ref.title} is {status}"))
            measures = distinct
        fact_values = [c for c in draft.conditions if c.table in (FACT, CATEGORIES)]
        # transactions picked by a number their own fact is compared with ("transactions over $1000 last month"),
        # without a word that counts them, are those rows, as "customers with credit utilization over 80%" are
        if draft.entity == FACT and not draft.count_intent and not draft.measures and not draft.group_by \
                and not draft.group_customers and draft.comparisons \
                and all(target[0] == "fact" and target[1] == FACT for target, *_ in draft.comparisons):
            draft.list_intent = True
        if not draft.list_intent:
            # "monthly active customers": a calendar grain said as a word of what is counted is its breakdown
            for column in [c for c in draft.columns if c.table == DATES and c.name in FACT_GRAINS.values()]:
                draft.columns.remove(column)
                if column not in draft.group_by:
                    draft.group_by.append(column)
        named_customer = any(c.table == PROFILE and c.field is not None and c.field.name == "customer_id"
                             and c.op == "in" for c in draft.conditions)
        if named_customer and getattr(self, "_which_group", False) and not draft.measures and draft.group_by \
                and all(g.table == PROFILE for g in draft.group_by) and not draft.order and draft.limit is None:
            # "what segment is CUST00000042 in": the customer's own segment, not a breakdown of one customer
            draft.columns.extend(g for g in draft.group_by if g not in draft.columns)
            draft.group_by = []
        if named_customer and draft.columns and not draft.measures and not draft.group_by \
                and not draft.count_intent and not draft.group_customers and not draft.comparisons \
                and draft.time is None and all(c.table == PROFILE for c in draft.columns):
            # "what segment is CUST00000042 in", "ltv of CUST00000042": the named customer's own values, listed
            draft.entity = PROFILE
            draft.list_intent = True
        # rows listed: customers, or transactions when a list is asked for ("show transactions over $5,000")
        customer_list = not draft.count_intent and (
            draft.entity == PROFILE or (draft.entity == FACT and draft.list_intent and not draft.measures))
        # comparisons on per-customer transaction counts: profile lifetime count, or the period's count per customer
        comparisons = list(draft.comparisons)
        for index, (target, op, values, item) in enumerate(comparisons):
            if target[0] == "transactions_per_customer":
                groups = draft.group_by or [c for c in draft.columns if c.kind == "dimension"
                                            and c.name not in ("customer_id", "full_name")]
                if groups and not draft.group_customers and not self._customers_mentioned(as_makers=False):
                    # "channels with more than 500 transactions": the groups' own transaction count, not customers'
                    measure = self.catalog.metric_measure(FACT, "transaction_count")
                    if measure not in draft.measures:
                        draft.measures.append(measure)
                    comparisons[index] = (("measure", measure), op, values, item)
                elif draft.time is not None or fact_values:
                    comparisons[index] = (("measure", self.catalog.metric_measure(FACT, "transaction_count")), op, values, item)
                else:
                    comparisons[index] = (("fact", PROFILE, "total_transactions"), op, values, item)
        having_measures = [t[1] for t, *_ in comparisons if t[0] == "measure"]
        if draft.entity == PROFILE and not draft.group_by and not draft.count_intent and self._their_figure():
            # "list customers with their total spend last quarter": each customer's figure, not one total
            draft.group_customers = True
        # a per-customer metric with a comparison or sort on customers: group the fact by customer
        ranked_by_fact = any(o[0] and o[0][0] == "measure" and o[0][1].table == FACT for o in draft.order) or (
            any(o[0] is None for o in draft.order) and measures and measures[0].table == FACT)
        # ("which 3 categories have the most spend for platinum customers" names a transaction dimension: its groups)
        if draft.entity == PROFILE and (having_measures or ranked_by_fact) \
                and any(m.table == FACT for m in measures + having_measures) and not draft.group_by \
                and not any(c.kind == "dimension" and c.table != PROFILE for c in draft.columns):
            draft.group_customers = True
        if draft.count_intent and not measures:
            # "how many ...": the rows named are counted (customers unless transactions are named)
            counted = FACT if draft.entity == FACT else PROFILE
            measures.append(self.catalog.metric_measure(counted, {PROFILE: "customer_count", FACT: "transaction_count"}[counted]))
        if (customer_list or draft.entity is None) and not draft.group_customers and not measures:
            kind = "list" if (draft.entity is not None or draft.list_intent) and not draft.group_by else "aggregate"
        else:
            kind = "aggregate"
        if draft.group_customers:
            kind = "aggregate"
        if kind == "list" and self.implied_order is not None:
            draft.order.append(self.implied_order)
        if kind == "aggregate":
            # a dimension named in an aggregate question ("average LTV segment", "spend month by month") groups it
            for column in [c for c in draft.columns if c.kind in ("dimension", "time_dimension")]:
                draft.columns.remove(column)
                if any(c.field == column for c in draft.conditions) or column in draft.group_by:
                    continue
                if column.kind == "time_dimension" and column.table == PROFILE and (
                        draft.count_intent or any(g.table == PROFILE for g in draft.group_by)):
                    # "signups by segment", "how many new accounts": the date names the rows counted (customers),
                    # not a breakdown by its month as well — and with no period, which ones is not said
                    if draft.time is None and not any(g.name.startswith(f"{column.name}_") for g in draft.group_by):
                        raise self.refuse(f"the question names the {column.title} without a period, so which "
                                          "customers is not said; add one, for example 'in 2024' or 'in the last 90 "
                                          "days'")
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
            elif draft.amount_intent and draft.entity in (None, FACT) and (
                    fact_values or draft.time is not None or any(g.table in (FACT, DATES, CATEGORIES) for g in draft.group_by)):
                # "how much was declined at airlines ytd": the amount of those transactions (spend, or every status kept)
                measures.append(self.catalog.metric_measure(FACT, "total_spend"))
            elif draft.group_by and all(g.table == DATES for g in draft.group_by) and draft.entity is None \
                    and not (draft.conditions or draft.order or draft.time or draft.count_intent):
                # "what year is it", "by month": calendar periods with nothing of theirs to show
                raise self.refuse("name the figure to show for each period (for example 'transactions by year' or "
                                  "'spend by month')")
            elif draft.group_by or draft.entity is not None or draft.conditions or (
                    draft.time is not None and draft.time_field is not None and draft.time_field.table == PROFILE):
                # ... or "signups in 2024", "new customers in q1": the customers whose date is in the period
                table = draft.entity or (FACT if any(g.table in (FACT, DATES, CATEGORIES) for g in draft.group_by) else PROFILE)
                measures.append(self.catalog.metric_measure(table, {PROFILE: "customer_count", FACT: "transaction_count"}[table]))
                if table == FACT and draft.entity is None and not (draft.count_intent or draft.order or draft.comparisons):
                    # "what does last month look like by category group": neither rows nor a figure named, so the
                    # transactions are shown by both their count and their spend
                    measures.append(self.catalog.metric_measure(FACT, "total_spend"))
                    draft.notes.append("No figure named: the approved transactions' count and their spend.")
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
                    # the customers beside a figure of transactions are those the transactions were made by: said so
                    draft.notes.append("Counted customers with at least one approved transaction matching the filters.")
                else:
                    raise self.refuse("the figures asked for come from different tables (customer profile and transactions); "
                                      "ask for them one at a time")
            base = tables.pop()
        # customer counts over transaction filters or periods are counts of customers who transacted
        if kind == "aggregate" and base == PROFILE and any(m.metric == "customer_count" for m in measures) and (
            fact_values or (draft.time is not None and draft.time_field is None) or draft.transacted
            or self._transactions_named()
            or any(g.table in (FACT, DATES, CATEGORIES) for g in draft.group_by)
        ):
            measures = [self.catalog.metric_measure(FACT, "active_customer_count") if m.metric == "customer_count" else m
                        for m in measures]
            if any(m.table == PROFILE for m in measures):
                raise self.refuse("customer figures cannot be split by transaction attributes; ask about transactions instead")
            base = FACT
            draft.notes.append("Counted customers with at least one approved transaction matching the filters.")
            recent = [c for c in draft.conditions if c.filter_name == "active_customers"]
            if recent and draft.time is not None and draft.time_field is None:
                # "active customers in q1", "monthly active customers": active in the period, not in the last 60 days
                draft.conditions = [c for c in draft.conditions if c not in recent]
                draft.notes.append("Active in the period: customers with an approved transaction in it (not the "
                                   "profile's last-60-days flag).")
        status = any("STATUS" in columns_in(c.field.expr if c.field is not None else c.filter_expr or "")
                     for c in draft.conditions if c.table == FACT)
        if base == FACT and not status and any(g.table == FACT and "STATUS" in columns_in(g.expr) for g in draft.group_by):
            # "count of transactions by status": each status's rows are counted (a count of approved ones would leave
            # every other status at 0); spend stays the approved amount it is by definition
            measures = [replace(m, expr="COUNT(TRANSACTION_ID)") if m.metric == "transaction_count" else
                        replace(m, expr=APPROVED_DISTINCT.sub(r"COUNT(DISTINCT \1)", m.expr)) for m in measures]
        if base == FACT and status:
            measures = [replace(m, expr=APPROVED_DISTINCT.sub(r"COUNT(DISTINCT \1)", m.expr)) for m in measures]
            # an explicit status filter ("declined transactions"): count and sum every status it keeps
            all_statuses = {"transaction_count": "COUNT(TRANSACTION_ID)", "total_spend": "SUM(TRANSACTION_AMOUNT)",
                            "average_transaction_amount": "AVG(TRANSACTION_AMOUNT)",
                            "median_transaction_amount": "MEDIAN(TRANSACTION_AMOUNT)"}
            measures = [replace(m, expr=all_statuses[m.metric], title=m.title.replace("spend", "amount"))
                        if m.metric in all_statuses else m for m in measures]
            if any(m.metric == "active_customer_count" for m in measures):
                # customers with a transaction of the status kept ("customers with a declined purchase"), not approved
                measures = [replace(m, label="CUSTOMERS_WITH_TRANSACTIONS", expr="COUNT(DISTINCT CUSTOMER_ID)", metric=None,
                                    title="customers with at least one transaction matching the filters")
                            if m.metric == "active_customer_count" else m for m in measures]
                draft.notes = [note.replace("approved transaction", "transaction") for note in draft.notes]
        reachable = self.catalog.reachable(base)
        # comparisons: on facts of the rows (WHERE) or on measures (HAVING)
        conditions = list(draft.conditions)
        having: list[Having] = []
        kept_by: list = []  # figures only the HAVING names ("states with at least 20 customers")
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
                    kept_by.append(measure)
                if kind == "aggregate" and not draft.group_by and not draft.group_customers:
                    raise self.refuse(f"a condition on {measure.title} needs a breakdown (for example 'segments with "
                                      f"{measure.title} over ...')")
                having.append(Having(measure.label, op, values))
        for condition in conditions:
            if condition.table not in reachable:
                raise self.refuse(self._unreachable(condition.table, base))
        # time range
        time_range = None
        if draft.time is not None and draft.time_field is None and base == PROFILE \
                and self._the_profile_month(draft.time, measures):
            draft.time = None
        if draft.time is not None:
            ref = draft.time_field
            if ref is None:
                # "avg churn prob by signup month in 2025": a customer question's breakdown by one of its dates is the
                # one date it names, so the period is that date's (the profile's figures themselves have none)
                dated = {ref for group in draft.group_by if group.table == PROFILE
                         for ref in self.catalog.fields.values()
                         if ref.table == PROFILE and ref.kind == "time_dimension" and ref.expr.upper() in columns_in(
                             group.expr)} if base == PROFILE else set()
                if base == FACT:
                    ref = self.catalog.field(FACT, "transaction_date")
                elif len(dated) == 1:
                    ref = dated.pop()
                    draft.notes.append(f"Read the period as the {ref.title} of the breakdown, the one date named.")
                else:
                    raise self.refuse(
                        "customer figures are a snapshot as of the data date; a period applies to transactions or to "
                        "a date such as account open date (for example 'customers who joined in 2024')"
                    )
            if ref.table == DATES and base == FACT:
                # "daily declined transactions last month": the calendar's day is the transactions' own date, said
                # with a period it is the breakdown by day
                if kind == "aggregate":
                    self._group_by_grain("day")
                ref = self.catalog.field(FACT, "transaction_date")
            if ref.table not in reachable:
                raise self.refuse(self._unreachable(ref.table, base))
            time_range = self._time_range(draft.time, ref)
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
                active = [m for m in measures if m.metric == "active_customer_count"]
                if target[1].metric == "customer_count" and target[1] not in measures and active and base == FACT:
                    # "top 10 categories by number of customers": the customers counted per group are those who
                    # transacted in it, the figure the count became
                    target = ("measure", active[0])
                if target[1] not in measures and not any(
                        m.label == target[1].label and m.metric is not None and m.metric == target[1].metric
                        for m in measures):
                    # (a metric counted over every status the filters keep is still the one ranked by)
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
        if kind == "aggregate" and not group_by and order and getattr(self, "_partition", None):
            # "top 10 transactions per customer": rows within each group, but ranked by nothing the question names
            count, rows = self._ranked_rows
            group = self._partition[0].title.replace("transaction customer id", "customer")
            raise QuestionNotUnderstood(
                f"say what ranks the top {count} {rows} within each {group} (for example 'top {count} {rows} by amount "
                f"per {group}')", [f"Top {count} transactions by amount per {group}",
                                   f"Largest transaction by {group}", f"Transaction count by {group}"])
        if kind == "aggregate" and not group_by and order:
            raise self.refuse("a ranking needs something to rank: add a breakdown (for example 'by segment') or ask "
                              "for a list of customers or transactions")
        if kind == "list" and not order and getattr(self, "_their_figure_order", None) is not None:
            order = [self._their_figure_order]  # customers picked by their own figure: listed by it
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
                if any(g.table == DATES or g.name.endswith(("_month", "_year", "_quarter", "_week")) for g in group_by):
                    order = [OrderBy(g.label, False) for g in group_by]
                else:
                    order = [OrderBy(measures[0].label, True)]
            order = order + [OrderBy(g.label, False) for g in group_by if g.label not in {o.label for o in order}]
            if limit is None and draft.group_customers:
                limit = LIST_LIMIT  # a figure per customer is a list of customers: its first rows, like any list
        if draft.amount_intent and kind == "aggregate":
            # "how much did we decline in june": a count of some rows asked as "how much" is the sum of their amounts
            measures = [self.catalog.amount_of_count(m) or m for m in measures]
        filtered = {ref.expr.upper() for condition in conditions for ref in self._condition_fields(condition)}
        counted = [self.catalog.counted_rows(m, filtered) for m in measures]
        if counted != measures:
            draft.notes.append("Amounts count approved transactions only, as the model's spend and averages do.")
            measures = counted
        shown_from = None
        if kind == "aggregate" and time_range is not None and group_by and any(m.change_from_previous for m in measures):
            earlier = _one_period_earlier(group_by[0], time_range.start)
            if earlier is not None:
                # "mom change in grocery spend in q2": April's change is from March, read for it and not shown
                time_range, shown_from = replace(time_range, start=earlier[0]), (group_by[0].label, earlier[1])
                draft.notes.append(f"The first {group_by[0].title} shown is compared with the one before the period, "
                                   "read for that comparison only.")
        if kind == "aggregate" and kept_by and order and order[0].label not in {m.label for m in kept_by} \
                and order[0].label in {m.label for m in measures}:
            # "the state with the highest average ltv among states with at least 20 customers": the figure ranked is
            # the last column, the one the groups were kept by before it
            measures = [m for m in measures if m in kept_by] + [m for m in measures if m not in kept_by]
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
            per_customer=getattr(self, "_customer_figure_query", None),
            shown_from=shown_from,
        )
        # the last word: one table's figures, and only columns that table reaches through its relationships
        if any(m.table != base for m in query.measures):
            raise self.refuse("the figures asked for come from different tables (customer profile and transactions); "
                              "ask for them one at a time")
        unreachable = query.tables() - reachable
        if unreachable:
            raise self.refuse(self._unreachable(sorted(unreachable)[0], base))
        return query

    def _per_customer_by_group(self) -> None:
        """ "spend per customer by segment in 2025", "txns per customer by card type in june": a transaction figure per
        customer broken down by the customers' own attribute is, per group, the average of its customers' figures
        (every customer of the group counting, 0 for those without such transactions), not a list of customers
        with their group beside."""
        draft = self.draft
        if not (draft.per_customer and draft.group_customers and draft.group_by and len(draft.measures) == 1) \
                or draft.comparisons or draft.list_intent:
            return
        if any(target is not None and target != ("measure", draft.measures[0]) for target, _ in draft.order):
            return  # ranked by something else than the figure ("... sorted by credit limit")
        if any(g.table != PROFILE or g.name in ("customer_id", "full_name") for g in draft.group_by):
            return
        measure = draft.measures[0]
        if measure.table != FACT or measure.metric is None \
                or not isinstance(parse_expression(measure.expr), (exp.Sum, exp.Count, exp.CountIf)):
            return
        draft.group_customers = False
        draft.measures = [self._per_customer_over_transactions(measure, "AVG")]
        # "top 3 states by spend per customer": the groups ranked by that average
        draft.order = [(None if target is None else ("measure", draft.measures[0]), descending)
                       for target, descending in draft.order]
        draft.entity = PROFILE
        draft.notes.append(f"Read as each group's average {measure.title} per customer.")

    def _their_figure(self) -> bool:
        """A figure of the transactions said as the customers' own after the customers ("customers and their spend",
        "customers with their total spend last quarter")."""
        named = False
        for k, item in enumerate(self.items):
            if item.kind == "sense" and item.has("entity", PROFILE) and not (item.has("metric") or item.has("fact")):
                named = True
                continue
            measure = self.item_measures.get(id(item))
            if named and measure is not None and measure.table == FACT:
                before = self._previous(k, {"total", "the", "average", "overall"}, limit=2)
                if before is not None and self._word(before) == "their":
                    return True
        return False

    def _transactions_named(self) -> bool:
        """ "how many customers had transactions by card type": the transactions named as a noun, neither a figure
        nor counted, after "with" / "had" / a verb of buying, are what the customers counted made (unless an
        inactivity window says they did not make them); "how many customers and transactions" is not that."""
        if self.inactivity_conditions:
            return False
        linking = {"with", "had", "have", "has", "having"} | TRANSACT_VERBS
        for k, item in enumerate(self.items):
            if item.kind == "sense" and item.has("entity", FACT) and not item.has("metric") \
                    and id(item) not in self.item_measures:
                before = self._previous(k, {"any", "some", "a", "an", "one", "or", "more", "the"}, limit=3)
                if before is not None and self._word(before) in linking:
                    return True
        return False

    def _the_profile_month(self, spec, measures: list[Measure]) -> bool:
        """ "average month-over-month spend change for June 2025": the profile's month figures (last month's spend,
        its change from the month before) are those of the latest complete month (the as-of month when the data
        ends on its last day, else the month before), so that month named is theirs — said in a note."""
        month_columns = {"MOM_SPEND_CHANGE_PCT", "LAST_MONTH_SPEND"}
        used = set().union(*(columns_in(m.expr) for m in measures)) if measures else set()
        if not used or not used <= month_columns:
            return False
        try:
            start, end = spec.resolve(self.as_of())
        except FutureTime:
            return False
        as_of = self.as_of()
        latest = as_of.replace(day=1) if (as_of + timedelta(days=1)).day == 1 else \
            (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)
        if start != latest or end != (latest + timedelta(days=32)).replace(day=1) - timedelta(days=1):
            return False
        self.draft.notes.append(f"The profile's month figures are {latest:%B %Y}'s, the latest complete month.")
        return True

    def _time_range(self, spec, ref: FieldRef) -> TimeRange:
        """A period of the question resolved against the data's as-of date, on the date column `ref`."""
        try:
            start, end = spec.resolve(self.as_of())
        except FutureTime as error:
            raise self.refuse(str(error)) from None
        return TimeRange(ref.table, ref, start, end, spec.label(self.as_of()))

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
        """'Which customers' / 'which segments' lists all; 'which customer' / 'which segment' gives one. A noun said
        in an absence ("inactive customers with no purchase in the last 30 days") names no rows of the answer."""
        for k, item in enumerate(self.items):
            if k > 0 and self._word(k - 1) in ("no", "without"):
                continue
            if (item.kind == "sense" and (item.has("entity") or item.has("dimension")) and not item.has("value")) \
                    or self._grain_word(item):
                return item.plural  # ("the busiest month": one)
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


def _one_period_earlier(period: FieldRef, start: date) -> tuple[date, object] | None:
    """For a calendar grain of the date dimension: the first day of the period before the one `start` falls in, and
    the grain's value for `start`'s own period (its label in the answer); None for anything else."""
    if period.table != DATES:
        return None
    if period.name == "year_month":
        previous = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
        return previous, f"{start:%Y-%m}"
    if period.name == "year":
        return date(start.year - 1, 1, 1), start.year
    if period.name == "year_quarter":
        quarter = (start.month - 1) // 3
        first = date(start.year, quarter * 3 + 1, 1)
        previous = (first - timedelta(days=1)).replace(day=1)
        previous = previous.replace(month=(previous.month - 1) // 3 * 3 + 1)
        return previous, f"{start.year}-Q{quarter + 1}"
    if period.name == "week_start":
        monday = start - timedelta(days=start.weekday())
        return monday - timedelta(days=7), monday
    return None


APPROVED_DISTINCT = re.compile(r"COUNT\(DISTINCT IFF\(STATUS = 'approved', (.+?), NULL\)\)")
STATUS_COUNT = re.compile(r"COUNT_IF\(STATUS = '(\w+)'\)")


def _condition_title(ref: FieldRef, op: str, values: tuple) -> str:
    if op == "between":
        return f"{ref.title} between {_format_value(values[0])} and {_format_value(values[1])}"
    shown = " and ".join(_format_value(v) for v in values)
    return f"{ref.title} {OPS_TEXT.get(op, op)} {shown}"
