"""How often the churn model's held-out test meets the bar (F1 >= 0.50, precision >= 0.60, recall >= 0.40)
at a given world size: many seeds, every outer split, without running the whole pipeline.

    python bench/churn_bar_rate.py --customers 200 400 --seeds 1-15 [--cutoffs 10]

A pandas stand-in for the train step, for studying the generator and the training design quickly
(about 10 s per 200-customer world instead of 4 minutes through the pipeline):

- features: check_churn_signal's point-in-time features (spend, counts and categories per window,
  trend, volatility, tenure, card, declined shares), a subset of GOLD.CHURN_FEATURES, from clean
  generated files;
- examples: customers with approved spend in the 90 days before each cut-off, at `--cutoffs` cut-offs
  as_of - 90, - 120, ... (the pipeline's training_cutoffs), labeled like the pipeline;
- training: the pipeline's own classifier (`churn.make_classifier`), customer-grouped stratified
  4-fold outer split, 5-fold grouped CV on the training part, threshold by `churn.choose_threshold` on
  out-of-fold scores; each outer split's test part is scored once.

Every outer split is an evaluation (the pipeline uses the first), so `--seeds 1-15` gives 60. The
figures that matter: mean out-of-fold ROC AUC (how separable churners are) and the share of
evaluations that miss the bar. `bench/bench_churn.py` gives the real pipeline's figures for a few seeds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_churn_signal import churn_label, features, load_attempts, load_world  # noqa: E402

from c360_pipeline.config import ChurnSettings  # noqa: E402
from c360_pipeline.generator import generate_world  # noqa: E402
from c360_pipeline.ml.training import CV_FOLDS, QUALITY_BAR, TEST_SHARE, choose_threshold, make_classifier  # noqa: E402

BAR = {name.lower(): low for name, low in QUALITY_BAR.items()}


def examples(customers: int, seed: int, as_of: date, cutoffs: int) -> pd.DataFrame:
    """Labeled feature rows of one clean world at `cutoffs` cut-offs 30 days apart, latest as_of - 90."""
    with tempfile.TemporaryDirectory() as tmp:
        generate_world(Path(tmp), customers=customers, seed=seed, as_of=as_of, dirty_rate=0.0)
        people, tx = load_world(Path(tmp))
        attempts = load_attempts(Path(tmp))
    parts = []
    for back in range(90, 90 + 30 * cutoffs, 30):
        cutoff = pd.Timestamp(as_of - timedelta(days=back))
        label = churn_label(tx, cutoff)
        x = features(people, tx, cutoff, label.index.to_numpy(), attempts)
        labeled = x["spend_90"] > 0.005  # the pipeline labels customers with approved spend in the prior window
        parts.append(x[labeled].assign(CHURN_LABEL=label[labeled], CUTOFF=back).reset_index())
    return pd.concat(parts, ignore_index=True).sort_values(["customer_id", "CUTOFF"]).reset_index(drop=True)


def evaluations(frame: pd.DataFrame, seed: int) -> list[dict[str, float]]:
    """One evaluation per outer split: out-of-fold AUC and F1 on the training part, test metrics at the OOF threshold."""
    from sklearn.base import clone
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

    x = frame.drop(columns=["customer_id", "CHURN_LABEL", "CUTOFF"]).astype("float64")
    y = frame["CHURN_LABEL"].to_numpy()
    groups = frame["customer_id"].to_numpy()
    outer = StratifiedGroupKFold(n_splits=round(1 / TEST_SHARE), shuffle=True, random_state=seed)
    out = []
    for train, test in outer.split(x, y, groups):
        folds = StratifiedGroupKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
        model = make_classifier(seed)
        oof = cross_val_predict(clone(model), x.iloc[train], y[train], groups=groups[train], cv=folds,
                                method="predict_proba")[:, 1]
        threshold, _ = choose_threshold(y[train], oof)
        scores = clone(model).fit(x.iloc[train], y[train]).predict_proba(x.iloc[test])[:, 1]
        predicted = scores >= threshold
        out.append({
            "oof_auc": roc_auc_score(y[train], oof), "oof_f1": f1_score(y[train], oof >= threshold),
            "f1": f1_score(y[test], predicted, zero_division=0),
            "precision": precision_score(y[test], predicted, zero_division=0),
            "recall": recall_score(y[test], predicted, zero_division=0),
            "test_churners": int(y[test].sum()),
        })
    return out


def seed_list(text: str) -> list[int]:
    if "-" in text:
        first, last = map(int, text.split("-"))
        return list(range(first, last + 1))
    return [int(text)]


def main(argv: list[str] | None = None) -> int:
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[200])
    parser.add_argument("--seeds", type=seed_list, nargs="+", default=[list(range(1, 16))])
    parser.add_argument("--cutoffs", type=int, default=ChurnSettings().training_snapshots,
                        help="training cut-offs per world (default: churn.training_snapshots)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30), dest="as_of")
    args = parser.parse_args(argv)
    seeds = [s for group in args.seeds for s in group]
    for customers in args.customers:
        rows = []
        for seed in seeds:
            with threadpool_limits(limits=1):
                for split, result in enumerate(evaluations(examples(customers, seed, args.as_of, args.cutoffs), seed)):
                    rows.append({"seed": seed, "split": split, **result})
        table = pd.DataFrame(rows)
        miss = np.zeros(len(table), dtype=bool)
        below = {}
        for name, low in BAR.items():
            below[name] = table[name].to_numpy() < low
            miss |= below[name]
        first = table["split"].to_numpy() == 0
        print(f"{customers:,} customers, {len(seeds)} seeds x {table['split'].nunique()} splits, {args.cutoffs} cut-offs: "
              f"out-of-fold ROC AUC {table['oof_auc'].mean():.3f} (min {table['oof_auc'].min():.3f}), "
              f"test F1 {table['f1'].mean():.3f} (min {table['f1'].min():.3f}), "
              f"{table['test_churners'].mean():.1f} churner rows per test split; "
              f"bar missed in {miss.sum()} of {len(table)} evaluations ({miss.mean():.0%}); "
              f"first split (the pipeline's) missed for {miss[first].sum()} of {first.sum()} seeds "
              f"({', '.join(str(s) for s in table.loc[miss & first, 'seed']) or 'none'}); below the bar: "
              + ", ".join(f"{name} {int(flags.sum())}" for name, flags in below.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
