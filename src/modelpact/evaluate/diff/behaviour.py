"""The behaviour diff itself: two versions' predictions on the same rows, compared."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact._json import plain_scalar
from modelpact.data import load_frame, require_columns
from modelpact.errors import ConfigurationError, MetricError
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
from modelpact.evaluate.diff.versions import (
    Version,
    encoded,
    predict_model,
    resolve_version,
    version_from_table,
)
from modelpact.evaluate.inputs import LabelSpace, Task, infer_task
from modelpact.pact import Pact, load_pact

__all__ = ["diff"]

_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
_MAX_SLICE_VALUES = 12
_MIN_SLICE_ROWS = 20  # below this a slice's paired interval is not worth printing


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
    from modelpact.stats.wilson import wilson_interval

    if not 0.5 < confidence < 1:
        raise ConfigurationError(f"confidence must lie between 0.5 and 1; got {confidence:g}")
    if pact is not None:
        agreed = load_pact(pact)
        target, id, score, prediction = _pact_columns(agreed, target, id, score, prediction)
        slices = slices or list(agreed.columns.slices)
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
    obj_a, kind_a, source_a = resolve_version(a, name_a, trusted)
    obj_b, kind_b, source_b = resolve_version(b, name_b, trusted)
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
    models = [obj for obj, kind in ((obj_a, kind_a), (obj_b, kind_b)) if kind == "model"]
    first_table = paired.frames.get(name_a, paired.frames.get(name_b))
    resolved_task = _resolve_task(task, rows_target, score, prediction, models, first_table)

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
                predict_model(
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
                version_from_table(
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
    changed, transitions, flips, changes = _row_changes(resolved_task, va, vb, n, tolerance)
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
    if rows_target is not None and target is not None:
        require_columns(rows, list(slices), source=data_source, role="slice")
        slice_rows = _slice_changes(
            rows,
            rows_target,
            slices,
            changed,
            _diff_metrics(metrics, resolved_task, va, vb),
            space,
            va,
            vb,
            what=f"{data_source}: target '{target}'",
            confidence=confidence,
            n_resamples=n_resamples,
            seed=seed,
        )

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


def _pact_columns(
    pact: Pact, target: str | None, id: str | None, score: str | None, prediction: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """The target, id, score and prediction columns: the caller's, else the pact's."""
    columns = pact.columns
    if score is None and isinstance(columns.score, str):
        score = columns.score
    return target or columns.target, id or columns.id, score, prediction or columns.prediction


def _resolve_task(
    task: str | None,
    rows_target: pd.Series | None,
    score: str | None,
    prediction: str | None,
    models: Sequence[Any],
    first_table: pd.DataFrame | None,
) -> str:
    """The task: as given, else from the target, the models' classes, or the columns."""
    if task is not None:
        return infer_task(pd.Series(dtype=object), score=score, task=task)  # checks the name
    if rows_target is not None:
        return infer_task(rows_target, score=score, task=None)
    for model in models[:1]:
        classes = getattr(model, "classes_", None)
        if classes is not None:
            return "binary" if len(classes) == 2 else "multiclass"
    if score is not None:
        return "binary"
    if prediction is not None and first_table is not None:
        return infer_task(first_table[prediction], score=None, task=None)
    raise ConfigurationError("cannot tell the task; pass task= / --task")


def _row_changes(
    task: str, va: Version, vb: Version, n: int, tolerance: float | None
) -> tuple[NDArray[np.bool_], NDArray[Any], list[Flip], ChangeDistribution | None]:
    """Which rows changed, how (their transitions), the flip table and the change spread."""
    if task == "regression":
        if va.values is None or vb.values is None:
            raise ConfigurationError("both versions need regression predictions")
        delta = vb.values - va.values
        tol = tolerance if tolerance is not None else 0.1 * float(np.std(va.values))
        return (
            np.abs(delta) > tol,
            np.where(delta > 0, "up", "down"),
            [],
            _distribution("prediction", delta, tol),
        )
    if va.labels is None or vb.labels is None:
        raise ConfigurationError("both versions need class predictions")
    la = pd.Series(va.labels).astype("object").map(plain_scalar).to_numpy()
    lb = pd.Series(vb.labels).astype("object").map(plain_scalar).to_numpy()
    text_a = pd.Series(la).astype(str)
    text_b = pd.Series(lb).astype(str)
    flip_counts = pd.crosstab(text_a.rename("a"), text_b.rename("b"))
    raw_a = {str(v): v for v in la}
    raw_b = {str(v): v for v in lb}
    flips = []
    for ka in flip_counts.index:
        for kb in flip_counts.columns:
            count = int(flip_counts.loc[ka, kb])
            if count:
                flips.append(Flip(raw_a[ka], raw_b[kb], count, count / n))
    flips.sort(key=lambda f: (f.a == f.b, -f.count))
    changes = None
    if va.scores is not None and vb.scores is not None:
        changes = _distribution("score", vb.scores - va.scores, 0.0)
    return (
        (text_a != text_b).to_numpy(),
        (text_a + " → " + text_b).to_numpy(dtype=object),
        flips,
        changes,
    )


def _slice_changes(
    rows: pd.DataFrame,
    rows_target: pd.Series,
    slices: Sequence[str],
    changed: NDArray[np.bool_],
    chosen: Sequence[str],
    space: LabelSpace | None,
    va: Version,
    vb: Version,
    *,
    what: str,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> list[SliceChange]:
    """Each metric on every labelled row and on each slice, for A and B, with paired CIs."""
    from modelpact import stats

    n = len(rows)
    labelled = rows_target.notna().to_numpy()
    arr_a: dict[str, NDArray[Any] | None]
    arr_b: dict[str, NDArray[Any] | None]
    if space is not None:
        y = np.full(n, -1, dtype=np.int64)
        y[labelled] = space.encode(rows_target[labelled], what=what)
        arr_a, arr_b = encoded(va, space), encoded(vb, space)
    else:
        y = rows_target.to_numpy(dtype=np.float64, na_value=np.nan)
        arr_a, arr_b = {"value": va.values}, {"value": vb.values}
    groups: list[tuple[str | None, str, NDArray[np.bool_]]] = [(None, "all", labelled)]
    for slice_column in slices:
        for value, mask in _slice_masks(rows[slice_column]):
            groups.append((slice_column, value, mask & labelled))
    out = []
    for metric_name in chosen:
        metric = stats.get_metric(metric_name)
        for column, value, mask in groups:
            size = int(mask.sum())
            flip_rate = float(changed[mask].mean()) if size else 0.0
            ya, yb = arr_a.get(metric.input), arr_b.get(metric.input)
            if ya is None or yb is None:
                continue
            out.append(
                _slice_change(
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
            )
    return out


def _id_like(series: pd.Series) -> bool:
    # A unique string per row (an id) splits perfectly and explains nothing.
    return (
        not is_numeric(series)
        and series.nunique(dropna=True) > 0.5 * max(len(series), 1)
        and len(series) > 50
    )


def _diff_metrics(
    requested: Sequence[str] | None, task: str, va: Version, vb: Version
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
