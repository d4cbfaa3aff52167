"""Stored procedure C360.OPS.SCORE_CHURN_SP: churn probability, 0-100 risk score and risk category per customer.

Worksheet: CALL C360.OPS.SCORE_CHURN_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `score_churn`; raises when it fails, so the nightly task fails and its successors wait."""
    return execute_step(session, "score_churn", config_json)
