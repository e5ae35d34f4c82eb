"""Vectorised metric kernels: confusion-matrix statistics and weighted row statistics.

Two families make the bootstrap loop-free:

* *Confusion statistics* take counts of shape ``(..., K, K)`` (true class on the second-last
  axis, predicted class on the last) and return one value per leading index. Binary label
  metrics are the ``K = 2`` case, so a bootstrap draws multinomial counts for all resamples in
  one call and evaluates the metric on the whole ``(B, K, K)`` stack.
* *Weighted statistics* are prepared once from the data (sorting, tie groups, bins) and then
  evaluate a block of resampling weights ``w`` of shape ``(B, n)`` to ``B`` values. Unit weights
  give the point estimate, Poisson or multinomial counts a bootstrap, zeros a jackknife.

Divisions by zero follow scikit-learn's ``zero_division=0`` without its warning, or return NaN
where the statistic is undefined on a resample (the bootstrap drops those resamples).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "WeightedStat",
    "balanced_accuracy_cm",
    "cell_tables",
    "compact_counts",
    "confusion_matrix",
    "ece_kernel",
    "fbeta_cm",
    "gather",
    "macro_cm",
    "mean_kernel",
    "median_kernel",
    "pr_auc_kernel",
    "r2_kernel",
    "roc_auc_kernel",
    "roc_auc_ovr_kernel",
]

Float = NDArray[np.float64]
ECE_BINS = 10


@dataclass(frozen=True)
class WeightedStat:
    """A statistic prepared on fixed rows, evaluated for many weight vectors at once.

    Attributes
    ----------
    evaluate
        Maps weights of shape ``(B, n)`` to ``B`` values. The weights' columns are rows in
        ``order`` (the order the kernel sorted the data into).
    order
        Row permutation the columns of the weights refer to; ``None`` means the input order.
        Independent weights need no permutation; weights shared with a second model (paired
        bootstrap) must be permuted with it.
    """

    evaluate: Callable[[Float], Float]
    order: NDArray[np.intp] | None = None


def _div(num: NDArray[Any], den: NDArray[Any], fill: float = 0.0) -> Float:
    """``num / den`` with *fill* where ``den == 0``, without a floating-point warning."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, fill, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def confusion_matrix(y_true: NDArray[np.int64], y_pred: NDArray[np.int64], k: int) -> Float:
    """Counts ``C[i, j]`` of rows with true class ``i`` predicted as ``j``, as float64."""
    flat = np.bincount(y_true * k + y_pred, minlength=k * k)
    return flat.reshape(k, k).astype(np.float64)


def cell_tables(index: NDArray[np.intp], k: int) -> Callable[[Float], Float]:
    """Map counts of selected cells, shape ``(B, m)``, to ``(B, k, k)`` confusion tables.

    ``index[j]`` is the flat ``k * k`` position that cell ``j`` adds to; several cells may
    add to one position (a paired table's ``(y, a, b)`` cells folded onto ``(y, a)``).
    """
    order = np.argsort(index, kind="stable")
    sorted_index = index[order]
    starts = np.flatnonzero(np.r_[True, sorted_index[1:] != sorted_index[:-1]])
    targets = sorted_index[starts]

    def tables(x: Float) -> Float:
        out = np.zeros((x.shape[0], k * k))
        out[:, targets] = np.add.reduceat(x[:, order], starts, axis=1)
        return out.reshape(x.shape[0], k, k)

    return tables


# --- confusion statistics ---------------------------------------------------------------


def accuracy_cm(c: Float) -> Float:
    return _div(np.trace(c, axis1=-2, axis2=-1), c.sum(axis=(-2, -1)))


def precision_cm(c: Float) -> Float:
    return _div(c[..., 1, 1], c[..., 0, 1] + c[..., 1, 1])


def recall_cm(c: Float) -> Float:
    return _div(c[..., 1, 1], c[..., 1, 0] + c[..., 1, 1])


def specificity_cm(c: Float) -> Float:
    return _div(c[..., 0, 0], c[..., 0, 0] + c[..., 0, 1])


def fbeta_cm(beta: float) -> Callable[[Float], Float]:
    """F-beta of the positive class (code 1) from 2x2 counts."""
    b2 = beta * beta

    def fbeta(c: Float) -> Float:
        tp, fp, fn = c[..., 1, 1], c[..., 0, 1], c[..., 1, 0]
        return _div((1.0 + b2) * tp, (1.0 + b2) * tp + b2 * fn + fp)

    return fbeta


def balanced_accuracy_cm(c: Float) -> Float:
    """Mean recall over the classes present in ``y_true`` (scikit-learn's definition)."""
    support = c.sum(axis=-1)
    present = support > 0
    recall = _div(np.diagonal(c, axis1=-2, axis2=-1), support)
    return _div((recall * present).sum(axis=-1), present.sum(axis=-1), np.nan)


