"""The local engine: profiles computed in this process with vectorised NumPy kernels."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.monitor.profile import FrameProfile, ProfileSpec, profile_frame, profile_ranges

__all__ = ["Engine", "LocalEngine", "profile_by", "profile_local"]


@runtime_checkable
class Engine(Protocol):
    """Where a monitoring run profiles its chunks."""

    name: str

    def profile_ranges(self, spec: ProfileSpec, frame: pd.DataFrame,
                       bounds: NDArray[np.int64]) -> list[FrameProfile]:
        """Profiles of ``frame[bounds[i]:bounds[i + 1]]`` for every ``i``."""
        ...


class LocalEngine:
    """Profiles computed in this process, all chunks in one vectorised pass.

    Parameters
    ----------
    threads
        Columns profiled in parallel on large tables (default 1). A second thread wins little
        wall time for more CPU on a machine others share; see
        :func:`~modelpact.monitor.profile.profile_ranges`. The profiles do not depend on it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"x": np.arange(6.0)})
    >>> spec = ProfileSpec.from_reference(frame, ["x"], n_bins=2)
    >>> [p.n_rows for p in LocalEngine().profile_ranges(spec, frame, np.array([0, 2, 6]))]
    [2, 4]
    """

    name = "local"

    def __init__(self, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads

    def profile_ranges(self, spec: ProfileSpec, frame: pd.DataFrame,
                       bounds: NDArray[np.int64]) -> list[FrameProfile]:
        """Profiles of the row ranges between consecutive *bounds*."""
        return profile_ranges(spec, frame, bounds, threads=self.threads)


def profile_local(spec: ProfileSpec, frame: pd.DataFrame) -> FrameProfile:
    """Profile every row of *frame* on *spec*.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    >>> spec = ProfileSpec.from_reference(frame, ["x"], n_bins=2)
    >>> profile_local(spec, frame).columns["x"].n
    3
    """
    return profile_frame(spec, frame)


def profile_by(spec: ProfileSpec, frame: pd.DataFrame, by: str) -> Mapping[Hashable, FrameProfile]:
    """Profiles of the rows of each value of column *by* (e.g. a chunk key), in sorted order.

    The rows are grouped with one stable sort, then profiled as consecutive ranges in a single
    vectorised pass (:func:`~modelpact.monitor.profile.profile_ranges`).
    """
    keys = frame[by].to_numpy()
    order = np.argsort(keys, kind="stable")
    ordered = frame.iloc[order].reset_index(drop=True)
    sorted_keys = keys[order]
    if len(sorted_keys) == 0:
        return {}
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    bounds = np.r_[0, change, len(sorted_keys)].astype(np.int64)
    profiles = profile_ranges(spec, ordered, bounds)
    return {_plain(sorted_keys[s]): p for s, p in zip(bounds[:-1], profiles, strict=True)}


def _plain(value: object) -> Hashable:
    # NumPy scalars become Python ones so keys compare equal across engines
    item = getattr(value, "item", None)
    return item() if callable(item) else value
