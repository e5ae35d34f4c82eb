"""Shared fixtures: a small seeded synthetic table, and the real datasets (skipped if absent)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Two informative numbers, one noise number, a category; binary target from a logistic model."""
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=(3, n))
    cat = rng.choice(["a", "b", "c"], size=n)
    logit = 1.5 * x1 + 1.0 * x2 + 0.5 * (cat == "a")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "cat": cat, "y": y})


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_frame()
