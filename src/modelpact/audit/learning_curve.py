"""Learning-curve extrapolation with intervals: several curve families, weighted and bootstrapped.

A learning curve here is *error* against *training rows*, measured in repetitions (cross-
validation folds) at a geometric grid of sizes. Extrapolating it is the risky part, so this
module does three things the literature recommends:

* **Several parametric families** instead of one. Reviews of learning-curve shapes (Viering &
  Loog, "The Shape of Learning Curves: a Review", IEEE TPAMI 2023) and the learning-curve
  database studies (Mohr et al., "LCDB 1.0: An Extensive Learning Curves Database for
  Classification Tasks", ECML PKDD 2022; Yan, Mohr & Viering, "LCDB 1.1", 2025) found inverse
  power laws and the four-parameter Morgan-Mercer-Flodin and Weibull curves to fit and
  extrapolate best, with no single family best everywhere. We fit

  - ``pow2``: ``e = k·x^-b`` (no plateau: the optimistic family),
  - ``pow3``: ``e = c + k·x^-b``,
  - ``mmf4``: ``e = c + k / (1 + (x/x0)^d)``,
  - ``wbl4``: ``e = c + k·exp(-(x/x0)^d)``,

  with ``x = n / n_ref`` (``n_ref`` the largest measured size), ``k >= 0`` and a plateau
  ``0 <= c <= min(measured error)``: a curve may not level off above an error it already
  achieved, nor below zero.
* **Weights from extrapolation itself.** Each family is fitted to the smaller sizes and asked
  to predict the held-out larger ones (the way LCDB ranks curve models by extrapolation
  error); its weight is the Gaussian likelihood of those predictions, so a family that
  extrapolated badly inside the data counts for little outside it.
* **Intervals by bootstrap** of the repetitions (whole folds, keeping the correlation between
  sizes scored on one test fold), refitting every family on each replicate; projections,
  plateaus and rows needed are weighted quantiles of the pooled replicates, in the spirit of
  Figueroa et al., "Predicting sample size required for classification performance", BMC
  Medical Informatics and Decision Making 12:8, 2012.

Every fit is a weighted least-squares problem that is linear in ``(c, k)`` once the shape
parameters are fixed, so a fixed grid over the shape parameters with a closed-form, exactly
constrained solve per grid point fits all bootstrap replicates at once, with no iterative
optimiser that could fail to converge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FAMILIES",
    "CurveFit",
    "Projection",
    "curve_value",
    "describe",
    "fit_family",
    "project",
    "rows_for_error",
    "weighted_quantile",
]

Float = NDArray[np.float64]

#: The curve families, in the order reports list them.
FAMILIES: tuple[str, ...] = ("pow2", "pow3", "mmf4", "wbl4")


def _shape_grid(family: str, x_min: float) -> Float:
    """Shape parameters tried for *family*: rows of ``(b,)`` or ``(x0, d)``."""
    if family in ("pow2", "pow3"):
        return np.geomspace(0.01, 3.0, 72)[:, None]
    x0 = np.geomspace(max(x_min / 10, 1e-6), 1000.0, 36)
    d = np.geomspace(0.1, 4.0, 24) if family == "wbl4" else np.geomspace(0.2, 4.0, 24)
    return np.stack(np.meshgrid(x0, d, indexing="ij"), axis=-1).reshape(-1, 2)


def _basis(family: str, shape: Float, x: Float) -> Float:
    """The curve's shape term ``phi(x)`` for each grid row: (G, len(x))."""
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        if family in ("pow2", "pow3"):
            return np.power(x[None, :], -shape[:, :1])
        ratio = np.power(x[None, :] / shape[:, :1], shape[:, 1:2])
        if family == "mmf4":
            return 1.0 / (1.0 + ratio)
        return np.exp(-ratio)


