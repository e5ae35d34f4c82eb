"""DeLong's variance of ROC AUC, with the fast midrank algorithm of Sun & Xu (2014).

The AUC is a two-sample U-statistic. Its variance (DeLong, DeLong & Clarke-Pearson, 1988)
comes from the *placement values*: for each positive, the share of negatives it outranks;
for each negative, the share of positives that outrank it. Sun & Xu obtain all placement
values from three midrankings (positives alone, negatives alone, both together), which
makes the whole computation O(n log n) instead of O(n_pos * n_neg), and handles several
models scored on the same rows at once, which gives the covariance a paired comparison needs.

The interval for one AUC is built on the logit scale and mapped back: near AUC = 1 the
sampling distribution is skewed, and a symmetric interval clipped at 1 under-covers (in a
seeded study at AUC 0.98 and n = 100, 86% for the clipped interval against 94% on the logit
scale; tests/stats/test_delong.py keeps that comparison).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

__all__ = ["auc_interval", "delong"]


def delong(
    y_true: NDArray[np.int64], scores: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """AUCs of one or more models on the same rows and their DeLong covariance matrix.

    Parameters
    ----------
    y_true : ndarray of shape (n,)
        0/1 labels with both classes present.
    scores : ndarray of shape (k, n)
        One row of scores per model.

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
    pos = y_true == 1
    x = scores[:, pos]
    y = scores[:, ~pos]
    m, n = x.shape[1], y.shape[1]
    tx = rankdata(x, axis=1)
    ty = rankdata(y, axis=1)
    tz = rankdata(np.concatenate([x, y], axis=1), axis=1)
    auc = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
    # Placement of each positive among the negatives, and of each negative among positives.
    v10 = (tz[:, :m] - tx) / n
    v01 = 1.0 - (tz[:, m:] - ty) / m
    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((len(scores), len(scores)))
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((len(scores), len(scores)))
    return auc, s10 / m + s01 / n


def auc_interval(auc: float, se: float, n_pos: int, n_neg: int, z: float) -> tuple[float, float]:
    """Logit-scale normal interval for an AUC with DeLong standard error *se*.

    Parameters
    ----------
    auc, se : float
        Estimate and its DeLong standard error.
    n_pos, n_neg : int
        Class counts.
    z : float
        Normal quantile of the two-sided level.

    Returns
    -------
    tuple of float
        ``(low, high)`` inside [0, 1].

    Notes
    -----
    At AUC 0 or 1 (perfect separation) the DeLong variance is 0 and the logit infinite.
    The interval then falls back to a Wilson score bound for a proportion of 1 (or 0) out
    of the harmonic mean of the class sizes, ``2 n_pos n_neg / (n_pos + n_neg)``: near
    AUC 1 the variance behaves like a proportion's over roughly that many rows (Hanley &
    McNeil, 1982), and a perfect ranking of 20 rows is not evidence of a perfect model.

    Examples
    --------
    >>> low, high = auc_interval(1.0, 0.0, 10, 10, 1.96)
    >>> round(low, 3), high
    (0.722, 1.0)
    """
    if auc <= 0.0 or auc >= 1.0:
        n_eff = 2.0 * n_pos * n_neg / (n_pos + n_neg)
        bound = n_eff / (n_eff + z * z)
        return (bound, 1.0) if auc >= 1.0 else (0.0, 1.0 - bound)
    centre = math.log(auc / (1.0 - auc))
    half = z * se / (auc * (1.0 - auc))
    return 1.0 / (1.0 + math.exp(-(centre - half))), 1.0 / (1.0 + math.exp(-(centre + half)))
