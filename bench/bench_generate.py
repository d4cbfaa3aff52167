"""Benchmark the raw data generator: rows, seconds, rows per second and peak memory of one generate_world.

    python bench/bench_generate.py --customers 50000 --seed 1 --format csv --out /tmp/c360_bench
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from c360_pipeline.generator import generate_world  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time generate_world and report its throughput and peak RSS.")
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--dirty-rate", type=float, default=0.01)
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: a temporary one, removed after)")
    args = parser.parse_args(argv)

    def run(out: Path) -> None:
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        summary = generate_world(out, customers=args.customers, seed=args.seed, fmt=args.format, dirty_rate=args.dirty_rate)
        seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime - before.ru_utime + usage.ru_stime - before.ru_stime
        peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
        load = os.getloadavg()[0]
        size_mb = sum(p.stat().st_size for p in summary.files) / 1e6
        print(f"customers          {summary.customers:,} ({summary.customer_records:,} records)")
        print(f"transactions       {summary.transactions:,} rows in {len(summary.files) - 1} file(s), {size_mb:,.0f} MB")
        print(f"seconds            {seconds:.1f} wall, {cpu:.1f} CPU (both threads), load average {load:.1f} on {os.cpu_count()} CPUs")
        print(f"rows per second    {summary.transactions / seconds:,.0f}")
        print(f"peak RSS           {peak_mb:,.0f} MB")

    if args.out is not None:
        run(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp))


if __name__ == "__main__":
    main()
