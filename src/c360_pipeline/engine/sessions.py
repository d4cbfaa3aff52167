"""Snowpark sessions for both engines: the local DuckDB database or a real account through a named connection."""

from __future__ import annotations

import os
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


def named_connection(name: str) -> dict[str, object]:
    """The settings of a named connection, as the Snowflake connector (and so Snowpark) reads them.

    The connector reads `connections.toml` and, when that file is absent, the `[connections]` of
    `config.toml` — in $SNOWFLAKE_HOME, else ~/.snowflake — exactly as the Snowflake CLI writes them.
    """
    from snowflake.connector.config_manager import CONFIG_MANAGER
    from snowflake.connector.constants import CONFIG_FILE, CONNECTIONS_FILE

    try:
        connections = CONFIG_MANAGER["connections"]
    except Exception as error:  # the connector raises its own ConfigSourceError subtypes for unreadable files
        raise ConnectionProblem(f"the Snowflake connection files could not be read: {error}") from None
    if name not in connections:
        known = ", ".join(sorted(k for k, v in connections.items() if isinstance(v, dict))) or "none"
        raise ConnectionProblem(
            f"connection '{name}' is not in {CONNECTIONS_FILE} or the [connections] of {CONFIG_FILE} "
            f"(known connections: {known}); add it with `snow connection add`"
        )
    return dict(connections[name])


def session_options(cfg: PipelineConfig) -> dict[str, object]:
    """What Session.builder gets: Snowpark's own `connection_name`, or the SNOWFLAKE_* variables.

    The configured database and warehouse are added only where the connection names none, so the
    connection's own settings win.
    """
    if cfg.connection:
        settings = named_connection(cfg.connection)
        options: dict[str, object] = {"connection_name": cfg.connection}
    else:
        settings = options = {key: os.environ[var] for key, var in _ENV_SETTINGS.items() if os.environ.get(var)}
        if "account" not in options:
            raise ConnectionProblem(
                "no Snowflake connection: pass --connection NAME (a connection of the Snowflake CLI, see "
                "`snow connection list`) or set SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and credentials in the environment"
            )
    for key, value in (("database", cfg.database), ("warehouse", cfg.warehouse)):
        if key not in settings:
            options[key] = value
    return options


def snowflake_session(cfg: PipelineConfig) -> Session:
    """A session on a real account; errors are turned into one clear message."""
    options = session_options(cfg)
    try:
        session = Session.builder.configs(options).create()
    except Exception as error:  # the connector raises many types; the user needs one message
        where = f"connection '{cfg.connection}'" if cfg.connection else "SNOWFLAKE_* environment variables"
        raise ConnectionProblem(f"could not connect to Snowflake with {where}: {error}") from error
    return session


def create_session(cfg: PipelineConfig) -> Session:
    """The session for the configured engine."""
    return local_session(cfg.home, cfg.database) if cfg.engine == "local" else snowflake_session(cfg)


def reader_session(cfg: PipelineConfig) -> Session:
    """A session that only reads (the app, `c360 ask`): read-only on the local engine."""
    return engine.reader_session(cfg.home, cfg.database) if cfg.engine == "local" else snowflake_session(cfg)
