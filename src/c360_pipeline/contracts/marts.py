"""Contracts of the marts: one row per current customer, metrics that add up to the fact, flags that never overlap."""

from __future__ import annotations

from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DoubleType,
)

from c360_pipeline.catalog import RISK_CATEGORIES, SEGMENTS
from c360_pipeline.contracts.model import Check, TableContract, count_difference, count_rows, outside
from c360_pipeline.transforms.common import approved_transactions, current_customers


def _rows_match_current_customers(frame: DataFrame, tables) -> DataFrame:
    """Current customers missing from the table, or rows beyond them (with the key unique: missing customers)."""
    return count_difference(frame, current_customers(tables("GOLD", "DIM_CUSTOMER")))


def _differ_by_a_cent(left: Column, right: Column) -> Column:
    """Amounts that differ by half a cent or more (money is compared to the cent, whatever the sides' types)."""
    return F.abs(left.cast(DoubleType()) - right.cast(DoubleType())) >= F.lit(0.005)


def _lifetime_value_matches_fact(frame: DataFrame, tables) -> DataFrame:
    """Customers whose LIFETIME_VALUE differs from the sum of their approved fact amounts up to AS_OF_DATE.

    The table's AS_OF_DATE (its latest) is joined to the fact in the same query, as `_AS_OF`: an empty
    table has none, so no fact row is counted against it.
    """
    as_of = frame.agg(F.max("AS_OF_DATE").alias("_AS_OF"))
    dated = tables("GOLD", "FCT_TRANSACTIONS").cross_join(as_of)
    approved = approved_transactions(dated, F.col("_AS_OF"))  # compared through F.lit, which keeps a Column as is
    fact = approved.group_by("CUSTOMER_ID").agg(F.sum("TRANSACTION_AMOUNT").alias("_FACT_VALUE"))
    compared = frame.select("CUSTOMER_ID", "LIFETIME_VALUE").join(fact, "CUSTOMER_ID", how="full")
    return count_rows(compared.filter(
        F.col("LIFETIME_VALUE").is_null()
        | _differ_by_a_cent(F.col("LIFETIME_VALUE"), F.coalesce(F.col("_FACT_VALUE"), F.lit(0)))
    ))


def _monthly_spend_adds_up_to_lifetime_value(frame: DataFrame, tables) -> DataFrame:
    """Customers whose monthly spend does not add up to their LIFETIME_VALUE (a month lost or counted twice)."""
    months = frame.group_by("CUSTOMER_ID").agg(F.sum("MONTHLY_SPEND").alias("_MONTHS_VALUE"))
    value = tables("GOLD", "METRIC_CUSTOMER_LTV").filter(F.col("TOTAL_TRANSACTIONS") > 0).select(
        "CUSTOMER_ID", "LIFETIME_VALUE"
    )
    compared = months.join(value, "CUSTOMER_ID", how="full")
    return count_rows(compared.filter(
        F.col("_MONTHS_VALUE").is_null() | F.col("LIFETIME_VALUE").is_null()
        | _differ_by_a_cent(F.col("_MONTHS_VALUE"), F.col("LIFETIME_VALUE"))
    ))


def _segment_inputs_out_of_range() -> Column:
    """Rows with negative spend or a share outside [0, 1] (beyond float rounding)."""
    return (
        (F.col("SPEND_LAST_90_DAYS") < 0) | (F.col("SPEND_PRIOR_90_DAYS") < 0)
        | outside("TRAVEL_SHARE", 0.0, 1.0) | outside("NECESSITIES_SHARE", 0.0, 1.0)
        | outside(F.col("TRAVEL_SHARE") + F.col("NECESSITIES_SHARE"), 0.0, 1.0)
    )


def _transaction_values_out_of_order() -> Column:
    """Rows where min <= median <= max, min <= avg <= max (to the cent) or 0 <= consistency <= 1 fails."""
    low, high = F.col("MIN_TRANSACTION_VALUE").cast(DoubleType()), F.col("MAX_TRANSACTION_VALUE").cast(DoubleType())
    cent = F.lit(0.005)
    return (
        (F.col("MEDIAN_TRANSACTION_VALUE") < low - cent) | (F.col("MEDIAN_TRANSACTION_VALUE") > high + cent)
        | (F.col("AVG_TRANSACTION_VALUE") < low - cent) | (F.col("AVG_TRANSACTION_VALUE") > high + cent)
        | (F.col("SPENDING_CONSISTENCY") < 0) | (F.col("SPENDING_CONSISTENCY") > 1)
    )


def _profile_uses_current_version(frame: DataFrame, tables) -> DataFrame:
    """Profile rows whose CUSTOMER_KEY is not the customer's current DIM_CUSTOMER version."""
    current = current_customers(tables("GOLD", "DIM_CUSTOMER")).select(
        "CUSTOMER_ID", "CUSTOMER_KEY", F.lit(True).alias("_CURRENT")
    )
    return count_rows(frame.select("CUSTOMER_ID", "CUSTOMER_KEY").join(current, ["CUSTOMER_ID", "CUSTOMER_KEY"], how="left").filter(
        F.col("_CURRENT").is_null()
    ))


