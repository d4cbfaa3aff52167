"""The churn model's held-out metrics on generated worlds of several seeds, through the real pipeline.

    python bench/bench_churn.py [--customers 200] [--seeds 1 2 3] [--home DIR]

For each seed: a world is generated, `c360 run` is done on the local engine in that seed's home
(`<home>/C360.db`; every step, so the
model is trained by the train_churn_model step exactly as in a nightly run: point-in-time features
at as_of - horizon, stratified split, threshold chosen on out-of-fold validation scores, metrics on
the held-out test customers), and the row of GOLD.CHURN_MODEL_METRICS is printed next to the
seed's bar (F1 >= 0.50, precision >= 0.60, recall >= 0.40). Exits non-zero when a seed misses it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from c360_pipeline.config import DEFAULT_CUSTOMERS, PipelineConfig  # noqa: E402
from c360_pipeline.engine.sessions import local_session  # noqa: E402
from c360_pipeline.engine.warehouse import Warehouse  # noqa: E402
from c360_pipeline.generator import generate_world  # noqa: E402
from c360_pipeline.ml.training import QUALITY_BAR  # noqa: E402
from c360_pipeline.orchestration.runner import run_pipeline  # noqa: E402
from c360_pipeline.steps.ingest import land_directory  # noqa: E402

COLUMNS = ("F1", "PRECISION", "RECALL", "ROC_AUC", "PR_AUC", "THRESHOLD", "N_TRAIN", "N_TEST", "POSITIVE_RATE")


def one_seed(home: Path, customers: int, seed: int, as_of: date) -> dict[str, float] | None:
    generate_world(home / "raw", customers=customers, seed=seed, as_of=as_of)
    cfg = PipelineConfig.build(home=home, customers=customers, seed=seed, as_of=as_of)
    session = local_session(cfg.home)
    try:
        started = time.perf_counter()
        land_directory(session, cfg)
        summary = run_pipeline(cfg, session=session)
        if not summary.ok:
            print(f"seed {seed}: {summary.headline()}")
            return None
        metrics = Warehouse.of(session, cfg).to_pandas("GOLD", "CHURN_MODEL_METRICS")
    finally:
        session.close()
    row = metrics.sort_values("TRAINED_AT").iloc[-1]
    figures = {name: float(row[name]) for name in COLUMNS}
    figures["seconds"] = time.perf_counter() - started
    figures["version"] = row["MODEL_VERSION"]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Churn model metrics for several seeds through the real pipeline.")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30), dest="as_of")
    parser.add_argument("--home", type=Path, default=None, help="keep each seed's home under DIR/seed-N")
    args = parser.parse_args(argv)

    results: dict[int, dict[str, float] | None] = {}
    with tempfile.TemporaryDirectory(prefix="c360-bench-churn-") as directory:
        root = args.home or Path(directory)
        for seed in args.seeds:
            results[seed] = one_seed(root / f"seed-{seed}", args.customers, seed, args.as_of)
            figures = results[seed]
            if figures is not None:
                print(f"seed {seed}: {figures['version']}  F1 {figures['F1']:.3f}  precision {figures['PRECISION']:.3f}  "
                      f"recall {figures['RECALL']:.3f}  ({figures['seconds']:.0f} s)", flush=True)

    print(f"\n{args.customers:,} customers per world, as of {args.as_of}; held-out test customers")
    print(f"  {'seed':>4} " + " ".join(f"{name:>13}" for name in COLUMNS) + "  meets bar")
    failures = 0
    for seed, figures in results.items():
        if figures is None:
            failures += 1
            print(f"  {seed:>4} pipeline failed")
            continue
        ok = all(figures[name] >= low for name, low in QUALITY_BAR.items())
        failures += not ok
        cells = " ".join(f"{figures[n]:>13.0f}" if n.startswith("N_") else f"{figures[n]:>13.3f}" for n in COLUMNS)
        print(f"  {seed:>4} {cells}  {'yes' if ok else 'NO'}")
    print("  bar: " + ", ".join(f"{name} >= {low:.2f}" for name, low in QUALITY_BAR.items()))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
