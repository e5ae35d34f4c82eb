"""Baselines a candidate must beat: constant predictors learned from the training target, a
column of baseline predictions, a second model file, or persistence ("same as last time")."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.data import require_columns
from modelpact.errors import ConfigurationError
from modelpact.evaluate.inputs import Predictions, Target, encode_target, predictions_from_columns
from modelpact.evaluate.models import load_model, predict_with_model
from modelpact.pact import Baseline, Pact

__all__ = ["baseline_predictions", "persistence_predictions", "previous_values"]


def baseline_predictions(
    pact: Pact,
    frame: pd.DataFrame,
    target: Target,
    *,
    source: str,
    baseline: Baseline | None = None,
    train: pd.DataFrame | None = None,
    train_source: str = "<train>",
    model: Any = None,
) -> tuple[Predictions, str, list[str]]:
    """Build the baseline's predictions on the evaluation rows.

    Returns the predictions, a description for reports, and warnings (e.g. when a constant
    baseline had to be learned from the evaluation rows because no training data was given).
    """
    spec = baseline or pact.baseline
    n = len(frame)
    warnings: list[str] = []
    if spec.kind == "column":
        assert spec.column is not None  # guaranteed by the Baseline validator
        preds = predictions_from_columns(
            pact,
            frame,
            target,
            source=source,
            score=spec.column if pact.task != "multiclass" else None,
            prediction=spec.column if pact.task == "multiclass" else None,
            name="baseline",
        )
        return preds, f"column '{spec.column}'", warnings
    if spec.kind == "persistence":
        preds, what = persistence_predictions(
            pact, frame, target, source=source, key=spec.key, train=train, train_source=train_source
        )
        return preds, what, warnings
    if spec.kind == "model":
        fitted = model if model is not None else load_model(str(spec.path))
        preds = predict_with_model(fitted, pact, frame, target, name="baseline", source=source)
        return preds, f"model {spec.path}", warnings
    if train is not None:
        y_fit = encode_target(pact, train, source=train_source).y
        learned_on = f"the training data ({len(train):,} rows)"
    else:
        y_fit = target.y
        learned_on = "the evaluation rows (no training data given)"
        warnings.append(
            f"the {spec.kind} baseline was learned from the evaluation rows because no training "
            "data was given (--train); it is slightly optimistic for the baseline"
        )
    if pact.task == "regression":
        if spec.kind not in ("mean", "median"):
            raise ConfigurationError(f"baseline '{spec.kind}' is not defined for regression")
        value = float(np.mean(y_fit) if spec.kind == "mean" else np.median(y_fit))
        return (
            Predictions("baseline", np.full(n, value), None),
            f"{spec.kind} of the target on {learned_on} = {value:.4g}",
            warnings,
        )
    k = 2 if pact.task == "binary" else len(target.classes)
    freq = np.bincount(y_fit, minlength=k).astype(float)
    freq /= freq.sum()
    majority = int(np.argmax(freq))
    label = np.full(n, majority, dtype=np.int64)
    if pact.task == "binary":
        score = np.full(n, freq[1] if spec.kind == "prior" else float(majority))
        what = (
            f"prior: P({pact.positive_class}) = {freq[1]:.4g} on {learned_on}"
            if spec.kind == "prior"
            else f"majority class '{target.classes[majority]}' on {learned_on}"
        )
        return Predictions("baseline", label, score), what, warnings
    proba = np.tile(freq, (n, 1)) if spec.kind == "prior" else np.eye(k)[label]
    what = f"{spec.kind} class frequencies on {learned_on}"
    return Predictions("baseline", label, proba), what, warnings


def previous_values(
    values: NDArray[Any],
    *,
    order: NDArray[Any],
    groups: NDArray[Any] | None = None,
    fallback: float,
) -> NDArray[np.float64]:
    """Each row's previous value in *order* (within its group), *fallback* where there is none.

    Examples
    --------
    >>> import numpy as np
    >>> previous_values(np.array([5, 6, 7]), order=np.array([2, 0, 1]), fallback=0).tolist()
    [7.0, 5.0, 0.0]
    """
    ordered = pd.Series(values[order])
    if groups is not None:
        previous = ordered.groupby(groups[order], sort=False).shift(1)
    else:
        previous = ordered.shift(1)
    out = np.empty(len(values), dtype=float)
    out[order] = previous.fillna(fallback).to_numpy(dtype=float)
    return out


def _time_order(pact: Pact, frame: pd.DataFrame) -> NDArray[np.intp]:
    time = pact.columns.time
    if time is None or time not in frame.columns:
        return np.arange(len(frame))
    return np.argsort(frame[time].to_numpy(), kind="stable")


def persistence_predictions(
    pact: Pact,
    frame: pd.DataFrame,
    target: Target,
    *,
    source: str,
    key: str | None = None,
    train: pd.DataFrame | None = None,
    train_source: str = "<train>",
) -> tuple[Predictions, str]:
    """Predict each row's previous label in time order ("same as last time").

    Rows are ordered by the pact's time column when the data has it, else taken in file order.
    With *key*, the previous label is the previous one of the same entity. A row with no
    previous label takes the last label of its entity in *train* when given, else the most
    frequent label (binary, multiclass) or the median (regression) of the labels it can see.
    Binary scores are the previous label itself (0 or 1): a hard forecast.

    Examples
    --------
    >>> import pandas as pd
    >>> from modelpact.pact import parse_pact
    >>> from modelpact.evaluate.inputs import encode_target
    >>> pact = parse_pact("name: p\\ntask: binary\\npositive_class: 1\\n"
    ...                   "columns: {target: y, score: s}\\ncriteria: [{metric: accuracy, at_least: 0.5}]")
    >>> frame = pd.DataFrame({"y": [1, 1, 0, 0, 1]})
    >>> preds, _ = persistence_predictions(pact, frame, encode_target(pact, frame, source="f"),
    ...                                    source="f")
    >>> preds.label.tolist()
    [1, 1, 1, 0, 0]
    """
    if key is not None:
        require_columns(frame, [key], source=source, role="persistence key")
    y = target.y
    order = _time_order(pact, frame)
    history: pd.Series | None = None
    if train is not None and len(train):
        train_y = encode_target(pact, train, source=train_source).y
        train_order = _time_order(pact, train)
        if key is not None:
            require_columns(train, [key], source=train_source, role="persistence key")
            keys = train[key].to_numpy()[train_order]
            history = pd.Series(train_y[train_order], index=keys)
            history = history[~history.index.duplicated(keep="last")]
        else:
            history = pd.Series([train_y[train_order][-1]], index=[None])
    fallback_pool = np.concatenate(
        [encode_target(pact, train, source=train_source).y, y] if train is not None else [y]
    )
    if pact.task == "regression":
        fallback: float | int = float(np.median(fallback_pool))
    else:
        fallback = int(np.bincount(fallback_pool.astype(np.int64)).argmax())
    ordered_y = pd.Series(y[order])
    if key is not None:
        groups = pd.Series(frame[key].to_numpy()[order])
        previous = ordered_y.groupby(groups.to_numpy(), sort=False).shift(1)
        if history is not None:
            missing = previous.isna()
            previous[missing] = groups[missing].map(history)
    else:
        previous = ordered_y.shift(1)
        if history is not None and len(previous):
            previous.iloc[0] = history.iloc[0]
    previous = previous.fillna(fallback)
    values = np.empty(len(frame), dtype=float)
    values[order] = previous.to_numpy(dtype=float)
    where = f" per '{key}'" if key else ""
    what = f"persistence: the previous label in time order{where}"
    if pact.task == "regression":
        return Predictions("baseline", values, None), what
    label = values.astype(np.int64)
    if pact.task == "binary":
        return Predictions("baseline", label, label.astype(float)), what
    k = len(target.classes)
    return Predictions("baseline", label, np.eye(k)[label]), what
