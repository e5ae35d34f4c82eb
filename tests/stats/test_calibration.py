from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from modelpact.stats import get_metric, metric_interval


def data(rng: np.random.Generator, n: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    p = rng.uniform(0.05, 0.90, n)
    return (rng.random(n) < p + shift).astype(np.int64), p


def test_estimate_is_the_binned_ece_and_se_sums_bin_variances() -> None:
    y, p = data(np.random.default_rng(0), 2000, 0.03)
    iv = metric_interval("ece", y, p)
    assert iv.method == "calibration"
    assert iv.estimate == get_metric("ece")(y, p)
    b = np.minimum((p * 10).astype(int), 9)
    g = y - p
    var = sum(
        max(
            np.var(np.where(b == k, g, 0.0)) / (g.size - 1),
            np.sum(np.where(b == k, p * (1 - p), 0.0)) / g.size**2,
        )
        for k in range(10)
    )
    assert iv.se == pytest.approx(np.sqrt(var))
    assert iv.high == pytest.approx(iv.estimate + norm.ppf(0.975) * iv.se)
    assert 0.0 < iv.low < iv.estimate


def test_lower_end_reaches_zero_for_a_calibrated_model() -> None:
    y, p = data(np.random.default_rng(1), 500, 0.0)
    iv = metric_interval("ece", y, p)
    assert iv.estimate > 0.0
    assert iv.low == 0.0


@pytest.mark.slow
@pytest.mark.parametrize(("shift", "n"), [(0.0, 300), (0.05, 300), (0.02, 3000), (None, 100)])
def test_one_sided_misses_stay_within_the_band(shift: float | None, n: int) -> None:
    rng = np.random.default_rng(7)
    low_miss = high_miss = 0
    reps = 300
    for _ in range(reps):
        if shift is None:  # calibrated, 5% prevalence: sparse bins of rare events
            p = 1 / (1 + np.exp(-(-3.4 + rng.normal(size=n))))
            y, shift_ = (rng.random(n) < p).astype(np.int64), 0.0
        else:
            (y, p), shift_ = data(rng, n, shift), shift
        iv = metric_interval("ece", y, p, confidence=0.9)
        low_miss += iv.low > shift_
        high_miss += iv.high < shift_
    # Nominal 5% per side; binomial(300, 0.05) exceeds 27 (9%) with probability < 0.1%.
    assert low_miss <= 27 and high_miss <= 27
