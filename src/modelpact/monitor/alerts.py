"""Alerts: what monitoring wants a human to look at, and how urgently.

Every alert has a ``kind``:

* ``drift`` — a feature's (or the model score's) distribution moved beyond its calibrated
  threshold, or a multivariate detector fired;
* ``estimated_performance`` — a pact criterion is estimated to fail on a chunk before any
  label arrived;
* ``realized_performance`` — a pact criterion failed (or leans to failing) on the labelled
  rows of a chunk;
* ``data_quality`` — new categories, a missing-value spike, or columns missing, added or of
  another type than in the reference.

``severity`` is ``critical`` when the evidence is conclusive (a criterion's whole interval on
the bad side; a drift statistic at least twice its threshold; a required column missing) and
``warning`` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Alert", "AlertKind", "Severity"]

AlertKind = Literal["drift", "estimated_performance", "realized_performance", "data_quality"]
Severity = Literal["warning", "critical"]


@dataclass(frozen=True)
class Alert:
    """One alert; ``chunk`` is ``None`` for findings about the whole analysis table."""

    kind: AlertKind
    chunk: int | None
    feature: str | None
    metric: str | None
    value: float | None
    threshold: float | None
    severity: Severity
    message: str
    chunk_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``NaN`` as ``null``)."""
        return {"kind": self.kind, "chunk": self.chunk, "chunk_key": self.chunk_key,
                "feature": self.feature, "metric": self.metric, "value": _num(self.value),
                "threshold": _num(self.threshold), "severity": self.severity,
                "message": self.message}


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
