"""Turning an evaluation table and a pact into the arrays the statistics engine takes.

This is where input errors are caught and named: a misspelled column, a score of 1.7 in a
probability column, a NaN, a label the pact does not know. Everything downstream can then
trust its arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.data import require_columns
from modelpact.errors import InvalidDataError, plain_repr
from modelpact.pact import Pact

__all__ = [
    "Predictions",
    "Target",
    "encode_target",
    "predictions_from_columns",
    "require_unique_ids",
    "slice_mask",
]


@dataclass(frozen=True)
class Target:
    """The encoded target: binary 0/1, multiclass codes in ``classes`` order, or floats."""

    y: NDArray[Any]
    classes: tuple[str, ...]  # display labels; for binary (negative, positive)


@dataclass(frozen=True)
class Predictions:
    """One model's outputs on the evaluation rows.

    ``score`` is P(positive) for binary, ``(n, K)`` probabilities for multiclass, and None when
    only hard predictions exist; ``label`` holds hard predictions (codes) or regression values.
    """

    name: str
    label: NDArray[Any]
    score: NDArray[np.float64] | None

    def for_input(self, kind: str) -> NDArray[Any] | None:
        """What a metric with ``Metric.input == kind`` reads."""
        return self.score if kind == "score" else self.label


def _equal(series: pd.Series, value: Any) -> NDArray[np.bool_]:
    """Compare a column with a scalar from YAML, tolerating 1 vs "1" vs 1.0."""
    mask: NDArray[np.bool_] = (series == value).to_numpy(dtype=bool, na_value=False)
    if not mask.any():
        mask = (series.astype(str) == str(value)).to_numpy(dtype=bool, na_value=False)
    return mask


def _values(series: pd.Series) -> str:
    shown = [str(v) for v in pd.unique(series.dropna())[:8]]
    return ", ".join(shown)


def require_unique_ids(pact: Pact, frame: pd.DataFrame, *, source: str) -> None:
    """Check the pact's id column as pairing does: present, filled, one row per id.

    ``verify``, ``pact check --data`` and ``compare`` all decide on rows named by this
    column, so all three refuse the same files. A pact without ``columns.id`` passes.
    """
    column = pact.columns.id
    if column is None:
        return
    from modelpact.evaluate._pairing import check_ids

    require_columns(frame, [column], source=source, role="id")
    check_ids(frame, column, source)


def encode_target(pact: Pact, frame: pd.DataFrame, *, source: str) -> Target:
    """Encode the pact's target column of *frame*; raise on missing or unknown labels."""
    column = pact.columns.target
    require_columns(frame, [column], source=source, role="target")
    series = frame[column]
    missing = series.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise InvalidDataError(
            f"{source}: column '{column}' (the target) is empty in {int(missing.sum())} rows "
            f"(first at row {row + 2} of the file); drop them or fill them before verifying"
        )
    if pact.task == "regression":
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        if np.isnan(values).any():
            row = int(np.flatnonzero(np.isnan(values))[0])
            raise InvalidDataError(
                f"{source}: column '{column}' (the target) holds a non-number "
                f"{plain_repr(series.iloc[row])} at row {row + 2}; a regression target must be numeric"
            )
        return Target(values, ())
    if pact.task == "binary":
        positive = _equal(series, pact.positive_class)
        if not positive.any():
            raise InvalidDataError(
                f"{source}: column '{column}' never equals the pact's positive_class "
                f"{pact.positive_class!r} (values seen: {_values(series)})"
            )
        others = pd.unique(series[~positive])
        if len(others) > 1:
            raise InvalidDataError(
                f"{source}: column '{column}' has more than two labels "
                f"({_values(series)}); a binary pact takes the positive class and one other"
            )
        negative = str(others[0]) if len(others) else "other"
        return Target(positive.astype(np.int64), (negative, str(pact.positive_class)))
    classes = [str(c) for c in (pact.classes or sorted(pd.unique(series).tolist(), key=str))]
    index = {c: i for i, c in enumerate(classes)}
    as_text = series.astype(str)
    unknown = ~as_text.isin(index)
    if unknown.any():
        bad = as_text[unknown].iloc[0]
        raise InvalidDataError(
            f"{source}: column '{column}' holds label {plain_repr(bad)}, which is not among the pact's "
            f"classes ({', '.join(classes)})"
        )
    return Target(as_text.map(index).to_numpy(dtype=np.int64), tuple(classes))


def _numeric(frame: pd.DataFrame, column: str, *, source: str, role: str) -> NDArray[np.float64]:
    require_columns(frame, [column], source=source, role=role)
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        shown = raw.iloc[row]
        what = "NaN or empty" if pd.isna(shown) else plain_repr(shown)
        raise InvalidDataError(
            f"{source}: column '{column}' ({role}) has {int(bad.sum())} non-finite or "
            f"non-numeric values (first: {what} at row {row + 2}); every row needs a number"
        )
    return values


