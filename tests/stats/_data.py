"""Random inputs for every registered metric, shared by the stats tests."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelpact.stats import METRICS, Metric

Arrays = tuple[NDArray[Any], NDArray[Any]]

#: Every (metric, task) combination in the registry.
CASES = [(name, task) for name, m in METRICS.items() for task in sorted(m.tasks)]


def binary_scores(rng: np.random.Generator, n: int, *, ties: bool = True) -> Arrays:
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    p = 1.0 / (1.0 + np.exp(-(1.2 * y - 0.6 + rng.normal(size=n))))
    return y, np.round(p, 2) if ties else p


def make_data(metric: Metric, task: str, rng: np.random.Generator, n: int = 300) -> Arrays:
    """Inputs of the kind *metric* reads, for *task*, with some signal and some ties."""
    if task == "regression":
        y = rng.normal(3.0, 2.0, n)
        return y, y + rng.normal(0.0, 1.5, n)
    if task == "binary":
        y, p = binary_scores(rng, n)
        if metric.input == "label":
            return y, (p > 0.5).astype(np.int64)
        return y, p
    k = 3
    y = rng.integers(0, k, n)
    y[:k] = np.arange(k)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if metric.input == "label":
        return y, proba.argmax(axis=1)
    return y, proba
