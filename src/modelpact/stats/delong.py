"""DeLong's variance of ROC AUC, with the fast midrank algorithm of Sun & Xu (2014).

The AUC is a two-sample U-statistic. Its variance (DeLong, DeLong & Clarke-Pearson, 1988)
comes from the *placement values*: for each positive, the share of negatives it outranks;
for each negative, the share of positives that outrank it. Sun & Xu obtain all placement
values from three midrankings (positives alone, negatives alone, both together), which
makes the whole computation O(n log n) instead of O(n_pos * n_neg), and handles several
models scored on the same rows at once, which gives the covariance a paired comparison needs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

__all__ = ["delong"]


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
