"""Drift thresholds calibrated on the reference by leave-chunk-out, with alarm control.

How a threshold is made, for one column and one method:

1. **Leave-chunk-out.** The reference is cut into ``R`` consecutive chunks (10 by default). Each
   chunk is compared with the reference *without that chunk* (profiles subtract exactly), so no
   chunk is compared with data that contains it — the bias that makes thresholds taken from
   "reference chunk vs whole reference" too low.
2. **Size normalisation.** Under no drift a divergence between samples of ``n`` and ``N`` rows
   scales like ``1/n + 1/N`` (its chi-squared limit), and a distance like the square root of
   that. Each leave-chunk-out statistic ``v_i`` is brought to the divergence scale
   (``v_i ** (1/power)``) and divided by ``1/n_i + 1/(N - n_i)``, giving ``R`` draws ``u_i``
   of a size-free null statistic. Natural variation of the reference period (seasonality, say)
   stays in the ``u_i`` and raises the threshold accordingly.
3. **Prediction bound.** Divergences between samples of one distribution are asymptotically
   scaled chi-squared; on the log scale their distribution is close to normal and slightly
   left-skewed, so a normal fitted to ``log u_i`` has a right tail at least as heavy as the
   truth. The threshold is the upper one-sided *prediction* bound for a new draw,
   ``exp(mean + t(R-1) · sd · sqrt(1 + 1/R))`` with Student's t on ``R - 1`` degrees of
   freedom, so that the uncertainty of fitting only ``R`` draws is paid for (a plain quantile
   of the fit, or a gamma fitted by moments, under-covers badly with ``R = 10``).
4. **Alarm control.** The pact's ``monitoring.false_alarm_rate`` ``α`` (default 0.01) is the
   probability that a chunk from a stable stream raises *any* alert from a statistical check.
   With ``m`` checks per chunk each check uses level ``α/m`` (Bonferroni, valid whatever the
   dependence between features). Alone, a calibrator counts its own checks (columns ×
   methods); in a monitoring run the univariate checks share one budget with the
   multivariate and missing-value checks (:class:`modelpact.monitor.alerts.AlarmBudget`),
   which passes the per-check level as ``per_check``. The threshold for a chunk of ``n`` rows is
   ``(q · (1/n + 1/N)) ** power`` with ``q`` the prediction bound at level ``1 - α/m``, and never below
   the largest leave-chunk-out value (carried to that size).

A chunk's statistic above its threshold is a drift alert. Because step 2 carries the null
scale to any size, the same calibration serves chunks of every size, including a short last
chunk, and a reference saved as a profile (which keeps its chunk profiles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from modelpact.errors import InvalidDataError
from modelpact.monitor.drift import DriftMethod, column_drift
from modelpact.monitor.profile import ReferenceProfile

__all__ = [
    "MIN_REFERENCE_CHUNKS",
    "MIN_REFERENCE_CHUNK_ROWS",
    "NullFit",
    "ThresholdCalibrator",
    "required_reference_rows",
]

MIN_REFERENCE_CHUNKS = 5
MIN_REFERENCE_CHUNK_ROWS = 50


def required_reference_rows(n_chunks: int) -> int:
    """Rows a reference needs to be cut into *n_chunks* calibration chunks."""
    return max(n_chunks, MIN_REFERENCE_CHUNKS) * MIN_REFERENCE_CHUNK_ROWS


@dataclass(frozen=True)
class NullFit:
    """The fitted no-drift distribution of one (column, method) on the divergence scale."""

    log_mean: float
    log_sd: float
    max_u: float
    n_reference: int
    power: float
    draws: tuple[float, ...]

    def threshold(self, n: int, alpha: float) -> float:
        """Threshold for a chunk with *n* non-missing values at per-check level *alpha*."""
        if n <= 0:
            return math.nan
        r = len(self.draws)
        if r >= 2 and self.log_sd > 0:
            t = _t_quantile(1.0 - alpha, r - 1)
            bound = math.exp(self.log_mean + t * self.log_sd * math.sqrt(1.0 + 1.0 / r))
            q = max(bound, self.max_u)
        else:
            q = self.max_u
        size = 1.0 / n + 1.0 / max(self.n_reference, 1)
        return float((q * size) ** self.power)


class ThresholdCalibrator:
    """Learns a :class:`NullFit` per column and method from a reference profile.

    Parameters
    ----------
    methods
        Drift methods to calibrate.
    false_alarm_rate
        Probability that a stable chunk raises any drift alert (across all checks).
    per_check
        Level of each check when the checks share a larger budget; default
        ``false_alarm_rate`` divided by this calibrator's number of checks.
    """

    def __init__(self, methods: Sequence[DriftMethod], *, false_alarm_rate: float = 0.01,
                 per_check: float | None = None) -> None:
        self.methods = methods
        self.false_alarm_rate = false_alarm_rate
        self.per_check = per_check

    def fit(self, reference: ReferenceProfile) -> ThresholdCalibrator:
        """Compute leave-chunk-out statistics and fit the null of every check."""
        chunks = reference.chunks
        if len(chunks) < MIN_REFERENCE_CHUNKS or min(c.n_rows for c in chunks) < \
                MIN_REFERENCE_CHUNK_ROWS:
            rows = reference.total.n_rows
            raise InvalidDataError(
                f"the reference has {rows} rows in {len(chunks)} chunks: calibrating drift "
                f"thresholds needs at least {MIN_REFERENCE_CHUNKS} reference chunks of "
                f"{MIN_REFERENCE_CHUNK_ROWS} rows, i.e. at least "
                f"{required_reference_rows(len(chunks))} reference rows; give a longer "
                "reference period")
        spec = reference.spec
        total = reference.total
        fits: dict[tuple[str, str], NullFit] = {}
        rests = [total.subtract(c) for c in chunks]
        for column in spec.columns:
            if column not in total.columns:
                continue
            kind = spec.kind(column)
            for method in self.methods:
                if kind not in method.kinds:
                    continue
                draws: list[float] = []
                for chunk, rest in zip(chunks, rests, strict=True):
                    a, b = rest.columns[column], chunk.columns[column]
                    v = column_drift(method, spec, column, a, b).value
                    if v == v and a.n > 0 and b.n > 0:
                        draws.append(v ** (1.0 / method.power) / (1.0 / b.n + 1.0 / a.n))
                fits[(column, method.name)] = _fit_null(
                    np.asarray(draws), total.columns[column].n, method.power)
        self.fits_ = fits
        self.n_checks_ = max(len(fits), 1)
        return self

    @property
    def alpha_per_check(self) -> float:
        """The Bonferroni level of one check."""
        if self.per_check is not None:
            return self.per_check
        return self.false_alarm_rate / self.n_checks_

    def threshold(self, column: str, method: str, n: int) -> float:
        """Threshold for *column* and *method* on a chunk with *n* non-missing values."""
        fit = self.fits_.get((column, method))
        return math.nan if fit is None else fit.threshold(n, self.alpha_per_check)


@lru_cache(maxsize=256)
def _t_quantile(level: float, dof: int) -> float:
    # every check of a run asks for the same few quantiles, chunk after chunk; SciPy's
    # distribution machinery costs far more than the arithmetic around it
    return float(sps.t.ppf(level, dof))


def _fit_null(u: NDArray[np.float64], n_reference: int, power: float) -> NullFit:
    if u.size == 0:
        return NullFit(0.0, 0.0, math.inf, n_reference, power, ())
    positive = u[u > 0]
    if positive.size == u.size and u.size > 1:
        logs = np.log(positive)
        mean, sd = float(logs.mean()), float(logs.std(ddof=1))
    else:  # a constant column (zero distance): any change at all is drift
        mean, sd = -math.inf, 0.0
    return NullFit(mean, sd, float(u.max()), n_reference, power, tuple(float(x) for x in u))