def _flagged_for_both_campaigns() -> Column:
    """Customers flagged both as retention and as upsell target."""
    return F.col("IS_RETENTION_TARGET") & F.col("IS_UPSELL_TARGET")


_TO_CUSTOMER = {"CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID")}


CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "GOLD", "CUSTOMER_SEGMENTS", "one row per current customer",
        primary_key=("CUSTOMER_ID",),
        not_null=("CARD_TYPE", "SPEND_LAST_90_DAYS", "SPEND_PRIOR_90_DAYS", "AVG_MONTHLY_SPEND", "TRAVEL_SHARE",
                  "NECESSITIES_SHARE", "TENURE_MONTHS", "CUSTOMER_SEGMENT", "SEGMENT_ASSIGNED_AT"),
        accepted_values={"CUSTOMER_SEGMENT": SEGMENTS},
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("CUSTOMER_SEGMENTS.one_row_per_current_customer", "error",
                  description="every current customer is segmented once",
                  query=_rows_match_current_customers),
            Check("CUSTOMER_SEGMENTS.inputs_in_range", "error",
                  description="spend is never negative and shares lie in [0, 1]",
                  condition=_segment_inputs_out_of_range()),
        ),
    ),
    TableContract(
        "GOLD", "METRIC_CUSTOMER_LTV", "one row per current customer",
        primary_key=("CUSTOMER_ID",),
        not_null=("LIFETIME_VALUE", "TOTAL_TRANSACTIONS", "AVG_SPEND_PER_DAY", "TENURE_DAYS", "AS_OF_DATE"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_CUSTOMER_LTV.one_row_per_current_customer", "error",
                  description="every current customer has a lifetime value",
                  query=_rows_match_current_customers),
            Check("METRIC_CUSTOMER_LTV.lifetime_value_is_sum_of_approved", "error",
                  description="LIFETIME_VALUE = sum of the customer's approved FCT_TRANSACTIONS amounts up to AS_OF_DATE",
                  query=_lifetime_value_matches_fact),
        ),
    ),
    TableContract(
        "GOLD", "METRIC_MOM_SPEND_CHANGE", "one row per customer per calendar month from first spend to as_of",
        primary_key=("CUSTOMER_ID", "MONTH_KEY"),
        not_null=("CUSTOMER_ID", "MONTH_START", "MONTH_KEY", "MONTHLY_SPEND", "IS_COMPLETE_MONTH"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_MOM_SPEND_CHANGE.months_add_up_to_lifetime_value", "error",
                  description="a customer's monthly spend adds up to its METRIC_CUSTOMER_LTV.LIFETIME_VALUE",
                  query=_monthly_spend_adds_up_to_lifetime_value),
        ),
    ),
    TableContract(
        "GOLD", "METRIC_AVG_TRANSACTION_VALUE", "one row per customer with an approved transaction",
        primary_key=("CUSTOMER_ID",),
        not_null=("AVG_TRANSACTION_VALUE", "MIN_TRANSACTION_VALUE", "MAX_TRANSACTION_VALUE",
                  "MEDIAN_TRANSACTION_VALUE", "AS_OF_DATE"),
        relationships=_TO_CUSTOMER,
        invariants=(
            Check("METRIC_AVG_TRANSACTION_VALUE.values_ordered", "error",
                  description="min <= median, avg <= max and SPENDING_CONSISTENCY in [0, 1]",
                  condition=_transaction_values_out_of_order()),
        ),
    ),
    TableContract(
        "GOLD", "CUSTOMER_360_PROFILE", "one row per current customer",
        primary_key=("CUSTOMER_ID",),
        not_null=("CUSTOMER_KEY", "CARD_TYPE", "TENURE_MONTHS", "TENURE_DAYS", "CUSTOMER_SEGMENT",
                  "SPEND_LAST_90_DAYS", "SPEND_PRIOR_90_DAYS", "LIFETIME_VALUE", "TOTAL_TRANSACTIONS",
                  "LAST_MONTH_SPEND", "IS_RETENTION_TARGET", "IS_UPSELL_TARGET", "AS_OF_DATE"),
        accepted_values={"CUSTOMER_SEGMENT": SEGMENTS, "CHURN_RISK_CATEGORY": RISK_CATEGORIES},
        relationships={**_TO_CUSTOMER, "CUSTOMER_KEY": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_KEY")},
        invariants=(
            Check("CUSTOMER_360_PROFILE.one_row_per_current_customer", "error",
                  description="every current customer has exactly one profile row",
                  query=_rows_match_current_customers),
            Check("CUSTOMER_360_PROFILE.current_version", "error",
                  description="CUSTOMER_KEY is the customer's current DIM_CUSTOMER version",
                  query=_profile_uses_current_version),
            Check("CUSTOMER_360_PROFILE.campaign_flags_exclusive", "error",
                  description="no customer is both a retention and an upsell target",
                  condition=_flagged_for_both_campaigns()),
        ),
    ),
)
