"""The learnability study's persistence comparison: does the quick model beat "same as last time"?

On time-ordered data the previous label is a forecast any model must beat (on a stream whose
labels come in runs it is a strong one), and a cross-validation that shuffles rows flatters a
model there: neighbours in time leak into each other's folds. So with a time column the quick
model is scored *forward*: the labelled rows in time order are cut into consecutive blocks, and
each block is predicted by a model trained on the blocks before it (never on later rows),
exactly how persistence forecasts. Both are scored on the same rows, paired.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.audit import _models
from modelpact.audit.context import AuditContext
from modelpact.stats import get_metric, metric_interval, paired_interval

__all__ = ["persistence_study"]

Float = NDArray[np.float64]

#: Consecutive blocks of the forward evaluation (the first only trains).
BLOCKS = 6


def _previous(ctx: AuditContext, order: NDArray[np.intp], key: str | None) -> Float:
    """The previous label in time order (within *key*), NaN where there is none."""
    y = ctx.y_full[order]
    frame = pd.DataFrame({"y": y})
    if key is not None:
        frame["key"] = ctx.frame[key].to_numpy()[order]
        return np.asarray(frame.groupby("key", sort=False)["y"].shift(1), dtype=np.float64)
    return np.asarray(frame["y"].shift(1), dtype=np.float64)


def _forward(ctx: AuditContext, order: NDArray[np.intp], max_train: int) -> tuple[Float, int]:
    """Quick-model predictions of blocks 2.. in time order, each trained on earlier rows."""
    n_classes = len(ctx.classes)
    cuts = np.linspace(0, len(order), BLOCKS + 1).round().astype(int)
    start = int(cuts[1])
    out = np.zeros((len(order) - start, n_classes)) if ctx.task != "regression" \
        else np.zeros(len(order) - start)
    mask = ctx.encoder.categorical_mask
    for lo, hi in pairwise(cuts[1:]):
        past = order[max(0, lo - max_train):lo]
        y = ctx.y(past)
        model = _models.quick_model(ctx.task, mask, ctx.seed)
        model.fit(ctx.X(past), y if ctx.task == "regression" else y.astype(np.int64))
        out[lo - start:hi - start] = _models._predict(model, ctx.X(order[lo:hi]), ctx.task,
                                                      n_classes)
    return out, start


def _as_prediction(task: str, labels: Float, n_classes: int) -> Float:
    """Persistence as a prediction of the quick model's shape (a sure class, or a value)."""
    if task == "regression":
        return labels
    return np.eye(n_classes)[labels.astype(np.int64)]


def persistence_study(
    ctx: AuditContext,
    *,
    metric: str,
    confidence: float,
    threshold: float,
    key: str | None = None,
    max_rows: int = 50_000,
) -> dict[str, Any] | None:
    """The quick model scored forward in time against persistence, paired; None without time.

    Parameters
    ----------
    ctx
        The audit context; its ``time_values`` order the rows.
    metric
        The metric both are scored on.
    confidence, threshold
        The pact's confidence and decision threshold.
    key
        An entity column: the previous label is taken within each entity.
    max_rows
        The newest labelled rows studied at most (each block trains on at most as many rows
        as the study holds).

    Returns
    -------
    dict or None
        ``model``, ``persistence`` and ``difference`` (model - persistence) intervals, the
        rows compared, the design, and ``verdict``: ``beats``, ``loses`` or ``undecided``.
    """
    if ctx.time_values is None:
        return None
    labelled = np.flatnonzero(ctx.labelled)
    times = ctx.time_values[labelled]
    known = ~np.isnan(times)
    labelled, times = labelled[known], times[known]
    order = labelled[np.argsort(times, kind="stable")][-max_rows:].astype(np.intp)
    if len(order) < 10 * BLOCKS:
        return None
    previous = _previous(ctx, order, key)
    pred, start = _forward(ctx, order, max_train=max_rows)
    evaluated = order[start:]
    prev = previous[start:]
    usable = ~np.isnan(prev)
    if usable.sum() < 2 * BLOCKS:
        return None
    y = ctx.y(evaluated)[usable]
    y_eval = y if ctx.task == "regression" else y.astype(np.int64)
    n_classes = len(ctx.classes)
    model_in = _models.as_metric_input(metric, ctx.task, pred[usable], threshold)
    naive_in = _models.as_metric_input(
        metric, ctx.task, _as_prediction(ctx.task, prev[usable], n_classes), threshold)
    model_iv = metric_interval(metric, y_eval, model_in, confidence=confidence, seed=ctx.seed)
    naive_iv = metric_interval(metric, y_eval, naive_in, confidence=confidence, seed=ctx.seed)
    diff = paired_interval(metric, y_eval, model_in, naive_in, confidence=confidence,
                           seed=ctx.seed)
    greater = get_metric(metric).greater_is_better
    better = diff.low > 0 if greater else diff.high < 0
    worse = diff.high < 0 if greater else diff.low > 0
    where = f" within each '{key}'" if key else ""
    return {
        "metric": metric,
        "key": key,
        "rows": int(usable.sum()),
        "model": _iv(model_iv),
        "persistence": _iv(naive_iv),
        "difference": _iv(diff),
        "verdict": "beats" if better else "loses" if worse else "undecided",
        "design": (f"the {len(order):,} newest labelled rows in time order ('{ctx.time_column}'), "
                   f"cut into {BLOCKS} consecutive blocks; each of the last {BLOCKS - 1} is "
                   "predicted by the quick model trained on the blocks before it, and by the "
                   f"previous label{where}; both scored on the same rows, paired"),
    }


def _iv(iv: Any) -> dict[str, Any]:
    return {"estimate": iv.estimate, "low": iv.low, "high": iv.high, "method": iv.method, "n": iv.n}
