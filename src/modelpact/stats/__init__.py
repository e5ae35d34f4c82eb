"""Statistics engine: metrics, confidence intervals, paired comparisons and planning.

Pure NumPy/SciPy, importing nothing from the rest of modelpact except its errors. Every
metric is a pure function in one registry (:data:`METRICS`) that declares its properties;
every verdict is decided on an interval from :func:`metric_interval` or
:func:`paired_interval`, which also say where no interval can be trusted (:mod:`.trust`); :func:`n_needed` and friends say how many rows would settle an
inconclusive one.
"""

from modelpact.stats.intervals import Interval, ScoreCache, metric_interval
from modelpact.stats.metrics import METRICS, Metric, get_metric, make_fbeta, metric_names
from modelpact.stats.paired import (
    PairedComparison,
    mcnemar_test,
    paired_comparison,
    paired_interval,
)
from modelpact.stats.power import n_by_simulation, n_for_auc, n_for_proportion, n_needed

__all__ = [
    "METRICS",
    "Interval",
    "Metric",
    "PairedComparison",
    "ScoreCache",
    "get_metric",
    "make_fbeta",
    "mcnemar_test",
    "metric_interval",
    "metric_names",
    "n_by_simulation",
    "n_for_auc",
    "n_for_proportion",
    "n_needed",
    "paired_comparison",
    "paired_interval",
]
