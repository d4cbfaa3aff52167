"""The small assistant test world (tests/assistant_world.py), built once per test module: `frames` (its tables as
pandas frames, for the independent expectations) and `world` (a read-only warehouse over a home holding them)."""

from __future__ import annotations

import pandas as pd
import pytest
from assistant_world import AS_OF, build_world, write_home

from c360_pipeline import engine
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return build_world()


@pytest.fixture(scope="module")
def world(request, tmp_path_factory, frames):
    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]), as_of=AS_OF)
    write_home(cfg, frames)
    session = engine.reader_session(cfg.home, cfg.database)
    yield Warehouse.of(session, cfg)
    session.close()
