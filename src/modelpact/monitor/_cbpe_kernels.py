"""Array kernels of CBPE: calibration maps, expected counts and curves, label simulation.

Pure NumPy (plus scikit-learn's isotonic regression); :mod:`modelpact.monitor.cbpe` composes
them into the estimator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.isotonic import IsotonicRegression, isotonic_regression

from modelpact.monitor._performance_types import PerformanceEstimate
from modelpact.stats import Metric, get_metric

Float = NDArray[np.float64]
_AUC = {"binary": "roc_auc", "multiclass": "roc_auc_ovr"}
_BLOCK_CELLS = 1 << 21
_REPLICATES = 20


def _apply(calibrators: list[IsotonicRegression], scores: Float, task: str) -> Float:
    if not calibrators:
        return scores
    if task == "binary":
        p = np.clip(calibrators[0].predict(scores[:, 1]), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])
    cal = np.column_stack([c.predict(scores[:, k]) for k, c in enumerate(calibrators)])
    total = cal.sum(axis=1, keepdims=True)
    # a row every class calibrated to zero keeps its raw probabilities rather than 0/0
    return np.where(total > 0, cal / np.where(total > 0, total, 1.0), scores)


Knots = tuple[Float, Float]


def _bootstrap_maps(
    y: NDArray[np.int64], scores: Float, task: str, rng: np.random.Generator
) -> list[list[Knots]]:
    """Isotonic calibration maps refitted under Poisson(1) bootstrap weights.

    Equivalent to refitting :class:`~sklearn.isotonic.IsotonicRegression` on resampled rows,
    but the reference is sorted and its tied scores pooled once, so each replicate is two
    weighted counts and one pool-adjacent-violators pass.
    """
    classes = [1] if task == "binary" else list(range(scores.shape[1]))
    prepared = []
    for k in classes:
        knots, inverse = np.unique(scores[:, k], return_inverse=True)
        prepared.append((knots, inverse, (y == k).astype(np.float64)))
    out = []
    for _ in range(_REPLICATES):
        weights = rng.poisson(1.0, y.size).astype(np.float64)
        maps = [
            _weighted_isotonic(knots, inverse, target, weights)
            for knots, inverse, target in prepared
        ]
        out.append(maps)
    return out


def _weighted_isotonic(
    knots: Float, inverse: NDArray[np.intp], target: Float, weights: Float
) -> Knots:
    """Weighted isotonic fit of *target* on scores pooled at their unique values *knots*."""
    total = np.bincount(inverse, weights=weights, minlength=knots.size)
    hits = np.bincount(inverse, weights=weights * target, minlength=knots.size)
    keep = total > 0
    fitted = isotonic_regression(
        hits[keep] / total[keep], sample_weight=total[keep], y_min=0.0, y_max=1.0
    )
    x, values = knots[keep], np.asarray(fitted, dtype=np.float64)
    # only the ends of each flat step matter to the interpolation (as in sklearn)
    edge = np.ones(x.size, dtype=bool)
    edge[1:-1] = (values[1:-1] != values[:-2]) | (values[1:-1] != values[2:])
    return x[edge], values[edge]


def _apply_maps(
    maps: list[Knots],
    scores: Float,
    orders: list[NDArray[np.intp]],
    sorted_columns: list[Float],
) -> Float:
    """Multiclass :func:`_apply` with knot maps instead of fitted estimators.

    ``orders[k]`` sorts column ``k`` into ``sorted_columns[k]``; interpolating sorted values
    is several times faster.
    """
    rows = np.empty((scores.shape[1], scores.shape[0]))  # class-major: contiguous scatter
    for k, (m, order) in enumerate(zip(maps, orders, strict=True)):
        rows[k, order] = np.interp(sorted_columns[k], *m)
    cal = rows.T
    total = cal.sum(axis=1, keepdims=True)
    return np.where(total > 0, cal / np.where(total > 0, total, 1.0), scores)


def _calibration_error(y: NDArray[np.int64], prob: Float) -> float:
    ece = get_metric("ece")
    if prob.shape[1] == 2:
        return ece(y, prob[:, 1])
    return float(np.mean([ece((y == k).astype(np.int64), prob[:, k]) for k in range(prob.shape[1])]))


def _brier(y: NDArray[np.int64], prob: Float) -> float:
    onehot = np.zeros_like(prob)
    onehot[np.arange(y.size), y] = 1.0
    return float(np.mean(np.sum((prob - onehot) ** 2, axis=1)))


def _expected_counts(prob: Float, pred: NDArray[np.int64], k: int) -> Float:
    out: Float = np.stack(
        [np.bincount(pred, weights=prob[:, c], minlength=k) for c in range(k)]
    )
    return out


def _ranks(values: Float, order: NDArray[np.intp]) -> Float:
    """Average ranks of *values* given the permutation *order* that sorts them."""
    out = np.empty(values.size)
    out[order] = _sorted_ranks(values[order])
    return out


def _sorted_ranks(values: Float) -> Float:
    """Average ranks (1-based, ties share their mean rank) of already sorted values.

    Examples
    --------
    >>> _sorted_ranks(np.array([0.1, 0.2, 0.2, 0.7])).tolist()
    [1.0, 2.5, 2.5, 4.0]
    """
    n = values.size
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], n]
    return np.repeat((starts + ends + 1) / 2.0, ends - starts)


def _expected_auc(p: Float, ranks: Float) -> float:
    """ROC AUC from expected counts: each row is positive with probability ``p``.

    The expected number of correctly ordered (positive, negative) pairs over the expected
    number of such pairs, ``Σ_{i≠j} p_i (1 - p_j) H(s_i - s_j) / Σ_{i≠j} p_i (1 - p_j)`` with
    ``H`` = 1/2 on ties. This is the area under the curve of expected TPR against expected
    FPR except that a row is never paired with itself (the curve's trapezoids pair each row
    half with itself, an O(1/n) difference that matters only for small chunks).
    """
    # contiguous copies: products of strided column views take numpy's slow path
    p, ranks = np.ascontiguousarray(p), np.ascontiguousarray(ranks)
    pos = float(p.sum())
    self_pairs = pos - float(p @ p)  # Σ p_i (1 - p_i)
    possible = pos * (p.size - pos) - self_pairs
    if possible <= 0.0:
        return float("nan")
    ordered = float(p @ (ranks - 1.0)) - 0.5 * (pos * pos - float(p @ p))
    return ordered / possible


def _auc_from_sums(rank_sum: Float, positives: Float, n: int) -> Float:
    """Mann–Whitney AUC from the rank sum of the positives (ties at average rank)."""
    negatives = n - positives
    ok = (positives > 0) & (negatives > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
    out: Float = np.where(ok, auc, np.nan)
    return out


def _confusion_func(metric: Metric) -> Any:
    assert metric.engine is not None and metric.engine.confusion is not None
    return metric.engine.confusion


def _draw_exact(
    prob: Float,
    pred: NDArray[np.int64],
    ranks: Float,
    auc_classes: list[int],
    draws: int,
    rng: np.random.Generator,
) -> tuple[Float, Float]:
    """Draw every row's label ``draws`` times; return confusion counts and AUC rank sums."""
    n, k = prob.shape
    thresholds = np.cumsum(prob, axis=1)[:, :-1].astype(np.float32)
    counts = np.zeros(draws * k * k, dtype=np.int64)
    rank_sums = np.zeros((draws, len(auc_classes)))
    base = (np.arange(draws, dtype=np.int64) * k * k)[:, None]
    step = max(1, _BLOCK_CELLS // (draws * max(1, k - 1)))
    for start in range(0, n, step):
        stop = min(n, start + step)
        u = rng.random((draws, stop - start), dtype=np.float32)
        # inverse CDF: the label is the number of cumulative probabilities at or below u
        labels = (u[:, :, None] >= thresholds[None, start:stop]).sum(axis=2)
        counts += np.bincount(
            (base + labels * k + pred[None, start:stop]).ravel(), minlength=draws * k * k
        )
        for a, c in enumerate(auc_classes):
            rank_sums[:, a] += (labels == c).astype(np.float64) @ ranks[start:stop, a]
    return counts.reshape(draws, k, k).astype(np.float64), rank_sums


def _draw_gaussian(
    prob: Float,
    pred: NDArray[np.int64],
    ranks: Float,
    auc_classes: list[int],
    draws: int,
    rng: np.random.Generator,
) -> tuple[Float, Float]:
    """Draw the sufficient statistics from their exact mean and covariance (large chunks).

    The statistics are confusion counts ``C[k, j]`` and AUC rank sums ``S_a``, each a sum over
    rows of a function of that row's label; the covariance of one row's one-hot label is
    ``diag(p) - p pᵀ``, so the covariance of the sums is a handful of matrix products.
    """
    n, k = prob.shape
    a_count = len(auc_classes)
    dim = k * k + a_count
    mean = np.zeros(dim)
    cov = np.zeros((dim, dim))
    # Q[i, a] = p_i(class of a) * rank_i(a): the expected contribution of row i to S_a
    q = np.column_stack([prob[:, c] * ranks[:, a] for a, c in enumerate(auc_classes)]) if (
        a_count
    ) else np.empty((n, 0))
    s_idx = k * k + np.arange(a_count)
    for j in range(k):
        rows = pred == j
        g = prob[rows]
        idx = np.arange(k) * k + j  # positions of C[:, j]
        mean[idx] = g.sum(axis=0)
        cov[np.ix_(idx, idx)] = np.diag(g.sum(axis=0)) - g.T @ g
        if a_count:
            qg = q[rows]
            cross = -(g.T @ qg)
            for a, c in enumerate(auc_classes):
                cross[c, a] += qg[:, a].sum()
            cov[np.ix_(idx, s_idx)] = cross
            cov[np.ix_(s_idx, idx)] = cross.T
    if a_count:
        mean[s_idx] = q.sum(axis=0)
        cov[np.ix_(s_idx, s_idx)] = np.diag((q * ranks).sum(axis=0)) - q.T @ q
    values, vectors = np.linalg.eigh(cov)
    scale = np.sqrt(np.clip(values, 0.0, None))
    sample = mean + (rng.standard_normal((draws, dim)) * scale) @ vectors.T
    counts = np.clip(sample[:, : k * k], 0.0, None).reshape(draws, k, k)
    return counts, sample[:, k * k :]


def _plug_in(
    metrics: list[str],
    task: str,
    prob: Float,
    pred: NDArray[np.int64],
    ranks: Float,
    auc_classes: list[int],
) -> dict[str, float]:
    """Each metric from the expected confusion matrix and expected ROC curves."""
    counts = _expected_counts(prob, pred, prob.shape[1])
    out = {}
    for name in metrics:
        if name == _AUC[task]:
            out[name] = float(
                np.mean([_expected_auc(prob[:, c], ranks[:, a]) for a, c in enumerate(auc_classes)])
            )
        else:
            out[name] = float(_confusion_func(get_metric(name))(counts))
    return out


def _binary_plug_in(
    metrics: list[str], p: Float, pred: NDArray[np.int64], ranks: Float,
    ascending: bool = True,
) -> dict[str, float]:
    """:func:`_plug_in` for binary rows sorted by score.

    With ``ascending`` the predictions are 0 then 1 (a threshold on the sorted score), so the
    counts are two partial sums; otherwise (decisions given by the model) they are masked sums.
    """
    n = p.size
    cut = n - int(np.count_nonzero(pred))
    if ascending:
        low, high = float(p[:cut].sum()), float(p[cut:].sum())
    else:
        positive = pred == 1
        low, high = float(p[~positive].sum()), float(p[positive].sum())
    counts = np.array([[cut - low, (n - cut) - high], [low, high]])
    out = {}
    for name in metrics:
        if name == "roc_auc":
            out[name] = _expected_auc(p, ranks[:, 0])
        else:
            out[name] = float(_confusion_func(get_metric(name))(counts))
    return out


def _band(
    name: str,
    value: float,
    draws: Float,
    se_reference: float,
    z: float,
    bounds: tuple[float, float],
) -> PerformanceEstimate:
    if not np.isnan(value):
        # sums of expected counts can overshoot a bound by an ulp (AUC 1.0000000000000002)
        value = float(np.clip(value, bounds[0], bounds[1]))
    finite = draws[np.isfinite(draws)]
    se_sampling = float(np.std(finite, ddof=1)) if finite.size > 1 else float("nan")
    se = float(np.hypot(se_sampling, se_reference if np.isfinite(se_reference) else 0.0))
    if np.isnan(value) or np.isnan(se):
        return PerformanceEstimate(name, value, float("nan"), float("nan"), se)
    low = float(max(bounds[0], value - z * se))
    high = float(min(bounds[1], value + z * se))
    return PerformanceEstimate(name, value, low, high, se)
