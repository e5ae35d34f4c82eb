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

from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from modelpact.errors import ConfigurationError
from modelpact.monitor.profile import FrameProfile, ProfileSpec

__all__ = ["profile_dask", "profile_dask_by", "read_parquet"]

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
