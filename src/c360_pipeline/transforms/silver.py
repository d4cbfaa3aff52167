"""Silver: cleaned, typed, deduplicated customers and transactions, and every refused record with its reason.

Incremental by bronze `_RECORD_ID` (a high watermark per source table in OPS.SILVER_BATCHES): a run
stages only records loaded since the last run. Nothing is lost: every raw record ends up staged,
counted as a duplicate of an earlier delivery, or in SILVER.REJECTED_RECORDS — and the step
records, per batch, raw rows = staged + duplicates + rejected.

Transaction rules, checked in this order (the first that fails is the reason):
missing_transaction_id, missing_customer_id, missing_transaction_date, missing_amount,
unparsable_amount, non_positive_amount, unparsable_date, future_date, unknown_status,
unknown_channel, unknown_merchant_category, unknown_customer.
Customer rules: missing_customer_id, unparsable_account_open_date, unparsable_updated_at,
unknown_card_type, invalid_credit_limit, unknown_state, invalid_age, invalid_email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from snowflake.snowpark import Column, DataFrame, Window
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import DecimalType, LongType, StringType, TimestampType

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, MERCHANT_CATEGORIES, STATUSES, US_STATES

AMOUNT = DecimalType(12, 2)

# What became of each raw record (`_OUTCOME` of a classified frame): raw = staged + duplicate + rejected.
STAGED, DUPLICATE, REJECTED = "staged", "duplicate", "rejected"


TIMESTAMP_FORMAT = None  # ISO 8601 (`2025-06-30 14:05:00`, `2025-06-30T14:05:00`, `2025-06-30`)


@dataclass(frozen=True)
class Rule:
    """A validation rule: its name, the column it is about and the condition under which a record fails."""

    name: str
    column: str
    fails: Column
    reason_only: bool = False  # needs the raw text; implied by a later rule, so not needed to flag validity


def _blank(column: str) -> Column:
    return F.col(column).is_null() | (F.col(column) == F.lit(""))


def _timestamp(column: str) -> Column:
    return F.call_function("try_to_timestamp", F.col(column)) if TIMESTAMP_FORMAT is None else F.call_function(
        "try_to_timestamp", F.col(column), F.lit(TIMESTAMP_FORMAT)
    )


# --- transactions --------------------------------------------------------------------------------

def typed_transactions(raw: DataFrame) -> DataFrame:
    """Bronze transaction records cleaned and typed (one row per raw record; raw text stays in bronze).

    Only the columns staging needs travel on, and the raw date and amount text the reason rules read;
    rejected records get the rest of their raw text back by `_RECORD_ID`.
    """
    return raw.select(
        F.trim(F.col("TRANSACTION_ID")).alias("TRANSACTION_ID"),
        F.upper(F.trim(F.col("CUSTOMER_ID"))).alias("CUSTOMER_ID"),
        _timestamp("TRANSACTION_DATE").alias("TRANSACTION_TS"),
        F.trim(F.col("TRANSACTION_AMOUNT")).try_cast(AMOUNT).alias("AMOUNT"),
        F.trim(F.col("MERCHANT_NAME")).alias("MERCHANT_NAME_CLEAN"),
        F.trim(F.col("MERCHANT_CATEGORY")).alias("MERCHANT_CATEGORY_CLEAN"),
        F.initcap(F.trim(F.col("CHANNEL"))).alias("CHANNEL_CLEAN"),
        F.lower(F.trim(F.col("STATUS"))).alias("STATUS_CLEAN"),
        F.col("TRANSACTION_DATE").alias("RAW_TRANSACTION_DATE"),
        F.col("TRANSACTION_AMOUNT").alias("RAW_TRANSACTION_AMOUNT"),
        "_BATCH_ID",
        "_RECORD_ID",
    )


def with_raw_text(typed: DataFrame, raw: DataFrame, columns: list[str]) -> DataFrame:
    """Typed records joined back to their raw text (RAW_<column>, those they lack), source file and row number."""
    text = raw.select(
        "_RECORD_ID", "_SOURCE", "_ROW_NUMBER",
        *[F.col(c).alias(f"RAW_{c}") for c in columns if f"RAW_{c}" not in typed.columns],
    )
    return typed.join(text, "_RECORD_ID")


def transaction_rules(as_of: date) -> list[Rule]:
    """The record-level rules for typed transactions; a transaction after `as_of` is from the future."""
    end_of_as_of = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    return [
        Rule("missing_transaction_id", "transaction_id", _blank("TRANSACTION_ID")),
        Rule("missing_customer_id", "customer_id", _blank("CUSTOMER_ID")),
        Rule("missing_transaction_date", "transaction_date", _blank("RAW_TRANSACTION_DATE"), reason_only=True),
        Rule("missing_amount", "transaction_amount", _blank("RAW_TRANSACTION_AMOUNT"), reason_only=True),
        Rule("unparsable_amount", "transaction_amount", F.col("AMOUNT").is_null()),
        Rule("non_positive_amount", "transaction_amount", F.col("AMOUNT") <= F.lit(0)),
        Rule("unparsable_date", "transaction_date", F.col("TRANSACTION_TS").is_null()),
        Rule("future_date", "transaction_date", F.col("TRANSACTION_TS") >= F.lit(end_of_as_of)),
        Rule("unknown_status", "status", ~F.col("STATUS_CLEAN").isin(list(STATUSES)) | F.col("STATUS_CLEAN").is_null()),
        Rule("unknown_channel", "channel", ~F.col("CHANNEL_CLEAN").isin(list(CHANNELS)) | F.col("CHANNEL_CLEAN").is_null()),
        Rule(
            "unknown_merchant_category",
            "merchant_category",
            ~F.col("MERCHANT_CATEGORY_CLEAN").isin([c.name for c in MERCHANT_CATEGORIES])
            | F.col("MERCHANT_CATEGORY_CLEAN").is_null(),
        ),
    ]


def flag_valid(typed: DataFrame, rules: list[Rule]) -> DataFrame:
    """Adds `_VALID`: true when no rule fails (one boolean expression over every rule)."""
    deciding = [rule for rule in rules if not rule.reason_only]
    any_failure = deciding[0].fails
    for rule in deciding[1:]:
        any_failure = any_failure | rule.fails
    return typed.with_column("_VALID", ~F.coalesce(any_failure, F.lit(True)))


def with_reject_reason(checked: DataFrame, rules: list[Rule], otherwise: tuple[str, str] | None = None) -> DataFrame:
    """Adds `_REJECT_REASON` and `_REJECT_COLUMN`: the first failing rule's name and column (`otherwise` when none fails)."""
    reason = F.when(rules[0].fails, F.lit(rules[0].name))
    column = F.when(rules[0].fails, F.lit(rules[0].column))
    for rule in rules[1:]:
        reason = reason.when(rule.fails, F.lit(rule.name))
        column = column.when(rule.fails, F.lit(rule.column))
    if otherwise is not None:
        reason, column = reason.otherwise(F.lit(otherwise[0])), column.otherwise(F.lit(otherwise[1]))
    return checked.with_column("_REJECT_REASON", reason).with_column("_REJECT_COLUMN", column)


