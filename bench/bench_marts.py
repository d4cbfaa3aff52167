"""Benchmark: the marts (segments, hero metrics, profile) on the local engine; prints wall and CPU seconds per mart.

    python bench/bench_marts.py --home DIR            # a home whose GOLD star schema is built (c360 run)
    python bench/bench_marts.py --customers 1000      # generate a world and build the star schema first

CPU seconds are this process's own time: on a busy machine wall time also counts other work.
Each mart runs in a fresh session on the home's local database (`<home>/C360.db`), as a step
procedure does, so its figure includes opening it. The segment shares on generated data are printed
against the ranges of seed 003 (§2.3).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from c360_pipeline import engine, generator
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.orchestration.dag import STEPS
from c360_pipeline.steps import marts

CORE_STEPS = ("ingest_bronze", "stage_silver", "dim_date", "dim_merchant_category", "dim_customer", "fct_transactions")
MARTS = (marts.run_customer_segments, marts.run_hero_metrics, marts.run_customer_360_profile)
SEED_RANGES = {
    "High-Value Travelers": (10, 15),
    "Declining": (5, 10),
    "New & Growing": (10, 15),
    "Budget-Conscious": (20, 25),
    "Stable Mid-Spenders": (40, 50),
}


def build_core(home: Path, customers: int, seed: int) -> PipelineConfig:
    """Generate a world into `home` and run the core steps through the fact."""
    world = generator.generate_world(home / "raw", customers=customers, seed=seed, dirty_rate=0.0)
    cfg = PipelineConfig.build(home=home, as_of=world.as_of, customers=customers, seed=seed, dirty_rate=0.0)
    session = local_session(cfg.home)
    try:
        for step in STEPS:
            if step.name in CORE_STEPS:
                began = time.perf_counter()
                result = step.load_runner()(session, cfg)
                print(f"  core {result.step:22s} {result.rows_out:>9,} rows {time.perf_counter() - began:>7.1f} s")
    finally:
        session.close()
    return cfg


def fact_built(home: Path) -> bool:
    """Whether the home's local database has GOLD.FCT_TRANSACTIONS (read-only, closed at once)."""
    if not engine.database_file(home).exists():
        return False
    session = engine.reader_session(home)
    try:
        return Warehouse.of(session, PipelineConfig.build(home=home)).exists("GOLD", "FCT_TRANSACTIONS")
    finally:
        session.close()


def as_of_of(home: Path) -> object:
    from c360_pipeline.cli import _manifest_as_of

    return _manifest_as_of(home / "raw")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="home with GOLD.FCT_TRANSACTIONS built; else a world is generated")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", dest="as_of", help="as-of date (default: the generated data's last day)")
    args = parser.parse_args()

    if args.home is not None and fact_built(args.home):
        home = args.home
        cfg = PipelineConfig.build(home=home, as_of=args.as_of or as_of_of(home))
    else:
        home = args.home or Path(tempfile.mkdtemp(prefix="c360-bench-marts-"))
        print(f"building the star schema for {args.customers:,} customers in {home}")
        cfg = build_core(home, args.customers, args.seed)

    print(f"{'mart':24s} {'rows out':>10s} {'wall s':>8s} {'cpu s':>8s}  parts")
    wall_total = cpu_total = 0.0
    for runner in MARTS:
        wall, cpu = time.perf_counter(), time.process_time()
        session = local_session(cfg.home)
        try:
            result = runner(session, cfg)
        finally:
            session.close()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall_total, cpu_total = wall_total + wall, cpu_total + cpu
        parts = result.details.get("seconds_by_part", "")
        print(f"{result.step:24s} {result.rows_out:>10,} {wall:>8.1f} {cpu:>8.1f}  {parts}")
    print(f"{'total':24s} {'':>10s} {wall_total:>8.1f} {cpu_total:>8.1f}")

    session = engine.reader_session(cfg.home)
    try:
        segments = Warehouse.of(session, cfg).to_pandas("GOLD", "CUSTOMER_SEGMENTS")
    finally:
        session.close()
    shares = segments["CUSTOMER_SEGMENT"].value_counts(normalize=True) * 100
    print(f"\nsegments of {len(segments):,} customers as of {cfg.as_of} (seed 003 range):")
    for name, (low, high) in SEED_RANGES.items():
        share = float(shares.get(name, 0.0))
        verdict = "ok" if low <= share <= high else "OUT OF RANGE"
        print(f"  {name:22s} {share:5.1f}%  ({low}-{high}%)  {verdict}")


if __name__ == "__main__":
    main()
