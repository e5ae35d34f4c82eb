"""ROC AUC, DeLong's variance and small-sample-honest intervals for one AUC or a difference.

The AUC is a two-sample U-statistic. Its variance (DeLong, DeLong & Clarke-Pearson, 1988)
comes from the *placement values*: for each positive, the share of negatives it outranks;
for each negative, the share of positives that outrank it (ties counting half). Sun & Xu
(2014) obtain them in O(n log n) from midranks; here each class is sorted on its own and
every row's placement is a pair of binary searches into the other class (no sort of all rows,
no tie groups), scattered back to row order within each class. Row order is what a
paired comparison needs: the placements of two models on the same rows pair up directly.

Intervals. A Wald interval around the estimate, even on the logit scale, is too optimistic
with few positives or negatives: near AUC 1 the DeLong variance collapses with the estimate
(about 16% one-sided misses at AUC 0.95 with 10 positives). :func:`auc_interval` is instead a
score-type interval (Newcombe, 2006, method 5): it solves ``(A - theta)^2 = z^2 V(theta)``,
with the Hanley & McNeil (1982) variance ``V`` evaluated at the *hypothesised* AUC and both
class sizes replaced by their mean, like Wilson's interval for a proportion. Where the data
show more variance than that model (DeLong's estimate at the estimate is larger), ``V`` is
scaled up to it, so the interval is never narrower than the DeLong one. A difference of two
correlated AUCs combines the two score intervals with DeLong's correlation by the method of
variance estimates recovery (MOVER; Zou & Donner, 2008), as Newcombe's method 10 does for
paired proportions. ``benchmarks/coverage.py`` measures both down to five positives.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["Placements", "auc", "auc_interval", "delong", "mover_interval", "placements"]

Float = NDArray[np.float64]
Placements = tuple[Float, Float]
_GRID = 2049
_BISECT = 60


def _split(y_true: NDArray[np.int64], score: Float) -> tuple[Float, Float]:
    is_pos = y_true == 1
    return score[is_pos], score[~is_pos]


def placements(y_true: NDArray[np.int64], score: Float) -> Placements:
    """Placement values of the positives and of the negatives, each in row order.

    Parameters
    ----------
    y_true : ndarray of shape (n,)
        0/1 labels with both classes present.
    score : ndarray of shape (n,)

    Returns
    -------
    v10 : ndarray
        For each positive, the share of negatives scored below it (ties count half).
    v01 : ndarray
        For each negative, the share of positives scored above it (ties count half).

    Examples
    --------
    >>> v10, v01 = placements(np.array([0, 1, 0, 1]), np.array([0.1, 0.35, 0.4, 0.8]))
    >>> v10.tolist(), v01.tolist()
    ([0.5, 1.0], [1.0, 0.5])
    """
    pos, neg = _split(y_true, score)
    # Binary search with sorted queries walks memory in order; with queries in row order it
    # jumps at random and costs several times more, so sort each class, search, scatter back.
    pos_order, neg_order = np.argsort(pos), np.argsort(neg)
    pos_sorted, neg_sorted = pos[pos_order], neg[neg_order]
    ranks = np.searchsorted(neg_sorted, pos_sorted, side="left")
    ranks += np.searchsorted(neg_sorted, pos_sorted, side="right")
    v10 = np.empty(pos.size)
    v10[pos_order] = ranks * (0.5 / neg.size)
    ranks = np.searchsorted(pos_sorted, neg_sorted, side="left")
    ranks += np.searchsorted(pos_sorted, neg_sorted, side="right")
    v01 = np.empty(neg.size)
    v01[neg_order] = (2 * pos.size - ranks) * (0.5 / pos.size)
    return v10, v01


def auc(y_true: NDArray[np.int64], score: Float) -> float:
    """ROC AUC (Mann-Whitney, ties counting half): the mean placement of the positives.

    Examples
    --------
    >>> auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    return float(np.mean(placements(y_true, score)[0]))


def _covariance(parts: list[Placements]) -> tuple[Float, Float]:
    k = len(parts)
    v10 = np.stack([p[0] for p in parts])
    v01 = np.stack([p[1] for p in parts])
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((k, k))
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((k, k))
    return v10.mean(axis=1), s10 / m + s01 / n


