"""Metric registry: pure functions on arrays with the properties the engine relies on.

Each :class:`Metric` declares the tasks it serves, what kind of prediction it reads, its
direction and valid range, and its default interval method, so that verification, planning
and the common tests can treat all metrics alike. Point estimates equal scikit-learn's.

The registry is built once at import and exposed read-only as :data:`METRICS`.

Notes
-----
``ece`` (binned absolute calibration gaps) is biased upwards on small samples, and a
bootstrap interval inherits the bias (it never covers a calibrated model). Its default
interval is therefore the bias-aware bound of :mod:`modelpact.stats.calibration`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError, closest
from modelpact.stats import _kernels as K
from modelpact.stats._validation import (
    as_codes,
    as_labels01,
    as_probabilities,
    as_scores,
    as_values,
    check_pair,
)
from modelpact.stats.delong import auc

__all__ = ["METRICS", "Metric", "get_metric", "make_fbeta", "metric_names"]

Float = NDArray[np.float64]
Checked = tuple[NDArray[Any], NDArray[Any]]
TASKS = frozenset({"binary", "multiclass", "regression"})
_BIN = frozenset({"binary"})
_MULTI = frozenset({"multiclass"})
_BOTH = frozenset({"binary", "multiclass"})
_REG = frozenset({"regression"})
_EPS = float(np.finfo(np.float64).eps)


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
    """

    check: Callable[[ArrayLike, ArrayLike], Checked]
    confusion: Callable[[Float], Float] | None = None
    proportion: Callable[[Float], tuple[Float, Float]] | None = None
    loss: Callable[[NDArray[Any], NDArray[Any]], Float] | None = None
    root: bool = False
    kernel: Callable[[NDArray[Any], NDArray[Any]], K.WeightedStat] | None = None

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
        or the bootstrap-t where the losses are skewed), ``"calibration"`` (ECE) or
        ``"bootstrap"``.
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


