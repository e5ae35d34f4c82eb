"""Where heavy compute runs: the local NumPy engine by default, Dask over Parquet when data
outgrows one machine. Both compute the same mergeable profiles
(:mod:`modelpact.monitor.profile`); nothing is rewritten for the cluster.

The Dask engine lives in :mod:`modelpact.engines.dask` and is imported on use, since Dask is
an optional extra.
"""

from modelpact.engines.local import profile_by, profile_local

__all__ = ["profile_by", "profile_local"]
