"""Turning evaluation tables into the arrays the statistics engine takes: the one input model.

The metric registry wants binary labels as 0/1 (1 = positive), multiclass labels as codes
0..K-1, binary scores as P(positive), multiclass scores as ``(n, K)`` and regression values
as floats; every model's outputs are held as :class:`Predictions` in that encoding. The
encoding is fixed either by the pact (:func:`encode_target`, for verify, plan and runs) or,
without a pact, from the observed target and the caller's choices (:class:`LabelSpace`, for
compare and diff).

This is where input errors are caught and named: a misspelled column, a score of 1.7 in a
probability column, a NaN, a label the pact does not know. Everything downstream can then
trust its arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact._json import plain_scalar
from modelpact.data import require_columns
from modelpact.errors import ConfigurationError, InvalidDataError, plain_repr
from modelpact.pact import Pact, Task

__all__ = [
    "LabelSpace",
    "Predictions",
    "ScoreSpec",
    "Target",
    "Task",
    "encode_target",
    "infer_task",
    "outputs_from_columns",
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


# --- without a pact: the encoding fixed from the observed target ---------------------------


ScoreSpec = str | Mapping[Any, str] | None


def infer_task(target: pd.Series, *, score: ScoreSpec, task: str | None) -> Task:
    """The task from an explicit choice, the score specification, or the target's values.

    Two distinct target values make a binary task, a handful of integers or strings a
    multiclass one, and anything else (floats, many distinct numbers) regression.
    """
    if task is not None:
        if task not in ("binary", "multiclass", "regression"):
            raise ConfigurationError(f"unknown task '{task}'; use binary, multiclass or regression")
        return task  # type: ignore[return-value]
    if isinstance(score, Mapping):
        return "multiclass"
    values = target.dropna().unique()
    if len(values) <= 2:
        return "binary"
    numeric = pd.api.types.is_numeric_dtype(target)
    if numeric:
        as_float = np.asarray(values, dtype=float)
        if len(values) > 20 or not np.array_equal(as_float, np.round(as_float)):
            return "regression"
    return "multiclass"


@dataclass(frozen=True)
class LabelSpace:
    """How target values map to the codes the metrics read.

    Attributes
    ----------
    task
        ``binary``, ``multiclass`` or ``regression``.
    classes
        The target values in code order (binary: ``[negative, positive]``); empty for
        regression.
    threshold
        Decision threshold on a binary score.
    """

    task: Task
    classes: tuple[Any, ...] = ()
    threshold: float = 0.5

    @classmethod
    def build(
        cls,
        target: pd.Series,
        *,
        task: Task,
        positive_class: Any = None,
        classes: Sequence[Any] | None = None,
        threshold: float = 0.5,
        source: str = "the data",
    ) -> LabelSpace:
        """Fix the encoding from the observed target values and the caller's choices."""
        if task == "regression":
            return cls("regression", (), threshold)
        observed = [plain_scalar(v) for v in pd.unique(target.dropna())]
        if task == "binary":
            positive = _resolve_positive(observed, positive_class, target.name, source)
            negatives = [v for v in observed if v != positive]
            if len(negatives) > 1:
                raise InvalidDataError(
                    f"{source}: target '{target.name}' has {len(observed)} distinct values "
                    f"({', '.join(map(repr, observed[:5]))}); a binary task needs two"
                )
            negative = negatives[0] if negatives else _other_label(positive)
            return cls("binary", (negative, positive), threshold)
        ordered = list(classes) if classes else sorted(observed, key=lambda v: (str(type(v)), v))
        unknown = [v for v in observed if v not in ordered]
        if unknown:
            raise InvalidDataError(
                f"{source}: target '{target.name}' holds {plain_repr(unknown[0])}, which is not among the "
                f"classes {ordered}"
            )
        return cls("multiclass", tuple(ordered), threshold)

    def encode(self, values: pd.Series, *, what: str) -> NDArray[Any]:
        """Target or predicted labels as codes (classification) or floats (regression)."""
        if values.isna().any():
            raise InvalidDataError(
                f"{what} has {int(values.isna().sum()):,} missing value(s); every paired row "
                "needs a label and a prediction"
            )
        if self.task == "regression":
            try:
                return values.to_numpy(dtype=np.float64)
            except (TypeError, ValueError):
                raise InvalidDataError(f"{what} is not numeric") from None
        lookup = {c: i for i, c in enumerate(self.classes)}
        codes = values.map(lambda v: lookup.get(plain_scalar(v), -1)).to_numpy(dtype=np.int64)
        if (codes < 0).any():
            bad = plain_scalar(values.to_numpy()[np.flatnonzero(codes < 0)[0]])
            raise InvalidDataError(
                f"{what} holds {plain_repr(bad)}, which is not one of the classes {list(self.classes)}"
            )
        return codes


