"""Vectorised nonparametric bootstrap: replicates without a Python loop per resample.

Three ways to draw the replicates, fastest first:

* :func:`cell_replicates` for statistics of a contingency table (confusion matrices, and the
  joint ``(y, a, b)`` table of a paired comparison). Resampling rows with replacement is
  resampling the cell counts from a multinomial, so one ``rng.multinomial`` call draws all
  resamples and the statistic is evaluated on the ``(B, cells)`` stack. Only as many
  distinct jackknife values exist as non-empty cells.
* :func:`weight_replicates` for statistics that accept row weights
  (:class:`~modelpact.stats._kernels.WeightedStat`). Resampling counts (multinomial, or
  Poisson(1) for large n) are drawn for a block of resamples at a time, the block sized to
  bound memory, over data the kernel sorted once. The jackknife deletes groups of rows
  (all rows when ``n`` is small).
* :func:`loop_replicates` re-evaluates an arbitrary function on resampled rows; it exists for
  user-defined metrics only.

:func:`bootstrap_interval` turns replicates into a percentile or BCa interval (Efron, 1987).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from modelpact.errors import MetricError
from modelpact.stats._kernels import compact_counts, gather

__all__ = [
    "Replicates",
    "bootstrap_interval",
    "cell_replicates",
    "loop_replicates",
    "resample_counts",
    "weight_replicates",
]

Float = NDArray[np.float64]
#: Replicates, jackknife values and the number of rows each jackknife value stands for.
Replicates = tuple[Float, Float, Float]

_BLOCK_BYTES = 256 * 2**20
# Kernels hold a few float64 temporaries of the weight block's size at once.
_TEMPORARIES = 4
_JACKKNIFE_GROUPS = 100
_POISSON_FROM = 10_000


def block_size(n: int, budget: int | None = None) -> int:
    """Resamples per block so that the block's temporaries stay within *budget* bytes."""
    limit = _BLOCK_BYTES if budget is None else budget
    return max(1, limit // (8 * _TEMPORARIES * max(n, 1)))


def cell_replicates(
    stat: Callable[[Float], Float], cells: Float, n_resamples: int, rng: np.random.Generator
) -> Replicates:
    """Bootstrap and jackknife values of a statistic of cell counts.

    Parameters
    ----------
    stat
        Maps counts of shape ``(B, M)`` to ``B`` values.
    cells : ndarray of shape (M,)
        Observed counts. Pass only the occupied cells of a large, sparse table (an empty
        cell stays empty in every resample) and let *stat* place them: a paired multiclass
        table has K^3 cells, most of them empty.
    n_resamples : int
    rng : numpy.random.Generator
    """
    n = int(cells.sum())
    step = block_size(cells.size)
    replicates = np.concatenate(
        [
            stat(rng.multinomial(n, cells / n, size=min(step, n_resamples - i)).astype(float))
            for i in range(0, n_resamples, step)
        ]
    )
    occupied = np.flatnonzero(cells)

    # Leave-one-out tables differ from the observed one in a single occupied cell.
    def leave_one_out(rows: NDArray[np.intp]) -> Float:
        tables = np.tile(cells, (rows.size, 1))
        tables[np.arange(rows.size), occupied[rows]] -= 1.0
        return stat(tables)

    blocks = np.array_split(np.arange(occupied.size), -(-occupied.size // step))
    jack = np.concatenate([leave_one_out(rows) for rows in blocks])
    return replicates, jack, cells[occupied]


def _poisson_table() -> Float:
    """Poisson(1) quantile function on a 16-bit grid: ``table[u]`` for uniform 16-bit ``u``."""
    k = np.arange(32)
    log_pmf = -1.0 - np.cumsum(np.r_[0.0, np.log(k[1:])])
    edges = np.round(np.cumsum(np.exp(log_pmf)) * 2.0**16)
    return np.searchsorted(edges, np.arange(2**16), side="right").astype(np.float64)


_POISSON = _poisson_table()
_POISSON.flags.writeable = False


def resample_counts(rng: np.random.Generator, b: int, n: int) -> Float:
    """Resampling counts for *b* resamples of *n* rows, shape ``(b, n)``.

    Below ``_POISSON_FROM`` rows: multinomial(n, 1/n) counts, the exact nonparametric
    bootstrap. From there on: independent Poisson(1) counts (the Poisson bootstrap, whose
    total weight varies around n with relative SD 1/sqrt(n), negligible at that size),
    drawn by table lookup of 16-bit uniforms, which is an order of magnitude faster than
    either exact sampler; the table's probabilities are exact to 2**-16.
    """
    if n >= _POISSON_FROM:
        return _POISSON[rng.integers(0, 2**16, size=(b, n), dtype=np.uint16)]
    idx = rng.integers(0, n, size=(b, n))
    idx += (np.arange(b) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)


def _jackknife_weights(n: int, groups: Sequence[int], n_groups: int) -> Float:
    w = np.ones((len(groups), n))
    for row, g in enumerate(groups):
        w[row, g::n_groups] = 0.0
    return w


def weight_replicates(
    evaluate: Callable[[Float], Float],
    n: int,
    n_resamples: int,
    rng: np.random.Generator,
    *,
    permutations: Sequence[NDArray[np.intp] | None] = (),
) -> Replicates:
    """Bootstrap and jackknife values of a statistic of row weights.

    Parameters
    ----------
    evaluate
        Maps weights of shape ``(B, n)`` (or a tuple of permuted copies, see
        *permutations*) to ``B`` values.
    n : int
        Number of rows.
    n_resamples : int
    rng : numpy.random.Generator
    permutations
        When given, ``evaluate`` receives ``w[:, p]`` for each permutation ``p`` (``None``
        meaning ``w`` itself) stacked on a new leading axis; this is how two models sorted
        differently share the same resampled rows.
    """
    perms = list(permutations)

    def run(w: Float) -> Float:
        if not perms:
            return evaluate(w)
        src = compact_counts(w)
        return evaluate(np.stack([w if p is None else gather(src, p) for p in perms]))

    step = block_size(n * max(1, len(perms)))
    replicates = np.concatenate(
        [
            run(resample_counts(rng, min(step, n_resamples - i), n))
            for i in range(0, n_resamples, step)
        ]
    )
    # Delete-a-group jackknife (Efron & Narasimhan, 2020, ``bcajack``): with many rows the
    # acceleration is estimated as well from a few hundred groups as from n deletions.
    n_groups = min(n, _JACKKNIFE_GROUPS)
    jack = np.concatenate(
        [
            run(_jackknife_weights(n, range(g, min(g + step, n_groups)), n_groups))
            for g in range(0, n_groups, step)
        ]
    )
    sizes = np.array([len(range(g, n, n_groups)) for g in range(n_groups)], dtype=np.float64)
    return replicates, jack, sizes


def loop_replicates(
    func: Callable[..., float],
    arrays: Sequence[NDArray[Any]],
    n_resamples: int,
    rng: np.random.Generator,
) -> Replicates:
    """Replicates by re-evaluating *func* on resampled rows (for user-defined metrics)."""
    n = arrays[0].shape[0]

    def safe(idx: NDArray[Any]) -> float:
        try:
            return float(func(*(a[idx] for a in arrays)))
        except MetricError:  # a resample the metric cannot take, e.g. one class only
            return float("nan")

    replicates = np.array([safe(rng.integers(0, n, size=(n,))) for _ in range(n_resamples)])
    n_groups = min(n, _JACKKNIFE_GROUPS)
    rows = np.arange(n)
    jack = np.array([safe(rows[rows % n_groups != g]) for g in range(n_groups)])
    sizes = np.array([len(range(g, n, n_groups)) for g in range(n_groups)], dtype=np.float64)
    return replicates, jack, sizes


def _acceleration(jack: Float, sizes: Float) -> float:
    ok = np.isfinite(jack)
    jack, sizes = jack[ok], sizes[ok]
    if jack.size < 2:
        return 0.0
    d = np.average(jack, weights=sizes) - jack
    den = 6.0 * float(np.sum(sizes * d * d)) ** 1.5
    return float(np.sum(sizes * d**3)) / den if den > 0.0 else 0.0


def bootstrap_interval(
    estimate: float,
    replicates: Replicates,
    confidence: float,
    kind: str = "bca",
) -> tuple[float, float, float, str]:
    """Percentile or BCa interval from bootstrap replicates.

    Parameters
    ----------
    estimate : float
        The statistic on the observed data.
    replicates : Replicates
        As returned by the ``*_replicates`` functions. Non-finite replicates (resamples on
        which the statistic is undefined, such as an AUC without positives) are dropped.
    confidence : float
        Two-sided level.
    kind : {"bca", "percentile"}

    Returns
    -------
    low, high, se, method
        ``se`` is the standard deviation of the replicates. ``method`` is
        ``"bootstrap-bca"`` or ``"bootstrap-percentile"``; BCa falls back to percentile
        when every replicate lies on one side of the estimate, where its bias correction
        is infinite.

    Notes
    -----
    The bias correction uses the mid-rank share of replicates below the estimate, so that
    the ties that statistics of counts produce in abundance count half on each side.
    When all replicates are equal (e.g. recall 1.0 with every positive found) the interval
    collapses to the estimate and ``se`` is 0: the bootstrap cannot see variability that
    the sample does not show. Proportions avoid this by using Wilson's interval.
    """
    theta, jack, sizes = replicates
    theta = theta[np.isfinite(theta)]
    if theta.size < 2:
        raise MetricError(
            "the bootstrap produced fewer than 2 usable resamples; the metric is undefined on "
            "almost every resample of these rows (too few rows of some class?)"
        )
    alpha = 1.0 - confidence
    se = float(np.std(theta, ddof=1))
    probs = np.array([alpha / 2.0, 1.0 - alpha / 2.0])
    method = "bootstrap-percentile"
    if kind == "bca":
        tol = 1e-12 * max(1.0, abs(estimate))
        below = np.count_nonzero(theta < estimate - tol)
        tied = np.count_nonzero(np.abs(theta - estimate) <= tol)
        p0 = (below + 0.5 * tied) / theta.size
        if 0.0 < p0 < 1.0:
            z0 = float(ndtri(p0))
            a = _acceleration(jack, sizes)
            zq = z0 + ndtri(probs)
            probs = ndtr(z0 + zq / (1.0 - a * zq))
            method = "bootstrap-bca"
    low, high = np.quantile(theta, probs)
    return float(low), float(high), se, method
