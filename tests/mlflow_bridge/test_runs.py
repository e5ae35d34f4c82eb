"""Results logged to MLflow runs, read back through ``MlflowClient``."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import modelpact
import modelpact.mlflow
from modelpact.cli.app import app
from modelpact.ledger import pact_hash
from tests.mlflow_bridge._support import MLFLOW_WARNINGS, PACT, fitted, rows, scored
from tests.monitor._synth import make_pact, make_rows

from .conftest import Tracking

pytestmark = MLFLOW_WARNINGS


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _artifact(tracking: Tracking, run_id: str, path: str) -> str:
    local = mlflow.artifacts.download_artifacts(
        run_id=run_id, artifact_path=path, dst_path=str(tracking.root / "downloads" / run_id)
    )
    return Path(local).read_text()


def _eval_files() -> None:
    Path("pact.yaml").write_text(PACT)
    scored(rows(1500, seed=11), fitted(rows(800, seed=12))).to_csv("eval.csv", index=False)


def test_verify_logs_every_criterion_and_the_reports_to_the_named_run(tracking: Tracking) -> None:
    _eval_files()
    run_id = tracking.client.create_run(tracking.experiment_id).info.run_id
    code, _, err = invoke(
        "verify", "eval.csv", "--mlflow-run-id", run_id, "--json", "verdict.json"
    )
    assert code == 0, err
    assert f"MLflow: logged to run {run_id}" in err
    document = json.loads(Path("verdict.json").read_text())
    run = tracking.client.get_run(run_id)
    metrics, tags = run.data.metrics, run.data.tags

    assert tags["modelpact.verdict"] == document["verdict"] == "signed_off"
    assert tags["modelpact.pact"] == "churn"
    assert tags["modelpact.pact_sha256"] == pact_hash(modelpact.load_pact("pact.yaml"))
    keys = {"roc_auc": document["criteria"][0], "accuracy.vs_baseline": document["criteria"][1]}
    for key, criterion in keys.items():
        assert metrics[f"modelpact.{key}"] == pytest.approx(criterion["estimate"], rel=1e-12)
        assert metrics[f"modelpact.{key}.low"] == pytest.approx(criterion["ci"][0], rel=1e-12)
        assert metrics[f"modelpact.{key}.high"] == pytest.approx(criterion["ci"][1], rel=1e-12)
        assert tags[f"modelpact.{key}.status"] == criterion["status"] == "pass"
        assert tags[f"modelpact.{key}.rule"] == criterion["label"]
    assert metrics["modelpact.n_rows"] == 1500

    listed = {a.path for a in tracking.client.list_artifacts(run_id, "modelpact")}
    assert listed == {"modelpact/verdict.json", "modelpact/verdict.md", "modelpact/verdict.html"}
    assert json.loads(_artifact(tracking, run_id, "modelpact/verdict.json")) == document
    assert "| roc_auc >= 0.75 |" in _artifact(tracking, run_id, "modelpact/verdict.md")
    assert "<script src=" not in _artifact(tracking, run_id, "modelpact/verdict.html")


def test_a_failed_verdict_is_logged_with_its_failing_criterion(tracking: Tracking) -> None:
    Path("pact.yaml").write_text(PACT)
    weak = scored(rows(1500, seed=11), fitted(rows(800, seed=12), informative=False))
    weak.to_csv("eval.csv", index=False)
    code, _, err = invoke("verify", "eval.csv", "--mlflow")
    assert code == 1, err
    # no run named: a new run in the experiment from MLFLOW_EXPERIMENT_ID, ended once logged
    (run,) = tracking.client.search_runs([tracking.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.tags["modelpact.verdict"] == "failed"
    assert run.data.tags["modelpact.roc_auc.status"] == "fail"
    assert run.data.metrics["modelpact.roc_auc.high"] < 0.75


def test_a_missing_run_stops_the_command_before_anything_is_written(tracking: Tracking) -> None:
    _eval_files()
    code, out, err = invoke(
        "verify", "eval.csv", "--mlflow-run-id", "0" * 32, "--json", "verdict.json"
    )
    assert code == 2
    assert err.startswith(f"error: MLflow run '{'0' * 32}' cannot be used:")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out
    assert not Path("verdict.json").exists()


def test_a_missing_run_in_mlflows_environment_is_caught_early_too(
    tracking: Tracking, monkeypatch: pytest.MonkeyPatch
) -> None:
    _eval_files()
    monkeypatch.setenv("MLFLOW_RUN_ID", "f" * 32)
    code, _, err = invoke("verify", "eval.csv", "--mlflow", "--markdown", "v.md")
    assert code == 2
    assert err.startswith(f"error: MLflow run '{'f' * 32}' cannot be used:")
    assert not Path("v.md").exists()


def test_mlflow_run_id_from_the_environment_is_logged_to(
    tracking: Tracking, monkeypatch: pytest.MonkeyPatch
) -> None:
    _eval_files()
    run_id = tracking.client.create_run(tracking.experiment_id).info.run_id
    monkeypatch.setenv("MLFLOW_RUN_ID", run_id)
    code, _, err = invoke("verify", "eval.csv", "--mlflow")
    assert code == 0, err
    assert tracking.client.get_run(run_id).data.tags["modelpact.verdict"] == "signed_off"
    assert len(tracking.client.search_runs([tracking.experiment_id])) == 1


def test_python_log_uses_the_active_run(tracking: Tracking) -> None:
    _eval_files()
    verdict = modelpact.verify("pact.yaml", "eval.csv")
    with mlflow.start_run() as run:
        logged = modelpact.mlflow.log(verdict, reports=False)
    assert logged == run.info.run_id
    stored = tracking.client.get_run(logged)
    assert stored.data.tags["modelpact.verdict"] == verdict.verdict
    assert "modelpact.pact_sha256" not in stored.data.tags  # no pact given, no claim about it
    assert stored.data.metrics["modelpact.roc_auc"] == pytest.approx(verdict.criteria[0].estimate)
    assert tracking.client.list_artifacts(logged) == []


def test_compare_logs_each_models_interval(tracking: Tracking) -> None:
    data = rows(1200, seed=13)
    scored(data, fitted(rows(800, seed=14))).to_csv("good.csv", index=False)
    scored(data, fitted(rows(800, seed=14), informative=False)).to_csv("weak.csv", index=False)
    run_id = tracking.client.create_run(tracking.experiment_id).info.run_id
    code, _, err = invoke(
        "compare", "good.csv", "weak.csv", "--target", "y", "--score", "p", "--id", "id",
        "--metric", "roc_auc", "--resamples", "500", "--json", "c.json", "--mlflow-run-id", run_id,
    )
    assert code == 0, err
    document = json.loads(Path("c.json").read_text())
    run = tracking.client.get_run(run_id)
    (board,) = document["metrics"]
    assert run.data.tags["modelpact.compare.roc_auc.best"] == board["best"] == "good"
    keys = {"good": "good", "weak": "weak", "baseline (prior)": "baseline_prior"}
    assert [e["model"] for e in board["estimates"]] == list(keys)
    for estimate in board["estimates"]:
        name = f"modelpact.compare.roc_auc.{keys[estimate['model']]}"
        assert run.data.metrics[name] == pytest.approx(estimate["estimate"], rel=1e-12)
        assert run.data.metrics[f"{name}.low"] == pytest.approx(estimate["ci"][0], rel=1e-12)
    listed = {a.path for a in tracking.client.list_artifacts(run_id, "modelpact")}
    assert "modelpact/compare.html" in listed and "modelpact/compare.json" in listed


def test_monitor_logs_its_status_and_one_step_per_chunk(tracking: Tracking) -> None:
    rng = np.random.default_rng(0)
    make_rows(rng, 3000).to_csv("ref.csv", index=False)
    shifted = pd.concat([make_rows(rng, 1500, start_id=10**6),
                         make_rows(rng, 1500, shift=0.8, start_id=2 * 10**6)])
    shifted.drop(columns="label").to_csv("prod.csv", index=False)
    Path("pact.yaml").write_text(
        yaml.safe_dump(make_pact().model_dump(mode="json", exclude_none=True))
    )
    run_id = tracking.client.create_run(tracking.experiment_id).info.run_id
    code, _, err = invoke(
        "monitor", "--reference", "ref.csv", "--analysis", "prod.csv", "--chunks", "3",
        "--no-multivariate", "--json", "m.json", "--mlflow-run-id", run_id,
    )
    assert code == 1, err
    document = json.loads(Path("m.json").read_text())
    run = tracking.client.get_run(run_id)
    assert run.data.tags["modelpact.monitor.status"] == document["status"] == "alert"
    assert run.data.metrics["modelpact.monitor.alerts"] == len(document["alerts"])
    history = tracking.client.get_metric_history(run_id, "modelpact.monitor.estimated.roc_auc")
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == [0, 1, 2]
    by_step = {m.step: m.value for m in history}
    for chunk in document["chunks"]:
        (estimated,) = [e for e in chunk["estimated_performance"] if e["metric"] == "roc_auc"]
        assert by_step[chunk["index"]] == pytest.approx(estimated["estimate"], rel=1e-12)
    markdown = _artifact(tracking, run_id, "modelpact/monitor.md")
    assert markdown.startswith("### 🚨 modelpact monitor: `synthetic` — **ALERT**")
