"""Seeded coverage simulations: 95% intervals must cover the true value about 95% of the time.

Each study draws 300 evaluation sets of 500 rows from a scenario whose population value of the
metric is known in closed form, and accepts the observed coverage unless an exact binomial
test against 0.95 rejects it at the 0.1% level (roughly 91.3% to 98.3% here). The fuller
study over several sizes is ``benchmarks/coverage.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import binomtest, norm

from modelpact.stats import Interval, metric_interval, paired_interval

REPS, N = 300, 500


def coverage(truth: float, make: Callable[[np.random.Generator], Interval], seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = sum(iv.low <= truth <= iv.high for iv in (make(rng) for _ in range(REPS)))
    p = binomtest(hits, REPS, 0.95).pvalue
    assert p > 1e-3, f"coverage {hits / REPS:.3f} is not compatible with 0.95"
    return hits / REPS


def binormal(rng: np.random.Generator, auc: float, n: int = N) -> tuple[Any, Any]:
    y = rng.integers(0, 2, n)
    return y, math.sqrt(2.0) * norm.ppf(auc) * y + rng.normal(size=n)


def test_accuracy_wilson() -> None:
    def make(rng: np.random.Generator) -> Interval:
        y = rng.integers(0, 2, N)
        pred = np.where(rng.random(N) < 0.8, y, 1 - y)
        return metric_interval("accuracy", y, pred)

    coverage(0.8, make, seed=1)


def test_roc_auc_delong() -> None:
    coverage(0.8, lambda rng: metric_interval("roc_auc", *binormal(rng, 0.8)), seed=2)


def test_log_loss_default_interval() -> None:
    # Calibrated probabilities p ~ U(0.05, 0.95): the expected loss is the mean entropy.
    def entropy(p: float) -> float:
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))

    truth = quad(entropy, 0.05, 0.95)[0] / 0.9

    def make(rng: np.random.Generator) -> Interval:
        p = rng.uniform(0.05, 0.95, N)
        y = (rng.random(N) < p).astype(int)
        return metric_interval("log_loss", y, p, n_resamples=300, seed=int(rng.integers(1 << 31)))

    coverage(truth, make, seed=3)


@pytest.mark.slow
def test_f1_bootstrap() -> None:
    # P(y=1) = 0.3, recall 0.7, false-positive rate 0.1: F1 = 2 TP / (2 TP + FP + FN).
    tp, fn, fp = 0.3 * 0.7, 0.3 * 0.3, 0.7 * 0.1
    truth = 2 * tp / (2 * tp + fp + fn)

    def make(rng: np.random.Generator) -> Interval:
        y = (rng.random(N) < 0.3).astype(int)
        pred = np.where(y == 1, rng.random(N) < 0.7, rng.random(N) < 0.1).astype(int)
        return metric_interval("f1", y, pred, n_resamples=1000, seed=int(rng.integers(1 << 31)))

    coverage(truth, make, seed=4)


@pytest.mark.slow
def test_paired_auc_difference() -> None:
    auc_a, auc_b, rho = 0.80, 0.75, 0.6
    d_a, d_b = (math.sqrt(2.0) * norm.ppf(a) for a in (auc_a, auc_b))

    def make(rng: np.random.Generator) -> Interval:
        y = rng.integers(0, 2, N)
        e1, e2 = rng.normal(size=N), rng.normal(size=N)
        a = d_a * y + e1
        b = d_b * y + rho * e1 + math.sqrt(1 - rho * rho) * e2
        return paired_interval("roc_auc", y, a, b)

    coverage(auc_a - auc_b, make, seed=5)


@pytest.mark.slow
def test_paired_accuracy_newcombe() -> None:
    def make(rng: np.random.Generator) -> Interval:
        y = rng.integers(0, 2, N)
        u = rng.random(N)
        # Correlated correctness: A right 85%, B right 80%, both right 75%.
        ok_a = u < 0.85
        ok_b = (u < 0.75) | ((u >= 0.85) & (u < 0.90))
        a, b = np.where(ok_a, y, 1 - y), np.where(ok_b, y, 1 - y)
        return paired_interval("accuracy", y, a, b)

    coverage(0.05, make, seed=6)


# --- the edges: one-sided misses of the bounds verify decides on -----------------------
#
# verify reads one-sided 95% bounds from two-sided 90% intervals; each bound should miss the
# truth about 5% of the time. With 200 draws, more than 9% misses on one side (18) has
# probability below 0.5% at the nominal rate. Draws on which the interval is flagged
# untrusted cannot produce a verdict and count as no miss.

EDGE_REPS = 200


def one_sided_misses(
    truth: float, make: Callable[[np.random.Generator], Interval], seed: int
) -> tuple[int, int]:
    rng = np.random.default_rng(seed)
    low = high = 0
    for _ in range(EDGE_REPS):
        iv = make(rng)
        if iv.untrusted is None:
            low += iv.low > truth
            high += iv.high < truth
    assert low <= 18 and high <= 18, f"misses low {low}, high {high} of {EDGE_REPS}"
    return low, high


def few_positives(rng: np.random.Generator, auc_a: float, auc_b: float, n_pos: int) -> Any:
    d_a, d_b = (math.sqrt(2.0) * norm.ppf(a) for a in (auc_a, auc_b))
    y = np.r_[np.zeros(19 * n_pos, dtype=np.int64), np.ones(n_pos, dtype=np.int64)]
    e1, e2 = rng.normal(size=y.size), rng.normal(size=y.size)
    return y, d_a * y + e1, d_b * y + 0.6 * e1 + 0.8 * e2


@pytest.mark.slow
def test_paired_auc_with_ten_positives_near_one() -> None:
    def make(rng: np.random.Generator) -> Interval:
        return paired_interval("roc_auc", *few_positives(rng, 0.95, 0.92, 10), confidence=0.9)

    one_sided_misses(0.03, make, seed=7)


@pytest.mark.slow
def test_log_loss_at_five_percent_prevalence() -> None:
    # Calibrated probabilities: the expected loss is the mean entropy of p.
    big = 1 / (1 + np.exp(-(-3.4 + np.random.default_rng(99).normal(size=2_000_000))))
    truth = float(np.mean(-(big * np.log(big) + (1 - big) * np.log1p(-big))))

    def make(rng: np.random.Generator) -> Interval:
        p = 1 / (1 + np.exp(-(-3.4 + rng.normal(size=1000))))
        y = (rng.random(1000) < p).astype(int)
        return metric_interval("log_loss", y, p, confidence=0.9, n_resamples=200)

    one_sided_misses(truth, make, seed=8)


@pytest.mark.slow
def test_rmse_under_heteroscedastic_noise() -> None:
    # Noise SD 0.5 + |x| with x ~ N(0, 1): E[(0.5 + |x|)^2] = 0.25 + sqrt(2 / pi) + 1.
    truth = math.sqrt(1.25 + math.sqrt(2.0 / math.pi))

    def make(rng: np.random.Generator) -> Interval:
        x = rng.normal(size=1000)
        pred = x + rng.normal(size=1000) * (0.5 + np.abs(x))
        return metric_interval("rmse", x, pred, confidence=0.9, n_resamples=200)

    one_sided_misses(truth, make, seed=9)


@pytest.mark.slow
def test_paired_f1_with_forty_positives() -> None:
    def labels(rng: np.random.Generator) -> Any:
        y, a, b = few_positives(rng, 0.90, 0.87, 40)
        return y, (a > 1.2).astype(int), (b > 1.2).astype(int)

    rng = np.random.default_rng(123)
    y, a, b = few_positives(rng, 0.90, 0.87, 40_000)
    la, lb = (a > 1.2).astype(int), (b > 1.2).astype(int)
    truth = f1_of(y, la) - f1_of(y, lb)

    def make(rng: np.random.Generator) -> Interval:
        return paired_interval("f1", *labels(rng), confidence=0.9, n_resamples=1000)

    one_sided_misses(truth, make, seed=10)


def f1_of(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum((y == 1) & (pred == 1)))
    return 2 * tp / (2 * tp + float(np.sum(y != pred)))
