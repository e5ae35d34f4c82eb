"""The GitHub Action's script and the pre-commit hook, run here as CI would run them (offline)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.evaluate.conftest import binary_frame

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "action-verify.sh"
BIN = Path(sys.executable).parent  # the environment's modelpact console script is here

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p}
criteria:
  - {metric: roc_auc, at_least: 0.80}
data: {min_rows: 100}
"""


@pytest.fixture
def job(tmp_path: Path) -> Path:
    """A job's workspace: a pact, good and weak evaluation files, a stub pip, GitHub's files."""
    (tmp_path / "pact.yaml").write_text(PACT)
    binary_frame(2000, separation=2.0, seed=1).to_csv(tmp_path / "good.csv", index=False)
    binary_frame(2000, separation=0.3, seed=1).to_csv(tmp_path / "weak.csv", index=False)
    stub = tmp_path / "stub-python"
    # stands in for `python -m pip install ...`: records the call instead of reaching an index
    stub.write_text(f'#!/usr/bin/env bash\necho "$@" >> {tmp_path / "pip-calls.txt"}\n')
    stub.chmod(0o755)
    return tmp_path


def _run_action(job: Path, **inputs: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(job),
        "MODELPACT_PYTHON": str(job / "stub-python"),
        "MODELPACT_OUTPUT_DIR": str(job / "reports"),
        "GITHUB_OUTPUT": str(job / "github-output.txt"),
        "GITHUB_STEP_SUMMARY": str(job / "step-summary.md"),
        **inputs,
    }
    return subprocess.run(
        ["bash", str(SCRIPT)], cwd=job, env=env, capture_output=True, text=True, timeout=300
    )


def _outputs(job: Path) -> dict[str, str]:
    lines = (job / "github-output.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_action_installs_then_passes_a_signed_off_candidate(job: Path) -> None:
    done = _run_action(
        job, MODELPACT_DATA="good.csv", MODELPACT_PACKAGE="modelpact[mlflow]==0.1.0"
    )
    assert done.returncode == 0, done.stderr
    pip = (job / "pip-calls.txt").read_text().split()
    assert pip[:3] == ["-m", "pip", "install"] and pip[-1] == "modelpact[mlflow]==0.1.0"
    outputs = _outputs(job)
    assert outputs["verdict"] == "signed_off" and outputs["exit-code"] == "0"
    assert Path(outputs["json"]).is_file() and Path(outputs["html"]).is_file()
    summary = (job / "step-summary.md").read_text()
    assert summary.startswith("### ✅ modelpact: `churn` — **signed off**")


def test_action_fails_the_job_with_verifys_exit_code(job: Path) -> None:
    done = _run_action(job, MODELPACT_DATA="weak.csv", MODELPACT_PACKAGE="")
    assert done.returncode == 1
    assert not (job / "pip-calls.txt").exists()  # nothing to install: the job's own modelpact
    assert _outputs(job)["verdict"] == "failed"
    assert "**failed**" in (job / "step-summary.md").read_text()


def test_action_passes_extra_arguments_and_reports_input_errors(job: Path) -> None:
    done = _run_action(
        job, MODELPACT_DATA="good.csv", MODELPACT_ARGS="--seed 3 --resamples 10"
    )
    assert done.returncode == 2
    assert "--resamples 10 is too few" in done.stderr
    assert _outputs(job)["verdict"] == "error"
    done = _run_action(job, MODELPACT_DATA="")
    assert done.returncode == 2 and "'data' input" in done.stderr


def test_action_yml_runs_the_script_with_every_input(job: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "verify")
    assert step["run"] == 'bash "${{ github.action_path }}/scripts/action-verify.sh"'
    script = SCRIPT.read_text()
    for name in step["env"]:
        assert name in script, f"{name} is set by action.yml but never read by the script"
    for name in action["inputs"]:
        if name not in ("python-version", "install"):
            assert any(f"inputs.{name}" in str(v) for v in step["env"].values()), name
    assert set(action["outputs"]) <= {"verdict", "exit-code", "json", "html", "markdown"}


def test_pre_commit_hook_checks_every_changed_pact(job: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "pact-check" and hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert pattern.search("pact.yaml") and pattern.search("models/churn.pact.yml")
    assert not pattern.search("config.yaml")
    (job / "bad.pact.yaml").write_text(PACT.replace("at_least: 0.80", "at_least: 1.3"))
    entry = shlex.split(hook["entry"])
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    # pre-commit appends the changed files that match to the entry
    bad = subprocess.run(
        [*entry, "pact.yaml", "bad.pact.yaml"], cwd=job, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "bad.pact.yaml:6: criteria[0].at_least: 1.3 is impossible for roc_auc" in bad.stderr
    assert "ok pact.yaml" in bad.stdout  # every file is checked, not only up to the first bad one
