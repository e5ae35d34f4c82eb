"""The registry is no way to run code on a teammate's machine.

A pickle registered by one user must not run when another user loads the version
(``diff model:project:N``) unless they say they trust it; the refusal names who registered
it; a file changed after registration is refused even when trusted; scikit-learn models
are stored in skops format and load without any trust.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import open_store


def ran_code(marker: str, model: Any) -> Any:
    """What the booby-trapped pickle calls when it is loaded."""
    Path(marker).write_text("code ran while loading a model\n")
    return model


class BoobyTrapped:
    """Unpickles to a working model, after calling :func:`ran_code`."""

    def __init__(self, marker: Path, model: Any) -> None:
        self.marker = marker
        self.model = model

    def __reduce__(self) -> tuple[Any, tuple[str, Any]]:
        return ran_code, (str(self.marker), self.model)


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A shared ledger in which 'alice' registered a booby-trapped pickle as churn:1."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=300), "x2": rng.normal(size=300)})
    frame["y"] = (frame["x1"] + rng.normal(0, 0.5, 300) > 0).astype(int)
    frame.to_csv(tmp_path / "eval.csv", index=False)
    model = LogisticRegression().fit(frame[["x1", "x2"]], frame["y"])
    marker = tmp_path / "PWNED"
    joblib.dump(BoobyTrapped(marker, model), tmp_path / "model.pkl")
    joblib.dump(model, tmp_path / "honest.joblib")
    url = f"sqlite:///{tmp_path / 'team' / 'ledger.db'}"
    monkeypatch.setattr("modelpact.ledger._convert.current_user", lambda: "alice")
    # registered from elsewhere: the artifacts go with the store, beside its database
    with open_store(url, root=tmp_path / "alice" / ".modelpact") as store:
        store.register_model(project="churn", artifact_path=tmp_path / "model.pkl")
        store.register_model(project="churn", model=model)  # churn:2, an estimator
    monkeypatch.setattr("modelpact.ledger._convert.current_user", lambda: "bob")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    return {"url": url, "marker": marker, "root": tmp_path / "team"}


def _diff(shared: dict[str, Any], a: str, *extra: str) -> Any:
    return CliRunner().invoke(
        app,
        ["diff", a, "model:churn:2", "--data", "eval.csv", "--target", "y",
         "--store", shared["url"], "--json", "d.json", *extra],
    )


def test_a_registered_pickle_does_not_run_on_a_teammates_machine(shared: dict[str, Any]) -> None:
    result = _diff(shared, "model:churn:1")
    assert not shared["marker"].exists(), "loading the registered pickle ran its code"
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("error: model churn:1 is a pickle registered by alice on ")
    assert "--trust-pickle" in message
    assert not Path("d.json").exists()


def test_trusting_the_pickle_loads_it(shared: dict[str, Any]) -> None:
    result = _diff(shared, "model:churn:1", "--trust-pickle")
    assert result.exit_code == 0, result.output
    assert shared["marker"].exists()  # the user chose to run it
    assert json.loads(Path("d.json").read_text())["disagreement"]["rate"] == 0


def test_a_store_setting_can_trust_the_team_s_pickles(shared: dict[str, Any]) -> None:
    Path("modelpact.toml").write_text("[store]\ntrust_pickle = true\n")
    assert _diff(shared, "model:churn:1").exit_code == 0
    assert shared["marker"].exists()


def test_a_file_changed_after_registration_is_refused_even_when_trusted(
    shared: dict[str, Any],
) -> None:
    artifact = next((shared["root"] / "artifacts").rglob("model.sha256-*.pkl"))
    joblib.dump({"not": "the registered model"}, artifact)
    result = _diff(shared, "model:churn:1", "--trust-pickle")
    assert result.exit_code == 2
    assert "is not the one alice registered" in result.stderr
    assert not shared["marker"].exists()


def test_estimators_are_stored_in_skops_and_load_without_trust(shared: dict[str, Any]) -> None:
    with open_store(shared["url"], create=False) as store:
        version = store.get_model_version("churn:2")
        assert version.artifact_path is not None
        assert version.artifact_path.endswith(".skops")
        loaded = store.load_model("churn:2")
    assert isinstance(loaded, LogisticRegression)
    result = CliRunner().invoke(
        app,
        ["diff", "model:churn:2", "honest.joblib", "--data", "eval.csv", "--target", "y",
         "--store", shared["url"]],
    )
    assert result.exit_code == 0, result.output


def test_verify_register_stores_an_estimator_file_as_skops(
    shared: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "pact.yaml").write_text(
        "name: churn\ntask: binary\npositive_class: 1\ncolumns: {target: y}\n"
        "criteria:\n  - {metric: accuracy, at_least: 0.5}\n"
    )
    result = CliRunner().invoke(
        app,
        ["verify", "eval.csv", "--model", "honest.joblib", "--register", "--store", shared["url"]],
    )
    assert result.exit_code == 0, result.output
    with open_store(shared["url"], create=False) as store:
        version = store.get_model_version("churn:3")
        assert version.artifact_path is not None and version.artifact_path.endswith(".skops")
        events = store.list_events("churn", model_version=version.id)
        assert events[0].actor == "bob"
