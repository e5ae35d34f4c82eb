"""Metric registry: pure functions on arrays with the properties the engine relies on.

Each :class:`Metric` declares the tasks it serves, what kind of prediction it reads, its
direction and valid range, and its default interval method, so that verification, planning
and the common tests can treat all metrics alike. Point estimates equal scikit-learn's.

The registry is built once at import from the concept modules (:mod:`.classification`,
:mod:`.probabilistic`, :mod:`.regression`; the shared parts in :mod:`.metric_base`) and
exposed read-only as :data:`METRICS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from modelpact.errors import MetricError, closest
from modelpact.stats.classification import (
    binary_label_metrics,
    make_fbeta,
    multiclass_label_metrics,
)
from modelpact.stats.metric_base import TASKS, Engine, Metric
from modelpact.stats.probabilistic import binary_score_metrics, multiclass_score_metrics
from modelpact.stats.regression import regression_metrics

__all__ = ["METRICS", "Engine", "Metric", "get_metric", "make_fbeta", "metric_names", "resolve"]


def _build() -> dict[str, Metric]:
    metrics = [
        *binary_label_metrics(),
        *binary_score_metrics(),
        *multiclass_label_metrics(),
        *multiclass_score_metrics(),
        *regression_metrics(),
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
