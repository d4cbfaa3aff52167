"""The assistant as an agent: one question, answered by the semantic model's engine, the document search, or both.

- `spec`: the Cortex Agent specification generated from the semantic model and the search service, and the
  `CREATE OR REPLACE AGENT … FROM SPECIFICATION` statement `c360 deploy` runs (tools
  `cortex_analyst_text_to_sql` and `cortex_search`);
- `router`: the deterministic router — what each tool recognises in the question decides which answers;
- `agent`: `RoutingAgent.run(question) -> AgentAnswer` with the data answers, the citations (chunk ids) and
  which tool answered. The same agent runs on Snowflake (Cortex Analyst and Cortex Search) and locally.
"""

from c360_pipeline.agent.agent import AgentAnswer, Citation, RoutingAgent
from c360_pipeline.agent.router import Route, Router

__all__ = ["AgentAnswer", "Citation", "Route", "Router", "RoutingAgent"]
