"""The key tables at 100 columns, piped, as a new user sees them: no name that identifies a
row is cut, no line is wider than the terminal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import MetricValue, open_store
from modelpact.pact import parse_pact

WIDTH = 100
PROJECTS = ("tumour-screening-clinic-north", "tumour-screening-clinic-south")
PACT = parse_pact(
    """
name: tumour-screening-pact
task: binary
positive_class: 1
columns: {target: y, score: p}
criteria:
  - {metric: roc_auc, at_least: 0.7}
  - {metric: recall, at_least: 0.9}
"""
)


def _invoke(*args: str) -> str:
    # CliRunner's output is not a terminal: the piped case, with COLUMNS set as a shell does
    result = CliRunner(env={"COLUMNS": str(WIDTH)}).invoke(app, list(args))
    assert result.exit_code in (0, 1, 3), result.output
    return result.stdout


def _fits(out: str) -> None:
    # table lines; a sentence is left whole for the terminal to wrap
    wide = [line for line in out.splitlines()
            if line[:1] in "┏┃┡│└" and len(line.rstrip()) > WIDTH]
    assert not wide, f"{len(wide)} lines wider than {WIDTH} columns, e.g. {wide[0]!r}"
    assert "…" not in out, "a cell was cut short"


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    url = f"sqlite:///{tmp_path / 'team.db'}"
    with open_store(url, root=tmp_path / ".modelpact") as store:
        for project in PROJECTS:
            store.ensure_project(project, PACT)
            for name in ("logistic-regression-baseline", "gradient-boosting-tuned"):
                run = store.create_run(project, name=name, params={"C": 0.5})
                store.log_metrics(run.id, {
                    m: MetricValue(m, v, v - 0.03, v + 0.03, 0.95, "wilson", 500)
                    for m, v in (("roc_auc", 0.91), ("recall", 0.934), ("precision", 0.88))})
                store.register_model(project=project, run_id=run.id, model={"w": 1}, name=name)
                store.finish_run(run.id)
    return url


def test_status_runs_and_models_keep_names_whole(ledger: str) -> None:
    for args in (("status",), ("runs", "list"), ("models", "list")):
        out = _invoke(*args, "--store", ledger)
        _fits(out)
        for project in PROJECTS:
            assert project in out, f"{' '.join(args)}: project '{project}' is not shown whole"
    models = _invoke("models", "list", "--store", ledger)
    for project in PROJECTS:
        assert f"{project}:1" in models and f"{project}:2" in models
    runs = _invoke("runs", "list", "--store", ledger)
    assert "logistic-regression-baseline" in runs and "recall 0.934" in runs


def test_compare_keeps_model_names_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    signal = rng.normal(size=400) + 1.5 * y
    names = ["tumour-screening-clinic-north-v1", "tumour-screening-clinic-north-v2"]
    for i, name in enumerate(names):
        p = 1 / (1 + np.exp(-(signal + rng.normal(0, 0.2 + i, 400) - 0.75)))
        pd.DataFrame({"id": range(400), "y": y, "p": p}).to_csv(tmp_path / f"{name}.csv",
                                                                index=False)
    out = _invoke("compare", *(f"{n}={tmp_path / n}.csv" for n in names), "--target", "y",
                  "--score", "p", "--id", "id", "--metric", "roc_auc", "--metric", "recall",
                  "--resamples", "200")
    _fits(out)
    leaderboard = out.split("leaderboard", 1)[1].split("paired differences", 1)[0]
    for name in names:
        assert name in leaderboard


def test_columns_is_respected_when_piped(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelpact.cli._common import out_console

    monkeypatch.setenv("COLUMNS", "100")
    assert out_console().width == 100
    monkeypatch.setenv("COLUMNS", "180")
    assert out_console().width == 180
    # without COLUMNS a pipe or a log gets room for a whole table row
    monkeypatch.delenv("COLUMNS")
    assert out_console().width >= 120