def _other_label(positive: Any) -> Any:
    if isinstance(positive, bool):
        return not positive
    if positive in (0, 1):
        return 1 - positive
    return f"not {positive}"


def _resolve_positive(observed: list[Any], positive: Any, column: Any, source: str) -> Any:
    if positive is not None:
        # A positive class given on the command line arrives as a string; match it to the data.
        for value in observed:
            if value == positive or str(value) == str(positive):
                return value
        if len(observed) < 2:
            return positive
        raise InvalidDataError(
            f"{source}: positive class {plain_repr(positive)} does not occur in target '{column}' "
            f"(values: {', '.join(map(repr, observed[:5]))})"
        )
    as_set = set(observed)
    if as_set <= {0, 1} or as_set <= {True, False}:
        return True if as_set <= {True, False} and any(isinstance(v, bool) for v in observed) else 1
    raise ConfigurationError(
        f"{source}: cannot tell which value of target '{column}' is the positive class "
        f"(values: {', '.join(map(repr, observed[:5]))}); name it (positive_class / "
        "--positive-class)"
    )


def _numeric_column(frame: pd.DataFrame, column: str, what: str) -> NDArray[np.float64]:
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise InvalidDataError(f"{what}: column '{column}' must be numeric; got {series.dtype}")
    if series.isna().any():
        raise InvalidDataError(
            f"{what}: column '{column}' has {int(series.isna().sum()):,} missing value(s)"
        )
    return series.to_numpy(dtype=np.float64)


def outputs_from_columns(
    frame: pd.DataFrame,
    space: LabelSpace,
    *,
    score: ScoreSpec,
    prediction: str | None,
    source: str,
    name: str = "model",
) -> Predictions:
    """Read one model's score and/or prediction columns and encode them like the target."""
    if space.task == "regression":
        column = prediction or (score if isinstance(score, str) else None)
        if column is None:
            raise ConfigurationError("a regression comparison needs the prediction column")
        return Predictions(name, _numeric_column(frame, column, source), None)
    scores: NDArray[np.float64] | None = None
    if space.task == "binary" and isinstance(score, str):
        scores = _numeric_column(frame, score, source)
        if scores.min() < 0 or scores.max() > 1:
            raise InvalidDataError(
                f"{source}: score column '{score}' must hold probabilities in [0, 1]; got "
                f"values from {scores.min():g} to {scores.max():g}"
            )
    elif space.task == "multiclass" and isinstance(score, Mapping):
        missing = [c for c in space.classes if c not in score and str(c) not in score]
        if missing:
            raise ConfigurationError(
                f"the score mapping has no column for class {missing[0]!r}; map every class "
                f"({list(space.classes)}) to its probability column"
            )
        cols = [score[c] if c in score else score[str(c)] for c in space.classes]
        scores = np.column_stack([_numeric_column(frame, c, source) for c in cols])
    elif score is not None:
        raise ConfigurationError(
            f"score {score!r} does not fit a {space.task} task: binary takes one column "
            "holding P(positive), multiclass a {class: column} mapping"
        )
    labels: NDArray[np.int64] | None = None
    if prediction is not None:
        labels = space.encode(frame[prediction], what=f"{source}: column '{prediction}'")
    elif scores is not None:
        if space.task == "binary":
            labels = (scores >= space.threshold).astype(np.int64)
        else:
            labels = np.argmax(scores, axis=1).astype(np.int64)
    if labels is None:
        raise ConfigurationError(f"{source}: name a score or a prediction column to compare")
    assert labels is not None  # a classification model always yields labels here
    return Predictions(name, labels, scores)