def _solve(family: str, phi: Float, y: Float, w: Float, c_max: Float) -> tuple[Float, Float, Float]:
    """Constrained weighted least squares of ``y ~ c + k·phi`` for every replicate and shape.

    ``phi`` is (G, S), ``y`` is (B, S), ``w`` is (S,), ``c_max`` is (B,). Returns ``c``, ``k``
    and the weighted residual sum of squares, each (B, G). The feasible set is the box
    ``0 <= c <= c_max`` times ``k >= 0``; a convex quadratic attains its minimum inside it or
    on one of its faces, so the best of the interior solution and each face's solution is the
    exact constrained optimum.
    """
    sw = w.sum()
    wy = (y * w).sum(axis=1)[:, None] / sw                     # (B, 1) weighted mean of y
    wphi = (phi * w).sum(axis=1)[None, :] / sw                 # (1, G)
    sphiphi = (phi * phi * w).sum(axis=1)[None, :]             # (1, G)
    sphiy = y @ (phi * w).T                                    # (B, G)
    syy = (y * y * w).sum(axis=1)[:, None]                     # (B, 1)
    cm = c_max[:, None]

    def sse(c: Float, k: Float) -> Float:
        # sum w (y - c - k phi)^2 expanded, so no (B, G, S) array is formed
        return np.asarray(syy + c * c * sw + k * k * sphiphi - 2 * c * wy * sw - 2 * k * sphiy
                + 2 * c * k * wphi * sw, dtype=np.float64)

    def k_given(c: Float) -> Float:
        with np.errstate(divide="ignore", invalid="ignore"):
            k = (sphiy - c * wphi * sw) / sphiphi
        return np.asarray(np.nan_to_num(np.maximum(k, 0.0), nan=0.0, posinf=0.0), dtype=np.float64)

    zeros = np.zeros_like(sphiy)
    candidates: list[tuple[Float, Float]] = [(zeros, k_given(zeros))]
    if family != "pow2":
        var = sphiphi / sw - wphi * wphi
        with np.errstate(divide="ignore", invalid="ignore"):
            k_free = (sphiy / sw - wphi * wy) / var
        c_free = wy - k_free * wphi
        inside = (k_free >= 0) & (c_free >= 0) & (c_free <= cm) & np.isfinite(k_free)
        candidates.append((np.where(inside, c_free, 0.0), np.where(inside, k_free, 0.0)))
        c_top = np.broadcast_to(cm, sphiy.shape)
        candidates.append((c_top, k_given(c_top)))
        c_flat = np.broadcast_to(np.clip(wy, 0.0, cm), sphiy.shape)
        candidates.append((c_flat, zeros))
    best_c, best_k = candidates[0]
    best = sse(best_c, best_k)
    for c, k in candidates[1:]:
        s = sse(c, k)
        better = s < best
        best = np.where(better, s, best)
        best_c = np.where(better, c, best_c)
        best_k = np.where(better, k, best_k)
    return best_c, best_k, best


@dataclass(frozen=True)
class CurveFit:
    """One family's fit to each of ``B`` error curves: plateau ``c``, scale ``k``, shape.

    Parameters are arrays over replicates; ``shape`` is (B, 1) for power laws, (B, 2) for
    ``(x0, d)`` otherwise. ``n_ref`` converts rows to the fit's ``x = n / n_ref``.
    """

    family: str
    c: Float
    k: Float
    shape: Float
    n_ref: float

    def errors(self, n: Float) -> Float:
        """Fitted error at training sizes *n*: (B, len(n))."""
        x = np.asarray(n, dtype=np.float64) / self.n_ref
        phi = _basis(self.family, self.shape, x)
        return np.asarray(self.c[:, None] + self.k[:, None] * phi, dtype=np.float64)

    def rows_for(self, target: float) -> Float:
        """Training rows at which each replicate's curve reaches error *target* (inf: never)."""
        gap = target - self.c
        out = np.full(len(self.c), np.inf)
        reach = gap > 0
        flat = self.k <= 0
        out[reach & flat] = 0.0
        ok = reach & ~flat
        ratio = self.k[ok] / gap[ok]
        s = self.shape[ok]
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if self.family in ("pow2", "pow3"):
                x = np.power(ratio, 1.0 / s[:, 0])
            elif self.family == "mmf4":
                x = s[:, 0] * np.power(np.maximum(ratio - 1.0, 0.0), 1.0 / s[:, 1])
            else:
                x = s[:, 0] * np.power(np.maximum(np.log(np.maximum(ratio, 1.0)), 0.0), 1.0 / s[:, 1])
        out[ok] = np.nan_to_num(x * self.n_ref, nan=np.inf, posinf=np.inf)
        return out


