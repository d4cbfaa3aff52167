"""`c360 bench`: run the benchmarks shipped under bench/ and let them print their figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rich.console import Console

BENCHMARKS = {
    "generate": ("bench_generate.py", ["--customers", "50000", "--seed", "1"]),
    "core": ("bench_core.py", []),
    "marts": ("bench_marts.py", []),
    "churn": ("bench_churn.py", []),
    "dag": ("bench_dag.py", []),
    "app": ("bench_app.py", []),
    "assistant": ("bench_assistant.py", []),
    "search": ("bench_search.py", []),
    "agent": ("bench_agent.py", []),
    "stream": ("bench_stream.py", []),
}


def bench_dir() -> Path:
    """bench/ beside src/ in a checkout (benchmarks are not part of the installed package)."""
    return Path(__file__).resolve().parents[2] / "bench"


def run_benchmarks(which: str, home: Path | None, console: Console, extra: list[str] | None = None) -> int:
    names = list(BENCHMARKS) if which == "all" else [which]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        console.print(f"[red]unknown benchmark {unknown[0]!r}[/]: choose one of {', '.join(BENCHMARKS)} or all")
        return 2
    failures = 0
    for name in names:
        script, arguments = BENCHMARKS[name]
        path = bench_dir() / script
        if not path.exists():
            console.print(f"[red]{path} not found[/]: `c360 bench` runs from a checkout of the repository")
            return 2
        home_option = ["--home", str(home / name)] if home is not None and "--home" in path.read_text() else []
        console.rule(f"bench {name}")
        options = list(extra or []) or arguments
        failures += subprocess.call([sys.executable, str(path), *options, *home_option]) != 0
    return 1 if failures else 0