def _with_outcome(checked: DataFrame, columns: list[str], keys: list[str], acceptable: str) -> DataFrame:
    """The typed columns, `_OUTCOME` and the reject reason and column of the unacceptable records.

    Rejected: not `acceptable`. Duplicate: an acceptable record whose `keys` came in an earlier record of
    this load (a lower `_RECORD_ID`) or were staged before (`_STAGED_BEFORE`). Staged: the rest.
    """
    delivery = F.row_number().over(Window.partition_by(*keys, acceptable).order_by("_RECORD_ID"))
    repeated = (delivery > F.lit(1)) | F.coalesce(F.col("_STAGED_BEFORE"), F.lit(False))
    refused = ~F.col(acceptable)
    return checked.select(
        *columns,
        F.when(refused, F.lit(REJECTED)).when(repeated, F.lit(DUPLICATE)).otherwise(F.lit(STAGED)).alias("_OUTCOME"),
        F.when(refused, F.col("_REJECT_REASON")).alias("_REJECT_REASON"),
        F.when(refused, F.col("_REJECT_COLUMN")).alias("_REJECT_COLUMN"),
    )


def classified_transactions(typed: DataFrame, rules: list[Rule], customers: DataFrame | None,
                            staged_before: DataFrame | None) -> DataFrame:
    """One row per raw transaction record with its `_OUTCOME` and, when rejected, the reason and column.

    Rejected: a rule fails, or the customer is not staged (`unknown_customer`). Duplicate: the
    transaction_id of an acceptable record was delivered before, earlier in this load or staged already.
    """
    checked = flag_valid(typed, rules)
    if customers is None:  # no customer staged yet: every transaction's customer is unknown
        checked = checked.with_column("_KNOWN", F.lit(False))
    else:
        known = customers.select("CUSTOMER_ID").distinct().with_column("_KNOWN", F.lit(True))
        checked = checked.join(known, "CUSTOMER_ID", how="left").with_column("_KNOWN", F.coalesce(F.col("_KNOWN"), F.lit(False)))
    checked = checked.with_column("_ACCEPTABLE", F.col("_VALID") & F.col("_KNOWN"))
    if staged_before is not None:
        # Only the ids of this load are looked up among those staged before (a semi-join: the staged table is
        # scanned against this load's ids, never made distinct as a whole).
        load_ids = typed.select("TRANSACTION_ID").distinct()
        before = staged_before.select("TRANSACTION_ID").join(load_ids, "TRANSACTION_ID", how="leftsemi").distinct()
        checked = checked.join(before.with_column("_STAGED_BEFORE", F.lit(True)), "TRANSACTION_ID", how="left")
    else:
        checked = checked.with_column("_STAGED_BEFORE", F.lit(None).cast("boolean"))
    return _with_outcome(with_reject_reason(checked, rules, otherwise=("unknown_customer", "customer_id")),
                         typed.columns, ["TRANSACTION_ID"], "_ACCEPTABLE")


