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

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from snowflake.snowpark import Column, DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import DecimalType, LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.catalog import CARD_TYPES, CHANNELS, MERCHANT_CATEGORIES, STATUSES, US_STATES
from c360_pipeline.config import PipelineConfig
from c360_pipeline.contracts import Check, TableContract
from c360_pipeline.steps import StepResult
from c360_pipeline.warehouse import TableMissing, Warehouse

AMOUNT = DecimalType(12, 2)
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

    Only the columns staging needs travel on; rejected records get their raw text back by `_RECORD_ID`.
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
        "_BATCH_ID",
        "_RECORD_ID",
    )


def with_raw_text(typed: DataFrame, raw: DataFrame, columns: list[str]) -> DataFrame:
    """Typed records joined back to their raw text (RAW_<column>), source file and row number."""
    text = raw.select(
        "_RECORD_ID", "_SOURCE", "_ROW_NUMBER", *[F.col(c).alias(f"RAW_{c}") for c in columns]
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


def customer_lookup(transaction_customers: DataFrame, known_customers: DataFrame) -> DataFrame:
    """One row per customer id seen in transactions with `_KNOWN` true when silver has that customer."""
    seen = transaction_customers.group_by("CUSTOMER_ID").agg(F.count(F.lit(1)).alias("_N"))
    known = known_customers.group_by("CUSTOMER_ID").agg(F.min("_RECORD_ID").alias("_KNOWN_RECORD_ID"))
    return seen.join(known, "CUSTOMER_ID", how="left").select(
        "CUSTOMER_ID", F.col("_KNOWN_RECORD_ID").is_not_null().alias("_KNOWN")
    )


def later_deliveries(candidates: DataFrame, earlier: DataFrame | None) -> DataFrame:
    """Record ids of candidates whose TRANSACTION_ID was delivered before (earlier in this load or already staged)."""
    left = candidates.select("TRANSACTION_ID", "_RECORD_ID")
    right = candidates.select("TRANSACTION_ID", F.col("_RECORD_ID").alias("_OTHER_RECORD_ID"))
    within = left.join(right, "TRANSACTION_ID").filter(F.col("_OTHER_RECORD_ID") < F.col("_RECORD_ID"))
    duplicates = within.select("_RECORD_ID")
    if earlier is not None:
        already = left.join(earlier.select("TRANSACTION_ID"), "TRANSACTION_ID").select("_RECORD_ID")
        duplicates = duplicates.union_all(already)
    # A data-derived (nullable) flag column: after a left join it must hold NULLs.
    return duplicates.select("_RECORD_ID", F.col("_RECORD_ID").alias("_TWIN")).group_by("_RECORD_ID").agg(
        F.min("_TWIN").alias("_DUPLICATE_OF")
    )


def staged_transactions(valid: DataFrame) -> DataFrame:
    """SILVER.STG_TRANSACTIONS rows: one per valid, first-delivered transaction_id."""
    return valid.select(
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


def rejected_records(refused: DataFrame, rules: list[Rule], source_table: str, key_column: str,
                     raw_columns: list[str], rejected_at: datetime) -> DataFrame:
    """SILVER.REJECTED_RECORDS rows for refused records: the first failing rule, its column and the raw values."""
    reason = F.when(rules[0].fails, F.lit(rules[0].name))
    column = F.when(rules[0].fails, F.lit(rules[0].column))
    for rule in rules[1:]:
        reason = reason.when(rule.fails, F.lit(rule.name))
        column = column.when(rule.fails, F.lit(rule.column))
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
        reason.otherwise(F.lit("unknown_customer")).alias("REJECT_REASON"),
        column.otherwise(F.lit("customer_id")).alias("REJECT_COLUMN"),
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


def first_customer_deliveries(valid: DataFrame, staged_before: DataFrame | None) -> DataFrame:
    """Adds `_DUPLICATE`: a customer record whose (customer_id, updated_at) was delivered before."""
    keys = ["CUSTOMER_ID", "UPDATED_AT"]
    first = valid.group_by(keys).agg(F.min("_RECORD_ID").alias("_FIRST_RECORD_ID"))
    flagged = valid.join(first, keys).with_column("_DUPLICATE", F.col("_RECORD_ID") != F.col("_FIRST_RECORD_ID"))
    if staged_before is not None:
        before = staged_before.group_by(keys).agg(F.min("_RECORD_ID").alias("_STAGED_RECORD_ID"))
        flagged = flagged.join(before, keys, how="left").with_column(
            "_DUPLICATE", F.col("_DUPLICATE") | F.col("_STAGED_RECORD_ID").is_not_null()
        )
    return flagged


def staged_customers(flagged: DataFrame) -> DataFrame:
    """SILVER.STG_CUSTOMERS rows: one per customer per delivered attribute state (first delivery)."""
    return flagged.filter(~F.col("_DUPLICATE")).select(
        "CUSTOMER_ID", "FIRST_NAME", "LAST_NAME", "EMAIL", "AGE", "STATE", "CITY", "EMPLOYMENT_STATUS",
        "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "UPDATED_AT", "_BATCH_ID", "_RECORD_ID",
    )


# --- contracts -----------------------------------------------------------------------------------

_STAGED_CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "SILVER", "STG_TRANSACTIONS", "one row per valid transaction_id, deduplicated",
        primary_key=("TRANSACTION_ID",),
        not_null=("CUSTOMER_ID", "TRANSACTION_DATE", "TRANSACTION_AMOUNT", "STATUS", "CHANNEL", "MERCHANT_CATEGORY"),
        accepted_values={"STATUS": STATUSES, "CHANNEL": CHANNELS},
        relationships={"CUSTOMER_ID": ("SILVER", "STG_CUSTOMERS", "CUSTOMER_ID")},
        invariants=(
            Check("STG_TRANSACTIONS.positive_amount", "error", description="every staged amount is positive",
                  condition=F.col("TRANSACTION_AMOUNT") <= F.lit(0)),
        ),
    ),
    TableContract(
        "SILVER", "STG_CUSTOMERS", "one row per customer per delivered attribute change",
        primary_key=("CUSTOMER_ID", "UPDATED_AT"),
        not_null=("CUSTOMER_ID", "CARD_TYPE", "CREDIT_LIMIT", "ACCOUNT_OPEN_DATE", "UPDATED_AT"),
        accepted_values={"CARD_TYPE": CARD_TYPES},
    ),
    TableContract(
        "SILVER", "REJECTED_RECORDS", "one row per raw record refused",
        primary_key=("SOURCE_TABLE", "RECORD_ID"),
        not_null=("SOURCE_TABLE", "BATCH_ID", "REJECT_REASON", "RAW_PAYLOAD"),
    ),
)

