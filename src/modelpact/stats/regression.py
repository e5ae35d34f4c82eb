"""Regression metrics: mean errors (MAE, MSE, RMSE, MAPE), the median absolute error and R^2.

Mean errors are mean losses: the CLT interval, or the bootstrap-t where the per-row losses
are skewed (:mod:`.studentized`). R^2 is studentized on the log scale of ``1 - R^2``
(:mod:`.r2`).
"""

from __future__ import annotations

import numpy as np

from modelpact.stats import _kernels as K
from modelpact.stats.metric_base import (
    EPS,
    REG,
    Float,
    Metric,
    check_values,
    kernel_metric,
    mean_loss_metric,
)

__all__ = ["regression_metrics"]


def _abs_rows(t: Float, p: Float) -> Float:
    return np.abs(t - p)


def _sq_rows(t: Float, p: Float) -> Float:
    return (t - p) ** 2


def _ape_rows(t: Float, p: Float) -> Float:
    return np.abs(t - p) / np.maximum(np.abs(t), EPS)


def _r2_point(t: Float, p: Float) -> float:
    ss_res = float(np.sum((t - p) ** 2))
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


def _r2_studentized(
    t: Float, p: Float, confidence: float, n_resamples: int, rng: np.random.Generator
) -> tuple[float, float, float, str] | None:
    # Imported on use: the registry must load without SciPy (the bootstrap needs it).
    from modelpact.stats.r2 import log_r2_interval

    return log_r2_interval(t, p, confidence, n_resamples, rng)


def _median_point(t: Float, p: Float) -> float:
    return float(np.median(np.abs(t - p)))


def regression_metrics() -> list[Metric]:
    """The regression metrics."""
    inf = float("inf")
    return [
        mean_loss_metric(
            "mae",
            _abs_rows,
            check_values("mae"),
            tasks=REG,
            input="value",
            bounds=(0.0, inf),
            description="Mean absolute error",
        ),
        mean_loss_metric(
            "mse",
            _sq_rows,
            check_values("mse"),
            tasks=REG,
            input="value",
            bounds=(0.0, inf),
            description="Mean squared error",
        ),
        mean_loss_metric(
            "rmse",
            _sq_rows,
            check_values("rmse"),
            tasks=REG,
            input="value",
            bounds=(0.0, inf),
            root=True,
            description="Root mean squared error",
        ),
        kernel_metric(
            "r2",
            K.r2_kernel,
            check_values("r2", min_rows=2),
            tasks=REG,
            input="value",
            greater_is_better=True,
            bounds=(-inf, 1.0),
            interval="bootstrap-t",
            point=_r2_point,
            studentized=_r2_studentized,
            description="Coefficient of determination",
        ),
        mean_loss_metric(
            "mape",
            _ape_rows,
            check_values("mape"),
            tasks=REG,
            input="value",
            bounds=(0.0, inf),
            interval="bootstrap",
            description="Mean absolute percentage error (as a fraction, not x100)",
        ),
        kernel_metric(
            "median_ae",
            lambda t, p: K.median_kernel(np.abs(t - p)),
            check_values("median_ae"),
            tasks=REG,
            input="value",
            greater_is_better=False,
            bounds=(0.0, inf),
            interval="bootstrap",
            point=_median_point,
            description="Median absolute error",
        ),
    ]
