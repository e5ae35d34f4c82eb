"""The sort-once rank kernels against scikit-learn evaluated resample by resample.

Every bootstrap of ``roc_auc``, ``roc_auc_ovr`` and ``pr_auc`` evaluates the statistic on a
block of resampling weights over rows sorted once. The reference here is the slow way:
``roc_auc_score`` / ``average_precision_score`` with ``sample_weight`` set to one resample's
counts, one call per resample, on scores with many ties. Whole intervals are rebuilt from
those reference replicates, drawn from the same seed, and must equal the engine's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, roc_auc_score

from modelpact.stats import _kernels as K
from modelpact.stats import bootstrap as bs
from modelpact.stats import metric_interval, paired_interval

Float = NDArray[np.float64]


def tied_binary(rng: np.random.Generator, n: int) -> tuple[NDArray[np.int64], Float]:
    y = (rng.random(n) < 0.3).astype(np.int64)
    y[:2] = [0, 1]
    # Two decimals: most scores share a tie group, many with both classes in it.
    return y, np.round(1.0 / (1.0 + np.exp(-(y + rng.normal(size=n)))), 2)


def tied_multiclass(rng: np.random.Generator, n: int) -> tuple[NDArray[np.int64], Float]:
    y = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    y[:3] = [0, 1, 2]
    logits = rng.normal(size=(n, 3))
    logits[np.arange(n), y] += 1.0
    proba = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 1)
    return y, proba


def ovr_reference(y: NDArray[np.int64], proba: Float, w: Float) -> float:
    return float(
        np.mean(
            [roc_auc_score(y == j, proba[:, j], sample_weight=w) for j in range(proba.shape[1])]
        )
    )


Reference = Callable[[NDArray[np.int64], Any, Float], float]
CASES: list[tuple[str, Callable[..., K.WeightedStat], Reference, bool]] = [
    ("roc_auc", K.roc_auc_kernel, lambda y, s, w: roc_auc_score(y, s, sample_weight=w), False),
    (
        "pr_auc",
        K.pr_auc_kernel,
        lambda y, s, w: average_precision_score(y, s, sample_weight=w),
        False,
    ),
    ("roc_auc_ovr", K.roc_auc_ovr_kernel, ovr_reference, True),
]


def rows_weights(kernel: K.WeightedStat, w: Float) -> Float:
    """Weights per input row when *w*'s columns follow the kernel's sorted order."""
    if kernel.order is None:
        return w
    out = np.empty_like(w)
    out[:, kernel.order] = w
    return out


@pytest.mark.parametrize(("name", "make", "reference", "multiclass"), CASES)
@pytest.mark.parametrize("weights", ["multinomial", "poisson", "large and fractional"])
def test_kernel_equals_sklearn_per_resample(
    name: str,
    make: Callable[..., K.WeightedStat],
    reference: Reference,
    multiclass: bool,
    weights: str,
) -> None:
    rng = np.random.default_rng(7)
    y, s = (tied_multiclass if multiclass else tied_binary)(rng, 400)
    if weights == "multinomial":
        w = bs.resample_counts(rng, 30, y.size)
    elif weights == "poisson":
        w = bs._POISSON[rng.integers(0, 2**16, size=(30, y.size))]
    else:
        # Counts that do not fit a byte and fractions take the float path of the gathers.
        w = rng.integers(0, 3, size=(30, y.size)).astype(np.float64)
        w[:, 5] = 300.0
        w[::2, 7] = 0.5
    w[:, :3] = np.maximum(w[:, :3], 1.0)  # every class present in every resample
    kernel = make(y, s)
    # *w* weighs input rows; the kernel reads its columns in its own sorted order.
    got = kernel.evaluate(w if kernel.order is None else w[:, kernel.order])
    assert np.all(np.isfinite(got))
    expected = [reference(y, s, row) for row in w]
    np.testing.assert_allclose(got, expected, rtol=0.0, atol=1e-12)


def reference_replicates(
    y: NDArray[np.int64],
    s: Any,
    reference: Reference,
    kernel: K.WeightedStat,
    n_resamples: int,
    seed: int,
) -> bs.Replicates:
    """What :func:`weight_replicates` returns, computed one resample at a time by sklearn."""
    rng = np.random.default_rng(seed)
    n = y.size
    assert bs.block_size(n) >= n_resamples  # one block: the same draws in the same order
    w = bs.resample_counts(rng, n_resamples, n)
    reps = np.array([reference(y, s, row) for row in rows_weights(kernel, w)])
    groups = min(n, bs._JACKKNIFE_GROUPS)
    jw = bs._jackknife_weights(n, range(groups), groups)
    jack = np.array([reference(y, s, row) for row in rows_weights(kernel, jw)])
    sizes = np.array([len(range(g, n, groups)) for g in range(groups)], dtype=np.float64)
    return reps, jack, sizes


@pytest.mark.parametrize(("name", "make", "reference", "multiclass"), CASES)
@pytest.mark.parametrize("n", [300, 12_000])
def test_interval_equals_one_rebuilt_from_sklearn(
    name: str,
    make: Callable[..., K.WeightedStat],
    reference: Reference,
    multiclass: bool,
    n: int,
) -> None:
    """Same seed, same draws: the engine's interval is the sklearn replicates' interval."""
    y, s = (tied_multiclass if multiclass else tied_binary)(np.random.default_rng(3), n)
    b, seed = 60, 11
    reps = reference_replicates(y, s, reference, make(y, s), b, seed)
    estimate = reference(y, s, np.ones(n))
    low, high, se, method = bs.bootstrap_interval(estimate, reps, 0.9)
    iv = metric_interval(name, y, s, confidence=0.9, method="bootstrap", n_resamples=b, seed=seed)
    assert iv.method == method
    assert (iv.low, iv.high, iv.se) == pytest.approx((low, high, se), rel=0.0, abs=1e-12)


def test_paired_average_precision_equals_sklearn_differences() -> None:
    """Two models sorted differently share each resample's rows (the permuted gathers)."""
    rng = np.random.default_rng(5)
    y, a = tied_binary(rng, 500)
    b = np.round(np.clip(a + rng.normal(0.0, 0.1, y.size), 0.0, 1.0), 2)
    n_resamples, seed = 50, 4
    draw = np.random.default_rng(seed)
    w = bs.resample_counts(draw, n_resamples, y.size)
    jw = bs._jackknife_weights(y.size, range(100), 100)

    def diff(row: Float) -> float:
        return float(
            average_precision_score(y, a, sample_weight=row)
            - average_precision_score(y, b, sample_weight=row)
        )

    reps = (
        np.array([diff(row) for row in w]),
        np.array([diff(row) for row in jw]),
        np.full(100, 5.0),
    )
    low, high, _, _ = bs.bootstrap_interval(diff(np.ones(y.size)), reps, 0.9)
    iv = paired_interval(
        "pr_auc", y, a, b, confidence=0.9, method="bootstrap", n_resamples=n_resamples, seed=seed
    )
    assert (iv.low, iv.high) == pytest.approx((low, high), rel=0.0, abs=1e-12)


def test_compact_counts_keeps_only_exact_bytes() -> None:
    w = np.array([[0.0, 3.0, 255.0]])
    assert K.compact_counts(w).dtype == np.uint8
    for bad in (256.0, 0.5, -1.0):
        w2 = np.array([[0.0, 3.0, bad]])
        assert K.compact_counts(w2) is w2
