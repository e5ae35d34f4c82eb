"""``modelpact serve``'s options reach the service's settings (the server itself is not run)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    import uvicorn

    import modelpact.service

    seen: list[Any] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    monkeypatch.setattr(modelpact.service, "create_app", lambda settings: seen.append(settings))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    return seen


def test_remind_after_is_left_to_each_pact_unless_given(captured: list[Any]) -> None:
    assert CliRunner().invoke(app, ["serve", "--no-schedule"]).exit_code == 0
    assert captured[-1].reminder_after is None
    result = CliRunner().invoke(app, ["serve", "--no-schedule", "--remind-after", "6h"])
    assert result.exit_code == 0
    assert captured[-1].reminder_after == timedelta(hours=6)
    assert captured[-1].key_cache_ttl == timedelta(seconds=5)


def test_a_bad_remind_after_is_one_line_and_exit_2(captured: list[Any]) -> None:
    result = CliRunner().invoke(app, ["serve", "--remind-after", "soon"])
    assert result.exit_code == 2 and "--remind-after 'soon' is not a duration" in result.stderr
    assert "Traceback" not in result.stderr and not captured
