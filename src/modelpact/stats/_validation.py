"""Input checks shared by the metric functions and the interval engines.

Every check raises :class:`~modelpact.errors.MetricError` with a message that names the
metric and the problem, because these arrays usually come straight from a user's columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError

__all__ = [
    "as_codes",
    "as_labels01",
    "as_probabilities",
    "as_scores",
    "as_values",
    "check_pair",
]


def _as_array(name: str, what: str, x: ArrayLike) -> NDArray[Any]:
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise MetricError(f"{name}: {what} is not an array of numbers ({exc})") from exc
    if arr.dtype.kind not in "biuf":
        raise MetricError(f"{name}: {what} must be numeric; got dtype {arr.dtype}")
    if arr.size == 0:
        raise MetricError(f"{name}: {what} is empty; a metric needs at least one row")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise MetricError(f"{name}: {bad} NaN or infinite value(s) in {what}")
    return arr


def check_pair(name: str, y_true: NDArray[Any], y: NDArray[Any]) -> None:
    """Raise unless *y_true* and *y* describe the same rows."""
    if y_true.shape[0] != y.shape[0]:
        raise MetricError(
            f"{name}: y_true has {y_true.shape[0]} rows but the predictions have {y.shape[0]}"
        )


def _integral(name: str, what: str, arr: NDArray[Any]) -> NDArray[np.int64]:
    if arr.ndim != 1:
        raise MetricError(f"{name}: {what} must be 1-D; got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.array_equal(arr, np.round(arr)):
        raise MetricError(f"{name}: {what} must hold integer class codes; got fractions")
    out = arr.astype(np.int64, copy=False)
    if out.min() < 0:
        raise MetricError(f"{name}: {what} must hold class codes 0..K-1; got {out.min()}")
    return out


def as_labels01(name: str, what: str, x: ArrayLike) -> NDArray[np.int64]:
    """Binary labels as int64, rejecting anything outside {0, 1}."""
    out = _integral(name, what, _as_array(name, what, x))
    if out.max() > 1:
        raise MetricError(
            f"{name}: {what} must be binary (0/1); got class code {out.max()} "
            "(use a multiclass metric such as f1_macro)"
        )
    return out


def as_codes(name: str, what: str, x: ArrayLike) -> NDArray[np.int64]:
    """Class codes 0..K-1 as int64."""
    return _integral(name, what, _as_array(name, what, x))


def as_scores(name: str, x: ArrayLike) -> NDArray[np.float64]:
    """Finite 1-D scores (any scale: ranking metrics only use their order)."""
    arr = _as_array(name, "the scores", x)
    if arr.ndim != 1:
        raise MetricError(f"{name}: scores must be 1-D; got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)


def as_probabilities(
    name: str, x: ArrayLike, *, ndim: tuple[int, ...] = (1,)
) -> NDArray[np.float64]:
    """Probabilities in [0, 1], 1-D (binary) or 2-D (one column per class)."""
    arr = _as_array(name, "the probabilities", x).astype(np.float64, copy=False)
    if arr.ndim not in ndim:
        shapes = " or ".join(f"{d}-D" for d in ndim)
        raise MetricError(f"{name}: probabilities must be {shapes}; got shape {arr.shape}")
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise MetricError(
            f"{name}: probabilities must lie in [0, 1]; got values in "
            f"[{arr.min():.6g}, {arr.max():.6g}]"
        )
    return arr


def as_values(name: str, what: str, x: ArrayLike) -> NDArray[np.float64]:
    """Finite 1-D real values (regression targets and predictions)."""
    arr = _as_array(name, what, x)
    if arr.ndim != 1:
        raise MetricError(f"{name}: {what} must be 1-D; got shape {arr.shape}")
    return arr.astype(np.float64, copy=False)
