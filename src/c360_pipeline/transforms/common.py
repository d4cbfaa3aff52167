"""What the marts share: the current customers, approved transactions up to as_of, and day and month arithmetic.

Every mart describes the customer **as of** the run's `as_of` date (never the clock) and reads only
approved transactions dated on or before it; days are compared as dates (the transaction's day,
`TO_DATE(TRANSACTION_DATE)`).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import (
    DecimalType,
)

from c360_pipeline.catalog import RISK_CATEGORIES, SEGMENTS

HIGH_VALUE_TRAVELERS, DECLINING, NEW_AND_GROWING, BUDGET_CONSCIOUS, STABLE_MID_SPENDERS = SEGMENTS


HIGH_RISK = RISK_CATEGORIES[2]


APPROVED = "approved"


MONEY = DecimalType(12, 2)


LIFETIME_MONEY = DecimalType(14, 2)


DAYS_PER_MONTH = 30


ZERO = F.lit(Decimal("0.00"))  # a money zero: NUMBER, not an integer, so sums and differences stay NUMBER


# --- dates -----------------------------------------------------------------------------------------

def latest_complete_month(as_of: date) -> date:
    """First day of the last month that as_of covers completely (its own month when as_of is a month end)."""
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return as_of.replace(day=1)
    return (as_of.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_start(day: Column) -> Column:
    """The first day of a date's calendar month."""
    return F.date_from_parts(F.year(day), F.month(day), F.lit(1))


def whole_months_between(start: Column, as_of: date) -> Column:
    """Whole months from a date column to as_of, counted like dateutil's relativedelta (see the module docstring)."""
    months = F.datediff("month", start, F.lit(as_of))  # calendar months begun since the start's month
    if as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]:
        return months  # the last day of a month completes a month begun on any later day of month
    return F.when(F.dayofmonth(start) > F.lit(as_of.day), months - 1).otherwise(months)


def days_between(start: Column, as_of: date) -> Column:
    """Days from a date column to as_of."""
    return F.datediff("day", start, F.lit(as_of))


def typed_null(datatype) -> Column:
    return F.lit(None).cast(datatype)


# --- shared inputs ---------------------------------------------------------------------------------

def current_customers(dim_customer: DataFrame) -> DataFrame:
    """The current version of every customer: one row per customer (DIM_CUSTOMER.IS_CURRENT)."""
    return dim_customer.filter(F.col("IS_CURRENT"))


def approved_transactions(fct_transactions: DataFrame, as_of: date, after: date | None = None) -> DataFrame:
    """One row per approved transaction dated in (after, as_of] (all up to as_of without `after`):
    CUSTOMER_ID, TRANSACTION_DAY, MERCHANT_CATEGORY_KEY, TRANSACTION_AMOUNT."""
    day = F.to_date(F.col("TRANSACTION_DATE"))
    in_range = day <= F.lit(as_of) if after is None else (day > F.lit(after)) & (day <= F.lit(as_of))
    return fct_transactions.filter((F.col("STATUS") == F.lit(APPROVED)) & in_range).select(
        "CUSTOMER_ID", day.alias("TRANSACTION_DAY"), "MERCHANT_CATEGORY_KEY", "TRANSACTION_AMOUNT"
    )
