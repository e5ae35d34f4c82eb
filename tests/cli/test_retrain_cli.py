"""``modelpact retrain`` and ``models approve|rollback``: exit codes and what is printed."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import open_store
from tests.retrain.conftest import FEATURES, stream

TRAINERS = """
import time
from sklearn.linear_model import LogisticRegression

def fit(frame):
    return LogisticRegression().fit(frame[["x1", "x2", "x3"]], frame["y"])

def crash(frame):
    raise ValueError("no such feature: x9")
"""

PACT = """
name: churn
task: binary
positive_class: 1
columns: {{target: y, time: t}}
criteria:
  - {{metric: accuracy, at_least: 0.65}}
retraining:
  trainer: team_trainers:{trainer}
  holdout_rows: {holdout}
  auto_promote: {auto}
  margin: 0.02
  triggers: {{min_new_labels: 5000}}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A team's directory: its trainer module, a champion in the ledger, fresh data."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    (tmp_path / "team_trainers.py").write_text(TRAINERS)
    stream(8000, seed=1).to_csv(tmp_path / "window.csv", index=False)
    early = stream(1000, seed=99)
    first = LogisticRegression().fit(early[FEATURES], early["y"])
    write_pact(tmp_path)
    with open_store(root=tmp_path / ".modelpact") as store:
        version = store.register_model(project="churn", model=first)  # stored as skops
        store.set_stage(version.id, "champion", forced=True, reason="first model")
    return tmp_path


def write_pact(
    where: Path, *, trainer: str = "fit", auto: bool = True, holdout: int = 2000
) -> Path:
    path = where / "pact.yaml"
    path.write_text(PACT.format(trainer=trainer, auto=str(auto).lower(), holdout=holdout))
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_says_whether_a_trigger_fired(workdir: Path) -> None:
    code, out, _ = invoke(
        "retrain",
        "--project",
        "churn",
        "--pact",
        "pact.yaml",
        "--data",
        "window.csv",
        "--check",
        "--json",
        "check.json",
    )
    assert code == 1
    assert "retraining due: 8,000 new labelled rows (no retraining recorded yet)" in out
    assert json.loads((workdir / "check.json").read_text())["fired"] is True
    with open_store(root=workdir / ".modelpact") as store:
        assert store.list_runs("churn") == []  # --check writes nothing
    stream(100, seed=2).to_csv(workdir / "small.csv", index=False)
    code, out, _ = invoke(
        "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "small.csv", "--check"
    )
    assert code == 0
    assert "no trigger fired: 100 new labelled rows" in out


def test_a_pickled_champion_needs_trust_before_anything_is_trained(workdir: Path) -> None:
    early = stream(1000, seed=99)
    joblib.dump(LogisticRegression().fit(early[FEATURES], early["y"]), workdir / "v0.joblib")
    with open_store(root=workdir / ".modelpact") as store:
        version = store.register_model(project="churn", artifact_path=workdir / "v0.joblib")
        store.set_stage(version.id, "champion", forced=True, reason="a pickled champion")
    args = ("retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv")
    code, _, err = invoke(*args, "--json", "r.json")
    assert code == 2 and "is a pickle registered by" in err and "--trust-pickle" in err
    assert not (workdir / "r.json").exists()
    code, out, err = invoke(*args, "--trust-pickle")
    assert code == 0, err
    assert "promoted to champion" in out


def test_promoted_exits_0_then_nothing_due_exits_0(workdir: Path) -> None:
    code, out, err = invoke(
        "retrain",
        "--project",
        "churn",
        "--pact",
        "pact.yaml",
        "--data",
        "window.csv",
        "--json",
        "r.json",
    )
    assert code == 0, err
    assert "PROMOTE" in out and "churn:2 promoted to champion" in out
    assert "accuracy no worse than champion (margin 0.02) (promotion rule)" in out
    assert "held out the newest 2,000 (6000 to 7999" in out
    doc = json.loads((workdir / "r.json").read_text())
    assert (doc["schema"], doc["action"], doc["outcome"], doc["promoted"]) == (
        "modelpact.retrain/v1",
        "promote",
        "pass",
        "churn:2",
    )
    code, out, _ = invoke("retrain", "--project", "churn", "--data", "window.csv")
    assert code == 0 and "nothing retrained" in out


