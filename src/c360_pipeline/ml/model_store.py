"""Where trained churn models live: one interface, two homes.

- `LocalModelStore` (engine `local`): `<home>/models/<version>/model.joblib` + `metadata.json` (and, for the
  boosted-trees churn model, its trees as arrays in `trees.npz`, which scoring reads without importing
  scikit-learn: `ml/trees.py`), written into a temporary directory and renamed into place, so a crash never
  leaves half a model.
- `RegistryModelStore` (engine `snowflake`): the Snowflake Model Registry
  (`snowflake.ml.registry.Registry.log_model` with sample input, metrics and a version name). The
  metadata travels as the version's metrics, so `latest()` reads it back without loading the model.
  Every save is a new registry version with a unique name (the c360 version plus the save time): the
  registry refuses to drop a model's default version, so a retrain first logs the new version, makes
  it the default, and only then drops the versions it supersedes (those of the same c360 version).

Metadata is a JSON object with at least `version` and `as_of_date` (ISO); `latest(on_or_before)` is the
model with the greatest `as_of_date` not after that day (ties: the latest `trained_at`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from snowflake.snowpark import Session

from c360_pipeline.config import PipelineConfig
from c360_pipeline.ml.trees import BoostedTrees

MODEL_FILE = "model.joblib"


TREES_FILE = "trees.npz"

METADATA_FILE = "metadata.json"


REGISTRY_MODEL_NAME = "CHURN_MODEL"


class ModelNotFound(LookupError):
    """No model (or not the requested version) is stored yet; the message says how to train one."""


class ModelStore(Protocol):
    """Save and load trained models with their metadata."""

    def save(self, model: Any, metadata: dict[str, Any], sample_input: pd.DataFrame | None = None) -> str:
        """Store a model under metadata["version"] (replacing that version) and return the version."""
        ...

    def load(self, version: str | None = None) -> tuple[Any, dict[str, Any]]:
        """The model and metadata of a version (the latest when None); ModelNotFound if absent."""
        ...

    def latest(self, on_or_before: date | None = None) -> dict[str, Any] | None:
        """Metadata of the newest model (by as_of_date, not after `on_or_before`), or None."""
        ...

    def load_scorer(self, version: str) -> tuple[Any, dict[str, Any]]:
        """What scores a version (anything with the model's `predict_proba`) and its metadata."""
        ...


def _newest(candidates: list[dict[str, Any]], on_or_before: date | None) -> dict[str, Any] | None:
    eligible = [
        m for m in candidates
        if on_or_before is None or date.fromisoformat(str(m["as_of_date"])) <= on_or_before
    ]
    if not eligible:
        return None
    return max(eligible, key=lambda m: (str(m["as_of_date"]), str(m.get("trained_at", "")), str(m["version"])))


def _check_metadata(metadata: dict[str, Any]) -> str:
    missing = [key for key in ("version", "as_of_date") if not metadata.get(key)]
    if missing:
        raise ValueError(f"model metadata needs {', '.join(missing)}")
    version = str(metadata["version"])
    if not version.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"model version {version!r} may contain only letters, digits, '-' and '_'")
    return version


