"""Loading a model file the user names, and predicting with it on an evaluation table.

Model files are code: unpickling one runs it. modelpact only loads a file the user has named
explicitly on their own machine (``--model``), never anything received over the network.
``.skops`` files are loaded with skops' safe loader and only the types the user trusts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import ModelLoadError
from modelpact.evaluate.inputs import Predictions, Target
from modelpact.pact import Pact

__all__ = ["feature_columns", "load_model", "model_columns", "predict", "predict_with_model"]


def load_model(path: str | Path, *, trusted: list[str] | None = None) -> Any:
    """Load a scikit-learn compatible model saved with joblib (``.joblib``/``.pkl``) or skops.

    Parameters
    ----------
    path
        The model file the user named.
    trusted
        For ``.skops`` files, extra type names to trust beyond skops' defaults.
    """
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


def model_columns(
    model: Any,
    frame: pd.DataFrame,
    *,
    declared: Sequence[str] | None = None,
    roles: Iterable[str] = (),
) -> list[str]:
    """The columns to feed *model*: what it was fitted on, else *declared*, else the rest.

    "The rest" is every column of *frame* that plays none of the *roles* (target, id,
    score...).
    """
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    if declared:
        return list(declared)
    taken = set(roles)
    return [str(c) for c in frame.columns if c not in taken]


def feature_columns(model: Any, pact: Pact, frame: pd.DataFrame) -> list[str]:
    """The columns to feed the model: what it was fitted on, else the pact's, else the rest."""
    return model_columns(model, frame, declared=pact.columns.features, roles=pact.columns.roles())


def predict_with_model(
    model: Any, pact: Pact, frame: pd.DataFrame, target: Target, *, name: str, source: str
) -> Predictions:
    """Predict on *frame* with *model* as the pact's task and threshold require."""
    return predict(
        model,
        frame,
        model_columns(model, frame, declared=pact.columns.features, roles=pact.columns.roles()),
        task=pact.task,
        classes=target.classes,
        threshold=pact.threshold,
        name=name,
        source=source,
    )


def predict(
    model: Any,
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    task: str,
    classes: Sequence[Any],
    threshold: float,
    name: str,
    source: str,
) -> Predictions:
    """Predict with a fitted model: the one way modelpact turns a model into predictions.

    Parameters
    ----------
    model
        A fitted scikit-learn compatible estimator.
    frame, columns
        The rows, and the columns the model reads.
    task
        ``binary``, ``multiclass`` or ``regression``.
    classes
        The class values in code order (binary: ``(negative, positive)``); matched to the
        model's ``classes_`` by value or by their text. Unused for regression.
    threshold
        Binary only: a row is predicted positive when P(positive) >= *threshold*.
    name, source
        The model's display name and where the rows come from, for messages.

    Returns
    -------
    Predictions
        Binary: codes 0/1 and P(positive); multiclass: codes in *classes* order and the
        ``(n, K)`` probabilities in that order; regression: the values. A classifier without
        ``predict_proba`` gives codes only.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ModelLoadError(
            f"{source}: the model '{name}' needs column '{missing[0]}', which the data lacks"
        )
    X = frame[list(columns)]
    try:
        if task == "regression":
            return Predictions(name, np.asarray(model.predict(X), dtype=float), None)
        if not hasattr(model, "predict_proba"):
            label = np.asarray(model.predict(X))
            return Predictions(name, _codes(label, task, classes, name), None)
        proba = np.asarray(model.predict_proba(X), dtype=float)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"model '{name}' failed to predict on {source}: {exc}") from None
    model_classes = [str(c) for c in getattr(model, "classes_", range(proba.shape[1]))]
    if task == "binary":
        positive = str(classes[1])
        if positive not in model_classes:
            if model_classes == ["0", "1"] or model_classes == ["False", "True"]:
                positive_index = 1  # the model was fitted on the encoded target
            else:
                raise ModelLoadError(
                    f"model '{name}' knows classes {model_classes}, not the positive "
                    f"class {classes[1]!r}"
                )
        else:
            positive_index = model_classes.index(positive)
        score = proba[:, positive_index]
        return Predictions(name, (score >= threshold).astype(np.int64), score)
    order = []
    for c in classes:
        if str(c) not in model_classes:
            raise ModelLoadError(f"model '{name}' has no probability for class {c!r}")
        order.append(model_classes.index(str(c)))
    proba_m = proba[:, order]
    return Predictions(name, proba_m.argmax(axis=1).astype(np.int64), proba_m)


def _codes(label: Any, task: str, classes: Sequence[Any], name: str) -> Any:
    text = pd.Series(label).astype(str)
    if task == "binary":
        return (text == str(classes[1])).to_numpy(dtype=np.int64)
    index = {str(c): i for i, c in enumerate(classes)}
    unknown = ~text.isin(index)
    if unknown.any():
        raise ModelLoadError(
            f"model '{name}' predicts {text[unknown].iloc[0]!r}, not a known class"
        )
    return text.map(index).to_numpy(dtype=np.int64)
