"""Statistics engine: metrics, confidence intervals, paired comparisons and planning.

Pure NumPy/SciPy, importing nothing from the rest of modelpact except its errors. Every
metric is a pure function in one registry (:data:`METRICS`) that declares its properties;
every verdict is decided on an interval from :func:`metric_interval` or
:func:`paired_interval`, which also say where no interval can be trusted (:mod:`.trust`);
:func:`n_needed` and friends say how many rows would settle an inconclusive one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelpact.stats.intervals import Interval, ScoreCache, metric_interval
    from modelpact.stats.metrics import METRICS, Metric, get_metric, make_fbeta, metric_names
    from modelpact.stats.paired import (
        PairedComparison,
        mcnemar_test,
        paired_comparison,
        paired_interval,
    )
    from modelpact.stats.power import n_by_simulation, n_for_auc, n_for_proportion, n_needed

# Names load on first use (PEP 562): the pact's metric registry must not pull in SciPy.
_LAZY = {
    "Interval": "modelpact.stats.intervals",
    "ScoreCache": "modelpact.stats.intervals",
    "metric_interval": "modelpact.stats.intervals",
    "METRICS": "modelpact.stats.metrics",
    "Metric": "modelpact.stats.metrics",
    "get_metric": "modelpact.stats.metrics",
    "make_fbeta": "modelpact.stats.metrics",
    "metric_names": "modelpact.stats.metrics",
    "PairedComparison": "modelpact.stats.paired",
    "mcnemar_test": "modelpact.stats.paired",
    "paired_comparison": "modelpact.stats.paired",
    "paired_interval": "modelpact.stats.paired",
    "n_by_simulation": "modelpact.stats.power",
    "n_for_auc": "modelpact.stats.power",
    "n_for_proportion": "modelpact.stats.power",
    "n_needed": "modelpact.stats.power",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelpact.stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
