"""A project's pact is pinned: a different pact never loosens promotion silently.

Verdicts count toward promotion only against the pinned pact; a different pact arriving
with a run or a registration is recorded as a proposal; changing the pin is an explicit act
with an actor and a reason, and every step is in the event history.
"""

from __future__ import annotations

import pytest

from modelpact.errors import ConfigurationError, PromotionRefused
from modelpact.ledger import Store, pact_hash
from modelpact.ledger.status import pact_changes, project_status
from modelpact.pact import Pact, parse_pact
from tests.ledger.conftest import PACT_YAML, verdict_doc


def _lax() -> Pact:
    return parse_pact(PACT_YAML.replace("at_least: 0.7", "at_least: 0.5"))


def test_verdict_against_a_proposed_pact_does_not_promote(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    lax = _lax()
    store.ensure_project("churn", lax)
    version = store.register_model(
        project="churn",
        model={"w": 1},
        verdict_json=verdict_doc("signed_off", pact="churn-pact"),
        pact_hash=pact_hash(lax),
    )
    assert store.get_project("churn").pact_hash == pact_hash(pact)
    with pytest.raises(PromotionRefused, match="churn-pact"):
        store.set_stage(version.ref, "champion")
    assert store.get_model_version(version.id).stage == "candidate"


def test_approving_the_pact_is_recorded_and_makes_its_verdicts_count(
    store: Store, pact: Pact, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.ensure_project("churn", pact)
    lax = _lax()
    version = store.register_model(
        project="churn", model={"w": 1}, verdict_json=verdict_doc(), pact_hash=pact_hash(lax)
    )
    monkeypatch.setattr("modelpact.ledger._convert.current_user", lambda: "carol")
    approved = store.approve_pact("churn", lax, reason="risk team accepted 0.5")
    assert approved.pact_hash == pact_hash(lax)
    promoted = store.set_stage(version.ref, "champion")
    assert promoted.stage == "champion"
    approval = [e for e in store.list_events("churn") if e.kind == "pact_approved"]
    assert len(approval) == 1
    assert approval[0].actor == "carol"
    assert approval[0].reason is not None
    assert pact_hash(pact)[:12] in approval[0].reason
    assert pact_hash(lax)[:12] in approval[0].reason
    assert "risk team accepted 0.5" in approval[0].reason
    history = project_status(store, "churn").pact_changes
    assert history == pact_changes(store, "churn")
    assert any("pact_approved by carol" in line for line in history)


def test_approval_needs_a_reason(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    with pytest.raises(ConfigurationError, match="reason"):
        store.approve_pact("churn", _lax(), reason="  ")
    assert store.get_project("churn").pact_hash == pact_hash(pact)


def test_old_verdicts_stop_counting_after_a_stricter_pact_is_approved(
    store: Store, pact: Pact
) -> None:
    store.ensure_project("churn", pact)
    version = store.register_model(project="churn", model={"w": 1}, verdict_json=verdict_doc())
    stricter = parse_pact(PACT_YAML.replace("at_least: 0.7", "at_least: 0.9"))
    store.approve_pact("churn", stricter, reason="tighter after the incident")
    with pytest.raises(PromotionRefused):
        store.set_stage(version.ref, "champion")
