"""``modelpact monitor`` on captured data and ``--register``: results reach ``status``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from modelpact.cli.app import app
from tests.service._synth import PACT, REFERENCE_DAYS, START, frames, prepare


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    store_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    prepare(store_url, tmp_path / ".modelpact")
    return store_url


def _status(url: str) -> dict[str, object]:
    code, out, _ = invoke("status", "--store", url, "--json")
    assert code == 0
    return {r["project"]: r for r in json.loads(out)}["churn"]  # type: ignore[no-any-return]


def test_monitor_captured_data_from_cron(url: str, tmp_path: Path) -> None:
    assert _status(url)["monitoring"] is None
    code, _, err = invoke("monitor", "--store", url, "--project", "churn", "--model", "gbm",
                            "--json", "m.json")
    assert code == 1, err
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["schema"] == "modelpact.monitor/v1" and doc["alerts"]
    assert f"stored the result and {len(doc['alerts'])} new alerts of churn/gbm" in err
    kinds: dict[str, int] = {}
    for alert in doc["alerts"]:
        kinds[alert["kind"]] = kinds.get(alert["kind"], 0) + 1
    by_kind = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    assert str(_status(url)["monitoring"]).startswith(
        f"gbm: alert ({len(doc['alerts'])}: {by_kind})")
    code, _, err = invoke("monitor", "--store", url, "--project", "churn")
    assert code == 2 and "--project and --model" in err


def test_monitor_register_stores_a_file_based_run(url: str, tmp_path: Path) -> None:
    predictions, labels = frames()
    cut = START + timedelta(days=REFERENCE_DAYS)
    reference = predictions[predictions["ts"] < cut].merge(labels, on="rid")
    analysis = predictions[predictions["ts"] >= cut]
    reference.to_csv(tmp_path / "ref.csv", index=False)
    analysis.to_csv(tmp_path / "ana.csv", index=False)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    (tmp_path / "pact.yaml").write_text(yaml.safe_dump(PACT.model_dump(mode="json")))
    args = ["monitor", "--pact", "pact.yaml", "--reference", "ref.csv", "--analysis", "ana.csv",
            "--labels", "labels.csv", "--chunk-period", "1d", "--store", url, "--register"]
    code, _, err = invoke(*args)
    assert code == 2 and "--register needs --model" in err
    code, _, err = invoke(*args, "--model", "batch")
    assert code == 1, err
    assert "registered the alert monitoring result of churn/batch" in err
    assert "batch: alert" in str(_status(url)["monitoring"])