_INLINE_LIMIT = 5000  # re-delivered record ids filtered with IN (...) up to this many; an anti-join beyond

SILVER_BATCHES_SCHEMA = StructType(
    [
        StructField("SOURCE_TABLE", StringType()),
        StructField("BATCH_ID", StringType()),
        StructField("RAW_ROWS", LongType()),
        StructField("STAGED_ROWS", LongType()),
        StructField("DUPLICATE_ROWS", LongType()),
        StructField("REJECTED_ROWS", LongType()),
        StructField("MAX_RECORD_ID", LongType()),
        StructField("PROCESSED_AT", TimestampType()),
    ]
)


BATCH_ACCOUNTING_SCHEMA = StructType(
    [
        StructField("SOURCE_TABLE", StringType()),
        StructField("BATCH_ID", StringType()),
        StructField("ROWS_READ", LongType()),
        StructField("ROWS_STAGED", LongType()),
        StructField("ROWS_DUPLICATE", LongType()),
        StructField("ROWS_REJECTED", LongType()),
        StructField("ROWS_QUARANTINED", LongType()),
        StructField("PROCESSED_AT", TimestampType()),
    ]
)
_STAGED_TABLES = {"RAW_CUSTOMERS": "STG_CUSTOMERS", "RAW_TRANSACTIONS": "STG_TRANSACTIONS"}


