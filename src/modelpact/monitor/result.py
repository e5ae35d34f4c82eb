"""What a monitoring run returns: per-chunk results and the ``modelpact.monitor/v1`` document.

:class:`MonitorResult` is built by :func:`modelpact.monitor.monitor` and rebuilt from its JSON
document by :meth:`MonitorResult.from_dict`, so a stored or downloaded result renders, plots
and summarises like a fresh one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from modelpact._json import nan_to_none
from modelpact._result import Outcome, ResultMixin, severity_word
from modelpact.evaluate.verdict import CriterionResult
from modelpact.monitor._performance_types import PerformanceEstimate, RealizedPerformance
from modelpact.monitor.alerts import AlarmBudget, Alert
from modelpact.monitor.chunking import Chunk
from modelpact.monitor.multivariate import MultivariateValue
from modelpact.monitor.univariate import DriftCheck

__all__ = ["MONITOR_SCHEMA", "ChunkResult", "MonitorResult"]

MONITOR_SCHEMA = "modelpact.monitor/v1"


@dataclass(frozen=True)
class ChunkResult:
    """Everything computed for one chunk."""

    chunk: Chunk
    drift: tuple[DriftCheck, ...]
    multivariate: tuple[MultivariateValue, ...]
    missing_share: Mapping[str, float]
    unseen_share: Mapping[str, float]
    estimated: Mapping[str, Any] = field(default_factory=dict)
    realized: Any = None
    estimated_labelled: Mapping[str, Any] = field(default_factory=dict)

    def estimate_vs_realized(self) -> list[dict[str, Any]]:
        """Each metric both estimated and realized on this chunk, and whether they agree.

        Both describe the same rows and decisions: when only some labels have arrived, the
        estimate compared is the one on the labelled rows (``estimated_on``), since realized
        performance sees only those. They agree when the realized confidence interval
        overlaps the estimate's band. A
        persistent disagreement while the estimate stays good is the signature of concept
        shift: the relation between inputs and labels changed, which no label-free estimate
        can see.
        """
        out: list[dict[str, Any]] = []
        if self.realized is None:
            return out
        for res in self.realized.criteria:
            on = "labelled rows" if res.metric in self.estimated_labelled else "all rows"
            est = self.estimated_labelled.get(res.metric, self.estimated.get(res.metric))
            if est is None or res.kind != "absolute" or res.slice or res.estimate != res.estimate:
                continue
            low, high = res.ci
            agree = bool(low <= est.high and est.low <= high)
            out.append({"metric": res.metric, "estimated": nan_to_none(est.value),
                        "band": [nan_to_none(est.low), nan_to_none(est.high)],
                        "realized": nan_to_none(res.estimate), "ci": [nan_to_none(low), nan_to_none(high)],
                        "n_labelled": res.n, "agree": agree, "estimated_on": on})
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            **self.chunk.to_dict(),
            "drift": [d.to_dict() for d in self.drift],
            "multivariate": [m.to_dict() for m in self.multivariate],
            "missing_share": {k: nan_to_none(v) for k, v in self.missing_share.items()},
            "unseen_share": {k: nan_to_none(v) for k, v in self.unseen_share.items()},
            "estimated_performance": [e.to_dict() for e in self.estimated.values()],
            "realized_performance": None if self.realized is None else self.realized.to_dict(),
            "estimate_vs_realized": self.estimate_vs_realized(),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> ChunkResult:
        """The chunk of one entry of a document's ``chunks`` (the inverse of :meth:`to_dict`).

        The estimates on the labelled rows only live in ``estimate_vs_realized``; they come
        back from there (without a standard error, which that table does not show).
        """
        chunk = Chunk(index=document["index"], key=document["key"],
                      start=document["start_row"], stop=document["stop_row"],
                      complete=document["complete"], alertable=document["alertable"],
                      start_time=document["start_time"], end_time=document["end_time"])
        drift = tuple(
            DriftCheck(d["feature"], d["role"], d["method"], _float(d["value"]),
                       _float(d["threshold"]), d["alert"], d["p_value"])
            for d in document["drift"])
        multivariate = tuple(
            MultivariateValue(m["method"], _float(m["value"]), _float(m["threshold"]),
                              m["alert"], low=(m["ci"] or (None, None))[0],
                              high=(m["ci"] or (None, None))[1],
                              p_value=m["p_value"], alpha=m["alpha"])
            for m in document["multivariate"])
        estimated = {e["metric"]: PerformanceEstimate(e["metric"], _float(e["estimate"]),
                                                      _float(e["ci"][0]), _float(e["ci"][1]),
                                                      _float(e["se"]))
                     for e in document["estimated_performance"]}
        labelled = {r["metric"]: PerformanceEstimate(r["metric"], _float(r["estimated"]),
                                                     _float(r["band"][0]),
                                                     _float(r["band"][1]), math.nan)
                    for r in document["estimate_vs_realized"]
                    if r["estimated_on"] == "labelled rows"}
        realized = document["realized_performance"]
        return cls(
            chunk, drift, multivariate,
            missing_share={k: _float(v) for k, v in document["missing_share"].items()},
            unseen_share={k: _float(v) for k, v in document["unseen_share"].items()},
            estimated=estimated,
            realized=None if realized is None else _realized(realized),
            estimated_labelled=labelled,
        )


_DRIFT_COLUMNS = ["chunk", "feature", "role", "method", "value", "threshold", "alert", "p_value"]


@dataclass(frozen=True)
class MonitorResult(ResultMixin):
    """The outcome of a monitoring run; ``to_dict()`` is the ``modelpact.monitor/v1`` JSON."""

    pact_name: str
    task: str
    reference: Mapping[str, Any]
    analysis: Mapping[str, Any]
    chunking: Mapping[str, Any]
    features: tuple[Mapping[str, str], ...]
    methods: tuple[str, ...]
    false_alarm_rate: float
    chunks: tuple[ChunkResult, ...]
    alerts: tuple[Alert, ...]
    findings: tuple[Mapping[str, Any], ...]
    criteria: tuple[Mapping[str, Any], ...]
    notes: tuple[str, ...] = ()
    alarm_budget: AlarmBudget | None = None

    @property
    def status(self) -> Literal["alert", "no_alert"]:
        """``alert`` when any alert was raised."""
        return "alert" if self.alerts else "no_alert"

    @property
    def exit_code(self) -> int:
        """0 without alerts, 1 with (DESIGN.md)."""
        return 1 if self.alerts else 0

    @property
    def outcome(self) -> Outcome:
        """``fail`` when an alert was raised, else ``pass`` (see :mod:`modelpact._result`)."""
        return "fail" if self.alerts else "pass"

    def summary(self) -> str:
        """One line: chunks analysed and the alerts raised."""
        n_rows = sum(c.chunk.n_rows for c in self.chunks)
        head = f"{len(self.chunks)} chunks ({n_rows:,} rows) against the reference"
        if not self.alerts:
            return head + ": no alert."
        kinds = sorted({a.kind for a in self.alerts})
        return head + f": {len(self.alerts)} alerts ({', '.join(kinds)})."

    def to_frame(self) -> pd.DataFrame:
        """One row per chunk and drift check, univariate per column then multivariate
        (``feature`` empty): the statistic, its calibrated threshold, and whether it crossed."""
        rows: list[dict[str, Any]] = []
        for c in self.chunks:
            rows.extend({"chunk": c.chunk.key, **d.to_dict()} for d in c.drift)
            rows.extend(
                {"chunk": c.chunk.key, "feature": "", "role": "multivariate", "method": m.method,
                 "value": nan_to_none(m.value), "threshold": nan_to_none(m.threshold), "alert": m.alert,
                 "p_value": nan_to_none(m.p_value)}
                for m in c.multivariate
            )
        return pd.DataFrame(rows, columns=_DRIFT_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.monitor/v1`` JSON contract."""
        return {
            "schema": MONITOR_SCHEMA,
            "status": self.status,
            "pact": self.pact_name,
            "task": self.task,
            "reference": dict(self.reference),
            "analysis": dict(self.analysis),
            "chunking": dict(self.chunking),
            "features": [dict(f) for f in self.features],
            "drift_methods": list(self.methods),
            "false_alarm_rate": self.false_alarm_rate,
            "alarm_budget": None if self.alarm_budget is None else self.alarm_budget.to_dict(),
            "criteria": [dict(c) for c in self.criteria],
            "chunks": [c.to_dict() for c in self.chunks],
            "alerts": [a.to_dict() for a in self.alerts],
            "findings": [dict(f) for f in self.findings],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> MonitorResult:
        """The result of a ``modelpact.monitor/v1`` document (the inverse of :meth:`to_dict`).

        Documents written before the severity scale was shared say ``blocking`` where they
        now say ``critical``; both are read.
        """
        budget = document.get("alarm_budget")
        return cls(
            pact_name=document["pact"], task=document["task"],
            reference=dict(document["reference"]), analysis=dict(document["analysis"]),
            chunking=dict(document["chunking"]),
            features=tuple(dict(f) for f in document["features"]),
            methods=tuple(document["drift_methods"]),
            false_alarm_rate=document["false_alarm_rate"],
            chunks=tuple(ChunkResult.from_dict(c) for c in document["chunks"]),
            alerts=tuple(_alert(a) for a in document["alerts"]),
            findings=tuple({**f, "severity": severity_word(f["severity"])}
                           for f in document["findings"]),
            criteria=tuple(dict(c) for c in document["criteria"]),
            notes=tuple(document["notes"]),
            alarm_budget=None if budget is None else AlarmBudget(
                budget["per_chunk"], dict(budget["checks"]), budget["n_chunks"]),
        )


def _float(value: float | None) -> float:
    # the document writes an undefined number as null; the result holds it as NaN
    return math.nan if value is None else float(value)


def _realized(document: Mapping[str, Any]) -> RealizedPerformance:
    def criterion(c: Mapping[str, Any]) -> CriterionResult:
        low, high = c["ci"]
        return CriterionResult(**{**c, "estimate": _float(c["estimate"]),
                                  "threshold": _float(c["threshold"]),
                                  "ci": (_float(low), _float(high))})

    return RealizedPerformance(document["n_rows"], document["n_labelled"],
                               document["labelled_share"],
                               tuple(criterion(c) for c in document["criteria"]))


def _alert(document: Mapping[str, Any]) -> Alert:
    return Alert(kind=document["kind"], chunk=document["chunk"], feature=document["feature"],
                 metric=document["metric"], value=document["value"],
                 threshold=document["threshold"],
                 severity=severity_word(document["severity"]),
                 message=document["message"], chunk_key=document["chunk_key"])
