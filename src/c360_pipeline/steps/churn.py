"""Steps churn_features, train_churn_model and score_churn."""

from __future__ import annotations

import time
from datetime import date, datetime
from collections.abc import Sequence
from typing import Any

from snowflake.snowpark import DataFrame, Session
from snowflake.snowpark import functions as F

from c360_pipeline.catalog import (
    RISK_CATEGORIES,
)
from c360_pipeline.config import ConfigError, PipelineConfig
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.ml.scoring import PREDICTIONS_SCHEMA, churn_predictions, churn_probabilities
from c360_pipeline.ml.training import METRICS_SCHEMA, metrics_row, retrain_decision, sampling_errors, train_churn_model
from c360_pipeline.steps import StepResult
from c360_pipeline.transforms.churn_features import (
    CUTOFFS_SCHEMA,
    FEATURE_COLUMNS,
    FEATURES_SCHEMA,
    MONTH_DAYS,
    MONTHS,
    check_settings,
    churn_features,
    churn_labels,
    classified_transactions,
    customers_at,
    cutoff_table,
    feature_rows,
    period_length,
    period_totals,
    training_cutoff,
    training_cutoffs,
    window_totals,
)


def resolve_as_of(warehouse: Warehouse, cfg: PipelineConfig) -> date:
    """The run's as_of: the configured day, else the last transaction day in the fact (never the clock)."""
    if cfg.as_of is not None:
        return cfg.as_of
    last = warehouse.read("GOLD", "FCT_TRANSACTIONS").agg(F.max(F.to_date("TRANSACTION_DATE")).alias("D")).collect()[0]["D"]
    if last is None:
        raise ConfigError("setting 'as_of' is required: GOLD.FCT_TRANSACTIONS is empty; pass --as-of YYYY-MM-DD")
    return last


def replace_rows(warehouse: Warehouse, rows: DataFrame, columns: Sequence[str], table: str, column: str,
                 values: list[Any]) -> None:
    """Write rows (built to have `columns`, in that order) into GOLD.<table> in place of the rows whose
    `column` is in `values` (re-runs never duplicate).

    Uncounted: the caller counts the rows per value from the table (one query, which it makes anyway)."""
    if not warehouse.exists("GOLD", table):
        warehouse.write(rows, "GOLD", table)
        return
    existing = warehouse.read("GOLD", table)
    if [f.name for f in existing.schema.fields] != list(columns):
        # The columns changed (a new feature set): rows of the old layout cannot be kept beside the new.
        warehouse.write(rows, "GOLD", table)
        return
    warehouse.session.table(warehouse.name("GOLD", table)).delete(F.col(column).isin(values))
    warehouse.insert(rows, "GOLD", table, columns=columns)


