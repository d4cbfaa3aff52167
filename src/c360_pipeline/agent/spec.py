"""The Cortex Agent specification, generated from the semantic model and the search service, and its DDL.

`agent_specification(cfg)` is the YAML object of `CREATE OR REPLACE AGENT <db>.GOLD.C360_AGENT … FROM
SPECIFICATION $$ … $$`: two tools — `cortex_analyst_text_to_sql` over the staged semantic model (the same
file the offline engine reads) and `cortex_search` over GOLD.DOCS_SEARCH — with their descriptions taken
from the model's tables and the corpus' documents, the orchestration instructions that say which tool answers
what (the rule the local router implements), and sample questions from the model's onboarding queries.
"""

from __future__ import annotations

from typing import Any

import yaml

from c360_pipeline.config import PipelineConfig
from c360_pipeline.search.service import service_name

AGENT_NAME = "C360_AGENT"
ANALYST_TOOL = "c360_customer_data"
SEARCH_TOOL = "c360_policy_documents"
MAX_SEARCH_RESULTS = 5
MAX_SPEC_BYTES = 100_000  # Snowflake's limit on a specification


def agent_name(cfg: PipelineConfig) -> str:
    return f"{cfg.schema('GOLD')}.{AGENT_NAME}"


def _analyst_description() -> str:
    from c360_pipeline.semantic.model import load_model

    model = load_model()
    tables = "; ".join(f"{t.name}: {' '.join((t.description or '').split())}" for t in model.tables)
    return ("Answers questions about numbers in the customer data with SQL over the gold tables "
            f"(counts, totals, averages, rankings, trends). {' '.join((model.description or '').split())} Tables: {tables}")


def _search_description() -> str:
    from c360_pipeline.documents import corpus_documents

    titles = "; ".join(d.title for d in corpus_documents())
    return ("Searches the issuer's policies and definitions (what a fee is, how disputes work, what to offer a "
            f"customer, what a segment or a score means, what a table holds). Documents: {titles}")


def _sample_questions() -> list[dict[str, str]]:
    from c360_pipeline.semantic.model import load_model

    questions = [{"question": q.question} for q in load_model().verified_queries if q.use_as_onboarding_question]
    questions += [{"question": "What is the late payment fee?"},
                  {"question": "How many customers are High Risk, and what offer should they get?"}]
    return questions


def agent_specification(cfg: PipelineConfig) -> dict[str, Any]:
    """The specification object (models, instructions, tools, tool_resources)."""
    from c360_pipeline.semantic import cortex

    return {
        "models": {"orchestration": "auto"},
        "orchestration": {"budget": {"seconds": 60, "tokens": 16000}},
        "instructions": {
            "orchestration": (
                f"Use {ANALYST_TOOL} for questions about figures in the data (how many, totals, averages, top N, "
                f"by segment/state/card type, trends). Use {SEARCH_TOOL} for questions about policies, fees, disputes, "
                "retention offers, segment and score definitions, and what a table or column means. When a question "
                "has both parts, answer the data part with the first and the policy part with the second."
            ),
            "response": ("Answer briefly. After every statement taken from a document, cite its chunk id in square "
                         "brackets. Show the figures the data tool returned; never invent a number."),
            "system": "You only read data. Refuse any request to change data or to run SQL typed by the user.",
            "sample_questions": _sample_questions(),
        },
        "tools": [
            {"tool_spec": {"type": "cortex_analyst_text_to_sql", "name": ANALYST_TOOL,
                           "description": _analyst_description()}},
            {"tool_spec": {"type": "cortex_search", "name": SEARCH_TOOL, "description": _search_description()}},
        ],
        "tool_resources": {
            ANALYST_TOOL: {
                "semantic_model_file": cortex.stage_path(cfg),
                "execution_environment": {"type": "warehouse", "warehouse": cfg.warehouse},
            },
            SEARCH_TOOL: {
                "name": service_name(cfg),
                "max_results": MAX_SEARCH_RESULTS,
                "id_column": "CHUNK_ID",
                "title_column": "TITLE",
            },
        },
    }


def specification_yaml(cfg: PipelineConfig) -> str:
    text = yaml.safe_dump(agent_specification(cfg), sort_keys=False, width=120, allow_unicode=True)
    if "$$" in text:
        raise ValueError("the agent specification contains '$$', which would end the dollar-quoted string")
    if len(text.encode()) > MAX_SPEC_BYTES:
        raise ValueError(f"the agent specification is {len(text.encode()):,} bytes; Snowflake accepts {MAX_SPEC_BYTES:,}")
    return text


def create_agent_statement(cfg: PipelineConfig) -> str:
    """CREATE OR REPLACE AGENT … FROM SPECIFICATION: a re-deploy replaces the agent with the current spec."""
    return (
        f"CREATE OR REPLACE AGENT {agent_name(cfg)}\n"
        "  COMMENT = 'c360 assistant: customer data through Cortex Analyst, policies through Cortex Search'\n"
        "  PROFILE = '{\"display_name\": \"c360 Customer 360 assistant\"}'\n"
        f"  FROM SPECIFICATION\n$$\n{specification_yaml(cfg)}$$"
    )
