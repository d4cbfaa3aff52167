"""Stored procedure C360.OPS.CUSTOMER_SEGMENTS_SP: five behavioural segments from rolling 90-day windows.

Worksheet: CALL C360.OPS.CUSTOMER_SEGMENTS_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `customer_segments`; raises when it fails, so the nightly task fails and its successors wait."""
    return execute_step(session, "customer_segments", config_json)
