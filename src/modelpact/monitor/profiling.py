"""Computing profiles: one streaming pass per column, in cache-sized blocks.

Every column is read once, block by block (at most :data:`BLOCK_ROWS` values), and each block
adds to the profile of the range it belongs to: numeric values are binned on the spec's grid
(:class:`~modelpact.monitor.binning.BinGrid`, exactly a binary search), counted and summed per
bin by ``bincount``, and their moments merged by Chan et al.'s pairwise update; categorical
values are mapped to reference categories by one hash lookup per value. The temporaries of a
block stay in the processor's cache and are reused, so a column of any length costs about a
pass over its values and no memory in proportion to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.errors import InvalidDataError
from modelpact.monitor.binning import BinGrid
from modelpact.monitor.column_profiles import (
    CategoricalProfile,
    ColumnProfile,
    FrameProfile,
    NumericProfile,
)
from modelpact.monitor.profile_spec import ProfileSpec, _cat_str, _factorize, column_kind

__all__ = ["BLOCK_ROWS", "profile_frame", "profile_ranges"]

Float = NDArray[np.float64]
Int = NDArray[np.int64]

# Values per block: the block and its temporaries (a few arrays of this length, about 2 MB in
# all) stay within a core's second-level cache. Measured at 1M rows x 20 columns: 2**16 costs
# about 5% less CPU than 2**15 (half the calls into NumPy per value); at 2**17 each 1 MB
# temporary is a fresh mapping from the kernel, and its page faults add 60% in system time.
BLOCK_ROWS = 1 << 16
# Arrow's set lookup has a fixed cost per call: larger blocks for it (its codes are small ints).
_ARROW_BLOCK_ROWS = 1 << 18
# Below this many cells (rows x columns) thread start-up costs more than it saves.
_THREADS_FROM_CELLS = 2_000_000


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
                   threads: int = 1) -> list[FrameProfile]:
    """Profiles of consecutive row ranges ``frame[bounds[i]:bounds[i+1]]``.

    One streaming pass per column over all rows, whatever the number of ranges (see the
    module docstring). ``threads`` > 1 profiles columns in parallel on large tables.

    One thread is the default: the kernels stream memory and hand the GIL over at every NumPy
    call, so a second thread on two cores won about 10% of wall time on an idle machine, cost
    10-25% more CPU, and lost wall time too as soon as another job held a core (1M rows x 20
    columns). Many cores are the Dask engine's job (:mod:`modelpact.engines.dask`).
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    bounds = np.asarray(bounds, dtype=np.int64)
    k = bounds.size - 1
    sizes = np.diff(bounds)
    if k < 1 or np.any(sizes < 0) or bounds[0] != 0 or bounds[-1] != len(frame):
        raise InvalidDataError("profile ranges must cover the table from row 0 to its end")
    jobs: list[Callable[[], list[ColumnProfile]]] = []
    names: list[str] = []
    for col, edges in spec.numeric.items():
        if col in frame.columns:
            jobs.append(partial(_numeric_ranges, frame[col], edges, bounds))
            names.append(col)
    for col, cats in spec.categorical.items():
        if col in frame.columns:
            jobs.append(partial(_categorical_ranges, frame[col], cats, bounds))
            names.append(col)
    # Columns are independent and the kernels spend their time in NumPy, which releases the
    # GIL: a few threads overlap them. Results are gathered in spec order, so the output does
    # not depend on scheduling.
    if len(frame) * len(jobs) >= _THREADS_FROM_CELLS and threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(lambda job: job(), jobs))
    else:
        done = [job() for job in jobs]
    per_chunk: list[dict[str, ColumnProfile]] = [{} for _ in range(k)]
    for col, profiles in zip(names, done, strict=True):
        for i, p in enumerate(profiles):
            per_chunk[i][col] = p
    return [FrameProfile(int(sizes[i]), per_chunk[i]) for i in range(k)]


def _as_float(series: pd.Series) -> Float:
    if column_kind(series) == "numeric":
        if series.dtype == np.float64:  # the common case: the column's own buffer, no copy
            return np.asarray(series.to_numpy(copy=False), dtype=np.float64)
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    # a column that changed type: what parses as a number is profiled, the rest is missing
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


