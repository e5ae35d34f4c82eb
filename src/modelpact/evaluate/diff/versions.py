"""Each version of the diff as predictions on the rows: from a fitted model or from a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact._json import plain_scalar
from modelpact.data import load_frame
from modelpact.errors import InvalidDataError
from modelpact.evaluate.diff._common import is_numeric
from modelpact.evaluate.inputs import LabelSpace

__all__ = ["Version", "encoded", "predict_model", "resolve_version", "version_from_table"]

_MODEL_SUFFIXES = {".joblib", ".pkl", ".pickle", ".skops"}


@dataclass(frozen=True)
class Version:
    """One version's predictions on the paired rows, in its own class values."""

    name: str
    source: str
    labels: NDArray[Any] | None  # original class values (classification)
    scores: NDArray[np.float64] | None  # P(positive) for binary tasks
    values: NDArray[np.float64] | None  # regression predictions
    features: tuple[str, ...] = ()


def _is_model_path(value: Any) -> bool:
    if isinstance(value, str | Path) and str(value).startswith("models:/"):
        return True  # a registered MLflow model
    return isinstance(value, str | Path) and Path(value).suffix.lower() in _MODEL_SUFFIXES


def predict_model(
    model: Any,
    name: str,
    source: str,
    data: pd.DataFrame,
    data_source: str,
    roles: set[str],
    task: str,
    space: LabelSpace | None,
    positive: Any,
    threshold: float,
) -> Version:
    """Predict through the one prediction path, so the threshold means what it does elsewhere."""
    from modelpact.evaluate.models import model_columns, predict

    columns = model_columns(model, data, roles=roles)
    classes = _model_classes(model, task, space, positive)
    out = predict(
        model,
        data,
        columns,
        task=task,
        classes=classes,
        threshold=threshold,
        name=name,
        source=f"{data_source} ({source})",
    )
    if task == "regression":
        return Version(name, source, None, None, out.label.astype(np.float64), tuple(columns))
    values = np.empty(len(classes), dtype=object)
    values[:] = list(classes)
    scores = out.score if task == "binary" else None
    return Version(name, source, values[out.label], scores, None, tuple(columns))


def _model_classes(
    model: Any, task: str, space: LabelSpace | None, positive: Any
) -> tuple[Any, ...]:
    """The class values, in code order, that the model's outputs are read against."""
    known = [plain_scalar(c) for c in getattr(model, "classes_", [])]
    if task == "multiclass":
        # every class the model knows, so a prediction of a class the rows lack shows up
        return tuple(known) if known else tuple(space.classes if space else ())
    if space is not None:
        return tuple(space.classes)
    if positive is not None:
        chosen = next((c for c in known if c == positive or str(c) == str(positive)), positive)
    else:
        chosen = known[1] if len(known) == 2 else 1
    others = [c for c in known if c != chosen]
    return (others[0] if others else (0 if chosen == 1 else f"not {chosen}"), chosen)


def resolve_version(value: Any, name: str, trusted: Sequence[str] | None) -> tuple[Any, str, str]:
    """``(object, kind, source)`` with kind ``model`` or ``table``."""
    if _is_model_path(value):
        from modelpact.evaluate.models import load_model

        return load_model(value, trusted=list(trusted) if trusted else None), "model", str(value)
    if hasattr(value, "predict") and not isinstance(value, pd.DataFrame):
        return value, "model", f"<{type(value).__name__}>"
    frame, source = load_frame(value, name=f"<{name}>")
    return frame, "table", source


def version_from_table(
    frame: pd.DataFrame,
    name: str,
    source: str,
    task: str,
    score: str | None,
    prediction: str | None,
    threshold: float,
    positive: Any,
) -> Version:
    if task == "regression":
        column = prediction or score
        assert column is not None
        return Version(name, source, None, None, frame[column].to_numpy(dtype=np.float64))
    scores = None
    if score is not None:
        s = frame[score]
        if not is_numeric(s) or s.isna().any():
            raise InvalidDataError(
                f"{source}: score column '{score}' must be numeric without missing values"
            )
        scores = s.to_numpy(dtype=np.float64)
    if prediction is not None:
        labels = frame[prediction].to_numpy()
    else:
        assert scores is not None
        pos = 1 if positive is None else positive
        neg: Any = 0 if pos == 1 else (False if pos is True else f"not {pos}")
        labels = np.where(scores >= threshold, pos, neg)
    return Version(name, source, labels, scores, None)


def encoded(version: Version, space: LabelSpace) -> dict[str, NDArray[Any] | None]:
    labels = None
    if version.labels is not None:
        labels = space.encode(pd.Series(version.labels), what=f"predictions of {version.name}")
    return {"label": labels, "score": version.scores}
