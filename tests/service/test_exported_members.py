"""The service's and the client's public names are pinned."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "modelpact.service": {"ServiceSettings", "Webhook", "create_app"},
    "modelpact.client": {"Client", "ClientStats"},
    "modelpact.ledger.capture": {"CaptureStore", "CapturedModel", "PredictionBatch", "layout_id"},
    "modelpact.ledger.keys": {"KEY_CACHE_SECONDS", "ApiKey", "KeyCache", "KeyStore", "hash_key"},
    "modelpact.ledger.locks": {"Lease"},
    "modelpact.ledger.monitoring": {"AlertRecord", "DeliveryRecord", "MonitoringRecord",
                                    "MonitoringStore", "alert_fingerprint"},
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names(module: str) -> None:
    imported = importlib.import_module(module)
    assert set(imported.__all__) == PUBLIC[module]
    for name in imported.__all__:
        assert getattr(imported, name) is not None


def test_create_app_is_the_web_application_factory() -> None:
    from fastapi import FastAPI

    from modelpact.service import ServiceSettings, create_app

    assert isinstance(create_app(ServiceSettings(schedule=False)), FastAPI)
