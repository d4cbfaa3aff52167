"""`c360 app`: start the Streamlit app over the local database, or say which command builds the data first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import reader_session
from c360_pipeline.engine.warehouse import Warehouse

APP_DIR = Path(__file__).resolve().parents[2] / "streamlit_app"
APP_FILE = APP_DIR / "streamlit_app.py"
PROFILE = "CUSTOMER_360_PROFILE"
BUSY = 3  # exit code while a `c360 run` writes the database (as `c360 ask`)


def app_command(port: int | None = None) -> list[str]:
    """The `streamlit run` command line: headless (no browser launch, no first-run e-mail prompt), serving
    this machine only, and with an explicit address so Streamlit does not look up an external IP online."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_FILE),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--browser.serverAddress", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
    ]
    if port is not None:
        command += ["--server.port", str(port)]
    return command


def app_environment(cfg: PipelineConfig) -> dict[str, str]:
    """The environment the app reads its local database location from."""
    return {**os.environ, "C360_HOME": str(cfg.home.resolve()), "C360_DATABASE": cfg.database}


def profile_built(cfg: PipelineConfig) -> bool:
    """Whether the local database has GOLD.CUSTOMER_360_PROFILE, the table every tab starts from.

    Read through a read-only session that is closed again at once (the app opens its own);
    `engine.DatabaseBusy` while a run writes the database.
    """
    try:
        session = reader_session(cfg)
    except FileNotFoundError:
        return False
    try:
        return Warehouse.of(session, cfg).exists("GOLD", PROFILE)
    finally:
        session.close()


def launch_app(home: Path, port: int | None = None) -> int:
    """Run the app over the local database at `home` until it is stopped; 2 when there is nothing to show yet,
    3 while a `c360 run` writes the database."""
    cfg = PipelineConfig.build(home=home)
    if not APP_FILE.exists():
        print(f"The Streamlit app is not at {APP_FILE}; run `c360 app` from a source checkout.", file=sys.stderr)
        return 2
    database = engine.database_file(cfg.home, cfg.database)
    try:
        built = profile_built(cfg)
    except engine.DatabaseBusy as busy:
        print(f"{busy}\nStart the app again when the run has finished:  c360 app --home {home}", file=sys.stderr)
        return BUSY
    if not built:
        print(
            f"No customer data yet: {database} has no GOLD.{PROFILE}.\n"
            f"Build it first with:  c360 run --home {home}\n"
            f"then start the app again with:  c360 app --home {home}",
            file=sys.stderr,
        )
        return 2
    try:
        return subprocess.call(app_command(port), env=app_environment(cfg), cwd=APP_DIR)
    except KeyboardInterrupt:
        return 0
