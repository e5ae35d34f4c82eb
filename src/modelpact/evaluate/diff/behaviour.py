"""The behaviour diff itself: two versions' predictions on the same rows, compared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact._json import plain_scalar
from modelpact.data import load_frame, require_columns
from modelpact.errors import ConfigurationError, InvalidDataError, MetricError
from modelpact.evaluate._pairing import pair_tables
from modelpact.evaluate.diff._common import is_numeric
from modelpact.evaluate.diff.results import (
    BehaviourDiff,
    ChangeDistribution,
    Flip,
    Proportion,
    SliceChange,
)
from modelpact.evaluate.diff.rules import describe_changes
from modelpact.evaluate.diff.training import training_data_diff
from modelpact.evaluate.inputs import LabelSpace, Task, infer_task
from modelpact.pact import Pact, load_pact

__all__ = ["diff"]

_MODEL_SUFFIXES = {".joblib", ".pkl", ".pickle", ".skops"}
_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
_MAX_SLICE_VALUES = 12
_MIN_SLICE_ROWS = 20  # below this a slice's paired interval is not worth printing


@dataclass(frozen=True)
class _Version:
    name: str
    source: str
    labels: NDArray[Any] | None  # original class values (classification)
    scores: NDArray[np.float64] | None  # P(positive) for binary tasks
    values: NDArray[np.float64] | None  # regression predictions
    features: tuple[str, ...] = ()


def _is_model_path(value: Any) -> bool:
    return isinstance(value, str | Path) and Path(value).suffix.lower() in _MODEL_SUFFIXES


def _predict_model(
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
) -> _Version:
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
        return _Version(name, source, None, None, out.label.astype(np.float64), tuple(columns))
    values = np.empty(len(classes), dtype=object)
    values[:] = list(classes)
    scores = out.score if task == "binary" else None
    return _Version(name, source, values[out.label], scores, None, tuple(columns))


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


def _resolve(value: Any, name: str, trusted: Sequence[str] | None) -> tuple[Any, str, str]:
    """``(object, kind, source)`` with kind ``model`` or ``table``."""
    if _is_model_path(value):
        from modelpact.evaluate.models import load_model

        return load_model(value, trusted=list(trusted) if trusted else None), "model", str(value)
    if hasattr(value, "predict") and not isinstance(value, pd.DataFrame):
        return value, "model", f"<{type(value).__name__}>"
    frame, source = load_frame(value, name=f"<{name}>")
    return frame, "table", source


def diff(
    a: Any,
    b: Any,
    data: Any,
    *,
    target: str | None = None,
    id: str | None = None,
    score: str | None = None,
    prediction: str | None = None,
    slices: Sequence[str] = (),
    features: Sequence[str] | None = None,
    task: str | None = None,
    positive_class: Any = None,
    threshold: float | None = None,
    metrics: Sequence[str] | None = None,
    tolerance: float | None = None,
    pact: Pact | str | Path | None = None,
    train_a: Any = None,
    train_b: Any = None,
    names: tuple[str, str] = ("A", "B"),
    trusted: Sequence[str] | None = None,
    confidence: float = 0.95,
    max_depth: int = 3,
    min_leaf_share: float = 0.02,
    n_resamples: int = 2000,
    seed: int = 0,
) -> BehaviourDiff:
    """Diff the behaviour of two model versions on the rows of *data*.

    Parameters
    ----------
    a, b
        Each a fitted estimator, a model file the user names (``.joblib``/``.pkl`` loaded with
        joblib, ``.skops`` with skops' safe loader and *trusted* types), or predictions on the
        rows of *data* (a DataFrame or CSV/Parquet file with the *score* or *prediction*
        column, and the *id* column to pair them, or the same rows in the same order).
    data
        The rows to compare on (features, and the target where labels exist).
    target
        Label column of *data*; enables per-slice metric changes.
    id
        Row id, used to pair prediction tables with *data*.
    score, prediction
        Column names in prediction tables (score = P(positive), thresholded at *threshold*).
    threshold
        Binary only: a row is predicted positive when P(positive) >= *threshold*, for
        fitted models and score tables alike; default the pact's, else 0.5.
    slices
        Columns of *data* to report metric changes by (numeric columns with many values are
        cut into quartiles).
    features
        Columns the rule tree may use; default every column of *data* except the target, id,
        score and prediction columns.
    metrics
        Metrics for the slice table; default accuracy (plus roc_auc when both versions give
        binary scores) or mae for regression.
    tolerance
        Regression only: a prediction counts as changed when ``|B - A| > tolerance``; default
        a tenth of the standard deviation of A's predictions.
    pact
        A :class:`~modelpact.pact.Pact` or the path of a pact file: target, id, score and
        prediction columns, slices, task, positive class and threshold not given here come
        from it.
    train_a, train_b
        Training data of each version: adds the training data diff.
    names
        Display names of the two versions.
    confidence, max_depth, min_leaf_share, n_resamples, seed
        Interval confidence; rule tree depth and minimum leaf share; bootstrap settings.
    """
    from modelpact import stats
    from modelpact.stats.wilson import wilson_interval

    if not 0.5 < confidence < 1:
        raise ConfigurationError(f"confidence must lie between 0.5 and 1; got {confidence:g}")
    if pact is not None:
        agreed = load_pact(pact)
        columns_ = agreed.columns
        target = target or columns_.target
        id = id or columns_.id
        if score is None and isinstance(columns_.score, str):
            score = columns_.score
        prediction = prediction or columns_.prediction
        slices = slices or list(columns_.slices)
        task = task or agreed.task
        if positive_class is None and agreed.positive_class is not None:
            positive_class = str(agreed.positive_class)
        if threshold is None:
            threshold = agreed.threshold
    threshold = 0.5 if threshold is None else threshold
    name_a, name_b = names
    if name_a == name_b:
        name_b = f"{name_b} (2)"
    frame, data_source = load_frame(data, name="<data>")
    obj_a, kind_a, source_a = _resolve(a, name_a, trusted)
    obj_b, kind_b, source_b = _resolve(b, name_b, trusted)
    if target is not None:
        require_columns(frame, [target], source=data_source, role="target")
    roles = {c for c in (target, id, score, prediction) if c}
    notes: list[str] = []

    tables: dict[str, tuple[pd.DataFrame, str]] = {"data": (frame, data_source)}
    columns: dict[str, list[str]] = {"data": []}
    for nm, obj, kind, src in (
        (name_a, obj_a, kind_a, source_a),
        (name_b, obj_b, kind_b, source_b),
    ):
        if kind == "table":
            if score is None and prediction is None:
                raise ConfigurationError(
                    f"{src} is a prediction table: name its score or prediction column "
                    "(--score / --prediction)"
                )
            tables[nm] = (obj, src)
            columns[nm] = [c for c in (score, prediction) if c]
    use_id = id if id is not None and len(tables) > 1 else None
    if id is not None:
        require_columns(frame, [id], source=data_source, role="id")
    paired = pair_tables(tables, id=use_id, columns=columns)
    rows = paired.frames["data"]

    if target is not None:
        rows_target = rows[target]
        if rows_target.isna().any():
            notes.append(
                f"{int(rows_target.isna().sum()):,} row(s) without a label are left out of "
                "the metrics"
            )
    else:
        rows_target = None
    positive = positive_class
    resolved_task: str | None = task
    if resolved_task is None and rows_target is not None:
        resolved_task = infer_task(rows_target, score=score, task=None)
    if resolved_task is None and any(k == "model" for k in (kind_a, kind_b)):
        model = obj_a if kind_a == "model" else obj_b
        classes = getattr(model, "classes_", None)
        if classes is not None:
            resolved_task = "binary" if len(classes) == 2 else "multiclass"
    if resolved_task is None:
        resolved_task = "binary" if score is not None else None
    if resolved_task is None and prediction is not None:
        resolved_task = infer_task(paired.frames[name_a][prediction], score=None, task=None)
    if resolved_task is None:
        raise ConfigurationError("cannot tell the task; pass task= / --task")

    space: LabelSpace | None = None
    if rows_target is not None and resolved_task != "regression":
        space = LabelSpace.build(
            rows_target.dropna(),
            task=cast(Task, resolved_task),
            positive_class=positive,
            threshold=threshold,
            source=data_source,
        )
        if space.task == "binary":
            positive = space.classes[1]

    versions = []
    for nm, obj, kind, src in (
        (name_a, obj_a, kind_a, source_a),
        (name_b, obj_b, kind_b, source_b),
    ):
        if kind == "model":
            versions.append(
                _predict_model(
                    obj,
                    nm,
                    src,
                    rows,
                    data_source,
                    roles,
                    resolved_task,
                    space,
                    positive,
                    threshold,
                )
            )
        else:
            versions.append(
                _version_from_table(
                    paired.frames[nm],
                    nm,
                    src,
                    resolved_task,
                    score,
                    prediction,
                    threshold,
                    positive,
                )
            )
    va, vb = versions
    n = paired.n_rows

    # what changed, row by row
    changes: ChangeDistribution | None = None
    flips: list[Flip] = []
    transitions: NDArray[Any] | None = None
    if resolved_task == "regression":
        if va.values is None or vb.values is None:
            raise ConfigurationError("both versions need regression predictions")
        delta = vb.values - va.values
        tol = tolerance if tolerance is not None else 0.1 * float(np.std(va.values))
        changed = np.abs(delta) > tol
        changes = _distribution("prediction", delta, tol)
        transitions = np.where(delta > 0, "up", "down")
    else:
        if va.labels is None or vb.labels is None:
            raise ConfigurationError("both versions need class predictions")
        la = pd.Series(va.labels).astype("object").map(plain_scalar).to_numpy()
        lb = pd.Series(vb.labels).astype("object").map(plain_scalar).to_numpy()
        text_a = pd.Series(la).astype(str)
        text_b = pd.Series(lb).astype(str)
        changed = (text_a != text_b).to_numpy()
        flip_counts = pd.crosstab(text_a.rename("a"), text_b.rename("b"))
        raw_a = {str(v): v for v in la}
        raw_b = {str(v): v for v in lb}
        for ka in flip_counts.index:
            for kb in flip_counts.columns:
                count = int(flip_counts.loc[ka, kb])
                if count:
                    flips.append(Flip(raw_a[ka], raw_b[kb], count, count / n))
        flips.sort(key=lambda f: (f.a == f.b, -f.count))
        transitions = (text_a + " → " + text_b).to_numpy(dtype=object)
        if va.scores is not None and vb.scores is not None:
            changes = _distribution("score", vb.scores - va.scores, 0.0)
    k = int(changed.sum())
    low, high = wilson_interval(k, n, confidence)
    disagreement = Proportion(k, n, k / n if n else 0.0, float(low), float(high), confidence)

    # where: rules on the data's features
    if features is None:
        used = set(va.features) | set(vb.features)
        feature_cols = [c for c in rows.columns if c not in roles and (not used or c in used)]
    else:
        require_columns(rows, list(features), source=data_source, role="feature")
        feature_cols = list(features)
    feature_cols = [c for c in feature_cols if not _id_like(rows[c])]
    rules = describe_changes(
        rows[feature_cols],
        changed,
        transitions=transitions,
        max_depth=max_depth,
        min_leaf_share=min_leaf_share,
        seed=seed,
    )

    # metric changes per slice, where labels exist
    slice_rows: list[SliceChange] = []
    if rows_target is not None:
        require_columns(rows, list(slices), source=data_source, role="slice")
        labelled = rows_target.notna().to_numpy()
        chosen = _diff_metrics(metrics, resolved_task, va, vb)
        if space is not None:
            y = np.full(n, -1, dtype=np.int64)
            y[labelled] = space.encode(
                rows_target[labelled], what=f"{data_source}: target '{target}'"
            )
            arr_a = _encoded(va, space)
            arr_b = _encoded(vb, space)
        else:
            y = rows_target.to_numpy(dtype=np.float64, na_value=np.nan)
            arr_a = {"value": va.values}
            arr_b = {"value": vb.values}
        groups: list[tuple[str | None, str, NDArray[np.bool_]]] = [(None, "all", labelled)]
        for slice_column in slices:
            for value, mask in _slice_masks(rows[slice_column]):
                groups.append((slice_column, value, mask & labelled))
        for metric_name in chosen:
            metric = stats.get_metric(metric_name)
            for column, value, mask in groups:
                size = int(mask.sum())
                flip_rate = float(changed[mask].mean()) if size else 0.0
                ya, yb = arr_a.get(metric.input), arr_b.get(metric.input)
                if ya is None or yb is None:
                    continue
                entry = _slice_change(
                    stats,
                    metric,
                    column,
                    value,
                    size,
                    flip_rate,
                    y[mask],
                    ya[mask],
                    yb[mask],
                    confidence,
                    n_resamples,
                    seed,
                )
                slice_rows.append(entry)

    data_diff = None
    if train_a is not None or train_b is not None:
        if train_a is None or train_b is None:
            raise ConfigurationError("the training data diff needs both training sets (A and B)")
        if target is None:
            raise ConfigurationError("the training data diff needs the target column")
        data_diff = training_data_diff(train_a, train_b, target=target, id=id if id else None)

    return BehaviourDiff(
        a=name_a,
        b=name_b,
        sources={name_a: source_a, name_b: source_b},
        data_source=data_source,
        task=resolved_task,
        n_rows=n,
        target=target,
        disagreement=disagreement,
        flips=tuple(flips),
        changes=changes,
        slices=tuple(slice_rows),
        rules=tuple(rules),
        data_diff=data_diff,
        confidence=confidence,
        max_depth=max_depth,
        min_leaf_share=min_leaf_share,
        seed=seed,
        notes=tuple(notes),
    )


def _id_like(series: pd.Series) -> bool:
    # A unique string per row (an id) splits perfectly and explains nothing.
    return (
        not is_numeric(series)
        and series.nunique(dropna=True) > 0.5 * max(len(series), 1)
        and len(series) > 50
    )


def _version_from_table(
    frame: pd.DataFrame,
    name: str,
    source: str,
    task: str,
    score: str | None,
    prediction: str | None,
    threshold: float,
    positive: Any,
) -> _Version:
    if task == "regression":
        column = prediction or score
        assert column is not None
        return _Version(name, source, None, None, frame[column].to_numpy(dtype=np.float64))
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
    return _Version(name, source, labels, scores, None)


def _encoded(version: _Version, space: LabelSpace) -> dict[str, NDArray[Any] | None]:
    labels = None
    if version.labels is not None:
        labels = space.encode(pd.Series(version.labels), what=f"predictions of {version.name}")
    return {"label": labels, "score": version.scores}


def _diff_metrics(
    requested: Sequence[str] | None, task: str, va: _Version, vb: _Version
) -> list[str]:
    from modelpact import stats

    if requested:
        for name in requested:
            metric = stats.get_metric(name)
            if task not in metric.tasks:
                raise ConfigurationError(f"metric '{name}' is not defined for {task} tasks")
        return list(requested)
    if task == "regression":
        return ["mae"]
    out = ["accuracy"]
    if task == "binary" and va.scores is not None and vb.scores is not None:
        out.append("roc_auc")
    return out


def _slice_masks(series: pd.Series) -> list[tuple[str, NDArray[np.bool_]]]:
    if is_numeric(series) and series.nunique(dropna=True) > _MAX_SLICE_VALUES:
        bins = pd.qcut(series, 4, duplicates="drop")
        labels = bins.astype(str).where(bins.notna(), "(missing)")
    else:
        labels = series.astype("object").where(series.notna(), "(missing)").astype(str)
    counts = labels.value_counts()
    out = []
    for value in counts.index[:_MAX_SLICE_VALUES]:
        out.append((str(value), (labels == value).to_numpy()))
    return out


def _slice_change(
    stats: Any,
    metric: Any,
    column: str | None,
    value: str,
    size: int,
    flip_rate: float,
    y: NDArray[Any],
    ya: NDArray[Any],
    yb: NDArray[Any],
    confidence: float,
    n_resamples: int,
    seed: int,
) -> SliceChange:
    if size < _MIN_SLICE_ROWS:
        return SliceChange(
            column,
            value,
            size,
            flip_rate,
            metric.name,
            note=f"fewer than {_MIN_SLICE_ROWS} labelled rows",
        )
    try:
        a_val = float(metric(y, ya))
        b_val = float(metric(y, yb))
        iv = stats.paired_interval(
            metric, y, yb, ya, confidence=confidence, n_resamples=n_resamples, seed=seed
        )
    except MetricError as exc:
        return SliceChange(column, value, size, flip_rate, metric.name, note=str(exc))
    return SliceChange(
        column,
        value,
        size,
        flip_rate,
        metric.name,
        a_val,
        b_val,
        float(iv.estimate),
        float(iv.low),
        float(iv.high),
        str(iv.method),
    )


def _distribution(what: str, delta: NDArray[np.float64], tolerance: float) -> ChangeDistribution:
    qs = np.quantile(delta, _QUANTILES)
    return ChangeDistribution(
        what=what,
        n=int(delta.size),
        mean=float(delta.mean()),
        std=float(delta.std(ddof=1)) if delta.size > 1 else 0.0,
        mean_abs=float(np.abs(delta).mean()),
        quantiles=tuple((q, float(v)) for q, v in zip(_QUANTILES, qs, strict=True)),
        share_up=float(np.mean(delta > tolerance)),
        share_down=float(np.mean(delta < -tolerance)),
        tolerance=float(tolerance),
    )
