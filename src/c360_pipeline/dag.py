"""The pipeline DAG, declared once: steps, their dependencies, runners and procedure names.

Both the Snowflake Task DAG (deployed by `c360 deploy`) and the local runner behind `c360 run`
are built from `STEPS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Step:
    """One node of the DAG: what it runs, what it waits for, and its stored procedure."""

    name: str
    runner: str  # "module:function" of run_<step>(session, cfg) -> StepResult
    depends_on: tuple[str, ...] = ()
    description: str = ""

    @property
    def procedure(self) -> str:
        return f"{self.name.upper()}_SP"

    def load_runner(self) -> Callable:
        module, function = self.runner.split(":")
        return getattr(importlib.import_module(module), function)


STEPS: tuple[Step, ...] = (
    Step("ingest_bronze", "c360_pipeline.bronze:run_ingest_bronze", (), "load new raw files into BRONZE"),
    Step("stage_silver", "c360_pipeline.silver:run_stage_silver", ("ingest_bronze",), "clean, type, dedupe; rejects"),
    Step("dim_date", "c360_pipeline.gold:run_dim_date", ("stage_silver",), "calendar of the data range"),
    Step("dim_merchant_category", "c360_pipeline.gold:run_dim_merchant_category", ("stage_silver",), "50 categories"),
    Step("dim_customer", "c360_pipeline.gold:run_dim_customer", ("stage_silver",), "SCD Type 2 customers"),
    Step(
        "fct_transactions",
        "c360_pipeline.gold:run_fct_transactions",
        ("dim_date", "dim_merchant_category", "dim_customer"),
        "one row per transaction",
    ),
)

STEP_BY_NAME: dict[str, Step] = {step.name: step for step in STEPS}


def topological_order(steps: tuple[Step, ...] = STEPS) -> list[Step]:
    """Steps in an order that respects every dependency (declaration order breaks ties)."""
    done: set[str] = set()
    ordered: list[Step] = []
    pending = list(steps)
    while pending:
        ready = [s for s in pending if all(d in done for d in s.depends_on)]
        if not ready:
            raise ValueError(f"the DAG has a cycle among {[s.name for s in pending]}")
        for step in ready:
            ordered.append(step)
            done.add(step.name)
            pending.remove(step)
    return ordered


def downstream_of(name: str, steps: tuple[Step, ...] = STEPS) -> set[str]:
    """Every step that depends, directly or not, on `name`."""
    found: set[str] = set()
    frontier = {name}
    while frontier:
        frontier = {s.name for s in steps if set(s.depends_on) & frontier} - found
        found |= frontier
    return found
