"""Snowpark sessions for both engines: the local DuckDB database or a real account through a named connection."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from snowflake.snowpark import Session

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig

_ENV_SETTINGS = {
    "account": "SNOWFLAKE_ACCOUNT",
    "user": "SNOWFLAKE_USER",
    "password": "SNOWFLAKE_PASSWORD",
    "role": "SNOWFLAKE_ROLE",
    "warehouse": "SNOWFLAKE_WAREHOUSE",
    "database": "SNOWFLAKE_DATABASE",
    "authenticator": "SNOWFLAKE_AUTHENTICATOR",
    "private_key_file": "SNOWFLAKE_PRIVATE_KEY_FILE",
    "host": "SNOWFLAKE_HOST",
}


class ConnectionProblem(RuntimeError):
    """The Snowflake connection is missing or does not work; the message says what to fix."""


def local_session(home: Path | None = None, database: str = "C360") -> Session:
    """A Snowpark session on the local engine (DuckDB through fakesnow); in memory without `home`."""
    return engine.local_session(home, database)


def connections_file() -> Path:
    """The Snowflake CLI's connections file: $SNOWFLAKE_HOME/connections.toml or ~/.snowflake/connections.toml."""
    home = os.environ.get("SNOWFLAKE_HOME")
    return Path(home) / "connections.toml" if home else Path.home() / ".snowflake" / "connections.toml"


def connection_parameters(name: str | None) -> dict[str, str]:
    """Connection settings from the named entry of connections.toml, or from SNOWFLAKE_* variables."""
    path = connections_file()
    if name:
        if not path.exists():
            raise ConnectionProblem(
                f"connection '{name}' was requested but {path} does not exist; "
                "create it with `snow connection add` or set SNOWFLAKE_ACCOUNT/USER/… variables"
            )
        try:
            document = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as error:
            raise ConnectionProblem(f"{path} is not valid TOML: {error}") from None
        connections = document.get("connections", document)
        if name not in connections:
            known = ", ".join(sorted(k for k, v in connections.items() if isinstance(v, dict))) or "none"
            raise ConnectionProblem(f"connection '{name}' is not in {path} (known connections: {known})")
        return {key: str(value) for key, value in connections[name].items()}
    parameters = {key: os.environ[var] for key, var in _ENV_SETTINGS.items() if os.environ.get(var)}
    if "account" not in parameters:
        raise ConnectionProblem(
            "no Snowflake connection: pass --connection NAME (an entry of "
            f"{path}) or set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and credentials in the environment"
        )
    return parameters


def snowflake_session(cfg: PipelineConfig) -> Session:
    """A session on a real account; errors are turned into one clear message."""
    parameters = connection_parameters(cfg.connection)
    parameters.setdefault("database", cfg.database)
    parameters.setdefault("warehouse", cfg.warehouse)
    try:
        return Session.builder.configs(parameters).create()
    except Exception as error:  # the connector raises many types; the user needs one message
        where = f"connection '{cfg.connection}'" if cfg.connection else "SNOWFLAKE_* environment variables"
        raise ConnectionProblem(f"could not connect to Snowflake with {where}: {error}") from error


def create_session(cfg: PipelineConfig) -> Session:
    """The session for the configured engine."""
    return local_session(cfg.home, cfg.database) if cfg.engine == "local" else snowflake_session(cfg)


def reader_session(cfg: PipelineConfig) -> Session:
    """A session that only reads (the app, `c360 ask`): read-only on the local engine."""
    return engine.reader_session(cfg.home, cfg.database) if cfg.engine == "local" else snowflake_session(cfg)
