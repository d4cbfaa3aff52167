"""YAML read as plain data, by libyaml's C parser when PyYAML was built with it (it is, in PyYAML's wheels).

`yaml.safe_load` is PyYAML's pure-Python parser: ~0.1 s for the semantic model, which the nightly
load_docs step, `c360 ask` and the app each read. The C parser builds the same safe types (no Python
objects from tags) ~7x faster; without libyaml the pure-Python safe parser is used.
"""

from __future__ import annotations

from typing import Any

import yaml

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """The YAML document in `text` as dicts, lists and scalars; raises yaml.YAMLError as yaml.safe_load does."""
    return yaml.load(text, Loader=_SAFE_LOADER)
