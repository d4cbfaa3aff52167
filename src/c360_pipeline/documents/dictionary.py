"""The data dictionary of the gold tables as a Markdown document, generated from the contracts and the semantic model.

One section per gold table: its grain, key, required columns, accepted values, relationships and rules
(from `c360_pipeline.contracts`), then the columns the semantic model describes. Generated, so the
dictionary the search answers from is the one the data-quality step checks.
"""

from __future__ import annotations

from c360_pipeline.contracts.model import TableContract
from c360_pipeline.documents.chunking import Document
from c360_pipeline.yaml_data import parse_yaml

SLUG = "data_dictionary"
TITLE = "Data dictionary of the gold tables"


def _columns_by_table() -> dict[str, list[tuple[str, str]]]:
    """Physical table name → (column, description) from the semantic model, for the tables it describes.

    The YAML is read as data (not through `semantic.model`, whose validation needs sqlglot): the load_docs
    procedure imports only what the procedures' packages provide.
    """
    from importlib import resources

    model = parse_yaml((resources.files("c360_pipeline") / "semantic_model.yaml").read_text(encoding="utf-8"))
    found: dict[str, list[tuple[str, str]]] = {}
    for table in model["tables"]:
        columns = found.setdefault(str(table["base_table"]["table"]).upper(), [])
        for column in (*table.get("dimensions", []), *table.get("time_dimensions", []), *table.get("facts", [])):
            description = " ".join(str(column.get("description") or "").split())
            expression = str(column.get("expr", ""))
            columns.append((expression if expression.isidentifier() else str(column["name"]).upper(), description))
    return found


def table_section(contract: TableContract, columns: list[tuple[str, str]]) -> str:
    """The Markdown section of one table."""
    lines = [f"## {contract.qualified}", "", f"Table {contract.qualified} ({contract.table.replace('_', ' ').lower()}). "
             f"Grain: {contract.grain}."]
    if contract.primary_key:
        lines.append(f"Key: {', '.join(contract.primary_key)} identifies one row.")
    if contract.not_null:
        lines.append(f"Never null: {', '.join(contract.not_null)}.")
    for column, values in contract.accepted_values.items():
        lines.append(f"{column} is one of {', '.join(map(str, values))}.")
    for column, (layer, table, parent) in contract.relationships.items():
        lines.append(f"{column} refers to {layer}.{table}.{parent}.")
    rules = [check.description for check in contract.invariants if check.description]
    if rules:
        lines.append("Rules checked every night: " + "; ".join(rules) + ".")
    described = [(name, text) for name, text in columns if text]
    if described:
        lines.append("")
        lines.append("Columns: " + "; ".join(f"{name}: {text.rstrip('.')}" for name, text in described) + ".")
    return "\n".join(lines)


def data_dictionary(contracts: tuple[TableContract, ...] | None = None) -> Document:
    """The dictionary of every GOLD table with a contract, as one corpus document."""
    if contracts is None:
        from c360_pipeline.contracts import CONTRACTS as contracts
    columns = _columns_by_table()
    sections = [
        table_section(contract, columns.get(contract.table, []))
        for contract in contracts if contract.layer == "GOLD"
    ]
    body = "\n\n".join([
        f"# {TITLE}",
        "What each table of the GOLD schema holds, one row per what, and the rules the data-quality step checks "
        "on it every night. Generated from the table contracts and the semantic model.",
        *sections,
    ])
    return Document(SLUG, TITLE, "data_dictionary", "data_dictionary", body, "generated from c360_pipeline.contracts")
