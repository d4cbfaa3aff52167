"""What the Streamlit app and the stored procedures import resolves to packages they declare.

On an account nothing is pip-installed: the Streamlit app (warehouse runtime) gets exactly the conda
packages of `streamlit_app/environment.yml`, and each procedure exactly the Anaconda packages of its
`PACKAGES` clause (`deploy.ANACONDA_PACKAGES`); everything else must be the standard library. An
import missing from those lists fails only there, at the first click or the first night, so the
imports are traced here from the source: an AST walk over the app's modules (or the handlers and
the step runners they load by name) and every `c360_pipeline` module they import, transitively.

Imports at module level run as soon as the module is imported (those under `if TYPE_CHECKING:` never
do); imports inside a function run only when it is called. A few packages are imported only inside
functions that never run on Snowflake — the local DuckDB engine, the data generator, terminal output,
the deploy tool itself — and are listed with that reason below. The trace checks that none of them is
ever imported at module level by a module the app or a procedure loads, so the claim stays true.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from c360_pipeline import deploy
from c360_pipeline.orchestration import dag

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "c360_pipeline"
APP = ROOT / "streamlit_app"
PROCEDURES = ROOT / "procedures"

# Modules the Snowflake runtime itself provides (not a package anyone installs).
RUNTIME_MODULES = {"_snowflake": "the Snowflake Python runtime's own module (Cortex REST calls from the app)"}

# Packages imported only inside functions that never run on an account, with the reason.
LOCAL_ONLY_EVERYWHERE = {
    "duckdb": "the local engine (DuckDB) behind `engine.local_session`",
    "fakesnow": "the local engine's Snowflake-on-DuckDB connection",
    "rich": "terminal output of the `c360` command (run progress, `c360 ask`)",
    "bm25s": "the local document retriever (search.local); on an account Cortex Search answers",
    "pystemmer": "the local document retriever's stemmer (search.local)",
    "wordllama": "the local document retriever's embeddings (search.local)",
}
LOCAL_ONLY_IN_PROCEDURES = {
    **LOCAL_ONLY_EVERYWHERE,
    "faker": "the data generator (`c360 generate`, `c360 run --days`), never called by a step",
    "snowflake-core": "building the task graph, done by `c360 deploy` on the laptop",
    "snowflake-connector-python": "reading a named connection from the laptop's connection files (`--connection`)",
}


def normalised_distribution(name: str) -> str:
    """PEP 503 name, which is also how the Anaconda channel spells these packages (PyYAML -> pyyaml)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _namespace_distributions() -> dict[str, str]:
    """`snowflake.snowpark` -> snowflake-snowpark-python etc.: which installed distribution ships each subpackage."""
    counts: dict[str, dict[str, int]] = {}
    for distribution in importlib.metadata.distributions():
        name = normalised_distribution(distribution.metadata["Name"])
        for file in distribution.files or ():
            parts = Path(str(file)).parts
            if len(parts) >= 3 and parts[0] == "snowflake" and parts[-1].endswith(".py"):
                shipped = counts.setdefault(f"snowflake.{parts[1]}", {})
                shipped[name] = shipped.get(name, 0) + 1
    return {module: max(shipped, key=shipped.get) for module, shipped in counts.items()}


TOP_LEVEL = importlib.metadata.packages_distributions()
NAMESPACES = _namespace_distributions()


def distribution_of(module: str) -> str:
    """The distribution an import name comes from: `yaml` -> pyyaml, `sklearn` -> scikit-learn."""
    parts = module.split(".")
    if parts[0] == "snowflake" and len(parts) > 1:
        key = f"snowflake.{parts[1]}"
        if key not in NAMESPACES:
            raise AssertionError(f"no installed distribution ships {key} (imported as {module})")
        return NAMESPACES[key]
    names = TOP_LEVEL.get(parts[0])
    if not names:
        raise AssertionError(f"no installed distribution provides the module {parts[0]} (imported as {module})")
    return normalised_distribution(names[0])


