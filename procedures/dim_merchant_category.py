"""Stored procedure C360.OPS.DIM_MERCHANT_CATEGORY_SP: 50 categories.

Worksheet: CALL C360.OPS.DIM_MERCHANT_CATEGORY_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `dim_merchant_category`; raises when it fails, so the nightly task fails and its successors wait."""
    return execute_step(session, "dim_merchant_category", config_json)
