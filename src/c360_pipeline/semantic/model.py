"""The Cortex Analyst semantic model format as pydantic models, and the loader that validates our YAML.

Field names and enumerations follow Cortex Analyst's semantic model specification (tables with
base_table, primary_key, dimensions, time_dimensions, facts, metrics, filters; model-level
relationships and verified_queries). Unknown keys are rejected so a typo fails validation instead of
being ignored. `validate_model` adds the checks the format cannot express: every SQL expression and
verified query parses as Snowflake SQL, names are unique, relationships point at declared tables.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import sqlglot
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlglot import exp

from c360_pipeline.yaml_data import parse_yaml

MODEL_FILE = "semantic_model.yaml"
DIALECT = "snowflake"


class SemanticModelError(ValueError):
    """The semantic model file is not valid; the message names the table, field and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_strings(values: list[object] | None) -> list[str]:
    return [str(value) for value in (values or [])]


class BaseTable(_Strict):
    """Fully qualified physical table: database, schema, table."""

    database: str
    schema_: str = Field(alias="schema")
    table: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.schema_}.{self.table}"


class PrimaryKey(_Strict):
    columns: list[str]


class _Named(_Strict):
    """What every named element of a table has: a name, synonyms, a description and an expression."""

    name: str
    synonyms: list[str] = []
    description: str | None = None
    expr: str


class _Column(_Named):
    """A row-level column: its data type and sample values (numbers in YAML are read as text)."""

    data_type: str
    sample_values: list[str] = []

    _strings = field_validator("sample_values", mode="before")(classmethod(lambda cls, v: _as_strings(v)))


class Dimension(_Column):
    """A categorical column (who, what, where)."""

    unique: bool = False
    is_enum: bool = False


class TimeDimension(_Column):
    """A date or timestamp column (when)."""

    unique: bool = False


class Fact(_Column):
    """A numeric row-level value that metrics aggregate."""

    access_modifier: Literal["public_access", "private_access"] | None = None


class Metric(_Named):
    """A named aggregate over the table's columns."""

    access_modifier: Literal["public_access", "private_access"] | None = None


class NamedFilter(_Named):
    """A named row predicate (a WHERE-clause expression without aggregates)."""


class Table(_Strict):
    """A logical table over one physical table or view."""

    name: str
    synonyms: list[str] = []
    description: str | None = None
    base_table: BaseTable
    primary_key: PrimaryKey | None = None
    dimensions: list[Dimension] = []
    time_dimensions: list[TimeDimension] = []
    facts: list[Fact] = []
    metrics: list[Metric] = []
    filters: list[NamedFilter] = []

    def columns(self) -> list[Dimension | TimeDimension | Fact]:
        return [*self.dimensions, *self.time_dimensions, *self.facts]


class RelationKey(_Strict):
    left_column: str
    right_column: str


class Relationship(_Strict):
    """An equi-join from a many side (left) to a one side (right)."""

    name: str
    left_table: str
    right_table: str
    relationship_columns: list[RelationKey]
    join_type: Literal["inner", "left_outer"]
    relationship_type: Literal["many_to_one", "one_to_one"]


class VerifiedQuery(_Strict):
    """A question with SQL an analyst has checked (Cortex Analyst uses these as examples)."""

    name: str
    question: str
    sql: str
    verified_at: int | None = None
    verified_by: str | None = None
    use_as_onboarding_question: bool = False
    semantic_model_name: str | None = None


class ModuleCustomInstructions(_Strict):
    sql_generation: str | None = None
    question_categorization: str | None = None


class SemanticModel(_Strict):
    """The whole semantic model: tables, relationships, verified queries."""

    name: str
    description: str | None = None
    tables: list[Table]
    relationships: list[Relationship] = []
    verified_queries: list[VerifiedQuery] = []
    custom_instructions: str | None = None
    module_custom_instructions: ModuleCustomInstructions | None = None

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"no logical table {name!r} in semantic model {self.name!r}")

    def metric_count(self) -> int:
        return sum(len(t.metrics) for t in self.tables)

    def dimension_count(self) -> int:
        return sum(len(t.dimensions) + len(t.time_dimensions) for t in self.tables)


