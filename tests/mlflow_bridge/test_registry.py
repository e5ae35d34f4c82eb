"""The champion alias in MLflow's registry, gated by a signed-off verdict against the pact."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

import modelpact
import modelpact.mlflow
from modelpact.cli.app import app
from modelpact.errors import StoreError
from tests.mlflow_bridge._support import MLFLOW_WARNINGS, PACT, fitted, rows

from .conftest import Tracking

pytestmark = MLFLOW_WARNINGS


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def registry(tracking: Tracking) -> Tracking:
    """Version 1 of 'churn' predicts well, version 2 is fitted on shuffled labels."""
    Path("pact.yaml").write_text(PACT)
    rows(1500, seed=21).to_csv("eval.csv", index=False)
    train = rows(800, seed=22)
    for informative in (True, False):
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                fitted(train, informative=informative), name="model",
                registered_model_name="churn", pip_requirements=["scikit-learn"],
            )
    return tracking


def _champion(tracking: Tracking) -> str | None:
    try:
        return str(tracking.client.get_model_version_by_alias("churn", "champion").version)
    except Exception:
        return None


def test_signed_off_version_becomes_champion_and_a_failed_one_is_refused(
    registry: Tracking,
) -> None:
    code, _, err = invoke("verify", "eval.csv", "--model", "models:/churn/1", "--mlflow")
    assert code == 0, err
    code, _, err = invoke("verify", "eval.csv", "--model", "models:/churn/2", "--mlflow")
    assert code == 1, err
    version = registry.client.get_model_version("churn", "1")
    assert version.tags["modelpact.verdict"] == "signed_off"
    assert registry.client.get_run(version.tags["modelpact.run_id"]).data.tags[
        "modelpact.verdict"
    ] == "signed_off"

    code, out, err = invoke(
        "models", "promote", "models:/churn/1", "--pact", "pact.yaml", "--reason", "Q3 release"
    )
    assert code == 0, err
    assert "models:/churn/1 is now @champion" in out
    assert _champion(registry) == "1"
    promoted = registry.client.get_model_version("churn", "1")
    assert promoted.tags["modelpact.promoted_by"]
    assert promoted.tags["modelpact.promotion_reason"] == "Q3 release"
    assert promoted.tags["modelpact.promotion_forced"] == "false"
    assert "@champion set by" in promoted.description and "signed_off against pact 'churn'" in (
        promoted.description
    )

    code, out, err = invoke("models", "promote", "models:/churn/2", "--pact", "pact.yaml")
    assert code == 2
    assert err.strip().startswith(
        "error: cannot set @champion on models:/churn/2: its verdict (the version's tags) is failed"
    )
    assert _champion(registry) == "1"  # unchanged
    assert "modelpact.promoted_by" not in registry.client.get_model_version("churn", "2").tags


def test_forcing_needs_a_reason_and_is_recorded(registry: Tracking) -> None:
    code, _, err = invoke("models", "promote", "models:/churn/2", "--force")
    assert code == 2 and "--force needs --reason" in err
    assert _champion(registry) is None
    code, out, err = invoke(
        "models", "promote", "models:/churn/2", "--force", "--reason", "hotfix approved by risk"
    )
    assert code == 0, err
    assert "forced by" in out and "hotfix approved by risk" in out
    version = registry.client.get_model_version("churn", "2")
    assert version.tags["modelpact.promotion_forced"] == "true"
    assert "forced without a signed_off verdict: hotfix approved by risk" in version.description
    assert _champion(registry) == "2"


def test_a_verdict_against_another_pact_does_not_count(registry: Tracking) -> None:
    # the run that produced version 1 carries a signed-off verdict, decided on a laxer pact
    lax = PACT.replace("at_least: 0.75", "at_least: 0.5")
    Path("lax.yaml").write_text(lax)
    verdict = modelpact.verify("lax.yaml", "eval.csv", model="models:/churn/1")
    assert verdict.verdict == "signed_off"
    run_id = registry.client.get_model_version("churn", "1").run_id
    modelpact.mlflow.log(verdict, run_id, pact=modelpact.load_pact("lax.yaml"), reports=False)

    with pytest.raises(StoreError, match="decided against another pact"):
        modelpact.mlflow.promote("models:/churn/1", pact=modelpact.load_pact("pact.yaml"))
    assert _champion(registry) is None
    # against the pact it was decided on, the run's verdict is enough
    done = modelpact.mlflow.promote("models:/churn/1", pact=modelpact.load_pact("lax.yaml"))
    assert (done.version, done.alias, done.forced, done.verdict) == ("1", "champion", False,
                                                                     "signed_off")
    assert _champion(registry) == "1"


def test_promoting_a_replacement_records_what_it_replaced(registry: Tracking) -> None:
    pact = modelpact.load_pact("pact.yaml")
    for ref in ("models:/churn/1", "models:/churn/2"):
        verdict = modelpact.verify(pact, "eval.csv", model=ref)
        modelpact.mlflow.log(verdict, pact=pact, model_uri=ref, reports=False)
    registry.client.set_registered_model_alias("churn", "challenger", "1")
    modelpact.mlflow.promote("models:/churn/2", pact=pact, force=True, reason="first")
    done = modelpact.mlflow.promote("models:/churn@challenger", pact=pact)
    assert (done.version, done.previous) == ("1", "2")
    assert registry.client.get_model_version("churn", "2").tags["modelpact.replaced_by"] == "1"
    assert _champion(registry) == "1"


def test_diff_takes_two_registered_versions(registry: Tracking) -> None:
    code, _, err = invoke(
        "diff", "models:/churn/1", "models:/churn/2", "--data", "eval.csv", "--target", "y",
        "--resamples", "300", "--json", "diff.json",
    )
    assert code == 0, err
    document = json.loads(Path("diff.json").read_text())
    data = pd.read_csv("eval.csv")
    first = mlflow.sklearn.load_model("models:/churn/1").predict(data[["x0", "x1"]])
    second = mlflow.sklearn.load_model("models:/churn/2").predict(data[["x0", "x1"]])
    assert document["n_rows"] == len(data)
    assert document["disagreement"]["count"] == int((first != second).sum()) > 0
