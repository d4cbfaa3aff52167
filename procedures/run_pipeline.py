"""Stored procedure C360.OPS.RUN_PIPELINE: the whole DAG in one call, for a Snowsight worksheet.

Worksheet: CALL C360.OPS.RUN_PIPELINE('{}');
           CALL C360.OPS.RUN_PIPELINE('{"from_step": "customer_segments"}');
           CALL C360.OPS.RUN_PIPELINE('{"only": "data_quality", "as_of": "2025-06-30"}');
Calls each step procedure in dependency order, as the nightly tasks do, records OPS.PIPELINE_RUNS and
returns the run summary as JSON; raises, naming the failed step and the reason, when a step failed.
"""

from snowflake.snowpark import Session

from c360_pipeline.orchestration.runner import run_pipeline_procedure


def main(session: Session, config_json: str = "{}") -> str:
    """Run the DAG (or part of it: "only" / "from_step") and return the run summary JSON."""
    return run_pipeline_procedure(session, config_json)