@dataclass(frozen=True)
class Import:
    module: str  # absolute dotted name
    file: Path
    line: int
    eager: bool  # runs when the importing module is imported


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, package: str | None) -> list[Import]:
    """Every import statement of one file, absolute, marked eager (module level) or lazy (in a function)."""
    found: list[Import] = []

    def visit(node: ast.AST, eager: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            eager = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child, eager)
            return
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, path, node.lineno, eager) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (package or "").split(".")
                base = base[: len(base) - node.level + 1] if node.level > 1 else base
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module != "__future__":
                found.append(Import(module, path, node.lineno, eager))
                # `from c360_pipeline import engine` imports a submodule.
                found.extend(Import(f"{module}.{alias.name}", path, node.lineno, eager) for alias in node.names
                             if _first_party_file(f"{module}.{alias.name}") is not None)
        for child in ast.iter_child_nodes(node):
            visit(child, eager)

    visit(ast.parse(path.read_text(), filename=str(path)), True)
    return found


def _first_party_file(module: str) -> Path | None:
    """The source file of a module of this repository (package, app or handler), else None."""
    parts = module.split(".")
    if parts[0] == "c360_pipeline":
        base = PACKAGE.joinpath(*parts[1:])
    elif (APP / f"{parts[0]}.py").is_file() or (APP / parts[0] / "__init__.py").is_file():
        base = APP.joinpath(*parts)
    elif (PROCEDURES / f"{parts[0]}.py").is_file() and len(parts) == 1:
        base = PROCEDURES / parts[0]
    else:
        return None
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _package_of(path: Path) -> str | None:
    if PACKAGE in path.parents or path.parent == PACKAGE:
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        return ".".join(parts if path.name == "__init__.py" else parts[:-1]).removesuffix(".__init__")
    if APP in path.parents and path.parent != APP:
        return ".".join(path.parent.relative_to(APP).parts)
    return None


@dataclass
class Trace:
    """The first-party modules reached and the third-party imports they make."""

    eager_files: set[Path] = field(default_factory=set)  # loaded as soon as the entry modules are imported
    files: set[Path] = field(default_factory=set)  # loaded on some code path
    third_party: list[Import] = field(default_factory=list)

    def distributions(self, local_only: dict[str, str], eager_only: bool = False) -> dict[str, list[Import]]:
        """Distribution -> the imports of it. A module that imports a local-only package at module level
        cannot be imported on an account at all, so its own imports do not count (that it is never loaded
        eagerly is checked separately)."""
        local_files = {i.file for i in self.third_party if i.eager and distribution_of(i.module) in local_only}
        found: dict[str, list[Import]] = {}
        for item in self.third_party:
            name = distribution_of(item.module)
            if item.file in local_files and name not in local_only:
                continue
            if not eager_only or (item.eager and item.file in self.eager_files):
                found.setdefault(name, []).append(item)
        return found


def trace(entry_files: list[Path]) -> Trace:
    """Follow imports from the entry files through every first-party module, eagerly and on any code path."""
    result = Trace()
    pending = [(path, True) for path in entry_files]
    while pending:
        path, eager = pending.pop()
        if path in result.files and (not eager or path in result.eager_files):
            continue
        result.files.add(path)
        if eager:
            result.eager_files.add(path)
        for item in imports_of(path, _package_of(path)):
            top = item.module.split(".")[0]
            target = _first_party_file(item.module)
            if target is not None:
                pending.append((target, eager and item.eager))
            elif top in sys.stdlib_module_names or top in RUNTIME_MODULES:
                continue
            elif item not in result.third_party:
                result.third_party.append(item)
    return result


def where(imports: list[Import]) -> str:
    return ", ".join(sorted({f"{i.file.relative_to(ROOT)}:{i.line}" for i in imports}))


def environment_packages() -> dict[str, str]:
    """environment.yml's conda dependencies: name -> spec (python itself excluded)."""
    document = yaml.safe_load((APP / "environment.yml").read_text())
    packages = {}
    for entry in document["dependencies"]:
        name = re.split(r"[=<>! ]", entry, maxsplit=1)[0]
        if name != "python":
            packages[normalised_distribution(name)] = entry
    return packages


def app_trace() -> Trace:
    return trace(sorted(APP.rglob("*.py")))


