"""Baselines a candidate must beat: constant predictors learned from the training target, a
column of baseline predictions, or a second model file."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modelpact.errors import ConfigurationError
from modelpact.evaluate.inputs import Predictions, Target, encode_target, predictions_from_columns
from modelpact.evaluate.models import load_model, predict_with_model
from modelpact.pact import Baseline, Pact

__all__ = ["baseline_predictions"]


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
