"""Studentized (bootstrap-t) interval for a mean of per-row losses.

Per-row losses of rare events are strongly right-skewed (log loss and Brier score with a few
percent positives, squared errors under heteroscedastic noise). The sampling distribution of
their mean is then skewed too, and the symmetric CLT interval misses on the upper side far
more often than it should (in ``benchmarks/coverage.py``: 13-15% instead of 5% for a one-sided
95% bound at n = 100 and 5% prevalence). The bootstrap-t interval resamples the studentized
mean ``(mean* - mean) / se*`` and reads its quantiles, which corrects the skewness term of the
Edgeworth expansion (Hall, 1988, 1992; Efron & Tibshirani, 1993, ch. 12); unlike
Johnson's (1978) skewness-corrected t, whose correction is a shift of the centre, it makes the
two ends asymmetric, which is what the upper bound needs.

The one-sided coverage error of the CLT interval is about ``phi(z) g (2 z^2 + 1) / (6 sqrt(n))``
for per-row skewness ``g``; :func:`needs_studentizing` asks for the bootstrap when that exceeds
half a percentage point, so large, mildly skewed samples keep the CLT's O(n) fast path.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from modelpact.stats.bootstrap import block_size, resample_counts

__all__ = ["MAX_STUDENTIZED_ROWS", "needs_studentizing", "skewness", "studentized_interval"]

Float = NDArray[np.float64]
# CLT error budget for one side.
_CLT_ERROR = 0.005
#: The most rows a bootstrap-t is spent on: beyond them the skewness term of the normal
#: interval is below the error budget for any skewness met in practice (g < 30).
MAX_STUDENTIZED_ROWS = 200_000


def skewness(x: Float) -> float:
    """Sample skewness ``m3 / m2^1.5`` (0 for constant or tiny samples)."""
    if x.size < 3:
        return 0.0
    c = x - x.mean()
    m2 = float(np.dot(c, c)) / x.size
    if m2 <= 0.0:
        return 0.0
    return float(np.dot(c * c, c)) / x.size / (m2 * math.sqrt(m2))


def needs_studentizing(n: int, g: float, z: float = 1.645) -> bool:
    """Whether the CLT's skewness error at *n* rows and skewness *g* exceeds the budget."""
    error = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) * abs(g) * (2.0 * z * z + 1.0)
    return n <= MAX_STUDENTIZED_ROWS and error / (6.0 * math.sqrt(n)) > _CLT_ERROR


def studentized_interval(
    x: Float, confidence: float, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float, float]:
    """Bootstrap-t interval for the mean of *x*.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Per-row values (losses, or paired loss differences).
    confidence : float
        Two-sided level.
    n_resamples : int
    rng : numpy.random.Generator

    Returns
    -------
    low, high, se : float
        ``se`` is the usual ``sd / sqrt(n)``.

    Examples
    --------
    >>> x = np.random.default_rng(0).exponential(size=200)
    >>> low, high, se = studentized_interval(x, 0.95, 2000, np.random.default_rng(1))
    >>> bool(high - x.mean() > x.mean() - low)  # right skew: the upper side is longer
    True
    """
    n = x.size
    mean = float(x.mean())
    c = x - mean
    sd = math.sqrt(float(np.dot(c, c)) / (n - 1)) if n > 1 else 0.0
    se = sd / math.sqrt(n) if n > 0 else 0.0
    if se == 0.0:
        return mean, mean, 0.0
    cols = np.stack([c, c * c], axis=1)
    step = block_size(n)
    stats: list[Float] = []
    for i in range(0, n_resamples, step):
        w = resample_counts(rng, min(step, n_resamples - i), n)
        total = w.sum(axis=1)
        sums = w @ cols
        m = sums[:, 0] / total
        var = (sums[:, 1] / total - m * m) * total / np.maximum(total - 1.0, 1.0)
        ok = var > 0.0
        stats.append(m[ok] / np.sqrt(var[ok] / total[ok]))
    t = np.concatenate(stats)
    if t.size < 2:
        return mean, mean, se
    alpha = 1.0 - confidence
    q_low, q_high = np.quantile(t, [alpha / 2.0, 1.0 - alpha / 2.0])
    return mean - float(q_high) * se, mean - float(q_low) * se, se