def _check_labels01(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_labels01(name, "y_true", y_true)
        p = as_labels01(name, "the predicted labels", y)
        check_pair(name, t, p)
        return t, p

    return check


def _check_codes(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_codes(name, "y_true", y_true)
        p = as_codes(name, "the predicted labels", y)
        check_pair(name, t, p)
        return t, p

    return check


def _check_both_classes(name: str, t: NDArray[np.int64]) -> None:
    pos = int(np.count_nonzero(t))
    if pos == 0 or pos == t.size:
        raise MetricError(f"{name} needs both classes in y_true; got only class {int(t[0])}")


def _check_ranking(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_labels01(name, "y_true", y_true)
        s = as_scores(name, y)
        check_pair(name, t, s)
        _check_both_classes(name, t)
        return t, s

    return check


def _check_proba01(name: str) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_labels01(name, "y_true", y_true)
        p = as_probabilities(name, y)
        check_pair(name, t, p)
        return t, p

    return check


def _check_log_loss(y_true: ArrayLike, y: ArrayLike) -> Checked:
    p = as_probabilities("log_loss", y, ndim=(1, 2))
    if p.ndim == 1:
        t = as_labels01("log_loss", "y_true", y_true)
    else:
        t = as_codes("log_loss", "y_true", y_true)
        if t.max() >= p.shape[1]:
            raise MetricError(
                f"log_loss: y_true has class code {t.max()} but the probabilities have "
                f"only {p.shape[1]} columns"
            )
    check_pair("log_loss", t, p)
    return t, p


def _check_ovr(y_true: ArrayLike, y: ArrayLike) -> Checked:
    name = "roc_auc_ovr"
    p = as_probabilities(name, y, ndim=(2,))
    t = as_codes(name, "y_true", y_true)
    check_pair(name, t, p)
    k = p.shape[1]
    counts = np.bincount(t, minlength=k)
    if counts.size > k:
        raise MetricError(
            f"{name}: y_true has class code {t.max()} but the probabilities have only {k} columns"
        )
    missing = np.flatnonzero(counts == 0)
    if missing.size:
        raise MetricError(
            f"{name} needs every class in y_true; class {int(missing[0])} has no rows"
        )
    return t, p


def _check_values(name: str, *, min_rows: int = 1) -> Callable[[ArrayLike, ArrayLike], Checked]:
    def check(y_true: ArrayLike, y: ArrayLike) -> Checked:
        t = as_values(name, "y_true", y_true)
        p = as_values(name, "the predictions", y)
        check_pair(name, t, p)
        if t.size < min_rows:
            raise MetricError(f"{name} needs at least {min_rows} rows; got {t.size}")
        return t, p

    return check


# --- per-row losses ----------------------------------------------------------------------


def _log_loss_rows(t: NDArray[np.int64], p: Float) -> Float:
    # Clip like scikit-learn (machine epsilon of float64) so perfect-but-wrong scores stay finite.
    q = np.clip(p, _EPS, 1.0 - _EPS)
    if q.ndim == 1:
        return -np.where(t == 1, np.log(q), np.log1p(-q))
    return -np.log(q[np.arange(t.size), t])


def _brier_rows(t: NDArray[np.int64], p: Float) -> Float:
    return (p - t) ** 2


def _abs_rows(t: Float, p: Float) -> Float:
    return np.abs(t - p)


def _sq_rows(t: Float, p: Float) -> Float:
    return (t - p) ** 2


def _ape_rows(t: Float, p: Float) -> Float:
    return np.abs(t - p) / np.maximum(np.abs(t), _EPS)


# --- builders ----------------------------------------------------------------------------


def _point(kernel: K.WeightedStat, n: int) -> float:
    return float(kernel.evaluate(np.ones((1, n)))[0])


def _confusion_metric(
    name: str,
    stat: Callable[[Float], Float],
    *,
    tasks: frozenset[str],
    description: str,
    interval: str = "bootstrap",
    proportion: Callable[[Float], tuple[Float, Float]] | None = None,
) -> Metric:
    check = _check_labels01(name) if tasks == _BIN else _check_codes(name)
    engine = Engine(check=check, confusion=stat, proportion=proportion)

    def func(y_true: ArrayLike, y: ArrayLike) -> float:
        t, p = check(y_true, y)
        return float(stat(engine.counts(t, p)))

    return Metric(name, func, tasks, "label", True, (0.0, 1.0), interval, description, engine)


def _mean_loss_metric(
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


def _kernel_metric(
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
) -> Metric:
    def func(y_true: ArrayLike, y: ArrayLike) -> float:
        t, p = check(y_true, y)
        if point is not None:
            return point(t, p)
        return _point(kernel(t, p), t.size)

    engine = Engine(check=check, kernel=kernel)
    return Metric(
        name, func, tasks, input, greater_is_better, bounds, interval, description, engine
    )


def _beta_name(beta: float) -> str:
    return "f" + f"{beta:g}".replace(".", "_")


def make_fbeta(beta: float) -> Metric:
    """F-beta score of the positive class as a registered-style :class:`Metric`.

    Parameters
    ----------
    beta : float
        Weight of recall relative to precision (``beta > 1`` favours recall).

    Returns
    -------
    Metric
        Named ``f{beta}`` with ``"."`` replaced by ``"_"``.

    Examples
    --------
    >>> f = make_fbeta(0.5)
    >>> f.name
    'f0_5'
    >>> round(f([1, 1, 0, 0], [1, 0, 1, 0]), 4)
    0.5
    """
    if not np.isfinite(beta) or beta <= 0:
        raise MetricError(f"F-beta needs a positive, finite beta; got {beta}")
    return _confusion_metric(
        _beta_name(beta),
        K.fbeta_cm(beta),
        tasks=_BIN,
        description=f"F-beta with beta={beta:g}: weighted harmonic mean of precision and recall",
    )


def _recall_counts(c: Float) -> tuple[Float, Float]:
    return c[..., 1, 1], c[..., 1, 0] + c[..., 1, 1]


def _precision_counts(c: Float) -> tuple[Float, Float]:
    return c[..., 1, 1], c[..., 0, 1] + c[..., 1, 1]


def _specificity_counts(c: Float) -> tuple[Float, Float]:
    return c[..., 0, 0], c[..., 0, 0] + c[..., 0, 1]


def _accuracy_counts(c: Float) -> tuple[Float, Float]:
    return np.trace(c, axis1=-2, axis2=-1), c.sum(axis=(-2, -1))


def _ece_point(t: NDArray[np.int64], p: Float) -> float:
    gap = np.bincount(K.ece_bins(p), weights=t - p, minlength=K.ECE_BINS)
    return float(np.abs(gap).sum() / t.size)


def _r2_point(t: Float, p: Float) -> float:
    ss_res = float(np.sum((t - p) ** 2))
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


def _median_point(t: Float, p: Float) -> float:
    return float(np.median(np.abs(t - p)))


def _pr_auc_check(y_true: ArrayLike, y: ArrayLike) -> Checked:
    t = as_labels01("pr_auc", "y_true", y_true)
    s = as_scores("pr_auc", y)
    check_pair("pr_auc", t, s)
    if not t.any():
        raise MetricError("pr_auc needs at least one positive (class 1) in y_true; got none")
    return t, s


def _build() -> dict[str, Metric]:
    inf = float("inf")
    metrics = [
        _confusion_metric(
            "accuracy",
            K.accuracy_cm,
            tasks=_BOTH,
            interval="wilson",
            proportion=_accuracy_counts,
            description="Share of rows predicted correctly",
        ),
        _confusion_metric(
            "balanced_accuracy",
            K.balanced_accuracy_cm,
            tasks=_BOTH,
            description="Mean recall over the classes present in y_true",
        ),
        _confusion_metric(
            "precision",
            K.precision_cm,
            tasks=_BIN,
            interval="wilson",
            proportion=_precision_counts,
            description="Share of predicted positives that are positive",
        ),
        _confusion_metric(
            "recall",
            K.recall_cm,
            tasks=_BIN,
            interval="wilson",
            proportion=_recall_counts,
            description="Share of positives predicted positive",
        ),
        _confusion_metric(
            "specificity",
            K.specificity_cm,
            tasks=_BIN,
            interval="wilson",
            proportion=_specificity_counts,
            description="Share of negatives predicted negative",
        ),
        _confusion_metric(
            "f1",
            K.fbeta_cm(1.0),
            tasks=_BIN,
            description="Harmonic mean of precision and recall",
        ),
        make_fbeta(2.0),
        make_fbeta(0.5),
        _kernel_metric(
            "roc_auc",
            K.roc_auc_kernel,
            _check_ranking("roc_auc"),
            tasks=_BIN,
            input="score",
            greater_is_better=True,
            bounds=(0.0, 1.0),
            interval="delong",
            point=auc,
            description="Area under the ROC curve: P(score of a positive > score of a negative)",
        ),
        _kernel_metric(
            "pr_auc",
            K.pr_auc_kernel,
            _pr_auc_check,
            tasks=_BIN,
            input="score",
            greater_is_better=True,
            bounds=(0.0, 1.0),
            interval="bootstrap",
            description="Average precision (step-wise area under the precision-recall curve)",
        ),
        _mean_loss_metric(
            "log_loss",
            _log_loss_rows,
            _check_log_loss,
            tasks=_BOTH,
            input="score",
            bounds=(0.0, inf),
            description="Mean negative log-likelihood of the true class",
        ),
        _mean_loss_metric(
            "brier",
            _brier_rows,
            _check_proba01("brier"),
            tasks=_BIN,
            input="score",
            bounds=(0.0, 1.0),
            description="Mean squared error of the positive-class probability",
        ),
        _kernel_metric(
            "ece",
            K.ece_kernel,
            _check_proba01("ece"),
            tasks=_BIN,
            input="score",
            greater_is_better=False,
            bounds=(0.0, 1.0),
            interval="calibration",
            point=_ece_point,
            description="Expected calibration error over 10 equal-width probability bins",
        ),
        _confusion_metric(
            "f1_macro",
            K.macro_cm("f1", "macro"),
            tasks=_MULTI,
            description="Unweighted mean of per-class F1",
        ),
        _confusion_metric(
            "f1_micro",
            K.f1_micro_cm,
            tasks=_MULTI,
            description="F1 of pooled counts (equals accuracy for single-label multiclass)",
        ),
        _confusion_metric(
            "f1_weighted",
            K.macro_cm("f1", "weighted"),
            tasks=_MULTI,
            description="Per-class F1 averaged with class support as weights",
        ),
        _confusion_metric(
            "precision_macro",
            K.macro_cm("precision", "macro"),
            tasks=_MULTI,
            description="Unweighted mean of per-class precision",
        ),
        _confusion_metric(
            "recall_macro",
            K.macro_cm("recall", "macro"),
            tasks=_MULTI,
            description="Unweighted mean of per-class recall",
        ),
        _confusion_metric(
            "precision_weighted",
            K.macro_cm("precision", "weighted"),
            tasks=_MULTI,
            description="Per-class precision averaged with class support as weights",
        ),
        _confusion_metric(
            "recall_weighted",
            K.macro_cm("recall", "weighted"),
            tasks=_MULTI,
            description="Per-class recall averaged with class support as weights",
        ),
        _kernel_metric(
            "roc_auc_ovr",
            K.roc_auc_ovr_kernel,
            _check_ovr,
            tasks=_MULTI,
            input="score",
            greater_is_better=True,
            bounds=(0.0, 1.0),
            interval="bootstrap",
            description="Macro average of one-vs-rest ROC AUC over classes",
        ),
        _mean_loss_metric(
            "mae",
            _abs_rows,
            _check_values("mae"),
            tasks=_REG,
            input="value",
            bounds=(0.0, inf),
            description="Mean absolute error",
        ),
        _mean_loss_metric(
            "mse",
            _sq_rows,
            _check_values("mse"),
            tasks=_REG,
            input="value",
            bounds=(0.0, inf),
            description="Mean squared error",
        ),
        _mean_loss_metric(
            "rmse",
            _sq_rows,
            _check_values("rmse"),
            tasks=_REG,
            input="value",
            bounds=(0.0, inf),
            root=True,
            description="Root mean squared error",
        ),
        _kernel_metric(
            "r2",
            K.r2_kernel,
            _check_values("r2", min_rows=2),
            tasks=_REG,
            input="value",
            greater_is_better=True,
            bounds=(-inf, 1.0),
            interval="bootstrap",
            point=_r2_point,
            description="Coefficient of determination",
        ),
        _mean_loss_metric(
            "mape",
            _ape_rows,
            _check_values("mape"),
            tasks=_REG,
            input="value",
            bounds=(0.0, inf),
            interval="bootstrap",
            description="Mean absolute percentage error (as a fraction, not x100)",
        ),
        _kernel_metric(
            "median_ae",
            lambda t, p: K.median_kernel(np.abs(t - p)),
            _check_values("median_ae"),
            tasks=_REG,
            input="value",
            greater_is_better=False,
            bounds=(0.0, inf),
            interval="bootstrap",
            point=_median_point,
            description="Median absolute error",
        ),
    ]
    return {m.name: m for m in metrics}


METRICS: Mapping[str, Metric] = MappingProxyType(_build())
"""Read-only registry of the built-in metrics, keyed by name."""


def get_metric(name: str) -> Metric:
    """Look up a registered metric by name.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"roc_auc"``.

    Returns
    -------
    Metric

    Raises
    ------
    MetricError
        If no metric has that name; the message suggests the closest one.

    Examples
    --------
    >>> get_metric("roc_auc").interval
    'delong'
    >>> get_metric("rocauc")
    Traceback (most recent call last):
    ...
    modelpact.errors.MetricError: unknown metric 'rocauc'; did you mean 'roc_auc'?
    """
    try:
        return METRICS[name]
    except KeyError:
        raise MetricError(f"unknown metric {name!r}{closest(name, METRICS)}") from None


def metric_names(task: str | None = None) -> list[str]:
    """Sorted names of the registered metrics, optionally only those serving *task*.

    Examples
    --------
    >>> metric_names("regression")
    ['mae', 'mape', 'median_ae', 'mse', 'r2', 'rmse']
    """
    if task is not None and task not in TASKS:
        raise MetricError(f"unknown task {task!r}; expected one of {sorted(TASKS)}")
    return sorted(name for name, m in METRICS.items() if task is None or task in m.tasks)


def resolve(metric: str | Metric) -> Metric:
    """A :class:`Metric` from a name or a metric."""
    return metric if isinstance(metric, Metric) else get_metric(metric)
