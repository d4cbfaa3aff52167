"""Training the churn model: a gradient-boosted classifier, cross-validated threshold, held-out evaluation.

The rows come from `transforms.churn_features.feature_rows`; whole customers are split between train and test
(no customer on both sides), the threshold is the best out-of-fold F1 whose precision reaches the seed's bar,
and the metrics row records the test-set evaluation at that threshold. Retraining is due monthly, or when asked.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from snowflake.snowpark.types import (
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline.config import ChurnSettings
from c360_pipeline.transforms.churn_features import FEATURE_COLUMNS

METRICS_SCHEMA = StructType(
    [
        StructField("MODEL_VERSION", StringType()),
        StructField("TRAINED_AT", TimestampType()),
        StructField("CUTOFF_DATE", DateType()),
        StructField("AS_OF_DATE", DateType()),
        StructField("N_TRAIN", LongType()),
        StructField("N_TEST", LongType()),
        StructField("POSITIVE_RATE", DoubleType()),
        StructField("F1", DoubleType()),
        StructField("PRECISION", DoubleType()),
        StructField("RECALL", DoubleType()),
        StructField("ROC_AUC", DoubleType()),
        StructField("PR_AUC", DoubleType()),
        StructField("THRESHOLD", DoubleType()),
        StructField("CONFUSION_MATRIX", StringType()),
        StructField("TOP_FEATURES", StringType()),
        StructField("CV_F1_MEAN", DoubleType()),
        StructField("CV_F1_STD", DoubleType()),
        StructField("FEATURE_COUNT", LongType()),
        StructField("ALGORITHM", StringType()),
        StructField("SEED", LongType()),
        StructField("N_LABELED", LongType()),
        StructField("HORIZON_DAYS", LongType()),
        StructField("INACTIVITY_DAYS", LongType()),
        StructField("DECLINE_PCT", DoubleType()),
        StructField("MIN_PRECISION", DoubleType()),
        StructField("THRESHOLD_RULE", StringType()),
        StructField("TRAINING_CUTOFFS", StringType()),
    ]
)


# --- training (pandas + scikit-learn on the customer-level frame) ------------------------------------

# The seed's bar for the held-out test metrics (seed 004 Phase 4A).
QUALITY_BAR: dict[str, float] = {"F1": 0.50, "PRECISION": 0.60, "RECALL": 0.40}


MIN_PRECISION = QUALITY_BAR["PRECISION"]  # the threshold rule: best F1 whose out-of-fold precision reaches this


TEST_SHARE = 0.25


CV_FOLDS = 5


TOP_FEATURE_COUNT = 10


IMPORTANCE_SAMPLE = 5_000  # training rows the permutation importance is measured on


ALGORITHM = "HistGradientBoostingClassifier"


def model_version(as_of: date, seed: int) -> str:
    """Deterministic version name: churn-<as_of yyyymmdd>-s<seed>."""
    return f"churn-{as_of:%Y%m%d}-s{seed}"


def make_classifier(seed: int) -> Any:
    """The churn classifier: shallow boosted trees, fixed iterations (no early stopping), seeded."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0,
        early_stopping=False, random_state=seed,
    )


