"""What the pipeline spends, read into one `CostReport`: measured on Snowflake, estimated locally.

On Snowflake the reads are ACCOUNT_USAGE views (about 45 minutes to 3 hours behind): credits by day from
WAREHOUSE_METERING_HISTORY, by step from QUERY_HISTORY grouped by the query tag the runner sets (each metered
hour's credits shared by execution time), and Cortex Search, Cortex Analyst and Cortex functions usage. Locally
there is no bill: credits are ESTIMATED from OPS.PIPELINE_RUNS step seconds × the warehouse size's rate.
Every read is a Snowpark DataFrame; the warehouse and database names come from the validated config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F
from snowflake.snowpark.exceptions import SnowparkSQLException

from c360_pipeline.config import PipelineConfig
from c360_pipeline.cost.guardrails import (
    CREDITS_PER_HOUR,
    apportion_hour_credits,
    budget_status,
    credit_spikes,
    month_to_date,
    projected_month_credits,
)

ACCOUNT_USAGE = "SNOWFLAKE.ACCOUNT_USAGE"
DEFAULT_DAYS = 30


@dataclass
class CostReport:
    """Credits by day, by step and by service, against the month's budget; `estimated` when computed locally."""

    estimated: bool
    as_of: date
    daily: pd.DataFrame  # DAY, CREDITS
    by_step: pd.DataFrame  # STEP, SECONDS, CREDITS
    services: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["DAY", "SERVICE", "CREDITS"]))
    limit: float = 0.0
    warning_share: float = 0.8
    basis: str = ""

    @property
    def spent(self) -> float:
        return month_to_date(self.daily, self.as_of)

    @property
    def projected(self) -> float:
        return projected_month_credits(self.daily, self.as_of)

    @property
    def status(self) -> str:
        return budget_status(self.spent, self.projected, self.limit, self.warning_share)

    def spikes(self, cfg: PipelineConfig) -> pd.DataFrame:
        return credit_spikes(self.daily, cfg.cost.spike_factor, cfg.cost.spike_window_days, cfg.cost.spike_min_credits)


# --- locally: estimates from OPS.PIPELINE_RUNS ------------------------------------------------------------

def estimated_daily(runs: DataFrame, credits_per_hour: float) -> DataFrame:
    """DAY, SECONDS, CREDITS: the runs' step seconds per day × the warehouse's credits per hour."""
    return (runs.group_by(F.to_date(F.col("STARTED_AT")).alias("DAY"))
            .agg(F.sum(F.col("SECONDS")).alias("SECONDS"))
            .with_column("CREDITS", F.col("SECONDS") / F.lit(3600.0) * F.lit(credits_per_hour))
            .sort("DAY"))


def estimated_by_step(runs: DataFrame, credits_per_hour: float) -> DataFrame:
    """STEP, RUNS, SECONDS, CREDITS: each step's total seconds over the runs, as credits."""
    return (runs.group_by("STEP")
            .agg(F.count_distinct(F.col("RUN_ID")).alias("RUNS"), F.sum(F.col("SECONDS")).alias("SECONDS"))
            .with_column("CREDITS", F.col("SECONDS") / F.lit(3600.0) * F.lit(credits_per_hour))
            .sort(F.col("CREDITS").desc()))


def estimated_report(session: Session, cfg: PipelineConfig, as_of: date | None = None) -> CostReport:
    """The report of a local home: ESTIMATED credits from the recorded step seconds (as of the latest run's day)."""
    rate = CREDITS_PER_HOUR[cfg.cost.warehouse_size]
    runs = session.table(cfg.table("OPS", "PIPELINE_RUNS")).filter(F.col("SECONDS").is_not_null())
    daily = _pandas(estimated_daily(runs, rate))
    by_step = _pandas(estimated_by_step(runs, rate))
    if as_of is None:
        as_of = max(daily["DAY"]) if len(daily) else date.today()
    return CostReport(True, as_of, daily[["DAY", "CREDITS"]], by_step, limit=cfg.cost.monthly_credit_budget,
                      warning_share=cfg.cost.warning_share,
                      basis=f"estimated: OPS.PIPELINE_RUNS step seconds × {rate:g} credit/hour ({cfg.cost.warehouse_size} warehouse)")


# --- on Snowflake: ACCOUNT_USAGE --------------------------------------------------------------------------

def metered_daily(metering: DataFrame, warehouse: str, start: date) -> DataFrame:
    """DAY, CREDITS of one warehouse from WAREHOUSE_METERING_HISTORY (compute and cloud services)."""
    return (metering.filter((F.col("WAREHOUSE_NAME") == F.lit(warehouse)) & (F.col("START_TIME") >= F.lit(start)))
            .group_by(F.to_date(F.col("START_TIME")).alias("DAY"))
            .agg(F.sum(F.col("CREDITS_USED")).alias("CREDITS"))
            .sort("DAY"))