def fit_family(family: str, sizes: Float, errors: Float, weights: Float,
               c_max: float | None = None) -> CurveFit:
    """Fit *family* to every row of *errors* (B, S) measured at *sizes*, weighted by *weights*.

    The plateau is kept in ``[0, c_max]``; ``c_max`` defaults to each row's smallest error.
    """
    n_ref = float(sizes[-1])
    x = np.asarray(sizes, dtype=np.float64) / n_ref
    grid = _shape_grid(family, float(x[0]))
    phi = _basis(family, grid, x)
    keep = np.all(np.isfinite(phi), axis=1)
    grid, phi = grid[keep], phi[keep]
    top = np.min(errors, axis=1) if c_max is None else np.full(len(errors), c_max)
    c, k, sse = _solve(family, phi, errors, weights, np.maximum(top, 0.0))
    best = np.argmin(sse, axis=1)
    rows = np.arange(len(errors))
    return CurveFit(family, c[rows, best], k[rows, best], grid[best], n_ref)


def weighted_quantile(values: Float, weights: Float, q: Float) -> Float:
    """Quantiles *q* of *values* under *weights* (inverted weighted CDF; infinities allowed).

    Examples
    --------
    >>> weighted_quantile(np.array([1.0, 2.0, 3.0, np.inf]), np.ones(4), np.array([0.5, 0.9]))
    array([ 2., inf])
    """
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cdf = np.cumsum(w) / w.sum()
    idx = np.searchsorted(cdf, np.clip(q, 0.0, 1.0) - 1e-12, side="left")
    return np.asarray(v[np.minimum(idx, len(v) - 1)], dtype=np.float64)


def _heldout_loglik(family: str, sizes: Float, mean: Float, se: Float, weights: Float,
                    hold: int) -> float:
    """Log likelihood of the *hold* largest points under a fit to the others (0 if too few)."""
    total = 0.0
    for h in range(1, hold + 1):
        cut = len(sizes) - h
        if cut < 3:
            break
        fit = fit_family(family, sizes[:cut], mean[None, :cut], weights[:cut])
        pred = fit.errors(sizes[cut:])[0]
        total += -0.5 * float(np.sum(((pred - mean[cut:]) / se[cut:]) ** 2)) / h
    return total


@dataclass(frozen=True)
class Projection:
    """The families fitted to a measured curve, their weights, and bootstrap replicates.

    ``fits`` holds, per family, the fit to the mean curve (one replicate) and ``boot`` the
    fits to ``B`` bootstrap replicates; ``weights`` sum to one.
    """

    sizes: Float
    mean: Float
    se: Float
    weights: dict[str, float]
    loglik: dict[str, float]
    fits: dict[str, CurveFit]
    boot: dict[str, CurveFit]

    def _pooled(self, per_family: dict[str, Float]) -> tuple[Float, Float]:
        values = np.concatenate([per_family[f] for f in self.weights])
        w = np.concatenate([np.full(len(per_family[f]), self.weights[f] / len(per_family[f]))
                            for f in self.weights])
        return values, w

    def error_quantiles(self, n: Float, q: Float) -> Float:
        """Pointwise quantiles *q* of the error at sizes *n* over the pooled replicates: (len(q), len(n)).

        The median (``q = 0.5``) is the central projection; it crosses a target where
        :meth:`rows_needed`'s median says, since every fitted curve is monotone in ``n``.
        """
        per = {f: self.boot[f].errors(n) for f in self.weights}
        out = np.empty((len(q), len(n)))
        for j in range(len(n)):
            values, w = self._pooled({f: per[f][:, j] for f in per})
            out[:, j] = weighted_quantile(values, w, q)
        return out

    def error_at(self, n: Float) -> Float:
        """The central projection of the error at sizes *n* (pointwise weighted median)."""
        return np.asarray(self.error_quantiles(n, np.array([0.5]))[0], dtype=np.float64)

    def error_band(self, n: Float, level: float) -> tuple[Float, Float]:
        """Pointwise *level* interval of the error at sizes *n* over the pooled replicates."""
        low, high = self.error_quantiles(n, np.array([(1 - level) / 2, (1 + level) / 2]))
        return low, high

    def rows_needed(self, target: float, level: float) -> tuple[float, float, float]:
        """(low, median, high) training rows to reach error *target*; inf where never."""
        values, w = self._pooled({f: self.boot[f].rows_for(target) for f in self.weights})
        q = np.array([(1 - level) / 2, 0.5, (1 + level) / 2])
        low, mid, high = weighted_quantile(values, w, q)
        return float(low), float(mid), float(high)

    def plateau(self, level: float) -> tuple[float, float, float]:
        """(low, median, high) of the error the curve levels off at (pow2's is 0)."""
        values, w = self._pooled({f: self.boot[f].c for f in self.weights})
        q = np.array([(1 - level) / 2, 0.5, (1 + level) / 2])
        low, mid, high = weighted_quantile(values, w, q)
        return float(low), float(mid), float(high)


