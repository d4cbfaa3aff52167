"""Which columns hold PII and which masking policy each carries: one declaration for the account SQL and the writer.

sql/02_security.sql creates the policies (`<DB>.OPS.MASK_EMAIL`, `<DB>.OPS.MASK_NAME`). Two things attach
them, both from `MASKED_COLUMNS`:

* sql/05_masking.sql, which runs after sql/04_tables.sql has created the bronze tables, attaches them to
  every masked table that exists at deploy time (`ALTER TABLE IF EXISTS`); tests/deploy/test_sql.py checks that
  it says exactly what this declaration says;
* `Warehouse.write` / `write_pandas`, which attach them the moment the pipeline creates (or, after a
  change of columns, replaces) a masked table, so a table built on the first night is masked from its
  first row and not only after the next deploy. An existing table is rewritten in place (truncate and
  insert), which keeps its policies.
"""

from __future__ import annotations

from c360_pipeline.config import PipelineConfig

POLICY_LAYER = "OPS"
EMAIL_POLICY = "MASK_EMAIL"
NAME_POLICY = "MASK_NAME"

_CUSTOMER_NAMES = {"EMAIL": EMAIL_POLICY, "FIRST_NAME": NAME_POLICY, "LAST_NAME": NAME_POLICY}
_CUSTOMER_NAMES_AND_FULL_NAME = {**_CUSTOMER_NAMES, "FULL_NAME": NAME_POLICY}

# (layer, table) -> {column: policy}: every table that holds customers' email or names.
MASKED_COLUMNS: dict[tuple[str, str], dict[str, str]] = {
    ("BRONZE", "RAW_CUSTOMERS"): _CUSTOMER_NAMES,
    ("SILVER", "STG_CUSTOMERS"): _CUSTOMER_NAMES,
    ("GOLD", "DIM_CUSTOMER"): _CUSTOMER_NAMES_AND_FULL_NAME,
    ("GOLD", "CUSTOMER_360_PROFILE"): _CUSTOMER_NAMES_AND_FULL_NAME,
}


def policy_name(cfg: PipelineConfig, policy: str) -> str:
    """The fully qualified policy, e.g. C360.OPS.MASK_EMAIL."""
    return f"{cfg.schema(POLICY_LAYER)}.{policy}"


def policies_of(cfg: PipelineConfig, layer: str, table: str) -> dict[str, str]:
    """Column -> fully qualified masking policy for one table; empty for a table without PII."""
    declared = MASKED_COLUMNS.get((layer.upper(), table.upper()), {})
    return {column: policy_name(cfg, policy) for column, policy in declared.items()}


def attach_statement(table: str, column: str, policy: str, *, if_exists: bool = False) -> str:
    """`ALTER TABLE … MODIFY COLUMN … SET MASKING POLICY … FORCE` (FORCE replaces a policy already set)."""
    guard = "IF EXISTS " if if_exists else ""
    return f"ALTER TABLE {guard}{table} MODIFY COLUMN {column} SET MASKING POLICY {policy} FORCE"


def account_statements(cfg: PipelineConfig) -> list[str]:
    """What sql/05_masking.sql runs: every declared attachment, skipping tables not built yet."""
    return [
        attach_statement(cfg.table(layer, table), column, policy, if_exists=True)
        for (layer, table) in MASKED_COLUMNS
        for column, policy in policies_of(cfg, layer, table).items()
    ]
