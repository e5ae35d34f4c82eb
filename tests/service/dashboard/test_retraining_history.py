"""The dashboard's retraining history reads what the real retraining loop records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from modelpact.ledger import Store, open_store
from modelpact.ledger.retraining import approve
from modelpact.retrain import FileSource, retrain
from modelpact.service.dashboard.views import project_rows, retraining_history
from tests.retrain.conftest import FEATURES, ROOT, make_pact, stream


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}", root=tmp_path) as store:
        store.ensure_project("churn", make_pact(auto=False))
        early = stream(1000, seed=99)
        version = store.register_model(
            project="churn", model=LogisticRegression().fit(early[FEATURES], early["y"]),
            name="first")
        store.set_stage(version.id, "champion", forced=True, reason="the first model")
        yield store


def test_a_held_retraining_then_approved_by_a_person(ledger: Store, tmp_path: Path) -> None:
    assert retraining_history(ledger, "churn") == []
    window = tmp_path / "window.csv"
    stream(8000, seed=1).to_csv(window, index=False)
    result = retrain(ledger, "churn", FileSource([window]), pact=make_pact(auto=False), cwd=ROOT)
    assert result.action == "hold"
    approve(ledger, result.challenger or "", reason="diff reviewed", actor="ana")

    (entry,) = retraining_history(ledger, "churn")
    assert entry["run"].id == result.run_id
    assert result.gate is not None
    assert entry["decision"] == "hold" and entry["gate"] == result.gate.outcome
    assert entry["triggers"] == list(result.triggers.reasons)
    assert entry["reasons"] == list(result.decision.reasons)
    assert (entry["train_rows"], entry["holdout_rows"]) == (6000, 2000)
    assert entry["watermark"] == "7999"  # the newest time (column t) the window saw
    assert entry["rows_seen"] == "8000"
    assert entry["champion"] == "churn:1" and entry["challenger"] == "churn:2"
    assert entry["verdict"] is not None and entry["verdict"].verdict == "signed_off"
    assert entry["verdict"].model_version_id == ledger.get_model_version("churn:2").id
    assert "diff reviewed" in entry["approved"]
    moves = [(m["version"], m["to"], m["who"]) for m in entry["moves"]]
    assert moves[-1] == ("churn:2", "champion", "ana")
    (row,) = project_rows(ledger, ["churn"])
    assert row["retraining"]["count"] == 1 and row["retraining"]["decision"] == "hold"