def unbalanced_batches(accounting: DataFrame, tables) -> int:
    """Batches whose accounting does not add up: read != staged + duplicates + rejected, or the counts disagree
    with the rows in SILVER.STG_* (staged) and SILVER.REJECTED_RECORDS (rejected) for that batch."""
    totals = accounting.group_by("SOURCE_TABLE", "BATCH_ID").agg(
        *[F.sum(c).alias(c) for c in ("ROWS_READ", "ROWS_STAGED", "ROWS_DUPLICATE", "ROWS_REJECTED")]
    )
    try:
        rejected = tables("SILVER", "REJECTED_RECORDS").group_by("SOURCE_TABLE", "BATCH_ID").agg(
            F.count(F.lit(1)).alias("_REJECTED_ROWS"))
    except LookupError:  # nothing rejected yet
        rejected = totals.select("SOURCE_TABLE", "BATCH_ID", F.lit(0).alias("_REJECTED_ROWS"))
    staged = None
    for source, stg in _STAGED_TABLES.items():
        try:
            counted = tables("SILVER", stg).group_by("_BATCH_ID").agg(F.count(F.lit(1)).alias("_STAGED_ROWS"))
        except LookupError:  # a feed with no staged table yet has staged nothing
            continue
        counted = counted.select(F.lit(source).alias("SOURCE_TABLE"), F.col("_BATCH_ID").alias("BATCH_ID"), "_STAGED_ROWS")
        staged = counted if staged is None else staged.union_all(counted)
    checked = totals.join(rejected, ["SOURCE_TABLE", "BATCH_ID"], how="left")
    if staged is not None:
        checked = checked.join(staged, ["SOURCE_TABLE", "BATCH_ID"], how="left")
    else:
        checked = checked.with_column("_STAGED_ROWS", F.lit(0))
    return checked.filter(
        (F.col("ROWS_READ") != F.col("ROWS_STAGED") + F.col("ROWS_DUPLICATE") + F.col("ROWS_REJECTED"))
        | (F.coalesce(F.col("_REJECTED_ROWS"), F.lit(0)) != F.col("ROWS_REJECTED"))
        | (F.coalesce(F.col("_STAGED_ROWS"), F.lit(0)) != F.col("ROWS_STAGED"))
    ).count()


CONTRACTS: tuple[TableContract, ...] = (
    *_STAGED_CONTRACTS,
    TableContract(
        "OPS", "BATCH_ACCOUNTING", "one row per source table per batch per stage_silver run: raw rows read and where they went",
        not_null=("SOURCE_TABLE", "BATCH_ID", "ROWS_READ", "ROWS_STAGED", "ROWS_DUPLICATE", "ROWS_REJECTED"),
        invariants=(
            Check("BATCH_ACCOUNTING.read_equals_staged_duplicates_rejected", "error", unbalanced_batches,
                  "per batch, raw rows read = staged + duplicates + rejected, matching SILVER.STG_* and REJECTED_RECORDS"),
        ),
    ),
)


# --- runner --------------------------------------------------------------------------------------

def _watermark(warehouse: Warehouse, source_table: str) -> int:
    if not warehouse.exists("OPS", "SILVER_BATCHES"):
        return 0
    batches = warehouse.to_pandas("OPS", "SILVER_BATCHES")
    mine = batches.loc[batches["SOURCE_TABLE"] == source_table, "MAX_RECORD_ID"]
    return int(mine.max()) if len(mine) else 0


def _undo_unfinished(warehouse: Warehouse, source_table: str, staging_table: str, mark: int) -> None:
    """Remove what a run that died inside this step wrote past the watermark (staged and rejected rows
    of records above it), so the records are staged again exactly once: the watermark is written last."""
    if warehouse.exists("SILVER", staging_table):
        warehouse.session.table(warehouse.name("SILVER", staging_table)).delete(F.col("_RECORD_ID") > F.lit(mark))
    if warehouse.exists("SILVER", "REJECTED_RECORDS"):
        warehouse.session.table(warehouse.name("SILVER", "REJECTED_RECORDS")).delete(
            (F.col("SOURCE_TABLE") == F.lit(source_table)) & (F.col("RECORD_ID") > F.lit(mark))
        )


def _counts_by_batch(frame: DataFrame, column: str = "_BATCH_ID") -> dict[str, int]:
    rows = frame.group_by(column).agg(F.count(F.lit(1)).alias("N")).collect()
    return {row[column]: int(row["N"]) for row in rows}


def _quarantine(warehouse: Warehouse, source_table: str, mark: int, processed_at: datetime) -> tuple[dict[str, int], int]:
    """Rows of a feed quarantined at ingest since the watermark into SILVER.REJECTED_RECORDS: (rows by batch, max id)."""
    if not warehouse.exists("BRONZE", "RAW_REJECTS"):
        return {}, 0
    quarantined = warehouse.read_since("BRONZE", "RAW_REJECTS", "_RECORD_ID", mark).filter(
        F.col("TARGET_TABLE") == F.lit(source_table)).cache_result()
    counts = _counts_by_batch(quarantined, "BATCH_ID")
    if not counts:
        return {}, 0
    warehouse.write(quarantined_records(quarantined, source_table, processed_at), "SILVER", "REJECTED_RECORDS", mode="append")
    return counts, int(quarantined.agg(F.max("_RECORD_ID").alias("M")).collect()[0]["M"])


