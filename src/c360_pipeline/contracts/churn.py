"""Contracts of the churn tables: features in range, probabilities and scores in range, one metrics row per model."""

from __future__ import annotations

from snowflake.snowpark import functions as F

from c360_pipeline.catalog import (
    RISK_CATEGORIES,
)
from c360_pipeline.contracts.model import Check, TableContract, outside
from c360_pipeline.ml.scoring import PREDICTIONS_SCHEMA
from c360_pipeline.transforms.churn_features import FEATURE_COLUMNS, FEATURES_SCHEMA


def _out_of_range(column: str, low: float, high: float) -> Check:
    return Check(
        f"{column}.between({low:g},{high:g})", "error", description=f"{column} is between {low:g} and {high:g}",
        condition=F.col(column).is_not_null() & outside(column, low, high),
    )


def _null_feature() -> F.Column:
    """Feature rows with any null feature (the model needs every value)."""
    # A row has a null feature when the count of its non-null features falls short of all of them.
    present = [F.iff(F.col(name).is_null(), F.lit(0), F.lit(1)) for name in FEATURE_COLUMNS]
    return _balanced_sum(present) < F.lit(len(FEATURE_COLUMNS))


def _balanced_sum(terms: list[F.Column]) -> F.Column:
    """Terms added pairwise, so the expression is log2(n) deep (SQL parsers bound nesting depth)."""
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


CONTRACTS: tuple[TableContract, ...] = (
    TableContract(
        "GOLD", "CHURN_FEATURES", "one row per customer per feature cut-off date",
        primary_key=("CUSTOMER_ID", "CUTOFF_DATE"),
        not_null=("CUSTOMER_ID", "CUTOFF_DATE"),
        columns=FEATURES_SCHEMA,
        accepted_values={"CHURN_LABEL": (0, 1)},
        relationships={"CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID")},
        invariants=(
            Check("CHURN_FEATURES.no_null_features", "error", description="every feature has a value",
                  condition=_null_feature()),
            *(_out_of_range(f"{g.upper()}_SHARE", 0.0, 1.0) for g in ("travel", "necessities")),
        ),
    ),
    TableContract(
        "GOLD", "CHURN_PREDICTIONS", "one row per customer per prediction date",
        primary_key=("CUSTOMER_ID", "PREDICTION_DATE"),
        columns=PREDICTIONS_SCHEMA,
        not_null=("CUSTOMER_ID", "PREDICTION_DATE", "CHURN_PROBABILITY", "CHURN_RISK_SCORE", "CHURN_RISK_CATEGORY",
                  "IS_PREDICTED_CHURN", "MODEL_VERSION"),
        accepted_values={"CHURN_RISK_CATEGORY": RISK_CATEGORIES},
        relationships={
            "CUSTOMER_ID": ("GOLD", "DIM_CUSTOMER", "CUSTOMER_ID"),
            "MODEL_VERSION": ("GOLD", "CHURN_MODEL_METRICS", "MODEL_VERSION"),
        },
        invariants=(_out_of_range("CHURN_PROBABILITY", 0.0, 1.0), _out_of_range("CHURN_RISK_SCORE", 0.0, 100.0)),
    ),
    TableContract(
        "GOLD", "CHURN_MODEL_METRICS", "one row per trained model version",
        primary_key=("MODEL_VERSION",),
        not_null=("MODEL_VERSION", "TRAINED_AT", "CUTOFF_DATE", "AS_OF_DATE", "N_TRAIN", "N_TEST", "F1", "PRECISION",
                  "RECALL", "ROC_AUC", "PR_AUC", "THRESHOLD", "FEATURE_COUNT", "ALGORITHM"),
        invariants=tuple(
            _out_of_range(column, 0.0, 1.0)
            for column in ("POSITIVE_RATE", "F1", "PRECISION", "RECALL", "ROC_AUC", "PR_AUC", "THRESHOLD")
        ),
    ),
)
