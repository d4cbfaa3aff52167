"""Model store: the local directory store for real, the Snowflake Model Registry store against a mocked Registry."""

from __future__ import annotations

import json
from datetime import date
from unittest.mock import MagicMock

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from c360_pipeline.config import PipelineConfig
from c360_pipeline.model_store import (
    LocalModelStore,
    ModelNotFound,
    RegistryModelStore,
    registry_version_name,
    store_for,
)


def fitted_model(seed: int = 0) -> tuple[LogisticRegression, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(60, 3)), columns=["A", "B", "C"])
    y = (x["A"] + rng.normal(scale=0.5, size=60) > 0).astype(int)
    return LogisticRegression().fit(x, y), x


def metadata(version: str, as_of: str, trained_at: str = "2025-07-01T02:00:00", **extra) -> dict:
    return {"version": version, "as_of_date": as_of, "trained_at": trained_at, "threshold": 0.42,
            "features": ["A", "B", "C"], **extra}


def test_local_store_round_trip(tmp_path):
    store = LocalModelStore(tmp_path / "models")
    model, x = fitted_model()
    assert store.latest() is None

    version = store.save(model, metadata("churn-20250630-s42", "2025-06-30"), sample_input=x.head(3))

    assert version == "churn-20250630-s42"
    assert (tmp_path / "models" / version / "model.joblib").exists()
    assert json.loads((tmp_path / "models" / version / "metadata.json").read_text())["threshold"] == 0.42
    loaded, meta = store.load(version)
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert meta == metadata("churn-20250630-s42", "2025-06-30")
    assert store.load()[1]["version"] == version


def test_local_store_latest_is_by_as_of_and_respects_the_scoring_day(tmp_path):
    store = LocalModelStore(tmp_path)
    model, _ = fitted_model()
    store.save(model, metadata("churn-20250531-s42", "2025-05-31"))
    store.save(model, metadata("churn-20250630-s42", "2025-06-30"))
    store.save(model, metadata("churn-20250415-s42", "2025-04-15"))

    assert store.latest()["version"] == "churn-20250630-s42"
    assert store.latest(on_or_before=date(2025, 6, 1))["version"] == "churn-20250531-s42"
    assert store.latest(on_or_before=date(2025, 1, 1)) is None


def test_local_store_replaces_a_version_saved_again(tmp_path):
    store = LocalModelStore(tmp_path)
    first, _ = fitted_model(0)
    second, x = fitted_model(1)
    store.save(first, metadata("churn-20250630-s42", "2025-06-30", trained_at="2025-07-01T01:00:00"))
    store.save(second, metadata("churn-20250630-s42", "2025-06-30", trained_at="2025-07-01T03:00:00"))

    loaded, meta = store.load("churn-20250630-s42")
    np.testing.assert_array_equal(loaded.predict_proba(x), second.predict_proba(x))
    assert meta["trained_at"] == "2025-07-01T03:00:00"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["churn-20250630-s42"]  # no staging left behind


def test_local_store_names_what_is_missing(tmp_path):
    store = LocalModelStore(tmp_path / "none")
    with pytest.raises(ModelNotFound, match="no churn model"):
        store.load()
    with pytest.raises(ModelNotFound, match="churn-20990101-s1"):
        store.load("churn-20990101-s1")
    with pytest.raises(ValueError, match="as_of_date"):
        store.save(object(), {"version": "churn-x"})


def mocked_registry(versions: dict[str, dict]) -> MagicMock:
    """A stand-in for snowflake.ml.registry.Registry holding one model with the given versions' metrics."""
    registry = MagicMock(name="Registry")
    registry.show_models.return_value = pd.DataFrame({"name": ["CHURN_MODEL"] if versions else []})
    model = MagicMock(name="Model")
    handles = {}
    for name, metrics in versions.items():
        handle = MagicMock(name=f"ModelVersion {name}")
        handle.version_name = name
        handle.show_metrics.return_value = metrics
        handle.load.return_value = f"model object {name}"
        handles[name] = handle
    model.versions.return_value = list(handles.values())
    model.version.side_effect = lambda name: handles[name]
    registry.get_model.return_value = model
    return registry


def test_registry_store_with_mocked_registry_logs_model():
    registry = mocked_registry({})
    store = RegistryModelStore(None, "C360", "GOLD", registry=registry)
    model, x = fitted_model()
    meta = metadata("churn-20250630-s42", "2025-06-30", f1=0.61)

    version = store.save(model, meta, sample_input=x.head(5))

    assert version == "churn-20250630-s42"
    registry.log_model.assert_called_once()
    args, kwargs = registry.log_model.call_args
    assert args[0] is model
    assert kwargs["model_name"] == "CHURN_MODEL"
    assert kwargs["version_name"] == "CHURN_20250630_S42"
    assert kwargs["metrics"] == meta
    pd.testing.assert_frame_equal(kwargs["sample_input_data"], x.head(5))


def test_registry_store_with_mocked_registry_replaces_an_existing_version():
    registry = mocked_registry({"CHURN_20250630_S42": metadata("churn-20250630-s42", "2025-06-30")})
    store = RegistryModelStore(None, "C360", "GOLD", registry=registry)

    store.save("new model", metadata("churn-20250630-s42", "2025-06-30"))

    registry.get_model.return_value.delete_version.assert_called_once_with("CHURN_20250630_S42")
    registry.log_model.assert_called_once()


def test_registry_store_with_mocked_registry_loads_the_latest_version():
    registry = mocked_registry({
        "CHURN_20250531_S42": metadata("churn-20250531-s42", "2025-05-31"),
        "CHURN_20250630_S42": metadata("churn-20250630-s42", "2025-06-30"),
    })
    store = RegistryModelStore(None, "C360", "GOLD", registry=registry)

    assert store.latest()["version"] == "churn-20250630-s42"
    assert store.latest(on_or_before=date(2025, 6, 15))["version"] == "churn-20250531-s42"
    model, meta = store.load()
    assert model == "model object CHURN_20250630_S42" and meta["as_of_date"] == "2025-06-30"
    with pytest.raises(ModelNotFound, match="churn-20240101-s1"):
        store.load("churn-20240101-s1")


def test_registry_store_with_mocked_registry_reports_no_model():
    store = RegistryModelStore(None, "C360", "GOLD", registry=mocked_registry({}))
    assert store.latest() is None
    with pytest.raises(ModelNotFound, match="model registry of C360.GOLD"):
        store.load()


def test_store_for_picks_the_engine_with_a_mocked_registry_on_snowflake(tmp_path, mocker):
    local = store_for(None, PipelineConfig.build(home=tmp_path))
    assert isinstance(local, LocalModelStore) and local.root == tmp_path / "models"

    registry_class = mocker.patch("snowflake.ml.registry.Registry")
    session = object()
    remote = store_for(session, PipelineConfig.build(home=tmp_path, engine="snowflake", database="ANALYTICS"))
    assert isinstance(remote, RegistryModelStore)
    registry_class.assert_called_once_with(session=session, database_name="ANALYTICS", schema_name="GOLD")


def test_registry_version_names_are_identifiers():
    assert registry_version_name("churn-20250630-s42") == "CHURN_20250630_S42"
