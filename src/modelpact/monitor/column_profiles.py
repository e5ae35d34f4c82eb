"""Column and table summaries that add up exactly: the values a profile holds.

A :class:`NumericProfile` holds, for one numeric column on the spec's bins, counts and sums of
values per bin, the number of values, their mean and sum of squared deviations (Chan et al.'s
parallel moments), minimum, maximum and the number of missing values; a
:class:`CategoricalProfile` counts per reference category, then values never seen in the
reference, plus missing values; a :class:`FrameProfile` holds them for every column of a table.
They merge (``a.merge(b)`` is the profile of both sets of rows) and subtract (leave-chunk-out).
How they are computed is :mod:`modelpact.monitor.profiling`; what they mean,
:mod:`modelpact.monitor.profile`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelpact._json import nan_to_none

__all__ = ["CategoricalProfile", "ColumnProfile", "FrameProfile", "NumericProfile"]

Float = NDArray[np.float64]
Int = NDArray[np.int64]


@dataclass(frozen=True)
class NumericProfile:
    """Summary of one numeric column on the spec's bins; see the module docstring."""

    counts: Int
    sums: Float
    missing: int
    n: int
    mean: float
    m2: float
    min: float
    max: float

    @property
    def variance(self) -> float:
        """Population variance of the non-missing values (``nan`` when there are none)."""
        return self.m2 / self.n if self.n else math.nan

    @property
    def std(self) -> float:
        """Population standard deviation."""
        return math.sqrt(self.variance) if self.n else math.nan

    def merge(self, other: NumericProfile) -> NumericProfile:
        """The profile of both sets of rows (Chan et al.'s pairwise update for the moments)."""
        n = self.n + other.n
        if n == 0:
            mean, m2 = math.nan, 0.0
        elif other.n == 0:
            mean, m2 = self.mean, self.m2
        elif self.n == 0:
            mean, m2 = other.mean, other.m2
        else:
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return NumericProfile(
            counts=self.counts + other.counts,
            sums=self.sums + other.sums,
            missing=self.missing + other.missing,
            n=n,
            mean=mean,
            m2=m2,
            min=float(np.fmin(self.min, other.min)),
            max=float(np.fmax(self.max, other.max)),
        )

    def subtract(self, other: NumericProfile) -> NumericProfile:
        """The profile of these rows without *other*'s (which must be a subset of them).

        Used for leave-chunk-out calibration. Minimum and maximum cannot be un-merged and are
        kept (they only bound the outer bins).
        """
        n = self.n - other.n
        if n <= 0:
            mean, m2 = math.nan, 0.0
        else:
            mean = (self.mean * self.n - other.mean * other.n) / n
            delta = other.mean - mean
            m2 = max(self.m2 - other.m2 - delta * delta * n * other.n / self.n, 0.0)
        return NumericProfile(self.counts - other.counts, self.sums - other.sums,
                              self.missing - other.missing, n, mean, m2, self.min, self.max)

    def quantile(self, q: float, edges: Float) -> float:
        """Approximate quantile from the bin counts (error bound in the module docstring)."""
        total = int(self.counts.sum())
        if total == 0:
            return math.nan
        bounds = np.concatenate([[self.min], edges, [self.max]])
        bounds = np.clip(bounds, self.min, self.max)
        cum = np.concatenate([[0], np.cumsum(self.counts)])
        target = q * total
        i = int(np.clip(np.searchsorted(cum, target, side="left") - 1, 0, self.counts.size - 1))
        inside = (target - cum[i]) / self.counts[i] if self.counts[i] else 0.0
        return float(bounds[i] + inside * (bounds[i + 1] - bounds[i]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"counts": [int(c) for c in self.counts], "sums": [float(v) for v in self.sums],
                "missing": self.missing, "n": self.n,
                "mean": nan_to_none(self.mean), "m2": self.m2, "min": nan_to_none(self.min),
                "max": nan_to_none(self.max)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NumericProfile:
        """Inverse of :meth:`to_dict`."""
        return cls(np.asarray(d["counts"], dtype=np.int64),
                   np.asarray(d["sums"], dtype=np.float64), int(d["missing"]), int(d["n"]),
                   _unnum(d["mean"]), float(d["m2"]), _unnum(d["min"]), _unnum(d["max"]))


@dataclass(frozen=True)
class CategoricalProfile:
    """Counts per reference category, then one ``unseen`` count, plus missing values."""

    counts: Int
    missing: int

    @property
    def unseen(self) -> int:
        """Values not among the reference categories."""
        return int(self.counts[-1])

    @property
    def n(self) -> int:
        """Non-missing values."""
        return int(self.counts.sum())

    def merge(self, other: CategoricalProfile) -> CategoricalProfile:
        """The profile of both sets of rows."""
        return CategoricalProfile(self.counts + other.counts, self.missing + other.missing)

    def subtract(self, other: CategoricalProfile) -> CategoricalProfile:
        """The profile of these rows without *other*'s (a subset of them)."""
        return CategoricalProfile(self.counts - other.counts, self.missing - other.missing)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"counts": [int(c) for c in self.counts], "missing": self.missing}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CategoricalProfile:
        """Inverse of :meth:`to_dict`."""
        return cls(np.asarray(d["counts"], dtype=np.int64), int(d["missing"]))


ColumnProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True)
class FrameProfile:
    """Profiles of every spec column present in a table, plus its row count."""

    n_rows: int
    columns: Mapping[str, ColumnProfile]

    def merge(self, other: FrameProfile) -> FrameProfile:
        """The profile of both tables' rows; a column absent from one side keeps the other's."""
        cols: dict[str, ColumnProfile] = {}
        for name in [*self.columns, *(c for c in other.columns if c not in self.columns)]:
            a, b = self.columns.get(name), other.columns.get(name)
            if a is None or b is None:
                cols[name] = a if b is None else b  # type: ignore[assignment]
            else:
                cols[name] = a.merge(b)  # type: ignore[arg-type]
        return FrameProfile(self.n_rows + other.n_rows, cols)

    def subtract(self, other: FrameProfile) -> FrameProfile:
        """These rows without *other*'s (for leave-chunk-out)."""
        cols = {name: p.subtract(other.columns[name])  # type: ignore[arg-type]
                for name, p in self.columns.items() if name in other.columns}
        return FrameProfile(self.n_rows - other.n_rows, cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"n_rows": self.n_rows,
                "columns": {c: {"kind": "numeric" if isinstance(p, NumericProfile)
                                else "categorical", **p.to_dict()}
                            for c, p in self.columns.items()}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FrameProfile:
        """Inverse of :meth:`to_dict`."""
        cols: dict[str, ColumnProfile] = {}
        for name, p in d["columns"].items():
            cols[name] = (NumericProfile.from_dict(p) if p["kind"] == "numeric"
                          else CategoricalProfile.from_dict(p))
        return cls(int(d["n_rows"]), cols)


def _unnum(x: float | None) -> float:
    return math.nan if x is None else float(x)
