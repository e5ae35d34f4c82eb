"""The Dask engine: the same profiles, computed partition by partition on a cluster.

Each partition of a Dask DataFrame (one Parquet file or row group, say) is profiled on the
workers with the local engine's kernels, and the partition profiles are merged pairwise in a
tree. Because profiles merge exactly (:mod:`modelpact.monitor.profile`), the result equals the
local engine's profile of all rows: counts, minimum and maximum exactly, moments to rounding.

Dask is an optional extra (``pip install modelpact[dask]``) and is imported only when this
engine is used. Pass a ``distributed.Client`` to run on a cluster; without one Dask's default
scheduler runs the graph locally.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.errors import ConfigurationError
from modelpact.monitor.profile import FrameProfile, ProfileSpec

__all__ = ["DaskEngine", "connect", "profile_dask", "profile_dask_by", "read_parquet"]

T = TypeVar("T")


def _dask() -> Any:
    try:
        import dask
        import dask.dataframe
    except ImportError:
        raise ConfigurationError(
            "the Dask engine needs Dask: pip install 'modelpact[dask]'") from None
    return dask


def read_parquet(path: str | Path, columns: Sequence[str] | None = None) -> Any:
    """A Dask DataFrame over a Parquet file, folder or glob (one partition per file/row group)."""
    _dask()
    import dask.dataframe as dd

    return dd.read_parquet(str(path), columns=list(columns) if columns else None)


def _tree_merge(items: list[Any], merge: Callable[[T, T], T]) -> Any:
    dask = _dask()
    merge_d = dask.delayed(merge, pure=True)
    while len(items) > 1:
        paired = [merge_d(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        if len(items) % 2:
            paired.append(items[-1])
        items = paired
    return items[0]


def _compute(value: Any, client: Any) -> Any:
    if client is not None:
        return client.compute(value).result()
    return value.compute()


def profile_dask(spec: ProfileSpec, data: Any, *, client: Any = None) -> FrameProfile:
    """Profile a Dask DataFrame on *spec*: per partition on the workers, then merged.

    Parameters
    ----------
    spec
        The reference-derived spec (bins and categories).
    data
        A Dask DataFrame (see :func:`read_parquet`).
    client
        A ``distributed.Client``; ``None`` uses Dask's default scheduler.
    """
    dask = _dask()
    from modelpact.engines.local import profile_local

    parts = [dask.delayed(profile_local, pure=True)(spec, p) for p in data.to_delayed()]
    if not parts:
        raise ConfigurationError("the Dask DataFrame has no partitions")
    result = _compute(_tree_merge(parts, FrameProfile.merge), client)
    assert isinstance(result, FrameProfile)
    return result


def _merge_maps(a: Mapping[Hashable, FrameProfile], b: Mapping[Hashable, FrameProfile]
                ) -> dict[Hashable, FrameProfile]:
    out = dict(a)
    for key, p in b.items():
        out[key] = out[key].merge(p) if key in out else p
    return out


def profile_dask_by(spec: ProfileSpec, data: Any, by: str, *,
                    client: Any = None) -> dict[Hashable, FrameProfile]:
    """Profiles per value of column *by* (a chunk key, a day), computed on the cluster.

    Each partition returns one profile per key it holds; the maps are merged in a tree.
    """
    dask = _dask()
    from modelpact.engines.local import profile_by

    parts = [dask.delayed(profile_by, pure=True)(spec, p, by) for p in data.to_delayed()]
    if not parts:
        raise ConfigurationError("the Dask DataFrame has no partitions")
    result = _compute(_tree_merge(parts, _merge_maps), client)
    return dict(sorted(result.items(), key=lambda kv: kv[0]))


def connect(address: str) -> Any:
    """A ``distributed.Client`` connected to the scheduler at *address*, with a clear error."""
    _dask()
    try:
        from distributed import Client
    except ImportError:
        raise ConfigurationError(
            "running on a Dask cluster needs dask.distributed: pip install 'modelpact[dask]'"
        ) from None
    try:
        return Client(address, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot reach the Dask scheduler at {address!r} ({exc}); check the address "
            "(e.g. tcp://host:8786) and that the scheduler is running") from None


class DaskEngine:
    """Chunk profiles computed on a Dask cluster, piece by piece, merged exactly.

    Each chunk is cut into pieces of at most ``partition_rows`` rows; the pieces are sent to
    the workers (``client.scatter``), profiled there with the local kernels, and the piece
    profiles of a chunk are merged. Counts, minimum and maximum equal the local engine's
    exactly, moments to rounding.

    Parameters
    ----------
    client
        A ``distributed.Client`` (see :func:`connect`); ``None`` uses Dask's default
        scheduler in this process.
    partition_rows
        Rows per piece.
    """

    name = "dask"

    def __init__(self, client: Any = None, *, partition_rows: int = 250_000) -> None:
        self.client = client
        self.partition_rows = partition_rows

    def _pieces(self, bounds: NDArray[np.int64]) -> list[list[tuple[int, int]]]:
        out = []
        for start, stop in itertools.pairwise(bounds):
            cuts = [*range(int(start), int(stop), self.partition_rows), int(stop)]
            out.append(list(itertools.pairwise(cuts)))
        return out

    def profile_ranges(self, spec: ProfileSpec, frame: pd.DataFrame,
                       bounds: NDArray[np.int64]) -> list[FrameProfile]:
        """Profiles of the row ranges between consecutive *bounds*, computed on the cluster."""
        dask = _dask()
        from modelpact.engines.local import profile_local

        pieces = self._pieces(bounds)
        flat = [frame.iloc[a:b] for chunk in pieces for a, b in chunk]
        if self.client is not None:
            data = self.client.scatter(flat)
            futures = [self.client.submit(profile_local, spec, d, pure=False) for d in data]
            profiles = self.client.gather(futures)
        else:
            profiles = list(dask.compute(
                *[dask.delayed(profile_local, pure=True)(spec, f) for f in flat]))
        out: list[FrameProfile] = []
        i = 0
        for chunk, (start, stop) in zip(pieces, itertools.pairwise(bounds),
                                        strict=True):
            if not chunk:  # an empty range: nothing to send
                out.append(profile_local(spec, frame.iloc[int(start):int(stop)]))
                continue
            merged = profiles[i]
            for p in profiles[i + 1:i + len(chunk)]:
                merged = merged.merge(p)
            out.append(merged)
            i += len(chunk)
        return out
