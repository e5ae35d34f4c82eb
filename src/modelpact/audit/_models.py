"""The quick models the audit fits: histogram gradient boosting with out-of-fold predictions.

Shared by label errors, leakage, drift and learnability so they agree, and cached on the
context so the costliest step (cross-validated predictions on the sample) runs once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.model_selection import KFold, StratifiedKFold

from modelpact.audit.context import AuditContext

__all__ = [
    "as_metric_input",
    "bins_of",
    "folds",
    "oof_predictions",
    "quick_model",
    "target_encoding_oof",
]

Float = NDArray[np.float64]


def as_metric_input(metric: str, task: str, pred: Float, threshold: float) -> NDArray[Any]:
    """What *metric* reads from the quick model's predictions: scores, or decisions at
    *threshold* (binary) or by the most probable class (multiclass); values for regression."""
    from modelpact.stats import get_metric

    if task == "regression":
        return pred
    if get_metric(metric).input == "score":
        return pred[:, 1] if task == "binary" else pred
    if task == "binary":
        return np.asarray(pred[:, 1] >= threshold, dtype=np.int64)
    return np.asarray(pred.argmax(axis=1), dtype=np.int64)


def quick_model(task: str, categorical: NDArray[np.bool_], seed: int, *,
                max_iter: int = 100) -> Any:
    """A histogram gradient boosting model: strong on tabular data, fast, handles NaN.

    Early stopping is off so the number of trees, and hence the result, does not depend on a
    hidden validation split.
    """
    cats = categorical if categorical.any() else None
    common: dict[str, Any] = {
        "max_iter": max_iter, "learning_rate": 0.1, "categorical_features": cats,
        "early_stopping": False, "random_state": seed,
    }
    if task == "regression":
        return HistGradientBoostingRegressor(**common)
    return HistGradientBoostingClassifier(**common)


def folds(task: str, y: Float, seed: int, n_splits: int = 5) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Seeded (stratified, for classification) K-fold splits, fewer folds for tiny classes."""
    if task == "regression":
        splitter: Any = KFold(n_splits=min(n_splits, len(y)), shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y))))
    counts = np.bincount(y.astype(np.int64))
    smallest = int(counts[counts > 0].min())
    k = max(2, min(n_splits, smallest))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y.astype(np.int64)))


def _predict(model: Any, X: Float, task: str, n_classes: int) -> Float:
    if task == "regression":
        return np.asarray(model.predict(X), dtype=np.float64)
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    if proba.shape[1] == n_classes:
        return proba
    # a training fold that lacked a class: put its columns back as zeros
    full = np.zeros((len(X), n_classes))
    full[:, model.classes_.astype(np.int64)] = proba
    return full


def oof_predictions(ctx: AuditContext, positions: NDArray[np.intp], X: Float | None = None,
                    *, columns: list[int] | None = None, max_iter: int = 100,
                    n_splits: int = 5) -> Float:
    """Out-of-fold predictions for the rows at *positions*: (n, K) probabilities or (n,) values.

    Cached on the context per (rows, feature subset), so label errors and learnability share
    one cross-validation.
    """
    key = (positions.tobytes(), tuple(columns) if columns is not None else None, max_iter, n_splits)
    cache: dict[Any, Float] = ctx.__dict__.setdefault("_oof", {})
    if key in cache:
        return cache[key]
    if X is None:
        X = ctx.X(positions)
    mask = ctx.encoder.categorical_mask
    if columns is not None:
        X = X[:, columns]
        mask = mask[columns]
    y = ctx.y(positions)
    n_classes = len(ctx.classes)
    out = np.zeros((len(y), n_classes)) if ctx.task != "regression" else np.zeros(len(y))
    for train, test in folds(ctx.task, y, ctx.seed, n_splits):
        model = quick_model(ctx.task, mask, ctx.seed, max_iter=max_iter)
        model.fit(X[train], y[train] if ctx.task == "regression" else y[train].astype(np.int64))
        out[test] = _predict(model, X[test], ctx.task, n_classes)
    cache[key] = out
    return out


def bins_of(x: Float, categorical: bool, n_bins: int = 20) -> NDArray[np.int64]:
    """Bin ids: category codes, or quantile bins for numbers; missing values get their own bin."""
    out = np.zeros(len(x), dtype=np.int64)
    present = ~np.isnan(x)
    if categorical:
        out[present] = x[present].astype(np.int64) + 1
        return out
    if present.any():
        edges = np.unique(np.quantile(x[present], np.linspace(0, 1, n_bins + 1)[1:-1]))
        out[present] = np.searchsorted(edges, x[present], side="right") + 1
    return out


def target_encoding_oof(bins: NDArray[np.int64], y: Float, task: str, n_classes: int,
                        fold_list: list[tuple[NDArray[np.intp], NDArray[np.intp]]],
                        smoothing: float = 10.0) -> Float:
    """Out-of-fold, smoothed per-bin target means: a one-feature model in a few bincounts.

    Returns (n, K) class probabilities for classification, (n,) predicted values for
    regression. Smoothing pulls small bins toward the overall mean, so a bin seen a handful
    of times cannot look predictive by chance.
    """
    n_bins = int(bins.max()) + 1
    if task == "regression":
        out = np.zeros(len(y))
        for train, test in fold_list:
            prior = y[train].mean()
            sums = np.bincount(bins[train], weights=y[train], minlength=n_bins)
            counts = np.bincount(bins[train], minlength=n_bins)
            means = (sums + smoothing * prior) / (counts + smoothing)
            out[test] = means[bins[test]]
        return out
    out = np.zeros((len(y), n_classes))
    codes = y.astype(np.int64)
    for train, test in fold_list:
        counts = np.bincount(bins[train], minlength=n_bins).astype(np.float64)
        prior = np.bincount(codes[train], minlength=n_classes) / len(train)
        for k in range(n_classes):
            hits = np.bincount(bins[train], weights=(codes[train] == k).astype(np.float64),
                               minlength=n_bins)
            out[test, k] = ((hits + smoothing * prior[k]) / (counts + smoothing))[bins[test]]
    return out

