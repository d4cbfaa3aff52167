"""Table contracts: what each table promises (grain, key, required columns, accepted values, relationships,
invariants), declared once per layer and evaluated by the data-quality step and the tests.

- `model`: the `TableContract`, `Check` and `Reference` types and how a check is counted;
- `bronze`, `silver`, `gold`, `marts`, `churn`: the declarations of each layer's tables; `streaming`: the stream
  table, its channel tokens and the dynamic table;
- `evaluation`: every table's checks in one aggregate query, into OPS.DQ_RESULTS rows.

`CONTRACTS` lists every declaration in layer order, by explicit import: nothing registers itself.
"""

from __future__ import annotations

from c360_pipeline.contracts import bronze, churn, gold, marts, silver, streaming
from c360_pipeline.contracts.model import TableContract
from c360_pipeline.documents import contract as docs_contracts

CONTRACTS: tuple[TableContract, ...] = (
    *bronze.CONTRACTS,
    *silver.CONTRACTS,
    *gold.CONTRACTS,
    *marts.CONTRACTS,
    *churn.CONTRACTS,
    *docs_contracts.CONTRACTS,
    *streaming.CONTRACTS,
)


def all_contracts() -> list[TableContract]:
    """Every table contract of the pipeline, in layer order."""
    return list(CONTRACTS)


def contract_for(layer: str, table: str) -> TableContract:
    """The contract of LAYER.TABLE; KeyError naming the table when none is declared."""
    qualified = f"{layer.upper()}.{table.upper()}"
    for contract in CONTRACTS:
        if contract.qualified == qualified:
            return contract
    raise KeyError(f"no contract is declared for {qualified}")
