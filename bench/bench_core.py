"""Benchmark: ingest → stage → dimensions → fact on the local engine; prints seconds and rows/s per step.

    python bench/bench_core.py [--customers 200] [--seed 42] [--home DIR]

The steps write the local database `<home>/C360.db`, as `c360 run` does; the home must be new (a
temporary directory by default, kept afterwards for inspection).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from c360_pipeline import engine, generator
from c360_pipeline.config import DEFAULT_CUSTOMERS, PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.steps import dimension_tables, fact_table, ingest, stage

STEPS = (
    ingest.run_ingest_bronze,
    stage.run_stage_silver,
    dimension_tables.run_dim_date,
    dimension_tables.run_dim_merchant_category,
    dimension_tables.run_dim_customer,
    fact_table.run_fct_transactions,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dirty-rate", type=float, default=0.01)
    parser.add_argument("--home", type=Path, help="working directory (default: a temporary one)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="c360-bench-core-"))
    if engine.database_file(home).exists() or (home / "raw").exists():
        print(f"{home} already holds data: the benchmark builds from scratch, pass a new --home", file=sys.stderr)
        raise SystemExit(2)

    started = time.perf_counter()
    world = generator.generate_world(home / "raw", customers=args.customers, seed=args.seed, dirty_rate=args.dirty_rate)
    print(f"generate: {world.transactions:,} transactions for {world.customers:,} customers in {time.perf_counter() - started:.1f} s")
    cfg = PipelineConfig.build(home=home, as_of=world.as_of, customers=args.customers, seed=args.seed)
    session = local_session(cfg.home)
    ingest.land_directory(session, cfg)  # the client lands the raw files; ingest loads them from the stage
    total = 0.0
    print(f"{'step':24s} {'rows in':>10s} {'rows out':>10s} {'rejected':>9s} {'seconds':>8s} {'rows/s':>9s}")
    try:
        for runner in STEPS:
            began = time.perf_counter()
            result = runner(session, cfg)
            seconds = time.perf_counter() - began
            total += seconds
            rows = max(result.rows_in, result.rows_out)
            print(f"{result.step:24s} {result.rows_in:>10,} {result.rows_out:>10,} {result.rows_rejected:>9,} "
                  f"{seconds:>8.1f} {rows / seconds if seconds else 0:>9,.0f}")
    finally:
        session.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'total':24s} {'':>10s} {'':>10s} {'':>9s} {total:>8.1f}   peak RSS {peak:,.0f} MB")
    print(f"database: {engine.database_file(cfg.home)}")


if __name__ == "__main__":
    main()
