"""``modelpact status`` and ``modelpact store upgrade``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelpact.ledger import open_store
from modelpact.ledger._migrate import head_revision
from modelpact.ledger.status import next_step
from tests.ledger.cli_fixtures import invoke, ledger

__all__ = ["ledger"]


def test_status_per_project(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("status", "--store", ledger["url"], "--json")
    assert code == 0
    rows = {r["project"]: r for r in json.loads(out)}
    churn = rows["churn"]
    assert churn["pact"] == "churn-pact"
    assert (churn["runs"], churn["failed_runs"]) == (2, 1)
    assert churn["latest_verdict"] == "signed_off"
    assert churn["champion"] is None
    assert churn["next_step"] == "no audit recorded: run modelpact audit"
    assert rows["fraud"]["next_step"].startswith("no pact")


def test_status_follows_the_lifecycle(ledger: dict[str, str]) -> None:
    with open_store(ledger["url"], create=False) as store:
        store.record_audit(
            project="churn", audit_json={"schema": "modelpact.audit/v1", "verdict": "go"}
        )
    code, out, _ = invoke("status", "--store", ledger["url"], "--project", "churn")
    assert code == 0
    assert "no champion: promote a signed-off version" in out
    assert "go" in out
    invoke("models", "promote", "churn:1", "--store", ledger["url"])
    code, out, _ = invoke("status", "--store", ledger["url"], "--project", "churn")
    assert "churn:1" in out
    assert "none: churn:1 is champion" in out


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"pact": None}, "no pact"),
        ({"audit": None}, "no audit recorded"),
        ({"audit": "no_go"}, "the latest audit says no_go"),
        ({"runs": 0}, "no runs"),
        ({"versions": 0}, "no model registered"),
        ({"signed_off": False}, "no signed_off verdict"),
        ({"champion": None}, "no champion"),
        ({}, "none: churn:3 is champion"),
        ({"alert_kinds": {"drift": 4}}, "churn:3 is champion and its monitoring raised drift"),
        (
            {"alert_kinds": {"drift": 4, "realized_performance": 1}},
            "churn:3 is champion and its monitoring raised performance alerts: retrain",
        ),
    ],
)
def test_next_step_names_the_first_missing_step(facts: dict[str, object], expected: str) -> None:
    complete: dict[str, object] = {
        "project": "churn",
        "pact": "p",
        "audit": "go",
        "runs": 3,
        "versions": 2,
        "signed_off": True,
        "champion": "churn:3",
    }
    assert next_step(**{**complete, **facts}).startswith(expected)  # type: ignore[arg-type]


def test_store_upgrade_creates_then_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    code, out, _ = invoke("store", "upgrade", "--store", url)
    assert code == 0
    head = head_revision()
    assert f"schema revision (none) -> {head}" in out
    code, out, _ = invoke("store", "upgrade", "--store", url)
    assert f"already at schema revision {head}" in out


def test_unreachable_store_is_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("status", "--store", "postgresql+psycopg://u:pw@127.0.0.1:1/x")
    assert code == 2
    assert err.startswith("error: cannot reach the ledger store postgresql+psycopg://u:***@")
