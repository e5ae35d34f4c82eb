"""Performance estimation inside a monitoring run: CBPE or DLE fitted on the reference.

:func:`estimator` fits the pact's estimator once and returns a function of analysis rows, so a
chunk's estimate and the estimate on the labelled rows of that chunk (the rows realized
performance is measured on) come from the same fit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from modelpact.errors import ColumnNotFoundError, InvalidDataError, ModelpactError, plain_repr
from modelpact.pact import Pact

__all__ = ["Estimator", "estimator"]

Rows = slice | np.ndarray[Any, Any]
Estimator = Callable[[Rows], dict[str, Any]]


def score_columns(pact: Pact) -> list[str]:
    score = pact.columns.score
    if isinstance(score, dict):
        return list(score.values())
    return [score] if score else []


def feature_columns(pact: Pact, reference_columns: Sequence[str]) -> list[str]:
    chosen = pact.monitoring.features or pact.columns.features
    if chosen:
        return list(chosen)
    roles = set(pact.columns.roles())
    return [c for c in reference_columns if c not in roles]



def estimator(pact: Pact, ref: pd.DataFrame, ana: pd.DataFrame, seed: int,
              notes: list[str]) -> Estimator | None:
    """The fitted estimator as a function of analysis rows, or ``None`` (with a note)."""
    target = pact.columns.target
    if target not in ref.columns:
        notes.append(f"performance estimation needs the target '{target}' in the reference; "
                     "skipped")
        return None
    wanted = [c.metric for c in pact.criteria if c.kind == "absolute" and not c.slice]
    try:
        if pact.task in ("binary", "multiclass"):
            return _cbpe(pact, ref, ana, seed, notes, wanted)
        return _dle(pact, ref, ana, seed, notes, wanted)
    except ColumnNotFoundError:
        raise
    except ModelpactError as exc:
        notes.append(f"performance estimation skipped: {exc}")
        return None


def _cbpe(pact: Pact, ref: pd.DataFrame, ana: pd.DataFrame, seed: int, notes: list[str],
          wanted: Sequence[str]) -> Estimator | None:
    from modelpact.monitor.cbpe import CBPE, cbpe_metrics

    scores = score_columns(pact)
    missing = [c for c in scores if c not in ref.columns or c not in ana.columns]
    if not scores or missing:
        notes.append("performance estimation needs the score column(s) in reference "
                     "and analysis; skipped")
        return None
    supported = cbpe_metrics(pact.task)
    metrics = [m for m in dict.fromkeys(wanted) if m in supported]
    headline = "roc_auc" if pact.task == "binary" else "roc_auc_ovr"
    for extra in (headline, "accuracy"):
        if extra in supported and extra not in metrics:
            metrics.append(extra)
    y, classes = labels_as_codes(pact, ref[pact.columns.target], "reference")
    s_ref = _scores(pact, ref)
    # the decisions the model made, when the pact names them: realized performance
    # judges those, so the estimate must too
    pred_ref = _decision_codes(pact, ref, "reference")
    pred_ana = _decision_codes(pact, ana, "analysis")
    if pact.columns.prediction and pred_ana is None:
        notes.append(f"the prediction column '{pact.columns.prediction}' is not in the "
                     "analysis data; performance is estimated for decisions at the "
                     f"pact's threshold {pact.threshold:g}")
    task: Literal["binary", "multiclass"] = "binary" if pact.task == "binary" else "multiclass"
    cbpe = CBPE(task=task, metrics=metrics, threshold=pact.threshold,
                classes=classes, confidence=pact.confidence, seed=seed).fit(
        y, s_ref, pred_ref)
    s_ana = _scores(pact, ana)
    if pred_ana is not None:
        notes.append(f"performance is estimated for the decisions in column "
                     f"'{pact.columns.prediction}'")

    def estimate(rows: Rows) -> dict[str, Any]:
        return dict(cbpe.estimate(s_ana[rows], None if pred_ana is None else pred_ana[rows]))

    return estimate


def _dle(pact: Pact, ref: pd.DataFrame, ana: pd.DataFrame, seed: int, notes: list[str],
         wanted: Sequence[str]) -> Estimator | None:
    from modelpact.monitor.dle import DLE

    pred_col = pact.columns.prediction or (pact.columns.score
                                           if isinstance(pact.columns.score, str) else None)
    if pred_col is None or pred_col not in ref.columns or pred_col not in ana.columns:
        notes.append("performance estimation needs the prediction column; skipped")
        return None
    metrics = [m for m in dict.fromkeys(wanted) if m in ("mae", "mse", "rmse")] or ["mae",
                                                                                      "rmse"]
    feats = [c for c in feature_columns(pact, list(ref.columns)) if c in ana.columns]
    target = pact.columns.target
    dle = DLE(metrics=metrics, confidence=pact.confidence, seed=seed).fit(
        ref[feats], ref[target].to_numpy(dtype=np.float64), ref[pred_col].to_numpy(
            dtype=np.float64))
    pred = ana[pred_col].to_numpy(dtype=np.float64)
    features = ana[feats]

    def estimate(rows: Rows) -> dict[str, Any]:
        return dict(dle.estimate(features.iloc[rows], pred[rows]))

    return estimate


def labels_as_codes(pact: Pact, values: pd.Series, source: str
                     ) -> tuple[np.ndarray[Any, Any], list[Any] | None]:
    if pact.task == "binary":
        pos = pact.positive_class
        hit = values == pos
        if not hit.any():  # "1" read from a CSV versus 1 in the pact, and the like
            hit = values.astype(str) == str(pos)
        return hit.to_numpy().astype(np.int64), None
    classes = list(pact.classes or (pact.columns.score.keys()
                                    if isinstance(pact.columns.score, dict) else []))
    lookup = {str(c): i for i, c in enumerate(classes)}
    codes = values.astype(str).map(lookup)
    if codes.isna().any():
        bad = values[codes.isna()].iloc[0]
        raise InvalidDataError(f"{source}: target value {plain_repr(bad)} is not one of the pact's "
                               f"classes {classes}")
    return codes.to_numpy().astype(np.int64), classes


def _decision_codes(pact: Pact, frame: pd.DataFrame, source: str
                    ) -> np.ndarray[Any, Any] | None:
    """The pact's prediction column as class codes, or ``None`` when there is none."""
    column = pact.columns.prediction
    if column is None or column not in frame.columns:
        return None
    values = frame[column]
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise InvalidDataError(
            f"{source}: column '{column}' (the prediction) is empty in "
            f"{int(values.isna().sum())} rows (first at row {row}); every monitored row needs "
            "the model's decision")
    codes, _ = labels_as_codes(pact, values, f"{source}: column '{column}'")
    return codes


def _scores(pact: Pact, frame: pd.DataFrame) -> np.ndarray[Any, Any]:
    score = pact.columns.score
    if isinstance(score, dict):
        classes = list(pact.classes or score.keys())
        cols = [score[c] if c in score else score[str(c)] for c in classes]
        return frame[cols].to_numpy(dtype=np.float64)
    assert score is not None
    return frame[score].to_numpy(dtype=np.float64)