def delong(
    y_true: NDArray[np.int64],
    scores: Float,
    *,
    prepared: list[Placements] | None = None,
) -> tuple[Float, Float]:
    """AUCs of one or more models on the same rows and their DeLong covariance matrix.

    Parameters
    ----------
    y_true : ndarray of shape (n,)
        0/1 labels with both classes present.
    scores : ndarray of shape (k, n)
        One row of scores per model.
    prepared : list of Placements, optional
        Placements already computed for these models (from :func:`placements`), so that a
        caller deciding several criteria on the same scores sorts each of them once.

    Returns
    -------
    auc : ndarray of shape (k,)
    cov : ndarray of shape (k, k)
        Estimated covariance of the AUC estimates.

    Examples
    --------
    >>> auc, cov = delong(np.array([0, 0, 1, 1]), np.array([[0.1, 0.4, 0.35, 0.8]]))
    >>> float(auc[0]), float(cov[0, 0])
    (0.75, 0.125)
    """
    parts = prepared if prepared is not None else [placements(y_true, s) for s in scores]
    return _covariance(parts)


def _hanley_mcneil(theta: Float, n_pos: int, n_neg: int) -> Float:
    """Hanley & McNeil's AUC variance with both class sizes set to their mean (Newcombe)."""
    half = 0.5 * (n_pos + n_neg) - 1.0
    return (
        theta
        * (1.0 - theta)
        / (n_pos * n_neg)
        * (1.0 + half * (1.0 - theta) / (2.0 - theta) + half * theta / (1.0 + theta))
    )


def _root(f: Callable[[float], float], lo: float, hi: float) -> float:
    """Bisection for the sign change of *f* on ``[lo, hi]`` (``f(lo)`` and ``f(hi)`` differ)."""
    f_lo = f(lo) > 0.0
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        if (f(mid) > 0.0) == f_lo:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def auc_interval(auc: float, var: float, n_pos: int, n_neg: int, z: float) -> tuple[float, float]:
    """Score-type interval for an AUC (Newcombe, 2006), never narrower than DeLong's.

    Parameters
    ----------
    auc : float
        The estimate.
    var : float
        DeLong's variance of the estimate.
    n_pos, n_neg : int
        Class counts.
    z : float
        Normal quantile of the two-sided level.

    Returns
    -------
    tuple of float
        ``(low, high)`` inside [0, 1], containing the estimate.

    Notes
    -----
    Solves ``(auc - theta)^2 = z^2 k V(theta)`` for the two ends, where ``V`` is the
    Hanley-McNeil variance with the mean class size and ``k = max(1, var / V(auc))``. At a
    perfect ranking (AUC 1, DeLong variance 0) the interval still has a lower end below 1:
    a perfect ranking of 20 rows is not evidence of a perfect model.

    Examples
    --------
    >>> low, high = auc_interval(1.0, 0.0, 10, 10, 1.96)
    >>> round(low, 3), high
    (0.8, 1.0)
    """
    at = float(_hanley_mcneil(np.array(auc), n_pos, n_neg)) if 0.0 < auc < 1.0 else 0.0
    k = max(1.0, var / at) if at > 0.0 else 1.0
    c = z * z * k

    def excess(theta: float) -> float:
        return (auc - theta) ** 2 - c * float(_hanley_mcneil(np.array(theta), n_pos, n_neg))

    # A grid finds the outermost sign changes (V is not monotone); bisection refines them.
    grid = np.linspace(0.0, 1.0, _GRID)
    inside = (auc - grid) ** 2 <= c * _hanley_mcneil(grid, n_pos, n_neg)
    inside |= np.abs(grid - auc) <= 0.5 / (_GRID - 1)
    idx = np.flatnonzero(inside)
    first, last = int(idx[0]), int(idx[-1])
    low = 0.0 if first == 0 else _root(excess, float(grid[first - 1]), float(grid[first]))
    high = 1.0 if last == _GRID - 1 else _root(excess, float(grid[last]), float(grid[last + 1]))
    return min(low, auc), max(high, auc)


def mover_interval(
    estimates: tuple[float, float],
    intervals: tuple[tuple[float, float], tuple[float, float]],
    correlation: float,
) -> tuple[float, float]:
    """Interval for ``theta_a - theta_b`` from each one's interval and their correlation.

    The method of variance estimates recovery (Zou & Donner, 2008; Newcombe, 1998, method
    10 for paired proportions): each end of the difference borrows the distance to the
    matching end of each single interval, which carries their asymmetry over.

    Examples
    --------
    >>> low, high = mover_interval((0.8, 0.7), ((0.7, 0.88), (0.6, 0.78)), 0.5)
    >>> round(low, 4), round(high, 4)
    (0.0083, 0.1917)
    """
    (a, b), ((la, ua), (lb, ub)) = estimates, intervals
    r = max(-1.0, min(1.0, correlation))
    d = a - b
    low = d - math.sqrt(max((a - la) ** 2 + (ub - b) ** 2 - 2.0 * r * (a - la) * (ub - b), 0.0))
    high = d + math.sqrt(max((ua - a) ** 2 + (b - lb) ** 2 - 2.0 * r * (ua - a) * (b - lb), 0.0))
    return max(-1.0, low), min(1.0, high)
