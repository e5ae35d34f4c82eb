"""A writer killed (SIGKILL) at any point of a registration leaves the ledger consistent,
and ``store gc`` removes what it left in the artifact directory.

Each case runs a registration in a child process that kills itself at one point: while its
file is still a temporary, after the file is in place but before the transaction, inside
the transaction before the commit, after the commit, and while writing predictions.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import open_store
from modelpact.ledger.gc import collect_garbage, referenced_artifacts

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import modelpact.ledger.artifacts as artifacts
    from modelpact.ledger import open_store
    from modelpact.ledger.registry import Registry

    point, root = sys.argv[1], Path(sys.argv[2])

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=50)})
    model = LogisticRegression().fit(X, (X["x"] > 0).astype(int))
    store = open_store(root=root)
    run = store.create_run("churn")
    if point == "temporary":
        artifacts.file_sha256 = die  # the file is written under its temporary name
    elif point == "before-transaction":
        Registry._insert_version = die
    elif point == "before-commit":
        original = Registry._insert_version

        def insert(self, *args, **kwargs):
            event.listen(Session, "before_commit", die)
            return original(self, *args, **kwargs)

        Registry._insert_version = insert
    if point == "predictions":
        def partial(self, path, **kwargs):
            Path(path).write_bytes(b"PAR1 half a parquet file")
            die()

        pd.DataFrame.to_parquet = partial
        store.log_predictions(run.id, pd.DataFrame({"id": [1, 2], "p": [0.1, 0.9]}))
    else:
        store.register_model(project="churn", run_id=run.id, model=model, name="lr")
    if point == "after-commit":
        die()
    """
)

POINTS = {
    "temporary": "temporary",
    "before-transaction": "orphan",
    "before-commit": "orphan",
    "after-commit": None,
    "predictions": "temporary",
}


@pytest.mark.parametrize("point", list(POINTS))
def test_a_killed_registration_leaves_a_consistent_ledger_and_gc_cleans_up(
    point: str, tmp_path: Path
) -> None:
    root = tmp_path / ".modelpact"
    child = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(root)], capture_output=True, timeout=300
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    with open_store(root=root) as store:
        versions = store.list_model_versions("churn")
        assert len(versions) == (1 if point == "after-commit" else 0)
        for version in versions:  # every row points at a whole file with its recorded hash
            assert store.load_model(version.ref).__class__.__name__ == "LogisticRegression"
        (run,) = store.list_runs("churn")
        assert not run.has_predictions
        garbage = collect_garbage(store, min_age=timedelta(0))
        assert [g.reason for g in garbage] == ([POINTS[point]] if POINTS[point] else [])
        files = {p.relative_to(store.artifacts.root).as_posix()
                 for p in store.artifacts.root.rglob("*") if p.is_file()}
        assert files == referenced_artifacts(store)
        assert collect_garbage(store, min_age=timedelta(0)) == []


def test_store_gc_reports_and_spares_young_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    with open_store(root=tmp_path / ".modelpact") as store:
        store.register_model(project="churn", model={"kept": True})
        root = store.artifacts.root
    orphan = root / "models" / "churn" / "dead" / "model.sha256-00.joblib"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x" * 10)
    temporary = root / "runs" / "r1" / ".predictions.parquet.4242.deadbeef.tmp"
    temporary.parent.mkdir(parents=True)
    temporary.write_bytes(b"y" * 5)
    young = CliRunner().invoke(app, ["store", "gc"])
    assert young.exit_code == 0
    assert "removed 0 file(s)" in young.stdout  # both are younger than an hour
    dry = CliRunner().invoke(app, ["store", "gc", "--min-age", "0s", "--dry-run"])
    assert dry.exit_code == 0 and orphan.exists() and temporary.exists()
    assert "would remove 2 file(s), 15 bytes" in dry.stdout
    done = CliRunner().invoke(app, ["store", "gc", "--min-age", "0s"])
    assert done.exit_code == 0
    assert "orphan" in done.stdout and "temporary" in done.stdout
    assert "removed 2 file(s), 15 bytes" in done.stdout
    assert not orphan.parent.exists() and not temporary.parent.exists()
    with open_store(root=tmp_path / ".modelpact") as store:
        assert store.load_model("churn:1", trust_pickle=True) == {"kept": True}
