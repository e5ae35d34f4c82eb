"""Score and probability metrics: ranking (ROC AUC, average precision), proper scoring rules
(log loss, Brier score) and calibration (ECE).

Notes
-----
``ece`` (binned absolute calibration gaps) is biased upwards on small samples, and a
bootstrap interval inherits the bias (it never covers a calibrated model). Its default
interval is therefore the bias-aware bound of :mod:`modelpact.stats.calibration`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from modelpact.errors import MetricError
from modelpact.stats import _kernels as K
from modelpact.stats._validation import (
    as_codes,
    as_labels01,
    as_probabilities,
    as_scores,
    check_pair,
)
from modelpact.stats.delong import auc
from modelpact.stats.metric_base import (
    BIN,
    BOTH,
    EPS,
    MULTI,
    Checked,
    Float,
    Metric,
    check_proba01,
    check_ranking,
    kernel_metric,
    mean_loss_metric,
)

__all__ = ["binary_score_metrics", "multiclass_score_metrics"]


def check_log_loss(y_true: ArrayLike, y: ArrayLike) -> Checked:
    p = as_probabilities("log_loss", y, ndim=(1, 2))
    if p.ndim == 1:
        t = as_labels01("log_loss", "y_true", y_true)
    else:
        t = as_codes("log_loss", "y_true", y_true)
        if t.max() >= p.shape[1]:
            raise MetricError(
                f"log_loss: y_true has class code {t.max()} but the probabilities have "
                f"only {p.shape[1]} columns"
            )
    check_pair("log_loss", t, p)
    return t, p


def check_ovr(y_true: ArrayLike, y: ArrayLike) -> Checked:
    name = "roc_auc_ovr"
    p = as_probabilities(name, y, ndim=(2,))
    t = as_codes(name, "y_true", y_true)
    check_pair(name, t, p)
    k = p.shape[1]
    counts = np.bincount(t, minlength=k)
    if counts.size > k:
        raise MetricError(
            f"{name}: y_true has class code {t.max()} but the probabilities have only {k} columns"
        )
    missing = np.flatnonzero(counts == 0)
    if missing.size:
        raise MetricError(
            f"{name} needs every class in y_true; class {int(missing[0])} has no rows"
        )
    return t, p


def _log_loss_rows(t: NDArray[np.int64], p: Float) -> Float:
    # Clip like scikit-learn (machine epsilon of float64) so perfect-but-wrong scores stay finite.
    q = np.clip(p, EPS, 1.0 - EPS)
    if q.ndim == 1:
        return -np.where(t == 1, np.log(q), np.log1p(-q))
    return -np.log(q[np.arange(t.size), t])


def _brier_rows(t: NDArray[np.int64], p: Float) -> Float:
    return (p - t) ** 2


def _ece_point(t: NDArray[np.int64], p: Float) -> float:
    gap = np.bincount(K.ece_bins(p), weights=t - p, minlength=K.ECE_BINS)
    return float(np.abs(gap).sum() / t.size)


def _pr_auc_check(y_true: ArrayLike, y: ArrayLike) -> Checked:
    t = as_labels01("pr_auc", "y_true", y_true)
    s = as_scores("pr_auc", y)
    check_pair("pr_auc", t, s)
    if not t.any():
        raise MetricError("pr_auc needs at least one positive (class 1) in y_true; got none")
    return t, s


def binary_score_metrics() -> list[Metric]:
    """Metrics of scores or probabilities (log loss also serves multiclass)."""
    inf = float("inf")
    return [
        kernel_metric(
            "roc_auc",
            K.roc_auc_kernel,
            check_ranking("roc_auc"),
            tasks=BIN,
            input="score",
            greater_is_better=True,
            bounds=(0.0, 1.0),
            interval="delong",
            point=auc,
            description="Area under the ROC curve: P(score of a positive > score of a negative)",
        ),
        kernel_metric(
            "pr_auc",
            K.pr_auc_kernel,
            _pr_auc_check,
            tasks=BIN,
            input="score",
            greater_is_better=True,
            bounds=(0.0, 1.0),
            interval="bootstrap",
            description="Average precision (step-wise area under the precision-recall curve)",
        ),
        mean_loss_metric(
            "log_loss",
            _log_loss_rows,
            check_log_loss,
            tasks=BOTH,
            input="score",
            bounds=(0.0, inf),
            description="Mean negative log-likelihood of the true class",
        ),
        mean_loss_metric(
            "brier",
            _brier_rows,
            check_proba01("brier"),
            tasks=BIN,
            input="score",
            bounds=(0.0, 1.0),
            description="Mean squared error of the positive-class probability",
        ),
        kernel_metric(
            "ece",
            K.ece_kernel,
            check_proba01("ece"),
            tasks=BIN,
            input="score",
            greater_is_better=False,
            bounds=(0.0, 1.0),
            interval="calibration",
            point=_ece_point,
            description="Expected calibration error over 10 equal-width probability bins",
        ),
    ]


def multiclass_score_metrics() -> list[Metric]:
    """Metrics of ``(n, K)`` class probabilities besides log loss."""
    return [
        kernel_metric(
            "roc_auc_ovr",
            K.roc_auc_ovr_kernel,
            check_ovr,
            tasks=MULTI,
            input="score",
            greater_is_better=True,
            bounds=(0.0, 1.0),
            interval="bootstrap",
            description="Macro average of one-vs-rest ROC AUC over classes",
        ),
    ]
