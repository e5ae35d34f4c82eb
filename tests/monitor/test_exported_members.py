"""The public API of monitoring and engines: what users import stays importable."""

from __future__ import annotations

import modelpact.engines
import modelpact.monitor

MONITOR = {
    "CBPE", "DLE", "DRIFT_METHODS", "MONITOR_SCHEMA", "Alert", "Chunk", "ChunkResult",
    "DomainClassifier", "DriftCheck", "DriftMethod", "FrameProfile", "MonitorResult",
    "PerformanceEstimate", "ProfileSpec", "RealizedPerformance", "ReconstructionError",
    "ReferenceProfile", "ThresholdCalibrator", "UnivariateDrift", "build_reference_profile", "cbpe_metrics",
    "make_chunks", "monitor", "profile_frame", "profile_ranges", "realized_performance",
}


def test_monitor_exports():
    assert set(modelpact.monitor.__all__) == MONITOR
    for name in MONITOR:
        assert getattr(modelpact.monitor, name) is not None


def test_engine_exports_and_lazy_dask():
    import subprocess
    import sys

    assert set(modelpact.engines.__all__) == {"Engine", "LocalEngine", "profile_by",
                                              "profile_local"}
    # Dask is an optional extra: importing monitoring and the engines must not import it
    code = "import sys, modelpact.monitor, modelpact.engines; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_drift_method_registry_is_complete():
    assert set(modelpact.monitor.DRIFT_METHODS) == {
        "jensen_shannon", "hellinger", "psi", "wasserstein", "ks", "chi2"}