def _plus(left: dict[str, int], right: dict[str, int]) -> dict[str, int]:
    return {key: left.get(key, 0) + right.get(key, 0) for key in {*left, *right}}


def _accounting(source_table: str, raw: dict[str, int], staged: dict[str, int], duplicates: dict[str, int],
                rejected: dict[str, int], max_record_id: int, processed_at: datetime) -> pd.DataFrame:
    rows = []
    for batch in sorted(raw):
        rows.append({
            "SOURCE_TABLE": source_table, "BATCH_ID": batch, "RAW_ROWS": raw[batch],
            "STAGED_ROWS": staged.get(batch, 0), "DUPLICATE_ROWS": duplicates.get(batch, 0),
            "REJECTED_ROWS": rejected.get(batch, 0), "MAX_RECORD_ID": max_record_id, "PROCESSED_AT": processed_at,
        })
    return pd.DataFrame(rows)


def run_stage_silver(session: Session, cfg: PipelineConfig) -> StepResult:
    """Stage new bronze customers then transactions into silver, refusing bad records with reasons."""
    if cfg.as_of is None:
        raise ValueError("stage_silver needs the run's as_of date (set --as-of or let `c360 run` derive it)")
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    missing = [t for t in ("RAW_CUSTOMERS", "RAW_TRANSACTIONS") if not warehouse.exists("BRONZE", t)]
    if missing:
        raise TableMissing(
            f"{', '.join(cfg.table('BRONZE', t) for t in missing)} not found: ingest_bronze has not run on this "
            "database. Land raw files with `c360 load DIR` and run ingest_bronze (`c360 run --from ingest_bronze`)"
        )
    processed_at = datetime.now().replace(microsecond=0)
    accounting: list[pd.DataFrame] = []
    problems: list[str] = []

    # Customers first: transactions are checked against every staged customer.
    customer_mark = _watermark(warehouse, "RAW_CUSTOMERS")
    _undo_unfinished(warehouse, "RAW_CUSTOMERS", "STG_CUSTOMERS", customer_mark)
    raw_customers = warehouse.read_since("BRONZE", "RAW_CUSTOMERS", "_RECORD_ID", customer_mark).cache_result()
    raw_customer_counts = _counts_by_batch(raw_customers)
    quarantined_customers, quarantined_customer_max = _quarantine(warehouse, "RAW_CUSTOMERS", customer_mark, processed_at)
    staged_counts: dict[str, int] = {}
    duplicate_counts: dict[str, int] = {}
    rejected_counts: dict[str, int] = {}
    max_id = quarantined_customer_max
    if raw_customer_counts:
        rules = customer_rules()
        checked = flag_valid(typed_customers(raw_customers), rules).cache_result()
        flagged = first_customer_deliveries(checked.filter(F.col("_VALID")), warehouse.read_or_none("SILVER", "STG_CUSTOMERS")).cache_result()
        refused = checked.filter(~F.col("_VALID"))
        staged = staged_customers(flagged)
        staged_counts = _counts_by_batch(staged)
        duplicate_counts = _counts_by_batch(flagged.filter(F.col("_DUPLICATE")))
        rejected_counts = _counts_by_batch(refused)
        warehouse.write(staged, "SILVER", "STG_CUSTOMERS", mode="append")
        if rejected_counts:
            warehouse.write(
                rejected_records(refused, rules, "RAW_CUSTOMERS", "CUSTOMER_ID", CUSTOMER_TEXT_COLUMNS, processed_at),
                "SILVER", "REJECTED_RECORDS", mode="append",
            )
        max_id = max(max_id, int(raw_customers.agg(F.max("_RECORD_ID").alias("M")).collect()[0]["M"]))
    customer_read = _plus(raw_customer_counts, quarantined_customers)
    if customer_read:
        accounting.append(_accounting("RAW_CUSTOMERS", customer_read, staged_counts, duplicate_counts,
                                      _plus(rejected_counts, quarantined_customers), max_id, processed_at))
    customer_totals = {"raw": sum(customer_read.values()), "staged": sum(staged_counts.values()),
                       "duplicates": sum(duplicate_counts.values()),
                       "rejected": sum(rejected_counts.values()) + sum(quarantined_customers.values())}

    # Transactions.
    transaction_mark = _watermark(warehouse, "RAW_TRANSACTIONS")
    _undo_unfinished(warehouse, "RAW_TRANSACTIONS", "STG_TRANSACTIONS", transaction_mark)
    raw_transactions = warehouse.read_since("BRONZE", "RAW_TRANSACTIONS", "_RECORD_ID", transaction_mark).cache_result()
    raw_counts = _counts_by_batch(raw_transactions)
    quarantined_transactions, quarantined_transaction_max = _quarantine(
        warehouse, "RAW_TRANSACTIONS", transaction_mark, processed_at)
    staged_counts, duplicate_counts, rejected_counts = {}, {}, {}
    staged_rows = 0
    max_id = quarantined_transaction_max
    if raw_counts:
        rules = transaction_rules(cfg.as_of)
        checked = flag_valid(typed_transactions(raw_transactions), rules).cache_result()
        valid = checked.filter(F.col("_VALID"))
        lookup = customer_lookup(valid, warehouse.read("SILVER", "STG_CUSTOMERS")) if warehouse.exists(
            "SILVER", "STG_CUSTOMERS") else None
        if lookup is None:  # no customer staged yet: every transaction's customer is unknown
            with_customer = valid.with_column("_KNOWN", F.lit(False)).cache_result()
        else:
            with_customer = valid.join(lookup, "CUSTOMER_ID").cache_result()
        known = with_customer.filter(F.col("_KNOWN"))
        existing = (
            warehouse.read_columns("SILVER", "STG_TRANSACTIONS", ["TRANSACTION_ID"])
            if warehouse.exists("SILVER", "STG_TRANSACTIONS") else None
        )
        duplicates = later_deliveries(known, existing).cache_result()
        duplicate_ids = [row["_RECORD_ID"] for row in duplicates.select("_RECORD_ID").limit(_INLINE_LIMIT + 1).collect()]
        if not duplicate_ids:
            first, repeated = known, None
        elif len(duplicate_ids) <= _INLINE_LIMIT:
            # Few re-deliveries (the usual case): an IN list of record ids is far cheaper than an anti-join.
            first = known.filter(~F.col("_RECORD_ID").isin(duplicate_ids))
            repeated = known.filter(F.col("_RECORD_ID").isin(duplicate_ids))
        else:
            known = known.join(duplicates, "_RECORD_ID", how="left")
            first = known.filter(F.col("_DUPLICATE_OF").is_null())
            repeated = known.filter(F.col("_DUPLICATE_OF").is_not_null())
        staged = staged_transactions(first)
        staged_now = staged.cache_result()
        refused_ids = checked.filter(~F.col("_VALID")).select("_RECORD_ID").union_all(
            with_customer.filter(~F.col("_KNOWN")).select("_RECORD_ID")
        )
        refused = with_raw_text(checked.join(refused_ids, "_RECORD_ID"), raw_transactions, list(TRANSACTION_TEXT_COLUMNS))
        staged_rows = warehouse.write(staged_now, "SILVER", "STG_TRANSACTIONS", mode="append")
        refused = refused.cache_result()
        rejected_counts = _counts_by_batch(refused)
        if rejected_counts:
            warehouse.write(
                rejected_records(
                    refused, rules, "RAW_TRANSACTIONS", "TRANSACTION_ID", list(TRANSACTION_TEXT_COLUMNS), processed_at
                ),
                "SILVER", "REJECTED_RECORDS", mode="append",
            )
        staged_counts = _counts_by_batch(staged_now)
        duplicate_counts = _counts_by_batch(repeated) if repeated is not None else {}
        max_id = max(max_id, int(raw_transactions.agg(F.max("_RECORD_ID").alias("M")).collect()[0]["M"]))
    transaction_read = _plus(raw_counts, quarantined_transactions)
    if transaction_read:
        accounting.append(_accounting("RAW_TRANSACTIONS", transaction_read, staged_counts, duplicate_counts,
                                      _plus(rejected_counts, quarantined_transactions), max_id, processed_at))
    totals = {"raw": sum(transaction_read.values()), "staged": staged_rows,
              "duplicates": sum(duplicate_counts.values()),
              "rejected": sum(rejected_counts.values()) + sum(quarantined_transactions.values())}
    quarantined = {"transactions": sum(quarantined_transactions.values()), "customers": sum(quarantined_customers.values())}

    batches = pd.concat(accounting, ignore_index=True) if accounting else pd.DataFrame()
    if not batches.empty:
        unbalanced = batches[batches["RAW_ROWS"] != batches["STAGED_ROWS"] + batches["DUPLICATE_ROWS"] + batches["REJECTED_ROWS"]]
        for _, row in unbalanced.iterrows():
            problems.append(
                f"{row['SOURCE_TABLE']} batch {row['BATCH_ID']}: raw {row['RAW_ROWS']} != staged {row['STAGED_ROWS']}"
                f" + duplicates {row['DUPLICATE_ROWS']} + rejected {row['REJECTED_ROWS']}"
            )
        warehouse.write_pandas(batches, SILVER_BATCHES_SCHEMA, "OPS", "SILVER_BATCHES", mode="append")
        quarantined_by_batch = {"RAW_CUSTOMERS": quarantined_customers, "RAW_TRANSACTIONS": quarantined_transactions}
        ledger = pd.DataFrame({
            "SOURCE_TABLE": batches["SOURCE_TABLE"], "BATCH_ID": batches["BATCH_ID"], "ROWS_READ": batches["RAW_ROWS"],
            "ROWS_STAGED": batches["STAGED_ROWS"], "ROWS_DUPLICATE": batches["DUPLICATE_ROWS"],
            "ROWS_REJECTED": batches["REJECTED_ROWS"],
            "ROWS_QUARANTINED": [quarantined_by_batch[t].get(b, 0) for t, b in zip(batches["SOURCE_TABLE"], batches["BATCH_ID"])],
            "PROCESSED_AT": batches["PROCESSED_AT"],
        })
        warehouse.write_pandas(ledger, BATCH_ACCOUNTING_SCHEMA, "OPS", "BATCH_ACCOUNTING", mode="append")
    if problems:
        raise RuntimeError("accounting invariant broken: " + "; ".join(problems))
    rows_in = totals["raw"] + customer_totals["raw"]
    status, message = "succeeded", (
        f"transactions: {totals['raw']} read = {totals['staged']} staged + {totals['duplicates']} duplicates"
        f" + {totals['rejected']} rejected ({quarantined['transactions']} quarantined at ingest); customers:"
        f" {customer_totals['raw']} read = {customer_totals['staged']} staged + {customer_totals['duplicates']}"
        f" duplicates + {customer_totals['rejected']} rejected ({quarantined['customers']} quarantined at ingest)"
    )
    if rows_in == 0:
        status, message = nothing_to_stage(warehouse)
    return StepResult(
        "stage_silver",
        status=status,
        rows_in=rows_in,
        rows_out=totals["staged"] + customer_totals["staged"],
        rows_rejected=totals["rejected"] + customer_totals["rejected"],
        seconds=time.perf_counter() - started,
        message=message,
        details={
            "transactions": totals,
            "customers": customer_totals,
            "quarantined": quarantined,
            "batches": batches.drop(columns=["PROCESSED_AT"]).to_dict("records") if not batches.empty else [],
        },
    )


def nothing_to_stage(warehouse: Warehouse) -> tuple[str, str]:
    """Status and message when no bronze row is new: why (files refused at ingest, or none landed) and what to do."""
    from c360_pipeline.bronze import refused_files

    refused = refused_files(warehouse)
    staged_before = warehouse.exists("SILVER", "STG_TRANSACTIONS") or warehouse.exists("SILVER", "STG_CUSTOMERS")
    if refused:
        listing = "; ".join(reason if reason.startswith(name) else f"{name}: {reason}" for name, reason in refused)
        return "warning", (
            f"nothing new to stage: ingest refused {len(refused)} file(s) — {listing}. Fix each file as its reason "
            "says, deliver it under a new name (`c360 load DIR`), and run again"
        )
    if not staged_before:
        return "warning", ("nothing to stage: no raw rows have been loaded. Land customers_<BATCH>.csv and "
                           "transactions_<BATCH>_<PART>.csv files with `c360 load DIR` (or `c360 run --source DIR`)")
    return "succeeded", "nothing new to stage: every landed file was staged by an earlier run"
