from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy.stats import binom, binomtest, norm

from modelpact.errors import MetricError
from modelpact.stats import METRICS, Metric, mcnemar_test, metric_interval, paired_interval
from modelpact.stats.delong import auc_interval, mover_interval
from modelpact.stats.paired import newcombe_interval
from modelpact.stats.wilson import wilson_interval

from ._data import binary_scores
from .test_delong import slow_delong


def two_models(seed: int, n: int = 400) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    y, a = binary_scores(rng, n)
    b = np.clip(np.round(a + rng.normal(0, 0.15, n), 2), 0.0, 1.0)
    return y, a, b


def test_paired_delong_matches_slow_covariance() -> None:
    y, a, b = two_models(0)
    iv = paired_interval("roc_auc", y, a, b)
    auc, cov = slow_delong(y, np.stack([a, b]))
    se = math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert iv.method == "paired-delong"
    assert iv.estimate == pytest.approx(auc[0] - auc[1], abs=1e-12)
    assert iv.se == pytest.approx(se, rel=1e-9)
    # MOVER over the two score-type intervals, with DeLong's correlation.
    z = norm.ppf(0.975)
    n_pos = int(y.sum())
    ia = auc_interval(auc[0], cov[0, 0], n_pos, y.size - n_pos, z)
    ib = auc_interval(auc[1], cov[1, 1], n_pos, y.size - n_pos, z)
    r = cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1])
    low, high = mover_interval((auc[0], auc[1]), (ia, ib), r)
    assert (iv.low, iv.high) == pytest.approx((low, high), rel=1e-6)
    # With many positives MOVER is close to the normal interval on DeLong's variance (a
    # little wider where the Hanley-McNeil floor is above DeLong's variance).
    assert 0.95 < (iv.high - iv.low) / (2 * z * se) < 1.25


def test_pairing_narrows_the_interval() -> None:
    y, a, b = two_models(1)
    paired = paired_interval("roc_auc", y, a, b)
    se_a, se_b = (metric_interval("roc_auc", y, s).se for s in (a, b))
    assert se_a is not None
    assert se_b is not None
    assert paired.se is not None
    assert paired.se < 0.7 * math.hypot(se_a, se_b)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("roc_auc", "score"),
        ("accuracy", "label"),
        ("log_loss", "score"),
        ("brier", "score"),
        ("mae", "value"),
        ("rmse", "value"),
    ],
)
def test_swapping_models_mirrors_the_analytic_interval(name: str, kind: str) -> None:
    y, a, b = two_models(2)
    if kind == "label":
        a, b = (a > 0.5).astype(int), (b > 0.45).astype(int)
    if kind == "value":
        y = y + np.random.default_rng(0).normal(size=y.size)
    ab = paired_interval(name, y, a, b)
    ba = paired_interval(name, y, b, a)
    assert ab.estimate == pytest.approx(-ba.estimate, abs=1e-12)
    assert (ab.low, ab.high) == pytest.approx((-ba.high, -ba.low), abs=1e-12)
    assert ab.low <= ab.estimate <= ab.high


def test_identical_models_differ_by_nothing() -> None:
    y, a, _ = two_models(3)
    labels = (a > 0.5).astype(int)
    for name, pred in [("roc_auc", a), ("f1", labels), ("pr_auc", a), ("log_loss", a)]:
        iv = paired_interval(name, y, pred, pred, n_resamples=200)
        assert (iv.estimate, iv.low, iv.high) == (0.0, 0.0, 0.0), name


def test_paired_clt_is_the_mean_of_row_differences() -> None:
    y, a, b = two_models(4)
    iv = paired_interval("brier", y, a, b, method="clt")
    d = (a - y) ** 2 - (b - y) ** 2
    assert iv.method == "paired-clt"
    assert iv.estimate == pytest.approx(d.mean())
    assert iv.se == pytest.approx(d.std(ddof=1) / math.sqrt(d.size))


def test_paired_rmse_delta_method_agrees_with_bootstrap() -> None:
    rng = np.random.default_rng(5)
    y = rng.normal(size=2000)
    a, b = y + rng.normal(0, 1.0, y.size), y + rng.normal(0, 1.1, y.size)
    clt = paired_interval("rmse", y, a, b)
    boot = paired_interval("rmse", y, a, b, method="bootstrap", n_resamples=1000)
    assert clt.se == pytest.approx(boot.se, rel=0.1)


def test_newcombe_reduces_to_independent_hybrid_when_uncorrelated() -> None:
    # ad == bc makes the correlation phi zero.
    both, only_a, only_b, neither = 20.0, 10.0, 10.0, 5.0
    low, high = newcombe_interval(both, only_a, only_b, neither)
    n = both + only_a + only_b + neither
    p_a, p_b = (both + only_a) / n, (both + only_b) / n
    l_a, u_a = wilson_interval(both + only_a, n)
    l_b, u_b = wilson_interval(both + only_b, n)
    assert low == pytest.approx(p_a - p_b - math.hypot(p_a - l_a, u_b - p_b))
    assert high == pytest.approx(p_a - p_b + math.hypot(u_a - p_a, p_b - l_b))


