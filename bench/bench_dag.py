"""Benchmark the DAG on the local engine: a full build, then one incremental nightly day, and their ratio.

    python bench/bench_dag.py --customers 1000 --seed 42 [--home /tmp/c360_bench_dag] [--profile]

Prints per-step seconds and rows for both runs (the figures the issue's targets are checked by:
full DAG <= 5 minutes at 1,000 customers; an incremental day a small fraction of it).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from c360_pipeline.config import PipelineConfig  # noqa: E402
from c360_pipeline.generator import generate_world  # noqa: E402
from c360_pipeline.runner import RunSummary, run_nightly, run_pipeline  # noqa: E402
from c360_pipeline.sessions import local_session  # noqa: E402


def print_steps(title: str, summary: RunSummary) -> None:
    print(f"\n{title}: {summary.seconds:.1f} s, ok={summary.ok}")
    print(f"  {'step':<22} {'status':<10} {'rows in':>10} {'rows out':>10} {'seconds':>8}")
    for result in summary.results:
        print(f"  {result.step:<22} {result.status:<10} {result.rows_in:>10,} {result.rows_out:>10,} {result.seconds:>8.1f}")
    if not summary.ok:
        print(f"  {summary.headline()}")


def bench(home: Path, customers: int, seed: int, as_of: date) -> dict[str, float]:
    started = time.perf_counter()
    world = generate_world(home / "raw", customers=customers, seed=seed, as_of=as_of)
    generated = time.perf_counter() - started
    print(f"generated {world.customers:,} customers, {world.transactions:,} transactions in {generated:.1f} s")
    cfg = PipelineConfig.build(home=home, customers=customers, seed=seed, as_of=as_of)
    session = local_session()
    try:
        full = run_pipeline(cfg, session=session)
        print_steps("full DAG", full)
        nightly = run_nightly(cfg, days=1, session=session)
        day = nightly.days[0]
        print_steps(f"incremental day {day.as_of}", day)
    finally:
        session.close()
    # A fresh process-like start for the day run would add the Parquet restore; the same session is what
    # a nightly Task sees on Snowflake (tables already there), so the ratio compares like with like.
    figures = {
        "customers": customers,
        "transactions": world.transactions,
        "full_seconds": full.seconds,
        "incremental_seconds": day.seconds,
        "ratio": day.seconds / full.seconds if full.seconds else float("nan"),
        "full_ok": float(full.ok),
        "incremental_ok": float(day.ok),
    }
    print(f"\nfull DAG             {figures['full_seconds']:8.1f} s  ({world.transactions:,} transactions)")
    print(f"incremental one day  {figures['incremental_seconds']:8.1f} s")
    print(f"ratio                {figures['ratio']:8.3f}  (incremental / full)")
    return figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description="Time the full DAG and one incremental nightly day on the local engine.")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30), dest="as_of")
    parser.add_argument("--home", type=Path, default=None, help="home directory (default: a temporary one, removed after)")
    parser.add_argument("--profile", action="store_true", help="print the 25 most expensive functions (cProfile)")
    args = parser.parse_args(argv)

    def run(home: Path) -> dict[str, float]:
        if not args.profile:
            return bench(home, args.customers, args.seed, args.as_of)
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        figures = profiler.runcall(bench, home, args.customers, args.seed, args.as_of)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return figures

    if args.home is not None:
        return run(args.home)
    with tempfile.TemporaryDirectory(prefix="c360-bench-dag-") as directory:
        return run(Path(directory))


if __name__ == "__main__":
    main()
