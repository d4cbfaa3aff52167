"""Scoring: churn probability, 0-100 risk score and risk category per customer from the stored model."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from snowflake.snowpark.types import (
    BooleanType,
    DateType,
    DoubleType,
    StringType,
    StructField,
    StructType,
)

from c360_pipeline.catalog import (
    RISK_CATEGORIES,
)
from c360_pipeline.config import ChurnSettings

PREDICTIONS_SCHEMA = StructType(
    [
        StructField("CUSTOMER_ID", StringType()),
        StructField("PREDICTION_DATE", DateType()),
        StructField("CHURN_PROBABILITY", DoubleType()),
        StructField("CHURN_RISK_SCORE", DoubleType()),
        StructField("CHURN_RISK_CATEGORY", StringType()),
        StructField("IS_PREDICTED_CHURN", BooleanType()),
        StructField("MODEL_VERSION", StringType()),
    ]
)


# --- scoring ---------------------------------------------------------------------------------------

def risk_category(scores: np.ndarray | pd.Series, settings: ChurnSettings) -> np.ndarray:
    """Low / Medium / High Risk of 0-100 scores by the configured thresholds (a threshold belongs to the higher band)."""
    values = np.asarray(scores, dtype="float64")
    low, medium, high = RISK_CATEGORIES
    return np.where(values >= settings.high_risk_score, high, np.where(values >= settings.medium_risk_score, medium, low))


def churn_predictions(features: pd.DataFrame, probabilities: np.ndarray, *, threshold: float, version: str,
                      prediction_date: date, settings: ChurnSettings) -> pd.DataFrame:
    """GOLD.CHURN_PREDICTIONS rows: one per customer of the scoring frame for prediction_date."""
    probability = np.clip(np.asarray(probabilities, dtype="float64"), 0.0, 1.0)
    score = np.round(100.0 * probability, 1)
    return pd.DataFrame(
        {
            "CUSTOMER_ID": features["CUSTOMER_ID"].to_numpy(),
            "PREDICTION_DATE": prediction_date,
            "CHURN_PROBABILITY": probability,
            "CHURN_RISK_SCORE": score,
            "CHURN_RISK_CATEGORY": risk_category(score, settings),
            "IS_PREDICTED_CHURN": probability >= threshold,
            "MODEL_VERSION": version,
        }
    )


def churn_probabilities(model: Any, features: pd.DataFrame, feature_columns: list[str]) -> np.ndarray:
    """The model's churn probability for every row of a feature frame (columns in the model's order)."""
    missing = [c for c in feature_columns if c not in features.columns]
    if missing:
        raise ValueError(f"the feature frame lacks {', '.join(missing)}; retrain the model (c360 run --retrain)")
    return model.predict_proba(features[feature_columns].astype("float64"))[:, 1]
