"""A generated evaluation set for the assistant: questions from templates × the model's synonyms × values.

Every case carries the structure its question must parse to (`expected`, in the terms of `signature`),
built here from the semantic model directly — never by the parser. Templates are split into a tuned
slice and a held-out slice *by template* (a held-out template's wording is never seen in the tuned
slice); sampling uses a fixed seed, so the set is the same on every run. A parse is **right** when its
signature equals the expected one, **refused** when the parser declines, and **wrong** otherwise.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterator

from c360_pipeline.semantic.model import SemanticModel, load_model
from c360_pipeline.semantic.query import FACT, PROFILE, QuestionNotUnderstood, StructuredQuery, _canonical
from c360_pipeline.semantic.vocabulary import normalize_phrase, value_filter_sense

AS_OF = date(2025, 6, 30)
SEED = 20250630
PROFILE_METRICS = ("average_lifetime_value", "total_lifetime_value", "average_churn_risk_score", "average_credit_limit",
                   "average_tenure_months", "average_age", "average_credit_utilization", "median_lifetime_value")
COUNT_METRICS = ("customer_count", "retention_target_count", "upsell_target_count", "high_risk_customer_count")
PROFILE_DIMENSIONS = ("customer_segment", "card_type", "state", "churn_risk_category", "employment_status", "age_band",
                      "tenure_band")
VALUE_DIMENSIONS = ("customer_segment", "card_type", "churn_risk_category", "employment_status")
FACT_DIMENSIONS = ("channel", "merchant_category", "status")
COMPARED_FACTS = ("lifetime_value", "credit_limit", "churn_risk_score", "avg_monthly_spend", "tenure_months")
ENTITY_ENDINGS = {"customer", "cardholder", "holder", "client", "account", "spender", "traveler"}
# Words the model does not have: a question built on them must be refused, never answered as something else.
UNKNOWN_DIMENSIONS = ("gender", "zip code", "favourite colour", "income bracket", "marital status", "profession",
                      "household size", "education level")
UNKNOWN_FIGURES = ("salary", "mortgage", "credit score", "net worth", "number of children", "household income")
PERIODS = {  # phrase: (first day, last day) for the as-of date above
    "last month": (date(2025, 5, 1), date(2025, 5, 31)),
    "in March 2025": (date(2025, 3, 1), date(2025, 3, 31)),
    "in Q1 2025": (date(2025, 1, 1), date(2025, 3, 31)),
    "in the last 30 days": (date(2025, 6, 1), date(2025, 6, 30)),
    "this year": (date(2025, 1, 1), date(2025, 6, 30)),
    "in 2024": (date(2024, 1, 1), date(2024, 12, 31)),
}


@dataclass(frozen=True)
class Case:
    question: str
    family: str
    template: str
    held_out: bool
    expected: dict | None = field(hash=False, compare=False)  # None: the question must be refused


# --- the structure compared ---------------------------------------------------------------------

def signature(query: StructuredQuery) -> dict:
    """What a question asks, order-free where order does not matter: measures by their (canonical) SQL."""
    return {
        "kind": query.kind,
        "base_table": query.base_table,
        "measures": sorted(_canonical(m.expr) for m in query.measures),
        "group_by": sorted(g.label for g in query.group_by),
        "conditions": sorted(_condition_key(c) for c in query.conditions),
        "time_range": None if query.time_range is None else (query.time_range.field.name, query.time_range.start,
                                                              query.time_range.end),
        "having": sorted((h.label, h.op, tuple(h.values)) for h in query.having),
        "order": None if not query.order_by else (query.order_by[0].label, query.order_by[0].descending),
        "limit": query.limit,
        "within": sorted(g.label for g in query.within),
        "per_customer": None if query.per_customer is None else signature(query.per_customer),
    }


def _condition_key(condition) -> tuple:
    name = condition.field.name if condition.field is not None else condition.filter_name
    return (condition.table, name, condition.op, tuple(sorted(map(str, condition.values))))


def expect(kind: str, base: str, measures: list[str] = (), group_by: list[str] = (), conditions: list[tuple] = (),
           time_range: tuple | None = None, order: tuple | None = None, limit: int | None = None,
           within: list[str] = (), per_customer: dict | None = None) -> dict:
    return {"kind": kind, "base_table": base, "measures": sorted(_canonical(m) for m in measures),
            "group_by": sorted(group_by), "conditions": sorted(conditions), "time_range": time_range, "having": [],
            "order": order, "limit": limit, "within": sorted(within), "per_customer": per_customer}


def judge(case: Case, model: SemanticModel | None = None) -> tuple[str, str]:
    """('right' | 'wrong' | 'refused', detail) for one case."""
    from c360_pipeline.semantic.grammar import parse_question

    try:
        query = parse_question(case.question, AS_OF, model)
    except QuestionNotUnderstood as refusal:
        # a question the model cannot express is answered right by refusing it
        return ("right" if case.expected is None else "refused"), refusal.reason
    if case.expected is None:
        return "wrong", f"answered a question the model cannot express: {query.describe()}"
    got = signature(query)
    if got == case.expected:
        return "right", ""
    diff = {k: (got[k], case.expected[k]) for k in got if got[k] != case.expected[k]}
    return "wrong", f"{query.describe()} {diff}"


# --- vocabulary from the model --------------------------------------------------------------------

def _spellings(item) -> list[str]:
    return list(dict.fromkeys([item.name.replace("_", " "), *item.synonyms]))


def _value_spellings(model: SemanticModel) -> dict[tuple[str, str], list[str]]:
    """(dimension, value) → the ways the model spells the value (the value itself and its filter's synonyms)."""
    profile = model.table(PROFILE)
    spellings: dict[tuple[str, str], list[str]] = {}
    for dimension in profile.dimensions:
        if dimension.name in VALUE_DIMENSIONS:
            for value in dimension.sample_values:
                spellings.setdefault((dimension.name, value), []).append(value)
    for named in profile.filters:
        sense = value_filter_sense(profile, named.expr)
        if sense is not None and sense.name in VALUE_DIMENSIONS:
            spellings.setdefault((sense.name, sense.value), []).extend(named.synonyms)
    return {key: list(dict.fromkeys(words)) for key, words in spellings.items()}


def _customers(spelling: str) -> str:
    """ "Gold" → "Gold customers"; a spelling that already names the customers stays as it is."""
    words = normalize_phrase(spelling)
    return spelling if words and words[-1] in ENTITY_ENDINGS else f"{spelling} customers"


# --- templates ------------------------------------------------------------------------------------

def _cases(model: SemanticModel) -> Iterator[Case]:
    profile = model.table(PROFILE)
    metrics = {m.name: m for m in profile.metrics}
    dimensions = {d.name: d for d in profile.dimensions}
    facts = {f.name: f for f in profile.facts}
    fact_table = model.table(FACT)
    fact_dimensions = {d.name: d for d in fact_table.dimensions}
    spend = next(m for m in fact_table.metrics if m.name == "total_spend").expr
    values = _value_spellings(model)

    def group_order(metric: str) -> tuple:
        return (metric.upper(), True)

    for metric_name in PROFILE_METRICS + COUNT_METRICS:
        metric = metrics[metric_name]
        for metric_words in _spellings(metric):
            for dimension_name in PROFILE_DIMENSIONS:
                label = dimensions[dimension_name].name.upper()
                for dimension_words in _spellings(dimensions[dimension_name]):
                    expected = expect("aggregate", PROFILE, [metric.expr], [label], order=group_order(metric_name))
                    yield Case(f"{metric_words} by {dimension_words}", "metric by dimension", "M by D", False, expected)
                    yield Case(f"what is the {metric_words} per {dimension_words}?", "metric by dimension",
                               "what is the M per D", False, expected)
                    yield Case(f"show the {metric_words} for each {dimension_words}", "metric by dimension",
                               "show the M for each D", True, expected)
                    yield Case(f"break down {metric_words} by {dimension_words}", "metric by dimension",
                               "break down M by D", True, expected)
            if metric_name in COUNT_METRICS:
                continue
            for (dimension_name, value), spellings in values.items():
                condition = (PROFILE, dimension_name, "in", (value,))
                expected = expect("aggregate", PROFILE, [metric.expr], conditions=[condition])
                for value_words in spellings:
                    yield Case(f"{metric_words} for {_customers(value_words)}", "metric for a value",
                               "M for V customers", False, expected)
                    yield Case(f"what is the {metric_words} of {_customers(value_words)}", "metric for a value",
                               "what is the M of V customers", False, expected)
                    yield Case(f"{metric_words} among {_customers(value_words)}", "metric for a value",
                               "M among V customers", True, expected)
    count = metrics["customer_count"].expr
    for (dimension_name, value), spellings in values.items():
        condition = (PROFILE, dimension_name, "in", (value,))
        counted = f"COUNT_IF({dimensions[dimension_name].expr} = '{value}') / NULLIF(COUNT(CUSTOMER_ID), 0)"
        for value_words in spellings:
            customers = _customers(value_words)
            expected = expect("aggregate", PROFILE, [count], conditions=[condition])
            yield Case(f"how many {customers} are there", "count of a value", "how many V customers are there", False,
                       expected)
            yield Case(f"number of {customers}", "count of a value", "number of V customers", False, expected)
            yield Case(f"count of {customers}", "count of a value", "count of V customers", True, expected)
            share = expect("aggregate", PROFILE, [counted])
            yield Case(f"what percentage of customers are {value_words}", "share", "what percentage of customers are V",
                       False, share)
            yield Case(f"share of customers that are {value_words}", "share", "share of customers that are V", False,
                       share)
            yield Case(f"what proportion of customers are {value_words}?", "share", "what proportion of customers are V",
                       True, share)
            yield Case(f"what fraction of all customers is {value_words}", "share", "what fraction of all customers is V",
                       True, share)
            for fact_name in ("lifetime_value", "credit_limit", "churn_risk_score"):
                fact = facts[fact_name]
                for fact_words in _spellings(fact)[:4]:
                    for word, function in (("highest", "MAX"), ("lowest", "MIN")):
                        measure = f"{function}({fact.expr})"
                        scoped = expect("aggregate", PROFILE, [measure], conditions=[condition])
                        yield Case(f"{word} {fact_words} among {customers}", "scoped superlative",
                                   "S F among V customers", False, scoped)
                        yield Case(f"what is the {word} {fact_words} of {customers}?", "scoped superlative",
                                   "what is the S F of V customers", True, scoped)
    for days in (30, 45, 60, 90, 120):
        compared = (PROFILE, f"no_transaction_in_{days}_days", "filter", ())
        counted = expect("aggregate", PROFILE, [count], conditions=[compared])
        yield Case(f"how many customers haven't made a purchase in {days} days", "inactivity window",
                   "how many customers haven't made a purchase in N days", False, counted)
        yield Case(f"how many customers have not transacted in the last {days} days", "inactivity window",
                   "how many customers have not transacted in the last N days", False, counted)
        yield Case(f"number of customers with no purchases in the past {days} days", "inactivity window",
                   "number of customers with no purchases in the past N days", True, counted)
        yield Case(f"count customers inactive for {days} days", "inactivity window",
                   "count customers inactive for N days", True, counted)
    for phrase, (start, end) in PERIODS.items():
        for dimension_name in FACT_DIMENSIONS:
            dimension = fact_dimensions[dimension_name]
            for dimension_words in _spellings(dimension):
                expected = expect("aggregate", FACT, [spend], [dimension.name.upper()],
                                  time_range=("transaction_date", start, end), order=("TOTAL_SPEND", True))
                yield Case(f"total spend by {dimension_words} {phrase}", "spend by transaction attribute and period",
                           "total spend by D P", False, expected)
                yield Case(f"how much was spent per {dimension_words} {phrase}", "spend by transaction attribute and period",
                           "how much was spent per D P", True, expected)
        for channel in ("Online", "Mobile", "In-Store"):
            share = (f"COUNT_IF(STATUS = 'approved' AND CHANNEL = '{channel}') / "
                     "NULLIF(COUNT_IF(STATUS = 'approved'), 0)")
            expected = expect("aggregate", FACT, [share], time_range=("transaction_date", start, end))
            yield Case(f"what percentage of transactions were {channel} {phrase}", "share", "percentage of transactions "
                       "were C P", False, expected)
            yield Case(f"share of transactions made {channel} {phrase}", "share", "share of transactions made C P", True,
                       expected)
    for days in (30, 60, 90, 180):
        for (dimension_name, value), spellings in values.items():
            condition = (PROFILE, dimension_name, "in", (value,))
            if days == 90:
                expected = expect("aggregate", PROFILE, [metrics["total_spend_last_90_days"].expr], conditions=[condition])
            else:
                first = AS_OF - timedelta(days=days - 1)
                expected = expect("aggregate", FACT, [spend], conditions=[condition],
                                  time_range=("transaction_date", first, AS_OF))
            for value_words in spellings[:3]:
                yield Case(f"total {days}-day spend of {_customers(value_words)}", "N-day window",
                           "total N-day spend of V customers", False, expected)
                yield Case(f"the total of {days} day spend for {_customers(value_words)}", "N-day window",
                           "the total of N day spend for V customers", False, expected)
                yield Case(f"sum of {days} day spend for {_customers(value_words)}", "N-day window",
                           "sum of N day spend for V customers", True, expected)
    for fact_name in COMPARED_FACTS:
        fact = facts[fact_name]
        for fact_words in _spellings(fact):
            for number in (50, 1000, 25000):
                condition = (PROFILE, fact_name, ">", (str(number),))
                expected = expect("list", PROFILE, conditions=[condition], order=(fact_name.upper(), True), limit=100)
                yield Case(f"customers with {fact_words} over {number:,}", "customers compared with a figure",
                           "customers with F over N", False, expected)
                yield Case(f"list customers whose {fact_words} is above {number}", "customers compared with a figure",
                           "list customers whose F is above N", True, expected)
    for metric_name in PROFILE_METRICS:
        metric = metrics[metric_name]
        for metric_words in _spellings(metric)[:3]:
            for dimension_name in ("customer_segment", "card_type", "state"):
                dimension = dimensions[dimension_name]
                for dimension_words in _spellings(dimension)[:3]:
                    for n in (3, 5):
                        expected = expect("aggregate", PROFILE, [metric.expr], [dimension_name.upper()],
                                          order=group_order(metric_name), limit=n)
                        yield Case(f"top {n} {dimension_words}s by {metric_words}", "top N", "top N Ds by M", False,
                                   expected)
                        yield Case(f"the {n} {dimension_words}s with the highest {metric_words}", "top N",
                                   "the N Ds with the highest M", True, expected)
    for metric_name in PROFILE_METRICS:
        metric = metrics[metric_name]
        for metric_words in _spellings(metric)[:3]:
            for (dimension_name, value), spellings in values.items():
                excluded = expect("aggregate", PROFILE, [metric.expr],
                                  conditions=[(PROFILE, dimension_name, "not_in", (value,))])
                for value_words in spellings[:2]:
                    yield Case(f"{metric_words} for customers who are not {value_words}", "negated value",
                               "M for customers who are not V", False, excluded)
                    yield Case(f"{metric_words} excluding {_customers(value_words)}", "negated value",
                               "M excluding V customers", True, excluded)
    count_expr = next(m for m in fact_table.metrics if m.name == "transaction_count").expr
    for phrase, (start, end) in PERIODS.items():
        for dimension_name in ("channel", "merchant_category"):
            dimension = fact_dimensions[dimension_name]
            for dimension_words in _spellings(dimension)[:4]:
                expected = expect("aggregate", FACT, [count_expr], [dimension.name.upper()],
                                  time_range=("transaction_date", start, end), order=("TRANSACTION_COUNT", True))
                yield Case(f"number of transactions by {dimension_words} {phrase}", "transaction count by attribute",
                           "number of transactions by D P", False, expected)
                yield Case(f"how many transactions per {dimension_words} {phrase}", "transaction count by attribute",
                           "how many transactions per D P", True, expected)
    for year in (2021, 2022, 2023, 2024):
        opened = ("account_open_date", date(year, 1, 1), date(year, 12, 31))
        for verb in ("joined", "signed up", "opened an account"):
            expected = expect("aggregate", PROFILE, [count], time_range=opened)
            yield Case(f"how many customers {verb} in {year}", "customers by a profile date", "how many customers X in Y",
                       False, expected)
            yield Case(f"number of customers who {verb} during {year}", "customers by a profile date",
                       "number of customers who X during Y", True, expected)
    yield from _per_customer_cases(model, values)
    yield from _ranked_within_group_cases(model)
    yield from _customers_having_cases(model)
    for metric_name in PROFILE_METRICS[:4]:
        metric = metrics[metric_name]
        for metric_words in _spellings(metric)[:3]:
            for unknown in UNKNOWN_DIMENSIONS:
                yield Case(f"{metric_words} by {unknown}", "cannot be expressed", "M by unknown", False, None)
                yield Case(f"what is the {metric_words} for each {unknown}?", "cannot be expressed",
                           "what is the M for each unknown", True, None)
            for dimension_name in FACT_DIMENSIONS:
                for dimension_words in _spellings(fact_dimensions[dimension_name])[:3]:
                    # a per-customer figure cannot be split by a transaction's attributes
                    yield Case(f"{metric_words} by {dimension_words}", "cannot be expressed", "M by transaction D",
                               False, None)
                    yield Case(f"show {metric_words} per {dimension_words}", "cannot be expressed",
                               "show M per transaction D", True, None)
            for future in ("next month", "next quarter", "in the next 30 days"):
                yield Case(f"total spend {future}", "cannot be expressed", "spend in the future", False, None)
                yield Case(f"how many transactions will there be {future}", "cannot be expressed",
                           "transactions in the future", True, None)
    for (dimension_name, value), spellings in values.items():
        for value_words in spellings[:3]:
            for unknown in UNKNOWN_FIGURES:
                yield Case(f"average {unknown} of {_customers(value_words)}", "cannot be expressed",
                           "average unknown of V customers", False, None)
                yield Case(f"how many {_customers(value_words)} have a {unknown}", "cannot be expressed",
                           "how many V customers have an unknown", True, None)


def _per_customer_cases(model: SemanticModel, values: dict) -> Iterator[Case]:
    """ "average spend per customer last month": each customer's figure over the period, averaged over the profile."""
    fact_metrics = {m.name: m for m in model.table(FACT).metrics}
    for metric_name, words in (("total_spend", "spend"), ("transaction_count", "number of transactions")):
        inner_label = f"CUSTOMER_{metric_name.upper()}"
        outer = f"AVG({inner_label})"
        label = f"AVERAGE_{metric_name.upper()}_PER_CUSTOMER"
        for phrase, (start, end) in PERIODS.items():
            inner = expect("aggregate", FACT, [fact_metrics[metric_name].expr], ["CUSTOMER_ID"],
                           time_range=("transaction_date", start, end))
            inner = {**inner, "per_customer": None}
            everyone = expect("aggregate", PROFILE, [outer], per_customer=inner)
            yield Case(f"average {words} per customer {phrase}", "per customer over a period",
                       "average M per customer P", False, everyone)
            yield Case(f"avg {words} per cardholder {phrase}", "per customer over a period",
                       "avg M per cardholder P", True, everyone)
            for dimension_name in ("customer_segment", "card_type", "state"):
                by = expect("aggregate", PROFILE, [outer], [dimension_name.upper()], order=(label, True), per_customer=inner)
                yield Case(f"average {words} per customer {phrase} by {dimension_name.replace('_', ' ')}",
                           "per customer over a period", "average M per customer P by D", False, by)
                yield Case(f"mean {words} per client by {dimension_name.replace('_', ' ')} {phrase}",
                           "per customer over a period", "mean M per client by D P", True, by)
            for (dimension_name, value), spellings in values.items():
                scoped = expect("aggregate", PROFILE, [outer], conditions=[(PROFILE, dimension_name, "in", (value,))],
                                per_customer=inner)
                for value_words in spellings[:2]:
                    yield Case(f"average {words} per customer {phrase} for {_customers(value_words)}",
                               "per customer over a period", "average M per customer P for V customers", False, scoped)
                    yield Case(f"average {words} {phrase} among {_customers(value_words)}",
                               "per customer over a period", "average M P among V customers", True, scoped)


def _ranked_within_group_cases(model: SemanticModel) -> Iterator[Case]:
    """ "top 5 transactions by amount by channel", "top 3 customers by lifetime value in each state"."""
    facts = {f.name: f for f in model.table(PROFILE).facts}
    for dimension in model.table(FACT).dimensions:
        if dimension.name not in ("channel", "merchant_category"):
            continue
        for dimension_words in _spellings(dimension)[:4]:
            for n in (3, 5, 10):
                expected = expect("list", FACT, order=("TRANSACTION_AMOUNT", True), limit=n,
                                  within=[dimension.name.upper()])
                yield Case(f"top {n} transactions by amount by {dimension_words}", "top N within each group",
                           "top N transactions by amount by D", False, expected)
                yield Case(f"top {n} transactions by amount in each {dimension_words}", "top N within each group",
                           "top N transactions by amount in each D", True, expected)
    dimensions = {d.name: d for d in model.table(PROFILE).dimensions}
    for fact_name in COMPARED_FACTS:
        for fact_words in _spellings(facts[fact_name])[:3]:
            for dimension_name in ("customer_segment", "card_type", "state"):
                for dimension_words in _spellings(dimensions[dimension_name])[:3]:
                    for n in (2, 3):
                        expected = expect("list", PROFILE, order=(fact_name.upper(), True), limit=n,
                                          within=[dimension_name.upper()])
                        yield Case(f"top {n} customers by {fact_words} per {dimension_words}", "top N within each group",
                                   "top N customers by F per D", False, expected)
                        yield Case(f"for each {dimension_words}, the top {n} customers by {fact_words}",
                                   "top N within each group", "for each D, the top N customers by F", True, expected)


def _customers_having_cases(model: SemanticModel) -> Iterator[Case]:
    """ "customers with declined transactions by segment": the distinct customers among those transactions."""
    distinct = "COUNT(DISTINCT IFF(STATUS = 'declined', CUSTOMER_ID, NULL))"
    dimensions = [d for d in model.table(PROFILE).dimensions if d.name in ("customer_segment", "card_type", "state")]
    dimensions += [d for d in model.table(FACT).dimensions if d.name in ("channel", "merchant_category")]
    for dimension in dimensions:
        table = PROFILE if dimension in model.table(PROFILE).dimensions else FACT
        for dimension_words in _spellings(dimension)[:4]:
            expected = expect("aggregate", FACT, [distinct], [dimension.name.upper()],
                              order=("CUSTOMERS_WITH_DECLINED_TRANSACTIONS", True))
            yield Case(f"customers with declined transactions by {dimension_words}", "customers having transactions",
                       "customers with declined transactions by D", False, expected)
            yield Case(f"how many customers had a declined transaction per {dimension_words}",
                       "customers having transactions", "how many customers had a declined transaction per D", True,
                       expected)
            if table == PROFILE:
                for channel in ("Online", "Mobile"):
                    active = expect("aggregate", FACT, [next(m.expr for m in model.table(FACT).metrics
                                                             if m.name == "active_customer_count")],
                                    [dimension.name.upper()], conditions=[(FACT, "channel", "in", (channel,))],
                                    order=("ACTIVE_CUSTOMER_COUNT", True))
                    yield Case(f"how many customers made {channel.lower()} purchases by {dimension_words}",
                               "customers having transactions", "how many customers made C purchases by D", False, active)
                    yield Case(f"number of customers who shopped {channel.lower()} per {dimension_words}",
                               "customers having transactions", "number of customers who shopped C per D", True, active)


def evaluation_set(model: SemanticModel | None = None, per_template: int = 200, seed: int = SEED) -> list[Case]:
    """Up to `per_template` cases per template, sampled with a fixed seed (the same set on every run)."""
    model = model or load_model()
    by_template: dict[str, list[Case]] = {}
    for case in _cases(model):
        by_template.setdefault(case.template, []).append(case)
    chooser = random.Random(seed)
    chosen: list[Case] = []
    for template in sorted(by_template):
        cases = list(dict.fromkeys(by_template[template]))
        chosen += cases if len(cases) <= per_template else chooser.sample(cases, per_template)
    return chosen
