"""snowflake.yml as the Snowflake CLI validates it: read as text (yaml.BaseLoader), each entity's mixins applied.

Shared by `.ci/validate_snowflake_yml.sh` and `tests/deploy/test_snowflake_yml.py`.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml


def merged(left, right):
    """The CLI's mixin merge: mappings key by key (right wins), lists gain right's missing items, else right."""
    if left is None:
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        return {**left, **{key: merged(left.get(key), value) for key, value in right.items()}}
    if isinstance(left, list) and isinstance(right, list):
        return left + [item for item in right if item not in left]
    return right


def with_mixins_applied(document: dict) -> dict:
    """The definition the CLI validates: each entity's `meta.use_mixins` merged in order, the entity on top."""
    expanded = copy.deepcopy(document)
    for name, entity in expanded["entities"].items():
        data: dict = {}
        for mixin in entity.get("meta", {}).get("use_mixins", []):
            data = merged(data, document["mixins"][mixin])
        expanded["entities"][name] = merged(data, entity)
    return expanded


def read(path: Path) -> dict:
    """The file as the CLI reads it: every scalar is text."""
    return yaml.load(Path(path).read_text(), Loader=yaml.BaseLoader)
