"""What an audit returns: findings, per-check outcomes, learnability and the verdict.

Everything here is immutable and serialises to the ``modelpact.audit/v1`` JSON contract with
:meth:`AuditResult.to_dict`. Same inputs and seed give the same dictionary, and
:meth:`AuditResult.to_json` gives the same bytes (sorted keys, floats rounded to 6 significant
digits, NaN written as ``null``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from modelpact._result import SEVERITIES, Outcome, ResultMixin, Severity, severity_word

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SCHEMA",
    "AuditResult",
    "CheckOutcome",
    "Finding",
    "Severity",
    "Verdict",
    "jsonable",
]

SCHEMA = "modelpact.audit/v1"
Verdict = Literal["go", "go_with_fixes", "no_go"]

#: How many row ids a finding lists; the full count is in ``n_affected``.
MAX_ROWS_LISTED = 20

_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


def jsonable(value: Any, digits: int = 6) -> Any:
    """Turn *value* into plain JSON types, rounding floats to *digits* significant digits.

    Rounding is what makes the JSON byte-identical across platforms whose last float bits
    differ; NaN and infinities become ``None``.

    Examples
    --------
    >>> jsonable({"b": np.float64(1 / 3), "a": [np.int64(2), float("nan")]})
    {'b': 0.333333, 'a': [2, None]}
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        if not math.isfinite(x):
            return None
        if x == 0.0:
            return 0.0
        return float(f"{x:.{digits}g}")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v, digits) for v in value.tolist()]
    if isinstance(value, Sequence | set | frozenset):
        return [jsonable(v, digits) for v in value]
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


@dataclass(frozen=True)
class Finding:
    """One problem (or notable fact) that a check found.

    Parameters
    ----------
    check
        Stable snake_case name of the check that produced it.
    severity
        On the project's one scale (:mod:`modelpact._result`): ``critical`` (the data cannot
        be trusted as is), ``warning`` (fixable, with ``fix``) or ``info`` (worth knowing, no
        action needed).
    message
        One sentence saying what was found, with the numbers.
    columns
        Affected columns.
    rows
        Up to 20 affected row ids (the id column's values, else 0-based row positions).
    n_affected
        How many rows are affected in total (may exceed ``len(rows)``).
    fix
        What to do about it; empty for info findings.
    details
        Check-specific numbers (JSON-able).
    """

    check: str
    severity: Severity
    message: str
    columns: tuple[str, ...] = ()
    rows: tuple[Any, ...] = ()
    n_affected: int = 0
    fix: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """This finding as a JSON-able dictionary (one entry of ``findings``)."""
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "columns": list(self.columns),
            "rows": jsonable(list(self.rows)),
            "n_affected": int(self.n_affected),
            "fix": self.fix,
            "details": jsonable(dict(self.details)),
        }


