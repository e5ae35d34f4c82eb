"""The parts every metric is built from: :class:`Metric`, its :class:`Engine` and input checks.

A metric is a pure function on arrays plus the properties the interval engine relies on (its
direction, valid range, default interval method and vectorised hooks). The concrete metrics
live in :mod:`.classification`, :mod:`.probabilistic` and :mod:`.regression`; the registry
that names them is :mod:`.metrics`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError
from modelpact.stats import _kernels as K
from modelpact.stats._validation import (
    as_codes,
    as_labels01,
    as_probabilities,
    as_scores,
    as_values,
    check_pair,
)

__all__ = ["TASKS", "Engine", "Metric"]

Float = NDArray[np.float64]
Checked = tuple[NDArray[Any], NDArray[Any]]
#: Runs beside ``y_true`` and ``y``: confidence, resamples, generator -> low, high, se, method.
Studentized = Callable[
    [NDArray[Any], NDArray[Any], float, int, np.random.Generator],
    tuple[float, float, float, str] | None,
]
TASKS = frozenset({"binary", "multiclass", "regression"})
BIN = frozenset({"binary"})
MULTI = frozenset({"multiclass"})
BOTH = frozenset({"binary", "multiclass"})
REG = frozenset({"regression"})
EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Engine:
    """How the interval engine evaluates a registered metric without a Python loop.

    Attributes
    ----------
    check
        Validates ``(y_true, y)`` and returns them as arrays of the right dtype.
    confusion
        For label metrics: the metric of ``(..., K, K)`` confusion counts, vectorised.
    proportion
        For metrics that are a proportion: ``(successes, trials)`` from confusion counts.
    loss
        For mean-loss metrics: per-row losses of checked arrays.
    root
        The metric is the square root of the mean loss (RMSE).
    kernel
        Prepares a :class:`~modelpact.stats._kernels.WeightedStat` from checked arrays.
    studentized
        A metric-specific studentized interval, ``(t, y, confidence, n_resamples, rng) ->
        (low, high, se, method)``, or ``None`` where it does not apply to the rows (the
        engine then bootstraps). It serves the ``"bootstrap-t"`` method of metrics that are
        not mean losses (R^2).
    """

    check: Callable[[ArrayLike, ArrayLike], Checked]
    confusion: Callable[[Float], Float] | None = None
    proportion: Callable[[Float], tuple[Float, Float]] | None = None
    loss: Callable[[NDArray[Any], NDArray[Any]], Float] | None = None
    root: bool = False
    kernel: Callable[[NDArray[Any], NDArray[Any]], K.WeightedStat] | None = None
    studentized: Studentized | None = None

    def n_classes(self, y_true: NDArray[Any], y: NDArray[Any]) -> int:
        """Size K of the confusion matrix for checked labels (at least 2)."""
        return max(2, int(max(y_true.max(), y.max())) + 1)

    def counts(self, y_true: NDArray[Any], y: NDArray[Any]) -> Float:
        """Confusion counts of checked labels."""
        return K.confusion_matrix(y_true, y, self.n_classes(y_true, y))


@dataclass(frozen=True)
class Metric:
    """A named metric with the properties the verification engine needs.

    Attributes
    ----------
    name
        Registry key, snake_case.
    func
        ``func(y_true, y) -> float``; validates its inputs and raises
        :class:`~modelpact.errors.MetricError` on ones it cannot take.
    tasks
        Subset of ``{"binary", "multiclass", "regression"}``.
    input
        ``"label"`` (hard class codes), ``"score"`` (binary: 1-D probability of class 1;
        multiclass: ``(n, K)`` probabilities) or ``"value"`` (regression predictions).
    greater_is_better
        Direction of improvement.
    bounds
        Valid range of the metric.
    interval
        Default interval method: ``"wilson"``, ``"delong"``, ``"clt"`` (mean losses: the CLT,
        or the bootstrap-t where the losses are skewed), ``"bootstrap-t"`` (R^2, studentized
        on the log scale), ``"calibration"`` (ECE) or ``"bootstrap"``.
    description
        One line for reports.
    engine
        Vectorised hooks used by the interval engine; ``None`` for user-defined metrics,
        which are bootstrapped by re-evaluating ``func`` on resampled rows.
    """

    name: str
    func: Callable[[Any, Any], float]
    tasks: frozenset[str]
    input: Literal["label", "score", "value"]
    greater_is_better: bool
    bounds: tuple[float, float]
    interval: str
    description: str
    engine: Engine | None = field(default=None, repr=False, compare=False)

    def __call__(self, y_true: ArrayLike, y: ArrayLike) -> float:
        return self.func(y_true, y)


# --- input checks -----------------------------------------------------------------------


def check_labels01(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_labels01(name, "y_true", y_true)
        p = as_labels01(name, "the predicted labels", y)
        check_pair(name, t, p)
        return t, p

    return check


def check_codes(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_codes(name, "y_true", y_true)
        p = as_codes(name, "the predicted labels", y)
        check_pair(name, t, p)
        return t, p

    return check


def check_both_classes(name: str, t: NDArray[np.int64]) -> None:
    pos = int(np.count_nonzero(t))
    if pos == 0 or pos == t.size:
        raise MetricError(f"{name} needs both classes in y_true; got only class {int(t[0])}")


def check_ranking(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_labels01(name, "y_true", y_true)
        s = as_scores(name, y)
        check_pair(name, t, s)
        check_both_classes(name, t)
        return t, s

    return check


def check_proba01(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_labels01(name, "y_true", y_true)
        p = as_probabilities(name, y)
        check_pair(name, t, p)
        return t, p

    return check


def check_values(name: str, *, min_rows: int = 1) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_values(name, "y_true", y_true)
        p = as_values(name, "the predictions", y)
        check_pair(name, t, p)
        if t.size < min_rows:
            raise MetricError(f"{name} needs at least {min_rows} rows; got {t.size}")
        return t, p

    return check


# --- builders ----------------------------------------------------------------------------


def point_of(kernel: K.WeightedStat, n: int) -> float:
    return float(kernel.evaluate(np.ones((1, n)))[0])


def confusion_metric(
    name: str,
    stat: Callable[[Float], Float],
    *,
    tasks: frozenset[str],
    description: str,
    interval: str = "bootstrap",
    proportion: Callable[[Float], tuple[Float, Float]] | None = None,
) -> Metric:
    check = check_labels01(name) if tasks == BIN else check_codes(name)
    engine = Engine(check=check, confusion=stat, proportion=proportion)

    def func(y_true: ArrayLike, y: ArrayLike) -> float:
        t, p = check(y_true, y)
        return float(stat(engine.counts(t, p)))

    return Metric(name, func, tasks, "label", True, (0.0, 1.0), interval, description, engine)


def mean_loss_metric(
    name: str,
    rows: Callable[[NDArray[Any], NDArray[Any]], Float],
    check: Callable[[ArrayLike, ArrayLike], Checked],
    *,
    tasks: frozenset[str],
    input: Literal["label", "score", "value"],
    bounds: tuple[float, float],
    description: str,
    interval: str = "clt",
    root: bool = False,
) -> Metric:
    def func(y_true: ArrayLike, y: ArrayLike) -> float:
        mean = float(np.mean(rows(*check(y_true, y))))
        return float(np.sqrt(mean)) if root else mean

    def kernel(t: NDArray[Any], p: NDArray[Any]) -> K.WeightedStat:
        return K.mean_kernel(rows(t, p), root=root)

    engine = Engine(check=check, loss=rows, root=root, kernel=kernel)
    return Metric(name, func, tasks, input, False, bounds, interval, description, engine)


def kernel_metric(
    name: str,
    kernel: Callable[[NDArray[Any], NDArray[Any]], K.WeightedStat],
    check: Callable[[ArrayLike, ArrayLike], Checked],
    *,
    tasks: frozenset[str],
    input: Literal["label", "score", "value"],
    greater_is_better: bool,
    bounds: tuple[float, float],
    interval: str,
    description: str,
    point: Callable[[NDArray[Any], NDArray[Any]], float] | None = None,
    studentized: Studentized | None = None,
) -> Metric:
    def func(y_true: ArrayLike, y: ArrayLike) -> float:
        t, p = check(y_true, y)
        if point is not None:
            return point(t, p)
        return point_of(kernel(t, p), t.size)

    engine = Engine(check=check, kernel=kernel, studentized=studentized)
    return Metric(
        name, func, tasks, input, greater_is_better, bounds, interval, description, engine
    )
