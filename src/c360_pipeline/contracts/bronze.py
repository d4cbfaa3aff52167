"""Contracts of the bronze tables: raw records as delivered, and rows quarantined at ingest."""

from __future__ import annotations

from c360_pipeline.contracts.model import TableContract
from c360_pipeline.steps.ingest import INGEST_RULES, RAW_TABLES

CONTRACTS: tuple[TableContract, ...] = (
    *(
        TableContract(
            "BRONZE", raw.table, f"one row per {raw.prefix[:-1]} record as delivered",
            not_null=("_BATCH_ID", "_SOURCE", "_ROW_NUMBER", "_LOADED_AT"),
        )
        for raw in RAW_TABLES
    ),
    TableContract(
        "BRONZE", "RAW_REJECTS", "one row per raw row quarantined at ingest (it could not be read as a record)",
        not_null=("FILE_NAME", "TARGET_TABLE", "BATCH_ID", "REJECT_REASON", "_RECORD_ID"),
        accepted_values={"REJECT_REASON": INGEST_RULES},
    ),
)
