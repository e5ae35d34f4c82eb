"""A real MLflow tracking store per test: SQLite under ``tmp_path``; no server, no network.

Creating MLflow's schema takes seconds, so it is made once per session and each test gets a
copy of the empty database.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Before MLflow is imported anywhere in the session: no usage reporting from tests.
os.environ["MLFLOW_ENABLE_TELEMETRY"] = "false"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"

import mlflow
from mlflow.tracking import MlflowClient
from sqlalchemy.exc import SADeprecationWarning

with warnings.catch_warnings():
    # MLflow's pyfunc module infers a schema from its own type hints at import time and warns
    # about an ``Any`` there; imported once here, where the warning is expected.
    warnings.filterwarnings(
        "ignore", message=r".*Any type hint is inferred as AnyType", category=UserWarning
    )
    import mlflow.pyfunc
    import mlflow.sklearn


@dataclass(frozen=True)
class Tracking:
    """The test's tracking store: its URI, a client, the experiment runs go to, its folder."""

    uri: str
    client: Any
    experiment_id: str
    root: Path


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The ``noload``", category=SADeprecationWarning)
        MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()
    return db


@pytest.fixture
def tracking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_store: Path
) -> Iterator[Tracking]:
    db = tmp_path / "mlflow.db"
    shutil.copy(empty_store, db)
    uri = f"sqlite:///{db}"
    for name in ("MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_REGISTRY_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    client = MlflowClient()
    experiment = client.create_experiment(
        "modelpact-tests", artifact_location=(tmp_path / "artifacts").as_uri()
    )
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment)
    yield Tracking(uri=uri, client=client, experiment_id=experiment, root=tmp_path)
    while mlflow.active_run() is not None:
        mlflow.end_run()
