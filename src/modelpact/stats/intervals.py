"""Confidence intervals for a metric on one set of predictions.

:func:`metric_interval` dispatches to the method the metric declares (``method="auto"``) or
to the one asked for:

========================  ===========================================================
``"wilson"``              proportions: accuracy, precision, recall, specificity
``"delong"``              ROC AUC (midrank DeLong variance, normal on the logit scale)
``"clt"``                 mean losses: mean +- z * sd / sqrt(n); RMSE by the delta method
``"bootstrap"``           BCa bootstrap (same as ``"bootstrap-bca"``), any metric
``"bootstrap-bca"``       bias-corrected and accelerated percentile bootstrap
``"bootstrap-percentile"`` plain percentile bootstrap
========================  ===========================================================
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError
from modelpact.stats._kernels import cell_tables
from modelpact.stats.bootstrap import (
    Replicates,
    bootstrap_interval,
    cell_replicates,
    loop_replicates,
    weight_replicates,
)
from modelpact.stats.delong import auc_interval, delong
from modelpact.stats.metrics import Metric, resolve
from modelpact.stats.wilson import wilson_interval, z_two_sided

__all__ = ["BOOTSTRAP_METHODS", "Interval", "metric_interval"]

BOOTSTRAP_METHODS = ("bootstrap", "bootstrap-bca", "bootstrap-percentile")


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval.

    Attributes
    ----------
    estimate : float
        The metric on all rows (equal to scikit-learn's value).
    low, high : float
        Interval bounds, inside the metric's valid range.
    confidence : float
        Two-sided coverage level of ``[low, high]``.
    method : str
        How the interval was computed, e.g. ``"wilson"`` or ``"bootstrap-bca"``.
    n : int
        Rows used (all rows given, also for metrics such as recall that only read a subset;
        so that sample-size planning counts evaluation rows).
    se : float or None
        Standard error of the estimate: analytic, the bootstrap standard deviation, or for
        score intervals (Wilson, Newcombe) the half-width divided by z, which stays positive
        at proportions of 0 and 1. ``None`` when no rows inform the metric.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    method: str
    n: int
    se: float | None

    def to_dict(self) -> dict[str, float | int | str | None]:
        """Plain dictionary of the fields, for JSON."""
        return asdict(self)


def check_options(confidence: float, n_resamples: int) -> None:
    if not 0.0 < confidence < 1.0:
        raise MetricError(f"confidence must be strictly between 0 and 1; got {confidence}")
    if n_resamples < 2:
        raise MetricError(f"n_resamples must be at least 2; got {n_resamples}")


def clip(value: float, bounds: tuple[float, float]) -> float:
    return float(min(max(value, bounds[0]), bounds[1]))


def normal_interval(
    estimate: float, se: float, confidence: float, bounds: tuple[float, float]
) -> tuple[float, float]:
    half = z_two_sided(confidence) * se
    return clip(estimate - half, bounds), clip(estimate + half, bounds)


def unknown_method(metric: Metric, method: str, allowed: list[str]) -> MetricError:
    return MetricError(
        f"{metric.name}: interval method {method!r} does not apply; use one of "
        f"{', '.join(repr(m) for m in allowed)}"
    )


def methods_for(metric: Metric) -> list[str]:
    """Interval methods *metric* supports, besides ``"auto"``."""
    e = metric.engine
    out: list[str] = []
    if e is not None and e.proportion is not None:
        out.append("wilson")
    if e is not None and metric.interval == "delong":
        out.append("delong")
    if e is not None and e.loss is not None:
        out.append("clt")
    return [*out, *BOOTSTRAP_METHODS]


def replicates_for(
    metric: Metric,
    t: NDArray[Any],
    p: NDArray[Any],
    n_resamples: int,
    rng: np.random.Generator,
) -> Replicates:
    """Bootstrap replicates of *metric* by the fastest route its engine offers."""
    e = metric.engine
    if e is not None and e.confusion is not None:
        counts = e.counts(t, p)
        k = counts.shape[0]
        occupied = np.flatnonzero(counts)
        tables = cell_tables(occupied, k)
        stat = e.confusion
        return cell_replicates(
            lambda x: stat(tables(x)), counts.ravel()[occupied], n_resamples, rng
        )
    if e is not None and e.kernel is not None:
        return weight_replicates(e.kernel(t, p).evaluate, t.shape[0], n_resamples, rng)
    return loop_replicates(metric.func, [t, p], n_resamples, rng)


def metric_interval(
    metric: str | Metric,
    y_true: ArrayLike,
    y: ArrayLike,
    *,
    confidence: float = 0.95,
    method: str = "auto",
    n_resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Point estimate and confidence interval of a metric.

    Parameters
    ----------
    metric : str or Metric
        Registry name or a :class:`~modelpact.stats.Metric`.
    y_true : array-like of shape (n,)
        True labels (class codes) or regression targets.
    y : array-like
        Predictions of the kind the metric reads (labels, scores or values).
    confidence : float, default 0.95
        Two-sided coverage level.
    method : str, default "auto"
        ``"auto"`` (the metric's default), ``"wilson"``, ``"delong"``, ``"clt"``,
        ``"bootstrap"``, ``"bootstrap-bca"`` or ``"bootstrap-percentile"``.
    n_resamples : int, default 2000
        Bootstrap resamples (ignored by the analytic methods).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same interval.

    Returns
    -------
    Interval

    Raises
    ------
    MetricError
        If the metric cannot take the inputs or the method does not apply to it.

    Examples
    --------
    >>> iv = metric_interval("accuracy", [1, 0, 1, 1, 0, 1, 0, 1], [1, 0, 1, 0, 0, 1, 1, 1])
    >>> iv.method, iv.estimate, round(iv.low, 3), round(iv.high, 3)
    ('wilson', 0.75, 0.409, 0.929)
    """
    m = resolve(metric)
    check_options(confidence, n_resamples)
    # A user-defined metric has no engine for the analytic methods: "auto" bootstraps it.
    default = m.interval if m.engine is not None else "bootstrap"
    chosen = default if method == "auto" else method
    allowed = methods_for(m)
    if chosen not in allowed:
        raise unknown_method(m, chosen, allowed)
    e = m.engine
    t, p = (np.asarray(y_true), np.asarray(y)) if e is None else e.check(y_true, y)
    estimate = m.func(t, p)
    n = int(t.shape[0])

    if chosen == "wilson":
        assert e is not None
        assert e.proportion is not None
        k, trials = (float(v) for v in e.proportion(e.counts(t, p)))
        low, high = wilson_interval(k, trials, confidence)
        se = (high - low) / (2.0 * z_two_sided(confidence)) if trials > 0 else None
        return Interval(estimate, low, high, confidence, "wilson", n, se)

    if chosen == "delong":
        _, cov = delong(t, p[None, :])
        se = math.sqrt(max(float(cov[0, 0]), 0.0))
        n_pos = int(np.count_nonzero(t))
        low, high = auc_interval(estimate, se, n_pos, n - n_pos, z_two_sided(confidence))
        return Interval(estimate, low, high, confidence, "delong", n, se)

    if chosen == "clt":
        assert e is not None
        assert e.loss is not None
        loss = e.loss(t, p)
        se = float(np.std(loss, ddof=1)) / math.sqrt(n) if n > 1 else 0.0
        if e.root:
            # Delta method: d sqrt(x) / dx = 1 / (2 sqrt(x)).
            se = se / (2.0 * estimate) if estimate > 0.0 else 0.0
        low, high = normal_interval(estimate, se, confidence, m.bounds)
        return Interval(estimate, low, high, confidence, "clt", n, se)

    kind = "percentile" if chosen == "bootstrap-percentile" else "bca"
    reps = replicates_for(m, t, p, n_resamples, np.random.default_rng(seed))
    low, high, se, name = bootstrap_interval(estimate, reps, confidence, kind)
    return Interval(estimate, low, high, confidence, name, n, se)
