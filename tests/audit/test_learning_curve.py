"""Curve families, their constrained fits, weights and bootstrap intervals, against references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import curve_fit, lsq_linear

from modelpact.audit.learning_curve import (
    FAMILIES,
    _basis,
    _solve,
    fit_family,
    project,
    rows_for_error,
    weighted_quantile,
)

SIZES = np.geomspace(50, 2400, 8)


def test_constrained_solve_matches_scipy_bounded_least_squares() -> None:
    rng = np.random.default_rng(0)
    x = SIZES / SIZES[-1]
    grid = np.array([[0.3], [0.8], [1.7]])
    phi = _basis("pow3", grid, x)
    w = rng.uniform(0.5, 2.0, len(x))
    # curves rising, falling and flat, so every face of the box gets used
    ys = np.stack([0.1 + 0.05 * x**-0.5, 0.2 - 0.01 * np.log(x), np.full(len(x), 0.15),
                   0.3 * x**0.2 - 0.2]) + rng.normal(0, 0.003, (4, len(x)))
    c_max = np.array([0.12, 0.05, 0.2, 0.0])
    c, k, sse = _solve("pow3", phi, ys, w, c_max)
    sw = np.sqrt(w)
    for b in range(len(ys)):
        for g in range(len(grid)):
            design = np.stack([np.ones(len(x)), phi[g]], axis=1) * sw[:, None]
            ref = lsq_linear(design, ys[b] * sw, bounds=([0.0, 0.0], [c_max[b] + 1e-12, np.inf]))
            assert sse[b, g] == pytest.approx(2 * ref.cost, rel=1e-6, abs=1e-12)
            assert c[b, g] == pytest.approx(ref.x[0], abs=1e-6)
            assert k[b, g] == pytest.approx(ref.x[1], rel=1e-5, abs=1e-8)


def test_pow3_grid_fit_is_as_good_as_scipy_curve_fit() -> None:
    rng = np.random.default_rng(1)
    errors = 0.08 + 1.5 * SIZES**-0.45 + rng.normal(0, 0.004, len(SIZES))
    fit = fit_family("pow3", SIZES, errors[None, :], np.ones(len(SIZES)), float(errors.min()))
    ours = float(np.sum((fit.errors(SIZES)[0] - errors) ** 2))
    (a, b, c), _ = curve_fit(lambda n, a, b, c: a * n**-b + c, SIZES, errors,
                             p0=(1.0, 0.5, 0.05), bounds=([0, 0.01, 0], [np.inf, 3, errors.min()]))
    reference = float(np.sum((a * SIZES**-b + c - errors) ** 2))
    # the shape grid is fine enough to be within a few percent of the continuous optimum
    assert ours <= reference * 1.05 + 1e-12


@pytest.mark.parametrize("family", FAMILIES)
def test_rows_for_inverts_every_family(family: str) -> None:
    rng = np.random.default_rng(2)
    errors = 0.05 + 0.8 * SIZES**-0.4 + rng.normal(0, 0.002, (3, len(SIZES)))
    fit = fit_family(family, SIZES, errors, np.ones(len(SIZES)))
    for target in (0.09, 0.1):
        n = fit.rows_for(target)
        reached = np.isfinite(n) & (n > 0)
        assert reached.any()
        got = np.array([fit.errors(np.array([v]))[i, 0] for i, v in enumerate(n) if reached[i]])
        assert got == pytest.approx(target, rel=1e-6)
        # never reached: the plateau is at or above the target
        assert np.all(fit.c[~np.isfinite(n)] >= target - 1e-12)


def test_old_power_law_inversion() -> None:
    fit = {"a": 2.0, "b": 0.5, "c": 0.05}
    n = rows_for_error(fit, 0.07)
    assert n is not None and 2.0 * n**-0.5 + 0.05 == pytest.approx(0.07)
    assert rows_for_error(fit, 0.04) is None


def test_weighted_quantile_matches_numpy_inverted_cdf() -> None:
    rng = np.random.default_rng(3)
    v = rng.normal(size=101)
    q = np.array([0.05, 0.5, 0.95])
    assert weighted_quantile(v, np.ones(101), q) == pytest.approx(
        np.quantile(v, q, method="inverted_cdf"))
    # integer weights are repeated rows
    w = rng.integers(1, 4, size=101)
    assert weighted_quantile(v, w.astype(float), q) == pytest.approx(
        np.quantile(np.repeat(v, w), q, method="inverted_cdf"))


def _replicates(truth: np.ndarray, rng: np.random.Generator, b: int = 200) -> np.ndarray:
    # a level shift shared by every size (same test rows) plus noise per size
    return truth + rng.normal(0, 0.004, (b, 1)) + rng.normal(0, 0.003, (b, len(truth)))


def test_plateau_never_above_the_best_measured_error() -> None:
    rng = np.random.default_rng(4)
    truth = 0.12 + 0.6 * SIZES**-0.5
    measured = truth + rng.normal(0, 0.003, len(SIZES))
    p = project(SIZES, measured, _replicates(measured, rng))
    low, _, high = p.plateau(0.9)
    assert 0.0 <= low <= high <= measured.min() + 1e-12
    for f in FAMILIES:
        assert np.all(p.boot[f].c <= measured.min() + 1e-12)


def test_heldout_weights_favour_the_family_that_extrapolates() -> None:
    rng = np.random.default_rng(5)
    # levels off hard (exponential approach): the plateau-free power law predicts the last
    # sizes far too low an error
    flat = 0.2 + 0.3 * np.exp(-((SIZES / 150) ** 1.2))
    p = project(SIZES, flat, _replicates(flat, rng))
    assert p.weights["pow2"] < 0.05
    # a pure power law with no plateau in sight: pow2 keeps real weight
    steep = 0.9 * SIZES**-0.35
    q = project(SIZES, steep, _replicates(steep, rng))
    assert q.weights["pow2"] > 0.1
    assert sum(p.weights.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("noise", [0.003, 0.0003])
def test_interval_of_rows_needed_covers_the_truth_in_simulation(noise: float) -> None:
    """Seeded simulation: curves from known power laws, 2x-5x extrapolation, 90% intervals.

    Noisy curves must still cover the truth (mostly by admitting no upper end); nearly
    noiseless ones must give narrow, bounded intervals that cover it too.
    """
    rng = np.random.default_rng(6)
    hits = bounded = 0
    widths = []
    trials = 30
    for _ in range(trials):
        a, b, c = rng.uniform(0.5, 2.0), rng.uniform(0.3, 0.7), rng.uniform(0.03, 0.15)
        truth_at = lambda n, a=a, b=b, c=c: c + a * n**-b  # noqa: E731
        # a level shift shared by every size (the same test rows) plus noise per size
        measured = truth_at(SIZES) + rng.normal(0, noise) + rng.normal(0, noise, len(SIZES))
        reps = measured + rng.normal(0, noise, (200, 1)) + rng.normal(0, noise, (200, len(SIZES)))
        n_true = rng.uniform(2, 5) * SIZES[-1]
        low, _, high = project(SIZES, measured, reps).rows_needed(float(truth_at(n_true)), 0.9)
        hits += low <= n_true <= high
        bounded += np.isfinite(high)
        widths.append(high / low)
    assert hits / trials >= 0.8
    if noise < 0.001:
        assert bounded / trials >= 0.9
        assert np.median(widths) < 2.0
