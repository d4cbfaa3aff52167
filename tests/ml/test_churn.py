"""Churn model: point-in-time features, label edge cases, training, retraining, scoring and the model card."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snowflake.snowpark.types import (
    DateType,
    DecimalType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from c360_pipeline.config import ChurnSettings, ConfigError, PipelineConfig
from c360_pipeline.engine.sessions import local_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.ml import scoring as scoring_ml
from c360_pipeline.ml import training
from c360_pipeline.ml.model_card import write_model_card
from c360_pipeline.ml.model_store import LocalModelStore
from c360_pipeline.steps import churn
from c360_pipeline.transforms import churn_features, dimensions

AS_OF = date(2025, 6, 30)
CUTOFF = date(2025, 4, 1)  # AS_OF - 90 days
SETTINGS = ChurnSettings()
FACT_SCHEMA = StructType(
    [
        StructField("TRANSACTION_ID", StringType()),
        StructField("CUSTOMER_ID", StringType()),
        StructField("TRANSACTION_DATE", TimestampType()),
        StructField("MERCHANT_CATEGORY_KEY", LongType()),
        StructField("TRANSACTION_AMOUNT", DecimalType(12, 2)),
        StructField("STATUS", StringType()),
        StructField("CHANNEL", StringType()),
    ]
)
CUSTOMER_SCHEMA = StructType(
    [
        StructField("CUSTOMER_ID", StringType()),
        StructField("AGE", LongType()),
        StructField("STATE", StringType()),
        StructField("EMPLOYMENT_STATUS", StringType()),
        StructField("CARD_TYPE", StringType()),
        StructField("CREDIT_LIMIT", DecimalType(12, 2)),
        StructField("ACCOUNT_OPEN_DATE", DateType()),
        StructField("VALID_FROM", DateType()),
        StructField("VALID_TO", DateType()),
    ]
)
OPEN = date(9999, 12, 31)
TRAVEL, GROCERY = 1, 11  # catalog keys: Airlines (travel), Grocery Stores (necessities)


def txn(customer: str, day: date, amount: float, status: str = "approved", channel: str = "Online",
        category: int = TRAVEL) -> dict:
    return {
        "TRANSACTION_ID": f"T-{customer}-{day:%Y%m%d}-{amount}-{status}",
        "CUSTOMER_ID": customer,
        "TRANSACTION_DATE": datetime.combine(day, time(12, 30)),
        "MERCHANT_CATEGORY_KEY": category,
        "TRANSACTION_AMOUNT": Decimal(f"{amount:.2f}"),
        "STATUS": status,
        "CHANNEL": channel,
    }


def version(customer: str, opened: date, card: str = "Gold", limit: str = "5000.00", valid_from: date | None = None,
            valid_to: date = OPEN, state: str = "NY", employment: str = "Employed", age: int = 40) -> dict:
    return {
        "CUSTOMER_ID": customer, "AGE": age, "STATE": state, "EMPLOYMENT_STATUS": employment, "CARD_TYPE": card,
        "CREDIT_LIMIT": Decimal(limit), "ACCOUNT_OPEN_DATE": opened, "VALID_FROM": valid_from or opened,
        "VALID_TO": valid_to,
    }


BASE_TRANSACTIONS = [
    txn("A", CUTOFF, 100.0),                                       # on the cut-off day: included
    txn("A", CUTOFF - timedelta(days=29), 60.0, channel="Mobile"),  # month 1
    txn("A", CUTOFF - timedelta(days=45), 40.0, category=GROCERY, channel="In-Store"),  # month 2
    txn("A", CUTOFF - timedelta(days=100), 300.0),                 # month 4 (prior 90 days)
    txn("A", CUTOFF - timedelta(days=10), 25.0, status="declined"),
    txn("B", CUTOFF - timedelta(days=150), 70.0, category=GROCERY),  # month 6 only
]
BASE_CUSTOMERS = [
    version("A", date(2020, 1, 1), card="Gold", limit="5000.00", valid_to=date(2025, 2, 1)),
    version("A", date(2020, 1, 1), card="Platinum", limit="9000.00", valid_from=date(2025, 2, 1)),
    version("B", date(2024, 6, 1), card="Standard", limit="1000.00", state="CA", employment="Retired"),
    version("C", date(2025, 5, 1)),  # opens after the cut-off: no feature row at the cut-off
]
# Everything after the cut-off: later purchases, a new customer, a card change, a late decline.
LATER_TRANSACTIONS = [
    txn("A", CUTOFF + timedelta(days=1), 5000.0),
    txn("B", CUTOFF + timedelta(days=30), 900.0, category=GROCERY, channel="Mobile"),
    txn("B", AS_OF, 10.0, status="declined"),
    txn("C", date(2025, 5, 2), 80.0),
]
LATER_CUSTOMERS = [
    version("B", date(2024, 6, 1), card="Standard", limit="1000.00", valid_to=date(2025, 5, 1), state="CA",
            employment="Retired"),
    version("B", date(2024, 6, 1), card="Premium", limit="20000.00", valid_from=date(2025, 5, 1), state="CA",
            employment="Retired"),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One local session and the merchant-category dimension for the transform tests of this module."""
    active = local_session()
    cfg = PipelineConfig.build(home=tmp_path_factory.mktemp("churn-shared"), as_of=AS_OF)
    warehouse = Warehouse.of(active, cfg)
    categories = warehouse.dataframe(dimensions.merchant_categories(), dimensions.DIM_MERCHANT_CATEGORY_SCHEMA)
    yield {"session": active, "warehouse": warehouse, "categories": categories}
    active.close()


