"""Production monitoring: drift, performance before and after labels arrive, pact alerts.

Layers, one concept per module: :mod:`~modelpact.monitor.chunking` cuts the analysis period,
:mod:`~modelpact.monitor.profile` summarises tables into mergeable profiles,
:mod:`~modelpact.monitor.drift` measures univariate drift on profiles,
:mod:`~modelpact.monitor.calibration` turns distances into alerts with thresholds learned on the
reference, :mod:`~modelpact.monitor.multivariate` looks at all features together,
:mod:`~modelpact.monitor.cbpe` / :mod:`~modelpact.monitor.dle` estimate performance without
labels, :mod:`~modelpact.monitor.realized` measures it with them, and
:func:`~modelpact.monitor.monitor.monitor` runs everything against the pact.
"""

from modelpact import _entry
from modelpact.monitor._performance_types import PerformanceEstimate, RealizedPerformance
from modelpact.monitor.alerts import Alert
from modelpact.monitor.calibration import ThresholdCalibrator
from modelpact.monitor.cbpe import CBPE, cbpe_metrics
from modelpact.monitor.chunking import Chunk, make_chunks
from modelpact.monitor.dle import DLE
from modelpact.monitor.drift import DRIFT_METHODS, DriftMethod
from modelpact.monitor.monitor import (
    MONITOR_SCHEMA,
    ChunkResult,
    MonitorResult,
    build_reference_profile,
    monitor,
)
from modelpact.monitor.multivariate import DomainClassifier, ReconstructionError
from modelpact.monitor.profile import (
    FrameProfile,
    ProfileSpec,
    ReferenceProfile,
    profile_frame,
    profile_ranges,
)
from modelpact.monitor.realized import realized_performance
from modelpact.monitor.univariate import DriftCheck, UnivariateDrift

__all__ = [
    "CBPE",
    "DLE",
    "DRIFT_METHODS",
    "MONITOR_SCHEMA",
    "Alert",
    "Chunk",
    "ChunkResult",
    "DomainClassifier",
    "DriftCheck",
    "DriftMethod",
    "FrameProfile",
    "MonitorResult",
    "PerformanceEstimate",
    "ProfileSpec",
    "RealizedPerformance",
    "ReconstructionError",
    "ReferenceProfile",
    "ThresholdCalibrator",
    "UnivariateDrift",
    "build_reference_profile",
    "cbpe_metrics",
    "make_chunks",
    "monitor",
    "profile_frame",
    "profile_ranges",
    "realized_performance",
]

# `modelpact.monitor(...)` runs the monitor; the package stays importable as before.
_entry.make_callable(__name__, monitor)