class _VersionedStore:
    """What both stores share: the newest version, and a version to load (the newest when none is named)."""

    def versions(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _empty_message(self) -> str:
        raise NotImplementedError

    def latest(self, on_or_before: date | None = None) -> dict[str, Any] | None:
        return _newest(self.versions(), on_or_before)

    def load_scorer(self, version: str) -> tuple[Any, dict[str, Any]]:
        return self.load(version)

    def _version_or_latest(self, version: str | None) -> str:
        if version is not None:
            return version
        newest = self.latest()
        if newest is None:
            raise ModelNotFound(self._empty_message())
        return str(newest["version"])


class LocalModelStore(_VersionedStore):
    """Models as files under one directory: `<root>/<version>/model.joblib` and `metadata.json`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def save(self, model: Any, metadata: dict[str, Any], sample_input: pd.DataFrame | None = None) -> str:
        version = _check_metadata(metadata)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=self.root))
        try:
            import joblib

            joblib.dump(model, staging / MODEL_FILE)
            if BoostedTrees.supports(model):
                BoostedTrees.of(model).save(staging / TREES_FILE)
            (staging / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True, default=str))
            if sample_input is not None:
                sample_input.to_csv(staging / "sample_input.csv", index=False)
            target = self.root / version
            if target.exists():
                retired = self.root / f".{version}.old"
                shutil.rmtree(retired, ignore_errors=True)
                os.replace(target, retired)
                os.replace(staging, target)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.replace(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return version

    def _metadata(self, directory: Path) -> dict[str, Any]:
        return json.loads((directory / METADATA_FILE).read_text())

    def versions(self) -> list[dict[str, Any]]:
        """Metadata of every stored model."""
        if not self.root.is_dir():
            return []
        return [
            self._metadata(path) for path in sorted(self.root.iterdir())
            if path.is_dir() and not path.name.startswith(".") and (path / METADATA_FILE).exists()
            and (path / MODEL_FILE).exists()
        ]

    def _empty_message(self) -> str:
        return f"no churn model in {self.root}; run `c360 run` (step train_churn_model) first"

    def load(self, version: str | None = None) -> tuple[Any, dict[str, Any]]:
        version = self._version_or_latest(version)
        directory = self.root / version
        if not (directory / MODEL_FILE).exists():
            raise ModelNotFound(f"churn model version {version!r} is not in {self.root}")
        import joblib

        return joblib.load(directory / MODEL_FILE), self._metadata(directory)

    def load_scorer(self, version: str) -> tuple[Any, dict[str, Any]]:
        """The saved trees when the model has them (no scikit-learn import), else the model itself."""
        trees = self.root / version / TREES_FILE
        if trees.exists():
            return BoostedTrees.load(trees), self._metadata(trees.parent)
        return self.load(version)


def registry_version_name(version: str) -> str:
    """The registry's name for a version: a Snowflake identifier (churn-20250630-s42 -> CHURN_20250630_S42)."""
    return version.upper().replace("-", "_")


def unique_registry_version_name(version: str, saved_at: datetime) -> str:
    """A registry version name no earlier save has used: the version's name and the save time (UTC, microseconds)."""
    return f"{registry_version_name(version)}_{saved_at.astimezone(timezone.utc):%Y%m%dT%H%M%S%f}"


class RegistryModelStore(_VersionedStore):
    """Models in the Snowflake Model Registry of `<database>.<schema>`, one registry model with many versions."""

    def __init__(self, session: Session | None, database: str, schema: str, model_name: str = REGISTRY_MODEL_NAME,
                 registry: Any = None):
        if registry is None:
            from snowflake.ml.registry import Registry

            registry = Registry(session=session, database_name=database, schema_name=schema)
        self.registry = registry
        self.model_name = model_name
        self.location = f"{database}.{schema}"

    def _model(self) -> Any | None:
        names = self.registry.show_models()
        known = set() if names is None or len(names) == 0 else {str(n).upper() for n in names["name"]}
        return self.registry.get_model(self.model_name) if self.model_name.upper() in known else None

    def save(self, model: Any, metadata: dict[str, Any], sample_input: pd.DataFrame | None = None) -> str:
        """Log the model as a new registry version, make it the default, then drop the ones it supersedes."""
        version = _check_metadata(metadata)
        name = unique_registry_version_name(version, datetime.now(timezone.utc))
        superseded = [registry_name for registry_name, metrics in self._registry_versions() if metrics["version"] == version]
        self.registry.log_model(
            model,
            model_name=self.model_name,
            version_name=name,
            sample_input_data=sample_input,
            metrics=json.loads(json.dumps(dict(metadata, registry_version=name), default=str)),
            comment=f"c360 churn model {version} (as of {metadata['as_of_date']})",
        )
        registered = self.registry.get_model(self.model_name)
        registered.default = name
        # Same as_of and seed give the same c360 version: the new one replaces it, as the local store does.
        for registry_name in superseded:
            registered.delete_version(registry_name)
        return version

    def _registry_versions(self) -> list[tuple[str, dict[str, Any]]]:
        """(registry version name, metadata) of every version logged by this store."""
        model = self._model()
        if model is None:
            return []
        found = []
        for model_version in model.versions():
            metrics = model_version.show_metrics()
            if metrics and "version" in metrics:
                found.append((str(model_version.version_name).upper(), metrics))
        return found

    def versions(self) -> list[dict[str, Any]]:
        return [metrics for _, metrics in self._registry_versions()]

    def _empty_message(self) -> str:
        return f"no {self.model_name} in the model registry of {self.location}; run the train_churn_model step first"

    def load(self, version: str | None = None) -> tuple[Any, dict[str, Any]]:
        version = self._version_or_latest(version)
        # The newest save of that version (one remains after a save; more only if a drop was interrupted).
        saved = sorted(name for name, metrics in self._registry_versions() if metrics["version"] == version)
        if not saved:
            raise ModelNotFound(f"{self.model_name} version {version!r} is not in the model registry of {self.location}")
        model_version = self._model().version(saved[-1])
        return model_version.load(), model_version.show_metrics()


def store_for(session: Session, cfg: PipelineConfig) -> ModelStore:
    """The model store of the configured engine: files under cfg.models_dir, or the registry in the gold schema."""
    if cfg.engine == "local":
        return LocalModelStore(cfg.models_dir)
    return RegistryModelStore(session, database=cfg.database, schema=cfg.gold_schema)
