"""Model store: the local directory store for real, the Snowflake Model Registry store against a fake Registry."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from c360_pipeline.config import PipelineConfig
from c360_pipeline.ml.model_store import (
    LocalModelStore,
    ModelNotFound,
    RegistryModelStore,
    registry_version_name,
    store_for,
    unique_registry_version_name,
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


class FakeModelVersion:
    """Stands in for snowflake.ml's ModelVersion: a name, the metrics logged with it, the model object."""

    def __init__(self, name: str, model: object, metrics: dict):
        self.version_name = name
        self._model = model
        self._metrics = metrics

    def show_metrics(self) -> dict:
        return dict(self._metrics)

    def load(self) -> object:
        return self._model


class FakeRegisteredModel:
    """Stands in for snowflake.ml's Model, with the registry's rules: the first version logged is the
    default, and the default version cannot be dropped (the live registry raises for that)."""

    def __init__(self):
        self._versions: dict[str, FakeModelVersion] = {}
        self._default: str | None = None

    def versions(self) -> list[FakeModelVersion]:
        return list(self._versions.values())

    def version(self, name: str) -> FakeModelVersion:
        return self._versions[name.upper()]

    @property
    def default(self) -> FakeModelVersion:
        return self._versions[self._default]

    @default.setter
    def default(self, version: str) -> None:
        if version.upper() not in self._versions:
            raise ValueError(f"version {version} does not exist")
        self._default = version.upper()

    def delete_version(self, name: str) -> None:
        if name.upper() == self._default:
            raise RuntimeError(f"Cannot drop the default version {name} of the model")
        del self._versions[name.upper()]


class FakeRegistry:
    """Stands in for snowflake.ml.registry.Registry (a live account cannot exist here)."""

    def __init__(self):
        self.models: dict[str, FakeRegisteredModel] = {}
        self.logged: list[dict] = []

    def show_models(self) -> pd.DataFrame:
        return pd.DataFrame({"name": list(self.models)})

    def get_model(self, name: str) -> FakeRegisteredModel:
        return self.models[name.upper()]

    def log_model(self, model, *, model_name, version_name, sample_input_data=None, metrics=None, comment=None):
        if version_name.upper() in {v.version_name for m in self.models.values() for v in m.versions()}:
            raise RuntimeError(f"version {version_name} already exists")
        self.logged.append({"model": model, "model_name": model_name, "version_name": version_name,
                            "sample_input_data": sample_input_data, "metrics": metrics})
        registered = self.models.setdefault(model_name.upper(), FakeRegisteredModel())
        registered._versions[version_name.upper()] = FakeModelVersion(version_name.upper(), model, metrics or {})
        if registered._default is None:
            registered._default = version_name.upper()
        return registered._versions[version_name.upper()]


def test_registry_store_with_fake_registry_logs_model():
    registry = FakeRegistry()
    store = RegistryModelStore(None, "C360", "GOLD", registry=registry)
    model, x = fitted_model()
    meta = metadata("churn-20250630-s42", "2025-06-30", f1=0.61)

    version = store.save(model, meta, sample_input=x.head(5))

    assert version == "churn-20250630-s42"
    [logged] = registry.logged
    assert logged["model"] is model and logged["model_name"] == "CHURN_MODEL"
    assert logged["version_name"].startswith("CHURN_20250630_S42_")
    assert logged["metrics"] == dict(meta, registry_version=logged["version_name"])
    pd.testing.assert_frame_equal(logged["sample_input_data"], x.head(5))
    assert registry.get_model("CHURN_MODEL").default.version_name == logged["version_name"]


def test_registry_store_with_fake_registry_retrains_the_same_version_without_dropping_the_default():
    """The registry refuses to drop the default version: a retrain makes the new version the default first."""
    registry = FakeRegistry()
    store = RegistryModelStore(None, "C360", "GOLD", registry=registry)
    store.save("second model", metadata("churn-20250630-s42", "2025-06-30", trained_at="2025-07-01T01:00:00"))
    store.save("first model", metadata("churn-20250531-s42", "2025-05-31"))
    assert registry.get_model("CHURN_MODEL").default.load() == "first model"  # the newest save is the default

    store.save("retrained model", metadata("churn-20250630-s42", "2025-06-30", trained_at="2025-07-01T03:00:00"))
    store.save("retrained again", metadata("churn-20250630-s42", "2025-06-30", trained_at="2025-07-01T04:00:00"))

    registered = registry.get_model("CHURN_MODEL")
    names = [v.version_name for v in registered.versions()]
    assert len(names) == len(set(names)) == 2  # the May model, and one June model: the newest
    assert registered.default.load() == "retrained again"
    model, meta = store.load("churn-20250630-s42")
    assert model == "retrained again" and meta["trained_at"] == "2025-07-01T04:00:00"
    assert store.load("churn-20250531-s42")[0] == "first model"
    assert sorted(m["version"] for m in store.versions()) == ["churn-20250531-s42", "churn-20250630-s42"]


def test_registry_store_with_fake_registry_loads_the_latest_version():
    registry = FakeRegistry()
    store = RegistryModelStore(None, "C360", "GOLD", registry=registry)
    store.save("May model", metadata("churn-20250531-s42", "2025-05-31"))
    store.save("June model", metadata("churn-20250630-s42", "2025-06-30"))

    assert store.latest()["version"] == "churn-20250630-s42"
    assert store.latest(on_or_before=date(2025, 6, 15))["version"] == "churn-20250531-s42"
    model, meta = store.load()
    assert model == "June model" and meta["as_of_date"] == "2025-06-30"
    with pytest.raises(ModelNotFound, match="churn-20240101-s1"):
        store.load("churn-20240101-s1")


def test_registry_store_with_fake_registry_reports_no_model():
    store = RegistryModelStore(None, "C360", "GOLD", registry=FakeRegistry())
    assert store.latest() is None
    with pytest.raises(ModelNotFound, match="model registry of C360.GOLD"):
        store.load()


def test_local_store_retrains_the_same_version_in_place(tmp_path):
    """Retraining under the same version on the local store replaces it; the newest training is what loads."""
    store = LocalModelStore(tmp_path)
    model, x = fitted_model(0)
    for hour, seed in ((1, 0), (3, 1), (4, 2)):
        model, _ = fitted_model(seed)
        store.save(model, metadata("churn-20250630-s42", "2025-06-30", trained_at=f"2025-07-01T0{hour}:00:00"))
    loaded, meta = store.load()
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert meta["trained_at"] == "2025-07-01T04:00:00"
    assert [m["version"] for m in store.versions()] == ["churn-20250630-s42"]


def test_store_for_picks_the_engine_with_a_mocked_registry_on_snowflake(tmp_path, mocker):
    local = store_for(None, PipelineConfig.build(home=tmp_path))
    assert isinstance(local, LocalModelStore) and local.root == tmp_path / "models"

    registry_class = mocker.patch("snowflake.ml.registry.Registry")
    session = object()
    remote = store_for(session, PipelineConfig.build(home=tmp_path, engine="snowflake", database="ANALYTICS"))
    assert isinstance(remote, RegistryModelStore)
    registry_class.assert_called_once_with(session=session, database_name="ANALYTICS", schema_name="GOLD")


def test_registry_version_names_are_identifiers_and_unique_per_save():
    from datetime import datetime, timezone

    assert registry_version_name("churn-20250630-s42") == "CHURN_20250630_S42"
    saved = datetime(2025, 7, 1, 2, 0, 0, 123456, tzinfo=timezone.utc)
    assert unique_registry_version_name("churn-20250630-s42", saved) == "CHURN_20250630_S42_20250701T020000123456"
