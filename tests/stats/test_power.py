from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from modelpact.errors import MetricError
from modelpact.stats import (
    metric_interval,
    n_by_simulation,
    n_for_auc,
    n_for_proportion,
    n_needed,
)
from modelpact.stats.power import _hanley_mcneil


def test_n_needed_formula() -> None:
    z = norm.ppf(0.95) + norm.ppf(0.8)
    expected = math.ceil(400 * (z * 0.03 / 0.05) ** 2)
    assert n_needed(se=0.03, n=400, estimate=0.75, threshold=0.70, confidence=0.95) == expected
    assert n_needed(se=0.03, n=400, estimate=0.65, threshold=0.70, confidence=0.95) == expected


def test_n_needed_undecidable() -> None:
    assert n_needed(se=0.03, n=400, estimate=0.7, threshold=0.7, confidence=0.95) is None


def test_n_needed_rescaled_bound_clears() -> None:
    se, n, est, thr = 0.02, 300, 0.84, 0.80
    big = n_needed(se=se, n=n, estimate=est, threshold=thr, confidence=0.975, power=0.5)
    assert big is not None
    # With power 0.5 the bound at the true value just clears the threshold.
    assert est - norm.ppf(0.975) * se * math.sqrt(n / big) >= thr


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"se": -1.0}, "se must be"),
        ({"n": 0}, "n must be"),
        ({"confidence": 1.0}, "confidence"),
        ({"power": 0.0}, "power"),
    ],
)
def test_n_needed_rejects_bad_arguments(kwargs: dict[str, float], message: str) -> None:
    args: dict[str, float] = {
        "se": 0.1,
        "n": 10,
        "estimate": 0.5,
        "threshold": 0.4,
        "confidence": 0.95,
    } | kwargs
    with pytest.raises(MetricError, match=message):
        n_needed(**args)  # type: ignore[arg-type]


gaps = st.floats(0.001, 0.5)


@settings(max_examples=100, deadline=None)
@given(gaps, gaps, st.floats(0.001, 0.2))
def test_n_needed_monotone_in_the_gap(g1: float, g2: float, se: float) -> None:
    small, large = sorted((g1, g2))
    n_small = n_needed(se=se, n=100, estimate=0.5 + small, threshold=0.5, confidence=0.95)
    n_large = n_needed(se=se, n=100, estimate=0.5 + large, threshold=0.5, confidence=0.95)
    assert n_small is not None
    assert n_large is not None
    assert n_large <= n_small


@settings(max_examples=50, deadline=None)
@given(st.floats(0.5, 0.99), st.floats(0.5, 0.99))
def test_n_needed_monotone_in_power(p1: float, p2: float) -> None:
    lo, hi = sorted((p1, p2))
    kw = {"se": 0.05, "n": 200, "estimate": 0.8, "threshold": 0.75, "confidence": 0.95}
    assert n_needed(**kw, power=lo) <= n_needed(**kw, power=hi)  # type: ignore[arg-type, operator]


def test_n_for_proportion_reaches_the_power() -> None:
    p, p0 = 0.90, 0.86
    n = n_for_proportion(p, p0, confidence=0.95, power=0.8)
    rng = np.random.default_rng(0)
    k = rng.binomial(n, p, 20_000)
    z = (k / n - p0) / math.sqrt(p0 * (1 - p0) / n)
    assert np.mean(z > norm.ppf(0.95)) == pytest.approx(0.8, abs=0.02)


def test_n_for_proportion_errors() -> None:
    with pytest.raises(MetricError, match="p equals the threshold"):
        n_for_proportion(0.8, 0.8)
    with pytest.raises(MetricError, match="threshold must be a proportion"):
        n_for_proportion(0.8, 1.5)


def test_n_for_auc_is_the_smallest_n_meeting_hanley_mcneil() -> None:
    auc, thr, prev = 0.85, 0.80, 0.3
    n = n_for_auc(auc, thr, prevalence=prev)
    z_c, z_p = norm.ppf(0.95), norm.ppf(0.8)

    def margin(k: int) -> float:
        sd0 = math.sqrt(_hanley_mcneil(thr, prev * k, (1 - prev) * k))
        sd1 = math.sqrt(_hanley_mcneil(auc, prev * k, (1 - prev) * k))
        return auc - thr - z_c * sd0 - z_p * sd1

    assert margin(n) >= 0 > margin(n - 1)


