"""The signed session payloads and the dashboard's public names."""

from __future__ import annotations

import importlib
import time

import pytest

from modelpact.service.dashboard.session import Signer

PUBLIC = {
    "modelpact.report.charts": {"DRIFT_CAP", "alert_timeline", "chunk_label", "drift_heatmap",
                                "drift_matrix", "feature_distribution", "feature_drift",
                                "performance_over_time"},
    "modelpact.service.dashboard.routes": {"router"},
    "modelpact.service.dashboard.session": {"CSRF_COOKIE", "SESSION_COOKIE", "SESSION_MAX_AGE",
                                            "Signer", "new_token"},
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names(module: str) -> None:
    assert set(importlib.import_module(module).__all__) == PUBLIC[module]


def test_a_payload_signed_with_another_secret_is_refused() -> None:
    token = Signer(b"a" * 32).dumps({"keys": ["h"]})
    assert Signer(b"a" * 32).loads(token) is not None
    assert Signer(b"b" * 32).loads(token) is None


def test_an_expired_payload_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer(b"a" * 32, max_age=60)
    now = time.time()
    token = signer.dumps({"keys": ["h"]})
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert signer.loads(token) is None
    monkeypatch.setattr(time, "time", lambda: now + 59)
    assert (signer.loads(token) or {}).get("keys") == ["h"]


@pytest.mark.parametrize("token", [None, "", "no-dot", "bm90IGpzb24.00", "e30.xyz"])
def test_garbage_is_refused(token: str | None) -> None:
    assert Signer(b"a" * 32).loads(token) is None
