"""Stored procedure C360.OPS.CHURN_FEATURES_SP: one feature row per customer per cut-off date.

Worksheet: CALL C360.OPS.CHURN_FEATURES_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `churn_features`; raises when it fails, so the nightly task fails and its successors wait."""
    return execute_step(session, "churn_features", config_json)