def staged_transactions(classified: DataFrame) -> DataFrame:
    """SILVER.STG_TRANSACTIONS rows: one per valid, first-delivered transaction_id."""
    return classified.filter(F.col("_OUTCOME") == F.lit(STAGED)).select(
        "TRANSACTION_ID",
        "CUSTOMER_ID",
        F.col("TRANSACTION_TS").cast(TimestampType()).alias("TRANSACTION_DATE"),
        F.col("AMOUNT").alias("TRANSACTION_AMOUNT"),
        F.col("MERCHANT_NAME_CLEAN").alias("MERCHANT_NAME"),
        F.col("MERCHANT_CATEGORY_CLEAN").alias("MERCHANT_CATEGORY"),
        F.col("CHANNEL_CLEAN").alias("CHANNEL"),
        F.col("STATUS_CLEAN").alias("STATUS"),
        "_BATCH_ID",
        "_RECORD_ID",
    )


def rejected_records(refused: DataFrame, source_table: str, key_column: str, raw_columns: list[str],
                     rejected_at: datetime) -> DataFrame:
    """SILVER.REJECTED_RECORDS rows for refused records (`with_reject_reason`): the rule, its column and the raw values."""
    payload = F.concat_ws(
        F.lit(" | "),
        *[F.concat(F.lit(f"{name.lower()}="), F.coalesce(F.col(f"RAW_{name}"), F.lit("<null>"))) for name in raw_columns],
    )
    return refused.select(
        F.lit(source_table).alias("SOURCE_TABLE"),
        F.col("_BATCH_ID").alias("BATCH_ID"),
        F.col("_SOURCE").alias("SOURCE_FILE"),
        F.col("_ROW_NUMBER").alias("ROW_NUMBER"),
        F.col("_RECORD_ID").alias("RECORD_ID"),
        F.col(f"RAW_{key_column}").alias("RECORD_KEY"),
        F.col("_REJECT_REASON").alias("REJECT_REASON"),
        F.col("_REJECT_COLUMN").alias("REJECT_COLUMN"),
        payload.alias("RAW_PAYLOAD"),
        F.lit(rejected_at).alias("REJECTED_AT"),
    )


def quarantined_records(quarantined: DataFrame, source_table: str, rejected_at: datetime) -> DataFrame:
    """SILVER.REJECTED_RECORDS rows for rows quarantined at ingest (BRONZE.RAW_REJECTS): the ingest rule and the row's text."""
    return quarantined.select(
        F.lit(source_table).alias("SOURCE_TABLE"),
        F.col("BATCH_ID"),
        F.col("FILE_NAME").alias("SOURCE_FILE"),
        F.col("ROW_NUMBER"),
        F.col("_RECORD_ID").alias("RECORD_ID"),
        F.lit(None).cast(StringType()).alias("RECORD_KEY"),
        F.col("REJECT_REASON"),
        F.coalesce(F.col("REJECT_COLUMN"), F.lit("(row)")).alias("REJECT_COLUMN"),
        F.concat(F.lit("line "), F.col("LINE_NUMBER").cast(StringType()), F.lit(": "),
                 F.coalesce(F.col("RAW_TEXT"), F.lit(""))).alias("RAW_PAYLOAD"),
        F.lit(rejected_at).alias("REJECTED_AT"),
    )


# --- customers -----------------------------------------------------------------------------------

