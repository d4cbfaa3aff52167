"""The contract of GOLD.DOCS: one row per document chunk."""

from __future__ import annotations

from c360_pipeline.contracts.model import TableContract
from c360_pipeline.documents.chunking import DOC_TYPES

DOCS_TABLE = "DOCS"

CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "GOLD", DOCS_TABLE, "one row per document chunk (a section of a policy, playbook, definition or the data dictionary)",
        primary_key=("CHUNK_ID",),
        not_null=("DOC_SLUG", "TITLE", "DOC_TYPE", "TOPIC", "HEADING", "CHUNK", "CONTENT_HASH", "LOADED_AT"),
        accepted_values={"DOC_TYPE": DOC_TYPES},
    ),
)
