from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from modelpact.stats import metric_interval
from modelpact.stats.wilson import wilson_interval


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 30), (1, 30), (15, 30), (30, 30), (7, 1000)])
def test_matches_scipy(k: int, n: int, confidence: float) -> None:
    ref = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    low, high = wilson_interval(k, n, confidence)
    assert low == pytest.approx(ref.low, abs=1e-12)
    assert high == pytest.approx(ref.high, abs=1e-12)


def test_no_trials_means_no_information() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_inside_unit_interval_and_contains_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_recall_uses_the_positives_only() -> None:
    y = np.array([1] * 30 + [0] * 70)
    pred = np.array([1] * 30 + [0] * 35 + [1] * 35)
    iv = metric_interval("recall", y, pred)
    ref = binomtest(30, 30).proportion_ci(method="wilson")
    assert (iv.estimate, iv.method, iv.n) == (1.0, "wilson", 100)
    # At the boundary the interval stays informative rather than collapsing to [1, 1].
    assert iv.low == pytest.approx(ref.low)
    assert iv.high == 1.0
    assert iv.se is not None
    assert iv.se > 0


def test_precision_without_predicted_positives_is_uninformative() -> None:
    iv = metric_interval("precision", [0, 1, 1], [0, 0, 0])
    assert (iv.estimate, iv.low, iv.high, iv.se) == (0.0, 0.0, 1.0, None)


def test_multiclass_accuracy() -> None:
    y = [0, 1, 2, 2, 1, 0, 2]
    p = [0, 1, 1, 2, 1, 0, 0]
    iv = metric_interval("accuracy", y, p, confidence=0.9)
    ref = binomtest(5, 7).proportion_ci(confidence_level=0.9, method="wilson")
    assert (iv.low, iv.high) == pytest.approx((ref.low, ref.high))