def run_churn_features(session: Session, cfg: PipelineConfig) -> StepResult:
    """GOLD.CHURN_FEATURES rows at as_of (for scoring) and, when a model is due, at the training cut-offs (with labels).

    Training is monthly (`churn.retrain_after_days`), so on the other nights only the scoring cut-off's
    features are computed: the train step will reuse the current model.
    """
    from c360_pipeline.ml.model_store import store_for

    started = time.perf_counter()
    check_settings(cfg.churn)
    warehouse = Warehouse.of(session, cfg)
    as_of = resolve_as_of(warehouse, cfg)
    decision = retrain_decision(store_for(session, cfg).latest(on_or_before=as_of), as_of, cfg.churn, cfg.retrain)
    length = period_length(cfg.churn)
    transactions = classified_transactions(warehouse.read("GOLD", "FCT_TRANSACTIONS"),
                                           warehouse.read("GOLD", "DIM_MERCHANT_CATEGORY"))
    # Read by the features, the labels and the history check below: computed once.
    periods = period_totals(transactions, as_of, length).cache_result()
    cutoffs = training_cutoffs(as_of, cfg.churn) if decision.train else []
    # A cut-off whose six-month look-back starts before the data would teach the model that everyone's
    # history is short; the latest is kept regardless (a young warehouse still gets a model).
    oldest = periods.agg(F.max("PERIOD").alias("P")).collect()[0]["P"]
    history = int(oldest) + 1 if oldest is not None else 0
    short = [c for c in cutoffs[1:] if (as_of - c).days // length + MONTHS * MONTH_DAYS // length > history]
    cutoffs = [c for c in cutoffs if c not in short]
    every = warehouse.dataframe(cutoff_table([*cutoffs, as_of], as_of, length), CUTOFFS_SCHEMA)
    customers = warehouse.read("GOLD", "DIM_CUSTOMER")
    features = churn_features(window_totals(periods, every, length), customers_at(customers, every))
    labels = None  # no training cut-offs (the model is reused tonight): every label is null
    if cutoffs:
        training = warehouse.dataframe(cutoff_table(cutoffs, as_of, length, cfg.churn.horizon_days), CUTOFFS_SCHEMA)
        labels = churn_labels(periods, training, cfg.churn, length)
    rows = feature_rows(features, labels)
    replace_rows(warehouse, rows, FEATURES_SCHEMA.names, "CHURN_FEATURES", "CUTOFF_DATE", [*cutoffs, as_of])
    counts = {
        row["CUTOFF_DATE"]: row
        for row in warehouse.read("GOLD", "CHURN_FEATURES")
        .filter(F.col("CUTOFF_DATE").isin([*cutoffs, as_of]))
        .group_by("CUTOFF_DATE")
        .agg(F.count(F.lit(1)).alias("N"), F.count("CHURN_LABEL").alias("LABELED"), F.sum("CHURN_LABEL").alias("CHURNED"))
        .collect()
    }
    training_rows = sum(int(counts[c]["N"]) for c in cutoffs if c in counts)
    labeled = sum(int(counts[c]["LABELED"]) for c in cutoffs if c in counts)
    churned = sum(int(counts[c]["CHURNED"] or 0) for c in cutoffs if c in counts)
    scoring_rows = int(counts[as_of]["N"]) if as_of in counts else 0
    written = training_rows + scoring_rows
    training_text = (
        f"{training_rows} customer rows at {len(cutoffs)} training cut-off(s) {cutoffs[-1]}..{cutoffs[0]} "
        f"({labeled} labeled, {churned} churned, {training_rows - labeled} without a prior window"
        + (f"; {len(short)} earlier cut-off(s) left out: the data starts less than {MONTHS * MONTH_DAYS} days "
           f"before them" if short else "")
        + ") and "
        if decision.train else f"no training rows ({decision.reason}); "
    )
    return StepResult(
        "churn_features",
        rows_in=training_rows + scoring_rows,
        rows_out=written,
        seconds=time.perf_counter() - started,
        message=f"{training_text}{scoring_rows} customers at {as_of}; {len(FEATURE_COLUMNS)} features",
        details={
            "cutoff_date": cutoffs[0] if decision.train else None, "training_cutoffs": cutoffs,
            "cutoffs_without_history": short,
            "as_of_date": as_of, "labeled": labeled,
            "churned": churned, "training_rows": decision.train,
        },
    )


def run_train_churn_model(session: Session, cfg: PipelineConfig) -> StepResult:
    """Train, evaluate and store the churn model when due (monthly by as_of) or forced; else reuse the current one."""
    from c360_pipeline.ml.model_store import store_for

    started = time.perf_counter()
    check_settings(cfg.churn)
    warehouse = Warehouse.of(session, cfg)
    as_of = resolve_as_of(warehouse, cfg)
    cutoff = training_cutoff(as_of, cfg.churn)
    store = store_for(session, cfg)
    decision = retrain_decision(store.latest(on_or_before=as_of), as_of, cfg.churn, cfg.retrain)
    if not decision.train:
        # Reusing the current model is this step succeeding (scoring goes on with it); "skipped" means
        # "not run because an upstream step failed" and would stop the steps downstream.
        return StepResult("train_churn_model", status="succeeded", seconds=time.perf_counter() - started,
                          message=decision.reason, details={"reused_model": True})
    frame = (
        warehouse.read("GOLD", "CHURN_FEATURES")
        .filter(F.col("CUTOFF_DATE").isin(training_cutoffs(as_of, cfg.churn)) & F.col("CHURN_LABEL").is_not_null())
    )
    frame = frame.to_pandas()
    if frame.empty:
        raise LookupError(
            f"GOLD.CHURN_FEATURES has no labeled rows at cut-off {cutoff}; run the churn_features step for as_of {as_of} first"
        )
    trained = train_churn_model(frame, seed=cfg.seed, as_of=as_of, cutoff=cutoff, settings=cfg.churn)
    trained_at = datetime.now().replace(microsecond=0)
    trained.metadata["trained_at"] = trained_at.isoformat()
    version = store.save(trained.model, trained.metadata, trained.sample_input)
    replace_rows(warehouse, warehouse.dataframe(metrics_row(trained.metadata, trained_at), METRICS_SCHEMA),
                 METRICS_SCHEMA.names, "CHURN_MODEL_METRICS", "MODEL_VERSION", [version])
    m = trained.metadata
    return StepResult(
        "train_churn_model",
        rows_in=len(frame),
        rows_out=1,
        seconds=time.perf_counter() - started,
        message=(
            f"trained {version} ({decision.reason}): held-out F1 {m['f1']:.3f}, precision {m['precision']:.3f}, "
            f"recall {m['recall']:.3f}, ROC AUC {m['roc_auc']:.3f} on {m['n_test']} customers; threshold {m['threshold']:.3f}"
            + _sampling_text(m["confusion_matrix"])
        ),
        details={k: m[k] for k in ("version", "f1", "precision", "recall", "roc_auc", "pr_auc", "threshold",
                                   "n_train", "n_test", "positive_rate", "cv_f1_mean", "cv_f1_std")},
    )


def _sampling_text(matrix: dict[str, int]) -> str:
    churners, _, recall_se, _ = sampling_errors(matrix)
    if recall_se is None:
        return "; no churners in the test split: generate more customers"
    return f"; {churners} churners in the test split (recall +/- {recall_se:.2f})"


def run_score_churn(session: Session, cfg: PipelineConfig) -> StepResult:
    """GOLD.CHURN_PREDICTIONS for every current customer at as_of, from the features at as_of and the current model."""
    from c360_pipeline.ml.model_store import ModelNotFound, store_for

    started = time.perf_counter()
    check_settings(cfg.churn)
    warehouse = Warehouse.of(session, cfg)
    as_of = resolve_as_of(warehouse, cfg)
    store = store_for(session, cfg)
    current = store.latest(on_or_before=as_of)
    if current is None:
        raise ModelNotFound(f"no churn model trained on or before {as_of}; run the train_churn_model step first")
    model, metadata = store.load_scorer(str(current["version"]))
    features = (
        warehouse.read("GOLD", "CHURN_FEATURES").filter(F.col("CUTOFF_DATE") == F.lit(as_of)).to_pandas()
        .sort_values("CUSTOMER_ID").reset_index(drop=True)
    )
    if features.empty:
        raise LookupError(f"GOLD.CHURN_FEATURES has no rows at {as_of}; run the churn_features step first")
    probabilities = churn_probabilities(model, features, list(metadata["features"]))
    predictions = churn_predictions(
        features, probabilities, threshold=float(metadata["threshold"]), version=str(metadata["version"]),
        prediction_date=as_of, settings=cfg.churn,
    )
    replace_rows(warehouse, warehouse.dataframe(predictions, PREDICTIONS_SCHEMA), PREDICTIONS_SCHEMA.names,
                 "CHURN_PREDICTIONS", "PREDICTION_DATE", [as_of])
    written = len(predictions)
    by_category = predictions["CHURN_RISK_CATEGORY"].value_counts().reindex(list(RISK_CATEGORIES), fill_value=0)
    return StepResult(
        "score_churn",
        rows_in=len(features),
        rows_out=written,
        seconds=time.perf_counter() - started,
        message=(
            f"{written} customers scored with {metadata['version']}: "
            + ", ".join(f"{int(n)} {name}" for name, n in by_category.items())
            + f"; {int(predictions['IS_PREDICTED_CHURN'].sum())} predicted to churn"
        ),
        details={"model_version": metadata["version"], "by_category": {k: int(v) for k, v in by_category.items()}},
    )
