"""Steps customer_segments, hero_metrics and customer_360_profile: the marts as of the run's as_of date."""

from __future__ import annotations

import time
from datetime import date

from snowflake.snowpark import Session
from snowflake.snowpark import functions as F

from c360_pipeline.catalog import SEGMENTS
from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.steps import StepResult
from c360_pipeline.transforms.common import approved_transactions, current_customers
from c360_pipeline.transforms.metrics import (
    calendar_months,
    metric_avg_transaction_value,
    metric_customer_ltv,
    metric_mom_spend_change,
    monthly_spend,
    transaction_statistics,
)
from c360_pipeline.transforms.profile import customer_360_profile, last_complete_month_spend, latest_predictions
from c360_pipeline.transforms.segments import customer_segments, window_spend


def _as_of(cfg: PipelineConfig) -> date:
    if cfg.as_of is None:
        raise ConfigError("setting 'as_of' is required by the marts: pass --as-of YYYY-MM-DD (the last day of data)")
    return cfg.as_of


def _shares(counts: dict[str, int]) -> str:
    total = sum(counts.values()) or 1
    return ", ".join(f"{name} {count} ({100 * count / total:.1f}%)" for name, count in counts.items())


def run_customer_segments(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.CUSTOMER_SEGMENTS as of cfg.as_of."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER"))
    spend = window_spend(warehouse.read("GOLD", "FCT_TRANSACTIONS"), warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY"),
                         as_of, cfg.segments.window_days)
    written = warehouse.write(customer_segments(customers, spend, as_of, cfg.segments), "GOLD", "CUSTOMER_SEGMENTS")
    assigned = warehouse.read("GOLD", "CUSTOMER_SEGMENTS").group_by("CUSTOMER_SEGMENT").agg(F.count(F.lit(1)).alias("N"))
    found = {row["CUSTOMER_SEGMENT"]: int(row["N"]) for row in assigned.collect()}
    counts = {name: found.get(name, 0) for name in SEGMENTS}
    return StepResult(
        "customer_segments", rows_in=customers.count(), rows_out=written, seconds=time.perf_counter() - started,
        message=f"{written} customers as of {as_of}: {_shares(counts)}", details={"segments": counts},
    )


def run_hero_metrics(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.METRIC_CUSTOMER_LTV, METRIC_AVG_TRANSACTION_VALUE and METRIC_MOM_SPEND_CHANGE as of cfg.as_of."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    approved = approved_transactions(warehouse.read("GOLD", "FCT_TRANSACTIONS"), as_of)
    # Customer grain, read by all three metrics and the step's count: computed once.
    statistics = transaction_statistics(approved).cache_result()
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER"))
    months = calendar_months(warehouse.read("GOLD", "DIM_DATE"), as_of)
    rows = {
        "METRIC_CUSTOMER_LTV": warehouse.write(metric_customer_ltv(customers, statistics, as_of), "GOLD", "METRIC_CUSTOMER_LTV"),
        "METRIC_AVG_TRANSACTION_VALUE": warehouse.write(
            metric_avg_transaction_value(statistics, as_of), "GOLD", "METRIC_AVG_TRANSACTION_VALUE"
        ),
        "METRIC_MOM_SPEND_CHANGE": warehouse.write(
            metric_mom_spend_change(monthly_spend(approved), statistics, months, as_of), "GOLD", "METRIC_MOM_SPEND_CHANGE"
        ),
    }
    transactions = int(statistics.agg(F.sum("TOTAL_TRANSACTIONS").alias("N")).collect()[0]["N"] or 0)
    return StepResult(
        "hero_metrics", rows_in=transactions, rows_out=sum(rows.values()), seconds=time.perf_counter() - started,
        message=", ".join(f"{table} {count} rows" for table, count in rows.items()) + f" as of {as_of}",
        details={"rows_by_table": rows},
    )


def run_customer_360_profile(session: Session, cfg: PipelineConfig) -> StepResult:
    """Rebuild GOLD.CUSTOMER_360_PROFILE from the dimension, the marts and the latest churn predictions."""
    started = time.perf_counter()
    warehouse = Warehouse.of(session, cfg)
    as_of = _as_of(cfg)
    customers = current_customers(warehouse.read("GOLD", "DIM_CUSTOMER"))
    predictions = warehouse.read_or_none("GOLD", "CHURN_PREDICTIONS")
    profile = customer_360_profile(
        customers,
        warehouse.read("GOLD", "CUSTOMER_SEGMENTS"),
        warehouse.read("GOLD", "METRIC_CUSTOMER_LTV"),
        warehouse.read("GOLD", "METRIC_AVG_TRANSACTION_VALUE"),
        last_complete_month_spend(warehouse.read("GOLD", "METRIC_MOM_SPEND_CHANGE"), as_of),
        None if predictions is None else latest_predictions(predictions, as_of),
        as_of,
        cfg.segments,
    )
    rows = warehouse.write(profile, "GOLD", "CUSTOMER_360_PROFILE")
    totals = warehouse.read("GOLD", "CUSTOMER_360_PROFILE").agg(
        F.sum(F.when(F.col("IS_RETENTION_TARGET"), F.lit(1)).otherwise(F.lit(0))).alias("RETENTION"),
        F.sum(F.when(F.col("IS_UPSELL_TARGET"), F.lit(1)).otherwise(F.lit(0))).alias("UPSELL"),
        F.count(F.col("CHURN_RISK_CATEGORY")).alias("SCORED"),
    ).collect()[0]
    details = {
        "retention_targets": int(totals["RETENTION"]),
        "upsell_targets": int(totals["UPSELL"]),
        "scored_customers": int(totals["SCORED"]),
    }
    scored = "no churn predictions yet" if predictions is None else f"{details['scored_customers']} scored"
    return StepResult(
        "customer_360_profile", rows_in=customers.count(), rows_out=rows, seconds=time.perf_counter() - started,
        message=f"{rows} customers as of {as_of} ({scored}; {details['retention_targets']} retention, "
                f"{details['upsell_targets']} upsell targets)",
        details=details,
    )
