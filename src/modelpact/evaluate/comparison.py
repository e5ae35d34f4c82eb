"""The result of a comparison: per-model estimates, paired differences, one board per metric."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from modelpact._json import finite, plain_scalar
from modelpact._result import Outcome, ResultMixin
from modelpact.errors import closest

__all__ = ["COMPARE_SCHEMA", "Comparison", "MetricBoard", "ModelEstimate", "PairedDifference"]

COMPARE_SCHEMA = "modelpact.compare/v1"


@dataclass(frozen=True)
class ModelEstimate:
    """A model's metric value with its confidence interval."""

    model: str
    estimate: float
    low: float
    high: float
    method: str
    se: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "estimate": finite(self.estimate),
            "ci": [finite(self.low), finite(self.high)],
            "method": self.method,
            "se": finite(self.se),
        }


@dataclass(frozen=True)
class PairedDifference:
    """``metric(model) - metric(reference)`` on the same rows, with a paired interval.

    ``p_value`` is the two-sided p-value read off the paired interval (see
    :func:`interval_p_value`) and
    ``p_adjusted`` its Holm adjustment within the family (same metric, same reference);
    ``distinguishable`` is ``p_adjusted < 1 - confidence``. ``better`` says whether the
    difference favours *model* (taking the metric's direction into account).
    """

    model: str
    reference: str
    difference: float
    low: float
    high: float
    confidence: float
    method: str
    p_value: float
    p_adjusted: float
    distinguishable: bool
    better: bool

    @property
    def excludes_zero(self) -> bool:
        """Whether the (unadjusted) interval lies entirely on one side of zero."""
        return bool(self.low > 0 or self.high < 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "reference": self.reference,
            "difference": finite(self.difference),
            "ci": [finite(self.low), finite(self.high)],
            "confidence": self.confidence,
            "method": self.method,
            "p_value": finite(self.p_value),
            "p_holm": finite(self.p_adjusted),
            "distinguishable": self.distinguishable,
            "better": self.better,
        }


@dataclass(frozen=True)
class MetricBoard:
    """One metric of the leaderboard: every model's interval and the paired differences."""

    metric: str
    greater_is_better: bool
    description: str
    estimates: tuple[ModelEstimate, ...]
    best: str
    vs_best: tuple[PairedDifference, ...]
    vs_baseline: tuple[PairedDifference, ...]
    indistinguishable_from_best: tuple[str, ...]

    def estimate(self, model: str) -> ModelEstimate:
        """The estimate of *model*."""
        for item in self.estimates:
            if item.model == model:
                return item
        raise KeyError(model)

    def versus_best(self, model: str) -> PairedDifference | None:
        """The paired difference of *model* against the best (``None`` for the best itself)."""
        return next((d for d in self.vs_best if d.model == model), None)

    def versus_baseline(self, model: str) -> PairedDifference | None:
        """The paired difference of *model* against the baseline, if there is one."""
        return next((d for d in self.vs_baseline if d.model == model), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "metric": self.metric,
            "greater_is_better": self.greater_is_better,
            "description": self.description,
            "best": self.best,
            "indistinguishable_from_best": list(self.indistinguishable_from_best),
            "estimates": [e.to_dict() for e in self.estimates],
            "vs_best": [d.to_dict() for d in self.vs_best],
            "vs_baseline": [d.to_dict() for d in self.vs_baseline],
        }


def _estimate(d: Mapping[str, Any]) -> ModelEstimate:
    return ModelEstimate(model=d["model"], estimate=_nan(d["estimate"]), low=_nan(d["ci"][0]),
                         high=_nan(d["ci"][1]), method=d["method"], se=d["se"])


def _paired(d: Mapping[str, Any]) -> PairedDifference:
    return PairedDifference(
        model=d["model"], reference=d["reference"], difference=_nan(d["difference"]),
        low=_nan(d["ci"][0]), high=_nan(d["ci"][1]), confidence=d["confidence"],
        method=d["method"], p_value=_nan(d["p_value"]), p_adjusted=_nan(d["p_holm"]),
        distinguishable=d["distinguishable"], better=d["better"],
    )


def _nan(value: float | None) -> float:
    # the JSON writes NaN as null (finite); the objects hold NaN
    return float("nan") if value is None else float(value)


def _board(d: Mapping[str, Any]) -> MetricBoard:
    return MetricBoard(
        metric=d["metric"], greater_is_better=d["greater_is_better"],
        description=d["description"], estimates=tuple(_estimate(e) for e in d["estimates"]),
        best=d["best"], vs_best=tuple(_paired(x) for x in d["vs_best"]),
        vs_baseline=tuple(_paired(x) for x in d["vs_baseline"]),
        indistinguishable_from_best=tuple(d["indistinguishable_from_best"]),
    )


