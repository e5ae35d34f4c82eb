"""Planning the evaluation: how many rows a conclusive verdict needs, criterion by criterion.

Two sources of the expected metric values: a *pilot* evaluation file (the standard error
measured there is scaled as 1/√n), or values the team states (``expected={"roc_auc": 0.85}``)
with the metric's variance at that value (a proportion's; Hanley–McNeil for ROC AUC). Both go
through :func:`~modelpact.evaluate.rows_needed.evaluation_rows_needed`, as verify's and the
audit's figures do, so the same estimate gives the same evaluation rows everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from modelpact import stats
from modelpact._result import Outcome, ResultMixin
from modelpact.data import DataSource
from modelpact.errors import ConfigurationError, MetricError
from modelpact.evaluate.inputs import slice_mask
from modelpact.evaluate.rows_needed import MIN_ROWS, evaluation_rows_needed, positive_share
from modelpact.evaluate.verify import _prepare
from modelpact.pact import Pact, load_pact

__all__ = ["PLAN_SCHEMA", "Plan", "PlanRow", "plan"]

PLAN_SCHEMA = "modelpact.plan/v1"


_PLAN_COLUMNS = ["criterion", "metric", "expected", "threshold", "direction", "n_needed",
                 "source", "decidable", "note"]


@dataclass(frozen=True)
class PlanRow:
    """The sample size one criterion needs.

    ``n_needed`` counts evaluation rows in total (a slice criterion's rows are scaled up by the
    slice's share of the pilot; a recall criterion's positives by the prevalence).
    """

    label: str
    metric: str
    expected: float | None
    threshold: float
    direction: str
    n_needed: int | None
    source: Literal["pilot", "analytic", "none"]
    decidable: bool | None
    note: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.label,
            "metric": self.metric,
            "expected": self.expected,
            "threshold": self.threshold,
            "direction": self.direction,
            "n_needed": self.n_needed,
            "source": self.source,
            "decidable": self.decidable,
            "note": self.note,
        }


@dataclass(frozen=True)
class Plan(ResultMixin):
    """Sample sizes for every criterion of a pact."""

    pact_name: str
    confidence: float
    power: float
    rows: tuple[PlanRow, ...]
    available: int | None
    pilot: str | None

    @property
    def n_needed(self) -> int | None:
        """Rows for every criterion to be decidable: the largest single need."""
        needs = [r.n_needed for r in self.rows if r.n_needed is not None]
        return max(needs) if needs else None

    @property
    def exit_code(self) -> int:
        """1 when some criterion cannot be decided with the rows available, else 0."""
        return 1 if any(r.decidable is False for r in self.rows) else 0

    @property
    def outcome(self) -> Outcome:
        """``pass`` when the rows available decide every criterion, ``fail`` when some cannot
        be decided with them, ``inconclusive`` when that is unknown (see :mod:`modelpact._result`).
        """
        decidable = [r.decidable for r in self.rows]
        if any(d is False for d in decidable):
            return "fail"
        return "pass" if decidable and all(d is True for d in decidable) else "inconclusive"

    def summary(self) -> str:
        """One line: the evaluation rows the most demanding criterion needs."""
        need = self.n_needed
        head = (
            f"{len(self.rows)} criteria; no sample size could be computed"
            if need is None
            else f"{len(self.rows)} criteria; the most demanding needs about {need:,} "
            f"evaluation rows ({self.power:.0%} power, {self.confidence:.0%} confidence)"
        )
        if self.available is None:
            return head + "."
        short = sum(r.decidable is False for r in self.rows)
        return head + f"; {self.available:,} available, {short} criteria not decidable with them."

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion, the columns of its JSON entry."""
        return pd.DataFrame([r.to_dict() for r in self.rows], columns=_PLAN_COLUMNS)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Plan:
        """The plan of a ``modelpact.plan/v1`` document (the inverse of :meth:`to_dict`)."""
        return cls(
            pact_name=document["pact"],
            confidence=document["confidence"],
            power=document["power"],
            rows=tuple(
                PlanRow(
                    label=r["criterion"], metric=r["metric"], expected=r["expected"],
                    threshold=r["threshold"], direction=r["direction"],
                    n_needed=r["n_needed"], source=r["source"], decidable=r["decidable"],
                    note=r["note"],
                )
                for r in document["criteria"]
            ),
            available=document["available"],
            pilot=document["pilot"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": PLAN_SCHEMA,
            "pact": self.pact_name,
            "confidence": self.confidence,
            "power": self.power,
            "available": self.available,
            "pilot": self.pilot,
            "n_needed": self.n_needed,
            "criteria": [r.to_dict() for r in self.rows],
        }


def _wrong_side(expected: float, threshold: float, direction: str) -> bool:
    return expected < threshold if direction == "at_least" else expected > threshold


def plan(
    pact: Pact | str,
    *,
    pilot: DataSource | None = None,
    expected: dict[str, float] | None = None,
    prevalence: float | None = None,
    available: int | None = None,
    power: float = 0.8,
    train: DataSource | None = None,
    seed: int = 0,
) -> Plan:
    """How many evaluation rows each criterion of *pact* needs for a conclusive verdict.

    Parameters
    ----------
    pact
        The pact or its path.
    pilot
        A pilot evaluation table (same columns as for ``verify``); its standard errors are
        scaled to other sizes, and it supplies expected values, prevalence and slice shares.
    expected
        Expected metric values by metric name, overriding the pilot's estimates.
    prevalence
        Share of positive rows (binary), needed by analytic formulas without a pilot.
    available
        Rows that can be had; criteria needing more are flagged as not decidable.
    power
        Probability of a conclusive verdict when the expected value is the truth.

    Examples
    --------
    >>> from modelpact.pact import parse_pact
    >>> p = parse_pact('''
    ... name: demo
    ... task: binary
    ... positive_class: 1
    ... columns: {target: y, score: p}
    ... criteria: [{metric: accuracy, at_least: 0.80}]
    ... ''')
    >>> plan(p, expected={"accuracy": 0.85}).rows[0].n_needed > 300
    True
    """
    pact_obj = pact if isinstance(pact, Pact) else load_pact(pact)
    if not 0.5 <= power < 1:
        raise ConfigurationError(f"power must lie in [0.5, 1); got {power}")
    expected = dict(expected or {})
    unknown = [m for m in expected if m not in {c.metric for c in pact_obj.criteria}]
    if unknown:
        raise ConfigurationError(
            f"--expect names metric '{unknown[0]}', which no criterion of the pact uses "
            f"({', '.join(sorted({c.metric for c in pact_obj.criteria}))})"
        )
    ctx = None
    if pilot is not None:
        ctx, _, _ = _prepare(
            pact_obj,
            pilot,
            model=None,
            baseline=None,
            champion=None,
            train=train,
            seed=seed,
            n_resamples=1000,
        )
        if prevalence is None and pact_obj.task == "binary":
            prevalence = float(ctx.target.y.mean())
    level = 2 * pact_obj.confidence - 1
    rows: list[PlanRow] = []
    for criterion in pact_obj.criteria:
        metric = stats.get_metric(criterion.metric)
        direction, threshold = criterion.bound(greater_is_better=metric.greater_is_better)
        value = expected.get(metric.name) if criterion.kind == "absolute" else None
        n_rows: int | None = None
        source: Literal["pilot", "analytic", "none"] = "none"
        note: str | None = None
        if ctx is not None:
            mask = (
                slice_mask(ctx.frame, criterion.slice, source=ctx.source)
                if criterion.slice
                else None
            )
            y = ctx.target.y if mask is None else ctx.target.y[mask]
            cand = ctx.candidate.for_input(metric.input)
            share = 1.0 if mask is None else float(mask.mean())
            try:
                if criterion.reference is None and cand is not None:
                    cand = cand if mask is None else cand[mask]
                    interval = stats.metric_interval(
                        metric, y, cand, confidence=level, seed=seed, n_resamples=1000
                    )
                elif (
                    criterion.reference == "baseline"
                    and cand is not None
                    and "baseline" in ctx.references
                ):
                    ref = ctx.references["baseline"].for_input(metric.input)
                    assert ref is not None
                    cand = cand if mask is None else cand[mask]
                    ref = ref if mask is None else ref[mask]
                    interval = stats.paired_interval(
                        metric, y, cand, ref, confidence=level, seed=seed, n_resamples=1000
                    )
                else:
                    interval = None
                    note = "compares with the champion: plan it with a pilot holding both models"
            except MetricError as exc:
                interval = None
                note = f"pilot cannot estimate it: {exc}"
            if interval is not None and interval.se:
                # The pilot's interval describes its own estimate, not a stated value.
                estimate = value if value is not None else interval.estimate
                value = estimate
                need = evaluation_rows_needed(
                    metric.name, estimate=estimate, threshold=threshold,
                    confidence=pact_obj.confidence, power=power, interval=interval, n=len(y),
                    prevalence=positive_share(pact_obj, y),
                ).n
                if need is not None and interval.n_trusted is not None:
                    # Rows below which no interval method can be trusted on this data.
                    need = max(need, interval.n_trusted)
                if need is not None:
                    n_rows = max(math.ceil(need / share), MIN_ROWS)
                    source = "pilot"
        elif value is not None:
            needed = evaluation_rows_needed(
                metric.name, estimate=value, threshold=threshold,
                confidence=pact_obj.confidence, power=power, prevalence=prevalence,
            )
            n_rows, note = needed.n, needed.note
            if value == threshold:
                note = None  # said below, with the expected value
            source = "analytic" if n_rows is not None else "none"
            if criterion.slice and n_rows is not None:
                note = "rows within the slice; give a pilot file to scale by the slice's share"
        else:
            note = (
                "give an expected value (--expect METRIC=VALUE) or a pilot file"
                if criterion.kind == "absolute"
                else "comparisons need a pilot file with the candidate's predictions"
            )
        if value is not None and _wrong_side(value, threshold, direction):
            note = (
                f"expected {value:.4g} is on the failing side of {threshold:g}: "
                "more data would only confirm a failure"
            )
        elif value is not None and n_rows is None and note is None:
            note = "the expected value equals the threshold; no sample size settles it"
        decidable = None if available is None or n_rows is None else n_rows <= available
        rows.append(
            PlanRow(
                label=criterion.label(),
                metric=metric.name,
                expected=value,
                threshold=threshold,
                direction=direction,
                n_needed=n_rows,
                source=source,
                decidable=decidable,
                note=note,
            )
        )
    return Plan(
        pact_name=pact_obj.name,
        confidence=pact_obj.confidence,
        power=power,
        rows=tuple(rows),
        available=available,
        pilot=None if ctx is None else ctx.source,
    )
