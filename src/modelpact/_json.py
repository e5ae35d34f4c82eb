"""Plain JSON values: the one place numbers and containers are cleaned for serialising.

Result documents, stored ledger bodies and reports all need the same thing: NumPy scalars
as Python ones, and no NaN or infinity (JSON has neither; ``null`` says "not defined" to
every consumer).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import numpy as np

__all__ = ["finite", "json_clean", "nan_to_none", "plain_scalar"]


def finite(value: Any) -> float | None:
    """*value* as a float, or None when it is missing, NaN or infinite.

    Examples
    --------
    >>> finite(0.5), finite(float("nan")), finite(None)
    (0.5, None, None)
    """
    if value is None:
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def nan_to_none(value: float | None) -> float | None:
    """*value* as a float, with NaN (an undefined number) and None as None; infinities kept.

    JSON has no NaN: an undefined statistic (the AUC of a chunk with one class) is written as
    null, while an infinite one (a threshold no effect can reach) stays what it says.

    Examples
    --------
    >>> nan_to_none(0.5), nan_to_none(float("nan")), nan_to_none(None), nan_to_none(float("inf"))
    (0.5, None, None, inf)
    """
    if value is None or value != value:
        return None
    return float(value)


def json_clean(value: Any, *, strict: bool = True) -> Any:
    """*value* with only plain JSON types: dicts with string keys, lists, str, int, float,
    bool and None.

    NumPy scalars and arrays become Python numbers and lists; NaN and infinity become None;
    dates become ISO strings. With *strict* False any other object becomes its ``str``
    (what a stored document wants); with *strict* True it is left for ``json.dumps`` to
    reject.

    Examples
    --------
    >>> import numpy as np
    >>> json_clean({"a": np.float64("nan"), 1: (np.int64(2), 0.5)})
    {'a': None, '1': [2, 0.5]}
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_clean(v, strict=strict) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_clean(v, strict=strict) for v in value]
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        return json_clean(value.tolist(), strict=strict)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    return value if strict else str(value)


def plain_scalar(value: Any) -> Any:
    """A NumPy scalar as the equal Python scalar; anything else unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> type(plain_scalar(np.int64(3))).__name__, plain_scalar("a")
    ('int', 'a')
    """
    return value.item() if isinstance(value, np.generic) else value