def test_held_exits_1_and_approve_promotes(workdir: Path) -> None:
    write_pact(workdir, auto=False)
    code, out, _ = invoke(
        "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv"
    )
    assert code == 1 and "churn:2 held as a candidate awaiting approval" in out
    code, out, _ = invoke("models", "approve", "churn:2", "--reason", "diff reviewed")
    assert code == 0
    assert "churn:2: candidate -> champion (approved)" in out
    assert "churn:1: champion -> signed_off (replaced)" in out
    code, out, err = invoke("models", "approve", "churn:1")
    assert code == 2 and "was not produced by a retraining" in err
    code, out, _ = invoke("models", "rollback", "churn", "--reason", "support complaints")
    assert code == 0
    assert "churn:1: champion (restored)" in out
    assert "churn:2: champion -> retired (support complaints)" in out


def test_crash_exits_1_with_the_trainer_error(workdir: Path) -> None:
    write_pact(workdir, trainer="crash")
    code, out, _ = invoke(
        "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv", "--force"
    )
    assert code == 1
    assert "training failed, the champion is untouched" in out
    assert "ValueError: no such feature: x9" in out


def test_inconclusive_exits_3(workdir: Path) -> None:
    write_pact(workdir, holdout=60)
    code, out, _ = invoke(
        "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv"
    )
    assert code == 3
    assert "REJECT (INCONCLUSIVE)" in out
    with open_store(root=workdir / ".modelpact") as store:
        assert store.get_model_version("churn@champion").ref == "churn:1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.csv"], "missing.csv: no such file"),
        (["--data", "window.csv", "--monitor", "pact.yaml"], "pact.yaml: not a JSON file"),
        (["--data", "window.csv", "--champion", "churn:9"], "no model version 'churn:9'"),
    ],
)
def test_input_errors_exit_2_in_one_line(workdir: Path, args: list[str], message: str) -> None:
    code, _, err = invoke("retrain", "--project", "churn", "--pact", "pact.yaml", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    with open_store(root=workdir / ".modelpact") as store:
        assert store.list_runs("churn") == []


def test_a_monitoring_alert_triggers(workdir: Path) -> None:
    pact = workdir / "pact.yaml"
    pact.write_text(
        pact.read_text().replace(
            "triggers: {min_new_labels: 5000}", "triggers: {alerts: [realized_performance]}"
        )
    )
    monitor = {
        "schema": "modelpact.monitor/v1",
        "alerts": [{"kind": "realized_performance", "metric": "accuracy", "feature": None}],
    }
    (workdir / "monitor.json").write_text(json.dumps(monitor))
    code, out, _ = invoke(
        "retrain",
        "--project",
        "churn",
        "--pact",
        "pact.yaml",
        "--data",
        "window.csv",
        "--monitor",
        "monitor.json",
        "--check",
    )
    assert code == 1 and "1 realized_performance alert(s) on accuracy" in out
    monitor["alerts"] = []
    (workdir / "monitor.json").write_text(json.dumps(monitor))
    code, out, _ = invoke(
        "retrain",
        "--project",
        "churn",
        "--pact",
        "pact.yaml",
        "--data",
        "window.csv",
        "--monitor",
        "monitor.json",
        "--check",
    )
    assert code == 0


def test_a_second_retraining_of_the_project_exits_2(workdir: Path) -> None:
    from modelpact.retrain import retraining_lock

    with open_store(root=workdir / ".modelpact") as store, retraining_lock(store, "churn"):
        code, _, err = invoke(
            "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv"
        )
    assert code == 2
    assert "another retraining of project 'churn' is running" in err


def test_a_pact_other_than_the_approved_one_is_refused_before_training(workdir: Path) -> None:
    code, _, err = invoke(
        "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv"
    )
    assert code == 0, err  # the first pact the project sees is pinned to it
    write_pact(workdir, auto=False, holdout=1000)  # then someone edits the file
    with open_store(root=workdir / ".modelpact") as store:
        runs, versions = store.list_runs("churn"), store.list_model_versions("churn")
    for extra in (["--force"], ["--check"]):
        code, out, err = invoke(
            "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv",
            "--json", "r.json", *extra,
        )
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1
        assert "pact.yaml is not the pact approved for project 'churn'" in err
        assert "modelpact pact approve pact.yaml --project churn --reason TEXT" in err
        assert not (workdir / "r.json").exists()
    with open_store(root=workdir / ".modelpact") as store:
        assert store.list_runs("churn") == runs
        assert store.list_model_versions("churn") == versions
    code, _, err = invoke(
        "pact", "approve", "pact.yaml", "--project", "churn", "--reason", "hold for review"
    )
    assert code == 0, err
    code, out, _ = invoke(
        "retrain", "--project", "churn", "--pact", "pact.yaml", "--data", "window.csv", "--force"
    )
    assert code == 1 and "churn:3 held as a candidate awaiting approval" in out