def periods_for(shared, transactions: list[dict], length: int = 30):
    fact = shared["warehouse"].dataframe(pd.DataFrame(transactions), FACT_SCHEMA)
    return churn_features.period_totals(churn_features.classified_transactions(fact, shared["categories"]), AS_OF, length)


def cutoffs_for(shared, cutoffs: list[date], length: int, horizon_days: int | None = None):
    return shared["warehouse"].dataframe(churn_features.cutoff_table(cutoffs, AS_OF, length, horizon_days), churn_features.CUTOFFS_SCHEMA)


def features_frame(shared, transactions: list[dict], customers: list[dict], cutoff: date = CUTOFF,
                   settings: ChurnSettings = SETTINGS):
    length = churn_features.period_length(settings)
    dim = shared["warehouse"].dataframe(pd.DataFrame(customers), CUSTOMER_SCHEMA)
    cutoffs = cutoffs_for(shared, [cutoff], length)
    periods = periods_for(shared, transactions, length)
    return churn_features.churn_features(churn_features.window_totals(periods, cutoffs, length), churn_features.customers_at(dim, cutoffs))


def features_for(shared, transactions: list[dict], customers: list[dict], cutoff: date = CUTOFF,
                 settings: ChurnSettings = SETTINGS) -> pd.DataFrame:
    frame = features_frame(shared, transactions, customers, cutoff, settings).to_pandas()
    return frame.sort_values("CUSTOMER_ID").set_index("CUSTOMER_ID")


@pytest.fixture(scope="module")
def base_features(shared) -> pd.DataFrame:
    return features_for(shared, BASE_TRANSACTIONS, BASE_CUSTOMERS)


def test_features_ignore_everything_after_the_cutoff(shared, base_features):
    with_later = features_for(shared, BASE_TRANSACTIONS + LATER_TRANSACTIONS, BASE_CUSTOMERS[:2] + LATER_CUSTOMERS + BASE_CUSTOMERS[3:])
    assert list(with_later.index) == ["A", "B"]  # C opened after the cut-off
    pd.testing.assert_frame_equal(with_later, base_features)


def test_features_do_not_depend_on_the_period_length(shared, base_features):
    ten_day_periods = features_for(shared, BASE_TRANSACTIONS, BASE_CUSTOMERS, settings=ChurnSettings(snapshot_spacing_days=10))
    pd.testing.assert_frame_equal(ten_day_periods, base_features)


def test_features_have_35_plus_columns_without_nulls(base_features):
    assert len(churn_features.FEATURE_COLUMNS) >= 35
    assert list(base_features.columns) == ["CUTOFF_DATE", *churn_features.FEATURE_COLUMNS]
    assert not base_features[list(churn_features.FEATURE_COLUMNS)].isna().any().any()
    assert (base_features["CUTOFF_DATE"] == CUTOFF).all()