def choose_threshold(labels: np.ndarray, scores: np.ndarray, min_precision: float = MIN_PRECISION) -> tuple[float, str]:
    """The probability cut-off with the best F1 among those with precision >= min_precision (best F1 overall if none)."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, thresholds = precision_recall_curve(labels, scores)
    precision, recall = precision[:-1], recall[:-1]  # the last point (recall 0) has no threshold
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    allowed = precision >= min_precision
    rule = f"best out-of-fold F1 with out-of-fold precision >= {min_precision:.2f}"
    if not allowed.any():
        allowed = np.ones_like(allowed)
        rule = f"best out-of-fold F1 (no threshold reached out-of-fold precision {min_precision:.2f})"
    best = int(np.argmax(np.where(allowed, f1, -1.0)))
    return float(thresholds[best]), rule


def sampling_errors(matrix: dict[str, int]) -> tuple[int, int, float | None, float | None]:
    """(churners, flagged, recall standard error, precision standard error) of a test confusion matrix.

    Binomial standard errors: with the ~40 churners of a 200-customer world's test split (10 training
    cut-offs), recall moves by about 0.08 from one split to the next. None where there is nothing to divide by."""
    churners, flagged = matrix["tp"] + matrix["fn"], matrix["tp"] + matrix["fp"]

    def error(hits: int, total: int) -> float | None:
        return math.sqrt(hits / total * (1 - hits / total) / total) if total else None

    return churners, flagged, error(matrix["tp"], churners), error(matrix["tp"], flagged)


@dataclass
class TrainedChurnModel:
    """A fitted classifier with the evaluation that goes to GOLD.CHURN_MODEL_METRICS and the model store."""

    model: Any
    metadata: dict[str, Any]
    sample_input: pd.DataFrame = field(repr=False)


def sample_customers(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    """At most about `max_rows` rows of `frame`, as all the rows of a seeded random sample of its customers
    (a customer's cut-offs stay together, as the customer-grouped splits need); `frame` itself when it fits."""
    if len(frame) <= max_rows:
        return frame
    customers = frame["CUSTOMER_ID"].drop_duplicates().sort_values()
    keep = customers.sample(frac=max_rows / len(frame), random_state=seed)
    return frame[frame["CUSTOMER_ID"].isin(keep)]


def training_examples(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Labeled rows of a CHURN_FEATURES frame in customer order: (X, y, customer ids)."""
    order = ["CUSTOMER_ID", "CUTOFF_DATE"] if "CUTOFF_DATE" in frame.columns else ["CUSTOMER_ID"]
    labeled = frame[frame["CHURN_LABEL"].notna()].sort_values(order).reset_index(drop=True)
    features = labeled[list(FEATURE_COLUMNS)].astype("float64")
    return features, labeled["CHURN_LABEL"].astype("int64").to_numpy(), labeled["CUSTOMER_ID"]


def train_churn_model(frame: pd.DataFrame, *, seed: int, as_of: date, cutoff: date, settings: ChurnSettings) -> TrainedChurnModel:
    """Fit on a stratified train split, pick the threshold on out-of-fold predictions, evaluate once on the test split."""
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime, so the limit below reaches it)
    from threadpoolctl import threadpool_limits

    # One thread: reproducible, and an OpenMP pool spinning beside a database's worker threads in the
    # same process (a procedure's runtime, the local engine) costs more than it gains.
    # threadpoolctl limits only the runtimes already loaded.
    with threadpool_limits(limits=1):
        return _train(frame, seed=seed, as_of=as_of, cutoff=cutoff, settings=settings)


def _train(frame: pd.DataFrame, *, seed: int, as_of: date, cutoff: date, settings: ChurnSettings) -> TrainedChurnModel:
    from sklearn.base import clone
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import (
        average_precision_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

    available = len(frame)
    frame = sample_customers(frame, settings.max_training_rows, seed)
    features, labels, customers = training_examples(frame)
    positives, negatives = int(labels.sum()), int(len(labels) - labels.sum())
    if min(positives, negatives) < CV_FOLDS * 2:
        raise ValueError(
            f"too few labeled customers to train at cut-off {cutoff}: {positives} churned, {negatives} retained "
            f"(need at least {CV_FOLDS * 2} of each); generate more customers or a longer history"
        )
    # Split by customer, stratified: a customer's rows at several cut-offs are all in train or all in
    # test (and in one cross-validation fold), so no customer is scored on what the model saw of it.
    groups = customers.to_numpy()
    outer = StratifiedGroupKFold(n_splits=round(1 / TEST_SHARE), shuffle=True, random_state=seed)
    train_index, test_index = next(outer.split(features, labels, groups))
    x_train, x_test = features.iloc[train_index], features.iloc[test_index]
    y_train, y_test = labels[train_index], labels[test_index]
    train_groups = groups[train_index]
    folds = StratifiedGroupKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    classifier = make_classifier(seed)
    out_of_fold = cross_val_predict(clone(classifier), x_train, y_train, groups=train_groups, cv=folds,
                                    method="predict_proba")[:, 1]
    threshold, rule = choose_threshold(y_train, out_of_fold)
    fold_f1 = [
        f1_score(y_train[index], out_of_fold[index] >= threshold, zero_division=0)
        for _, index in folds.split(x_train, y_train, train_groups)
    ]
    model = clone(classifier).fit(x_train, y_train)
    # The test split is used once, here, with the threshold fixed above.
    test_scores = model.predict_proba(x_test)[:, 1]
    predicted = test_scores >= threshold
    # Importance from a bounded sample of the training rows: the ranking settles long before all of them.
    sample = np.random.default_rng(seed).permutation(len(y_train))[:IMPORTANCE_SAMPLE]
    importance = permutation_importance(
        model, x_train.iloc[sample], y_train[sample], scoring="average_precision", n_repeats=5, random_state=seed
    )
    ranked = sorted(zip(FEATURE_COLUMNS, importance.importances_mean), key=lambda item: (-item[1], item[0]))
    metrics = {
        "n_labeled": len(labels),
        "n_labeled_available": available,
        "n_customers": int(len(np.unique(groups))),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "positive_rate": round(float(labels.mean()), 6),
        "f1": round(float(f1_score(y_test, predicted, zero_division=0)), 6),
        "precision": round(float(precision_score(y_test, predicted, zero_division=0)), 6),
        "recall": round(float(recall_score(y_test, predicted, zero_division=0)), 6),
        "roc_auc": round(float(roc_auc_score(y_test, test_scores)), 6),
        "pr_auc": round(float(average_precision_score(y_test, test_scores)), 6),
        "threshold": round(threshold, 6),
        "threshold_rule": rule,
        "confusion_matrix": {
            key: int(value)
            for key, value in zip(("tn", "fp", "fn", "tp"), confusion_matrix(y_test, predicted, labels=[0, 1]).ravel())
        },
        "cv_f1_mean": round(float(np.mean(fold_f1)), 6),
        "cv_f1_std": round(float(np.std(fold_f1)), 6),
        "top_features": [
            {"feature": name, "importance": round(float(value), 6)} for name, value in ranked[:TOP_FEATURE_COUNT]
        ],
    }
    metadata = {
        "version": model_version(as_of, seed),
        "algorithm": ALGORITHM,
        "as_of_date": as_of.isoformat(),
        "cutoff_date": cutoff.isoformat(),
        "training_cutoffs": sorted({str(day)[:10] for day in frame["CUTOFF_DATE"]}) if "CUTOFF_DATE" in frame else
        [cutoff.isoformat()],
        "seed": seed,
        "features": list(FEATURE_COLUMNS),
        "label": {
            "horizon_days": settings.horizon_days,
            "inactivity_days": settings.inactivity_days,
            "decline_pct": settings.decline_pct,
        },
        "min_precision": MIN_PRECISION,
        "hyperparameters": {k: v for k, v in classifier.get_params().items() if isinstance(v, (int, float, str, bool))},
        **metrics,
    }
    return TrainedChurnModel(model=model, metadata=metadata, sample_input=x_train.head(10).reset_index(drop=True))


def metrics_row(metadata: dict[str, Any], trained_at: datetime) -> pd.DataFrame:
    """The GOLD.CHURN_MODEL_METRICS row of a trained model (one row per model version)."""
    return pd.DataFrame(
        [
            {
                "MODEL_VERSION": metadata["version"],
                "TRAINED_AT": trained_at,
                "CUTOFF_DATE": date.fromisoformat(metadata["cutoff_date"]),
                "AS_OF_DATE": date.fromisoformat(metadata["as_of_date"]),
                "N_TRAIN": metadata["n_train"],
                "N_TEST": metadata["n_test"],
                "POSITIVE_RATE": metadata["positive_rate"],
                "F1": metadata["f1"],
                "PRECISION": metadata["precision"],
                "RECALL": metadata["recall"],
                "ROC_AUC": metadata["roc_auc"],
                "PR_AUC": metadata["pr_auc"],
                "THRESHOLD": metadata["threshold"],
                "CONFUSION_MATRIX": json.dumps(metadata["confusion_matrix"], sort_keys=True),
                "TOP_FEATURES": json.dumps(metadata["top_features"]),
                "CV_F1_MEAN": metadata["cv_f1_mean"],
                "CV_F1_STD": metadata["cv_f1_std"],
                "FEATURE_COUNT": len(metadata["features"]),
                "ALGORITHM": metadata["algorithm"],
                "SEED": metadata["seed"],
                "N_LABELED": metadata["n_labeled"],
                "HORIZON_DAYS": metadata["label"]["horizon_days"],
                "INACTIVITY_DAYS": metadata["label"]["inactivity_days"],
                "DECLINE_PCT": metadata["label"]["decline_pct"],
                "MIN_PRECISION": metadata["min_precision"],
                "THRESHOLD_RULE": metadata["threshold_rule"],
                "TRAINING_CUTOFFS": json.dumps(metadata.get("training_cutoffs", [metadata["cutoff_date"]])),
            }
        ]
    )


@dataclass(frozen=True)
class RetrainDecision:
    """Whether the train step fits a new model, and why."""

    train: bool
    reason: str


def retrain_decision(current: dict[str, Any] | None, as_of: date, settings: ChurnSettings, force: bool) -> RetrainDecision:
    """Train when forced, when there is no model, when its features differ, or when it is retrain_after_days old (by as_of)."""
    if force:
        return RetrainDecision(True, "retraining was requested")
    if current is None:
        return RetrainDecision(True, "no churn model yet")
    if list(current.get("features", [])) != list(FEATURE_COLUMNS):
        return RetrainDecision(True, f"model {current['version']} was trained on a different feature set")
    age = (as_of - date.fromisoformat(str(current["as_of_date"]))).days
    if age >= settings.retrain_after_days:
        return RetrainDecision(True, f"model {current['version']} is {age} days old (retrain after {settings.retrain_after_days})")
    return RetrainDecision(
        False,
        f"reusing model {current['version']}: {age} days old, retrained every {settings.retrain_after_days} days "
        "(pass --retrain to force)",
    )
