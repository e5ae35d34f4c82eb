"""Approving a held challenger refits it on its whole window when the pact declares refit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from modelpact.ledger import Store
from modelpact.retrain import FileSource, retrain
from modelpact.retrain.approval import approve
from tests.retrain.conftest import FEATURES, ROOT, make_pact


def test_an_approved_challenger_is_refit_on_its_whole_window(ledger: Store, window: Path) -> None:
    pact = make_pact(auto=False, extra="  refit_on_window: true\n")
    ledger.approve_pact("churn", pact, reason="hold retrained models, refit once approved")
    result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    assert result.action == "hold"
    approval = approve(ledger, "churn:2", reason="diff reviewed", cwd=ROOT)
    assert approval.refit and approval.note is None
    assert approval.held.ref == "churn:2" and approval.promoted.ref == "churn:3"
    assert ledger.get_model_version("churn@champion").ref == "churn:3"
    assert ledger.get_model_version("churn:2").stage == "retired"
    assert ledger.get_model_version("churn:1").stage == "signed_off"
    # the refit is the same recipe on all 8,000 rows, holdout included
    rows = pd.read_csv(window)
    reference = LogisticRegression().fit(rows[FEATURES], rows["y"])
    refit = ledger.load_model("churn:3")
    np.testing.assert_allclose(refit.coef_, reference.coef_, rtol=1e-6)
    assert approval.promoted.params == {"refit_of": "churn:2", "train_rows": 8000}
    # it carries the gate's verdict of the model it refits
    assert [v.verdict for v in ledger.list_verdicts("churn", model_version="churn:3")] == [
        "signed_off"
    ]
    run = ledger.get_run(result.run_id or "")
    assert run.params["promoted"] == "churn:3" and "diff reviewed" in run.params["approved"]


def test_without_refit_the_held_model_itself_is_promoted(ledger: Store, window: Path) -> None:
    pact = make_pact(auto=False)
    ledger.approve_pact("churn", pact, reason="hold retrained models")
    retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    approval = approve(ledger, "churn:2", cwd=ROOT)
    assert not approval.refit and approval.promoted.ref == "churn:2"
    assert ledger.get_model_version("churn@champion").ref == "churn:2"
    assert len(ledger.list_model_versions("churn")) == 2


def test_a_refit_that_fails_promotes_the_held_model_and_says_so(
    ledger: Store, window: Path, tmp_path: Path
) -> None:
    pact = make_pact(auto=False, extra="  refit_on_window: true\n")
    ledger.approve_pact("churn", pact, reason="hold retrained models, refit once approved")
    retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    # approved from a directory where the trainer cannot be imported
    approval = approve(ledger, "churn:2", cwd=tmp_path)
    assert not approval.refit and approval.promoted.ref == "churn:2"
    assert approval.note is not None and "refit on the whole window failed" in approval.note
