"""MLflow URIs as inputs: ``runs:/`` prediction tables and ``models:/`` registered models."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import joblib
import mlflow
import pandas as pd
from typer.testing import CliRunner

from modelpact.cli.app import app
from tests.mlflow_bridge._support import MLFLOW_WARNINGS, PACT, fitted, rows, scored

from .conftest import Tracking

pytestmark = MLFLOW_WARNINGS


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _log_table(frame, name: str) -> str:
    """Log *frame* as an artifact of a new run; return the run's id."""
    with mlflow.start_run() as run, tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / name
        if name.endswith(".parquet"):
            frame.to_parquet(local)
        else:
            frame.to_csv(local, index=False)
        mlflow.log_artifact(str(local), artifact_path="eval")
    return str(run.info.run_id)


def test_compare_reads_two_runs_prediction_artifacts(tracking: Tracking) -> None:
    data = rows(1500, seed=3)
    good = scored(data, fitted(rows(800, seed=4)))
    weak = scored(data, fitted(rows(800, seed=4), informative=False))
    run_a = _log_table(good, "preds.parquet")
    run_b = _log_table(weak, "preds.csv")
    good.to_parquet("a.parquet")
    weak.to_csv("b.csv", index=False)
    options = ["--target", "y", "--score", "p", "--id", "id", "--resamples", "500"]

    code, out, err = invoke(
        "compare", f"runs:/{run_a}/eval/preds.parquet", f"runs:/{run_b}/eval/preds.csv",
        *options, "--json", "from_mlflow.json",
    )
    assert code == 0, err
    code, _, err = invoke("compare", f"{run_a[:8]}=a.parquet", f"{run_b[:8]}=b.csv", *options,
                          "--json", "local.json")
    assert code == 0, err
    remote = json.loads(Path("from_mlflow.json").read_text())
    local = json.loads(Path("local.json").read_text())
    # the same leaderboard, only the sources differ: the run artifacts were read as they are
    sources = {m["name"]: m["source"] for m in remote["models"]}
    assert sources.pop("baseline (prior)") == "prior of the evaluation target"
    assert sources == {
        run_a[:8]: f"runs:/{run_a}/eval/preds.parquet",
        run_b[:8]: f"runs:/{run_b}/eval/preds.csv",
    }
    for m in remote["models"] + local["models"]:
        del m["source"]
    assert remote == local
    assert remote["metrics"][0]["best"] == run_a[:8]
    assert run_a[:8] in out


def test_verify_reads_a_run_artifact_and_names_a_missing_one(tracking: Tracking) -> None:
    Path("pact.yaml").write_text(PACT)
    data = scored(rows(1200, seed=5), fitted(rows(800, seed=6)))
    run_id = _log_table(data, "eval.parquet")
    data.to_parquet("eval.parquet")
    code, _, err = invoke("verify", f"runs:/{run_id}/eval/eval.parquet", "--json", "r.json")
    assert code == 0, err
    code, _, err = invoke("verify", "eval.parquet", "--json", "l.json")
    assert code == 0, err
    remote = json.loads(Path("r.json").read_text())
    local = json.loads(Path("l.json").read_text())
    assert remote["source"] == f"runs:/{run_id}/eval/eval.parquet"
    assert remote["criteria"] == local["criteria"]
    assert remote["data_fingerprint"] == local["data_fingerprint"]

    code, out, err = invoke("verify", f"runs:/{run_id}/eval/nope.parquet", "--json", "x.json")
    assert code == 2
    assert err.strip() == (
        f"error: runs:/{run_id}/eval/nope.parquet: run {run_id} has no artifact "
        "'eval/nope.parquet' (there: eval/eval.parquet)"
    )
    assert "Traceback" not in out
    assert not Path("x.json").exists()


