"""Mergeable profiles: small summaries of a table that add up exactly.

A :class:`ProfileSpec` is learned once from the reference: for every numeric column a grid of
interior bin edges at the reference's quantiles (plus two open-ended outer bins), for every
categorical column the list of reference categories (plus an ``unseen`` bucket). A
:class:`FrameProfile` of any table on that spec holds, per column:

* numeric: counts and sums of values per bin, the number of values, their mean and sum of squared deviations
  (Chan et al.'s parallel moments), minimum, maximum and the number of missing values;
* categorical: counts per reference category, the count of values never seen in the reference,
  and the number of missing values.

Profiles merge: ``a.merge(b)`` equals the profile of the concatenated rows (bin counts, missing
counts, minimum and maximum exactly; mean and sum of squares to floating-point rounding), and
merging is associative. That is what lets the reference be stored without its rows, and a Dask
cluster compute profiles partition by partition.

The bin counts double as a quantile sketch (:meth:`NumericProfile.quantile`): with ``B``
reference-quantile bins, a quantile of data distributed like the reference is located inside a
bin holding about ``1/B`` of the mass, so its rank error is at most that bin's share of the rows
and its value error at most the bin's width (values are interpolated linearly inside the bin;
the outer bins are bounded by the observed minimum and maximum). The sketch is exact in the
sense that merging never adds error: the error bound of a merged sketch is that of the grid.

Missing values are ``NaN``/``None``; for numeric columns ``±inf`` counts as missing too, because
it has no place in a mean or a distance between distributions.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact._files import atomic_write_text
from modelpact.errors import InvalidDataError

__all__ = [
    "CategoricalProfile",
    "FrameProfile",
    "NumericProfile",
    "ProfileSpec",
    "ReferenceProfile",
    "column_kind",
    "profile_frame",
    "profile_ranges",
]

PROFILE_SCHEMA = "modelpact.profile/v1"
# Below this many cells (rows x columns) thread start-up costs more than it saves.
_THREADS_FROM_CELLS = 2_000_000
Role = Literal["feature", "score", "prediction"]
Float = NDArray[np.float64]
Int = NDArray[np.int64]


def column_kind(series: pd.Series) -> Literal["numeric", "categorical"]:
    """``numeric`` for numbers (not booleans), else ``categorical``."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "numeric"
    return "categorical"


# --------------------------------------------------------------------------- spec


