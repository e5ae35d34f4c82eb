"""``mlflow.models.evaluate(..., evaluators=["modelpact"])`` through the entry-point plugin."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest

import modelpact
from tests.mlflow_bridge._support import MLFLOW_WARNINGS, PACT, fitted, rows, scored

from .conftest import Tracking

pytestmark = MLFLOW_WARNINGS


@pytest.fixture
def evaluation(tracking: Tracking) -> Tracking:
    Path("pact.yaml").write_text(PACT)
    return tracking


def test_the_plugin_is_registered_under_mlflows_entry_point(evaluation: Tracking) -> None:
    assert "modelpact" in mlflow.models.list_evaluators()


def test_evaluate_a_registered_model_returns_and_logs_the_verdict(evaluation: Tracking) -> None:
    model = fitted(rows(800, seed=31))
    data = rows(1500, seed=32)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(
            model, name="model", registered_model_name="churn", pip_requirements=["scikit-learn"]
        )
        result = mlflow.models.evaluate(
            "models:/churn/1",
            data.drop(columns="id"),
            targets="y",
            model_type="classifier",
            evaluators=["modelpact"],  # with a list, MLflow wants each evaluator's own config
            evaluator_config={"modelpact": {"pact": "pact.yaml"}},
        )
    assert info.registered_model_version == 1
    # MLflow's rows carry no ids: the evaluator numbers them, as verify requires the pact's id
    positional = data.drop(columns="id").assign(id=range(len(data)))
    expected = modelpact.verify("pact.yaml", positional, model=model)
    document = result.artifacts["modelpact_verdict"].content
    assert document == expected.to_dict() | {"source": "<DataFrame>"}
    assert document["verdict"] == "signed_off"
    assert result.metrics["modelpact.signed_off"] == 1.0
    assert result.metrics["modelpact.roc_auc"] == pytest.approx(expected.criteria[0].estimate)

    stored = evaluation.client.get_run(run.info.run_id)
    assert stored.data.tags["modelpact.verdict"] == "signed_off"
    assert stored.data.metrics["modelpact.roc_auc.low"] == pytest.approx(expected.criteria[0].ci[0])
    listed = {a.path for a in evaluation.client.list_artifacts(run.info.run_id, "modelpact")}
    assert "modelpact/verdict.html" in listed


def test_evaluate_static_predictions_reads_them_as_the_pacts_score(evaluation: Tracking) -> None:
    weak = scored(rows(1500, seed=33), fitted(rows(800, seed=34), informative=False))
    with mlflow.start_run():
        result = mlflow.models.evaluate(
            data=weak.drop(columns="id"),
            targets="y",
            predictions="p",
            model_type="classifier",
            evaluators="modelpact",
            evaluator_config={"pact": "pact.yaml"},
        )
    expected = modelpact.verify("pact.yaml", weak)
    document = result.artifacts["modelpact_verdict"].content
    assert document["verdict"] == expected.verdict == "failed"
    assert document["criteria"] == expected.to_dict()["criteria"]
    assert result.metrics["modelpact.signed_off"] == 0.0


def test_without_a_pact_the_plugin_stays_out_of_default_evaluations(evaluation: Tracking) -> None:
    from modelpact.mlflow.evaluator import PactEvaluator

    assert not PactEvaluator.can_evaluate(model_type="classifier", evaluator_config={})
    assert not PactEvaluator.can_evaluate(model_type="text", evaluator_config={"pact": "p.yaml"})
