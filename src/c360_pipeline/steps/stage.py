"""Step stage_silver: bronze records since the last watermark → SILVER.STG_*, duplicates counted, rejects kept.

The rules are in `transforms.silver`; this runner reads the new bronze records, applies them, writes the
staged rows and the refused ones, and records per batch: raw rows = staged + duplicates + rejected
(OPS.BATCH_ACCOUNTING). A run killed part-way is undone to its watermark on the next run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import TableMissing, Warehouse
from c360_pipeline.steps import StepResult
from c360_pipeline.streaming.promote import promote_streamed_transactions
from c360_pipeline.transforms.silver import (
    CUSTOMER_TEXT_COLUMNS,
    DUPLICATE,
    REJECTED,
    STAGED,
    TRANSACTION_TEXT_COLUMNS,
    classified_customers,
    classified_transactions,
    customer_rules,
    quarantined_records,
    rejected_records,
    staged_customers,
    staged_transactions,
    transaction_rules,
    typed_customers,
    typed_transactions,
    with_raw_text,
)


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


@dataclass
class Outcomes:
    """Raw records of one feed since its watermark, by batch and outcome, and the largest record id."""

    by_batch: dict[str, dict[str, int]] = field(default_factory=dict)
    max_record_id: int = 0

    @classmethod
    def of(cls, classified: DataFrame) -> "Outcomes":
        """Counted in one query over a classified frame (`_BATCH_ID`, `_OUTCOME`, `_RECORD_ID`)."""
        rows = classified.group_by("_BATCH_ID", "_OUTCOME").agg(
            F.count(F.lit(1)).alias("N"), F.max("_RECORD_ID").alias("M")).collect()
        outcomes = cls()
        for row in rows:
            outcomes.by_batch.setdefault(row["_OUTCOME"], {})[row["_BATCH_ID"]] = int(row["N"])
            outcomes.max_record_id = max(outcomes.max_record_id, int(row["M"]))
        return outcomes

    def of_kind(self, outcome: str) -> dict[str, int]:
        return self.by_batch.get(outcome, {})

    def raw(self) -> dict[str, int]:
        return _plus(_plus(self.of_kind(STAGED), self.of_kind(DUPLICATE)), self.of_kind(REJECTED))


def _quarantine(warehouse: Warehouse, source_table: str, mark: int, processed_at: datetime) -> tuple[dict[str, int], int]:
    """Rows of a feed quarantined at ingest since the watermark into SILVER.REJECTED_RECORDS: (rows by batch, max id)."""
    if not warehouse.exists("BRONZE", "RAW_REJECTS"):
        return {}, 0
    quarantined = warehouse.read_since("BRONZE", "RAW_REJECTS", "_RECORD_ID", mark).filter(
        F.col("TARGET_TABLE") == F.lit(source_table))
    counted = Outcomes.of(quarantined.select(F.col("BATCH_ID").alias("_BATCH_ID"), F.lit(REJECTED).alias("_OUTCOME"), "_RECORD_ID"))
    counts = counted.of_kind(REJECTED)
    if counts:
        warehouse.write(quarantined_records(quarantined, source_table, processed_at), "SILVER", "REJECTED_RECORDS",
                        mode="append", rows=sum(counts.values()))
    return counts, counted.max_record_id


def _any_rows(frame: DataFrame) -> bool:
    """Whether a feed has any record since its watermark (a night without customer changes classifies nothing)."""
    return bool(frame.limit(1).collect())


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
    quarantined_customers, quarantined_customer_max = _quarantine(warehouse, "RAW_CUSTOMERS", customer_mark, processed_at)
    raw_customers = warehouse.read_since("BRONZE", "RAW_CUSTOMERS", "_RECORD_ID", customer_mark)
    customers = Outcomes()
    if _any_rows(raw_customers):
        # Every new record classified once, into one materialised frame the writes and counts read.
        classified = classified_customers(typed_customers(raw_customers), customer_rules(),
                                          warehouse.read_or_none("SILVER", "STG_CUSTOMERS")).cache_result()
        customers = Outcomes.of(classified)
    if customers.of_kind(STAGED):
        warehouse.write(staged_customers(classified), "SILVER", "STG_CUSTOMERS", mode="append",
                        rows=sum(customers.of_kind(STAGED).values()))
    if customers.of_kind(REJECTED):
        warehouse.write(
            rejected_records(classified.filter(F.col("_OUTCOME") == F.lit(REJECTED)), "RAW_CUSTOMERS", "CUSTOMER_ID",
                             CUSTOMER_TEXT_COLUMNS, processed_at),
            "SILVER", "REJECTED_RECORDS", mode="append", rows=sum(customers.of_kind(REJECTED).values()),
        )
    customer_read = _plus(customers.raw(), quarantined_customers)
    if customer_read:
        accounting.append(_accounting("RAW_CUSTOMERS", customer_read, customers.of_kind(STAGED),
                                      customers.of_kind(DUPLICATE), _plus(customers.of_kind(REJECTED), quarantined_customers),
                                      max(customers.max_record_id, quarantined_customer_max), processed_at))
    customer_totals = {"raw": sum(customer_read.values()), "staged": sum(customers.of_kind(STAGED).values()),
                       "duplicates": sum(customers.of_kind(DUPLICATE).values()),
                       "rejected": sum(customers.of_kind(REJECTED).values()) + sum(quarantined_customers.values())}

    # Transactions: streamed ones first become bronze records, to be staged with the files' (one dedupe).
    streamed = promote_streamed_transactions(warehouse)
    transaction_mark = _watermark(warehouse, "RAW_TRANSACTIONS")
    _undo_unfinished(warehouse, "RAW_TRANSACTIONS", "STG_TRANSACTIONS", transaction_mark)
    quarantined_transactions, quarantined_transaction_max = _quarantine(
        warehouse, "RAW_TRANSACTIONS", transaction_mark, processed_at)
    raw_transactions = warehouse.read_since("BRONZE", "RAW_TRANSACTIONS", "_RECORD_ID", transaction_mark)
    transactions = Outcomes()
    if _any_rows(raw_transactions):
        classified = classified_transactions(
            typed_transactions(raw_transactions), transaction_rules(cfg.as_of),
            warehouse.read_or_none("SILVER", "STG_CUSTOMERS"), warehouse.read_or_none("SILVER", "STG_TRANSACTIONS"),
        ).cache_result()
        transactions = Outcomes.of(classified)
    if transactions.of_kind(STAGED):
        warehouse.write(staged_transactions(classified), "SILVER", "STG_TRANSACTIONS", mode="append",
                        rows=sum(transactions.of_kind(STAGED).values()))
    if transactions.of_kind(REJECTED):
        refused = with_raw_text(classified.filter(F.col("_OUTCOME") == F.lit(REJECTED)), raw_transactions,
                                list(TRANSACTION_TEXT_COLUMNS))
        warehouse.write(
            rejected_records(refused, "RAW_TRANSACTIONS", "TRANSACTION_ID", list(TRANSACTION_TEXT_COLUMNS), processed_at),
            "SILVER", "REJECTED_RECORDS", mode="append", rows=sum(transactions.of_kind(REJECTED).values()),
        )
    transaction_read = _plus(transactions.raw(), quarantined_transactions)
    if transaction_read:
        accounting.append(_accounting("RAW_TRANSACTIONS", transaction_read, transactions.of_kind(STAGED),
                                      transactions.of_kind(DUPLICATE),
                                      _plus(transactions.of_kind(REJECTED), quarantined_transactions),
                                      max(transactions.max_record_id, quarantined_transaction_max), processed_at))
    totals = {"raw": sum(transaction_read.values()), "staged": sum(transactions.of_kind(STAGED).values()),
              "duplicates": sum(transactions.of_kind(DUPLICATE).values()),
              "rejected": sum(transactions.of_kind(REJECTED).values()) + sum(quarantined_transactions.values())}
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
    if streamed:
        message += f"; {streamed} streamed transaction(s) taken from BRONZE.RAW_TRANSACTIONS_STREAM"

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
            "streamed": streamed,
            "batches": batches.drop(columns=["PROCESSED_AT"]).to_dict("records") if not batches.empty else [],
        },
    )


def nothing_to_stage(warehouse: Warehouse) -> tuple[str, str]:
    """Status and message when no bronze row is new: why (files refused at ingest, or none landed) and what to do."""
    from c360_pipeline.steps.ingest import refused_files

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