def _per_class(c: Float, kind: str) -> tuple[Float, Float, Float]:
    """Per-class score, support and the mask of classes seen in y_true or y_pred."""
    tp = np.diagonal(c, axis1=-2, axis2=-1)
    true_sum = c.sum(axis=-1)
    pred_sum = c.sum(axis=-2)
    if kind == "precision":
        score = _div(tp, pred_sum)
    elif kind == "recall":
        score = _div(tp, true_sum)
    else:
        score = _div(2.0 * tp, true_sum + pred_sum)
    present = ((true_sum + pred_sum) > 0).astype(np.float64)
    return score, true_sum, present


def macro_cm(kind: str, average: str) -> Callable[[Float], Float]:
    """Macro- or support-weighted average of a per-class score from K x K counts.

    Classes absent from both ``y_true`` and ``y_pred`` are left out, as scikit-learn does
    with the labels it infers from the data.
    """

    def stat(c: Float) -> Float:
        score, support, present = _per_class(c, kind)
        if average == "macro":
            return _div((score * present).sum(axis=-1), present.sum(axis=-1))
        return _div((score * support).sum(axis=-1), support.sum(axis=-1))

    return stat


def f1_micro_cm(c: Float) -> Float:
    tp = np.trace(c, axis1=-2, axis2=-1)
    total = c.sum(axis=(-2, -1))
    # Every misclassified row is one false positive and one false negative.
    return _div(2.0 * tp, 2.0 * tp + 2.0 * (total - tp))


# --- weighted statistics ----------------------------------------------------------------


def mean_kernel(loss: Float, *, root: bool = False) -> WeightedStat:
    """Weighted mean of per-row losses (or its square root)."""

    def evaluate(w: Float) -> Float:
        mean = _div(w @ loss, w.sum(axis=1), np.nan)
        return np.sqrt(mean) if root else mean

    return WeightedStat(evaluate)


def roc_auc_kernel(y_true: NDArray[np.int64], score: Float) -> WeightedStat:
    """Weighted Mann-Whitney AUC: P(score_pos > score_neg) + 0.5 P(tie).

    Rows are ordered negatives first, then positives, each by score, once: a resample's
    AUC is then a running sum of the negatives' weights read at each positive's position
    among them (found once by binary search), so the whole block of resamples costs a few
    passes over the weights and no sort.
    """
    order = np.lexsort((score, y_true)).astype(np.intp)
    n_neg = int(np.count_nonzero(y_true == 0))
    s = score[order]
    neg, pos = s[:n_neg], s[n_neg:]
    below = np.searchsorted(neg, pos, side="left")
    upto = np.searchsorted(neg, pos, side="right")
    # Positives tied with some negative: only they need the second read of the running sum.
    tied = np.flatnonzero(below != upto)

    def evaluate(w: Float) -> Float:
        wn, wp = w[:, :n_neg], w[:, n_neg:]
        cum = np.zeros((w.shape[0], n_neg + 1))
        np.cumsum(wn, axis=1, out=cum[:, 1:])
        # Twice the weight each positive beats: negatives below it plus those up to its ties
        # (equal to the negatives below it where it ties none).
        twice = cum[:, below]
        twice *= 2.0
        if tied.size:
            twice[:, tied] = cum[:, below[tied]] + cum[:, upto[tied]]
        num = np.einsum("bi,bi->b", wp, twice) * 0.5
        return _div(num, wp.sum(axis=1) * cum[:, -1], np.nan)

    return WeightedStat(evaluate, order)


def pr_auc_kernel(y_true: NDArray[np.int64], score: Float) -> WeightedStat:
    """Weighted average precision: sum over thresholds of (R_k - R_{k-1}) * P_k.

    Recall only moves at thresholds whose tie group holds a positive, so the sum runs over
    those groups alone. Rows are ordered negatives first, then positives, each by
    decreasing score: the true-positive weight at a threshold is a running sum over the
    positives' block, the false-positive weight a running sum over the negatives' block read
    at the number of negatives scored at or above it (found once by binary search).
    """
    order = np.lexsort((-score, y_true)).astype(np.intp)
    n_neg = int(np.count_nonzero(y_true == 0))
    key = -score[order]  # ascending within each block
    neg, pos = key[:n_neg], key[n_neg:]
    last = np.flatnonzero(np.r_[pos[1:] != pos[:-1], True])
    no_ties = last.size == pos.size
    neg_at_or_above = np.searchsorted(neg, pos[last], side="right")

    def evaluate(w: Float) -> Float:
        tps = np.cumsum(w[:, n_neg:], axis=1)
        if not no_ties:
            tps = tps[:, last]
        cum_neg = np.zeros((w.shape[0], n_neg + 1))
        np.cumsum(w[:, :n_neg], axis=1, out=cum_neg[:, 1:])
        precision = _div(tps, tps + cum_neg[:, neg_at_or_above])
        # Without ties each positive is its own threshold: the recall steps are its weights.
        step = w[:, n_neg:] if no_ties else np.diff(tps, axis=1, prepend=0.0)
        return _div(np.sum(step * precision, axis=1), tps[:, -1], np.nan)

    return WeightedStat(evaluate, order)


