"""The `load_docs` DAG step: the corpus into GOLD.DOCS, one row per chunk, replaced whole when it changed.

Replacing the table (rather than merging) makes an edited, renamed or removed section reach the search
service on the next run: the table is exactly the corpus the code ships. When every chunk id and content hash
already match, nothing is written (a re-run changes nothing, and the Cortex Search service over the table has
nothing to refresh); otherwise the service picks the new rows up within its TARGET_LAG.
"""

from __future__ import annotations

import time
from datetime import datetime

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark.types import LongType, StringType, StructField, StructType, TimestampType

from c360_pipeline.config import PipelineConfig
from c360_pipeline.documents.chunking import Chunk
from c360_pipeline.documents.contract import DOCS_TABLE
from c360_pipeline.documents.corpus import corpus_chunks
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult

DOCS_SCHEMA = StructType([
    StructField("CHUNK_ID", StringType(), True),
    StructField("DOC_SLUG", StringType(), True),
    StructField("TITLE", StringType(), True),
    StructField("DOC_TYPE", StringType(), True),
    StructField("TOPIC", StringType(), True),
    StructField("HEADING", StringType(), True),
    StructField("CHUNK", StringType(), True),
    StructField("SOURCE", StringType(), True),
    StructField("POSITION", LongType(), True),
    StructField("CONTENT_HASH", StringType(), True),
    StructField("LOADED_AT", TimestampType(), True),
])


def docs_rows(chunks: list[Chunk], loaded_at: datetime) -> pd.DataFrame:
    """GOLD.DOCS rows of `chunks`: one per chunk, in corpus order."""
    return pd.DataFrame(
        [[c.chunk_id, c.doc_slug, c.title, c.doc_type, c.topic, c.heading, c.chunk, c.source, c.position,
          c.content_hash, loaded_at] for c in chunks],
        columns=[f.name for f in DOCS_SCHEMA.fields],
    )


def stored_hashes(warehouse: Warehouse) -> dict[str, str] | None:
    """CHUNK_ID → CONTENT_HASH of GOLD.DOCS as loaded (None before the first load or when its columns differ)."""
    if not warehouse.exists("GOLD", DOCS_TABLE):
        return None
    table = warehouse.read("GOLD", DOCS_TABLE)
    if [f.name for f in table.schema.fields] != [f.name for f in DOCS_SCHEMA.fields]:
        return None
    return {row["CHUNK_ID"]: row["CONTENT_HASH"] for row in table.select("CHUNK_ID", "CONTENT_HASH").collect()}


def run_load_docs(session: Session, cfg: PipelineConfig) -> StepResult:
    """Write the corpus to GOLD.DOCS (replacing it) unless it is loaded as it is; report the chunks written."""
    started = time.perf_counter()
    chunks = corpus_chunks()
    documents = len({c.doc_slug for c in chunks})
    warehouse = Warehouse.of(session, cfg)
    if stored_hashes(warehouse) == {c.chunk_id: c.content_hash for c in chunks}:
        return StepResult("load_docs", rows_in=len(chunks), rows_out=0, seconds=time.perf_counter() - started,
                          message=f"{cfg.table('GOLD', DOCS_TABLE)} already holds the {len(chunks)} chunks of "
                                  f"{documents} documents as shipped: nothing to write",
                          details={"documents": documents, "unchanged": True})
    rows = docs_rows(chunks, datetime.now().replace(microsecond=0))
    warehouse.write_pandas(rows, DOCS_SCHEMA, "GOLD", DOCS_TABLE, mode="overwrite")
    return StepResult("load_docs", rows_in=len(chunks), rows_out=len(chunks), seconds=time.perf_counter() - started,
                      message=f"{len(chunks)} chunks of {documents} documents into {cfg.table('GOLD', DOCS_TABLE)}",
                      details={"documents": documents})