def test_feature_values_follow_the_windows(base_features):
    a, b = base_features.loc["A"], base_features.loc["B"]
    assert a["SPEND_30D"] == pytest.approx(160.0)          # cut-off day + 29 days before
    assert a["SPEND_60D"] == pytest.approx(200.0)
    assert a["SPEND_90D"] == pytest.approx(200.0)
    assert a["SPEND_PRIOR_90D"] == pytest.approx(300.0)
    assert a["LIFETIME_SPEND"] == pytest.approx(500.0)     # the declined 25.00 is not spend
    assert a["TXN_COUNT_30D"] == 2 and a["TXN_COUNT_90D"] == 3 and a["TXN_COUNT_LIFETIME"] == 4
    assert a["DAYS_SINCE_LAST_TRANSACTION"] == 0
    assert a["DECLINED_COUNT_90D"] == 1 and a["DECLINED_SHARE_90D"] == pytest.approx(0.25)
    assert a["NECESSITIES_SHARE"] == pytest.approx(40.0 / 500.0) and a["TRAVEL_SHARE"] == pytest.approx(460.0 / 500.0)
    assert a["ONLINE_SHARE"] == pytest.approx(0.5) and a["MOBILE_SHARE"] == pytest.approx(0.25)
    assert a["IN_STORE_SHARE"] == pytest.approx(0.25)
    assert a["ACTIVE_MONTHS_LAST_6"] == 3
    assert a["SPEND_CHANGE_90D"] == pytest.approx((200.0 - 300.0) / 300.0)
    # monthly spends, oldest first: [0, 0, 300, 0, 40, 160]
    months = np.array([0.0, 0.0, 300.0, 0.0, 40.0, 160.0])
    slope = np.polyfit(np.arange(6), months, 1)[0]
    assert a["SPEND_SLOPE_6M"] == pytest.approx(slope / months.mean())
    assert a["SPEND_VOLATILITY_6M"] == pytest.approx(months.std(ddof=1) / months.mean())
    # the card version valid on the cut-off day (Platinum from 2025-02-01), tenure from account opening
    assert a["CARD_TIER"] == 3 and a["IS_PREMIUM_CARD"] == 1 and a["CREDIT_LIMIT"] == 9000
    assert a["CREDIT_UTILIZATION"] == pytest.approx(160.0 / 9000.0)
    assert a["TENURE_DAYS"] == (CUTOFF - date(2020, 1, 1)).days
    assert a["IS_REGION_NORTHEAST"] == 1 and a["IS_EMPLOYED"] == 1
    assert b["DAYS_SINCE_LAST_TRANSACTION"] == 150 and b["SPEND_90D"] == 0 and b["SPEND_PRIOR_90D"] == 70
    assert b["IS_REGION_WEST"] == 1 and b["IS_RETIRED"] == 1 and b["CARD_TIER"] == 0


# --- label -----------------------------------------------------------------------------------------

def labels_frame(shared, transactions: list[dict], settings: ChurnSettings = SETTINGS):
    length = churn_features.period_length(settings)
    cutoffs = cutoffs_for(shared, [CUTOFF], length, settings.horizon_days)
    return churn_features.churn_labels(periods_for(shared, transactions, length), cutoffs, settings, length)


def labels_for(shared, transactions: list[dict], settings: ChurnSettings = SETTINGS) -> pd.DataFrame:
    return labels_frame(shared, transactions, settings).to_pandas().set_index("CUSTOMER_ID")


# Every window is a whole number of periods; the label must not depend on the period length (30 days by
# default; 15 and 10 when the spacing of training cut-offs is 15 or 10 days).
@pytest.mark.parametrize("settings", [SETTINGS, ChurnSettings(snapshot_spacing_days=15), ChurnSettings(snapshot_spacing_days=10)],
                         ids=["30-day-periods", "15-day-periods", "10-day-periods"])
def test_label_edge_cases(shared, settings):
    prior = CUTOFF - timedelta(days=30)
    recent = AS_OF - timedelta(days=10)
    transactions = [
        # exactly 60 days inactive at as_of (last purchase on as_of - 60): churned
        txn("INACTIVE_60", prior, 100.0), txn("INACTIVE_60", AS_OF - timedelta(days=60), 500.0),
        # 59 days inactive, spend kept up: retained
        txn("INACTIVE_59", prior, 100.0), txn("INACTIVE_59", AS_OF - timedelta(days=59), 500.0),
        # exactly a 30% decline (1000 -> 700): churned
        txn("DECLINE_30", prior, 1000.0), txn("DECLINE_30", recent, 700.0),
        # a 29.9% decline (1000 -> 701): retained
        txn("DECLINE_29", prior, 1000.0), txn("DECLINE_29", recent, 701.0),
        # declined transactions are not activity: churned (no approved transaction for 60 days)
        txn("ONLY_DECLINED", prior, 100.0), txn("ONLY_DECLINED", recent, 300.0, status="declined"),
        # new customer whose first purchase is after the cut-off: no prior window, no label
        txn("NEW", CUTOFF + timedelta(days=5), 100.0), txn("NEW", recent, 100.0),
        # spend only before the prior window (already dormant): no label
        txn("DORMANT", CUTOFF - timedelta(days=120), 100.0),
        # prior spend on the first day of the prior window and on the cut-off day both count
        txn("EDGES", CUTOFF - timedelta(days=89), 50.0), txn("EDGES", CUTOFF, 50.0), txn("EDGES", recent, 70.0),
        # the day before the prior window and the day after as_of do not count
        txn("EDGES", CUTOFF - timedelta(days=90), 1000.0), txn("EDGES", AS_OF + timedelta(days=1), 1000.0),
    ]
    labels = labels_for(shared, transactions, settings)
    assert set(labels.index) == {"INACTIVE_60", "INACTIVE_59", "DECLINE_30", "DECLINE_29", "ONLY_DECLINED", "EDGES"}
    assert labels["CHURN_LABEL"].to_dict() == {
        "INACTIVE_60": 1, "INACTIVE_59": 0, "DECLINE_30": 1, "DECLINE_29": 0, "ONLY_DECLINED": 1, "EDGES": 1,
    }
    assert labels.loc["EDGES", "PRIOR_SPEND"] == pytest.approx(100.0)
    assert labels.loc["DECLINE_30", "OUTCOME_SPEND"] == pytest.approx(700.0)


