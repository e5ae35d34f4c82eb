"""Runs in these tests never pick up a developer's configured store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_configured_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    monkeypatch.chdir(tmp_path)
