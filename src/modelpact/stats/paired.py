"""Comparing two models on the same rows.

A paired interval for ``metric(y_a) - metric(y_b)`` uses the correlation between the two
models' errors on shared rows, which makes it much narrower than two independent intervals:

* ROC AUC (``"paired-delong"``): each model's score-type AUC interval combined with DeLong's
  correlation of the two AUCs by MOVER (Zou & Donner, 2008), which stays honest with a few
  positives and near AUC 1, where the normal interval on DeLong's variance of the difference
  does not (see :mod:`modelpact.stats.delong`).
* Accuracy: Newcombe's hybrid score interval for a difference of paired proportions
  (Newcombe, 1998, method 10), with :func:`mcnemar_test` as the matching test.
* Mean losses (log loss, Brier, MAE, MSE): the CLT on per-row loss differences, or the
  bootstrap-t where the differences are skewed (:mod:`modelpact.stats.studentized`).
* Everything else: a bootstrap that resamples rows once for both models. For label metrics
  the rows are the cells of the joint table ``(y, a, b)``, so one multinomial draw per
  resample suffices; for other metrics both kernels see the same resampling weights.

:func:`paired_comparison` also returns each model's own value, computed on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError
from modelpact.stats._kernels import cell_tables
from modelpact.stats._validation import as_codes, check_pair
from modelpact.stats.bootstrap import (
    Replicates,
    bootstrap_interval,
    cell_replicates,
    loop_replicates,
    weight_replicates,
)
from modelpact.stats.delong import auc_interval, delong, mover_interval
from modelpact.stats.intervals import (
    BOOTSTRAP_METHODS,
    Interval,
    ScoreCache,
    check_options,
    mark,
    normal_interval,
    scored_placements,
    unknown_method,
)
from modelpact.stats.metrics import Metric, resolve
from modelpact.stats.studentized import needs_studentizing, skewness, studentized_interval
from modelpact.stats.trust import (
    MIN_POSITIVES,
    Untrusted,
    paired_positives_rule,
    positives_rule,
    skewness_rule,
)
from modelpact.stats.wilson import wilson_interval, z_two_sided

__all__ = [
    "PairedComparison",
    "mcnemar_test",
    "newcombe_interval",
    "paired_comparison",
    "paired_interval",
]


@dataclass(frozen=True)
class PairedComparison:
    """A paired interval for ``A - B`` and each model's own value on the same rows."""

    interval: Interval
    value_a: float
    value_b: float


Float = NDArray[np.float64]
_EXACT_BELOW = 25


