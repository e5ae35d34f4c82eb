"""Preparing a comparison: reading the tables, pairing their rows, encoding every model alike,
and building the baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.data import load_frame
from modelpact.errors import ConfigurationError, closest
from modelpact.evaluate._pairing import pair_tables
from modelpact.evaluate.inputs import (
    LabelSpace,
    Predictions,
    ScoreSpec,
    Task,
    infer_task,
    outputs_from_columns,
)

__all__ = ["Prepared", "prepare"]

_CONSTANT_BASELINES = ("prior", "majority", "mean", "median", "persistence")


@dataclass(frozen=True)
class Prepared:
    names: list[str]
    sources: dict[str, str]
    y: NDArray[Any]
    outputs: dict[str, Predictions]
    space: LabelSpace
    n_rows: int
    dropped: dict[str, int]
    baseline: str | None
    baseline_kind: str | None
    competitors: list[str]
    notes: list[str]
    target: str
    id: str | None


def _load(value: Any, name: str) -> tuple[pd.DataFrame, str]:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], pd.DataFrame):
        return value[0], str(value[1])
    frame, source = load_frame(value, name=None if isinstance(value, str | Path) else name)
    return frame, source


def prepare(
    predictions: Mapping[str, Any],
    *,
    target: str | None,
    score: ScoreSpec,
    prediction: str | None,
    id: str | None,
    task: str | None,
    positive_class: Any,
    classes: Sequence[Any] | None,
    threshold: float | None,
    baseline: str | None,
    allow_partial: bool,
    pact: Any,
) -> Prepared:
    notes_from_pact = ""
    if pact is not None:
        target = target or pact.columns.target
        score = score if score is not None else pact.columns.score
        prediction = prediction or pact.columns.prediction
        id = id or pact.columns.id
        task = task or pact.task
        positive_class = positive_class if positive_class is not None else pact.positive_class
        classes = classes or pact.classes
        threshold = threshold if threshold is not None else pact.threshold
        if baseline in (None, "auto"):
            baseline = _pact_baseline(pact)
            if pact.baseline.kind == "model":
                notes_from_pact = (
                    f"the pact's model baseline ({pact.baseline.path}) needs features to "
                    f"predict; prediction files are compared with the {baseline} baseline instead"
                )
    if target is None:
        raise ConfigurationError("name the target column (target= / --target)")
    if score is None and prediction is None:
        raise ConfigurationError("name a score or a prediction column (--score / --prediction)")
    if len(predictions) < 2 and not (baseline and baseline not in ("none", "auto")):
        raise ConfigurationError(f"a comparison needs at least two models; got {len(predictions)}")
    tables = {name: _load(value, name) for name, value in predictions.items()}
    names = list(tables)
    notes: list[str] = [notes_from_pact] if notes_from_pact else []

    baseline_kind: str | None = None
    baseline_name: str | None = None
    extra_baseline_column: str | None = None
    if baseline in (None, "none"):
        baseline = None
    elif baseline == "auto":
        baseline = "auto"
    elif baseline in names:
        baseline_name, baseline_kind = baseline, "model"
    elif baseline.startswith("column:"):
        extra_baseline_column = baseline.partition(":")[2]
        baseline_kind = "column"
    elif baseline not in _CONSTANT_BASELINES:
        path = Path(baseline)
        if path.suffix.lower() in (".csv", ".parquet", ".pq", ".tsv") or path.exists():
            baseline_name = _unique_name(path.stem, names)
            tables[baseline_name] = _load(path, baseline_name)
            names.append(baseline_name)
            baseline_kind = "model"
        else:
            raise ConfigurationError(
                f"unknown baseline '{baseline}'{closest(baseline, [*_CONSTANT_BASELINES, *names])};"
                " use prior, majority, mean, median, none, column:<name>, a model name or a "
                "prediction file"
            )

    wanted: dict[str, list[str]] = {}
    for n in names:
        cols = [target]
        if isinstance(score, str):
            cols.append(score)
        elif isinstance(score, Mapping):
            cols.extend(score.values())
        if prediction:
            cols.append(prediction)
        wanted[n] = cols
    if extra_baseline_column:
        wanted[names[0]] = [*wanted[names[0]], extra_baseline_column]
    paired = pair_tables(tables, id=id, columns=wanted, target=target, allow_partial=allow_partial)
    if any(paired.dropped.values()):
        notes.append(
            f"partial join: compared on the {paired.n_rows:,} ids shared by every file; left "
            "out "
            + ", ".join(f"{k:,} row(s) of {tables[n][1]}" for n, k in paired.dropped.items() if k)
        )
    first_frame = paired.frames[names[0]]
    target_series = first_frame[target]
    resolved_task: Task = infer_task(target_series, score=score, task=task)
    space = LabelSpace.build(
        target_series,
        task=resolved_task,
        positive_class=positive_class,
        classes=classes,
        threshold=0.5 if threshold is None else threshold,
        source=tables[names[0]][1],
    )
    y = space.encode(target_series, what=f"{tables[names[0]][1]}: target '{target}'")
    outputs = {
        n: outputs_from_columns(
            paired.frames[n],
            space,
            score=score,
            prediction=prediction,
            source=tables[n][1],
            name=n,
        )
        for n in names
    }
    competitors = list(names)
    sources = {n: tables[n][1] for n in names}

    if baseline == "auto":
        baseline = "mean" if space.task == "regression" else "prior"
    if baseline in _CONSTANT_BASELINES:
        baseline_kind = baseline
        baseline_name = _unique_name(f"baseline ({baseline})", names)
        if baseline == "persistence":
            outputs[baseline_name] = _persistence_outputs(
                y, space, paired.frames[names[0]], pact, baseline_name, source=tables[names[0]][1]
            )
            sources[baseline_name] = "the previous label in time order"
        else:
            outputs[baseline_name] = _constant_outputs(baseline, y, space, baseline_name)
            sources[baseline_name] = f"{baseline} of the evaluation target"
        names.append(baseline_name)
    elif extra_baseline_column:
        baseline_name = _unique_name(f"baseline ({extra_baseline_column})", names)
        column_frame = paired.frames[names[0]]
        as_score = (
            extra_baseline_column
            if space.task != "regression"
            and pd.api.types.is_float_dtype(column_frame[extra_baseline_column])
            else None
        )
        outputs[baseline_name] = outputs_from_columns(
            column_frame,
            space,
            score=as_score if space.task == "binary" else None,
            prediction=None if as_score and space.task == "binary" else extra_baseline_column,
            source=tables[names[0]][1],
            name=baseline_name,
        )
        sources[baseline_name] = f"column '{extra_baseline_column}' of {tables[names[0]][1]}"
        names.append(baseline_name)
    if len(competitors) < 2 and baseline_name is None:
        raise ConfigurationError("a comparison needs at least two models or a baseline")
    return Prepared(
        names=names,
        sources=sources,
        y=y,
        outputs=outputs,
        space=space,
        n_rows=paired.n_rows,
        dropped={n: paired.dropped.get(n, 0) for n in competitors},
        baseline=baseline_name,
        baseline_kind=baseline_kind,
        competitors=competitors,
        notes=notes,
        target=target,
        id=id,
    )


def _pact_baseline(pact: Any) -> str:
    spec = pact.baseline
    if spec.kind == "column":
        return f"column:{spec.column}"
    if spec.kind == "model":
        # A model baseline needs a model loaded on features; comparisons of prediction files
        # fall back to the constant baseline of the task.
        return "mean" if pact.task == "regression" else "prior"
    return str(spec.kind)


def _unique_name(name: str, taken: Sequence[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate = f"{name} {i}"
        i += 1
    return candidate


def _persistence_outputs(
    y: NDArray[Any], space: LabelSpace, frame: pd.DataFrame, pact: Any, name: str, *, source: str
) -> Predictions:
    """The previous label in time order (the pact's time column, else row order)."""
    from modelpact.evaluate.baseline import previous_values

    time = pact.columns.time if pact is not None else None
    key = pact.baseline.key if pact is not None and pact.baseline.kind == "persistence" else None
    if key is not None and key not in frame.columns:
        raise ConfigurationError(f"{source}: no column '{key}' (the persistence baseline's key)")
    order = (
        np.argsort(frame[time].to_numpy(), kind="stable")
        if time is not None and time in frame.columns
        else np.arange(len(frame))
    )
    groups = frame[key].to_numpy() if key is not None else None
    if space.task == "regression":
        values = previous_values(y, order=order, groups=groups, fallback=float(np.median(y)))
        return Predictions(name, values, None)
    majority = int(np.bincount(y).argmax())
    labels = previous_values(y, order=order, groups=groups, fallback=majority).astype(np.int64)
    if space.task == "binary":
        return Predictions(name, labels, labels.astype(float))
    return Predictions(name, labels, np.eye(len(space.classes))[labels])


def _constant_outputs(
    kind: str, y: NDArray[Any], space: LabelSpace, name: str
) -> Predictions:
    n = y.shape[0]
    if space.task == "regression":
        value = float(np.mean(y)) if kind in ("mean", "prior") else float(np.median(y))
        return Predictions(name, np.full(n, value), None)
    k = len(space.classes)
    freq = np.bincount(y, minlength=k) / n
    majority = int(np.argmax(freq))
    if kind in ("mean", "median"):
        raise ConfigurationError(
            f"baseline '{kind}' is for regression tasks; use prior or majority"
        )
    if space.task == "binary":
        p = float(freq[1]) if kind == "prior" else float(majority)
        scores = np.full(n, p)
        labels = (scores >= space.threshold).astype(np.int64)
        return Predictions(name, labels, scores)
    probs = np.tile(freq if kind == "prior" else np.eye(k)[majority], (n, 1))
    return Predictions(name, np.full(n, majority, dtype=np.int64), probs)
