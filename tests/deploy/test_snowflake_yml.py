"""snowflake.yml against the JSON schema the real Snowflake CLI prints, and against the DAG declaration.

The schema file is written by `.ci/validate_snowflake_yml.sh` (the CLI lives in its own virtualenv);
when it is missing the test runs that script with `--schema-only` to produce it.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from c360_pipeline.orchestration import dag

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".ci"))
import snowflake_definition  # noqa: E402  (the CI's reading of snowflake.yml, mixins applied)

SCHEMA_PATH = Path(os.environ.get("C360_SNOWCLI_SCHEMA", "/tmp/c360-snowcli-schema.json"))


@pytest.fixture(scope="module")
def cli_schema() -> dict:
    if not SCHEMA_PATH.is_file():
        completed = subprocess.run(
            ["bash", str(ROOT / ".ci" / "validate_snowflake_yml.sh"), "--schema-only"],
            capture_output=True, text=True, env={**os.environ, "PYTHON": sys.executable}, timeout=900,
        )
        assert completed.returncode == 0 and SCHEMA_PATH.is_file(), (
            f"could not produce the Snowflake CLI schema at {SCHEMA_PATH}:\n{completed.stdout}\n{completed.stderr}"
        )
    return json.loads(SCHEMA_PATH.read_text())


@pytest.fixture(scope="module")
def raw_definition() -> dict:
    return snowflake_definition.read(ROOT / "snowflake.yml")


@pytest.fixture(scope="module")
def definition(raw_definition) -> dict:
    return snowflake_definition.with_mixins_applied(raw_definition)


def schema_errors(schema: dict, document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(document)]


def test_schema_is_the_cli_project_definition_v2(cli_schema):
    assert cli_schema["title"] == "Snowflake CLI project definition v2"
    procedure = cli_schema["$defs"]["ProcedureEntityModel"]
    assert {"handler", "returns", "signature", "stage", "artifacts"} <= set(procedure["required"])


def test_snowflake_yml_validates_against_the_cli_schema(cli_schema, definition):
    assert schema_errors(cli_schema, definition) == []


def test_procedures_share_one_mixin_and_declare_only_what_differs(raw_definition):
    """Stage, runtime, signature and code are declared once (the mixin); a procedure entity names itself and its handler."""
    procedures = {k: v for k, v in raw_definition["entities"].items() if v["type"] == "procedure"}
    assert procedures and all(v["meta"]["use_mixins"] == ["c360_procedure"] for v in procedures.values())
    assert all(set(v) == {"type", "identifier", "handler", "meta"} for v in procedures.values())
    assert {"stage", "runtime", "artifacts", "signature", "returns"} <= set(raw_definition["mixins"]["c360_procedure"])


def test_schema_refuses_a_procedure_without_returns_and_an_unknown_key(cli_schema, definition):
    broken = copy.deepcopy(definition)
    del broken["entities"]["stage_silver"]["returns"]
    broken["entities"]["hero_metrics"]["warehouse_size"] = "XSMALL"
    errors = schema_errors(cli_schema, broken)
    assert errors, "the schema accepted a broken definition"
    assert any("stage_silver" in e for e in errors) and any("hero_metrics" in e for e in errors)


def procedure_entities(definition: dict) -> dict[str, dict]:
    return {k: v for k, v in definition["entities"].items() if v["type"] == "procedure"}


def test_every_step_finalizer_and_run_pipeline_is_a_procedure_entity(definition):
    expected = {step.procedure: step.name for step in dag.ALL_PROCEDURE_STEPS}
    expected[dag.RUN_PIPELINE_PROCEDURE] = "run_pipeline"
    entities = procedure_entities(definition)
    assert {e["identifier"]["name"] for e in entities.values()} == set(expected)
    for entity in entities.values():
        name = entity["identifier"]["name"]
        module = expected[name]
        assert (entity["identifier"]["database"], entity["identifier"]["schema"]) == ("C360", "OPS")
        assert entity["handler"] == f"{module}.main"
        handler = ROOT / "procedures" / f"{module}.py"
        assert "def main(session: Session, config_json: str = \"{}\") -> str:" in handler.read_text()
        assert entity["signature"] == [{"name": "config_json", "type": "string", "default": "{}"}]
        assert entity["returns"] == "string"
        assert entity["runtime"] == "3.11"
        sources = {a["src"] if isinstance(a, dict) else a for a in entity["artifacts"]}
        assert sources == {"src/", "procedures/"}


def test_streamlit_entity_points_at_the_app_and_the_warehouse(definition):
    apps = [v for v in definition["entities"].values() if v["type"] == "streamlit"]
    assert len(apps) == 1
    app = apps[0]
    assert app["main_file"] == "streamlit_app/streamlit_app.py"
    assert (ROOT / app["main_file"]).is_file()
    assert app["query_warehouse"] == "C360_WH"
    # environment.yml must sit beside the main file in Streamlit in Snowflake.
    assert (ROOT / "streamlit_app" / "environment.yml").is_file()
    assert {a["src"] for a in app["artifacts"]} == {"streamlit_app/", "src/c360_pipeline/"}


def test_documented_package_list_matches_the_deploy_list():
    from c360_pipeline.deploy import ANACONDA_PACKAGES

    comment = " ".join(line.lstrip("# ").strip() for line in (ROOT / "snowflake.yml").read_text().splitlines()
                       if line.startswith("#"))
    documented = re.search(r"import exactly \(tests/app/test_app_imports.py traces it\): (.+?) \(`c360 deploy`", comment)
    assert documented, "snowflake.yml no longer documents the procedures' packages"
    assert [p.strip() for p in documented.group(1).split(",")] == list(ANACONDA_PACKAGES)


def test_snowflake_yml_tells_to_deploy_the_app_as_its_owner_role():
    from c360_pipeline.deploy import APP_OWNER_ROLE

    assert f"snow streamlit deploy --replace --role {APP_OWNER_ROLE}" in (ROOT / "snowflake.yml").read_text()
