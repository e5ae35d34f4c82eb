"""Ledger references and project status, from Python (no CLI in between)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from modelpact.errors import ConfigurationError, NotFoundError
from modelpact.ledger import (
    ProjectStatus,
    Store,
    is_ledger_ref,
    pact_hash,
    project_status,
    resolve_model,
    resolve_predictions,
    resolve_run_id,
    resolve_training_frame,
)
from modelpact.pact import Pact
from tests.ledger.conftest import verdict_doc


def version_actor(store: Store) -> str | None:
    """Who registered the project's first version (the current user in these tests)."""
    return next(e.actor for e in store.list_events("churn") if e.kind == "registered")


def _frame(n: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": (x + rng.normal(size=n) > 0).astype(int)})


def test_references_resolve_to_what_the_ledger_holds(store: Store) -> None:
    train = _frame()
    model = LogisticRegression().fit(train[["x"]], train["y"])
    run = store.create_run("churn")
    snapshot = store.log_dataset(train, name="train")
    store.link_dataset(run.id, snapshot.id, "train")
    preds = pd.DataFrame({"row": np.arange(5), "p": np.linspace(0.1, 0.9, 5)})
    store.log_predictions(run.id, preds)
    store.register_model(project="churn", run_id=run.id, model=model)

    loaded = resolve_model(store, "model:churn:1")
    np.testing.assert_allclose(loaded.coef_, model.coef_)
    assert resolve_run_id(store, "model:churn:1") == run.id
    assert resolve_run_id(store, f"run:{run.id[:8]}") == run.id
    frame, label = resolve_predictions(store, "model:churn@candidate")
    pd.testing.assert_frame_equal(frame, preds)
    assert label == f"model:churn@candidate (run {run.id[:8]})"
    training = resolve_training_frame(store, "model:churn:1")
    assert training is not None
    pd.testing.assert_frame_equal(training, train)
    assert is_ledger_ref("run:abcd") and not is_ledger_ref("model.joblib")


def test_reference_errors_name_the_problem(store: Store) -> None:
    run = store.create_run("churn")
    store.register_model(project="churn", model={"w": 1})
    with pytest.raises(ConfigurationError, match="is a run; behaviour diffs of models"):
        resolve_model(store, f"run:{run.id}")
    with pytest.raises(ConfigurationError, match="registered without a run"):
        resolve_predictions(store, "model:churn:1")
    with pytest.raises(NotFoundError, match="no model version 'churn:7'"):
        resolve_model(store, "model:churn:7")
    assert resolve_training_frame(store, f"run:{run.id}") is None


def test_project_status_follows_the_lifecycle(store: Store, pact: Pact) -> None:
    store.create_run("churn")
    first = project_status(store, "churn")
    assert isinstance(first, ProjectStatus)
    assert (first.pact, first.runs, first.champion) == (None, 1, None)
    assert first.next_step.startswith("no pact")

    store.ensure_project("churn", pact)
    store.record_audit(
        project="churn", audit_json={"schema": "modelpact.audit/v1", "verdict": "go"}
    )
    version = store.register_model(project="churn", model={"w": 1}, verdict_json=verdict_doc())
    store.set_stage(version.ref, "champion")
    done = project_status(store, "churn")
    payload = done.to_dict()
    assert payload.pop("pact_hash") == pact_hash(pact)
    (pinned,) = payload.pop("pact_changes")
    assert f"pact_pinned by {version_actor(store)}: pact hash {pact_hash(pact)[:12]}" in pinned
    assert payload.pop("killed_runs") == 0
    assert payload == {
        "project": "churn",
        "pact": "churn-pact",
        "audit": "go",
        "runs": 1,
        "failed_runs": 0,
        "latest_verdict": "signed_off",
        "champion": "churn:1",
        "candidates": 0,
        "next_step": "none: churn:1 is champion; watch it with 'modelpact monitor'",
        "monitoring": None,  # nothing monitored into the ledger yet
        "retraining": None,  # never retrained
    }