@dataclass(frozen=True)
class CheckOutcome:
    """What one check returned: its findings, data for reports, and how it sampled.

    ``skipped`` holds the reason a check did not apply (no test set for split checks, say);
    ``sampled`` describes the sample a costly check ran on, or is ``None`` when it saw every
    row; ``summary`` carries the numbers reports plot (JSON-able).
    """

    check: str
    findings: tuple[Finding, ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)
    sampled: Mapping[str, Any] | None = None
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The per-check entry of the ``checks`` mapping."""
        return {
            "status": "skipped" if self.skipped else "ran",
            "reason": self.skipped,
            "n_findings": len(self.findings),
            "sampled": jsonable(dict(self.sampled)) if self.sampled else None,
            "summary": jsonable(dict(self.summary)),
        }


_OUTCOME: dict[str, Outcome] = {"go": "pass", "go_with_fixes": "at_risk", "no_go": "fail"}
_FINDING_COLUMNS = ["check", "severity", "message", "columns", "n_affected", "fix"]


@dataclass(frozen=True)
class AuditResult(ResultMixin):
    """The outcome of :func:`modelpact.audit.audit`.

    ``verdict`` is ``no_go`` when a critical finding exists, ``go_with_fixes`` when only
    fixable warnings exist (a pact threshold the learning curve projects out of reach is one),
    ``go`` otherwise.
    """

    verdict: Verdict
    findings: tuple[Finding, ...]
    checks: Mapping[str, CheckOutcome]
    learnability: Mapping[str, Any]
    n_rows: int
    n_columns: int
    target: str
    task: str
    source: str
    seed: int
    positive_class: Any = None
    classes: tuple[Any, ...] = ()
    features: tuple[str, ...] = ()
    test_source: str | None = None
    n_test_rows: int | None = None
    time_column: str | None = None
    split_column: str | None = None
    id_column: str | None = None
    pact: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def sampled(self) -> dict[str, Any]:
        """Which checks ran on a sample, and how (check name -> sample description)."""
        return {name: dict(o.sampled) for name, o in self.checks.items() if o.sampled}

    def by_check(self, check: str) -> list[Finding]:
        """The findings of one check."""
        return [f for f in self.findings if f.check == check]

    def count(self, severity: Severity) -> int:
        """How many findings have *severity*."""
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def outcome(self) -> Outcome:
        """``pass`` for go, ``at_risk`` for go with fixes, ``fail`` for no go
        (see :mod:`modelpact._result`)."""
        return _OUTCOME[self.verdict]

    def summary(self) -> str:
        """One line: the verdict and the findings by severity."""
        counts = ", ".join(f"{self.count(s)} {s}" for s in SEVERITIES)
        return (
            f"{self.verdict.replace('_', ' ')} on {self.n_rows:,} rows × {self.n_columns} "
            f"columns (target '{self.target}', {self.task}): {counts} findings."
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per finding, most severe first; columns joined by ``, ``."""
        import pandas as pd

        rows = [
            {
                "check": f.check, "severity": f.severity, "message": f.message,
                "columns": ", ".join(f.columns), "n_affected": f.n_affected, "fix": f.fix,
            }
            for f in self.findings
        ]
        return pd.DataFrame(rows, columns=_FINDING_COLUMNS)

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> AuditResult:
        """The result of a ``modelpact.audit/v1`` document (the inverse of :meth:`to_dict`).

        A document written before the severity scale was shared says ``blocking`` where it
        now says ``critical``; it reads the same.
        """
        findings = tuple(
            Finding(
                check=f["check"], severity=severity_word(f["severity"]), message=f["message"],
                columns=tuple(f["columns"]), rows=tuple(f["rows"]),
                n_affected=f["n_affected"], fix=f["fix"], details=f["details"],
            )
            for f in document["findings"]
        )
        checks = {
            name: CheckOutcome(
                check=name,
                findings=tuple(f for f in findings if f.check == name),
                summary=entry["summary"],
                sampled=entry["sampled"],
                skipped=entry["reason"],
            )
            for name, entry in document["checks"].items()
        }
        return cls(
            verdict=document["verdict"], findings=findings, checks=checks,
            learnability=document["learnability"], n_rows=document["n_rows"],
            n_columns=document["n_columns"], target=document["target"],
            task=document["task"], source=document["source"], seed=document["seed"],
            positive_class=document["positive_class"], classes=tuple(document["classes"]),
            features=tuple(document["features"]), test_source=document["test_source"],
            n_test_rows=document["n_test_rows"], time_column=document["time_column"],
            split_column=document["split_column"], id_column=document["id_column"],
            pact=document["pact"], reasons=tuple(document["reasons"]),
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.audit/v1`` document."""
        return {
            "schema": SCHEMA,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "source": self.source,
            "test_source": self.test_source,
            "target": self.target,
            "task": self.task,
            "positive_class": jsonable(self.positive_class),
            "classes": jsonable(list(self.classes)),
            "n_rows": int(self.n_rows),
            "n_columns": int(self.n_columns),
            "n_test_rows": self.n_test_rows,
            "features": list(self.features),
            "time_column": self.time_column,
            "split_column": self.split_column,
            "id_column": self.id_column,
            "pact": self.pact,
            "seed": int(self.seed),
            "counts": {s: self.count(s) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
            "checks": {name: o.to_dict() for name, o in self.checks.items()},
            "learnability": jsonable(dict(self.learnability)),
            "sampled": jsonable(self.sampled),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as canonical JSON text (sorted keys, two-space indent)."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, allow_nan=False) + "\n"


def sort_findings(findings: Sequence[Finding], order: Sequence[str]) -> tuple[Finding, ...]:
    """Critical first, then warnings, then info; within a severity, in check order."""
    rank = {name: i for i, name in enumerate(order)}
    return tuple(
        sorted(
            findings,
            key=lambda f: (_SEVERITY_RANK[f.severity], rank.get(f.check, len(rank)), f.message),
        )
    )