def _probability(values: NDArray[np.float64], column: str, *, source: str) -> None:
    outside = (values < 0) | (values > 1)
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise InvalidDataError(
            f"{source}: column '{column}' holds {values[row]:g} at row {row + 2}; probability "
            "scores must lie in [0, 1] (pass calibrated probabilities, not logits or ranks)"
        )


def predictions_from_columns(
    pact: Pact,
    frame: pd.DataFrame,
    target: Target,
    *,
    source: str,
    score: str | dict[str, str] | None = None,
    prediction: str | None = None,
    name: str = "candidate",
) -> Predictions:
    """Read a model's predictions from *frame* using the pact's (or the given) column names."""
    score = score if score is not None else pact.columns.score
    prediction = prediction if prediction is not None else pact.columns.prediction
    if pact.task == "regression":
        column = score or prediction
        if column is None or not isinstance(column, str):
            raise InvalidDataError(
                f"{source}: the pact names no prediction column (columns.score) for regression"
            )
        return Predictions(name, _numeric(frame, column, source=source, role="prediction"), None)
    if pact.task == "binary":
        proba = None
        if isinstance(score, str):
            proba = _numeric(frame, score, source=source, role="score")
            _probability(proba, score, source=source)
        if prediction is not None:
            label = _equal_labels(frame, prediction, pact, target, source=source)
        elif proba is not None:
            label = (proba >= pact.threshold).astype(np.int64)
        else:
            raise InvalidDataError(
                f"{source}: the pact names neither a score nor a prediction column"
            )
        return Predictions(name, label, proba)
    # multiclass
    proba_m = None
    if isinstance(score, dict):
        columns = [score.get(c) or score.get(str(c)) for c in target.classes]
        missing_class = [c for c, col in zip(target.classes, columns, strict=True) if col is None]
        if missing_class:
            raise InvalidDataError(
                f"{source}: columns.score has no probability column for class '{missing_class[0]}'"
            )
        proba_m = np.column_stack(
            [_numeric(frame, str(c), source=source, role="score") for c in columns]
        )
        for c in columns:
            _probability(frame[str(c)].to_numpy(dtype=float), str(c), source=source)
        sums = proba_m.sum(axis=1)
        off = np.abs(sums - 1) > 1e-3
        if off.any():
            row = int(np.flatnonzero(off)[0])
            raise InvalidDataError(
                f"{source}: class probabilities sum to {sums[row]:.4g} at row {row + 2}; "
                "per-class scores must sum to 1"
            )
    if prediction is not None:
        label = _equal_labels(frame, prediction, pact, target, source=source)
    elif proba_m is not None:
        label = proba_m.argmax(axis=1).astype(np.int64)
    else:
        raise InvalidDataError(f"{source}: the pact names neither scores nor a prediction column")
    return Predictions(name, label, proba_m)


def _equal_labels(
    frame: pd.DataFrame, column: str, pact: Pact, target: Target, *, source: str
) -> NDArray[np.int64]:
    """Encode a hard-prediction column the same way as the target."""
    require_columns(frame, [column], source=source, role="prediction")
    series = frame[column]
    if pact.task == "binary":
        positive = _equal(series, pact.positive_class)
        negative = _equal(series, target.classes[0]) if target.classes[0] != "other" else ~positive
        unknown = ~(positive | negative)
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise InvalidDataError(
                f"{source}: column '{column}' (prediction) holds {plain_repr(series.iloc[row])} at row "
                f"{row + 2}, which is not one of the target's labels ({', '.join(target.classes)})"
            )
        return positive.astype(np.int64)
    index = {c: i for i, c in enumerate(target.classes)}
    as_text = series.astype(str)
    unknown_m = ~as_text.isin(index)
    if unknown_m.any():
        row = int(np.flatnonzero(unknown_m.to_numpy())[0])
        raise InvalidDataError(
            f"{source}: column '{column}' (prediction) holds {plain_repr(series.iloc[row])} at row "
            f"{row + 2}, which is not among the pact's classes"
        )
    codes: NDArray[np.int64] = np.asarray(as_text.map(index), dtype=np.int64)
    return codes


def slice_mask(frame: pd.DataFrame, where: dict[str, Any], *, source: str) -> NDArray[np.bool_]:
    """Rows matching every ``column: value`` of a criterion's slice."""
    require_columns(frame, list(where), source=source, role="slice")
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        matches = _equal(frame[column], value)
        if not matches.any():
            raise InvalidDataError(
                f"{source}: slice {column}={value} matches no rows "
                f"(values of '{column}': {_values(frame[column])})"
            )
        mask &= matches
    if not mask.any():
        text = ", ".join(f"{k}={v}" for k, v in where.items())
        raise InvalidDataError(f"{source}: slice {text} matches no rows")
    return mask
