"""An artifact root can be any fsspec URL: writes all or nothing, reads checked, gc works."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.errors import StoreError
from modelpact.ledger import open_store
from modelpact.ledger.artifacts import artifact_store
from modelpact.ledger.remote_artifacts import FsspecArtifactStore


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MODELPACT_STORE", "MODELPACT_ARTIFACTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def memory_root() -> Iterator[str]:
    """A fresh ``memory://`` root (fsspec's in-process object store), removed afterwards."""
    root = f"memory://mp-{uuid.uuid4().hex[:12]}"
    yield root
    fs = fsspec.filesystem("memory")
    if fs.exists(root):
        fs.rm(root, recursive=True)


def _data() -> tuple[pd.DataFrame, LogisticRegression]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200)})
    frame["y"] = (frame["x"] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    return frame, LogisticRegression().fit(frame[["x"]], frame["y"])


def _keys(root: str) -> set[str]:
    fs, base = fsspec.core.url_to_fs(root)
    base = base.rstrip("/")
    return {k[len(base) + 1 :] for k in fs.find(base)} if fs.exists(base) else set()


def test_a_memory_root_round_trips_models_and_tables(
    store_url: str, tmp_path: Path, memory_root: str
) -> None:
    frame, model = _data()
    with open_store(store_url, root=tmp_path / "alice", artifacts=memory_root) as store:
        assert isinstance(store.artifacts, FsspecArtifactStore)
        run = store.create_run("churn")
        version = store.register_model(project="churn", run_id=run.id, model=model)
        snapshot = store.log_dataset(frame, name="train")
        store.log_predictions(run.id, frame.assign(p=model.predict_proba(frame[["x"]])[:, 1]))
    assert version.artifact_path is not None and version.artifact_path.endswith(".skops")
    keys = _keys(memory_root)
    assert version.artifact_path in keys
    assert not [k for k in keys if k.endswith(".tmp")]  # temporaries were moved, not left
    assert not (tmp_path / "alice" / "artifacts").exists()  # nothing went to a local folder
    # another directory, the same store: the version loads, its rows and predictions read
    with open_store(store_url, root=tmp_path / "bob", artifacts=memory_root) as store:
        loaded = store.load_model("churn:1")
        np.testing.assert_array_equal(loaded.coef_, model.coef_)
        pd.testing.assert_frame_equal(store.load_dataset_frame(snapshot.id), frame)
        assert list(store.run_predictions(run.id).columns) == ["x", "y", "p"]


def test_a_changed_remote_model_is_refused(tmp_path: Path, memory_root: str) -> None:
    _, model = _data()
    with open_store(root=tmp_path / ".modelpact", artifacts=memory_root) as store:
        version = store.register_model(project="churn", model=model)
        assert version.artifact_path is not None
        fs, base = fsspec.core.url_to_fs(memory_root)
        fs.pipe_file(f"{base}/{version.artifact_path}", b"not the registered bytes")
        with pytest.raises(StoreError, match="sha256") as caught:
            store.load_model("churn:1")
    assert memory_root in str(caught.value)


def test_a_failed_upload_leaves_neither_file_nor_row(
    tmp_path: Path, memory_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, model = _data()
    with open_store(root=tmp_path / ".modelpact", artifacts=memory_root) as store:
        assert isinstance(store.artifacts, FsspecArtifactStore)

        def refuse(*args: object, **kwargs: object) -> None:
            raise PermissionError("access denied")

        monkeypatch.setattr(store.artifacts.fs, "mv", refuse)
        with pytest.raises(StoreError, match="access denied"):
            store.register_model(project="churn", model=model)
        assert store.list_model_versions("churn") == []
    assert _keys(memory_root) == set()  # the temporary key went too


def test_a_file_url_root_shared_from_two_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, model = _data()
    shared = tmp_path / "bucket"
    url = f"sqlite:///{tmp_path / 'db' / 'ledger.db'}"
    (tmp_path / "alice").mkdir()
    (tmp_path / "bob").mkdir()
    (tmp_path / "alice" / "modelpact.toml").write_text(
        f'[store]\nurl = "{url}"\nartifacts = "file://{shared}"\n', encoding="utf-8"
    )
    (tmp_path / "alice" / ".git").mkdir()  # config discovery stops here
    monkeypatch.chdir(tmp_path / "alice")
    with open_store(url, artifacts=f"file://{shared}") as store:
        version = store.register_model(project="churn", model=model)
    assert version.artifact_path is not None
    assert (shared / version.artifact_path).is_file()
    assert not (tmp_path / "db" / "artifacts").exists()
    shown = CliRunner().invoke(app, ["models", "show", "churn:1", "--json"])
    assert shown.exit_code == 0, shown.output
    assert f"file://{shared}/{version.artifact_path}" in shown.stdout

    monkeypatch.chdir(tmp_path / "bob")
    monkeypatch.setenv("MODELPACT_STORE", url)
    monkeypatch.setenv("MODELPACT_ARTIFACTS", f"file://{shared}")
    frame.to_csv("eval.csv", index=False)
    result = CliRunner().invoke(
        app, ["diff", "model:churn:1", "model:churn:1", "--data", "eval.csv", "--target", "y"]
    )
    assert result.exit_code == 0, result.output


def test_gc_over_an_fsspec_root(tmp_path: Path, memory_root: str) -> None:
    _, model = _data()
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with open_store(url, artifacts=memory_root) as store:
        version = store.register_model(project="churn", model=model)
    fs, base = fsspec.core.url_to_fs(memory_root)
    fs.pipe_file(f"{base}/models/churn/dead/model.sha256-{'0' * 64}.joblib", b"x" * 10)
    fs.pipe_file(f"{base}/runs/r1/.predictions.parquet.4242.deadbeef.tmp", b"y" * 5)
    env = {"MODELPACT_ARTIFACTS": memory_root}
    young = CliRunner().invoke(app, ["store", "gc", "--store", url], env=env)
    assert young.exit_code == 0, young.output
    assert "removed 0 file(s)" in young.stdout  # younger than the default hour
    dry = CliRunner().invoke(
        app, ["store", "gc", "--store", url, "--min-age", "0s", "--dry-run"], env=env
    )
    assert dry.exit_code == 0, dry.output
    assert "would remove 2 file(s), 15 bytes" in dry.stdout
    assert len(_keys(memory_root)) == 3
    done = CliRunner().invoke(app, ["store", "gc", "--store", url, "--min-age", "0s"], env=env)
    assert done.exit_code == 0, done.output
    assert f"{memory_root}/models/churn/dead/" in done.stdout
    assert "removed 2 file(s), 15 bytes" in done.stdout
    assert _keys(memory_root) == {version.artifact_path}
    with open_store(url, artifacts=memory_root) as store:
        assert store.load_model("churn:1").__class__ is LogisticRegression


def test_without_fsspec_a_url_root_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if it were not installed
    with pytest.raises(StoreError, match=r"pip install 'modelpact\[artifacts\]'"):
        artifact_store("s3://team-models/ledger")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(
        app, ["store", "gc", "--store", url], env={"MODELPACT_ARTIFACTS": "memory://x"}
    )
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "modelpact[artifacts]" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_protocol_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="nosuchfs://x"):
        open_store(root=tmp_path / ".modelpact", artifacts="nosuchfs://x/y")


def test_local_roots_keep_the_directory_store(tmp_path: Path) -> None:
    store = artifact_store(tmp_path / "artifacts")
    assert type(store).__name__ == "ArtifactStore"
    assert store.location("models/a") == str((tmp_path / "artifacts" / "models" / "a").resolve())
