"""Cost guardrails: what the pipeline spends, against the budget, and when a day's credits spike.

- `guardrails`: pure functions — the month's projection, the budget status, credit spikes (the rule the
  CREDIT_SPIKES view of sql/06_cost.sql applies on the account), apportioning an hour's credits to the
  steps that ran in it, and the query tag the runner sets per step;
- `usage`: the reads — on Snowflake from ACCOUNT_USAGE (WAREHOUSE_METERING_HISTORY, QUERY_HISTORY by query
  tag, the Cortex Search / Cortex Analyst / Cortex functions usage views); locally ESTIMATES from
  OPS.PIPELINE_RUNS step seconds × the warehouse size's credit rate — into one `CostReport` the Cost tab shows.
"""

from c360_pipeline.cost.guardrails import (
    CREDITS_PER_HOUR,
    budget_status,
    credit_spikes,
    parse_query_tag,
    projected_month_credits,
    step_query_tag,
)

__all__ = ["CREDITS_PER_HOUR", "budget_status", "credit_spikes", "parse_query_tag", "projected_month_credits",
           "step_query_tag"]
