"""Result objects of performance monitoring: estimates without labels, realized with labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelpact._json import nan_to_none
from modelpact.evaluate import CriterionResult, Status

__all__ = ["PerformanceEstimate", "RealizedPerformance"]


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return nan_to_none(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@dataclass(frozen=True)
class PerformanceEstimate:
    """A metric estimated for one chunk, with the band the realized value should fall in.

    Attributes
    ----------
    metric
        Registry name of the metric (``roc_auc``, ``accuracy``, ``mae``, ...).
    value
        The estimate.
    low, high
        Band at the estimator's confidence: where the realized metric of a chunk of this size
        is expected to lie if the model behaves on the chunk as it did on the reference.
    se
        Standard error of the realized metric around the estimate (sampling error of a chunk
        of this size); ``low``/``high`` are ``value -/+ z * se`` clipped to the metric's range.

    Examples
    --------
    >>> PerformanceEstimate("accuracy", 0.9, 0.88, 0.92, 0.01).to_dict()["ci"]
    [0.88, 0.92]
    """

    metric: str
    value: float
    low: float
    high: float
    se: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form: ``{"metric", "estimate", "ci": [low, high], "se"}``."""
        return {
            "metric": self.metric,
            "estimate": nan_to_none(self.value),
            "ci": [nan_to_none(self.low), nan_to_none(self.high)],
            "se": nan_to_none(self.se),
        }

    def contains(self, realized: float) -> bool:
        """Whether a realized value lies inside the band ``[low, high]``."""
        return bool(self.low <= realized <= self.high)


@dataclass(frozen=True)
class RealizedPerformance:
    """Every pact criterion on the labelled rows of one chunk.

    Attributes
    ----------
    n_rows
        Rows in the chunk.
    n_labelled
        Rows whose label is present (labels arrive late: usually fewer than ``n_rows``).
    labelled_share
        ``n_labelled / n_rows`` (0 for an empty chunk).
    criteria
        One result per pact criterion, in pact order, decided exactly as at sign-off
        (:func:`modelpact.evaluate.evaluate_criteria`). A criterion that cannot be decided on
        these rows (no labels yet, one class only, no champion given) is ``inconclusive``
        with no interval and a ``note`` saying why.
    """

    n_rows: int
    n_labelled: int
    labelled_share: float
    criteria: tuple[CriterionResult, ...]

    @property
    def status(self) -> Status:
        """``fail`` if any criterion fails, else ``inconclusive`` if any is, else ``pass``."""
        statuses = {c.status for c in self.criteria}
        if "fail" in statuses:
            return "fail"
        return "inconclusive" if "inconclusive" in statuses else "pass"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "n_rows": self.n_rows,
            "n_labelled": self.n_labelled,
            "labelled_share": self.labelled_share,
            "status": self.status,
            "criteria": [
                {k: _clean(v) for k, v in c.to_dict().items()} for c in self.criteria
            ],
        }
