from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import skew

from modelpact.stats import metric_interval, paired_interval
from modelpact.stats.bootstrap import resample_counts
from modelpact.stats.studentized import needs_studentizing, skewness, studentized_interval


def slow_bootstrap_t(x: np.ndarray, confidence: float, b: int, seed: int) -> tuple[float, float]:
    """Bootstrap-t by expanding each resample's rows (same resampling counts)."""
    rng = np.random.default_rng(seed)
    n = x.size
    counts = resample_counts(rng, b, n)
    t = []
    for c in counts:
        rows = np.repeat(x, c.astype(int))
        sd = rows.std(ddof=1)
        if sd > 0:
            t.append((rows.mean() - x.mean()) / (sd / math.sqrt(rows.size)))
    q_low, q_high = np.quantile(t, [(1 - confidence) / 2, (1 + confidence) / 2])
    se = x.std(ddof=1) / math.sqrt(n)
    return x.mean() - q_high * se, x.mean() - q_low * se


def test_matches_a_row_by_row_bootstrap_t() -> None:
    x = np.random.default_rng(0).lognormal(size=150)
    low, high, se = studentized_interval(x, 0.9, 300, np.random.default_rng(5))
    assert (low, high) == pytest.approx(slow_bootstrap_t(x, 0.9, 300, 5), rel=1e-9)
    assert se == pytest.approx(x.std(ddof=1) / math.sqrt(x.size))


def test_skewness_matches_scipy() -> None:
    x = np.random.default_rng(1).exponential(size=500)
    assert skewness(x) == pytest.approx(skew(x))
    assert skewness(np.ones(10)) == 0.0


def test_clt_kept_for_large_or_symmetric_samples() -> None:
    assert not needs_studentizing(1_000_000, 5.0)
    assert not needs_studentizing(500, 0.1)
    assert needs_studentizing(1000, 4.0)


def test_skewed_losses_get_a_longer_upper_side() -> None:
    rng = np.random.default_rng(2)
    p = 1 / (1 + np.exp(-(-3.4 + rng.normal(size=800))))
    y = (rng.random(800) < p).astype(int)
    iv = metric_interval("log_loss", y, p)
    assert iv.method == "bootstrap-t"
    assert iv.high - iv.estimate > 1.2 * (iv.estimate - iv.low)
    clt = metric_interval("log_loss", y, p, method="clt")
    assert clt.method == "clt" and clt.estimate == iv.estimate
    assert iv.high > clt.high


def test_paired_skewed_losses_use_the_bootstrap_t() -> None:
    rng = np.random.default_rng(3)
    p = 1 / (1 + np.exp(-(-3.4 + rng.normal(size=600))))
    y = (rng.random(600) < p).astype(int)
    q = np.clip(p * rng.uniform(0.5, 1.5, p.size), 0, 1)
    iv = paired_interval("brier", y, p, q)
    assert iv.method == "paired-bootstrap-t"
    d = (p - y) ** 2 - (q - y) ** 2
    assert iv.estimate == pytest.approx(d.mean())
