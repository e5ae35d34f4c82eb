"""Registering a lax pact under the project's name does not make promotion lax.

The project's first pact is pinned; ``verify --register`` with a looser pact records its
verdict and proposes the change, but ``models promote`` stays refused until someone runs
``pact approve`` with a reason, and ``models show`` and ``status`` say who changed it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from tests.evaluate.conftest import binary_frame

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p}
criteria:
  - {metric: roc_auc, at_least: THRESHOLD}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    (tmp_path / "pact.yaml").write_text(PACT.replace("THRESHOLD", "0.99"))
    (tmp_path / "lax.yaml").write_text(PACT.replace("THRESHOLD", "0.5"))
    import joblib
    from sklearn.linear_model import LogisticRegression

    frame = binary_frame(3000, separation=2.0, seed=4).drop(columns=["region"])
    joblib.dump(LogisticRegression().fit(frame[["p"]], frame["y"]), "model.joblib")
    frame.to_csv("eval.csv", index=False)
    return tmp_path


def test_lax_pact_promotion_is_refused_until_approved(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    register = ("--model", "model.joblib", "--register")
    code, out, err = run("verify", "eval.csv", "--pact", "pact.yaml", *register)
    assert code == 1, out + err  # the pinned pact, roc_auc >= 0.99, fails churn:1
    code, out, err = run("verify", "eval.csv", "--pact", "lax.yaml", *register)
    assert code == 0, out + err  # the lax pact signs off churn:2...
    assert "differs from the pact pinned" in err
    from modelpact.ledger import open_store, pact_hash
    from modelpact.pact import load_pact

    lax_hash = pact_hash(load_pact(workdir / "lax.yaml"))
    with open_store(root=workdir / ".modelpact", create=False) as store:
        (lax_verdict,) = [v for v in store.list_verdicts("churn") if v.verdict == "signed_off"]
    assert lax_verdict.pact_hash == lax_hash
    code, out, err = run("models", "promote", "churn:2", "--to", "champion")
    assert code == 1, out + err
    assert "cannot promote churn:2" in err and "Traceback" not in err

    code, _, err = run("pact", "approve", "lax.yaml", "--project", "churn", "--reason", " ")
    assert code == 2 and "reason" in err and len(err.strip().splitlines()) == 1
    monkeypatch.setattr("modelpact.ledger._convert.current_user", lambda: "dana")
    code, _, err = run(
        "pact", "approve", "lax.yaml", "--project", "churn", "--reason", "stakeholders agreed"
    )
    assert code == 0, err
    code, out, err = run("models", "promote", "churn:2", "--to", "champion")
    assert code == 0, out + err

    code, out, _ = run("models", "show", "churn:2", "--json")
    payload = json.loads(out)
    approved = [line for line in payload["pact_changes"] if "pact_approved" in line]
    assert len(approved) == 1
    assert "by dana" in approved[0] and "stakeholders agreed" in approved[0]
    assert payload["pact"]["hash"] == lax_hash
    code, out, _ = run("status", "--project", "churn")
    assert code == 0
    assert "pact_proposed" in out and "pact_approved by dana" in out
    code, out, _ = run("status", "--project", "churn", "--json")
    assert json.loads(out)[0]["pact_hash"] == lax_hash
