"""What every step runner returns, and the OPS bookkeeping shared by the runners."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

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
from c360_pipeline.warehouse import Warehouse


@dataclass
class StepResult:
    """Outcome of one step: counts, time and a message a person can read."""

    step: str
    status: str = "succeeded"  # succeeded | skipped | warning | failed
    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    seconds: float = 0.0
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "StepResult":
        return cls(**json.loads(text))


def _json_default(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


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
                "DETAILS": json.dumps(result.details, default=_json_default, sort_keys=True)[:16000],
            }
        ]
    )
    Warehouse.of(session, cfg).write_pandas(row, PIPELINE_RUNS_SCHEMA, "OPS", "PIPELINE_RUNS", mode="append")
