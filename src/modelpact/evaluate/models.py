"""Loading a model file the user names, and predicting with it on an evaluation table.

Model files are code: unpickling one runs it. modelpact only loads a file the user has named
explicitly on their own machine (``--model``), never anything received over the network.
``.skops`` files are loaded with skops' safe loader and only the types the user trusts.
MLflow models (``models:/<name>/<version or @alias>``, ``runs:/<run_id>/<path>``) load
through MLflow, and are code in the same way: naming one is trusting it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import ModelLoadError
from modelpact.evaluate.inputs import Predictions, Target
from modelpact.pact import Pact

__all__ = ["feature_columns", "load_model", "predict_with_model"]

# MLflow model URIs go to the bridge, which imports MLflow only then.
_MLFLOW_MODEL = ("models:/", "runs:/")


def load_model(path: str | Path, *, trusted: list[str] | None = None) -> Any:
    """Load a scikit-learn compatible model saved with joblib (``.joblib``/``.pkl``) or skops.

    An MLflow model URI (``models:/churn/3``, ``models:/churn@champion``,
    ``runs:/<run_id>/model``) is loaded through MLflow (needs the ``mlflow`` extra).

    Parameters
    ----------
    path
        The model file the user named.
    trusted
        For ``.skops`` files, extra type names to trust beyond skops' defaults.
    """
    if str(path).startswith(_MLFLOW_MODEL):
        from modelpact.mlflow.uris import load_registered_model

        return load_registered_model(str(path))
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"{p}: no such model file")
    try:
        if p.suffix == ".skops":
            import skops.io as sio

            untrusted = sio.get_untrusted_types(file=p)
            unknown = [t for t in untrusted if t not in (trusted or [])]
            if unknown:
                raise ModelLoadError(
                    f"{p}: holds types skops does not trust by default ({', '.join(unknown)}); "
                    "if you trust this file, pass them with --trust"
                )
            return sio.load(p, trusted=untrusted)
        import joblib

        return joblib.load(p)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"{p}: cannot be loaded as a model: {exc}") from None


def feature_columns(model: Any, pact: Pact, frame: pd.DataFrame) -> list[str]:
    """The columns to feed the model: what it was fitted on, else the pact's, else the rest."""
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    if pact.columns.features:
        return list(pact.columns.features)
    roles = set(pact.columns.roles())
    return [str(c) for c in frame.columns if c not in roles]


def predict_with_model(
    model: Any, pact: Pact, frame: pd.DataFrame, target: Target, *, name: str, source: str
) -> Predictions:
    """Predict on *frame* with *model* as the pact's task requires."""
    columns = feature_columns(model, pact, frame)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelLoadError(
            f"{source}: the model '{name}' needs column '{missing[0]}', which the data lacks"
        )
    X = frame[columns]
    try:
        if pact.task == "regression":
            return Predictions(name, np.asarray(model.predict(X), dtype=float), None)
        if not hasattr(model, "predict_proba"):
            label = np.asarray(model.predict(X))
            return Predictions(name, _codes(label, pact, target, name), None)
        proba = np.asarray(model.predict_proba(X), dtype=float)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"model '{name}' failed to predict on {source}: {exc}") from None
    model_classes = [str(c) for c in getattr(model, "classes_", range(proba.shape[1]))]
    if pact.task == "binary":
        positive = str(pact.positive_class)
        if positive not in model_classes:
            if model_classes == ["0", "1"] or model_classes == ["False", "True"]:
                positive_index = 1  # the model was fitted on the encoded target
            else:
                raise ModelLoadError(
                    f"model '{name}' knows classes {model_classes}, not the pact's positive "
                    f"class {positive!r}"
                )
        else:
            positive_index = model_classes.index(positive)
        score = proba[:, positive_index]
        return Predictions(name, (score >= pact.threshold).astype(np.int64), score)
    order = []
    for c in target.classes:
        if c not in model_classes:
            raise ModelLoadError(f"model '{name}' has no probability for class {c!r}")
        order.append(model_classes.index(c))
    proba_m = proba[:, order]
    return Predictions(name, proba_m.argmax(axis=1).astype(np.int64), proba_m)


def _codes(label: Any, pact: Pact, target: Target, name: str) -> Any:
    text = pd.Series(label).astype(str)
    if pact.task == "binary":
        return (text == str(pact.positive_class)).to_numpy(dtype=np.int64)
    index = {c: i for i, c in enumerate(target.classes)}
    unknown = ~text.isin(index)
    if unknown.any():
        raise ModelLoadError(f"model '{name}' predicts {text[unknown].iloc[0]!r}, not a pact class")
    return text.map(index).to_numpy(dtype=np.int64)