@dataclass(frozen=True)
class Comparison(ResultMixin):
    """The result of :func:`compare`: a leaderboard with paired, multiplicity-adjusted tests.

    Attributes
    ----------
    models
        Model names, best first by the first metric.
    sources
        Where each model's predictions came from (file path or ``<DataFrame>``).
    boards
        One :class:`MetricBoard` per metric, in the order requested.
    baseline
        Name of the baseline row (``None`` without a baseline) and ``baseline_kind``
        (``prior``, ``majority``, ``mean``, ``median``, ``column`` or ``model``).
    """

    task: str
    models: tuple[str, ...]
    sources: Mapping[str, str]
    boards: tuple[MetricBoard, ...]
    n_rows: int
    rows_dropped: Mapping[str, int]
    confidence: float
    baseline: str | None
    baseline_kind: str | None
    id_column: str | None
    target: str
    seed: int
    n_resamples: int
    positive_class: Any = None
    threshold: float | None = None
    correction: str = "holm"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def outcome(self) -> Outcome:
        """``pass`` when the first metric's best model is separated from every other,
        ``inconclusive`` when some model cannot be told apart from it
        (see :mod:`modelpact._result`)."""
        if not self.boards:
            return "inconclusive"
        first = self.boards[0]
        tied = [m for m in first.indistinguishable_from_best if m != first.best]
        return "inconclusive" if tied else "pass"

    def summary(self) -> str:
        """One line: the best model on the first metric and which ones tie with it."""
        if not self.boards:
            return f"{len(self.models)} models on {self.n_rows:,} rows; no metric compared."
        b = self.boards[0]
        tied = [m for m in b.indistinguishable_from_best if m != b.best]
        best = b.estimate(b.best).estimate
        text = (
            f"{len(self.models)} models on {self.n_rows:,} rows; best on {b.metric}: "
            f"{b.best} ({best:.4g})"
        )
        if tied:
            return text + f", indistinguishable from {', '.join(tied)}."
        return text + f", separated from every other model at {self.confidence:.0%} confidence."

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Comparison:
        """The comparison of a ``modelpact.compare/v1`` document (inverse of :meth:`to_dict`)."""
        baseline = document["baseline"]
        return cls(
            task=document["task"],
            models=tuple(m["name"] for m in document["models"]),
            sources={m["name"]: m["source"] for m in document["models"]},
            boards=tuple(_board(b) for b in document["metrics"]),
            n_rows=document["n_rows"],
            rows_dropped=dict(document["rows_dropped"]),
            confidence=document["confidence"],
            baseline=baseline["name"] if baseline else None,
            baseline_kind=baseline["kind"] if baseline else None,
            id_column=document["id"],
            target=document["target"],
            seed=document["seed"],
            n_resamples=document["n_resamples"],
            positive_class=document["positive_class"],
            threshold=document["threshold"],
            correction=document["correction"]["method"],
            notes=tuple(document["notes"]),
        )

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric names, in board order."""
        return tuple(b.metric for b in self.boards)

    def board(self, metric: str) -> MetricBoard:
        """The board of *metric*."""
        for b in self.boards:
            if b.metric == metric:
                return b
        raise KeyError(f"no metric '{metric}' in this comparison{closest(metric, self.metrics)}")

    def to_frame(self) -> pd.DataFrame:
        """One row per (metric, model): estimate, interval, and the differences vs best/baseline."""
        rows = []
        for b in self.boards:
            for e in b.estimates:
                vb = b.versus_best(e.model)
                vbase = b.versus_baseline(e.model)
                rows.append(
                    {
                        "metric": b.metric,
                        "model": e.model,
                        "estimate": e.estimate,
                        "low": e.low,
                        "high": e.high,
                        "is_best": e.model == b.best,
                        "indistinguishable_from_best": e.model in b.indistinguishable_from_best,
                        "diff_vs_best": vb.difference if vb else np.nan,
                        "p_holm_vs_best": vb.p_adjusted if vb else np.nan,
                        "diff_vs_baseline": vbase.difference if vbase else np.nan,
                        "diff_vs_baseline_low": vbase.low if vbase else np.nan,
                        "diff_vs_baseline_high": vbase.high if vbase else np.nan,
                        "p_holm_vs_baseline": vbase.p_adjusted if vbase else np.nan,
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.compare/v1`` JSON contract."""
        return {
            "schema": COMPARE_SCHEMA,
            "task": self.task,
            "target": self.target,
            "id": self.id_column,
            "positive_class": plain_scalar(self.positive_class),
            "threshold": self.threshold,
            "n_rows": self.n_rows,
            "rows_dropped": dict(self.rows_dropped),
            "confidence": self.confidence,
            "correction": {
                "method": self.correction,
                "adjusts": "p_values",
                "family": "each metric: comparisons against the best; comparisons against "
                "the baseline",
                "p_values": "two-sided, normal approximation read off the paired interval "
                "(p < 1 - confidence exactly when the interval excludes zero)",
                "intervals": "per comparison, at the nominal confidence (not adjusted)",
            },
            "seed": self.seed,
            "n_resamples": self.n_resamples,
            "baseline": (
                {"name": self.baseline, "kind": self.baseline_kind} if self.baseline else None
            ),
            "models": [
                {"name": m, "source": self.sources.get(m, ""), "rank": i + 1}
                for i, m in enumerate(self.models)
            ],
            "metrics": [b.to_dict() for b in self.boards],
            "notes": list(self.notes),
        }
