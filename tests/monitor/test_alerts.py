"""Alert rules: one severity scale, and "at risk" where verify would say inconclusive."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from modelpact.monitor import PerformanceEstimate, monitor
from modelpact.monitor.alerts import chunk_alerts, estimate_status

from ._synth import make_pact, make_rows


@pytest.mark.parametrize(("low", "high", "at_least", "at_most", "status"), [
    (0.81, 0.85, 0.8, None, "pass"),
    (0.78, 0.83, 0.8, None, "at_risk"),
    (0.70, 0.79, 0.8, None, "fail"),
    (0.10, 0.14, None, 0.15, "pass"),
    (0.12, 0.18, None, 0.15, "at_risk"),
    (0.16, 0.20, None, 0.15, "fail"),
])
def test_estimate_status_follows_verify(low, high, at_least, at_most, status):
    assert estimate_status(at_least, at_most, low, high) == status


@pytest.fixture(scope="module")
def chunk():
    rng = np.random.default_rng(0)
    result = monitor(make_pact(), make_rows(rng, 3000), make_rows(rng, 1000, start_id=10**6),
                     chunks=1, multivariate=False, estimate_performance=False)
    return result.chunks[0]


@pytest.mark.parametrize(("value", "low", "high", "expected"), [
    (0.74, 0.72, 0.76, ("warning", "accuracy >= 0.75 is at risk")),
    (0.70, 0.68, 0.72, ("critical", "accuracy >= 0.75 is estimated to fail")),
    (0.76, 0.74, 0.78, None),  # a good estimate whose band straddles: watched, no alert
    (0.74, float("nan"), float("nan"), ("warning", "accuracy >= 0.75 is at risk")),
])
def test_estimated_performance_alerts_say_at_risk_while_the_band_straddles(
        chunk, value, low, high, expected):
    estimated = {"accuracy": PerformanceEstimate("accuracy", value, low, high, 0.01),
                 "roc_auc": PerformanceEstimate("roc_auc", 0.9, 0.88, 0.92, 0.01)}
    alerts = [a for a in chunk_alerts(make_pact(), dataclasses.replace(chunk,
                                                                       estimated=estimated), [])
              if a.kind == "estimated_performance"]
    if expected is None:
        assert alerts == []
        return
    (alert,) = alerts
    assert (alert.severity, alert.message.split(":")[0]) == expected