def test_verify_predicts_with_a_registered_model_by_version_and_alias(tracking: Tracking) -> None:
    Path("pact.yaml").write_text(PACT)
    model = fitted(rows(800, seed=7))
    with mlflow.start_run():
        mlflow.sklearn.log_model(
            model, name="model", registered_model_name="churn", pip_requirements=["scikit-learn"]
        )
    tracking.client.set_registered_model_alias("churn", "challenger", "1")
    rows(1500, seed=8).to_csv("eval.csv", index=False)
    joblib.dump(model, "model.joblib")

    documents = {}
    for name, ref in (("file", "model.joblib"), ("version", "models:/churn/1"),
                      ("alias", "models:/churn@challenger")):
        code, _, err = invoke("verify", "eval.csv", "--model", ref, "--json", f"{name}.json")
        assert code == 0, err
        documents[name] = json.loads(Path(f"{name}.json").read_text())
    # the registered model is the same model as the file: the same estimates and intervals
    assert documents["version"]["criteria"] == documents["file"]["criteria"]
    assert documents["alias"]["criteria"] == documents["file"]["criteria"]
    assert documents["version"]["verdict"] == "signed_off"

    code, _, err = invoke("verify", "eval.csv", "--model", "models:/churn/9")
    assert code == 2
    assert err.startswith("error: models:/churn/9: cannot be loaded from MLflow")


def test_commands_without_mlflow_uris_never_import_mlflow(tmp_path: Path) -> None:
    script = f"""
import sys
from typer.testing import CliRunner
from modelpact.cli.app import app
from tests.mlflow_bridge._support import PACT, fitted, rows, scored
import os
os.chdir({str(tmp_path)!r})
open("pact.yaml", "w").write(PACT)
scored(rows(600), fitted(rows(400, seed=1))).to_csv("eval.csv", index=False)
result = CliRunner().invoke(app, ["verify", "eval.csv", "--markdown", "v.md"])
assert result.exit_code == 0, result.output
print("mlflow" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "False"


def test_without_mlflow_installed_a_uri_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    script = """
import sys
sys.modules["mlflow"] = None  # as if the extra were not installed
from typer.testing import CliRunner
from modelpact.cli.app import app
result = CliRunner().invoke(app, ["verify", "runs:/abc/eval.parquet", "--pact", "p.yaml"])
print(result.exit_code)
print(result.stderr.strip())
"""
    (tmp_path / "p.yaml").write_text(PACT)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    code, message = done.stdout.strip().splitlines()
    assert code == "2"
    assert message == (
        "error: reading runs:/abc/eval.parquet needs MLflow, which is not installed; "
        "pip install 'modelpact[mlflow]'"
    )


def test_register_refuses_an_mlflow_model(tracking: Tracking) -> None:
    Path("pact.yaml").write_text(PACT)
    rows(200).to_csv("eval.csv", index=False)
    code, _, err = invoke("verify", "eval.csv", "--model", "models:/churn/1", "--register")
    assert code == 2
    assert "--register stores model files in the ledger; models:/churn/1 stays" in err
    assert not Path(".modelpact").exists()


class SignOfX0(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
    """A pyfunc-only model: labels, no probabilities, no scikit-learn object behind it."""

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> list[int]:
        return [int(v > 0) for v in model_input["x0"]]


LABEL_PACT = """\
name: labels
task: binary
positive_class: 1
columns: {target: y, prediction: yhat}
criteria:
  - {metric: accuracy, at_least: 0.6}
data: {min_rows: 100}
"""


def test_a_pyfunc_only_model_predicts_labels_on_its_signatures_columns(
    tracking: Tracking,
) -> None:
    Path("pact.yaml").write_text(LABEL_PACT)
    data = rows(1200, seed=9)
    data.to_csv("eval.csv", index=False)
    with mlflow.start_run():
        mlflow.pyfunc.log_model(
            name="model", python_model=SignOfX0(), input_example=data[["x0", "x1"]].head(3),
            registered_model_name="labeller", pip_requirements=[],
        )
    code, _, err = invoke("verify", "eval.csv", "--model", "models:/labeller/1", "--json", "m.json")
    assert code == 0, err
    data.assign(yhat=(data["x0"] > 0).astype(int)).to_csv("labelled.csv", index=False)
    code, _, err = invoke("verify", "labelled.csv", "--json", "c.json")
    assert code == 0, err
    by_model = json.loads(Path("m.json").read_text())["criteria"]
    by_column = json.loads(Path("c.json").read_text())["criteria"]
    assert by_model == by_column
    assert by_model[0]["status"] == "pass"