def procedure_trace() -> Trace:
    """The handlers, plus each step's runner module (the runner loads it by name, so no import names it)."""
    runners = {step.runner.split(":")[0] for step in dag.ALL_PROCEDURE_STEPS}
    entries = sorted(PROCEDURES.glob("*.py")) + sorted(_first_party_file(module) for module in runners)
    return trace(entries)


def test_environment_yml_is_for_the_warehouse_runtime_on_python_3_11():
    document = yaml.safe_load((APP / "environment.yml").read_text())
    assert document["channels"] == ["snowflake"]
    assert "python=3.11" in document["dependencies"]
    assert environment_packages()["streamlit"] == "streamlit=1.51.0"


def test_every_package_the_app_imports_is_in_environment_yml():
    declared = set(environment_packages())
    used = app_trace().distributions(LOCAL_ONLY_EVERYWHERE)
    missing = {name: where(items) for name, items in used.items()
               if name not in declared and name not in LOCAL_ONLY_EVERYWHERE}
    assert not missing, f"streamlit_app/environment.yml lacks packages the app imports: {missing}"
    # The assistant tab's dependencies, which the app once lacked, are among them.
    assert {"pydantic", "sqlglot", "pyarrow", "pyyaml", "snowflake-snowpark-python"} <= set(used)


def test_environment_yml_lists_nothing_the_app_does_not_import():
    unused = set(environment_packages()) - set(app_trace().distributions(LOCAL_ONLY_EVERYWHERE)) - set(LOCAL_ONLY_EVERYWHERE)
    assert not unused, f"streamlit_app/environment.yml lists packages no app module imports: {sorted(unused)}"


def test_local_only_packages_are_never_loaded_by_importing_the_app():
    eager = app_trace().distributions(LOCAL_ONLY_EVERYWHERE, eager_only=True)
    leaked = {name: where(eager[name]) for name in LOCAL_ONLY_EVERYWHERE if name in eager}
    assert not leaked, f"importing the app would import local-only packages: {leaked}"


def requested_packages() -> dict[str, str]:
    """deploy.ANACONDA_PACKAGES: distribution name -> spec."""
    return {normalised_distribution(re.split(r"[=<>!~ ]", spec, maxsplit=1)[0]): spec
            for spec in deploy.ANACONDA_PACKAGES}


def test_every_package_a_procedure_imports_is_in_its_packages_clause():
    declared = set(requested_packages())
    used = procedure_trace().distributions(LOCAL_ONLY_IN_PROCEDURES)
    missing = {name: where(items) for name, items in used.items()
               if name not in declared and name not in LOCAL_ONLY_IN_PROCEDURES}
    assert not missing, f"deploy.ANACONDA_PACKAGES lacks packages the procedures import: {missing}"


def test_procedures_request_no_package_they_do_not_import():
    used = set(procedure_trace().distributions(LOCAL_ONLY_IN_PROCEDURES))
    assert not set(requested_packages()) - used
    assert "faker" not in requested_packages() and "rich" not in requested_packages()


def test_local_only_packages_are_never_loaded_by_importing_a_handler_or_runner():
    eager = procedure_trace().distributions(LOCAL_ONLY_IN_PROCEDURES, eager_only=True)
    leaked = {name: where(eager[name]) for name in LOCAL_ONLY_IN_PROCEDURES if name in eager}
    assert not leaked, f"importing a procedure would import local-only packages: {leaked}"


@pytest.mark.parametrize("module, distribution", [
    ("yaml", "pyyaml"), ("sklearn", "scikit-learn"), ("snowflake.snowpark.functions", "snowflake-snowpark-python"),
    ("snowflake.ml.registry", "snowflake-ml-python"), ("snowflake.core.task", "snowflake-core"),
    ("faker", "faker"),
])
def test_import_names_map_to_distribution_names(module, distribution):
    assert distribution_of(module) == distribution


def test_trace_sees_eager_lazy_and_type_checking_imports(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nimport yaml\nif TYPE_CHECKING:\n    import duckdb\n"
        "def later():\n    import faker\n"
    )
    found = {(i.module, i.eager) for i in imports_of(source, None)}
    assert ("yaml", True) in found and ("faker", False) in found
    assert not any(module == "duckdb" for module, _ in found)
