"""Stored procedure C360.OPS.LOAD_DOCS_SP: the document corpus into GOLD.DOCS (the search service's source).

Worksheet: CALL C360.OPS.LOAD_DOCS_SP('{}');
Returns the step's JSON status (status, rows_in, rows_out, rows_rejected, seconds, message).
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.procedures import execute_step


def main(session: Session, config_json: str = "{}") -> str:
    """Run `load_docs`; raises when it fails, so the nightly task fails and data_quality waits."""
    return execute_step(session, "load_docs", config_json)
