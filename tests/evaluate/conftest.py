from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from modelpact.pact import Pact, parse_pact
from tests.conftest import shared_dataset


@pytest.fixture
def shared_frame() -> Callable[[str], pd.DataFrame]:
    return lambda name: pd.read_csv(shared_dataset(name))


def binary_frame(n: int, *, seed: int = 0, separation: float = 1.5) -> pd.DataFrame:
    """Scores from a logistic model of a Gaussian shift: known, well-calibrated probabilities."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(separation * y, 1.0)
    logit = separation * x - separation**2 / 2
    p = 1 / (1 + np.exp(-logit))
    region = rng.choice(["EU", "US", "APAC"], n, p=[0.5, 0.3, 0.2])
    return pd.DataFrame({"id": np.arange(n), "y": y, "p": p, "region": region})


@pytest.fixture
def binary_pact() -> Pact:
    return parse_pact(
        """
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: id, slices: [region]}
criteria:
  - {metric: roc_auc, at_least: 0.80}
  - {metric: accuracy, vs_baseline: improve, by: 0.10}
  - {metric: recall, slice: {region: EU}, at_least: 0.6}
  - {metric: log_loss, at_most: 0.6}
data: {min_rows: 100, min_rows_per_slice: 50}
"""
    )
