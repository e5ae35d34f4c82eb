"""Deciding commands append their Markdown summary to ``$GITHUB_STEP_SUMMARY`` when it is set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.report.monitor_markdown import monitor_markdown
from tests.evaluate.conftest import binary_frame
from tests.monitor._synth import make_pact, make_rows

PACT = """\
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: id}
criteria:
  - {metric: roc_auc, at_least: 0.80}
data: {min_rows: 100}
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("pact.yaml").write_text(PACT)
    return tmp_path


def invoke(*args: str, summary: Path | None = None) -> tuple[int, str, str]:
    env = {"GITHUB_STEP_SUMMARY": str(summary)} if summary is not None else {}
    result = CliRunner(env=env).invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_verify_appends_the_same_markdown_it_writes(workdir: Path) -> None:
    binary_frame(1000, separation=2.0).to_csv("eval.csv", index=False)
    summary = workdir / "summary.md"
    summary.write_text("## earlier step\n")
    code, _, err = invoke("verify", "eval.csv", "--markdown", "v.md", summary=summary)
    assert code == 0, err
    code, _, _ = invoke("verify", "eval.csv", summary=summary)
    assert code == 0
    written = Path("v.md").read_text().rstrip("\n")
    # appended after what earlier steps wrote, once per run
    assert summary.read_text() == f"## earlier step\n{written}\n\n{written}\n\n"


def test_without_the_variable_nothing_is_written(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    binary_frame(500, separation=2.0).to_csv("eval.csv", index=False)
    code, _, _ = invoke("verify", "eval.csv")
    assert code == 0
    assert sorted(p.name for p in workdir.iterdir()) == ["eval.csv", "pact.yaml"]


def test_an_unwritable_summary_warns_and_keeps_the_verdicts_exit_code(workdir: Path) -> None:
    binary_frame(500, separation=0.2).to_csv("eval.csv", index=False)
    code, _, err = invoke("verify", "eval.csv", summary=workdir / "missing-dir" / "s.md")
    assert code == 1
    assert "warning: cannot append to $GITHUB_STEP_SUMMARY" in err


def test_compare_and_diff_append_their_summaries(workdir: Path) -> None:
    frame = binary_frame(800, separation=2.0)
    rng = np.random.default_rng(0)
    frame.to_csv("a.csv", index=False)
    frame.assign(p=np.clip(frame["p"] + rng.normal(0, 0.2, len(frame)), 0, 1)).to_csv(
        "b.csv", index=False
    )
    summary = workdir / "summary.md"
    code, _, err = invoke("compare", "a.csv", "b.csv", "--pact", "pact.yaml", "--resamples",
                          "300", "--markdown", "c.md", summary=summary)
    assert code == 0, err
    compare_md = Path("c.md").read_text().rstrip("\n")
    code, _, err = invoke("diff", "a.csv", "b.csv", "--data", "a.csv", "--pact", "pact.yaml",
                          "--resamples", "300", "--markdown", "d.md", summary=summary)
    assert code == 0, err
    diff_md = Path("d.md").read_text().rstrip("\n")
    assert summary.read_text() == f"{compare_md}\n\n{diff_md}\n\n"


def test_audit_appends_its_summary(workdir: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] + rng.normal(0, 0.5, 600) > 0).astype(int)
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y}).to_csv("train.csv", index=False)
    summary = workdir / "summary.md"
    code, _, err = invoke("audit", "train.csv", "--target", "y", "--skip", "label_errors",
                          "--skip", "learnability", "--skip", "near_duplicates",
                          "--markdown", "a.md", summary=summary)
    assert code == 0, err
    assert summary.read_text() == Path("a.md").read_text().rstrip("\n") + "\n\n"


def test_monitor_writes_markdown_and_appends_it(workdir: Path) -> None:
    rng = np.random.default_rng(0)
    make_rows(rng, 2000).to_csv("ref.csv", index=False)
    shifted = pd.concat([make_rows(rng, 1000, start_id=10**6),
                         make_rows(rng, 1000, shift=0.8, start_id=2 * 10**6)])
    shifted.drop(columns="label").to_csv("prod.csv", index=False)
    Path("monitor-pact.yaml").write_text(
        yaml.safe_dump(make_pact().model_dump(mode="json", exclude_none=True))
    )
    summary = workdir / "summary.md"
    code, _, err = invoke("monitor", "--pact", "monitor-pact.yaml", "--reference", "ref.csv",
                          "--analysis", "prod.csv", "--chunks", "2", "--no-multivariate",
                          "--json", "m.json", "--markdown", "m.md", summary=summary)
    assert code == 1, err
    data = json.loads(Path("m.json").read_text())
    markdown = Path("m.md").read_text()
    assert markdown == monitor_markdown(data)
    assert summary.read_text() == markdown.rstrip("\n") + "\n\n"
    lines = markdown.splitlines()
    assert lines[0] == "### 🚨 modelpact monitor: `synthetic` — **ALERT**"
    # one table row per chunk, and the drifted feature is named
    rows = [line for line in lines if line.startswith("| rows ")]
    assert len(rows) == len(data["chunks"]) == 2
    assert "x0" in rows[1] and "| critical | drift | x0 |" in markdown
