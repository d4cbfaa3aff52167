"""Shared fixtures: a real Snowpark session on the local engine (DuckDB, in memory) and a throw-away home."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse


@pytest.fixture()
def session():
    """A fresh local session on an in-memory database (tables do not leak between tests)."""
    active = local_session()
    yield active
    active.close()


@pytest.fixture()
def cfg(tmp_path: Path) -> PipelineConfig:
    return PipelineConfig.build(home=tmp_path / "home", as_of=date(2025, 6, 30), customers=50, seed=7)


@pytest.fixture()
def warehouse(session, cfg) -> Warehouse:
    return Warehouse.of(session, cfg)
