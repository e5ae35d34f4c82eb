"""Placing values on a sorted grid of bin edges: a binary search's answer at a lookup's cost.

``np.searchsorted(edges, x, side="right")`` spends a mispredicted branch per step per value on
large unsorted arrays. :class:`BinGrid` instead places each value on a uniform grid of cells by
arithmetic; a table gives a lower bound of its bin from the cell, and a few vectorised
compare-and-step passes (as many as the most edges any cell holds, usually one) finish the
count. The answer is exactly the binary search's; grids whose edges crowd into a few cells (a
heavy tail, say) fall back to the binary search.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["BinGrid", "bin_index"]

Float = NDArray[np.float64]
Index = NDArray[np.intp]

# Cells per edge of the lookup grid: finer cells hold fewer edges (fewer compare passes), at a
# table that still fits the first-level cache for the usual 127 edges.
_CELLS_PER_EDGE = 16
# More passes than this and the binary search is as fast.
_MAX_STEPS = 4


class BinGrid:
    """The lookup table of one set of edges, built once and applied to many arrays.

    Parameters
    ----------
    edges
        Sorted, unique, finite bin edges (``len(edges) + 1`` bins).

    Examples
    --------
    >>> grid = BinGrid(np.linspace(0.0, 1.0, 20))
    >>> x = np.array([-1.0, 0.0, 0.5, 0.99, 1.0, 7.0])
    >>> grid.index(x).tolist() == np.searchsorted(grid.edges, x, side="right").tolist()
    True
    """

    def __init__(self, edges: Float) -> None:
        self.edges = np.asarray(edges, dtype=np.float64)
        k = self.edges.size
        self.steps = -1  # -1: binary search
        if k < 16:
            return
        lo, hi = float(self.edges[0]), float(self.edges[-1])
        cells = _CELLS_PER_EDGE * k
        width = (hi - lo) / cells
        if not (width > 0 and np.isfinite(width)):
            return
        # generous slack for rounding in the cell arithmetic: the table is a lower bound of the
        # count and `steps` covers every edge a value of the cell can pass
        slack = width * 1e-6 + 1e-12 * max(abs(lo), abs(hi))
        starts = lo + np.arange(cells + 1) * width
        below = np.searchsorted(self.edges, starts - slack, side="left")
        upto = np.searchsorted(self.edges, starts[1:] + slack, side="right")
        steps = int((upto - below[:-1]).max())
        if steps > _MAX_STEPS:
            return
        self.steps = steps
        self._lo, self._scale, self._last_cell = lo, 1.0 / width, cells - 1
        self._below = below[:-1].astype(np.intp)
        # an edge at +inf past the last one: no finite value steps beyond the last bin
        self._sentinel = np.r_[self.edges, np.inf]

    def index(self, x: Float) -> Index:
        """``np.searchsorted(edges, x, side="right")`` for finite *x*."""
        if self.steps < 0 or x.size < 4 * self.edges.size:
            return np.searchsorted(self.edges, x, side="right").astype(np.intp)
        cell = x - self._lo
        cell *= self._scale
        np.clip(cell, 0, self._last_cell, out=cell)
        b = np.take(self._below, cell.astype(np.intp))
        for _ in range(self.steps):
            b += x >= np.take(self._sentinel, b)
        return b


def bin_index(x: Float, edges: Float) -> Index:
    """``np.searchsorted(edges, x, side="right")`` for finite *x*, several times faster.

    See :class:`BinGrid`; build one directly to bin many arrays on the same edges.

    Examples
    --------
    >>> edges = np.array([0.0, 1.0, 2.5])
    >>> bin_index(np.array([-1.0, 0.0, 0.5, 2.5, 9.0]), edges).tolist()
    [0, 1, 1, 3, 3]
    """
    return BinGrid(edges).index(x)