def newcombe_interval(
    both: float, only_a: float, only_b: float, neither: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``p_a - p_b`` from a paired 2x2 table.

    Parameters
    ----------
    both, only_a, only_b, neither : float
        Rows where both models succeed, only A, only B, and neither.
    confidence : float

    Returns
    -------
    tuple of float
        ``(low, high)`` within ``[-1, 1]``.

    Examples
    --------
    >>> low, high = newcombe_interval(40, 8, 2, 10)
    >>> round(low, 4), round(high, 4)
    (-0.0012, 0.2021)
    """
    n = both + only_a + only_b + neither
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    l_a, u_a = wilson_interval(both + only_a, n, confidence)
    l_b, u_b = wilson_interval(both + only_b, n, confidence)
    margins = (both + only_a) * (only_b + neither) * (both + only_b) * (only_a + neither)
    phi = (both * neither - only_a * only_b) / math.sqrt(margins) if margins > 0 else 0.0
    d_a, e_a, d_b, e_b = p_a - l_a, u_a - p_a, p_b - l_b, u_b - p_b
    diff = p_a - p_b
    low = diff - math.sqrt(max(d_a * d_a - 2.0 * phi * d_a * e_b + e_b * e_b, 0.0))
    high = diff + math.sqrt(max(e_a * e_a - 2.0 * phi * e_a * d_b + d_b * d_b, 0.0))
    return max(-1.0, low), min(1.0, high)


def _correct(
    y_true: ArrayLike, pred_a: ArrayLike, pred_b: ArrayLike
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    name = "mcnemar_test"
    t = as_codes(name, "y_true", y_true)
    a = as_codes(name, "the predictions of model A", pred_a)
    b = as_codes(name, "the predictions of model B", pred_b)
    check_pair(name, t, a)
    check_pair(name, t, b)
    return a == t, b == t


def mcnemar_test(y_true: ArrayLike, pred_a: ArrayLike, pred_b: ArrayLike) -> tuple[float, float]:
    """McNemar's test that two classifiers have the same accuracy on the same rows.

    Only the discordant rows (one model right, the other wrong) carry information. With
    fewer than 25 of them the test is the exact binomial test of ``b`` successes in
    ``b + c`` trials at 1/2, and the statistic is ``min(b, c)``; otherwise the statistic is
    the uncorrected chi-square ``(b - c)^2 / (b + c)`` with one degree of freedom (the
    continuity correction is needlessly conservative; Fagerland, Lydersen & Laake, 2013).

    Parameters
    ----------
    y_true, pred_a, pred_b : array-like of shape (n,)
        True class codes and the two models' predicted codes.

    Returns
    -------
    statistic, p_value : float

    Examples
    --------
    >>> mcnemar_test([1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 0], [0, 0, 0, 1, 0, 0])
    (0.0, 0.25)
    """
    # scipy.stats costs half a second to import; only this test needs it.
    from scipy.stats import binomtest, chi2

    ok_a, ok_b = _correct(y_true, pred_a, pred_b)
    b = int(np.count_nonzero(ok_a & ~ok_b))
    c = int(np.count_nonzero(~ok_a & ok_b))
    if b + c == 0:
        return 0.0, 1.0
    if b + c < _EXACT_BELOW:
        return float(min(b, c)), float(binomtest(b, b + c, 0.5).pvalue)
    stat = (b - c) ** 2 / (b + c)
    return float(stat), float(chi2.sf(stat, 1))


def _paired_methods(m: Metric) -> list[str]:
    e = m.engine
    out: list[str] = []
    if e is not None and m.interval == "delong":
        out.append("delong")
    if e is not None and m.name == "accuracy":
        out.append("newcombe")
    if e is not None and e.loss is not None:
        out.extend(["clt", "bootstrap-t"])
    return [*out, *BOOTSTRAP_METHODS]


def _default_method(m: Metric) -> str:
    if m.engine is None:  # a user-defined metric: only the bootstrap knows nothing about it
        return "bootstrap"
    if m.interval == "delong":
        return "delong"
    if m.name == "accuracy":
        return "newcombe"
    if m.interval == "clt":
        return "clt"
    return "bootstrap"


def _paired_replicates(
    m: Metric,
    t: NDArray[Any],
    a: NDArray[Any],
    b: NDArray[Any],
    n_resamples: int,
    rng: np.random.Generator,
) -> Replicates:
    e = m.engine
    if e is not None and e.confusion is not None:
        k = max(e.n_classes(t, a), e.n_classes(t, b))
        joint = np.bincount((t * k + a) * k + b, minlength=k**3).astype(np.float64)
        cells = np.flatnonzero(joint)
        # A joint cell (y, a, b) adds to cell (y, a) of model A's table, (y, b) of B's.
        table_a = cell_tables(cells // k, k)
        table_b = cell_tables(cells // (k * k) * k + cells % k, k)
        stat = e.confusion

        def diff(x: Float) -> Float:
            return stat(table_a(x)) - stat(table_b(x))

        return cell_replicates(diff, joint[cells], n_resamples, rng)
    if e is not None and e.kernel is not None:
        ka, kb = e.kernel(t, a), e.kernel(t, b)

        def evaluate(w: Float) -> Float:
            return ka.evaluate(w[0]) - kb.evaluate(w[1])

        return weight_replicates(
            evaluate, t.shape[0], n_resamples, rng, permutations=(ka.order, kb.order)
        )
    func = m.func
    return loop_replicates(
        lambda t_, a_, b_: func(t_, a_) - func(t_, b_), [t, a, b], n_resamples, rng
    )


def paired_interval(
    metric: str | Metric,
    y_true: ArrayLike,
    y_a: ArrayLike,
    y_b: ArrayLike,
    *,
    confidence: float = 0.95,
    method: str = "auto",
    n_resamples: int = 2000,
    seed: int = 0,
    cache: ScoreCache | None = None,
) -> Interval:
    """Interval for ``metric(y_true, y_a) - metric(y_true, y_b)`` on the same rows.

    Parameters
    ----------
    metric : str or Metric
    y_true : array-like of shape (n,)
    y_a, y_b : array-like
        Predictions of models A and B for the same rows, in the same order.
    confidence : float, default 0.95
    method : str, default "auto"
        ``"auto"``, ``"delong"`` (ROC AUC), ``"newcombe"`` (accuracy), ``"clt"`` or
        ``"bootstrap-t"`` (mean losses), ``"bootstrap"``, ``"bootstrap-bca"`` or
        ``"bootstrap-percentile"``.
    n_resamples : int, default 2000
    seed : int, default 0
    cache : ScoreCache, optional
        Shares the sorting of score vectors with other intervals on the same arrays.

    Returns
    -------
    Interval
        ``estimate`` is the difference A - B; ``method`` is one of ``"paired-delong"``,
        ``"newcombe-paired"``, ``"paired-clt"``, ``"paired-bootstrap-t"``,
        ``"paired-bootstrap-bca"`` or ``"paired-bootstrap-percentile"``.

    Examples
    --------
    >>> iv = paired_interval("accuracy", [1, 0, 1, 1, 0, 1], [1, 0, 1, 1, 0, 0], [1, 1, 0, 1, 0, 0])
    >>> iv.method, round(iv.estimate, 4)
    ('newcombe-paired', 0.3333)
    """
    return paired_comparison(
        metric,
        y_true,
        y_a,
        y_b,
        confidence=confidence,
        method=method,
        n_resamples=n_resamples,
        seed=seed,
        cache=cache,
    ).interval


def paired_comparison(
    metric: str | Metric,
    y_true: ArrayLike,
    y_a: ArrayLike,
    y_b: ArrayLike,
    *,
    confidence: float = 0.95,
    method: str = "auto",
    n_resamples: int = 2000,
    seed: int = 0,
    cache: ScoreCache | None = None,
) -> PairedComparison:
    """:func:`paired_interval` together with each model's value of the metric.

    Takes the arguments of :func:`paired_interval`. The values equal ``metric(y_true, y_a)``
    and ``metric(y_true, y_b)`` but reuse the work of the interval.

    Examples
    --------
    >>> c = paired_comparison("accuracy", [1, 0, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0])
    >>> c.value_a, c.value_b, c.interval.estimate
    (0.75, 0.25, 0.5)
    """
    m = resolve(metric)
    check_options(confidence, n_resamples)
    chosen = _default_method(m) if method == "auto" else method
    if chosen in ("paired-delong", "newcombe-paired"):
        chosen = chosen.replace("paired-", "").replace("-paired", "")
    allowed = _paired_methods(m)
    if chosen not in allowed:
        raise unknown_method(m, chosen, allowed)
    e = m.engine
    if e is None:
        t, a, b = np.asarray(y_true), np.asarray(y_a), np.asarray(y_b)
    else:
        t, a = e.check(y_true, y_a)
        _, b = e.check(y_true, y_b)
        if a.shape != b.shape:
            raise MetricError(
                f"{m.name}: the two models' predictions differ in shape: {a.shape} vs {b.shape}"
            )
    n = int(t.shape[0])
    width = m.bounds[1] - m.bounds[0]
    bounds = (-width, width)

    def done(
        low: float,
        high: float,
        se: float | None,
        name: str,
        va: float,
        vb: float,
        rule: Untrusted | None = None,
    ) -> PairedComparison:
        iv = Interval(va - vb, low, high, confidence, name, n, se)
        return PairedComparison(mark(iv, rule), va, vb)

    if chosen == "delong":
        pa, pb = scored_placements(cache, t, a), scored_placements(cache, t, b)
        va, vb = float(np.mean(pa[0])), float(np.mean(pb[0]))
        _, cov = delong(t, np.empty((2, 0)), prepared=[pa, pb])
        var_a, var_b = max(float(cov[0, 0]), 0.0), max(float(cov[1, 1]), 0.0)
        se = math.sqrt(max(var_a + var_b - 2.0 * float(cov[0, 1]), 0.0))
        corr = float(cov[0, 1]) / math.sqrt(var_a * var_b) if var_a > 0 and var_b > 0 else 0.0
        z = z_two_sided(confidence)
        n_pos, n_neg = pa[0].size, pa[1].size
        ia = auc_interval(va, var_a, n_pos, n_neg, z)
        ib = auc_interval(vb, var_b, n_pos, n_neg, z)
        # Identical rankings differ by nothing; MOVER would keep the intervals' asymmetry.
        low, high = mover_interval((va, vb), (ia, ib), corr) if se > 0.0 else (va - vb,) * 2
        return done(low, high, se, "paired-delong", va, vb)

    if chosen == "newcombe":
        ok_a, ok_b = a == t, b == t
        both, only_a, only_b, neither = (
            float(np.count_nonzero(x))
            for x in (ok_a & ok_b, ok_a & ~ok_b, ~ok_a & ok_b, ~ok_a & ~ok_b)
        )
        low, high = newcombe_interval(both, only_a, only_b, neither, confidence)
        se = (high - low) / (2.0 * z_two_sided(confidence))
        return done(low, high, se, "newcombe-paired", (both + only_a) / n, (both + only_b) / n)

    if chosen in ("clt", "bootstrap-t"):
        assert e is not None
        assert e.loss is not None
        rows = np.stack([e.loss(t, a), e.loss(t, b)])
        means = [float(np.mean(rows[0])), float(np.mean(rows[1]))]
        d = rows[0] - rows[1]
        g = skewness(d)
        rule = skewness_rule(d, "the per-row loss differences", g)
        if e.root:
            va, vb = math.sqrt(means[0]), math.sqrt(means[1])
            # Delta method for sqrt(mean_a) - sqrt(mean_b) with the rows' joint covariance.
            grad = np.array([1.0, -1.0]) / (2.0 * np.sqrt(np.maximum(means, 1e-300)))
            cov = np.cov(rows) / n if n > 1 else np.zeros((2, 2))
            se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
            low, high = normal_interval(va - vb, se, confidence, bounds)
            return done(low, high, se, "paired-clt", va, vb, rule)
        va, vb = means
        if chosen == "bootstrap-t" or (method == "auto" and needs_studentizing(n, g)):
            rng = np.random.default_rng(seed)
            low, high, se = studentized_interval(d, confidence, n_resamples, rng)
            low, high = max(low, bounds[0]), min(high, bounds[1])
            return done(low, high, se, "paired-bootstrap-t", va, vb, rule)
        se = float(np.std(d, ddof=1)) / math.sqrt(n) if n > 1 else 0.0
        low, high = normal_interval(va - vb, se, confidence, bounds)
        return done(low, high, se, "paired-clt", va, vb, rule)

    va, vb = float(m.func(t, a)), float(m.func(t, b))
    rule = None
    if e is not None and e.confusion is not None and t.size and int(t.max()) <= 1:
        rule = paired_positives_rule(t)
    elif m.name in MIN_POSITIVES:
        rule = positives_rule(t, MIN_POSITIVES[m.name], f"a paired comparison of {m.name}")
    kind = "percentile" if chosen == "bootstrap-percentile" else "bca"
    reps = _paired_replicates(m, t, a, b, n_resamples, np.random.default_rng(seed))
    low, high, se, name = bootstrap_interval(va - vb, reps, confidence, kind)
    return done(low, high, se, "paired-" + name, va, vb, rule)
