"""The `load_docs` DAG step: the corpus into GOLD.DOCS, one row per chunk, replaced whole on every run.

Replacing the table (rather than merging) makes an edited, renamed or removed section reach the search
service on the next run: the table is exactly the corpus the code ships. The Cortex Search service over
it refreshes within its TARGET_LAG.
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


def run_load_docs(session: Session, cfg: PipelineConfig) -> StepResult:
    """Write the corpus to GOLD.DOCS (replacing it) and report the documents and chunks loaded."""
    started = time.perf_counter()
    chunks = corpus_chunks()
    rows = docs_rows(chunks, datetime.now().replace(microsecond=0))
    Warehouse.of(session, cfg).write_pandas(rows, DOCS_SCHEMA, "GOLD", DOCS_TABLE, mode="overwrite")
    documents = len({c.doc_slug for c in chunks})
    return StepResult("load_docs", rows_in=len(chunks), rows_out=len(chunks), seconds=time.perf_counter() - started,
                      message=f"{len(chunks)} chunks of {documents} documents into {cfg.table('GOLD', DOCS_TABLE)}",
                      details={"documents": documents})
