"""Wilson score interval for a binomial proportion.

The Wilson interval inverts the score test, so it stays inside [0, 1], is not degenerate at
0 or n successes, and has close to nominal coverage down to small n (Brown, Cai & DasGupta,
2001), which is why proportions such as accuracy and recall use it instead of a bootstrap.
"""

from __future__ import annotations

import math

from scipy.special import ndtri

__all__ = ["wilson_interval", "z_two_sided"]


def z_two_sided(confidence: float) -> float:
    """Standard-normal quantile for a two-sided interval at *confidence*."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1; got {confidence}")
    return float(ndtri(0.5 + confidence / 2.0))


def wilson_interval(
    successes: float, trials: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Two-sided Wilson score interval for ``successes / trials``.

    Parameters
    ----------
    successes, trials : float
        Counts, ``0 <= successes <= trials``. With ``trials == 0`` nothing is known and the
        interval is ``(0.0, 1.0)``.
    confidence : float
        Two-sided coverage level.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Examples
    --------
    >>> low, high = wilson_interval(30, 30)
    >>> round(low, 4), high
    (0.8865, 1.0)
    """
    if trials == 0:
        return 0.0, 1.0
    z = z_two_sided(confidence)
    z2 = z * z
    p = successes / trials
    denom = 1.0 + z2 / trials
    centre = (p + z2 / (2.0 * trials)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / trials + z2 / (4.0 * trials * trials))
    # Clip only rounding: mathematically the interval lies in [0, 1] and contains p.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))
