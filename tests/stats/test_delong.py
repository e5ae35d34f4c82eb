from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from modelpact.stats import metric_interval
from modelpact.stats.delong import auc, auc_interval, delong, placements

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


def logit_interval(a: float, se: float, z: float) -> tuple[float, float]:
    """The Wald interval on the logit scale, the method the score-type interval replaced."""
    c, h = math.log(a / (1 - a)), z * se / (a * (1 - a))
    return 1 / (1 + math.exp(-(c - h))), 1 / (1 + math.exp(-(c + h)))


def test_score_interval_solves_its_equation() -> None:
    y, s = binary_scores(np.random.default_rng(4), 300)
    auc_hat, cov = delong(y, s[None, :])
    a, var = float(auc_hat[0]), float(cov[0, 0])
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    z = float(norm.ppf(0.975))
    low, high = auc_interval(a, var, n_pos, n_neg, z)

    def hanley_mcneil(t: float) -> float:
        half = (n_pos + n_neg) / 2 - 1
        return t * (1 - t) / (n_pos * n_neg) * (1 + half * (1 - t) / (2 - t) + half * t / (1 + t))

    k = max(1.0, var / hanley_mcneil(a))
    for end in (low, high):
        assert (a - end) ** 2 == pytest.approx(z * z * k * hanley_mcneil(end), rel=1e-9)
    assert low < a < high


def test_placements_equal_the_pairwise_definition() -> None:
    y, s = binary_scores(np.random.default_rng(5), 200)
    v10, v01 = placements(y, s)
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    assert v10 == pytest.approx(psi.mean(axis=1), abs=1e-15)
    assert v01 == pytest.approx(psi.mean(axis=0), abs=1e-15)


@pytest.mark.slow
def test_score_interval_is_honest_with_few_positives() -> None:
    """Why the single-AUC interval is score-type: ten positives at AUC 0.95."""
    auc_true, n_pos, n_neg, reps = 0.95, 10, 190, 600
    d = math.sqrt(2.0) * norm.ppf(auc_true)
    rng = np.random.default_rng(2024)
    z = float(norm.ppf(0.95))  # the one-sided 95% bound verify reads
    logit_misses = score_misses = 0
    y = np.r_[np.zeros(n_neg, dtype=np.int64), np.ones(n_pos, dtype=np.int64)]
    for _ in range(reps):
        s = d * y + rng.normal(size=y.size)
        auc_hat, cov = delong(y, s[None, :])
        a, var = float(auc_hat[0]), float(cov[0, 0])
        if a < 1.0:
            logit_misses += logit_interval(a, math.sqrt(var), z)[0] > auc_true
        score_misses += auc_interval(a, var, n_pos, n_neg, z)[0] > auc_true
    assert logit_misses / reps > 0.1
    assert score_misses / reps < 0.065


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
