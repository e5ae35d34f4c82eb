"""The learning curve's measurements: the quick model at a grid of sizes inside every fold.

Kept apart from the check so the check reads as decisions; the extrapolation lives in
:mod:`modelpact.audit.learning_curve`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelpact.audit import _models
from modelpact.audit.context import AuditContext
from modelpact.errors import MetricError
from modelpact.stats import get_metric

__all__ = ["measure_curve", "nested_order", "weighted_scores"]

Float = NDArray[np.float64]


def nested_order(train: NDArray[np.intp], strata: NDArray[np.int64] | None,
                 rng: np.random.Generator) -> NDArray[np.intp]:
    """*train* shuffled so that every prefix is close to stratified and holds every class.

    Each row gets the rank ``(place within its class + u) / class size`` (``u`` uniform), so
    the first ``n`` rows carry each class in proportion; each class's first row goes first.
    """
    order = rng.permutation(train)
    if strata is None:
        return order
    codes = strata[order]
    rank = np.empty(len(order))
    for k in np.unique(codes):
        members = np.flatnonzero(codes == k)
        rank[members] = (np.arange(len(members)) + rng.random(len(members))) / len(members)
        rank[members[0]] = -1.0
    return order[np.argsort(rank, kind="stable")]


def weighted_scores(metric: str, y_true: NDArray[Any], y: NDArray[Any], w: Float) -> Float:
    """*metric* of ``(y_true, y)`` under each row of weights *w* (B, n); NaN where undefined.

    Uses the statistics engine's vectorised hooks (weighted confusion counts, or the metric's
    weighted kernel), so a bootstrap of a learning curve needs no loop per resample.
    """
    m = get_metric(metric)
    engine = m.engine
    try:
        if engine is None:
            raise MetricError(f"{metric} has no weighted form")
        t, p = engine.check(y_true, y)
        if engine.confusion is not None:
            k = engine.n_classes(t, p)
            onehot = np.zeros((len(t), k * k))
            onehot[np.arange(len(t)), t * k + p] = 1.0
            return np.asarray(engine.confusion((w @ onehot).reshape(-1, k, k)), dtype=np.float64)
        assert engine.kernel is not None
        kernel = engine.kernel(t, p)
        return np.asarray(kernel.evaluate(w if kernel.order is None else w[:, kernel.order]),
                          dtype=np.float64)
    except MetricError:
        return np.full(len(w), np.nan)


def measure_curve(ctx: AuditContext, positions: NDArray[np.intp], *, points: int = 8,
                  smallest_share: float = 0.01, large: tuple[int, int] = (5_000, 6)) -> tuple[Float, list[Float], NDArray[np.intp]]:
    """Out-of-fold predictions of the quick model at a geometric grid of training sizes.

    The repetitions are the folds of the audit's own cross-validation. In each fold the model
    trains on nested, stratified subsets of that fold's training part and predicts that
    fold's test part, so at every size each sampled row gets one out-of-fold prediction; the
    largest size is the cross-validated model itself (its predictions are shared with the
    other checks), so the curve ends exactly at the audit's headline estimate.

    *large* is ``(rows, points)``: above that many training rows the grid has at most that
    many sizes, since the largest fits dominate the cost.

    Returns
    -------
    sizes, predictions, fold_of_row
        Training sizes (S,), one out-of-fold prediction array per size, and each row's fold.
    """
    y = ctx.y(positions)
    task = ctx.task
    fold_list = _models.folds(task, y, ctx.seed)
    fold_of_row = np.zeros(len(y), dtype=np.intp)
    for f, (_, test) in enumerate(fold_list):
        fold_of_row[test] = f
    largest = min(len(tr) for tr, _ in fold_list)
    smallest = max(50, 10 * max(len(ctx.classes), 1), round(smallest_share * largest))
    if largest < 2 * smallest:
        return np.zeros(0), [], fold_of_row
    if largest > large[0]:
        points = min(points, large[1])
    sizes = np.unique(np.geomspace(smallest, largest, points).round().astype(np.int64))
    X = ctx.X(positions)
    oof = _models.oof_predictions(ctx, positions, X)
    strata = None if task == "regression" else y.astype(np.int64)
    target = y if task == "regression" else y.astype(np.int64)
    mask = ctx.encoder.categorical_mask
    rng = np.random.default_rng(ctx.seed)
    preds = [np.zeros_like(oof) for _ in sizes[:-1]] + [oof]
    for train, test in fold_list:
        order = nested_order(train, strata, rng)
        for j, n in enumerate(sizes[:-1]):
            sub = order[:n]
            model = _models.quick_model(task, mask, ctx.seed)
            model.fit(X[sub], target[sub])
            preds[j][test] = _models._predict(model, X[test], task, len(ctx.classes))
    return sizes.astype(np.float64), preds, fold_of_row
