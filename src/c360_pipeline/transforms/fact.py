"""GOLD.FCT_TRANSACTIONS: one row per staged transaction, keyed to the customer version valid on its day.

A transaction's CUSTOMER_KEY is the key of the DIM_CUSTOMER version whose [VALID_FROM, VALID_TO) holds the
transaction's day; DATE_KEY and MERCHANT_CATEGORY_KEY are looked up in DIM_DATE and DIM_MERCHANT_CATEGORY.
When a late customer change splits a version, the fact rows outside their version's validity are re-keyed.
"""

from __future__ import annotations

from snowflake.snowpark import Column, DataFrame
from snowflake.snowpark import functions as F

from c360_pipeline.transforms.dimensions import customer_timeline


def customer_versions(dim_customer_versions: DataFrame) -> DataFrame:
    """One row per customer version: CUSTOMER_ID, CUSTOMER_KEY, VALID_FROM, VALID_TO and IS_FIRST_VERSION."""
    earlier_version = F.lag("VALID_FROM").over(customer_timeline("VALID_FROM"))
    return dim_customer_versions.select(
        "CUSTOMER_ID", "CUSTOMER_KEY", "VALID_FROM", "VALID_TO", earlier_version.is_null().alias("IS_FIRST_VERSION")
    )


def version_valid_on(day: Column) -> Column:
    """Whether a customer version (a row of `customer_versions`) is the one a transaction on `day` belongs to:
    VALID_FROM <= day < VALID_TO, and the first version also takes the days before it (a transaction
    delivered before the account opened)."""
    return ((day >= F.col("VALID_FROM")) | F.col("IS_FIRST_VERSION")) & (day < F.col("VALID_TO"))


def fct_transactions(
    new_transactions: DataFrame, versions: DataFrame, categories: DataFrame, calendar_dates: DataFrame
) -> DataFrame:
    """GOLD.FCT_TRANSACTIONS rows: one per staged transaction, keyed to the customer version valid that day,
    its DIM_DATE day and its merchant category."""
    transactions = new_transactions.with_column("TRANSACTION_DAY", F.to_date(F.col("TRANSACTION_DATE")))
    keyed = transactions.join(versions, "CUSTOMER_ID").filter(version_valid_on(F.col("TRANSACTION_DAY")))
    date_keys_by_day = calendar_dates.select(F.col("CALENDAR_DATE").alias("TRANSACTION_DAY"), "DATE_KEY")
    category_keys = categories.select("MERCHANT_CATEGORY", "MERCHANT_CATEGORY_KEY")
    return keyed.join(date_keys_by_day, "TRANSACTION_DAY").join(category_keys, "MERCHANT_CATEGORY").select(
        F.col("_RECORD_ID").alias("TRANSACTION_KEY"),
        "TRANSACTION_ID",
        "CUSTOMER_KEY",
        "CUSTOMER_ID",
        "DATE_KEY",
        "MERCHANT_CATEGORY_KEY",
        "MERCHANT_CATEGORY",
        "MERCHANT_NAME",
        "TRANSACTION_AMOUNT",
        "STATUS",
        "CHANNEL",
        "TRANSACTION_DATE",
        "_BATCH_ID",
    )


def stale_fact_keys(fact_keys: DataFrame, versions: DataFrame) -> DataFrame:
    """One row per fact CUSTOMER_KEY some of whose rows lie outside that version's validity, or whose version is gone.

    Version grain: the fact's rows are aggregated to one row per key (first and last transaction day),
    then compared with the versions. A late-arriving change that splits a version shortens the old
    version's validity, so its later rows fall outside it; a change that removes a version (the same
    attributes now start earlier) leaves its key without a version.
    """
    day = F.to_date(F.col("TRANSACTION_DATE"))
    spans = fact_keys.group_by("CUSTOMER_KEY").agg(F.min(day).alias("FIRST_DAY"), F.max(day).alias("LAST_DAY"))
    checked = spans.join(versions.drop("CUSTOMER_ID"), "CUSTOMER_KEY", how="left")
    still_valid = version_valid_on(F.col("FIRST_DAY")) & version_valid_on(F.col("LAST_DAY"))
    return checked.filter(F.col("VALID_TO").is_null() | ~still_valid).select("CUSTOMER_KEY")


def rekeyed_fact_rows(candidate_rows: DataFrame, versions: DataFrame) -> DataFrame:
    """One row per fact row (TRANSACTION_KEY, CUSTOMER_ID, CUSTOMER_KEY, TRANSACTION_DATE): the key of the
    version valid on its day as CUSTOMER_KEY, beside the key it carries as OLD_CUSTOMER_KEY (the rule of
    `fct_transactions`)."""
    rows = candidate_rows.select(
        "TRANSACTION_KEY", "CUSTOMER_ID", F.col("CUSTOMER_KEY").alias("OLD_CUSTOMER_KEY"),
        F.to_date(F.col("TRANSACTION_DATE")).alias("TRANSACTION_DAY"),
    )
    return rows.join(versions, "CUSTOMER_ID").filter(version_valid_on(F.col("TRANSACTION_DAY"))).select(
        "TRANSACTION_KEY", "CUSTOMER_KEY", "OLD_CUSTOMER_KEY"
    )
