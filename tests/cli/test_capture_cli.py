"""``modelpact keys`` and ``modelpact capture`` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import open_store
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.keys import KeyStore
from modelpact.service.validation import validate_predictions
from tests.service.conftest import PACT_YAML, churn_pact, rows


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    (tmp_path / "pact.yaml").write_text(PACT_YAML)
    return f"sqlite:///{tmp_path / 'ledger.db'}"


def test_keys_are_shown_once_listed_by_prefix_and_revoked(url: str, tmp_path: Path) -> None:
    code, out, err = invoke("keys", "create", "--project", "churn", "--store", url)
    assert code == 0 and "not shown again" in err
    secret = out.strip()
    assert secret.startswith("mp_")
    with open_store(url, root=tmp_path) as store:
        assert KeyStore(store).authenticate(secret) == "churn"
    code, out, _ = invoke("keys", "list", "--store", url, "--json")
    listed = json.loads(out)
    assert code == 0 and [k["project"] for k in listed] == ["churn"]
    assert secret not in out and listed[0]["prefix"] in secret
    code, out, _ = invoke("keys", "revoke", listed[0]["prefix"], "--store", url)
    assert code == 0 and "revoked" in out
    with open_store(url, root=tmp_path) as store:
        assert KeyStore(store).authenticate(secret) is None
    code, _, err = invoke("keys", "revoke", "nosuch", "--store", url)
    assert code == 2 and err.startswith("error: no API key with prefix 'nosuch'")


def test_add_model_needs_a_pact_and_writes_nothing_without(url: str, tmp_path: Path) -> None:
    code, _, err = invoke("capture", "add-model", "-p", "churn", "-m", "gbm", "--store", url)
    assert code == 2 and "has no pact yet" in err
    with open_store(url, root=tmp_path) as store:
        assert store.list_projects() == []
    code, out, _ = invoke("capture", "add-model", "-p", "churn", "-m", "gbm", "--pact",
                          "pact.yaml", "--reference-from", "2026-03-01", "--reference-to",
                          "2026-03-08", "--store", url)
    assert code == 0 and "capturing churn/gbm; reference 2026-03-01 00:00 to 2026-03-08" in out
    code, _, err = invoke("capture", "add-model", "-p", "churn", "-m", "x", "--reference-from",
                          "2026-03-08", "--reference-to", "2026-03-01", "--store", url)
    assert code == 2 and "must end after it starts" in err


def test_export_a_window_with_pact_names_and_prune(url: str, tmp_path: Path) -> None:
    invoke("capture", "add-model", "-p", "churn", "-m", "gbm", "--pact", "pact.yaml",
           "--store", url)
    with open_store(url, root=tmp_path) as store:
        capture = CaptureStore(store)
        model = capture.get_model("churn", "gbm")
        capture.add_predictions(model, validate_predictions(pd.DataFrame(rows(30)), churn_pact()))
        capture.add_feedback(model, ["r10"], ["1"])
    code, _, err = invoke("capture", "export", "-p", "churn", "-m", "gbm", "--from",
                          "2026-03-01T00:10:00Z", "--to", "2026-03-01T00:20:00Z", "-o",
                          "window.parquet", "--store", url)
    assert code == 0 and "10 rows" in err
    frame = pd.read_parquet(tmp_path / "window.parquet")
    assert list(frame.columns) == ["request_id", "ts", "age", "plan", "p_churn", "predicted",
                                   "churned"]
    assert frame["request_id"].tolist() == [f"r{i}" for i in range(10, 20)]
    assert frame["churned"].iloc[0] == 1 and frame["churned"].isna().sum() == 9
    code, _, err = invoke("capture", "export", "-p", "churn", "-m", "gbm", "--from", "soon",
                          "-o", "x.parquet", "--store", url)
    assert code == 2 and "not an ISO 8601" in err and not (tmp_path / "x.parquet").exists()
    code, out, _ = invoke("capture", "list", "--store", url)
    assert code == 0 and "30" in out
    code, out, _ = invoke("capture", "prune", "--keep", "30d", "--store", url)
    # the rows were predicted in March; their label arrived today and is kept
    assert code == 0 and "deleted 30 predictions and 0 labels" in out
    code, _, err = invoke("capture", "prune", "--keep", "soon", "--store", url)
    assert code == 2 and "not a duration" in err