# --- loading and validation ---------------------------------------------------------------------

def model_text() -> str:
    """The packaged semantic_model.yaml as text."""
    return resources.files("c360_pipeline").joinpath(MODEL_FILE).read_text(encoding="utf-8")


def parse_model(text: str, source: str = MODEL_FILE) -> SemanticModel:
    """Parse and validate YAML text in the semantic model format; raises SemanticModelError."""
    try:
        document = parse_yaml(text)
    except yaml.YAMLError as error:
        raise SemanticModelError(f"{source} is not valid YAML: {error}") from None
    try:
        model = SemanticModel.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise SemanticModelError(f"{source} does not follow the semantic model format: {problems}") from None
    problems = validate_model(model)
    if problems:
        raise SemanticModelError(f"{source} is inconsistent: " + "; ".join(problems))
    return model


@lru_cache(maxsize=1)
def load_model() -> SemanticModel:
    """The packaged semantic model, parsed and validated once per process."""
    return parse_model(model_text())


def load_model_file(path: Path) -> SemanticModel:
    return parse_model(path.read_text(encoding="utf-8"), str(path))


def parse_expression(sql: str) -> exp.Expression:
    """A semantic-model SQL expression as a sqlglot tree (Snowflake dialect); raises on bad SQL."""
    return sqlglot.parse_one(sql, read=DIALECT)


def referenced_columns(sql: str) -> set[str]:
    """Upper-case physical column names an expression reads."""
    return {column.name.upper() for column in parse_expression(sql).find_all(exp.Column)}


def validate_model(model: SemanticModel) -> list[str]:
    """Consistency problems the pydantic shape cannot catch (empty list when the model is sound)."""
    problems: list[str] = []
    table_names = [t.name for t in model.tables]
    problems += [f"table {n!r} is declared twice" for n in {n for n in table_names if table_names.count(n) > 1}]
    for table in model.tables:
        names = [c.name for c in table.columns()] + [m.name for m in table.metrics] + [f.name for f in table.filters]
        problems += [f"{table.name}: {n!r} is declared twice" for n in {n for n in names if names.count(n) > 1}]
        for item in [*table.columns(), *table.metrics, *table.filters]:
            try:
                tree = parse_expression(item.expr)
            except sqlglot.errors.ParseError as error:
                problems.append(f"{table.name}.{item.name}: expr {item.expr!r} is not Snowflake SQL ({error})")
                continue
            has_aggregate = tree.find(exp.AggFunc) is not None or _has_count_if(tree)
            if isinstance(item, Metric) and not has_aggregate:
                problems.append(f"{table.name}.{item.name}: a metric expr must aggregate, got {item.expr!r}")
            if not isinstance(item, Metric) and has_aggregate:
                problems.append(f"{table.name}.{item.name}: only metrics may aggregate, got {item.expr!r}")
        for dimension in table.dimensions:
            if dimension.is_enum and not dimension.sample_values:
                problems.append(f"{table.name}.{dimension.name}: is_enum needs the full list in sample_values")
    for relationship in model.relationships:
        for side in (relationship.left_table, relationship.right_table):
            if side not in table_names:
                problems.append(f"relationship {relationship.name}: unknown table {side!r}")
    for query in model.verified_queries:
        try:
            statements = sqlglot.parse(query.sql, read=DIALECT)
        except sqlglot.errors.ParseError as error:
            problems.append(f"verified query {query.name}: SQL does not parse ({error})")
            continue
        if len(statements) != 1 or not isinstance(statements[0], exp.Select):
            problems.append(f"verified query {query.name}: must be exactly one SELECT")
    return problems


def _has_count_if(tree: exp.Expression) -> bool:
    return any(
        isinstance(node, exp.Anonymous) and node.name.upper() == "COUNT_IF" for node in tree.find_all(exp.Anonymous)
    ) or tree.find(exp.CountIf) is not None