class _Moments:
    """Bin counts and sums, count, mean, squared deviations, extremes of one range's values."""

    __slots__ = ("counts", "m2", "max", "mean", "min", "n", "sums")

    def __init__(self, n_bins: int) -> None:
        self.counts = np.zeros(n_bins, dtype=np.int64)
        self.sums = np.zeros(n_bins)
        self.n, self.mean, self.m2 = 0, math.nan, 0.0
        self.min, self.max = math.nan, math.nan

    def add(self, x: Float, bins: NDArray[np.intp]) -> None:
        nb = self.counts.size
        self.counts += np.bincount(bins, minlength=nb)
        sums = np.bincount(bins, weights=x, minlength=nb)
        self.sums += sums
        m = x.size
        mean = float(sums.sum()) / m
        dev = x - mean
        m2 = float(np.einsum("i,i->", dev, dev))  # no BLAS call: its threads only contend
        lo, hi = float(x.min()), float(x.max())
        if self.n == 0:
            self.n, self.mean, self.m2, self.min, self.max = m, mean, m2, lo, hi
            return
        # Chan et al.'s pairwise update of the moments
        n = self.n + m
        delta = mean - self.mean
        self.m2 += m2 + delta * delta * self.n * m / n
        self.mean += delta * m / n
        self.n = n
        self.min, self.max = min(self.min, lo), max(self.max, hi)

    def profile(self, rows: int) -> NumericProfile:
        return NumericProfile(self.counts, self.sums, rows - self.n, self.n,
                              self.mean if self.n else math.nan, self.m2, self.min, self.max)


def _numeric_ranges(series: pd.Series, edges: Float, bounds: Int) -> list[ColumnProfile]:
    x = _as_float(series)
    grid = BinGrid(edges)
    out: list[ColumnProfile] = []
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        acc = _Moments(edges.size + 1)
        for lo in range(start, stop, BLOCK_ROWS):
            block = x[lo:min(lo + BLOCK_ROWS, stop)]
            # a finite sum means every value is finite (NaN and inf propagate); only a sum
            # that overflows or a block with missing values pays for the element-wise test
            if not math.isfinite(float(np.add.reduce(block))):
                block = block[np.isfinite(block)]
                if block.size == 0:
                    continue
            acc.add(block, grid.index(block))
        out.append(acc.profile(stop - start))
    return out


def _arrow_strings(series: pd.Series) -> Any:
    # the Arrow array behind a pandas string column, when it is one (pandas' default strings)
    if not isinstance(series.dtype, pd.StringDtype) or series.dtype.storage != "pyarrow":
        return None
    import pyarrow as pa

    arrow = pa.chunked_array(pa.array(series.array))  # the column's own buffers
    return arrow if pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type) \
        else None


def _category_counter(series: pd.Series, cats: tuple[str, ...]) -> Callable[[int, int], Int]:
    """Counts of rows ``start:stop`` per reference category, then unseen, then missing."""
    unseen, nc = len(cats), len(cats) + 2
    arrow = _arrow_strings(series)
    if arrow is not None and cats:
        import pyarrow as pa
        import pyarrow.compute as pc

        # strings are their own category names: one hash lookup per value, no factorisation,
        # block by block so no code array as long as the column exists
        value_set = pa.array(cats, type=arrow.type)

        def count_arrow(start: int, stop: int) -> Int:
            counts = np.zeros(nc, dtype=np.int64)
            for lo in range(start, stop, _ARROW_BLOCK_ROWS):
                part = arrow.slice(lo, min(_ARROW_BLOCK_ROWS, stop - lo))
                found = pc.index_in(part, value_set=value_set)
                codes = np.asarray(found.fill_null(unseen).to_numpy(), dtype=np.int32)
                counts += np.bincount(codes, minlength=nc)
                missing = part.null_count
                if missing:  # a missing value was counted as unseen above
                    counts[unseen] -= missing
                    counts[unseen + 1] += missing
            return counts

        return count_arrow
    codes, uniques = _factorize(series)
    lookup = {c: i for i, c in enumerate(cats)}
    # map the (few) distinct values to reference indices, then all rows through that table;
    # the missing code -1 picks the table's last entry
    table = np.array([lookup.get(_cat_str(u), unseen) for u in uniques] + [unseen + 1],
                     dtype=np.intp)
    return lambda start, stop: np.bincount(table[codes[start:stop]], minlength=nc)


def _categorical_ranges(series: pd.Series, cats: tuple[str, ...],
                        bounds: Int) -> list[ColumnProfile]:
    count = _category_counter(series, cats)
    out: list[ColumnProfile] = []
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        counts = count(start, stop)
        out.append(CategoricalProfile(counts[:-1].copy(), int(counts[-1])))
    return out
