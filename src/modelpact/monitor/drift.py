"""Univariate drift distances computed from profiles, registered by name.

Every method compares a reference profile with a chunk profile of the same column and returns a
non-negative statistic, larger meaning more different. None of them is a bare p-value: with
100,000 rows every p-value is tiny, while these distances stay meaningful at any sample size and
are turned into decisions by thresholds calibrated on the reference
(:mod:`modelpact.monitor.calibration`).

=================  ===========  ==========================================================
method             columns      statistic
=================  ===========  ==========================================================
jensen_shannon     both         Jensen–Shannon distance, base 2 (in [0, 1])
hellinger          both         Hellinger distance (in [0, 1])
psi                both         population stability index (smoothed by half a count)
wasserstein        numeric      1-Wasserstein distance / reference standard deviation
ks                 numeric      Kolmogorov–Smirnov D on the bin grid (p-value reported)
chi2               both         chi-square distance sqrt(X² / n_eff) (chi-squared p-value reported)
=================  ===========  ==========================================================

Numeric columns use the coarse drift bins of the spec (about equal reference mass each), except
``wasserstein`` and ``ks`` which use the fine grid. ``ks`` and ``chi2`` also report their
classical p-value, which is only a fair summary on small samples; alerts never use it.

``power`` says how a method's statistic scales with sampling noise under no drift: divergences
(``psi``) grow like ``1/n``, distances (square roots of divergences, Wasserstein, KS) like
``1/sqrt(n)``. Calibration uses it to carry a threshold from one chunk size to another.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from modelpact.errors import ConfigurationError, closest
from modelpact.monitor.profile import (
    CategoricalProfile,
    ColumnProfile,
    NumericProfile,
    ProfileSpec,
)

__all__ = [
    "DRIFT_METHODS",
    "DriftMethod",
    "hellinger",
    "jensen_shannon",
    "psi",
    "wasserstein_binned",
]

Float = NDArray[np.float64]


def _probs(counts: NDArray[np.int64] | Float) -> Float:
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    return c / total if total > 0 else np.full(c.shape, 1.0 / max(c.size, 1))


def jensen_shannon(p_counts: Float, q_counts: Float) -> float:
    """Jensen–Shannon distance (base 2) between two count vectors.

    Examples
    --------
    >>> round(jensen_shannon(np.array([1.0, 0]), np.array([0.0, 1])), 6)
    1.0
    """
    p, q = _probs(p_counts), _probs(q_counts)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_p = np.where(p > 0, p * np.log2(p / m), 0.0).sum()
        kl_q = np.where(q > 0, q * np.log2(q / m), 0.0).sum()
    return math.sqrt(max(0.5 * (kl_p + kl_q), 0.0))


def hellinger(p_counts: Float, q_counts: Float) -> float:
    """Hellinger distance between two count vectors (in [0, 1])."""
    p, q = _probs(p_counts), _probs(q_counts)
    return math.sqrt(max(0.5 * float(((np.sqrt(p) - np.sqrt(q)) ** 2).sum()), 0.0))


def psi(p_counts: Float, q_counts: Float) -> float:
    """Population stability index, each count smoothed by 0.5 so empty bins stay finite."""
    p = _probs(np.asarray(p_counts, dtype=np.float64) + 0.5)
    q = _probs(np.asarray(q_counts, dtype=np.float64) + 0.5)
    return float(((q - p) * np.log(q / p)).sum())


def wasserstein_binned(edges: Float, a: NumericProfile, b: NumericProfile) -> float:
    """1-Wasserstein distance ``∫|F_a - F_b|`` between two binned profiles (not normalised).

    With the sum of the values in each bin, the signed integral ``∫(F_a - F_b)`` over a bin is
    exact (``∫_l^u F = u F(u) - l F(l) - Σx/n``; the open outer bins through
    ``E[(e - X)+]`` and ``E[(X - e)+]``). Summing its absolute value over bins is therefore
    exact whenever the two CDFs do not cross inside a bin, and a lower bound otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> from modelpact.monitor.profile import ProfileSpec, profile_frame
    >>> spec = ProfileSpec.from_reference(pd.DataFrame({"x": [0.0, 1, 2, 3]}), ["x"], n_bins=4)
    >>> pa = profile_frame(spec, pd.DataFrame({"x": [0.0, 1, 2, 3]})).columns["x"]
    >>> pb = profile_frame(spec, pd.DataFrame({"x": [0.5, 1.5, 2.5, 3.5]})).columns["x"]
    >>> wasserstein_binned(spec.numeric["x"], pa, pb)
    0.5
    """
    if a.n == 0 or b.n == 0:
        return math.nan
    if edges.size == 0:
        return abs(a.mean - b.mean)
    return float(np.abs(_signed_integrals(edges, a) - _signed_integrals(edges, b)).sum())


def _signed_integrals(edges: Float, p: NumericProfile) -> Float:
    # per bin: ∫ F over the bin for all but the last (open) bin, and -∫ (1 - F) over the last
    n = p.n
    c = p.counts.astype(np.float64)
    f_right = np.cumsum(c)[:-1] / n  # F at edges[0..K-2]
    out = np.empty(c.size)
    out[0] = (edges[0] * c[0] - p.sums[0]) / n
    if c.size > 2:
        out[1:-1] = edges[1:] * f_right[1:] - edges[:-1] * f_right[:-1] - p.sums[1:-1] / n
    out[-1] = -(p.sums[-1] - edges[-1] * c[-1]) / n
    return out


def _coarse(spec: ProfileSpec, column: str, counts: NDArray[np.int64]) -> NDArray[np.int64]:
    groups = spec.drift_groups.get(column)
    if groups is None or groups.size == 0 or groups.size >= counts.size:
        return counts
    return np.add.reduceat(counts, groups)


@dataclass(frozen=True)
class DriftValue:
    """A statistic and, for the classical tests, its p-value."""

    value: float
    p_value: float | None = None


@dataclass(frozen=True)
class DriftMethod:
    """A named drift statistic over two column profiles."""

    name: str
    kinds: frozenset[Literal["numeric", "categorical"]]
    power: float
    compute: Callable[[ProfileSpec, str, ColumnProfile, ColumnProfile], DriftValue]
    description: str


def _hist(spec: ProfileSpec, column: str, p: ColumnProfile) -> NDArray[np.int64]:
    if isinstance(p, NumericProfile):
        return _coarse(spec, column, p.counts)
    return p.counts


def _on_hist(func: Callable[[Float, Float], float]
             ) -> Callable[[ProfileSpec, str, ColumnProfile, ColumnProfile], DriftValue]:
    def compute(spec: ProfileSpec, column: str, ref: ColumnProfile,
                cur: ColumnProfile) -> DriftValue:
        if ref.n == 0 or cur.n == 0:
            return DriftValue(math.nan)
        r = _hist(spec, column, ref).astype(np.float64)
        c = _hist(spec, column, cur).astype(np.float64)
        return DriftValue(func(r, c))

    return compute


def _wasserstein(spec: ProfileSpec, column: str, ref: ColumnProfile,
                 cur: ColumnProfile) -> DriftValue:
    assert isinstance(ref, NumericProfile) and isinstance(cur, NumericProfile)
    raw = wasserstein_binned(spec.numeric[column], ref, cur)
    size = max(1.0, abs(ref.mean)) if ref.mean == ref.mean else 1.0
    if raw <= 1e-12 * size:  # rounding noise of the bin integrals, not a distance
        return DriftValue(0.0)
    scale = ref.std
    if not scale > 1e-12 * size:  # a constant reference: fall back to the raw distance
        return DriftValue(raw)
    return DriftValue(raw / scale)


def _ks(spec: ProfileSpec, column: str, ref: ColumnProfile, cur: ColumnProfile) -> DriftValue:
    if ref.n == 0 or cur.n == 0:
        return DriftValue(math.nan)
    fa = np.cumsum(ref.counts) / ref.counts.sum()
    fb = np.cumsum(cur.counts) / cur.counts.sum()
    d = float(np.abs(fa - fb).max())
    n_eff = ref.n * cur.n / (ref.n + cur.n)
    return DriftValue(d, float(sps.kstwobign.sf(d * math.sqrt(n_eff))))


def _chi2(spec: ProfileSpec, column: str, ref: ColumnProfile, cur: ColumnProfile) -> DriftValue:
    if ref.n == 0 or cur.n == 0:
        return DriftValue(math.nan)
    table = np.vstack([_hist(spec, column, ref), _hist(spec, column, cur)]).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return DriftValue(0.0, 1.0)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    dof = table.shape[1] - 1
    rows = table.sum(axis=1)
    n_eff = rows[0] * rows[1] / rows.sum()
    # chi2 / n_eff estimates the Pearson divergence between the two distributions whatever the
    # sample sizes, so (unlike Cramér's V) its null scale follows 1/n + 1/N like the others
    return DriftValue(math.sqrt(chi2 / n_eff), float(sps.chi2.sf(chi2, dof)))


_BOTH: frozenset[Literal["numeric", "categorical"]] = frozenset({"numeric", "categorical"})
_NUMERIC: frozenset[Literal["numeric", "categorical"]] = frozenset({"numeric"})

DRIFT_METHODS: Mapping[str, DriftMethod] = {
    m.name: m
    for m in (
        DriftMethod("jensen_shannon", _BOTH, 0.5, _on_hist(jensen_shannon),
                    "Jensen–Shannon distance (base 2)"),
        DriftMethod("hellinger", _BOTH, 0.5, _on_hist(hellinger), "Hellinger distance"),
        DriftMethod("psi", _BOTH, 1.0, _on_hist(psi), "population stability index"),
        DriftMethod("wasserstein", _NUMERIC, 0.5, _wasserstein,
                    "1-Wasserstein distance in reference standard deviations"),
        DriftMethod("ks", _NUMERIC, 0.5, _ks, "Kolmogorov–Smirnov D (p-value for small samples)"),
        DriftMethod("chi2", _BOTH, 0.5, _chi2, "chi-square distance (chi-squared p-value for small samples)"),
    )
}


def get_method(name: str) -> DriftMethod:
    """The drift method called *name*; a clear error listing the known ones otherwise."""
    try:
        return DRIFT_METHODS[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown drift method '{name}'{closest(name, DRIFT_METHODS)} "
            f"(known: {', '.join(DRIFT_METHODS)})") from None


def column_drift(method: DriftMethod, spec: ProfileSpec, column: str, ref: ColumnProfile,
                 cur: ColumnProfile) -> DriftValue:
    """Apply *method* to one column (``nan`` when it does not apply to the column's kind)."""
    kind: Literal["numeric", "categorical"] = (
        "categorical" if isinstance(ref, CategoricalProfile) else "numeric")
    if kind not in method.kinds:
        return DriftValue(math.nan)
    return method.compute(spec, column, ref, cur)
