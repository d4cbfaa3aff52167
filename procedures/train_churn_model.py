"""Stored procedure C360.OPS.TRAIN_CHURN_MODEL_SP: retrain the churn model when it is due (monthly) or asked for.

Worksheet: CALL C360.OPS.TRAIN_CHURN_MODEL_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `train_churn_model`; raises when it fails, so the nightly task fails and its successors wait."""
    return execute_step(session, "train_churn_model", config_json)
