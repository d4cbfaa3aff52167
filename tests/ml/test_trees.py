"""The churn model's trees as arrays (ml/trees.py) score exactly as scikit-learn's model does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from c360_pipeline.ml.model_store import TREES_FILE, LocalModelStore
from c360_pipeline.ml.trees import BoostedTrees
from c360_pipeline.ml.training import make_classifier


def examples(rows: int = 3_000, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """Numeric features with missing values in two columns and a label that depends on them nonlinearly."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(rows, 6)), columns=[f"F{i}" for i in range(6)])
    label = ((x.F0 * x.F1 > 0.2) | (x.F2 > 1.0) | (x.F3.abs() < 0.1)).to_numpy()
    x.loc[rng.random(rows) < 0.15, "F1"] = np.nan
    x.loc[rng.random(rows) < 0.05, "F3"] = np.nan
    return x, label


def test_the_trees_give_scikit_learns_probabilities_bit_for_bit():
    x, label = examples()
    model = make_classifier(seed=3).fit(x, label)  # the churn model's own settings: 200 trees of 15 leaves
    fresh, _ = examples(rows=2_000, seed=11)  # rows it never saw, missing values included
    fresh.loc[::9, "F0"] = np.nan  # missing where training had none: the default side of each split

    trees = BoostedTrees.of(model)

    assert len(trees.roots) == 200
    np.testing.assert_array_equal(trees.predict_proba(fresh), model.predict_proba(fresh))
    np.testing.assert_array_equal(trees.raw_scores(fresh.to_numpy()), model.decision_function(fresh))


def test_the_trees_survive_a_save_and_load(tmp_path):
    x, label = examples(rows=800)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(x, label)
    BoostedTrees.of(model).save(tmp_path / "trees.npz")

    loaded = BoostedTrees.load(tmp_path / "trees.npz")

    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))


def test_rows_of_the_wrong_width_are_refused():
    x, label = examples(rows=500)
    trees = BoostedTrees.of(HistGradientBoostingClassifier(max_iter=5).fit(x, label))
    with pytest.raises(ValueError, match="6 features"):
        trees.predict_proba(x.iloc[:, :5])


def test_only_a_binary_boosted_trees_model_converts():
    x, label = examples(rows=600)
    three_classes = np.where(x.F0 > 0.5, 2, label.astype(int))
    assert not BoostedTrees.supports(LogisticRegression().fit(x.fillna(0), label))
    assert not BoostedTrees.supports(HistGradientBoostingClassifier(max_iter=5).fit(x, three_classes))
    assert not BoostedTrees.supports(HistGradientBoostingClassifier())  # not fitted
    with pytest.raises(TypeError, match="LogisticRegression"):
        BoostedTrees.of(LogisticRegression().fit(x.fillna(0), label))


def test_the_local_store_scores_with_the_saved_trees_and_falls_back_to_the_model(tmp_path):
    x, label = examples(rows=800)
    store = LocalModelStore(tmp_path)
    boosted = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, label)
    linear = LogisticRegression().fit(x.fillna(0), label)
    store.save(boosted, {"version": "churn-20250630-s1", "as_of_date": "2025-06-30"})
    store.save(linear, {"version": "churn-20250531-s1", "as_of_date": "2025-05-31"})

    scorer, metadata = store.load_scorer("churn-20250630-s1")
    assert isinstance(scorer, BoostedTrees) and metadata["version"] == "churn-20250630-s1"
    np.testing.assert_array_equal(scorer.predict_proba(x), boosted.predict_proba(x))

    assert not (tmp_path / "churn-20250531-s1" / TREES_FILE).exists()
    scorer, _ = store.load_scorer("churn-20250531-s1")
    assert isinstance(scorer, LogisticRegression)