def project(sizes: Float, errors: Float, replicates: Float, *, hold: int = 2) -> Projection:
    """Fit every family to a measured curve and to each of its bootstrap replicates.

    Parameters
    ----------
    sizes
        Training sizes, increasing (S,).
    errors
        The measured error at each size (S,).
    replicates
        Bootstrap replicates of the whole curve (B, S): each row resamples the same rows at
        every size, so the replicates carry the correlation between sizes.
    hold
        How many of the largest sizes each family must predict from the smaller ones to earn
        its weight.

    Returns
    -------
    Projection

    Examples
    --------
    >>> sizes = np.geomspace(100, 6400, 7)
    >>> rng = np.random.default_rng(0)
    >>> truth = 0.1 + 2.0 * sizes ** -0.5
    >>> reps = truth + rng.normal(0, 0.003, (200, 1)) + rng.normal(0, 0.002, (200, 7))
    >>> p = project(sizes, truth, reps)
    >>> low, mid, high = p.rows_needed(0.115, 0.9)
    >>> bool(low < 17_778 < high)
    True
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    mean = np.asarray(errors, dtype=np.float64)
    reps = np.asarray(replicates, dtype=np.float64)
    # a replicate the metric could not score at some size takes the measured value there
    reps = np.where(np.isfinite(reps), reps, mean[None, :])
    spread = np.std(reps, axis=0, ddof=1)
    # a floor on the standard error: a size every replicate scores alike must not get an
    # infinite weight
    se = np.maximum(spread, max(1e-4, 0.05 * float(np.max(spread))))
    weights_s = 1.0 / se**2
    loglik = {f: _heldout_loglik(f, sizes, mean, se, weights_s, hold) for f in FAMILIES}
    top = max(loglik.values())
    raw = {f: float(np.exp(v - top)) for f, v in loglik.items()}
    total = sum(raw.values())
    weights = {f: v / total for f, v in raw.items()}
    # every plateau stays at or below the best error measured: a curve cannot level off
    # worse than a point it has already reached
    best = float(np.min(mean))
    fits = {f: fit_family(f, sizes, mean[None, :], weights_s, best) for f in FAMILIES}
    boot = {f: fit_family(f, sizes, reps, weights_s, best) for f in FAMILIES}
    return Projection(sizes, mean, se, weights, loglik, fits, boot)


def curve_value(reference: float, sign: int, error: Float) -> Float:
    """Metric values from errors: ``reference - sign * error`` (inverse of the error transform)."""
    return np.asarray(reference - sign * np.asarray(error), dtype=np.float64)


def rows_for_error(fit: dict[str, float], target_error: float) -> float | None:
    """Training rows at which ``a·n^-b + c`` reaches *target_error*; None on a plateau above it.

    Examples
    --------
    >>> round(rows_for_error({"a": 2.0, "b": 0.5, "c": 0.05}, 0.07))
    10000
    """
    gap = target_error - fit["c"]
    if gap <= 0:
        return None
    if fit["a"] <= 0:
        return 1.0
    return float((fit["a"] / gap) ** (1.0 / fit["b"]))


def describe(p: Projection) -> dict[str, Any]:
    """JSON-able account of the families: weight, held-out log likelihood, mean-curve fit."""
    out: dict[str, Any] = {}
    for f in FAMILIES:
        fit = p.fits[f]
        params: dict[str, float] = {"c": float(fit.c[0]), "k": float(fit.k[0])}
        if f in ("pow2", "pow3"):
            params["b"] = float(fit.shape[0, 0])
        else:
            params["x0"] = float(fit.shape[0, 0])
            params["d"] = float(fit.shape[0, 1])
        out[f] = {"weight": p.weights[f], "heldout_loglik": p.loglik[f], "params": params,
                  "n_ref": fit.n_ref}
    return out