def test_hanley_mcneil_variance_is_close_to_delong() -> None:
    """Hanley & McNeil's exponential model errs on the safe side for binormal scores."""
    rng = np.random.default_rng(1)
    n = 20_000
    y = (rng.random(n) < 0.3).astype(int)
    s = math.sqrt(2) * norm.ppf(0.85) * y + rng.normal(size=n)
    iv = metric_interval("roc_auc", y, s)
    assert iv.se is not None
    n_pos = int(y.sum())
    ratio = _hanley_mcneil(iv.estimate, n_pos, n - n_pos) / iv.se**2
    assert 1.0 < ratio < 1.5


def test_n_for_auc_errors() -> None:
    with pytest.raises(MetricError, match="prevalence"):
        n_for_auc(0.8, 0.7, prevalence=0.0)
    with pytest.raises(MetricError, match="auc equals the threshold"):
        n_for_auc(0.8, 0.8, prevalence=0.5)


def draw_accuracy(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    return y, np.where(rng.random(n) < 0.9, y, 1 - y)


def test_n_by_simulation_agrees_with_the_analytic_answer() -> None:
    # A two-sided 90% interval's lower bound is a one-sided 95% bound.
    n = n_by_simulation("accuracy", draw_accuracy, 0.85, confidence=0.90, n_reps=300)
    assert n == pytest.approx(n_for_proportion(0.90, 0.85, confidence=0.95), rel=0.25)


def test_n_by_simulation_direction_and_failure() -> None:
    n = n_by_simulation("accuracy", draw_accuracy, 0.95, direction="below", n_reps=100)
    assert n < 500
    with pytest.raises(MetricError, match="even 400 rows"):
        n_by_simulation("accuracy", draw_accuracy, 0.899, n_reps=50, n_max=400)


def test_n_by_simulation_is_reproducible() -> None:
    first = n_by_simulation("accuracy", draw_accuracy, 0.86, n_reps=60, seed=3)
    assert first == n_by_simulation("accuracy", draw_accuracy, 0.86, n_reps=60, seed=3)


def test_n_needed_with_half_width() -> None:
    got = n_needed(se=0.03, n=400, estimate=0.75, threshold=0.70, confidence=0.95, half_width=0.06)
    assert got == math.ceil(400 * ((0.06 + norm.ppf(0.8) * 0.03) / 0.05) ** 2)
    with pytest.raises(MetricError, match="half_width"):
        n_needed(se=0.03, n=400, estimate=0.75, threshold=0.7, confidence=0.95, half_width=-1)


def _rare_event_pilot(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = 1 / (1 + np.exp(-(-3.4 + rng.normal(size=n))))
    return (rng.random(n) < p).astype(np.int64), p


@pytest.mark.slow
@pytest.mark.parametrize("metric", ["brier", "roc_auc"])
def test_n_needed_delivers_its_power_with_the_estimate_as_truth(metric: str) -> None:
    """Collect the reported rows from the pilot itself (its estimate is then the truth)."""
    n0, reps, decided, total = 1000, 100, 0, 0
    for pilot in range(3):
        y, p = _rare_event_pilot(100 + pilot, n0)
        iv = metric_interval(metric, y, p, confidence=0.90, n_resamples=300)
        up = metric == "roc_auc"
        threshold = iv.estimate - 1.2 * iv.se if up else iv.estimate + 1.2 * iv.se  # type: ignore[operator]
        half = iv.estimate - iv.low if up else iv.high - iv.estimate
        need = n_needed(
            se=iv.se,  # type: ignore[arg-type]
            n=n0,
            estimate=iv.estimate,
            threshold=threshold,
            confidence=0.95,
            half_width=half,
        )
        assert need is not None
        rng = np.random.default_rng(pilot)
        for rep in range(reps):
            rows = rng.integers(0, n0, need)
            again = metric_interval(
                metric, y[rows], p[rows], confidence=0.90, n_resamples=200, seed=rep
            )
            decided += again.low > threshold if up else again.high < threshold
            total += 1
    # 80% claimed; binomial(300, 0.8) falls below 0.73 with probability < 0.5%.
    assert decided / total >= 0.73
