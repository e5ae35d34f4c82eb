"""The public API of the MLflow bridge, and that importing it leaves MLflow unimported."""

from __future__ import annotations

import subprocess
import sys

import modelpact.mlflow

MLFLOW = {"Promotion", "is_artifact_uri", "is_model_uri", "log", "promote"}


def test_mlflow_bridge_exports() -> None:
    assert set(modelpact.mlflow.__all__) == MLFLOW
    for name in MLFLOW:
        assert callable(getattr(modelpact.mlflow, name))


def test_importing_the_bridge_and_its_plugin_does_not_import_mlflow() -> None:
    code = (
        "import sys, modelpact.mlflow, modelpact.mlflow.evaluator, modelpact.cli.app; "
        "print('mlflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
