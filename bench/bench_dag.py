"""Benchmark the DAG on the local engine: a full build, then one incremental nightly day, their ratio and peak RSS.

    python bench/bench_dag.py --customers 1000 [50000 ...] [--seed 42] [--home DIR]

Per scale, in a fresh home `<DIR>/<N>-customers` (a temporary directory, removed after, without --home),
three child processes run one after the other, as a user would run them:

    c360 generate --out HOME/raw --customers N --seed S --as-of D    the source system's files (not part of the DAG figure)
    c360 run --home HOME --customers N --seed S --as-of D            the full DAG, from an empty database
    c360 generate --from HOME/raw --days 1                           the next day's files (not part of the nightly figure)
    c360 run --home HOME --customers N --seed S                      one incremental nightly day: lands the new
                                                                     files and runs the DAG on them

Each is timed by wall clock (process start and imports included) and its peak RSS is taken from the
child's own rusage (`os.wait4`; on Linux that covers the processes it waited for too). The peak RSS of a
scale is the largest child's plus this process's own (`RUSAGE_SELF`), which bounds what ran at once.

Targets checked: full DAG at 1,000 customers <= 120 s; a nightly day <= 0.15 of the full build;
full DAG at 50,000 customers <= 15 minutes with peak RSS <= 12 GiB. Exits 1 when a run fails or a
target applicable to the scales run is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
GIB = 1024**3
FULL_SECONDS_AT = {1_000: 120.0, 50_000: 15 * 60.0}
PEAK_RSS_AT = {50_000: 12 * GIB}
NIGHTLY_RATIO = 0.15


@dataclass
class Child:
    seconds: float
    exit_code: int
    peak_rss: int  # bytes


def run_child(arguments: list[str]) -> Child:
    """Run `c360 ARGUMENTS` in a child process; its wall seconds, exit code and peak RSS."""
    command = [sys.executable, "-m", "c360_pipeline.cli", *arguments]
    print(f"\n$ c360 {' '.join(arguments)}", flush=True)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen, so it does not wait again
    return Child(seconds, process.returncode, usage.ru_maxrss * 1024)  # ru_maxrss is KiB on Linux


def self_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def bench(home: Path, customers: int, seed: int, as_of: date) -> dict[str, float]:
    scale = ["--customers", str(customers), "--seed", str(seed)]
    generated = run_child(["generate", "--out", str(home / "raw"), *scale, "--as-of", as_of.isoformat()])
    full = night = None
    if generated.exit_code == 0:
        full = run_child(["run", "--home", str(home), *scale, "--as-of", as_of.isoformat()])
    delivered = None
    if full is not None and full.exit_code == 0:
        # The night's delivery, as the source system writes it, then the nightly run that lands and stages it
        # (`c360 run --days 1` does both in one process).
        delivered = run_child(["generate", "--from", str(home / "raw"), "--days", "1"])
    if delivered is not None and delivered.exit_code == 0:
        night = run_child(["run", "--home", str(home), *scale])
    children = [c for c in (generated, full, delivered, night) if c is not None]
    ok = all(c.exit_code == 0 for c in children) and night is not None
    nan = float("nan")
    return {
        "customers": customers,
        "generate_seconds": generated.seconds,
        "full_seconds": full.seconds if full else nan,
        "nightly_seconds": night.seconds if night else nan,
        "ratio": night.seconds / full.seconds if night and full and full.seconds else nan,
        "peak_rss": max(c.peak_rss for c in children) + self_rss(),
        "full_rss": full.peak_rss if full else nan,
        "nightly_rss": night.peak_rss if night else nan,
        "ok": float(ok),
    }


def verdicts(figures: dict[str, float]) -> list[str]:
    """The targets that apply at this scale, each with ok / MISSED."""
    out = []
    customers = int(figures["customers"])
    if customers in FULL_SECONDS_AT:
        limit = FULL_SECONDS_AT[customers]
        out.append(f"full DAG {figures['full_seconds']:.1f} s <= {limit:.0f} s: "
                   f"{'ok' if figures['full_seconds'] <= limit else 'MISSED'}")
    out.append(f"nightly/full {figures['ratio']:.3f} <= {NIGHTLY_RATIO}: {'ok' if figures['ratio'] <= NIGHTLY_RATIO else 'MISSED'}")
    if customers in PEAK_RSS_AT:
        limit = PEAK_RSS_AT[customers]
        out.append(f"peak RSS {figures['peak_rss'] / GIB:.2f} GiB <= {limit / GIB:.0f} GiB: "
                   f"{'ok' if figures['peak_rss'] <= limit else 'MISSED'}")
    return out


def report(results: list[dict[str, float]]) -> bool:
    print(f"\n{'customers':>10} {'generate s':>11} {'full DAG s':>11} {'nightly s':>10} {'ratio':>7} "
          f"{'full RSS MiB':>13} {'nightly RSS MiB':>16} {'peak RSS MiB':>13}  ok")
    passed = True
    for f in results:
        print(f"{int(f['customers']):>10,} {f['generate_seconds']:>11.1f} {f['full_seconds']:>11.1f} "
              f"{f['nightly_seconds']:>10.1f} {f['ratio']:>7.3f} {f['full_rss'] / 2**20:>13,.0f} "
              f"{f['nightly_rss'] / 2**20:>16,.0f} {f['peak_rss'] / 2**20:>13,.0f}  {'yes' if f['ok'] else 'NO'}")
        passed &= bool(f["ok"])
    print("\ntargets (peak RSS = largest child + this process):")
    for f in results:
        for line in verdicts(f) if f["ok"] else ["a run failed: see its output above"]:
            print(f"  {int(f['customers']):>7,} customers  {line}")
            passed &= "MISSED" not in line
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the full DAG and one incremental nightly day on the local engine.")
    parser.add_argument("--customers", type=int, nargs="+", default=[1000], help="one or more scales (default: 1000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30), dest="as_of")
    parser.add_argument("--home", type=Path, default=None,
                        help="keep each scale's home in DIR/<N>-customers (default: a temporary directory, removed after)")
    args = parser.parse_args(argv)

    def run_all(root: Path) -> bool:
        results = []
        for customers in args.customers:
            home = root / f"{customers}-customers"
            if home.exists() and any(home.iterdir()):
                print(f"{home} is not empty: a full build needs a fresh home (remove it or pick another --home)",
                      file=sys.stderr)
                return False
            results.append(bench(home, customers, args.seed, args.as_of))
        return report(results)

    if args.home is not None:
        return 0 if run_all(args.home) else 1
    with tempfile.TemporaryDirectory(prefix="c360-bench-dag-") as directory:
        return 0 if run_all(Path(directory)) else 1


if __name__ == "__main__":
    sys.exit(main())
