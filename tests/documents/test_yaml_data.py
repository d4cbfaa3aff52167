"""parse_yaml reads YAML as yaml.safe_load does (the C parser when present), refusing what safe_load refuses."""

from importlib import resources

import pytest
import yaml

from c360_pipeline.yaml_data import parse_yaml


def test_the_semantic_model_reads_the_same_as_with_safe_load():
    text = (resources.files("c360_pipeline") / "semantic_model.yaml").read_text(encoding="utf-8")
    assert parse_yaml(text) == yaml.safe_load(text)


def test_scalars_are_typed_as_safe_load_types_them():
    text = "a: 1\nb: 1.5\nc: 2025-06-30\nd: yes\ne: null\nf: '007'\ng: [x, {h: 2}]\n"
    assert parse_yaml(text) == yaml.safe_load(text)


def test_python_object_tags_are_refused():
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")
