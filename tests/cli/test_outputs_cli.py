"""Reports are written all or none, only once everything was decided, by any number of
processes at once; model files of every kind take ``--trust``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import joblib
import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.errors import StoreError
from tests.evaluate.conftest import binary_frame

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: id}
criteria:
  - {metric: roc_auc, at_least: 0.80}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    (tmp_path / "pact.yaml").write_text(PACT)
    binary_frame(600, seed=3).to_csv(tmp_path / "eval.csv", index=False)
    return tmp_path


def test_a_refused_registration_discards_the_reports(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the ledger passes the checks made before the work, then refuses the write itself
    def refuse(*args: object, **kwargs: object) -> None:
        raise StoreError("the ledger store refused a write: disk I/O error")

    monkeypatch.setattr("modelpact.cli._ledger.register_verdict", refuse)
    result = CliRunner().invoke(
        app, ["verify", "eval.csv", "--html", "r.html", "--json", "out/v.json", "--register"]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: the ledger store refused a write: disk I/O error"
    assert sorted(p.name for p in workdir.iterdir()) == ["eval.csv", "pact.yaml"]


def test_reports_of_a_failed_or_inconclusive_verdict_are_kept(workdir: Path) -> None:
    binary_frame(60, seed=3, separation=1.0).to_csv("small.csv", index=False)
    result = CliRunner().invoke(app, ["verify", "small.csv", "--json", "v.json"])
    assert result.exit_code in (1, 3)
    assert json.loads(Path("v.json").read_text())["verdict"] in ("failed", "inconclusive")


def test_six_processes_write_the_same_report(workdir: Path) -> None:
    command = [
        sys.executable,
        "-c",
        "from modelpact.cli.app import main; main()",
        "verify",
        "eval.csv",
        "--html",
        "same.html",
        "--json",
        "same.json",
        "--resamples",
        "200",
    ]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    outcomes = []
    for process in processes:
        _, err = process.communicate(timeout=300)
        outcomes.append((process.returncode, err.decode()))
    assert [code for code, _ in outcomes] == [0] * 6, outcomes
    assert sorted(p.name for p in workdir.iterdir()) == [
        "eval.csv",
        "pact.yaml",
        "same.html",
        "same.json",
    ]
    assert json.loads(Path("same.json").read_text())["verdict"] == "signed_off"


def test_verify_takes_trust_for_skops_models(workdir: Path) -> None:
    import skops.io as sio
    from sklearn.tree import DecisionTreeClassifier

    frame = binary_frame(600, seed=3)
    tree = DecisionTreeClassifier(max_depth=3).fit(frame[["p"]].rename(columns={"p": "x"}), frame["y"])
    frame.assign(x=frame["p"]).drop(columns="p").to_csv("features.csv", index=False)
    sio.dump(tree, "tree.skops")
    joblib.dump(tree, "tree.joblib")
    (workdir / "model_pact.yaml").write_text(PACT.replace("score: p, ", "").replace(
        "- {metric: roc_auc, at_least: 0.80}", "- {metric: accuracy, at_least: 0.6}"
    ))
    base = ["verify", "features.csv", "--pact", "model_pact.yaml", "--json"]
    refused = CliRunner().invoke(app, [*base, "s.json", "--model", "tree.skops"])
    assert refused.exit_code == 2 and "--trust" in refused.stderr
    trusted = CliRunner().invoke(
        app, [*base, "s.json", "--model", "tree.skops", "--trust", "sklearn.tree._tree.Tree"]
    )
    assert trusted.exit_code == 0, trusted.output
    from_joblib = CliRunner().invoke(app, [*base, "j.json", "--model", "tree.joblib"])
    assert from_joblib.exit_code == 0
    skops_doc = json.loads(Path("s.json").read_text())
    joblib_doc = json.loads(Path("j.json").read_text())
    assert skops_doc["criteria"] == joblib_doc["criteria"]
    # the champion and a model baseline are model files too
    champion = CliRunner().invoke(
        app,
        [*base, "c.json", "--model", "tree.joblib", "--champion", "tree.skops",
         "--baseline", "model:tree.skops", "--trust", "sklearn.tree._tree.Tree"],
    )
    assert champion.exit_code == 0, champion.output


def test_config_discovery_stops_at_the_repository_root_and_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    (tmp_path / "modelpact.toml").write_text('[store]\nurl = "sqlite:///elsewhere.db"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    inside = CliRunner().invoke(app, ["runs", "list"])
    assert "elsewhere.db" not in inside.output + inside.stderr
    assert str(repo / "sub" / ".modelpact" / "ledger.db") in inside.stderr  # the default
    (repo / "modelpact.toml").write_text('[store]\nurl = "sqlite:///team.db"\n')
    found = CliRunner().invoke(app, ["runs", "list"])
    assert f"as set in {repo / 'modelpact.toml'}" in found.stderr
    assert str(repo / "team.db") in found.stderr
