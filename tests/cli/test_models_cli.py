"""``modelpact models list|show|promote|retire``."""

from __future__ import annotations

import json

from modelpact.ledger import open_store
from tests.ledger.cli_fixtures import invoke, ledger

__all__ = ["ledger"]


def test_list(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("models", "list", "--store", ledger["url"])
    assert code == 0
    assert "churn:1" in out
    assert "churn:2" in out
    assert "candidate" in out
    code, out, _ = invoke("models", "list", "--store", ledger["url"], "--json")
    assert [v["ref"] for v in json.loads(out)] == ["churn:1", "churn:2"]


def test_show_lineage_and_promotability(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("models", "show", "churn:1", "--store", ledger["url"])
    assert code == 0
    assert ledger["v1"] in out
    assert ledger["good"] in out  # the run that produced it
    assert "yes: signed_off verdict stored" in out
    code, out, _ = invoke("models", "show", "churn:2", "--store", ledger["url"], "--json")
    payload = json.loads(out)
    assert payload["verdicts"] == []
    assert payload["events"][0]["kind"] == "registered"


def test_promote_with_verdict_then_replace_champion(ledger: dict[str, str]) -> None:
    code, out, _ = invoke("models", "promote", "churn:1", "--store", ledger["url"])
    assert code == 0
    assert "churn:1: candidate -> champion" in out
    code, out, _ = invoke(
        "models",
        "promote",
        "churn:2",
        "--force",
        "--reason",
        "risk team approved",
        "--store",
        ledger["url"],
    )
    assert code == 0
    assert "churn:2: candidate -> champion" in out
    assert "churn:1: champion -> signed_off (replaced)" in out
    assert "forced" in out
    assert "risk team approved" in out
    with open_store(ledger["url"], create=False) as store:
        assert store.get_model_version("churn@champion").id == ledger["v2"]
        assert store.get_model_version("churn:1").stage == "signed_off"
        forced = store.list_events("churn", model_version="churn:2")[-1]
        assert forced.forced
        assert forced.reason == "risk team approved"
        assert forced.actor


def test_promote_without_verdict_is_refused(ledger: dict[str, str]) -> None:
    code, _, err = invoke("models", "promote", "churn:2", "--store", ledger["url"])
    assert code == 1  # refused by the registry's rule, not a usage error
    assert (
        "cannot promote churn:2 to champion: no signed_off verdict against pact 'churn-pact'" in err
    )
    code, _, err = invoke("models", "promote", "churn:2", "--force", "--store", ledger["url"])
    assert code == 2
    assert "--force needs --reason" in err
    with open_store(ledger["url"], create=False) as store:
        assert store.get_model_version("churn:2").stage == "candidate"


def test_retire_and_bad_refs(ledger: dict[str, str]) -> None:
    code, out, _ = invoke(
        "models", "retire", "churn:2", "--reason", "worse", "--store", ledger["url"]
    )
    assert code == 0
    assert "churn:2: candidate -> retired" in out
    code, _, err = invoke("models", "show", "churn:7", "--store", ledger["url"])
    assert code == 2
    assert "no model version 'churn:7'" in err
    code, _, err = invoke(
        "models", "promote", "churn:1", "--to", "retired", "--store", ledger["url"]
    )
    assert code == 2
    assert "use 'models retire'" in err
