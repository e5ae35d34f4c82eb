"""``modelpact runs list|show``."""

from __future__ import annotations

import json

import pytest

from tests.ledger.cli_fixtures import invoke, ledger

__all__ = ["ledger"]


def test_list_shows_runs_with_status_and_verdict(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("runs", "list", "--store", ledger["url"])
    assert code == 0
    assert ledger["good"][:8] in out
    assert ledger["bad"][:8] in out
    assert "signed_off" in out
    assert "roc_auc 0.81" in out


def test_list_filters(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("runs", "list", "--store", ledger["url"], "--status", "failed")
    assert code == 0
    assert ledger["bad"][:8] in out
    assert ledger["good"][:8] not in out
    code, out, _ = invoke("runs", "list", "--store", ledger["url"], "--since", "2000-01-01")
    assert ledger["good"][:8] in out
    code, out, _ = invoke("runs", "list", "--store", ledger["url"], "--project", "fraud")
    assert code == 0
    assert "no runs" in out


def test_list_json(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("runs", "list", "--store", ledger["url"], "--json")
    assert code == 0
    runs = json.loads(out)
    assert {r["id"] for r in runs} == {ledger["good"], ledger["bad"]}


def test_store_from_the_environment(
    ledger: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELPACT_STORE", ledger["url"])
    code, out, _ = invoke("runs", "list")
    assert code == 0
    assert ledger["good"][:8] in out


def test_show_details(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("runs", "show", ledger["good"][:8], "--store", ledger["url"])
    assert code == 0
    assert ledger["good"] in out
    assert "0.5" in out  # the parameter C
    assert "95% [0.78, 0.84]" in out
    assert "churn:1" in out  # the model version it produced
    code, out, _ = invoke("runs", "show", ledger["bad"], "--store", ledger["url"])
    assert "ValueError: nan in input" in out


def test_unknown_run_is_exit_2_with_the_store_named(ledger: dict[str, str]) -> None:
    code, out, err = invoke("runs", "show", "abc", "--store", ledger["url"])
    assert code == 2
    assert err.strip() == (
        f"error: no run 'abc' in store {ledger['url']}; list runs with 'modelpact runs list'"
    )
    assert "Traceback" not in err + out


def test_bad_filters_are_usage_errors(ledger: dict[str, str]) -> None:
    code, _, err = invoke("runs", "list", "--store", ledger["url"], "--status", "done")
    assert code == 2
    assert "not a run status" in err
    code, _, err = invoke("runs", "list", "--store", ledger["url"], "--since", "yesterday")
    assert code == 2
    assert "--since 'yesterday'" in err


def test_no_ledger_here(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    code, _, err = invoke("runs", "list")
    assert code == 2
    assert "no ledger at sqlite:///" in err
    assert not (tmp_path / ".modelpact").exists()  # reading never creates a ledger