def test_period_length_divides_every_window():
    assert churn_features.period_length(SETTINGS) == 30
    assert churn_features.period_length(ChurnSettings(horizon_days=45, inactivity_days=45)) == 15
    assert churn_features.period_length(ChurnSettings(snapshot_spacing_days=7)) == 1  # day grain: slower, still right


def test_period_totals_have_one_row_per_customer_and_active_period(shared):
    frame = periods_for(shared, BASE_TRANSACTIONS).to_pandas().set_index(["CUSTOMER_ID", "PERIOD"])
    # A: periods 3 (90-119 days before as_of), 4 and 6; B: period 8 (its transaction is 240 days before as_of)
    assert sorted(frame.index) == [("A", 3), ("A", 4), ("A", 6), ("B", 8)]
    assert frame.loc[("B", 8), "SPEND_NECESSITIES"] == pytest.approx(70.0) and frame.loc[("B", 8), "SPEND"] == pytest.approx(70.0)
    # A's period 3: 100.00 online on the cut-off, 60.00 mobile, 25.00 declined
    a = frame.loc[("A", 3)]
    assert a["ATTEMPTS"] == 3 and a["APPROVED"] == 2 and a["ONLINE"] == 1 and a["MOBILE"] == 1
    assert a["SPEND"] == pytest.approx(160.0) and a["SPEND_TRAVEL"] == pytest.approx(160.0) and a["SPEND_DINING"] == 0
    assert a["LAST_APPROVED_DAY"] == CUTOFF


def test_cutoffs_off_the_period_grid_or_labels_observed_after_as_of_are_refused():
    with pytest.raises(ValueError, match="not a whole number of 30-day periods"):
        churn_features.cutoff_table([CUTOFF + timedelta(days=1)], AS_OF, 30)
    with pytest.raises(ValueError, match="after as_of"):
        churn_features.cutoff_table([CUTOFF + timedelta(days=30)], AS_OF, 30, SETTINGS.horizon_days)
    assert churn_features.cutoff_table([AS_OF, CUTOFF], AS_OF, 30)["PERIOD_OFFSET"].tolist() == [0, 3]


def test_customers_without_a_prior_window_get_a_null_label(shared):
    # A spent in the prior window and nothing after (churned); B's only purchase is older (already dormant).
    features = features_frame(shared, BASE_TRANSACTIONS, BASE_CUSTOMERS)
    rows = churn_features.feature_rows(features, labels_frame(shared, BASE_TRANSACTIONS)).to_pandas().set_index("CUSTOMER_ID")
    assert list(rows.columns) == churn_features.FEATURES_SCHEMA.names[1:]
    assert rows.loc["A", "CHURN_LABEL"] == 1
    assert pd.isna(rows.loc["B", "CHURN_LABEL"])


def test_inactivity_longer_than_the_horizon_is_refused():
    with pytest.raises(ConfigError, match="churn.inactivity_days"):
        churn_features.check_settings(ChurnSettings(horizon_days=60, inactivity_days=90))


# --- training ---------------------------------------------------------------------------------------

