"""Trainers the retraining benchmark names in its pacts (as a team would name its own).

``fit_hgb`` is a batch trainer (scikit-learn's HistGradientBoosting). ``fit_river`` and
``update_river`` wrap River's adaptive random forest as a scikit-learn compatible estimator, so
an online learner runs under the same gate; the wrapper's ``partial_fit`` lets
:class:`modelpact.retrain.OnlineLearner` drive it row by row. River is installed in the
benchmark's own virtual environment only.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np
import pandas as pd

FEATURES = ["date", "day", "period", "nswprice", "nswdemand", "vicprice", "vicdemand", "transfer"]
TARGET = "class"


def fit_hgb(frame: pd.DataFrame) -> Any:
    """A batch trainer: HistGradientBoosting on the eight features."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=0).fit(frame[FEATURES], frame[TARGET])


def _records(X: pd.DataFrame) -> list[dict[str, float]]:
    """The rows as River's feature dicts (faster than ``to_dict`` on the one-row frames of
    online learning)."""
    values = X[FEATURES].to_numpy(dtype=float).tolist()
    return [dict(zip(FEATURES, row, strict=True)) for row in values]


class RiverClassifier:
    """River's adaptive random forest behind ``predict``/``predict_proba``/``learn`` and
    ``partial_fit``."""

    broken: ClassVar[bool] = False

    def __init__(self, seed: int = 0) -> None:
        from river import forest

        self.model = forest.ARFClassifier(seed=seed)
        self.classes_ = np.array(["DOWN", "UP"])
        self.feature_names_in_ = np.array(FEATURES, dtype=object)

    def learn(self, X: pd.DataFrame, y: pd.Series) -> RiverClassifier:
        for row, label in zip(_records(X), y, strict=True):
            self.model.learn_one(row, label)
        return self

    def partial_fit(self, X: pd.DataFrame, y: Any, classes: Any = None) -> RiverClassifier:
        """scikit-learn's incremental protocol, so :class:`modelpact.retrain.OnlineLearner`
        can drive the forest; *classes* is fixed (UP/DOWN) and ignored. While ``broken`` is
        set, the update learns every label inverted (a bug in the update path, for the
        benchmark's rollback scenario)."""
        del classes
        labels = np.asarray(y)
        if RiverClassifier.broken:
            labels = np.where(labels == "UP", "DOWN", "UP")
        return self.learn(X, pd.Series(labels))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        out = np.full((len(X), 2), 0.5)
        for i, row in enumerate(_records(X)):
            proba = self.model.predict_proba_one(row)
            if proba:
                total = sum(proba.values()) or 1.0
                out[i] = [proba.get("DOWN", 0.0) / total, proba.get("UP", 0.0) / total]
        return out

    def predict(self, X: pd.DataFrame) -> np.ndarray[Any, Any]:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


def fit_river(frame: pd.DataFrame) -> RiverClassifier:
    """A fresh forest that learns the rows once, in time order."""
    return RiverClassifier().learn(frame, frame[TARGET])


def update_river(frame: pd.DataFrame, champion: RiverClassifier) -> RiverClassifier:
    """An incremental trainer: a copy of the champion learns the new rows."""
    return copy.deepcopy(champion).learn(frame, frame[TARGET])
