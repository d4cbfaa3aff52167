#!/usr/bin/env bash
# Validate snowflake.yml against the project-definition JSON schema printed by the real Snowflake CLI,
# then load it with the CLI's own project loader (its pydantic models check more than the schema).
#
# The CLI lives in its own virtualenv (SNOWCLI_VENV, default /tmp/snowcli-venv): it pins versions
# that clash with the project's. The schema is written to C360_SNOWCLI_SCHEMA (default
# /tmp/c360-snowcli-schema.json), where tests/deploy/test_snowflake_yml.py reads it.
#
#   .ci/validate_snowflake_yml.sh                # install the CLI if needed, generate, validate
#   .ci/validate_snowflake_yml.sh --schema-only  # install if needed and generate the schema file only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SNOWCLI_VENV="${SNOWCLI_VENV:-/tmp/snowcli-venv}"
SCHEMA="${C360_SNOWCLI_SCHEMA:-/tmp/c360-snowcli-schema.json}"
PYTHON="${PYTHON:-$(command -v python || command -v python3)}"
BASE_PYTHON="${SNOWCLI_BASE_PYTHON:-$(command -v python3.11 || command -v python3)}"

if [ ! -x "$SNOWCLI_VENV/bin/snow" ]; then
  echo "installing the Snowflake CLI into $SNOWCLI_VENV (isolated from the project's packages)"
  "$BASE_PYTHON" -m venv "$SNOWCLI_VENV"
  "$SNOWCLI_VENV/bin/pip" install --quiet --disable-pip-version-check "snowflake-cli>=3.30,<4"
fi

# The CLI reads and may create its config under SNOWFLAKE_HOME: keep that away from the user's.
SNOWFLAKE_HOME="$(mktemp -d)"
export SNOWFLAKE_HOME
trap 'rm -rf "$SNOWFLAKE_HOME"' EXIT

mkdir -p "$(dirname "$SCHEMA")"
"$SNOWCLI_VENV/bin/snow" helpers generate-project-schema --definition-version 2 --output-file "$SCHEMA" >/dev/null
echo "schema from Snowflake CLI $("$SNOWCLI_VENV/bin/python" -c "from snowflake.cli.__about__ import VERSION; print(VERSION)") -> $SCHEMA"
if [ "${1:-}" = "--schema-only" ]; then
  exit 0
fi

# 1. The JSON schema, on the document as the CLI reads it (yaml.BaseLoader: every scalar is text), with
#    each entity's mixins applied as the CLI applies them before validating.
#    jsonschema comes from the project's Python when it has it, else it is added to the CLI's venv.
if ! "$PYTHON" -c "import jsonschema, yaml" 2>/dev/null; then
  "$SNOWCLI_VENV/bin/pip" install --quiet --disable-pip-version-check "jsonschema>=4.20"
  PYTHON="$SNOWCLI_VENV/bin/python"
fi
"$PYTHON" - "$SCHEMA" "$ROOT/snowflake.yml" "$ROOT/.ci" <<'PY'
import json, sys
import jsonschema
sys.path.insert(0, sys.argv[3])
from snowflake_definition import read, with_mixins_applied
schema = json.load(open(sys.argv[1]))
document = with_mixins_applied(read(sys.argv[2]))
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    print(f"snowflake.yml: {'/'.join(map(str, error.path)) or '(root)'}: {error.message}")
if errors:
    sys.exit(1)
print(f"snowflake.yml matches the CLI's JSON schema ({len(document['entities'])} entities)")
PY

# 2. The CLI's own loader (mixins, templates and model validators the JSON schema cannot express).
(cd "$ROOT" && "$SNOWCLI_VENV/bin/python" - <<'PY'
from pathlib import Path
from snowflake.cli.api.project.definition import load_project
project = load_project([Path("snowflake.yml")]).project_definition
kinds = {}
for entity in project.entities.values():
    kinds[entity.type] = kinds.get(entity.type, 0) + 1
print("snowflake.yml loads with the Snowflake CLI:", ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
PY
)
