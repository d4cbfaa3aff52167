"""The semantic model file: Cortex Analyst's format (pydantic), Snowflake SQL (sqlglot), the table contract,
and a vocabulary the offline engine can read without ambiguity it does not resolve."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from c360_pipeline.semantic.columns import plan_metric, to_column
from c360_pipeline.semantic.engine import catalog_for
from c360_pipeline.semantic.model import (
    SemanticModelError,
    load_model,
    model_text,
    parse_model,
    referenced_columns,
)

MODEL = load_model()

# The README table contract: the columns each gold table has (upper case).
CONTRACT: dict[str, set[str]] = {
    "CUSTOMER_360_PROFILE": {
        "CUSTOMER_ID", "CUSTOMER_KEY", "FULL_NAME", "FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY",
        "EMPLOYMENT_STATUS", "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "TENURE_MONTHS", "TENURE_DAYS",
        "CUSTOMER_SEGMENT", "SEGMENT_ASSIGNED_AT", "SPEND_LAST_90_DAYS", "SPEND_PRIOR_90_DAYS", "SPEND_CHANGE_PCT",
        "AVG_MONTHLY_SPEND", "TRAVEL_SHARE", "NECESSITIES_SHARE", "LIFETIME_VALUE", "TOTAL_TRANSACTIONS",
        "AVG_SPEND_PER_DAY", "FIRST_TRANSACTION_DATE", "LAST_TRANSACTION_DATE", "AVG_TRANSACTION_VALUE",
        "DAYS_SINCE_LAST_TRANSACTION", "LAST_MONTH_SPEND", "MOM_SPEND_CHANGE_PCT", "CREDIT_UTILIZATION_PCT",
        "CHURN_PROBABILITY", "CHURN_RISK_SCORE", "CHURN_RISK_CATEGORY", "MODEL_VERSION", "IS_RETENTION_TARGET",
        "IS_UPSELL_TARGET", "AS_OF_DATE",
    },
    "FCT_TRANSACTIONS": {
        "TRANSACTION_KEY", "TRANSACTION_ID", "CUSTOMER_KEY", "CUSTOMER_ID", "DATE_KEY", "MERCHANT_CATEGORY_KEY",
        "MERCHANT_CATEGORY", "MERCHANT_NAME", "TRANSACTION_AMOUNT", "STATUS", "CHANNEL", "TRANSACTION_DATE", "_BATCH_ID",
    },
    "DIM_CUSTOMER": {
        "CUSTOMER_KEY", "CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "FULL_NAME", "EMAIL", "AGE", "STATE", "CITY",
        "EMPLOYMENT_STATUS", "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "ROW_HASH", "VALID_FROM", "VALID_TO",
        "IS_CURRENT", "UPDATED_AT",
    },
    "DIM_DATE": {"DATE_KEY", "CALENDAR_DATE", "YEAR", "QUARTER", "MONTH", "MONTH_NAME", "DAY", "DAY_OF_WEEK",
                 "DAY_NAME", "IS_WEEKEND"},
    "DIM_MERCHANT_CATEGORY": {"MERCHANT_CATEGORY_KEY", "MERCHANT_CATEGORY", "CATEGORY_GROUP", "IS_TRAVEL", "IS_NECESSITY"},
    "CUSTOMER_SEGMENTS": {"CUSTOMER_ID", "CARD_TYPE", "SPEND_LAST_90_DAYS", "SPEND_PRIOR_90_DAYS", "SPEND_CHANGE_PCT",
                          "AVG_MONTHLY_SPEND", "TRAVEL_SHARE", "NECESSITIES_SHARE", "TENURE_MONTHS", "CUSTOMER_SEGMENT",
                          "SEGMENT_ASSIGNED_AT"},
    "METRIC_CUSTOMER_LTV": {"CUSTOMER_ID", "LIFETIME_VALUE", "TOTAL_TRANSACTIONS", "AVG_SPEND_PER_DAY",
                            "FIRST_TRANSACTION_DATE", "LAST_TRANSACTION_DATE", "TENURE_DAYS"},
    "METRIC_MOM_SPEND_CHANGE": {"CUSTOMER_ID", "MONTH_START", "MONTH_KEY", "MONTHLY_SPEND", "PRIOR_MONTH_SPEND",
                                "SPEND_CHANGE_AMOUNT", "SPEND_CHANGE_PCT"},
    "METRIC_AVG_TRANSACTION_VALUE": {"CUSTOMER_ID", "AVG_TRANSACTION_VALUE", "STDDEV_TRANSACTION_VALUE",
                                     "MIN_TRANSACTION_VALUE", "MAX_TRANSACTION_VALUE", "MEDIAN_TRANSACTION_VALUE",
                                     "SPENDING_CONSISTENCY"},
}
REQUIRED_TABLES = set(CONTRACT)


def expressions(table):
    for item in [*table.dimensions, *table.time_dimensions, *table.facts, *table.metrics, *table.filters]:
        yield item


def test_model_follows_the_format_and_covers_the_gold_tables():
    assert MODEL.name == "customer_360_analytics"
    assert {t.base_table.table for t in MODEL.tables} == REQUIRED_TABLES
    assert all(t.base_table.database == "C360" and t.base_table.schema_ == "GOLD" for t in MODEL.tables)
    assert MODEL.metric_count() >= 30
    assert MODEL.dimension_count() >= 40
    assert all(t.primary_key and t.primary_key.columns for t in MODEL.tables)
    assert len(MODEL.verified_queries) >= 8 and any(q.use_as_onboarding_question for q in MODEL.verified_queries)


@pytest.mark.parametrize("table", MODEL.tables, ids=lambda t: t.name)
def test_every_expression_is_snowflake_sql_over_contract_columns(table):
    columns = CONTRACT[table.base_table.table]
    for item in expressions(table):
        tree = sqlglot.parse_one(item.expr, read="snowflake")
        assert tree is not None, item.name
        missing = referenced_columns(item.expr) - columns
        assert not missing, f"{table.name}.{item.name} reads {missing}, not in {table.base_table.table}"
    assert set(table.primary_key.columns) <= columns


def test_relationships_join_existing_columns_many_to_one():
    tables = {t.name: t for t in MODEL.tables}
    assert len(MODEL.relationships) >= 6
    for relationship in MODEL.relationships:
        left = CONTRACT[tables[relationship.left_table].base_table.table]
        right = tables[relationship.right_table]
        for key in relationship.relationship_columns:
            assert key.left_column in left
            assert key.right_column in right.primary_key.columns, relationship.name


def test_categorical_dimensions_carry_their_values():
    profile = MODEL.table("customer_360_profile")
    values = {d.name: set(d.sample_values) for d in profile.dimensions}
    from c360_pipeline.catalog import CARD_TYPES, CHANNELS, MERCHANT_CATEGORIES, RISK_CATEGORIES, SEGMENTS, US_STATES

    assert values["customer_segment"] == set(SEGMENTS)
    assert values["card_type"] == set(CARD_TYPES)
    assert values["churn_risk_category"] == set(RISK_CATEGORIES)
    assert values["state"] == set(US_STATES)
    fact = {d.name: set(d.sample_values) for d in MODEL.table("fct_transactions").dimensions}
    assert fact["channel"] == set(CHANNELS)
    assert fact["merchant_category"] == {c.name for c in MERCHANT_CATEGORIES}
    assert all(d.is_enum for d in profile.dimensions if d.name in ("customer_segment", "card_type", "state"))


def _logical_columns(table) -> set[str]:
    return {c.name.lower() for c in table.columns()} | {m.name.lower() for m in table.metrics}


@pytest.mark.parametrize("query", MODEL.verified_queries, ids=lambda q: q.name)
def test_verified_queries_are_one_select_over_logical_tables_and_columns(query):
    statements = sqlglot.parse(query.sql, read="snowflake")
    assert len(statements) == 1 and isinstance(statements[0], exp.Select)
    tables = {t.name: t for t in MODEL.tables}
    tree = statements[0]
    used = {t.name.lower() for t in tree.find_all(exp.Table)}
    assert used and all(name.startswith("__") and name[2:] in tables for name in used), used
    known = set().union(*[_logical_columns(tables[name[2:]]) for name in used])
    aliases = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    for column in tree.find_all(exp.Column):
        assert column.name.lower() in known | aliases, f"{query.name}: unknown column {column.name}"


def test_every_metric_can_be_planned_and_every_scalar_expression_translated():
    for table in MODEL.tables:
        for metric in table.metrics:
            plan = plan_metric(metric.name, metric.expr)
            assert plan.leaves, metric.name
        for item in [*table.dimensions, *table.time_dimensions, *table.facts, *table.filters]:
            to_column(item.expr)


def test_fact_metrics_can_be_computed_in_two_passes_but_medians():
    # a median does not recombine from partial medians: the engine aggregates the transactions once for it
    for metric in MODEL.table("fct_transactions").metrics:
        plan = plan_metric(metric.name, metric.expr)
        assert plan.decomposable or all(leaf.function == "median" for leaf in plan.leaves), metric.name


@pytest.mark.parametrize("broken, problem", [
    ("tables:\n  - name: x\n", "name"),
    (model_text().replace("data_type: VARCHAR\n", "data_type: VARCHAR\n        colour: blue\n", 1), "colour"),
    (model_text().replace("expr: AVG(LIFETIME_VALUE)", "expr: AVG(LIFETIME_VALUE", 1), "not Snowflake SQL"),
    (model_text().replace("expr: COUNT(CUSTOMER_ID)", "expr: CUSTOMER_ID", 1), "must aggregate"),
    (model_text().replace("right_table: dim_date", "right_table: dim_weather", 1), "unknown table"),
    (model_text().replace("relationship_type: many_to_one", "relationship_type: many_to_many", 1), "relationship_type"),
    ("name: [unclosed", "not valid YAML"),
])
def test_validation_names_the_problem(broken, problem):
    with pytest.raises(SemanticModelError) as error:
        parse_model(broken, "semantic_model.yaml")
    assert problem in str(error.value)


# Phrases with more than one meaning, and how the grammar chooses (see engine.Parser):
#   after "by" a dimension wins; with an aggregation
#   word, a comparison or a superlative a fact wins; a metric beats the table it belongs to.
ALLOWED_AMBIGUITY = {
    "average monthly spend", "average spend per day", "average daily spend", "average transaction value", "churn risk", "lifetime transaction count", "risk", "sale",
    "spend", "weekday",
}


def test_only_documented_phrases_are_ambiguous():
    _, lexicon = catalog_for(MODEL)
    ambiguous = {" ".join(key) for key, senses in lexicon.phrases.items()
                 if len({(s.kind, s.name, s.value) for s in senses}) > 1}
    assert ambiguous == ALLOWED_AMBIGUITY


def test_primary_keys_agree_with_the_contracts_declared_in_code():
    from c360_pipeline.contracts import all_contracts

    declared = {c.table: tuple(c.primary_key) for c in all_contracts() if c.layer == "GOLD" and c.primary_key}
    checked = 0
    for table in MODEL.tables:
        if table.base_table.table in declared:
            assert tuple(table.primary_key.columns) == declared[table.base_table.table], table.name
            checked += 1
    assert checked >= 4  # the star schema's contracts at least


def test_every_metric_filter_and_named_column_carries_synonyms():
    """The assistant's vocabulary is the model's: every metric and filter, and every column of the tables it answers
    from except surrogate keys, has synonyms (Cortex Analyst reads the same ones)."""
    from c360_pipeline.semantic.vocabulary import ENGINE_TABLES

    missing = [f"{t.name}.{item.name}" for t in MODEL.tables for item in [*t.metrics, *t.filters] if not item.synonyms]
    missing += [f"{t.name}.{item.name}" for t in MODEL.tables if t.name in ENGINE_TABLES for item in t.columns()
                if not item.synonyms and not item.name.endswith("_key")]
    assert not missing


def test_value_synonyms_are_named_filters_on_one_value_of_an_enum_dimension():
    """Spellings of a value ("frequent traveler" for High-Value Travelers) are a Cortex Analyst filter `DIM = 'value'`."""
    from c360_pipeline.semantic.vocabulary import value_filter_sense

    profile = MODEL.table("customer_360_profile")
    read = {f.name: value_filter_sense(profile, f.expr) for f in profile.filters}
    assert read["segment_high_value_travelers"].value == "High-Value Travelers"
    assert read["high_risk_customers"].value == "High Risk"
    assert read["inactive_customers"] is None and read["premium_or_platinum_cardholders"] is None
