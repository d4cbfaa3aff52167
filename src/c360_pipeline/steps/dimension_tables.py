"""Steps dim_date, dim_merchant_category and dim_customer: the gold dimensions, rebuilt from silver."""

from __future__ import annotations

import time

from snowflake.snowpark import Session

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult
from c360_pipeline.transforms.dimensions import (
    DIM_DATE_SCHEMA,
    DIM_MERCHANT_CATEGORY_SCHEMA,
    calendar_days,
    customer_changes,
    daily_customer_states,
    dim_customer,
    latest_customer_attributes,
    merchant_categories,
    transaction_days,
)


def run_dim_date(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_DATE from the first transaction day through as_of (the days the fact can point to)."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    bounds = transaction_days(warehouse.read("SILVER", "STG_TRANSACTIONS")).collect()[0]
    start = bounds["FIRST_DAY"] or cfg.as_of
    end = max(bounds["LAST_DAY"] or cfg.as_of, cfg.as_of)
    rows = warehouse.write_pandas(calendar_days(start, end), DIM_DATE_SCHEMA, "GOLD", "DIM_DATE")
    return StepResult("dim_date", rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} days from {start} to {end}")


def run_dim_merchant_category(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_MERCHANT_CATEGORY from the catalog."""
    started = time.perf_counter()
    rows = Warehouse.of(session, cfg).write_pandas(
        merchant_categories(), DIM_MERCHANT_CATEGORY_SCHEMA, "GOLD", "DIM_MERCHANT_CATEGORY"
    )
    return StepResult("dim_merchant_category", rows_out=rows, seconds=time.perf_counter() - started,
                      message=f"{rows} merchant categories")


def run_dim_customer(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.DIM_CUSTOMER from the silver history."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    stg = warehouse.read("SILVER", "STG_CUSTOMERS")
    target = dim_customer(customer_changes(daily_customer_states(stg)), latest_customer_attributes(stg))
    before = warehouse.to_pandas("GOLD", "DIM_CUSTOMER") if warehouse.exists("GOLD", "DIM_CUSTOMER") else None
    # The whole history is recomputed from silver, so overwriting drops versions a late change removed.
    rows = warehouse.write(target, "GOLD", "DIM_CUSTOMER")
    after = warehouse.to_pandas("GOLD", "DIM_CUSTOMER")
    new_versions = len(after) - (0 if before is None else len(before[before["CUSTOMER_KEY"].isin(after["CUSTOMER_KEY"])]))
    closed = 0
    if before is not None:
        merged = before.merge(after, on="CUSTOMER_KEY", suffixes=("_BEFORE", ""))
        closed = int((merged["VALID_TO_BEFORE"] != merged["VALID_TO"]).sum())
    return StepResult(
        "dim_customer", rows_in=stg.count(), rows_out=rows, seconds=time.perf_counter() - started,
        message=f"{int(after['IS_CURRENT'].sum())} customers, {len(after)} versions ({new_versions} new, {closed} closed)",
        details={"new_versions": int(new_versions), "closed_versions": closed},
    )
