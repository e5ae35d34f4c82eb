"""Reading what lives in MLflow: run artifacts as tables, registered models as models.

``runs:/<run_id>/<artifact path>`` names a prediction table (Parquet or CSV) logged to a run;
it is downloaded through MLflow's artifact API into a temporary directory, read, and removed.
``models:/<name>/<version>`` and ``models:/<name>@<alias>`` name a registered model; it is
loaded through MLflow's scikit-learn flavour when it has one, else through pyfunc.

Loading a model runs code: MLflow models saved as pickle or cloudpickle execute whatever they
hold when loaded. modelpact loads one only because the user named it (``--model models:/...``),
exactly as it treats a model file; name only models you trust.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from modelpact.errors import ConfigurationError, InvalidDataError, ModelLoadError

__all__ = [
    "ARTIFACT_PREFIX",
    "MODEL_PREFIX",
    "PyfuncAdapter",
    "is_artifact_uri",
    "is_model_uri",
    "load_registered_model",
    "read_run_table",
    "require_mlflow",
]

ARTIFACT_PREFIX = "runs:/"
MODEL_PREFIX = "models:/"


def is_artifact_uri(value: Any) -> bool:
    """Whether *value* names an MLflow run artifact (``runs:/<run_id>/<path>``).

    Examples
    --------
    >>> is_artifact_uri("runs:/4f2c/predictions.parquet"), is_artifact_uri("preds.csv")
    (True, False)
    """
    return isinstance(value, str | Path) and str(value).startswith(ARTIFACT_PREFIX)


def is_model_uri(value: Any) -> bool:
    """Whether *value* names a registered MLflow model (``models:/<name>/<version or @alias>``).

    Examples
    --------
    >>> is_model_uri("models:/churn@champion"), is_model_uri("model.joblib")
    (True, False)
    """
    return isinstance(value, str | Path) and str(value).startswith(MODEL_PREFIX)


def require_mlflow(what: str) -> Any:
    """Import MLflow, or say which extra to install for *what*."""
    try:
        import mlflow
    except ImportError:
        raise ConfigurationError(
            f"{what} needs MLflow, which is not installed; pip install 'modelpact[mlflow]'"
        ) from None
    return mlflow


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", "") or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_run_table(uri: str, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Download the run artifact *uri* and read it as a CSV or Parquet table.

    Errors name the URI, not the temporary copy.

    Raises
    ------
    InvalidDataError
        When the run or artifact does not exist, or the artifact is not a readable table.
    """
    from modelpact.data.io import read_table

    mlflow = require_mlflow(f"reading {uri}")
    run_id, _, path = uri.removeprefix(ARTIFACT_PREFIX).partition("/")
    if not run_id or not path:
        raise InvalidDataError(f"{uri}: name a run and an artifact, runs:/<run_id>/<path>")
    with tempfile.TemporaryDirectory(prefix="modelpact-mlflow-") as tmp:
        try:
            # look before downloading, so a wrong path is one clear line, not a failed transfer
            parent = path.rpartition("/")[0] or None
            listed = mlflow.tracking.MlflowClient().list_artifacts(run_id, parent)
            if not any(item.path == path for item in listed):
                near = [item.path for item in listed if not item.is_dir]
                hint = f" (there: {', '.join(near[:5])})" if near else ""
                raise InvalidDataError(f"{uri}: run {run_id} has no artifact '{path}'{hint}")
            local = mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=tmp)
        except InvalidDataError:
            raise
        except Exception as exc:  # MlflowException and the store's OSErrors alike
            raise InvalidDataError(
                f"{uri}: cannot be downloaded from MLflow: {_first_line(exc)}"
            ) from None
        try:
            return read_table(local, columns=columns)
        except InvalidDataError as exc:
            raise type(exc)(str(exc).replace(str(local), uri)) from None


def load_registered_model(uri: str) -> Any:
    """Load the MLflow model *uri*: the scikit-learn object when it has that flavour.

    Other flavours come back as MLflow's pyfunc model behind a small adapter that names the
    input columns its signature declares, so modelpact feeds it the right columns.

    Raises
    ------
    ModelLoadError
        When the model does not exist or cannot be loaded.
    """
    mlflow = require_mlflow(f"loading {uri}")
    try:
        info = mlflow.models.get_model_info(uri)
        if "sklearn" in info.flavors:
            return mlflow.sklearn.load_model(uri)
        return PyfuncAdapter(mlflow.pyfunc.load_model(uri))
    except Exception as exc:
        raise ModelLoadError(f"{uri}: cannot be loaded from MLflow: {_first_line(exc)}") from None


class PyfuncAdapter:
    """An MLflow pyfunc model as modelpact predicts with it: ``predict`` on named columns.

    Pyfunc models predict labels (classification) or values (regression); criteria that need
    probability scores need the scikit-learn flavour, or score columns in the data.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        names = _signature_inputs(model)
        if names:
            self.feature_names_in_ = names

    def predict(self, frame: pd.DataFrame) -> Any:
        """The pyfunc model's predictions on *frame*."""
        return self.model.predict(frame)


def _signature_inputs(model: Any) -> list[str]:
    try:
        schema = model.metadata.get_input_schema()
        names = schema.input_names() if schema is not None else []
    except Exception:  # a model logged without a signature names no columns
        return []
    return [str(n) for n in names if isinstance(n, str)]
