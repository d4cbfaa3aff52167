"""Every table contract of the pipeline, in layer order: each layer module lists the contracts of the tables it builds."""

from c360_pipeline import bronze, churn, gold, marts, silver
from c360_pipeline.contracts import TableContract

CONTRACTS: tuple[TableContract, ...] = (
    *bronze.CONTRACTS,
    *silver.CONTRACTS,
    *gold.CONTRACTS,
    *marts.CONTRACTS,
    *churn.CONTRACTS,
)
