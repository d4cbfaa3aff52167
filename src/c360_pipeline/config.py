"""Pipeline configuration: one validated object that every step, command and procedure reads."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_AS_OF = date(2025, 6, 30)
# The default scale: the seed's 1,000 customers (about 270K transactions), a full DAG in about a
# minute and a half on a 2-core laptop; pass --customers 50000 for the seed's production scale.
DEFAULT_CUSTOMERS = 1000


class ConfigError(ValueError):
    """A setting has a value the pipeline cannot use; the message names the setting and what it accepts."""


class SegmentThresholds(BaseModel):
    """Thresholds of the five segment rules (seed 003 §2.3); precedence is the order of the rules in marts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    high_value_monthly_spend: float = 5000.0
    high_value_travel_share: float = 0.25
    declining_change_pct: float = -0.30
    new_tenure_months: int = 6
    new_growth_pct: float = 0.50
    budget_monthly_spend: float = 1500.0
    budget_necessities_share: float = 0.60
    window_days: int = 90


class ChurnSettings(BaseModel):
    """Label definition, horizon and risk-category thresholds of the churn model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_days: int = Field(90, ge=30, le=365)
    inactivity_days: int = Field(60, ge=1)
    decline_pct: float = Field(0.30, gt=0, lt=1)
    medium_risk_score: float = Field(40.0, ge=0, le=100)
    high_risk_score: float = Field(70.0, ge=0, le=100)
    retrain_after_days: int = Field(30, ge=0)
    # Training examples come from this many cut-offs, spaced this many days apart (as_of - horizon,
    # then 30 days earlier, ...): more labeled examples from the same customers, each cut-off's label
    # observed before as_of; customers are never split between train and test.
    training_snapshots: int = Field(10, ge=1, le=12)
    snapshot_spacing_days: int = Field(30, ge=7, le=180)
    # Above this many labeled rows, training uses a seeded sample of whole customers of about this size:
    # the held-out metrics plateau well before it, and the fit time grows with every row.
    max_training_rows: int = Field(100_000, ge=1_000)


class CostSettings(BaseModel):
    """The warehouse's credit rate, the monthly budget and the spike rule of the cost guardrails (sql/06_cost.sql)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warehouse_size: Literal["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE"] = "XSMALL"
    monthly_credit_budget: float = Field(15.0, gt=0)  # the budget's spending limit; the resource monitor stops at 20
    warning_share: float = Field(0.8, gt=0, le=1)  # projected spend at this share of the budget is a warning
    spike_factor: float = Field(2.0, gt=1)  # a day above this many times the trailing average is a spike
    spike_window_days: int = Field(7, ge=1, le=30)
    spike_min_credits: float = Field(0.5, ge=0)  # below this a day is never a spike (noise on an idle warehouse)


class PipelineConfig(BaseModel):
    """Everything a run needs: names, dates, scale, where local data lives and which engine runs it."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    database: str = "C360"
    bronze_schema: str = "BRONZE"
    silver_schema: str = "SILVER"
    gold_schema: str = "GOLD"
    ops_schema: str = "OPS"
    warehouse: str = "C360_WH"
    as_of: date | None = None
    seed: int = Field(42, ge=0)
    customers: int = Field(DEFAULT_CUSTOMERS, ge=1, le=5_000_000)
    dirty_rate: float = Field(0.01, ge=0.0, le=0.2)
    home: Path = Field(default_factory=lambda: Path(os.environ.get("C360_HOME", ".c360")))
    engine: Literal["local", "snowflake"] = "local"
    connection: str | None = None
    source: Path | None = None
    retrain: bool = False
    segments: SegmentThresholds = SegmentThresholds()
    churn: ChurnSettings = ChurnSettings()
    cost: CostSettings = CostSettings()

    @field_validator("database", "bronze_schema", "silver_schema", "gold_schema", "ops_schema", "warehouse")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not value or not value.replace("_", "").isalnum() or value[0].isdigit():
            raise ValueError("must be a plain Snowflake identifier: letters, digits and _, not starting with a digit")
        return value.upper()

    @classmethod
    def build(cls, **settings: object) -> "PipelineConfig":
        """Validate settings (None means default) and raise ConfigError naming each bad setting."""
        clean = {key: value for key, value in settings.items() if value is not None}
        try:
            return cls(**clean)
        except ValidationError as error:
            raise ConfigError(describe_validation_error(error)) from None

    def schema(self, layer: str) -> str:
        """Fully qualified schema name for a layer (BRONZE, SILVER, GOLD or OPS)."""
        names = {
            "BRONZE": self.bronze_schema,
            "SILVER": self.silver_schema,
            "GOLD": self.gold_schema,
            "OPS": self.ops_schema,
        }
        return f"{self.database}.{names[layer.upper()]}"

    def table(self, layer: str, name: str) -> str:
        """Fully qualified table name, e.g. C360.GOLD.DIM_CUSTOMER."""
        return f"{self.schema(layer)}.{name.upper()}"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def raw_dir(self) -> Path:
        return self.source if self.source is not None else self.home / "raw"


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's error list into one line per setting: name, bad value, what is accepted."""
    lines = []
    for item in error.errors():
        setting = ".".join(str(part) for part in item["loc"]) or "config"
        accepted = item.get("ctx", {}).get("expected") or item["msg"]
        lines.append(f"setting '{setting}' = {item.get('input')!r} is invalid: {accepted}")
    return "; ".join(lines)
