"""Label metrics: the confusion-matrix family (accuracy, precision, recall, F-beta, macro
and weighted averages over classes).

Each is a function of the confusion counts, so the interval engine bootstraps it by
resampling the counts (:func:`~modelpact.stats.bootstrap.cell_replicates`); the proportions
among them (accuracy, precision, recall, specificity) take Wilson's score interval.
"""

from __future__ import annotations

import numpy as np

from modelpact.errors import MetricError
from modelpact.stats import _kernels as K
from modelpact.stats.metric_base import BIN, BOTH, MULTI, Float, Metric, confusion_metric

__all__ = ["binary_label_metrics", "make_fbeta", "multiclass_label_metrics"]


def _beta_name(beta: float) -> str:
    return "f" + f"{beta:g}".replace(".", "_")


def make_fbeta(beta: float) -> Metric:
    """F-beta score of the positive class as a registered-style :class:`Metric`.

    Parameters
    ----------
    beta : float
        Weight of recall relative to precision (``beta > 1`` favours recall).

    Returns
    -------
    Metric
        Named ``f{beta}`` with ``"."`` replaced by ``"_"``.

    Examples
    --------
    >>> f = make_fbeta(0.5)
    >>> f.name
    'f0_5'
    >>> round(f([1, 1, 0, 0], [1, 0, 1, 0]), 4)
    0.5
    """
    if not np.isfinite(beta) or beta <= 0:
        raise MetricError(f"F-beta needs a positive, finite beta; got {beta}")
    return confusion_metric(
        _beta_name(beta),
        K.fbeta_cm(beta),
        tasks=BIN,
        description=f"F-beta with beta={beta:g}: weighted harmonic mean of precision and recall",
    )


def _recall_counts(c: Float) -> tuple[Float, Float]:
    return c[..., 1, 1], c[..., 1, 0] + c[..., 1, 1]


def _precision_counts(c: Float) -> tuple[Float, Float]:
    return c[..., 1, 1], c[..., 0, 1] + c[..., 1, 1]


def _specificity_counts(c: Float) -> tuple[Float, Float]:
    return c[..., 0, 0], c[..., 0, 0] + c[..., 0, 1]


def _accuracy_counts(c: Float) -> tuple[Float, Float]:
    return np.trace(c, axis1=-2, axis2=-1), c.sum(axis=(-2, -1))


def binary_label_metrics() -> list[Metric]:
    """Label metrics of a binary task (some also serve multiclass: accuracy, balanced)."""
    return [
        confusion_metric(
            "accuracy",
            K.accuracy_cm,
            tasks=BOTH,
            interval="wilson",
            proportion=_accuracy_counts,
            description="Share of rows predicted correctly",
        ),
        confusion_metric(
            "balanced_accuracy",
            K.balanced_accuracy_cm,
            tasks=BOTH,
            description="Mean recall over the classes present in y_true",
        ),
        confusion_metric(
            "precision",
            K.precision_cm,
            tasks=BIN,
            interval="wilson",
            proportion=_precision_counts,
            description="Share of predicted positives that are positive",
        ),
        confusion_metric(
            "recall",
            K.recall_cm,
            tasks=BIN,
            interval="wilson",
            proportion=_recall_counts,
            description="Share of positives predicted positive",
        ),
        confusion_metric(
            "specificity",
            K.specificity_cm,
            tasks=BIN,
            interval="wilson",
            proportion=_specificity_counts,
            description="Share of negatives predicted negative",
        ),
        confusion_metric(
            "f1",
            K.fbeta_cm(1.0),
            tasks=BIN,
            description="Harmonic mean of precision and recall",
        ),
        make_fbeta(2.0),
        make_fbeta(0.5),
    ]


def multiclass_label_metrics() -> list[Metric]:
    """Micro, macro and support-weighted averages of per-class metrics."""
    return [
        confusion_metric(
            "f1_macro",
            K.macro_cm("f1", "macro"),
            tasks=MULTI,
            description="Unweighted mean of per-class F1",
        ),
        confusion_metric(
            "f1_micro",
            K.f1_micro_cm,
            tasks=MULTI,
            description="F1 of pooled counts (equals accuracy for single-label multiclass)",
        ),
        confusion_metric(
            "f1_weighted",
            K.macro_cm("f1", "weighted"),
            tasks=MULTI,
            description="Per-class F1 averaged with class support as weights",
        ),
        confusion_metric(
            "precision_macro",
            K.macro_cm("precision", "macro"),
            tasks=MULTI,
            description="Unweighted mean of per-class precision",
        ),
        confusion_metric(
            "recall_macro",
            K.macro_cm("recall", "macro"),
            tasks=MULTI,
            description="Unweighted mean of per-class recall",
        ),
        confusion_metric(
            "precision_weighted",
            K.macro_cm("precision", "weighted"),
            tasks=MULTI,
            description="Per-class precision averaged with class support as weights",
        ),
        confusion_metric(
            "recall_weighted",
            K.macro_cm("recall", "weighted"),
            tasks=MULTI,
            description="Per-class recall averaged with class support as weights",
        ),
    ]
