"""The artifacts belong to the store: a version registered from one directory loads from any
other, and teammates sharing the store can read its files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import open_configured_store, open_store
from modelpact.ledger.config import default_artifacts, resolve_artifacts


def test_a_version_registered_from_one_directory_diffs_from_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    monkeypatch.delenv("MODELPACT_ARTIFACTS", raising=False)
    url = f"sqlite:///{tmp_path / 'shared' / 'ledger.db'}"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200)})
    frame["y"] = (frame["x"] > 0).astype(int)
    model = LogisticRegression().fit(frame[["x"]], frame["y"])
    (tmp_path / "alice").mkdir()
    (tmp_path / "bob").mkdir()
    monkeypatch.chdir(tmp_path / "alice")
    mask = os.umask(0o022)
    try:
        with open_configured_store(url, create=True) as store:
            version = store.register_model(project="churn", model=model)
            assert version.artifact_path is not None
            artifact = store.artifacts.path(version.artifact_path)
    finally:
        os.umask(mask)
    assert artifact.is_relative_to(tmp_path / "shared" / "artifacts")
    assert not (tmp_path / "alice" / ".modelpact").exists()
    assert stat.S_IMODE(artifact.stat().st_mode) & 0o044 == 0o044  # group and others read
    monkeypatch.chdir(tmp_path / "bob")
    frame.to_csv("eval.csv", index=False)
    result = CliRunner().invoke(
        app,
        ["diff", "model:churn:1", "model:churn:1", "--data", "eval.csv", "--target", "y",
         "--store", url],
    )
    assert result.exit_code == 0, result.output


def test_defaults_and_configuration(tmp_path: Path) -> None:
    root = tmp_path / ".modelpact"
    assert default_artifacts(None, root) == root / "artifacts"
    assert default_artifacts(f"sqlite:///{tmp_path}/x/l.db", root) == tmp_path / "x" / "artifacts"
    assert default_artifacts("postgresql+psycopg://h/db", root) == root / "artifacts"
    assert resolve_artifacts(tmp_path, environ={}) is None
    assert resolve_artifacts(tmp_path, environ={"MODELPACT_ARTIFACTS": "/srv/a"}) == Path("/srv/a")
    (tmp_path / "modelpact.toml").write_text('[store]\nartifacts = "team-artifacts"\n')
    (tmp_path / "sub").mkdir()
    assert resolve_artifacts(tmp_path / "sub", environ={}) == tmp_path / "team-artifacts"
    with open_store(root=root, artifacts=resolve_artifacts(tmp_path, environ={})) as store:
        assert store.artifacts.root == tmp_path / "team-artifacts"