def test_newcombe_is_the_accuracy_default() -> None:
    y, a, b = two_models(6)
    pa, pb = (a > 0.5).astype(int), (b > 0.5).astype(int)
    iv = paired_interval("accuracy", y, pa, pb)
    ok_a, ok_b = pa == y, pb == y
    ref = newcombe_interval(
        *(float(np.sum(x)) for x in (ok_a & ok_b, ok_a & ~ok_b, ~ok_a & ok_b, ~ok_a & ~ok_b))
    )
    assert iv.method == "newcombe-paired"
    assert (iv.low, iv.high) == pytest.approx(ref)
    assert iv.estimate == pytest.approx(ok_a.mean() - ok_b.mean())


@pytest.mark.parametrize(("only_a", "only_b"), [(0, 0), (3, 0), (5, 2), (10, 14), (1, 12)])
def test_mcnemar_small_counts_are_exact(only_a: int, only_b: int) -> None:
    y = np.ones(only_a + only_b + 10, dtype=int)
    a = np.r_[np.ones(only_a), np.zeros(only_b), np.ones(10)].astype(int)
    b = np.r_[np.zeros(only_a), np.ones(only_b), np.ones(10)].astype(int)
    stat, p = mcnemar_test(y, a, b)
    expected = binomtest(only_a, only_a + only_b).pvalue if only_a + only_b else 1.0
    assert p == pytest.approx(expected, abs=1e-12)
    assert stat == min(only_a, only_b)


@pytest.mark.parametrize(("only_a", "only_b"), [(60, 40), (520, 480), (5200, 4800)])
def test_mcnemar_large_counts_close_to_exact(only_a: int, only_b: int) -> None:
    """The uncorrected chi-square sits about half a point mass from the exact p-value."""
    y = np.ones(only_a + only_b, dtype=int)
    a = np.r_[np.ones(only_a), np.zeros(only_b)].astype(int)
    stat, p = mcnemar_test(y, a, 1 - a)
    assert stat == pytest.approx((only_a - only_b) ** 2 / (only_a + only_b))
    exact = binomtest(only_a, only_a + only_b).pvalue
    point_mass = binom.pmf(only_a, only_a + only_b, 0.5)
    assert p == pytest.approx(exact, abs=2 * point_mass)


def test_mcnemar_rejects_mismatched_rows() -> None:
    with pytest.raises(MetricError, match="mcnemar_test: y_true has 3 rows"):
        mcnemar_test([0, 1, 1], [0, 1], [0, 1, 1])


def test_joint_cell_bootstrap_matches_row_bootstrap() -> None:
    """Multinomial draws over the (y, a, b) cells resample rows, as the loop does."""
    y, a, b = two_models(7, n=300)
    pa, pb = (a > 0.5).astype(int), (b > 0.4).astype(int)
    fast = paired_interval("f1", y, pa, pb, n_resamples=3000)
    f1 = METRICS["f1"]
    slow_metric = Metric(
        "f1_loop", f1.func, f1.tasks, "label", True, (0.0, 1.0), "bootstrap", "f1 without kernels"
    )
    slow = paired_interval(slow_metric, y, pa, pb, n_resamples=3000)
    assert fast.method == slow.method == "paired-bootstrap-bca"
    assert fast.se == pytest.approx(slow.se, rel=0.08)
    assert fast.low == pytest.approx(slow.low, abs=0.3 * fast.se)  # type: ignore[operator]


def test_paired_weighted_bootstrap_shares_rows() -> None:
    y, a, b = two_models(8)
    paired = paired_interval("pr_auc", y, a, b, n_resamples=500)
    se_a, se_b = (metric_interval("pr_auc", y, s, n_resamples=500).se for s in (a, b))
    assert paired.method == "paired-bootstrap-bca"
    assert paired.se < 0.7 * math.hypot(se_a, se_b)  # type: ignore[arg-type, operator]


def test_multiclass_paired_bootstrap() -> None:
    rng = np.random.default_rng(9)
    y = rng.integers(0, 3, 300)
    a = np.where(rng.random(300) < 0.7, y, rng.integers(0, 3, 300))
    b = np.where(rng.random(300) < 0.6, y, rng.integers(0, 3, 300))
    iv = paired_interval("f1_macro", y, a, b, n_resamples=500)
    assert iv.low < iv.estimate < iv.high
    assert iv.estimate == pytest.approx(METRICS["f1_macro"](y, a) - METRICS["f1_macro"](y, b))


def test_rejects_models_of_different_shape() -> None:
    y = np.array([0, 1, 2])
    proba = np.full((3, 3), 1 / 3)
    with pytest.raises(MetricError, match="differ in shape"):
        paired_interval("log_loss", y, proba, np.full((3, 4), 0.25))


def test_newcombe_only_for_accuracy() -> None:
    with pytest.raises(MetricError, match="'newcombe' does not apply"):
        paired_interval("f1", [0, 1], [0, 1], [1, 1], method="newcombe")


@pytest.mark.parametrize("name", ["f1", "pr_auc", "ece"])
def test_paired_bootstrap_is_reproducible(name: str) -> None:
    y, a, b = two_models(10, n=300)
    if name == "f1":
        a, b = (a > 0.5).astype(int), (b > 0.5).astype(int)
    first = paired_interval(name, y, a, b, n_resamples=200, seed=3)
    assert first == paired_interval(name, y, a, b, n_resamples=200, seed=3)
    assert first != paired_interval(name, y, a, b, n_resamples=200, seed=4)
