"""What the parts of the behaviour diff share: how they tell numbers and shares apart."""

from __future__ import annotations

import pandas as pd

__all__ = ["MAX_CATEGORIES", "is_numeric", "pct"]

MAX_CATEGORIES = 20  # one-hot columns per categorical feature in the rule tree


def is_numeric(series: pd.Series) -> bool:
    """Whether *series* holds numbers (booleans count as categories)."""
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def pct(value: float) -> str:
    """A share as a short percentage: ``0%``, ``0.4%``, ``12%``."""
    if value == 0:
        return "0%"
    if value < 0.01:
        return f"{value:.1%}"
    return f"{value:.0%}"