@dataclass(frozen=True)
class ProfileSpec:
    """The reference-derived grid every profile is computed on.

    Build it with :meth:`from_reference`; it is part of a saved reference profile.

    Attributes
    ----------
    numeric
        Column -> sorted unique interior bin edges (``len(edges) + 1`` bins).
    categorical
        Column -> reference categories as strings, most frequent first.
    roles
        Column -> ``feature``, ``score`` or ``prediction``.
    drift_groups
        Numeric column -> start indices of the coarse bins used for drift distances (groups of
        consecutive fine bins holding roughly equal reference mass).
    """

    numeric: Mapping[str, Float]
    categorical: Mapping[str, tuple[str, ...]]
    roles: Mapping[str, Role] = field(default_factory=dict)
    drift_groups: Mapping[str, Int] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Every profiled column, numeric ones first."""
        return [*self.numeric, *self.categorical]

    def kind(self, column: str) -> Literal["numeric", "categorical"]:
        """Whether *column* is profiled as numeric or categorical."""
        return "numeric" if column in self.numeric else "categorical"

    @classmethod
    def from_reference(
        cls,
        frame: pd.DataFrame,
        columns: Sequence[str],
        *,
        roles: Mapping[str, Role] | None = None,
        categorical: Iterable[str] = (),
        n_bins: int = 128,
        n_drift_bins: int = 16,
        max_categories: int = 200,
    ) -> ProfileSpec:
        """Learn bin edges and categories from the reference rows.

        Parameters
        ----------
        frame
            The reference table.
        columns
            The columns to profile (features, scores, predictions).
        roles
            Column -> role; columns not named are features.
        categorical
            Columns to treat as categorical even if numeric (e.g. integer codes).
        n_bins
            Quantile bins of the fine grid (the quantile sketch's resolution).
        n_drift_bins
            Coarse bins for the drift distances (fewer bins: less sampling noise per bin).
        max_categories
            Categories kept per categorical column (the most frequent); rarer reference values
            fall in the ``unseen`` bucket like values never seen at all.

        Examples
        --------
        >>> import pandas as pd
        >>> spec = ProfileSpec.from_reference(pd.DataFrame({"x": [1.0, 2, 3, 4], "c": list("aabc")}),
        ...                                   ["x", "c"], n_bins=2)
        >>> spec.numeric["x"].tolist(), spec.categorical["c"]
        ([2.5], ('a', 'b', 'c'))
        """
        forced = set(categorical)
        numeric: dict[str, Float] = {}
        groups: dict[str, Int] = {}
        cats: dict[str, tuple[str, ...]] = {}
        for col in columns:
            series = frame[col]
            if col not in forced and column_kind(series) == "numeric":
                values = _finite(series)
                if values.size:
                    probs = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
                    edges = np.unique(np.quantile(values, probs))
                else:
                    edges = np.empty(0)
                numeric[col] = edges
                counts = np.bincount(bin_index(values, edges), minlength=edges.size + 1)
                groups[col] = _drift_groups(counts, n_drift_bins)
            else:
                codes, uniques = _factorize(series)
                counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
                order = np.lexsort((np.asarray(uniques, dtype=object).astype(str), -counts))
                cats[col] = tuple(str(uniques[i]) for i in order[:max_categories])
        return cls(numeric=numeric, categorical=cats, roles=dict(roles or {}), drift_groups=groups)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (edges as floats, categories as strings)."""
        return {
            "numeric": {c: [float(e) for e in v] for c, v in self.numeric.items()},
            "categorical": {c: list(v) for c, v in self.categorical.items()},
            "roles": dict(self.roles),
            "drift_groups": {c: [int(g) for g in v] for c, v in self.drift_groups.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProfileSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            numeric={c: np.asarray(v, dtype=np.float64) for c, v in data["numeric"].items()},
            categorical={c: tuple(v) for c, v in data["categorical"].items()},
            roles=dict(data.get("roles", {})),
            drift_groups={c: np.asarray(v, dtype=np.int64)
                          for c, v in data.get("drift_groups", {}).items()},
        )


def _drift_groups(counts: Int, n_groups: int) -> Int:
    # Start index of each coarse bin: cut the fine bins where the reference's cumulative share
    # crosses multiples of 1/n_groups, so each coarse bin holds about the same reference mass.
    total = counts.sum()
    if total == 0 or counts.size <= n_groups:
        return np.arange(counts.size, dtype=np.int64)
    cum = np.cumsum(counts) / total
    cuts = np.searchsorted(cum, np.arange(1, n_groups) / n_groups, side="left") + 1
    starts = np.unique(np.concatenate([[0], cuts[cuts < counts.size]]))
    return starts.astype(np.int64)


def _finite(series: pd.Series) -> Float:
    values = np.asarray(pd.to_numeric(series, errors="coerce"), dtype=np.float64)
    return values[np.isfinite(values)]


def _factorize(series: pd.Series) -> tuple[Int, Any]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        return codes, series.cat.categories
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64), uniques


# --------------------------------------------------------------------------- profiles


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
                "mean": _num(self.mean), "m2": self.m2, "min": _num(self.min),
                "max": _num(self.max)}

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


def _num(x: float) -> float | None:
    return None if x != x else float(x)


def _unnum(x: float | None) -> float:
    return math.nan if x is None else float(x)


# --------------------------------------------------------------------------- kernels


def profile_frame(spec: ProfileSpec, frame: pd.DataFrame) -> FrameProfile:
    """Profile all rows of *frame* on *spec* (columns absent from *frame* are left out).

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"x": [0.0, 1, 2, 3], "c": ["a", "a", "b", None]})
    >>> spec = ProfileSpec.from_reference(ref, ["x", "c"], n_bins=2)
    >>> p = profile_frame(spec, pd.DataFrame({"x": [5.0, None], "c": ["z", "a"]}))
    >>> p.columns["x"].counts.tolist(), p.columns["x"].missing, p.columns["c"].unseen
    ([0, 1], 1, 1)
    """
    return profile_ranges(spec, frame, np.array([0, len(frame)], dtype=np.int64))[0]