TRANSACTION_TEXT_COLUMNS = (
    "TRANSACTION_ID", "CUSTOMER_ID", "TRANSACTION_DATE", "TRANSACTION_AMOUNT", "MERCHANT_NAME",
    "MERCHANT_CATEGORY", "CHANNEL", "STATUS",
)


CUSTOMER_TEXT_COLUMNS = [
    "CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY", "EMPLOYMENT_STATUS",
    "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "UPDATED_AT",
]


def typed_customers(raw: DataFrame) -> DataFrame:
    """Bronze customer records cleaned and typed (names title case, email lower, state upper) beside the raw text."""
    return raw.select(
        F.upper(F.trim(F.col("CUSTOMER_ID"))).alias("CUSTOMER_ID"),
        F.initcap(F.trim(F.col("FIRST_NAME"))).alias("FIRST_NAME"),
        F.initcap(F.trim(F.col("LAST_NAME"))).alias("LAST_NAME"),
        F.lower(F.trim(F.col("EMAIL"))).alias("EMAIL"),
        F.trim(F.col("AGE")).try_cast(LongType()).alias("AGE"),
        F.upper(F.trim(F.col("STATE"))).alias("STATE"),
        F.trim(F.col("CITY")).alias("CITY"),
        F.trim(F.col("EMPLOYMENT_STATUS")).alias("EMPLOYMENT_STATUS"),
        F.initcap(F.trim(F.col("CARD_TYPE"))).alias("CARD_TYPE"),
        F.trim(F.col("CREDIT_LIMIT")).try_cast(AMOUNT).alias("CREDIT_LIMIT"),
        F.call_function("try_to_date", F.col("ACCOUNT_OPEN_DATE")).alias("ACCOUNT_OPEN_DATE"),
        _timestamp("UPDATED_AT").alias("UPDATED_AT"),
        *[F.col(name).alias(f"RAW_{name}") for name in CUSTOMER_TEXT_COLUMNS],
        "_BATCH_ID",
        "_SOURCE",
        "_ROW_NUMBER",
        "_RECORD_ID",
    )


def customer_rules() -> list[Rule]:
    """The record-level rules for typed customer records."""
    return [
        Rule("missing_customer_id", "customer_id", _blank("CUSTOMER_ID")),
        Rule("unparsable_account_open_date", "account_open_date", F.col("ACCOUNT_OPEN_DATE").is_null()),
        Rule("unparsable_updated_at", "updated_at", F.col("UPDATED_AT").is_null()),
        Rule("unknown_card_type", "card_type", ~F.col("CARD_TYPE").isin(list(CARD_TYPES)) | F.col("CARD_TYPE").is_null()),
        Rule("invalid_credit_limit", "credit_limit", F.col("CREDIT_LIMIT").is_null() | (F.col("CREDIT_LIMIT") <= F.lit(0))),
        Rule("unknown_state", "state", ~F.col("STATE").isin(list(US_STATES)) | F.col("STATE").is_null()),
        Rule("invalid_age", "age", F.col("AGE").is_null() | (F.col("AGE") < F.lit(18)) | (F.col("AGE") > F.lit(120))),
        Rule("invalid_email", "email", F.col("EMAIL").is_null() | ~F.col("EMAIL").contains(F.lit("@"))),
    ]


def classified_customers(typed: DataFrame, rules: list[Rule], staged_before: DataFrame | None) -> DataFrame:
    """One row per raw customer record with its `_OUTCOME` and, when rejected, the reason and column.

    Duplicate: a valid record whose (customer_id, updated_at) was delivered before, earlier in this
    load or staged already.
    """
    keys = ["CUSTOMER_ID", "UPDATED_AT"]
    checked = flag_valid(typed, rules)
    if staged_before is not None:
        before = staged_before.select(keys).distinct().with_column("_STAGED_BEFORE", F.lit(True))
        checked = checked.join(before, keys, how="left")
    else:
        checked = checked.with_column("_STAGED_BEFORE", F.lit(None).cast("boolean"))
    return _with_outcome(with_reject_reason(checked, rules), typed.columns, keys, "_VALID")


def staged_customers(classified: DataFrame) -> DataFrame:
    """SILVER.STG_CUSTOMERS rows: one per customer per delivered attribute state (first delivery)."""
    return classified.filter(F.col("_OUTCOME") == F.lit(STAGED)).select(
        "CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY", "EMPLOYMENT_STATUS",
        "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "UPDATED_AT", "_BATCH_ID", "_RECORD_ID",
    )
