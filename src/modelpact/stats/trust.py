"""Where no interval method can be trusted on the rows at hand, and how many rows would do.

A verdict at 95% confidence promises to be wrong at most about 5% of the time. Two kinds of
data break every method this package has (measured in ``benchmarks/coverage.py``), and a
criterion decided on them is ``inconclusive`` by design rather than ``pass``:

* **Strongly skewed mean losses on few rows.** Cochran's rule for the normal approximation
  of a mean (Cochran, 1977, *Sampling Techniques*, section 2.15): ``n > 25 g^2`` for per-row
  skewness ``g``. Below it even the bootstrap-t interval misses its upper bound far too often
  (RMSE at n = 100 under heteroscedastic noise: 9% one-sided).
* **Paired bootstrap of a positive-class label metric (F1, precision, ...) with few
  positives.** The joint table then has a handful of discordant positive rows and the BCa
  interval of the difference under-covers (11% one-sided misses with 5 positives, 8% with
  10); from 30 positives it is inside the band.
* **Average precision (``pr_auc``) with few positives.** Its BCa bootstrap misses one side
  13% of the time with 5 positives, 8% with 50 and 7% with 100 (5% prevalence); from 200
  positives it is inside the band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from modelpact.stats.studentized import skewness

__all__ = [
    "MIN_PAIRED_POSITIVES",
    "MIN_POSITIVES",
    "Untrusted",
    "paired_positives_rule",
    "positives_rule",
    "skewness_rule",
]

#: Positives a paired bootstrap of a positive-class label metric needs.
MIN_PAIRED_POSITIVES = 30
#: Positives below which a metric's interval cannot be trusted, by metric name.
MIN_POSITIVES = {"pr_auc": 200}
_COCHRAN = 25.0


@dataclass(frozen=True)
class Untrusted:
    """Why no interval can be trusted here, and the rows that would make it decidable."""

    reason: str
    n_needed: int


def skewness_rule(
    values: NDArray[np.float64], what: str, g: float | None = None
) -> Untrusted | None:
    """Cochran's ``n > 25 g^2`` for the mean of *values* (per-row losses or differences).

    *g* is the sample skewness of *values* when the caller has it already.
    """
    n = values.size
    g = skewness(values) if g is None else g
    needed = math.ceil(_COCHRAN * g * g)
    if n > needed:
        return None
    return Untrusted(
        f"{what} are too skewed (skewness {g:.1f}) for {n:,} rows: a mean needs more than "
        f"25 x skewness^2 = {needed:,} rows before any interval for it can be trusted",
        needed + 1,
    )


def positives_rule(y_true: NDArray[np.int64], minimum: int, what: str) -> Untrusted | None:
    """At least *minimum* positive rows; the rows needed scale with the observed prevalence."""
    n = y_true.size
    positives = int(np.count_nonzero(y_true == 1))
    if positives >= minimum:
        return None
    needed = math.ceil(n * minimum / positives) if positives else n * minimum
    return Untrusted(
        f"only {positives} positive rows: {what} needs at least {minimum} before its "
        "interval can be trusted",
        max(needed, n + 1),
    )


def paired_positives_rule(y_true: NDArray[np.int64]) -> Untrusted | None:
    """At least :data:`MIN_PAIRED_POSITIVES` positives for a paired label-metric bootstrap."""
    return positives_rule(y_true, MIN_PAIRED_POSITIVES, "a paired comparison of this metric")