def ece_bins(prob: Float) -> NDArray[np.int64]:
    """Bin of each probability among 10 equal-width bins on [0, 1]; 1.0 goes in the last."""
    return np.minimum((prob * ECE_BINS).astype(np.int64), ECE_BINS - 1)


def ece_kernel(y_true: NDArray[np.int64], prob: Float) -> WeightedStat:
    """Weighted expected calibration error.

    With bins weighted by their counts, ECE = sum_b |sum_{i in b} (y_i - p_i)| / n, so one
    segment sum per bin over rows sorted by bin is all a weight vector needs.
    """
    bins = ece_bins(prob)
    order = np.argsort(bins, kind="stable").astype(np.intp)
    gap = (y_true - prob)[order]
    b = bins[order]
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])

    def evaluate(w: Float) -> Float:
        per_bin = np.add.reduceat(w * gap, starts, axis=1)
        return _div(np.abs(per_bin).sum(axis=1), w.sum(axis=1), np.nan)

    return WeightedStat(evaluate, order)


def r2_kernel(y_true: Float, y_pred: Float) -> WeightedStat:
    """Weighted coefficient of determination, scikit-learn's conventions for constant y."""
    # Centring first keeps the one-pass variance from cancelling catastrophically.
    yc = y_true - y_true.mean()
    cols = np.column_stack([(y_true - y_pred) ** 2, yc, yc * yc])

    def evaluate(w: Float) -> Float:
        sums = w @ cols
        total = w.sum(axis=1)
        ss_res = sums[:, 0]
        ss_tot = sums[:, 2] - _div(sums[:, 1] ** 2, total)
        ss_tot = np.where(ss_tot > 1e-12 * np.maximum(sums[:, 2], 1e-300), ss_tot, 0.0)
        r2 = 1.0 - _div(ss_res, ss_tot)
        # scikit-learn: 1.0 for a perfect fit of a constant target, else 0.0.
        constant = ss_tot == 0.0
        return np.where(constant, np.where(ss_res == 0.0, 1.0, 0.0), r2)

    return WeightedStat(evaluate)


def median_kernel(values: Float) -> WeightedStat:
    """Weighted median for integer weights (a row of weight k counts k times).

    Matches ``np.median`` on the expanded sample: the mean of the order statistics at
    positions ``(W - 1) // 2`` and ``W // 2`` of ``W`` rows.
    """
    order = np.argsort(values, kind="stable").astype(np.intp)
    v = values[order]

    def evaluate(w: Float) -> Float:
        cum = np.cumsum(w, axis=1)
        total = cum[:, -1]
        lo_rank = np.floor((total - 1.0) / 2.0)[:, None]
        hi_rank = np.floor(total / 2.0)[:, None]
        lo = np.minimum((cum <= lo_rank).sum(axis=1), v.size - 1)
        hi = np.minimum((cum <= hi_rank).sum(axis=1), v.size - 1)
        return np.where(total > 0, 0.5 * (v[lo] + v[hi]), np.nan)

    return WeightedStat(evaluate, order)


def compact_counts(w: Float) -> NDArray[Any]:
    """*w* as bytes when every weight is a count below 256, else *w* itself.

    Resampling counts (Poisson or multinomial) and jackknife weights almost always fit a
    byte. A permutation gather of a block of weights reads memory in random order; from an
    eighth of the bytes it is several times faster, and the values are the same integers.
    """
    small = w.astype(np.uint8)
    return small if np.array_equal(small, w) else w


def gather(w: NDArray[Any], order: NDArray[np.intp]) -> Float:
    """The columns of *w* in *order*, as float64."""
    return np.asarray(w[:, order], dtype=np.float64)


def roc_auc_ovr_kernel(y_true: NDArray[np.int64], proba: Float) -> WeightedStat:
    """Macro one-vs-rest AUC; each class keeps its own score order, sorted once."""
    k = proba.shape[1]
    parts = [roc_auc_kernel((y_true == j).astype(np.int64), proba[:, j]) for j in range(k)]
    orders = [p.order for p in parts if p.order is not None]

    def evaluate(w: Float) -> Float:
        src = compact_counts(w)
        aucs = np.stack(
            [p.evaluate(gather(src, o)) for p, o in zip(parts, orders, strict=True)], axis=1
        )
        return np.asarray(aucs.mean(axis=1), dtype=np.float64)

    return WeightedStat(evaluate)
