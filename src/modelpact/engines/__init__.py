"""Where heavy compute runs: the local NumPy engine by default, Dask over Parquet when data
outgrows one machine. Both compute the same mergeable profiles
(:mod:`modelpact.monitor.profile`); nothing is rewritten for the cluster.

An engine is any object with ``profile_ranges(spec, frame, bounds)`` (:class:`Engine`):
:class:`LocalEngine` here, :class:`modelpact.engines.dask.DaskEngine` on a cluster.
:func:`modelpact.monitor.monitor` takes one as ``engine=``.

The Dask engine lives in :mod:`modelpact.engines.dask` and is imported on use, since Dask is
an optional extra.
"""

from modelpact.engines.local import Engine, LocalEngine, profile_by, profile_local

__all__ = ["Engine", "LocalEngine", "profile_by", "profile_local"]
