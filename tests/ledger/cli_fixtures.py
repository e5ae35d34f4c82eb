"""A small ledger for the registry, runs and status command tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import MetricValue, open_store
from modelpact.pact import parse_pact

PACT = parse_pact(
    """
name: churn-pact
task: binary
positive_class: 1
columns: {target: y, score: p}
criteria:
  - {metric: roc_auc, at_least: 0.7}
"""
)


def verdict(value: str) -> dict[str, Any]:
    return {"schema": "modelpact.verdict/v1", "verdict": value, "pact": "churn-pact", "n_rows": 500}


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """churn: two runs (one failed), v1 signed off by a verdict, v2 without; fraud: empty."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")  # wide tables: no truncated cells to assert on
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    url = f"sqlite:///{tmp_path / 'team.db'}"
    with open_store(url, root=tmp_path / ".modelpact") as store:
        store.ensure_project("churn", PACT)
        good = store.create_run("churn", name="logreg", params={"C": 0.5})
        store.log_metrics(
            good.id, {"roc_auc": MetricValue("roc_auc", 0.81, 0.78, 0.84, 0.95, "delong", 500)}
        )
        v1 = store.register_model(project="churn", run_id=good.id, model={"w": 1}, name="lr")
        store.record_verdict(project="churn", verdict_json=verdict("signed_off"), run_id=good.id)
        store.finish_run(good.id)
        bad = store.create_run("churn", name="boom")
        store.finish_run(bad.id, "failed", error="ValueError: nan in input")
        v2 = store.register_model(project="churn", model={"w": 2}, name="gbm")
        store.ensure_project("fraud")
    return {"url": url, "good": good.id, "bad": bad.id, "v1": v1.id, "v2": v2.id}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr
