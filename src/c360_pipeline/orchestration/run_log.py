"""OPS.PIPELINE_RUNS: one row per step of every run, the record the runner, the app and the cost estimates read."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
from snowflake.snowpark import Session
from snowflake.snowpark.types import (
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult, json_default

PIPELINE_RUNS_SCHEMA = StructType(
    [
        StructField("RUN_ID", StringType()),
        StructField("STEP", StringType()),
        StructField("STATUS", StringType()),
        StructField("AS_OF_DATE", StringType()),
        StructField("STARTED_AT", TimestampType()),
        StructField("FINISHED_AT", TimestampType()),
        StructField("SECONDS", DoubleType()),
        StructField("ROWS_IN", LongType()),
        StructField("ROWS_OUT", LongType()),
        StructField("ROWS_REJECTED", LongType()),
        StructField("MESSAGE", StringType()),
        StructField("DETAILS", StringType()),
    ]
)


def record_step(session: Session, cfg: PipelineConfig, run_id: str, result: StepResult, started_at: datetime) -> None:
    """Append one row to OPS.PIPELINE_RUNS for a finished (or failed) step."""
    finished = datetime.now()
    row = pd.DataFrame(
        [
            {
                "RUN_ID": run_id,
                "STEP": result.step,
                "STATUS": result.status,
                "AS_OF_DATE": cfg.as_of.isoformat() if cfg.as_of else None,
                "STARTED_AT": started_at,
                "FINISHED_AT": finished,
                "SECONDS": float(result.seconds),
                "ROWS_IN": int(result.rows_in),
                "ROWS_OUT": int(result.rows_out),
                "ROWS_REJECTED": int(result.rows_rejected),
                "MESSAGE": result.message[:4000],
                "DETAILS": json.dumps(result.details, default=json_default, sort_keys=True)[:16000],
            }
        ]
    )
    Warehouse.of(session, cfg).write_pandas(row, PIPELINE_RUNS_SCHEMA, "OPS", "PIPELINE_RUNS", mode="append")
