"""Result objects of sign-off: one :class:`CriterionResult` per criterion, one :class:`Verdict`.

They are plain and immutable; :meth:`Verdict.to_dict` is the ``modelpact.verdict/v1`` JSON
contract (DESIGN.md), pinned by tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from modelpact._result import Outcome, ResultMixin

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VERDICT_SCHEMA",
    "CalibrationBin",
    "CriterionResult",
    "SliceRow",
    "Status",
    "Verdict",
    "decide",
    "overall",
]

VERDICT_SCHEMA = "modelpact.verdict/v1"
Status = Literal["pass", "fail", "inconclusive"]
Direction = Literal["at_least", "at_most"]


def decide(low: float, high: float, threshold: float, direction: Direction) -> Status:
    """Decide a criterion on its interval: pass only when the whole interval is on the good side.

    Examples
    --------
    >>> decide(0.81, 0.86, 0.80, "at_least")
    'pass'
    >>> decide(0.70, 0.79, 0.80, "at_least")
    'fail'
    >>> decide(0.78, 0.83, 0.80, "at_least")
    'inconclusive'
    """
    if direction == "at_least":
        if low >= threshold:
            return "pass"
        return "fail" if high < threshold else "inconclusive"
    if high <= threshold:
        return "pass"
    return "fail" if low > threshold else "inconclusive"


def overall(statuses: list[Status]) -> Literal["signed_off", "failed", "inconclusive"]:
    """``signed_off`` only when every criterion passes; ``failed`` when any fails."""
    if statuses and all(s == "pass" for s in statuses):
        return "signed_off"
    return "failed" if "fail" in statuses else "inconclusive"


@dataclass(frozen=True)
class CriterionResult:
    """The decision on one criterion.

    For comparisons (``superiority``, ``non_inferiority``) ``estimate`` and ``ci`` are of the
    paired difference candidate − reference on the same rows, and ``threshold`` is the bound
    that difference must clear; ``direction`` says on which side the good values lie. ``ci``
    holds the two one-sided bounds at ``confidence`` (so each side alone holds at the pact's
    confidence). ``n`` counts the rows the criterion is computed on (its slice), and
    ``n_needed`` the rows of that kind a conclusive verdict would need with 80% power if the
    estimate were the truth.
    """

    metric: str
    label: str
    kind: Literal["absolute", "superiority", "non_inferiority"]
    direction: Direction
    threshold: float
    estimate: float
    ci: tuple[float, float]
    confidence: float
    status: Status
    n: int
    n_needed: int | None
    method: str
    slice: dict[str, Any] | None = None
    reference: str | None = None
    candidate_value: float | None = None
    reference_value: float | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "label": self.label,
            "slice": self.slice,
            "kind": self.kind,
            "direction": self.direction,
            "threshold": self.threshold,
            "estimate": self.estimate,
            "ci": [self.ci[0], self.ci[1]],
            "confidence": self.confidence,
            "status": self.status,
            "n": self.n,
            "n_needed": self.n_needed,
            "method": self.method,
            "reference": self.reference,
            "candidate_value": self.candidate_value,
            "reference_value": self.reference_value,
            "note": self.note,
        }


@dataclass(frozen=True)
class SliceRow:
    """One group of a slice column, with a headline metric and its interval (for reports)."""

    column: str
    value: str
    n: int
    metric: str
    estimate: float
    ci: tuple[float, float]
    below_minimum: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "value": self.value,
            "n": self.n,
            "metric": self.metric,
            "estimate": self.estimate,
            "ci": [self.ci[0], self.ci[1]],
            "below_minimum": self.below_minimum,
        }


@dataclass(frozen=True)
class CalibrationBin:
    """A reliability-diagram bin: mean predicted probability vs observed frequency."""

    low: float
    high: float
    n: int
    mean_score: float
    observed: float


_OUTCOME: dict[str, Outcome] = {
    "signed_off": "pass", "failed": "fail", "inconclusive": "inconclusive"
}
_CRITERION_COLUMNS = [
    "label", "metric", "slice", "kind", "direction", "threshold", "estimate", "low", "high",
    "confidence", "status", "n", "n_needed", "method", "reference", "candidate_value",
    "reference_value", "note",
]


@dataclass(frozen=True)
class Verdict(ResultMixin):
    """The sign-off decision on a candidate against a pact."""

    verdict: Literal["signed_off", "failed", "inconclusive"]
    pact_name: str
    task: str
    n_rows: int
    confidence: float
    criteria: tuple[CriterionResult, ...]
    baseline: str
    source: str
    data_fingerprint: str
    seed: int
    skipped: tuple[dict[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    slices: tuple[SliceRow, ...] = ()
    class_counts: dict[str, int] = field(default_factory=dict)
    confusion: tuple[tuple[int, ...], ...] | None = None
    class_labels: tuple[str, ...] = ()
    calibration: tuple[CalibrationBin, ...] = ()

    @property
    def exit_code(self) -> int:
        """0 signed off, 1 failed, 3 inconclusive (DESIGN.md)."""
        return {"signed_off": 0, "failed": 1, "inconclusive": 3}[self.verdict]

    @property
    def signed_off(self) -> bool:
        return self.verdict == "signed_off"

    @property
    def outcome(self) -> Outcome:
        """``pass`` signed off, ``fail`` failed, ``inconclusive`` (see :mod:`modelpact._result`)."""
        return _OUTCOME[self.verdict]

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: estimate, interval, status and rows needed."""
        import pandas as pd

        rows = []
        for c in self.criteria:
            row = c.to_dict()
            row["low"], row["high"] = row.pop("ci")
            rows.append(row)
        return pd.DataFrame(rows, columns=_CRITERION_COLUMNS)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Verdict:
        """The verdict of a ``modelpact.verdict/v1`` document (the inverse of :meth:`to_dict`;
        the confusion matrix and calibration bins are not in the document)."""
        return cls(
            verdict=document["verdict"],
            pact_name=document["pact"],
            task=document["task"],
            n_rows=document["n_rows"],
            confidence=document["confidence"],
            criteria=tuple(
                CriterionResult(**{**c, "ci": (c["ci"][0], c["ci"][1])})
                for c in document["criteria"]
            ),
            baseline=document["baseline"],
            source=document["source"],
            data_fingerprint=document["data_fingerprint"],
            seed=document["seed"],
            skipped=tuple(dict(s) for s in document["skipped"]),
            warnings=tuple(document["warnings"]),
            slices=tuple(
                SliceRow(**{**s, "ci": (s["ci"][0], s["ci"][1])}) for s in document["slices"]
            ),
            class_counts=dict(document["class_counts"]),
        )

    def summary(self) -> str:
        """One sentence a team lead can act on."""
        counts = {
            s: sum(c.status == s for c in self.criteria) for s in ("pass", "fail", "inconclusive")
        }
        head = (
            f"{counts['pass']} of {len(self.criteria)} criteria pass, {counts['fail']} fail, "
            f"{counts['inconclusive']} inconclusive on {self.n_rows:,} rows"
        )
        if self.verdict == "signed_off":
            return head + f": the candidate meets the pact at {self.confidence:.0%} confidence."
        if self.verdict == "failed":
            return head + ": the candidate does not meet the pact."
        open_ = [c for c in self.criteria if c.status == "inconclusive" and c.n_needed]
        tail = ""
        if open_:
            hardest = max(open_, key=lambda c: c.n_needed or 0)
            where = " in its slice" if hardest.slice else ""
            tail = (
                f"; about {hardest.n_needed:,} evaluation rows{where} would settle "
                f"'{hardest.label}' (80% power, if the estimate is the truth)"
            )
        return head + f": not enough evidence either way{tail}."

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.verdict/v1`` document."""
        return {
            "schema": VERDICT_SCHEMA,
            "verdict": self.verdict,
            "pact": self.pact_name,
            "task": self.task,
            "n_rows": self.n_rows,
            "confidence": self.confidence,
            "baseline": self.baseline,
            "source": self.source,
            "data_fingerprint": self.data_fingerprint,
            "seed": self.seed,
            "criteria": [c.to_dict() for c in self.criteria],
            "skipped": list(self.skipped),
            "warnings": list(self.warnings),
            "slices": [s.to_dict() for s in self.slices],
            "class_counts": dict(self.class_counts),
        }
