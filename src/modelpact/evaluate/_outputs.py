"""Turning table columns into the arrays the metric registry reads.

The registry wants binary labels as 0/1 (1 = positive), multiclass labels as codes 0..K-1,
binary scores as P(positive), multiclass scores as ``(n, K)`` and regression values as floats.
:class:`LabelSpace` fixes that encoding once for a comparison, so every model is encoded alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.errors import ConfigurationError, InvalidDataError, plain_repr

__all__ = ["LabelSpace", "Outputs", "infer_task", "outputs_from_columns"]

Task = Literal["binary", "multiclass", "regression"]
ScoreSpec = str | Mapping[Any, str] | None


def _py(value: Any) -> Any:
    """A NumPy scalar as the equivalent Python scalar (for messages and JSON)."""
    return value.item() if isinstance(value, np.generic) else value


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
        observed = [_py(v) for v in pd.unique(target.dropna())]
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
        codes = values.map(lambda v: lookup.get(_py(v), -1)).to_numpy(dtype=np.int64)
        if (codes < 0).any():
            bad = _py(values.to_numpy()[np.flatnonzero(codes < 0)[0]])
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


@dataclass(frozen=True)
class Outputs:
    """One model's predictions on the paired rows, in the registry's encoding.

    ``score`` is P(positive) (binary) or ``(n, K)`` probabilities (multiclass); ``label`` holds
    class codes; ``value`` holds regression predictions. Missing kinds are ``None``.
    """

    score: NDArray[np.float64] | None
    label: NDArray[np.int64] | None
    value: NDArray[np.float64] | None

    def for_input(self, kind: str) -> NDArray[Any] | None:
        """The array a metric with ``input`` *kind* reads, or ``None`` if not available."""
        if kind == "score":
            return self.score
        if kind == "label":
            return self.label
        return self.value


def _numeric(frame: pd.DataFrame, column: str, what: str) -> NDArray[np.float64]:
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
) -> Outputs:
    """Read one model's score and/or prediction columns and encode them like the target."""
    if space.task == "regression":
        column = prediction or (score if isinstance(score, str) else None)
        if column is None:
            raise ConfigurationError("a regression comparison needs the prediction column")
        return Outputs(None, None, _numeric(frame, column, source))
    scores: NDArray[np.float64] | None = None
    if space.task == "binary" and isinstance(score, str):
        scores = _numeric(frame, score, source)
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
        scores = np.column_stack([_numeric(frame, c, source) for c in cols])
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
    if scores is None and labels is None:
        raise ConfigurationError(f"{source}: name a score or a prediction column to compare")
    return Outputs(scores, labels, None)
