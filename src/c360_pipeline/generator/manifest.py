"""The raw directory's manifest.json, read without the generator's NumPy/Faker machinery (a nightly run that
generates nothing reads only this)."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1


def read_manifest(directory: Path) -> dict:
    """The manifest of a generated raw directory (parameters, continuation state, batches, dirt counts)."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        raise ValueError(
            f"{Path(directory)} has no {MANIFEST_NAME}: pass a directory written by generate_world (c360 generate)"
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: manifest format_version {manifest.get('format_version')!r} is not {FORMAT_VERSION}")
    return manifest