def synthetic_training_frame(customers: int = 400, seed: int = 0) -> pd.DataFrame:
    """A CHURN_FEATURES-shaped frame whose label depends on recency and spend change, with noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(customers, len(churn_features.FEATURE_COLUMNS))), columns=list(churn_features.FEATURE_COLUMNS))
    frame["DAYS_SINCE_LAST_TRANSACTION"] = rng.exponential(20, customers)
    frame["SPEND_CHANGE_90D"] = rng.normal(0, 0.4, customers)
    risk = 0.05 * frame["DAYS_SINCE_LAST_TRANSACTION"] - 3 * frame["SPEND_CHANGE_90D"] - 1.5
    frame["CHURN_LABEL"] = (rng.random(customers) < 1 / (1 + np.exp(-risk))).astype("int64")
    frame.loc[:9, "CHURN_LABEL"] = np.nan  # customers without a prior window are not used
    frame["CUSTOMER_ID"] = [f"CUST{i:08d}" for i in range(customers)]
    frame["CUTOFF_DATE"] = CUTOFF
    return frame.sample(frac=1.0, random_state=seed)  # row order must not matter


@pytest.fixture(scope="module")
def trained() -> training.TrainedChurnModel:
    return training.train_churn_model(synthetic_training_frame(), seed=42, as_of=AS_OF, cutoff=CUTOFF, settings=SETTINGS)


def test_training_is_deterministic_for_a_seed(trained):
    again = training.train_churn_model(synthetic_training_frame().sample(frac=1.0, random_state=9), seed=42, as_of=AS_OF,
                                    cutoff=CUTOFF, settings=SETTINGS)
    assert again.metadata == trained.metadata
    assert trained.metadata["version"] == "churn-20250630-s42"


def test_training_reports_held_out_metrics(trained):
    m = trained.metadata
    assert m["n_train"] + m["n_test"] == m["n_labeled"] == 390
    assert m["n_test"] == pytest.approx(0.25 * 390, abs=1)
    cm = m["confusion_matrix"]
    assert cm["tn"] + cm["fp"] + cm["fn"] + cm["tp"] == m["n_test"]
    assert m["precision"] == pytest.approx(cm["tp"] / max(cm["tp"] + cm["fp"], 1))
    assert m["recall"] == pytest.approx(cm["tp"] / (cm["tp"] + cm["fn"]))
    assert m["roc_auc"] > 0.75  # the signal is strong; a broken pipeline would sit near 0.5
    assert {item["feature"] for item in m["top_features"][:2]} == {"DAYS_SINCE_LAST_TRANSACTION", "SPEND_CHANGE_90D"}
    assert 0.0 < m["threshold"] < 1.0 and m["features"] == list(churn_features.FEATURE_COLUMNS)


def test_threshold_is_the_best_f1_that_keeps_precision():
    labels = np.array([1, 1, 0, 1, 0, 1, 1, 0, 0, 0])
    scores = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    # The best F1 overall is at 0.4 (precision 5/7); with precision >= 0.75 required it is at 0.7 (3 of 4 right).
    assert training.choose_threshold(labels, scores, min_precision=0.5)[0] == pytest.approx(0.4)
    threshold, rule = training.choose_threshold(labels, scores, min_precision=0.75)
    assert threshold == pytest.approx(0.7) and "precision >= 0.75" in rule
    unreachable, fallback_rule = training.choose_threshold(np.array([0, 1, 0, 1]), np.array([0.9, 0.8, 0.7, 0.1]), 0.99)
    assert unreachable == pytest.approx(0.1) and "no threshold reached" in fallback_rule


def test_training_needs_both_classes():
    frame = synthetic_training_frame(60)
    frame["CHURN_LABEL"] = frame["CHURN_LABEL"].where(frame["CHURN_LABEL"].isna(), 0)
    with pytest.raises(ValueError, match="too few labeled customers"):
        training.train_churn_model(frame, seed=1, as_of=AS_OF, cutoff=CUTOFF, settings=SETTINGS)


# --- retraining ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("model_as_of", "force", "features", "train"),
    [
        (None, False, None, True),                        # no model yet
        (AS_OF - timedelta(days=10), False, None, False),  # 10 days old: reuse
        (AS_OF - timedelta(days=29), False, None, False),
        (AS_OF - timedelta(days=30), False, None, True),   # monthly: due at 30 days
        (AS_OF - timedelta(days=10), True, None, True),    # --retrain
        (AS_OF - timedelta(days=10), False, ["AGE"], True),  # trained on other features
    ],
)
def test_retrain_decision(model_as_of, force, features, train):
    current = None if model_as_of is None else {
        "version": "churn-x", "as_of_date": model_as_of.isoformat(), "features": features or list(churn_features.FEATURE_COLUMNS),
    }
    assert training.retrain_decision(current, AS_OF, SETTINGS, force).train is train


def write_training_rows(warehouse: Warehouse, frame: pd.DataFrame) -> None:
    rows = frame[[f.name for f in churn_features.FEATURES_SCHEMA.fields]]
    warehouse.write_pandas(rows, churn_features.FEATURES_SCHEMA, "GOLD", "CHURN_FEATURES")


def test_train_step_reuses_a_recent_model_and_retrains_when_forced(session, cfg, warehouse):
    write_training_rows(warehouse, synthetic_training_frame(200))
    store = LocalModelStore(cfg.models_dir)
    recent = AS_OF - timedelta(days=10)
    store.save({"stand-in": True}, {"version": "churn-20250620-s7", "as_of_date": recent.isoformat(),
                                    "features": list(churn_features.FEATURE_COLUMNS)})

    reused = churn.run_train_churn_model(session, cfg)
    assert reused.status == "succeeded" and reused.details["reused_model"] and "churn-20250620-s7" in reused.message
    assert not warehouse.exists("GOLD", "CHURN_MODEL_METRICS")

    forced = churn.run_train_churn_model(session, cfg.model_copy(update={"retrain": True}))
    assert forced.status == "succeeded", forced.message
    assert store.latest()["version"] == "churn-20250630-s7"
    metrics = warehouse.to_pandas("GOLD", "CHURN_MODEL_METRICS")
    assert list(metrics["MODEL_VERSION"]) == ["churn-20250630-s7"]
    assert metrics.loc[0, "N_TRAIN"] + metrics.loc[0, "N_TEST"] == 190
    matrix = json.loads(metrics.loc[0, "CONFUSION_MATRIX"])
    assert set(matrix) == {"tn", "fp", "fn", "tp"}
    # The step says how many churners the held-out figures rest on, and how far recall can move by chance.
    churners = matrix["tp"] + matrix["fn"]
    recall_se = (metrics.loc[0, "RECALL"] * (1 - metrics.loc[0, "RECALL"]) / churners) ** 0.5
    assert f"{churners} churners in the test split (recall +/- {recall_se:.2f})" in forced.message

    # Retraining the same as_of and seed replaces the version's metrics row.
    churn.run_train_churn_model(session, cfg.model_copy(update={"retrain": True}))
    assert len(warehouse.to_pandas("GOLD", "CHURN_MODEL_METRICS")) == 1


# --- scoring ---------------------------------------------------------------------------------------

def test_scores_are_in_range_and_categories_follow_the_thresholds():
    probabilities = np.array([0.0, 0.3994, 0.3995, 0.4, 0.6999, 0.7, 1.0, 1.2])
    features = pd.DataFrame({"CUSTOMER_ID": [f"C{i}" for i in range(len(probabilities))]})
    rows = scoring_ml.churn_predictions(features, probabilities, threshold=0.5, version="v", prediction_date=AS_OF,
                                   settings=SETTINGS)
    assert list(rows["CHURN_RISK_SCORE"]) == [0.0, 39.9, 40.0, 40.0, 70.0, 70.0, 100.0, 100.0]
    assert list(rows["CHURN_RISK_CATEGORY"]) == ["Low Risk", "Low Risk", "Medium Risk", "Medium Risk", "High Risk",
                                                 "High Risk", "High Risk", "High Risk"]
    assert list(rows["IS_PREDICTED_CHURN"]) == [False, False, False, False, True, True, True, True]
    assert rows["CHURN_PROBABILITY"].between(0, 1).all()
    custom = scoring_ml.risk_category(rows["CHURN_RISK_SCORE"], ChurnSettings(medium_risk_score=20, high_risk_score=50))
    assert list(custom) == ["Low Risk", "Medium Risk", "Medium Risk", "Medium Risk", "High Risk", "High Risk",
                            "High Risk", "High Risk"]


def test_score_step_writes_one_row_per_customer_and_replaces_a_rescored_date(session, cfg, warehouse, trained):
    scoring = synthetic_training_frame(30, seed=3).assign(CUTOFF_DATE=AS_OF, CHURN_LABEL=np.nan)
    write_training_rows(warehouse, scoring)
    store = LocalModelStore(cfg.models_dir)
    store.save(trained.model, trained.metadata)

    first = churn.run_score_churn(session, cfg)
    again = churn.run_score_churn(session, cfg)

    assert first.rows_out == again.rows_out == 30
    rows = warehouse.to_pandas("GOLD", "CHURN_PREDICTIONS")
    assert len(rows) == 30 and rows["CUSTOMER_ID"].is_unique
    assert (rows["PREDICTION_DATE"] == AS_OF).all() and (rows["MODEL_VERSION"] == "churn-20250630-s42").all()
    assert rows["CHURN_RISK_SCORE"].between(0, 100).all()
    expected = scoring_ml.risk_category(rows["CHURN_RISK_SCORE"], cfg.churn)
    assert (rows["CHURN_RISK_CATEGORY"].to_numpy() == expected).all()
    assert (rows["IS_PREDICTED_CHURN"] == (rows["CHURN_PROBABILITY"] >= trained.metadata["threshold"])).all()


# --- the whole step on a tiny warehouse ---------------------------------------------------------------

def test_feature_step_writes_both_cutoffs_and_a_rerun_replaces_them(session, cfg, warehouse):
    warehouse.write_pandas(dimensions.calendar_days(date(2024, 9, 1), AS_OF), dimensions.DIM_DATE_SCHEMA, "GOLD", "DIM_DATE")
    warehouse.write_pandas(dimensions.merchant_categories(), dimensions.DIM_MERCHANT_CATEGORY_SCHEMA, "GOLD", "DIM_MERCHANT_CATEGORY")
    warehouse.write_pandas(pd.DataFrame(BASE_CUSTOMERS[:2] + LATER_CUSTOMERS + BASE_CUSTOMERS[3:]), CUSTOMER_SCHEMA,
                           "GOLD", "DIM_CUSTOMER")
    warehouse.write_pandas(pd.DataFrame(BASE_TRANSACTIONS + LATER_TRANSACTIONS), FACT_SCHEMA, "GOLD", "FCT_TRANSACTIONS")

    single = cfg.model_copy(update={"churn": cfg.churn.model_copy(update={"training_snapshots": 1})})
    first = churn.run_churn_features(session, single)
    second = churn.run_churn_features(session, single)

    rows = warehouse.to_pandas("GOLD", "CHURN_FEATURES")
    assert first.rows_out == second.rows_out == 5 and len(rows) == 5
    at_cutoff = rows[rows["CUTOFF_DATE"] == CUTOFF].set_index("CUSTOMER_ID")
    at_as_of = rows[rows["CUTOFF_DATE"] == AS_OF].set_index("CUSTOMER_ID")
    assert sorted(at_cutoff.index) == ["A", "B"] and sorted(at_as_of.index) == ["A", "B", "C"]
    # A spent 200 in the prior window and 5,000 the day after the cut-off, then nothing: inactive at as_of.
    assert at_cutoff.loc["A", "CHURN_LABEL"] == 1
    assert pd.isna(at_cutoff.loc["B", "CHURN_LABEL"])  # nothing in the prior window
    assert at_as_of["CHURN_LABEL"].isna().all()
    assert at_as_of.loc["B", "CARD_TIER"] == 2  # the Premium version valid at as_of

    # The default training set adds earlier cut-offs, 30 days apart, each labeled before as_of, as far
    # back as the data covers their six-month look-back: here 9 of 10 once a purchase of 2024-03-01
    # (period 16 before as_of) is in the fact.
    cutoffs = churn_features.training_cutoffs(AS_OF, cfg.churn)
    assert cutoffs == [CUTOFF - timedelta(days=30 * k) for k in range(10)]
    assert churn.run_churn_features(session, cfg).details["training_cutoffs"] == [CUTOFF]  # data from 2024-11-02 only
    warehouse.write_pandas(dimensions.calendar_days(date(2024, 1, 1), AS_OF), dimensions.DIM_DATE_SCHEMA, "GOLD", "DIM_DATE")
    warehouse.write_pandas(pd.DataFrame(BASE_TRANSACTIONS + LATER_TRANSACTIONS + [txn("A", date(2024, 3, 1), 10.0)]),
                           FACT_SCHEMA, "GOLD", "FCT_TRANSACTIONS")
    several = churn.run_churn_features(session, cfg)
    assert several.details["training_cutoffs"] == cutoffs[:9] and several.details["cutoffs_without_history"] == cutoffs[9:]
    assert "1 earlier cut-off(s) left out" in several.message
    assert set(warehouse.to_pandas("GOLD", "CHURN_FEATURES")["CUTOFF_DATE"]) == {AS_OF, *cutoffs[:9]}


def test_feature_step_skips_the_training_cut_off_while_the_model_is_current(session, cfg, warehouse):
    warehouse.write_pandas(dimensions.calendar_days(date(2024, 9, 1), AS_OF), dimensions.DIM_DATE_SCHEMA, "GOLD", "DIM_DATE")
    warehouse.write_pandas(dimensions.merchant_categories(), dimensions.DIM_MERCHANT_CATEGORY_SCHEMA, "GOLD", "DIM_MERCHANT_CATEGORY")
    warehouse.write_pandas(pd.DataFrame(BASE_CUSTOMERS[:2] + LATER_CUSTOMERS + BASE_CUSTOMERS[3:]), CUSTOMER_SCHEMA,
                           "GOLD", "DIM_CUSTOMER")
    warehouse.write_pandas(pd.DataFrame(BASE_TRANSACTIONS + LATER_TRANSACTIONS), FACT_SCHEMA, "GOLD", "FCT_TRANSACTIONS")
    LocalModelStore(cfg.models_dir).save({"stand-in": True}, {
        "version": "churn-20250620-s7", "as_of_date": (AS_OF - timedelta(days=10)).isoformat(),
        "features": list(churn_features.FEATURE_COLUMNS)})

    current = churn.run_churn_features(session, cfg)
    assert current.details["training_rows"] is False and "reusing model churn-20250620-s7" in current.message
    rows = warehouse.to_pandas("GOLD", "CHURN_FEATURES")
    assert set(rows["CUTOFF_DATE"]) == {AS_OF} and sorted(rows["CUSTOMER_ID"]) == ["A", "B", "C"]

    forced = churn.run_churn_features(session, cfg.model_copy(update={"retrain": True}))
    assert forced.details["training_rows"] is True and forced.details["training_cutoffs"] == [CUTOFF]
    assert set(warehouse.to_pandas("GOLD", "CHURN_FEATURES")["CUTOFF_DATE"]) == {AS_OF, CUTOFF}


def test_model_card_is_rendered_from_the_metrics_table(session, cfg, warehouse, trained, tmp_path: Path):
    row = training.metrics_row(trained.metadata, pd.Timestamp("2025-07-01 02:00:00").to_pydatetime())
    warehouse.write_pandas(row, training.METRICS_SCHEMA, "GOLD", "CHURN_MODEL_METRICS")

    card = write_model_card(session, cfg, path=tmp_path / "card.md").read_text()

    m = trained.metadata
    assert "churn-20250630-s42" in card and f"| F1 | {m['f1']:.3f} |" in card
    assert f"**{m['threshold']:.3f}**" in card and "never on the test set" in card
    assert "exactly 60 counts" in card and "exactly 30% counts" in card
    assert "## Limitations" in card and f"`{m['top_features'][0]['feature']}`" in card
    matrix = m["confusion_matrix"]
    assert f"The test split holds {matrix['tp'] + matrix['fn']} churners" in card
    # the card states the cut-offs the model was trained on (one here), not the configured ten
    assert m["training_cutoffs"] == [CUTOFF.isoformat()] and "earlier cut-off" not in card


def test_model_card_counts_the_training_cut_offs_recorded_with_the_model(session, cfg, warehouse, trained, tmp_path: Path):
    metadata = {**trained.metadata, "training_cutoffs": [str(CUTOFF - timedelta(days=30 * k)) for k in range(3)]}
    row = training.metrics_row(metadata, pd.Timestamp("2025-07-01 02:00:00").to_pydatetime())
    warehouse.write_pandas(row, training.METRICS_SCHEMA, "GOLD", "CHURN_MODEL_METRICS")

    card = write_model_card(session, cfg, path=tmp_path / "card.md").read_text()

    assert "and 2 earlier cut-off(s) every 30 days" in card


def test_model_card_states_the_sampling_error_of_a_small_test_split():
    from c360_pipeline.ml.model_card import sampling_note

    # 12 churners, 8 caught; 10 flagged: recall 2/3 +- sqrt(2/3 * 1/3 / 12) = 0.136, precision 0.8 +- sqrt(.8 * .2 / 10) = 0.126
    note = sampling_note({"tn": 100, "fp": 2, "fn": 4, "tp": 8})
    assert "12 churners" in note and "flags 10 customers" in note
    assert "recall has a standard error of about 0.14" in note and "precision of about 0.13" in note
    assert "too few" in sampling_note({"tn": 100, "fp": 0, "fn": 0, "tp": 0})
    assert training.sampling_errors({"tn": 5, "fp": 0, "fn": 2, "tp": 2}) == (4, 2, 0.25, 0.0)


def test_training_samples_whole_customers_above_the_row_cap():
    frame = pd.DataFrame({"CUSTOMER_ID": [f"C{i // 4}" for i in range(4_000)], "X": range(4_000)})
    sample = training.sample_customers(frame, 1_000, seed=3)
    assert 800 <= len(sample) <= 1_200
    per_customer = sample.groupby("CUSTOMER_ID").size()
    assert (per_customer == 4).all()  # a customer's rows stay together
    assert sample.equals(training.sample_customers(frame, 1_000, seed=3))  # seeded
    assert training.sample_customers(frame, 4_000, seed=3) is frame