def profile_ranges(spec: ProfileSpec, frame: pd.DataFrame, bounds: Int, *,
                   threads: int | None = None) -> list[FrameProfile]:
    """Profiles of consecutive row ranges ``frame[bounds[i]:bounds[i+1]]``, vectorised.

    One ``searchsorted`` (numeric) or one factorisation (categorical) per column over all rows,
    then one ``bincount`` and a few ``reduceat`` calls split the work by range: the cost is a
    pass over the data per column, whatever the number of ranges. ``threads`` (default: up to
    4, at most the CPU count) profile columns in parallel on large tables.
    """
    if threads is None:
        threads = min(4, os.cpu_count() or 1)
    bounds = np.asarray(bounds, dtype=np.int64)
    k = bounds.size - 1
    sizes = np.diff(bounds)
    if k < 1 or np.any(sizes < 0) or bounds[0] != 0 or bounds[-1] != len(frame):
        raise InvalidDataError("profile ranges must cover the table from row 0 to its end")
    chunk_of_row = np.repeat(np.arange(k), sizes)
    jobs: list[Callable[[], tuple[str, list[ColumnProfile]]]] = []
    for col, edges in spec.numeric.items():
        if col in frame.columns:
            jobs.append(partial(_numeric_job, col, frame[col], edges, bounds, chunk_of_row))
    for col, cats in spec.categorical.items():
        if col in frame.columns:
            jobs.append(partial(_categorical_job, col, frame[col], cats, chunk_of_row, k))
    # Columns are independent and the kernels spend their time in NumPy, which releases the
    # GIL: a few threads overlap them. Results are gathered in spec order, so the output does
    # not depend on scheduling.
    if len(frame) * len(jobs) >= _THREADS_FROM_CELLS and threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(lambda job: job(), jobs))
    else:
        done = [job() for job in jobs]
    per_chunk: list[dict[str, ColumnProfile]] = [{} for _ in range(k)]
    for col, profiles in done:
        for i, p in enumerate(profiles):
            per_chunk[i][col] = p
    return [FrameProfile(int(sizes[i]), per_chunk[i]) for i in range(k)]


def _numeric_job(col: str, series: pd.Series, edges: Float, bounds: Int,
                 chunk_of_row: Int) -> tuple[str, list[ColumnProfile]]:
    return col, list(_numeric_ranges(series, edges, bounds, chunk_of_row))


def _categorical_job(col: str, series: pd.Series, cats: tuple[str, ...], chunk_of_row: Int,
                     k: int) -> tuple[str, list[ColumnProfile]]:
    return col, list(_categorical_ranges(series, cats, chunk_of_row, k))


def bin_index(x: Float, edges: Float) -> Int:
    """``np.searchsorted(edges, x, side="right")`` for finite *x*, several times faster.

    A binary search per value is slow on large unsorted arrays (a branch misprediction per
    step). Instead each value is first placed on a uniform grid of ``8 * len(edges)`` cells by
    arithmetic; a lookup table gives a lower bound of its bin from the cell, and a few
    vectorised compare-and-step passes (as many as the most edges any cell holds) finish the
    count. The result is exactly the binary search's; columns whose edges crowd into a few
    cells (a heavy tail, say) fall back to the binary search.

    Examples
    --------
    >>> edges = np.array([0.0, 1.0, 2.5])
    >>> bin_index(np.array([-1.0, 0.0, 0.5, 2.5, 9.0]), edges).tolist()
    [0, 1, 1, 3, 3]
    """
    k = edges.size
    if k < 16 or x.size < 4 * k:
        return np.searchsorted(edges, x, side="right").astype(np.int64)
    lo, hi = float(edges[0]), float(edges[-1])
    cells = 8 * k
    width = (hi - lo) / cells
    if not (width > 0 and np.isfinite(width)):
        return np.searchsorted(edges, x, side="right").astype(np.int64)
    # generous slack for rounding in the cell arithmetic: the table is a lower bound of the
    # count and `steps` covers every edge a value of the cell can pass
    slack = width * 1e-6 + 1e-12 * max(abs(lo), abs(hi))
    starts = lo + np.arange(cells + 1) * width
    below = np.searchsorted(edges, starts - slack, side="left")
    upto = np.searchsorted(edges, starts[1:] + slack, side="right")
    steps = int((upto - below[:-1]).max())
    if steps > 4:
        return np.searchsorted(edges, x, side="right").astype(np.int64)
    cell = (x - lo) * (1.0 / width)
    np.clip(cell, 0, cells - 1, out=cell)
    b = below[cell.astype(np.int64)]
    last = np.int64(k - 1)
    for _ in range(steps):
        b += x >= edges[np.minimum(b, last)]
    # the compare against edges[k-1] may have stepped past the end once for large values
    np.minimum(b, k, out=b)
    return b


