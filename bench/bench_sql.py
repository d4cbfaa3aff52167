"""Benchmark: what each DAG step sends to the warehouse — statements, SQL characters, temporary tables.

    python bench/bench_sql.py [--customers 1000] [--seed 42] [--days 580] [--home DIR]

Generates a world into a fresh home (a temporary directory by default), lands its files and runs every
step of the DAG in order on the local engine, recording each step's statements from Snowpark's own query
log (`session.query_history`, describe queries counted apart). Snowpark compiles the same Snowflake SQL for
an account, so these are the figures a warehouse would receive: per step the statements executed, the
schema lookups (DESCRIBE), the characters of SQL sent, the largest statement and the temporary tables
created. Run it at two `--days` (history lengths) to see which statements grow with history.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from c360_pipeline import generator
from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.orchestration.dag import STEPS
from c360_pipeline.steps.ingest import land_directory

_TEMPORARY = re.compile(r"(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SCOPED\s+)?TEMP(?:ORARY)?\s+TABLE")


@dataclass
class StepSql:
    step: str
    statements: int
    describes: int
    characters: int
    largest: int
    temporary_tables: int


def measure(session, cfg: PipelineConfig, step) -> StepSql:
    with session.query_history(include_describe=True) as history:
        step.load_runner()(session, cfg)
    executed = [q.sql_text for q in history.queries if not q.is_describe]
    return StepSql(
        step.name,
        statements=len(executed),
        describes=len(history.queries) - len(executed),
        characters=sum(len(t) for t in executed),
        largest=max((len(t) for t in executed), default=0),
        temporary_tables=sum(1 for t in executed if _TEMPORARY.match(t)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=generator.DEFAULT_DAYS, help="days of history to generate")
    parser.add_argument("--home", type=Path, help="a new home directory (default: a temporary one)")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="c360-bench-sql-"))
    world = generator.generate_world(home / "raw", customers=args.customers, seed=args.seed, days=args.days)
    cfg = PipelineConfig.build(home=home, as_of=world.as_of, customers=args.customers, seed=args.seed)
    session = local_session(cfg.home)
    try:
        land_directory(session, cfg)
        rows = [measure(session, cfg, step) for step in STEPS]
    finally:
        session.close()

    print(f"\n{args.customers:,} customers, {args.days} days of history, home {home}")
    header = f"{'step':24s}{'statements':>11s}{'describes':>11s}{'SQL chars':>12s}{'largest':>10s}{'temp tables':>13s}"
    print(header)
    for r in rows:
        print(f"{r.step:24s}{r.statements:>11,}{r.describes:>11,}{r.characters:>12,}{r.largest:>10,}{r.temporary_tables:>13,}")
    print(f"{'all steps':24s}{sum(r.statements for r in rows):>11,}{sum(r.describes for r in rows):>11,}"
          f"{sum(r.characters for r in rows):>12,}{max(r.largest for r in rows):>10,}"
          f"{sum(r.temporary_tables for r in rows):>13,}")


if __name__ == "__main__":
    main()
