"""Column summaries stored with each dataset snapshot: enough to describe the data without it.

Not a drift profile (that is :func:`modelpact.monitor.profile.profile_frame`, mergeable and
binned on a reference): a small JSON description of one dataset, stored as it is.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modelpact._json import finite

__all__ = ["dataset_summary"]

TOP_VALUES = 10


def _summary(values: np.ndarray[Any, Any]) -> dict[str, Any]:
    return {
        "min": finite(values.min()),
        "max": finite(values.max()),
        "mean": finite(values.mean()),
        "std": finite(values.std(ddof=1)) if len(values) > 1 else None,
        "quantiles": {
            str(q): finite(v)
            for q, v in zip(
                (0.05, 0.25, 0.5, 0.75, 0.95),
                np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]),
                strict=True,
            )
        },
    }


def dataset_summary(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per column: dtype, missing count, distinct count, and numeric summary or top values.

    The result is plain JSON (no NaN), so it can be stored and compared as is.

    Examples
    --------
    >>> import pandas as pd
    >>> p = dataset_summary(pd.DataFrame({"x": [1.0, 2.0, None], "c": ["a", "a", "b"]}))
    >>> p["x"]["n_missing"], p["x"]["mean"], p["c"]["top"][0]
    (1, 1.5, ['a', 2])
    """
    out: dict[str, dict[str, Any]] = {}
    for name in frame.columns:
        column = frame[name]
        entry: dict[str, Any] = {
            "dtype": str(column.dtype),
            "n_missing": int(column.isna().sum()),
            "n_unique": int(column.nunique(dropna=True)),
        }
        present = column.dropna()
        if pd.api.types.is_bool_dtype(column.dtype):
            entry["top"] = [[bool(k), int(v)] for k, v in present.value_counts().items()]
        elif pd.api.types.is_numeric_dtype(column.dtype) and len(present):
            values = present.to_numpy(dtype=np.float64)
            finite = np.isfinite(values)
            if not finite.all():
                entry["n_infinite"] = int((~finite).sum())
                values = values[finite]
            if not len(values):
                out[str(name)] = entry
                continue
            with np.errstate(over="ignore", invalid="ignore"):
                # huge values overflow the variance to inf, which is stored as null
                summary = _summary(values)
            entry.update(summary)
        elif len(present):
            counts = present.astype(str).value_counts().head(TOP_VALUES)
            entry["top"] = [[str(k), int(v)] for k, v in counts.items()]
        out[str(name)] = entry
    return out
