"""Confidence intervals for a metric on one set of predictions.

:func:`metric_interval` dispatches to the method the metric declares (``method="auto"``) or
to the one asked for:

========================  ===========================================================
``"wilson"``              proportions: accuracy, precision, recall, specificity
``"delong"``              ROC AUC: score-type interval with the DeLong variance as a floor
                          (:func:`~modelpact.stats.delong.auc_interval`)
``"clt"``                 mean losses: mean +- z * sd / sqrt(n); RMSE by the delta method.
                          As the default (``"auto"``) it turns into ``"bootstrap-t"`` where
                          the per-row losses are skewed enough for the CLT to mislead
``"bootstrap-t"``         studentized bootstrap of a mean loss (:mod:`.studentized`), or
                          of ``log(1 - R^2)`` for R^2 (:mod:`.r2`)
``"calibration"``         ECE: the bias-aware bound of :mod:`.calibration`
``"bootstrap"``           BCa bootstrap (same as ``"bootstrap-bca"``), any metric
``"bootstrap-bca"``       bias-corrected and accelerated percentile bootstrap
``"bootstrap-percentile"`` plain percentile bootstrap
========================  ===========================================================

Where no method can be trusted on the rows given (:mod:`.trust`), the interval is still
computed but carries the reason in ``untrusted`` and the rows that would make it decidable in
``n_trusted``; a verdict read from it must not pass.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError
from modelpact.stats._kernels import ECE_BINS, cell_tables, ece_bins
from modelpact.stats.bootstrap import (
    Replicates,
    bootstrap_interval,
    cell_replicates,
    loop_replicates,
    weight_replicates,
)
from modelpact.stats.calibration import ece_interval
from modelpact.stats.delong import Placements, auc_interval, delong, placements
from modelpact.stats.metrics import Metric, resolve
from modelpact.stats.studentized import needs_studentizing, skewness, studentized_interval
from modelpact.stats.trust import MIN_POSITIVES, Untrusted, positives_rule, skewness_rule
from modelpact.stats.wilson import wilson_interval, z_two_sided

__all__ = ["BOOTSTRAP_METHODS", "Interval", "ScoreCache", "metric_interval"]

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
    untrusted : str or None
        Why no interval method can be trusted on these rows (:mod:`modelpact.stats.trust`);
        ``None`` when the interval can be.
    n_trusted : int or None
        Rows that would make the interval trustworthy, when ``untrusted`` is set.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    method: str
    n: int
    se: float | None
    untrusted: str | None = None
    n_trusted: int | None = None

    def to_dict(self) -> dict[str, float | int | str | None]:
        """Plain dictionary of the fields, for JSON."""
        return asdict(self)


class ScoreCache:
    """Placement values of score vectors, computed once and shared across intervals.

    ``verify`` decides several criteria on the same score column (an absolute ROC AUC, a
    paired one against the baseline, ...); with one cache per verification every score
    vector is sorted once. Entries are keyed by the arrays' identity and keep the arrays
    alive, so a key cannot be reused by another array.

    Examples
    --------
    >>> cache = ScoreCache()
    >>> y, s = np.array([0, 1, 0, 1]), np.array([0.1, 0.35, 0.4, 0.8])
    >>> cache.placements(y, s) is cache.placements(y, s)
    True
    """

    def __init__(self) -> None:
        self._items: dict[tuple[int, int], tuple[NDArray[Any], NDArray[Any], Placements]] = {}

    def placements(self, y_true: NDArray[Any], score: NDArray[Any]) -> Placements:
        """:func:`~modelpact.stats.delong.placements` of *score*, from the cache if present."""
        key = (id(y_true), id(score))
        hit = self._items.get(key)
        if hit is not None and hit[0] is y_true and hit[1] is score:
            return hit[2]
        value = placements(y_true, score)
        self._items[key] = (y_true, score, value)
        return value


def scored_placements(
    cache: ScoreCache | None, y_true: NDArray[Any], score: NDArray[Any]
) -> Placements:
    return placements(y_true, score) if cache is None else cache.placements(y_true, score)


def mark(interval: Interval, rule: Untrusted | None) -> Interval:
    """*interval* with the reason no method can be trusted, if *rule* found one."""
    if rule is None:
        return interval
    return replace(interval, untrusted=rule.reason, n_trusted=rule.n_needed)


def mean_loss_interval(
    loss: NDArray[np.float64],
    *,
    root: bool,
    chosen: str,
    confidence: float,
    bounds: tuple[float, float],
    n_resamples: int,
    seed: int,
    auto: bool,
) -> tuple[float, float, float, float, str, Untrusted | None]:
    """Estimate, interval, se and method of a mean loss (or its root), with the trust rule."""
    n = loss.size
    mean = float(np.mean(loss))
    estimate = float(np.sqrt(mean)) if root else mean
    g = skewness(loss)
    rule = skewness_rule(loss, "the per-row losses", g)
    if chosen == "bootstrap-t" or (auto and needs_studentizing(n, g)):
        rng = np.random.default_rng(seed)
        low, high, se = studentized_interval(loss, confidence, n_resamples, rng)
        method = "bootstrap-t"
    else:
        se = float(np.std(loss, ddof=1)) / math.sqrt(n) if n > 1 else 0.0
        low, high = mean - z_two_sided(confidence) * se, mean + z_two_sided(confidence) * se
        method = "clt"
    if root:
        # The bounds of the mean square map through the square root; se by the delta method.
        low, high = math.sqrt(max(low, 0.0)), math.sqrt(max(high, 0.0))
        se = se / (2.0 * estimate) if estimate > 0.0 else 0.0
    return estimate, clip(low, bounds), clip(high, bounds), se, method, rule


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
        out.extend(["clt", "bootstrap-t"])
    if e is not None and e.studentized is not None:
        out.append("bootstrap-t")
    if e is not None and metric.interval == "calibration":
        out.append("calibration")
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
    cache: ScoreCache | None = None,
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
        ``"bootstrap-t"``, ``"calibration"``, ``"bootstrap"``, ``"bootstrap-bca"`` or
        ``"bootstrap-percentile"``.
    n_resamples : int, default 2000
        Bootstrap resamples (ignored by the analytic methods).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same interval.
    cache : ScoreCache, optional
        Shares the sorting of score vectors with other intervals on the same arrays.

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
    n = int(t.shape[0])

    if chosen == "wilson":
        assert e is not None
        assert e.proportion is not None
        counts = e.counts(t, p)
        assert e.confusion is not None
        estimate = float(e.confusion(counts))
        k, trials = (float(v) for v in e.proportion(counts))
        low, high = wilson_interval(k, trials, confidence)
        se = (high - low) / (2.0 * z_two_sided(confidence)) if trials > 0 else None
        return Interval(estimate, low, high, confidence, "wilson", n, se)

    if chosen == "delong":
        v10, v01 = scored_placements(cache, t, p)
        estimate = float(np.mean(v10))
        _, cov = delong(t, p[None, :], prepared=[(v10, v01)])
        var = max(float(cov[0, 0]), 0.0)
        low, high = auc_interval(estimate, var, v10.size, v01.size, z_two_sided(confidence))
        return Interval(estimate, low, high, confidence, "delong", n, math.sqrt(var))

    if chosen == "bootstrap-t" and e is not None and e.studentized is not None:
        found = e.studentized(t, p, confidence, n_resamples, np.random.default_rng(seed))
        if found is not None:
            low, high, se, name = found
            estimate = m.func(t, p)
            return Interval(
                estimate, clip(low, m.bounds), clip(high, m.bounds), confidence, name, n, se
            )
        # No studentized scale on these rows (a perfect fit, a constant target): bootstrap.
        chosen = "bootstrap"

    if chosen in ("clt", "bootstrap-t"):
        assert e is not None
        assert e.loss is not None
        estimate, low, high, se, name, rule = mean_loss_interval(
            e.loss(t, p),
            root=e.root,
            chosen=chosen,
            confidence=confidence,
            bounds=m.bounds,
            n_resamples=n_resamples,
            seed=seed,
            auto=method == "auto",
        )
        return mark(Interval(estimate, low, high, confidence, name, n, se), rule)

    if chosen == "calibration":
        estimate, low, high, se = ece_interval(ece_bins(p), t - p, p, ECE_BINS, confidence)
        return Interval(estimate, low, high, confidence, "calibration", n, se)

    estimate = m.func(t, p)
    minimum = MIN_POSITIVES.get(m.name)
    rule = None if minimum is None else positives_rule(t, minimum, m.name)
    kind = "percentile" if chosen == "bootstrap-percentile" else "bca"
    reps = replicates_for(m, t, p, n_resamples, np.random.default_rng(seed))
    low, high, se, name = bootstrap_interval(estimate, reps, confidence, kind)
    return mark(Interval(estimate, low, high, confidence, name, n, se), rule)
