"""The retraining result speaks the shared outcome vocabulary and keeps its own action."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from modelpact.ledger import Store
from modelpact.retrain import Decision, FileSource, RetrainResult, retrain
from tests.retrain.conftest import ROOT


@pytest.mark.parametrize(
    ("action", "inconclusive", "outcome", "exit_code"),
    [
        ("promote", False, "pass", 0),
        ("not_due", False, "pass", 0),
        ("hold", False, "at_risk", 1),
        ("reject", False, "fail", 1),
        ("failed", False, "fail", 1),
        ("reject", True, "inconclusive", 3),
        ("hold", True, "inconclusive", 3),
    ],
)
def test_each_action_has_its_outcome(
    ledger: Store, window: Path, action: str, inconclusive: bool, outcome: str, exit_code: int
) -> None:
    result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT, explain=False,
                     n_resamples=200)
    changed = dataclasses.replace(result, decision=Decision(action, ("why",), inconclusive))  # type: ignore[arg-type]
    assert (changed.action, changed.outcome, changed.exit_code) == (action, outcome, exit_code)
    document = changed.to_dict()
    assert (document["action"], document["outcome"]) == (action, outcome)
    assert RetrainResult.from_dict(document).to_dict() == document


def test_the_report_page_tells_the_turn(ledger: Store, window: Path) -> None:
    result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT, n_resamples=200)
    page = result.to_html()
    assert "Retraining: churn" in page and "churn:2 promoted to champion" in page
    frame = result.to_frame()
    assert list(frame["step"]) == ["trigger", "gate", "promotion rule", "decision"]
    assert frame.iloc[-1]["name"] == "promote" and frame.iloc[-1]["status"] == "pass"
    rule = result.gate.versus_champion if result.gate else None
    assert rule is not None and frame.iloc[2]["estimate"] == rule.estimate
