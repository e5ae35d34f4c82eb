from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from modelpact.stats import metric_interval
from modelpact.stats.delong import auc, auc_interval, delong

from ._data import binary_scores


def slow_delong(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong et al. (1988) from the O(n_pos * n_neg) matrix of pair comparisons."""
    pos, neg = scores[:, y == 1], scores[:, y == 0]
    m, n = pos.shape[1], neg.shape[1]
    psi = (pos[:, :, None] > neg[:, None, :]) + 0.5 * (pos[:, :, None] == neg[:, None, :])
    v10 = psi.mean(axis=2)  # per positive
    v01 = psi.mean(axis=1)  # per negative
    auc = psi.mean(axis=(1, 2))
    k = len(scores)
    s10 = np.array([[np.cov(v10[i], v10[j])[0, 1] for j in range(k)] for i in range(k)])
    s01 = np.array([[np.cov(v01[i], v01[j])[0, 1] for j in range(k)] for i in range(k)])
    return auc, s10 / m + s01 / n


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_slow_placement_values(ties: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y, a = binary_scores(rng, 400, ties=ties)
    b = np.round(a + rng.normal(0, 0.2, a.size), 1 if ties else 6)
    scores = np.stack([a, b])
    auc, cov = delong(y, scores)
    ref_auc, ref_cov = slow_delong(y, scores)
    assert auc == pytest.approx(ref_auc, abs=1e-12)
    assert cov == pytest.approx(ref_cov, rel=1e-9, abs=1e-15)
    assert auc[0] == pytest.approx(roc_auc_score(y, a), abs=1e-12)


def test_interval_uses_delong_se() -> None:
    y, s = binary_scores(np.random.default_rng(3), 500)
    iv = metric_interval("roc_auc", y, s)
    _, cov = slow_delong(y, s[None, :])
    assert iv.method == "delong"
    assert iv.se == pytest.approx(math.sqrt(cov[0, 0]))
    assert iv.low < iv.estimate < iv.high


def test_perfect_separation_keeps_a_lower_bound() -> None:
    y = np.array([0] * 15 + [1] * 15)
    iv = metric_interval("roc_auc", y, np.arange(30.0))
    assert iv.estimate == 1.0
    assert iv.high == 1.0
    assert 0.7 < iv.low < 0.9
    low, high = auc_interval(0.0, 0.0, 15, 15, float(norm.ppf(0.975)))
    assert (low, high) == pytest.approx((0.0, 1.0 - iv.low))


@pytest.mark.slow
def test_logit_scale_covers_better_near_one() -> None:
    """The reason the single-AUC interval is built on the logit scale."""
    auc_true, n, reps = 0.98, 100, 600
    d = math.sqrt(2.0) * norm.ppf(auc_true)
    rng = np.random.default_rng(2024)
    z = norm.ppf(0.975)
    plain = logit = 0
    for _ in range(reps):
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        s = d * y + rng.normal(size=n)
        auc, cov = delong(y, s[None, :])
        se = math.sqrt(cov[0, 0])
        plain += auc[0] - z * se <= auc_true <= min(1.0, auc[0] + z * se)
        n_pos = int(y.sum())
        low, high = auc_interval(float(auc[0]), se, n_pos, n - n_pos, z)
        logit += low <= auc_true <= high
    assert logit / reps > plain / reps
    assert logit / reps > 0.925


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 5)), min_size=2, max_size=60).filter(
        lambda rows: len({r[0] for r in rows}) == 2
    )
)
def test_interval_contains_the_estimate(rows: list[tuple[int, int]]) -> None:
    y, s = (np.array(v) for v in zip(*rows, strict=True))
    iv = metric_interval("roc_auc", y, s.astype(float))
    assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0
    assert iv.estimate == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert auc(y, s.astype(float)) == iv.estimate