def _numeric_ranges(series: pd.Series, edges: Float, bounds: Int,
                    chunk_of_row: Int) -> list[NumericProfile]:
    if column_kind(series) == "numeric":
        x = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # a column that changed type: what parses as a number is profiled, the rest is missing
        x = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    k = bounds.size - 1
    nb = edges.size + 1
    ok = np.isfinite(x)
    all_ok = bool(ok.all())
    xf = x if all_ok else x[ok]  # the finite values, in row order
    rows = chunk_of_row if all_ok else chunk_of_row[ok]
    cell = rows * nb + bin_index(xf, edges)
    counts = np.bincount(cell, minlength=k * nb).reshape(k, nb)
    bin_sums = np.bincount(cell, weights=xf, minlength=k * nb).reshape(k, nb)
    sizes = np.diff(bounds)
    # ranges over the finite values only: reduceat then needs no masking
    fin_bounds = bounds if all_ok else np.r_[0, np.cumsum(np.bincount(rows, minlength=k))]
    n = np.diff(fin_bounds)
    nonempty = n > 0
    mins = np.full(k, np.nan)
    maxs = np.full(k, np.nan)
    m2 = np.zeros(k)
    means = np.full(k, np.nan)
    if nonempty.any():
        idx = fin_bounds[:-1][nonempty]
        sums = bin_sums.sum(axis=1)
        mins[nonempty] = np.minimum.reduceat(xf, idx)
        maxs[nonempty] = np.maximum.reduceat(xf, idx)
        means[nonempty] = sums[nonempty] / n[nonempty]
        dev = xf - np.repeat(np.where(nonempty, means, 0.0), n)
        m2[nonempty] = np.add.reduceat(dev * dev, idx)
    missing = sizes - n
    return [NumericProfile(counts[i], bin_sums[i], int(missing[i]), int(n[i]),
                           float(means[i]) if n[i] else math.nan, float(m2[i]),
                           float(mins[i]), float(maxs[i])) for i in range(k)]


def _categorical_ranges(series: pd.Series, cats: tuple[str, ...], chunk_of_row: Int,
                        k: int) -> list[CategoricalProfile]:
    codes, uniques = _factorize(series)
    lookup = {c: i for i, c in enumerate(cats)}
    unseen = len(cats)
    # map the (few) distinct values to reference indices, then all rows through that table
    table = np.array([lookup.get(_cat_str(u), unseen) for u in uniques], dtype=np.int64)
    nc = unseen + 1
    present = codes >= 0
    mapped = table[codes[present]] if table.size else np.empty(0, dtype=np.int64)
    counts = np.bincount(chunk_of_row[present] * nc + mapped, minlength=k * nc).reshape(k, nc)
    missing = np.bincount(chunk_of_row[~present], minlength=k)
    return [CategoricalProfile(counts[i], int(missing[i])) for i in range(k)]


def _cat_str(value: Any) -> str:
    # 1 and 1.0 are the same category whichever way the column was parsed
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return str(value)


# --------------------------------------------------------------------------- reference file


@dataclass(frozen=True)
class ReferenceProfile:
    """Everything monitoring needs from the reference, without its rows.

    ``chunks`` are profiles of consecutive, equal-sized reference chunks, in order; their merge
    is ``total``. Drift thresholds are calibrated from them by leave-chunk-out.
    """

    spec: ProfileSpec
    total: FrameProfile
    chunks: tuple[FrameProfile, ...]
    dtypes: Mapping[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, spec: ProfileSpec, *, n_chunks: int = 10,
                   fingerprint: str = "") -> ReferenceProfile:
        """Profile the reference in *n_chunks* consecutive chunks of (nearly) equal size."""
        bounds = np.linspace(0, len(frame), n_chunks + 1).round().astype(np.int64)
        chunks = profile_ranges(spec, frame, bounds)
        total = chunks[0]
        for c in chunks[1:]:
            total = total.merge(c)
        dtypes = {c: str(frame[c].dtype) for c in spec.columns if c in frame.columns}
        return cls(spec, total, tuple(chunks), dtypes, fingerprint)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with a ``schema`` key."""
        return {"schema": PROFILE_SCHEMA, "fingerprint": self.fingerprint,
                "dtypes": dict(self.dtypes), "spec": self.spec.to_dict(),
                "total": self.total.to_dict(), "chunks": [c.to_dict() for c in self.chunks]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReferenceProfile:
        """Inverse of :meth:`to_dict`."""
        if d.get("schema") != PROFILE_SCHEMA:
            raise InvalidDataError(
                f"not a modelpact reference profile (schema {d.get('schema')!r}, expected "
                f"{PROFILE_SCHEMA!r}); create one with --save-reference-profile")
        return cls(ProfileSpec.from_dict(d["spec"]), FrameProfile.from_dict(d["total"]),
                   tuple(FrameProfile.from_dict(c) for c in d["chunks"]),
                   dict(d.get("dtypes", {})), str(d.get("fingerprint", "")))

    def save(self, path: str | Path) -> Path:
        """Write the profile as JSON, atomically."""
        return atomic_write_text(path, json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: str | Path) -> ReferenceProfile:
        """Read a profile written by :meth:`save`; errors name the file."""
        source = Path(path)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidDataError(f"{source}: reference profile file not found") from None
        except (OSError, ValueError) as exc:
            raise InvalidDataError(f"{source}: cannot read reference profile ({exc})") from None
        try:
            return cls.from_dict(data)
        except InvalidDataError as exc:
            raise InvalidDataError(f"{source}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidDataError(f"{source}: malformed reference profile ({exc})") from None
