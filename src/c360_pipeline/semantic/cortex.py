"""Cortex Analyst on Snowflake: send a question with the staged semantic model, get SQL back, check it is read-only.

Inside Streamlit in Snowflake the request goes through `_snowflake.send_snow_api_request`; elsewhere
(CLI, local app against an account) it is an HTTPS POST to the account's `/api/v2/cortex/analyst/message`
with the session's token. The reply's SQL is never run until `check_read_only` has parsed it as exactly
one SELECT over the semantic model's tables. Any failure raises CortexUnavailable so the caller can
fall back to the offline engine.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

import yaml

from c360_pipeline.config import PipelineConfig
from c360_pipeline.semantic.model import model_text

ANALYST_PATH = "/api/v2/cortex/analyst/message"
# The semantic model's one home on an account: `c360 deploy` uploads it there and the assistant asks
# Cortex Analyst with it. The stage is created by sql/00_setup.sql and readable by C360_ANALYST (01_roles.sql).
STAGE_LAYER = "OPS"
STAGE = "SEMANTIC"
MODEL_FILE_NAME = "semantic_model.yaml"
TIMEOUT_SECONDS = 50

Transport = Callable[[dict], dict]  # request body -> parsed JSON reply


class CortexUnavailable(RuntimeError):
    """Cortex Analyst could not be asked (no endpoint, HTTP error, unusable reply)."""


@dataclass(frozen=True)
class AnalystReply:
    """What Cortex Analyst said: its restatement, the SQL (None when it asks to rephrase) and suggestions."""

    text: str
    sql: str | None
    suggestions: list[str] = field(default_factory=list)
    request_id: str | None = None
    warnings: list[str] = field(default_factory=list)


def stage_path(cfg: PipelineConfig) -> str:
    """Where the semantic model is staged: @<DB>.OPS.SEMANTIC/semantic_model.yaml."""
    return f"@{cfg.schema(STAGE_LAYER)}.{STAGE}/{MODEL_FILE_NAME}"


def rendered_model(cfg: PipelineConfig) -> str:
    """The semantic model YAML with every base table pointing at the configured database and gold schema."""
    document = yaml.safe_load(model_text())
    for table in document["tables"]:
        table["base_table"]["database"] = cfg.database
        table["base_table"]["schema"] = cfg.gold_schema
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def stage_model(session, cfg: PipelineConfig) -> str:
    """Upload the rendered semantic model to `stage_path` (the stage is account DDL); returns the stage path."""
    import io

    session.file.put_stream(io.BytesIO(rendered_model(cfg).encode("utf-8")),
                            stage_path(cfg), auto_compress=False, overwrite=True)
    return stage_path(cfg)


def request_body(question: str, semantic_model_file: str) -> dict:
    """The message request: one user turn with the question, and the staged semantic model."""
    return {
        "messages": [{"role": "user", "content": [{"type": "text", "text": question}]}],
        "semantic_model_file": semantic_model_file,
    }


def parse_reply(payload: dict) -> AnalystReply:
    """Text, SQL and suggestions from the analyst message's content blocks."""
    message = payload.get("message") or {}
    if message.get("role") not in (None, "analyst"):
        raise CortexUnavailable(f"unexpected message role {message.get('role')!r}")
    texts, sql, suggestions = [], None, []
    for block in message.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "sql" and block.get("statement"):
            sql = str(block["statement"])
        elif kind == "suggestions":
            suggestions.extend(str(s) for s in block.get("suggestions") or [])
    warnings = [str(w.get("message", w)) for w in payload.get("warnings") or []]
    return AnalystReply(" ".join(t for t in texts if t).strip(), sql, suggestions, payload.get("request_id"), warnings)


def streamlit_transport(timeout_ms: int = TIMEOUT_SECONDS * 1000) -> Transport:
    """Send through Streamlit in Snowflake's internal API (`_snowflake` exists only there)."""
    try:
        import _snowflake  # type: ignore[import-not-found]
    except ImportError as error:
        raise CortexUnavailable("not running in Streamlit in Snowflake") from error

    def send(body: dict) -> dict:
        response = _snowflake.send_snow_api_request("POST", ANALYST_PATH, {}, {}, body, None, timeout_ms)
        status = int(response.get("status", 0))
        content = response.get("content")
        if status >= 400:
            raise CortexUnavailable(f"Cortex Analyst returned HTTP {status}: {str(content)[:300]}")
        return json.loads(content) if isinstance(content, str) else content

    return send


def rest_transport(base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> Transport:
    """Send with HTTPS to `<base_url>/api/v2/cortex/analyst/message` using a session token."""

    def send(body: dict) -> dict:
        request = urllib.request.Request(
            base_url.rstrip("/") + ANALYST_PATH,
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f'Snowflake Token="{token}"',
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https URL of the account)
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")[:300]
            raise CortexUnavailable(f"Cortex Analyst returned HTTP {error.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as error:
            raise CortexUnavailable(f"Cortex Analyst could not be reached: {error}") from None

    return send


def session_transport(session) -> Transport:
    """The transport for a Snowpark session: SiS's internal API when present, else REST with the session token."""
    try:
        return streamlit_transport()
    except CortexUnavailable:
        pass
    connection = getattr(session, "connection", None)
    host = getattr(connection, "host", None)
    token = getattr(getattr(connection, "rest", None), "token", None)
    if not host or not token:
        raise CortexUnavailable("the session has no account host and token (local engine?)")
    return rest_transport(f"https://{host}", token)


def ask_analyst(question: str, semantic_model_file: str, transport: Transport) -> AnalystReply:
    """Ask Cortex Analyst one question; raises CortexUnavailable on any transport or format problem."""
    try:
        payload = transport(request_body(question, semantic_model_file))
    except CortexUnavailable:
        raise
    except Exception as error:  # the internal API and sockets raise many types; the caller falls back
        raise CortexUnavailable(f"Cortex Analyst request failed: {error}") from error
    if not isinstance(payload, dict):
        raise CortexUnavailable("Cortex Analyst reply is not a JSON object")
    return parse_reply(payload)
