"""Stored procedure C360.OPS.DIM_CUSTOMER_SP: SCD Type 2 customers.

Worksheet: CALL C360.OPS.DIM_CUSTOMER_SP('{}');  -- or '{"as_of": "2025-06-30"}'
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `dim_customer`; raises when it fails, so the nightly task fails and its successors wait."""
    return execute_step(session, "dim_customer", config_json)
