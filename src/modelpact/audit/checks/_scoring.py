"""How model-based checks score predictions: ROC AUC for classes, R² for values."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import r2_score, roc_auc_score

Float = NDArray[np.float64]


def skill(task: str, y: Float, pred: Float) -> float:
    """ROC AUC (binary: of the positive class; multiclass: one-vs-rest macro) or R².

    Both read 'how well the target is predicted' on a scale where chance is 0.5 (AUC) or 0
    (R²), which is what leakage and drift checks compare against.
    """
    if task == "regression":
        return float(r2_score(y, pred))
    codes = y.astype(np.int64)
    if task == "binary":
        return float(roc_auc_score(codes, pred[:, 1]))
    present = np.unique(codes)
    probs = pred[:, present]
    probs = probs / np.clip(probs.sum(axis=1, keepdims=True), 1e-12, None)
    if len(present) == 2:
        return float(roc_auc_score(codes == present[1], probs[:, 1]))
    return float(roc_auc_score(codes, probs, multi_class="ovr", average="macro", labels=present))


def chance(task: str) -> float:
    """The skill of a model that knows nothing: AUC 0.5, R² 0."""
    return 0.0 if task == "regression" else 0.5


def skill_name(task: str) -> str:
    """The name of :func:`skill`'s measure for *task*."""
    return "r2" if task == "regression" else "roc_auc"