def metered_hours(metering: DataFrame, warehouse: str, start: date) -> DataFrame:
    """HOUR, CREDITS (compute) of one warehouse, the hours whose credits the steps share."""
    return (metering.filter((F.col("WAREHOUSE_NAME") == F.lit(warehouse)) & (F.col("START_TIME") >= F.lit(start)))
            .select(F.col("START_TIME").alias("HOUR"), F.col("CREDITS_USED_COMPUTE").alias("CREDITS")))


def tagged_hours(queries: DataFrame, warehouse: str, start: date) -> DataFrame:
    """HOUR, QUERY_TAG, EXECUTION_MS: the warehouse's query execution time per hour and query tag."""
    return (queries.filter((F.col("WAREHOUSE_NAME") == F.lit(warehouse)) & (F.col("START_TIME") >= F.lit(start)))
            .group_by(F.date_trunc("hour", F.col("START_TIME")).alias("HOUR"),
                      F.iff(F.col("QUERY_TAG") == F.lit(""), F.lit(None), F.col("QUERY_TAG")).alias("QUERY_TAG"))
            .agg(F.sum(F.col("EXECUTION_TIME")).alias("EXECUTION_MS")))


def service_usage(session: Session, usage: str, database: str, start: date) -> DataFrame:
    """DAY, SERVICE, CREDITS of the serverless AI services c360 uses: its Cortex Search services, Cortex Analyst
    and Cortex functions."""
    search = (session.table(f"{usage}.CORTEX_SEARCH_DAILY_USAGE_HISTORY")
              .filter((F.col("DATABASE_NAME") == F.lit(database)) & (F.col("USAGE_DATE") >= F.lit(start)))
              .select(F.to_date(F.col("USAGE_DATE")).alias("DAY"), F.lit("Cortex Search").alias("SERVICE"),
                      F.col("CREDITS").cast("double").alias("CREDITS")))
    analyst = (session.table(f"{usage}.CORTEX_ANALYST_USAGE_HISTORY")
               .filter(F.col("START_TIME") >= F.lit(start))
               .select(F.to_date(F.col("START_TIME")).alias("DAY"), F.lit("Cortex Analyst").alias("SERVICE"),
                       F.col("CREDITS").cast("double").alias("CREDITS")))
    functions = (session.table(f"{usage}.CORTEX_FUNCTIONS_USAGE_HISTORY")
                 .filter(F.col("START_TIME") >= F.lit(start))
                 .select(F.to_date(F.col("START_TIME")).alias("DAY"), F.lit("Cortex functions").alias("SERVICE"),
                         F.col("TOKEN_CREDITS").cast("double").alias("CREDITS")))
    return (search.union_all(analyst).union_all(functions)
            .group_by("DAY", "SERVICE").agg(F.sum(F.col("CREDITS")).alias("CREDITS")).sort("DAY", "SERVICE"))


def account_report(session: Session, cfg: PipelineConfig, as_of: date, days: int = DEFAULT_DAYS,
                   usage: str = ACCOUNT_USAGE) -> CostReport:
    """The report of an account: measured credits of the c360 warehouse and services since as_of − days."""
    start = min(as_of - timedelta(days=days), as_of.replace(day=1))
    metering = session.table(f"{usage}.WAREHOUSE_METERING_HISTORY")
    daily = _pandas(metered_daily(metering, cfg.warehouse, start))
    hours = _pandas(metered_hours(metering, cfg.warehouse, start))
    basis = f"measured: {usage} (up to about 3 hours behind)"
    try:
        tagged = _pandas(tagged_hours(session.table(f"{usage}.QUERY_HISTORY"), cfg.warehouse, start))
        by_step = apportion_hour_credits(hours, tagged)
    except SnowparkSQLException as denied:  # the app's owner is not granted QUERY_HISTORY (sql/06_cost.sql)
        by_step = pd.DataFrame(columns=["STEP", "SECONDS", "CREDITS"])
        basis += (f"; credits by step need {usage}.QUERY_HISTORY, which this role cannot read "
                  f"(SNOWFLAKE.GOVERNANCE_VIEWER): {str(denied).splitlines()[0][:160]}")
    services = _pandas(service_usage(session, usage, cfg.database, start))
    return CostReport(False, as_of, daily, by_step, services, cfg.cost.monthly_credit_budget, cfg.cost.warning_share,
                      basis=basis)


def _pandas(frame: DataFrame) -> pd.DataFrame:
    """collect() into pandas with plain numbers (Decimals as floats)."""
    rows = frame.collect()
    table = pd.DataFrame([row.as_dict() for row in rows], columns=frame.columns)
    for column in table.columns:
        if table[column].map(lambda v: type(v).__name__ == "Decimal").any():
            table[column] = table[column].astype(float)
    return table
