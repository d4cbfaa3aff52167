"""Stored procedure C360.OPS.RECORD_RUN_SP: record the outcome of the whole run.

Worksheet: CALL C360.OPS.RECORD_RUN_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `record_run`; records the run's outcome (failed and not-run steps) even when a step failed."""
    return execute_step(session, "record_run", config_json)
