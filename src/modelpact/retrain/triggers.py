"""Triggers: is a retraining due, and why?

A trigger says a retraining is *worth trying*, never that its result is better: drift, a
schedule or a pile of new labels only start the loop; the gate alone decides promotion.
Every check is reported, fired or not, so ``retrain --check`` explains itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from modelpact.pact import RetrainTriggers, period_seconds
from modelpact.retrain.window import TrainingWindow

__all__ = ["LastRetraining", "TriggerCheck", "TriggerReport", "alerts_of", "check_triggers"]


@dataclass(frozen=True)
class LastRetraining:
    """What the previous finished retraining saw: when it ran and how far the data went."""

    at: datetime
    watermark: Any = None
    rows_seen: int | None = None


@dataclass(frozen=True)
class TriggerCheck:
    """One trigger of the pact and whether it fired, with the evidence."""

    name: Literal["force", "alerts", "schedule", "every_rows", "min_new_labels", "shadow"]
    fired: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class TriggerReport:
    """Every trigger checked; a retraining is due when any fired."""

    checks: tuple[TriggerCheck, ...]
    new_rows: int
    new_labels: int

    @property
    def fired(self) -> bool:
        """Whether any trigger fired."""
        return any(c.fired for c in self.checks)

    @property
    def outcome(self) -> Literal["due", "not_due"]:
        """``due`` when a trigger fired."""
        return "due" if self.fired else "not_due"

    @property
    def reasons(self) -> tuple[str, ...]:
        """The evidence of every trigger that fired."""
        return tuple(c.detail for c in self.checks if c.fired)

    @property
    def exit_code(self) -> int:
        """``retrain --check``: 1 when a retraining is due, else 0."""
        return 1 if self.fired else 0

    def summary(self) -> str:
        """One sentence for people."""
        if not self.checks:
            return "no trigger is declared in the pact's retraining.triggers; use --force"
        if self.fired:
            return "retraining due: " + "; ".join(self.reasons)
        return "no trigger fired: " + "; ".join(c.detail for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "outcome": self.outcome,
            "fired": self.fired,
            "reasons": list(self.reasons),
            "new_rows": self.new_rows,
            "new_labels": self.new_labels,
            "checks": [c.to_dict() for c in self.checks],
        }


def alerts_of(monitoring: Any) -> list[dict[str, Any]]:
    """The alerts of a :class:`~modelpact.monitor.MonitorResult` or its ``monitor/v1`` JSON."""
    if monitoring is None:
        return []
    if isinstance(monitoring, Mapping):
        return [dict(a) for a in monitoring.get("alerts", [])]
    return [a.to_dict() for a in getattr(monitoring, "alerts", ())]


def _alert_check(triggers: RetrainTriggers, alerts: Sequence[Mapping[str, Any]]) -> TriggerCheck:
    wanted = set(triggers.alerts)
    hits: list[str] = []
    for kind in triggers.alerts:
        of_kind = [a for a in alerts if a.get("kind") == kind]
        if kind == "drift":
            features = sorted({str(a["feature"]) for a in of_kind if a.get("feature")})
            multivariate = [a for a in of_kind if not a.get("feature")]
            if len(features) >= triggers.min_drifted_features:
                shown = ", ".join(features[:5]) + (", …" if len(features) > 5 else "")
                hits.append(f"drift on {len(features)} feature(s) ({shown})")
            elif multivariate:
                hits.append(f"multivariate drift ({multivariate[0].get('metric')})")
        elif of_kind:
            metrics = sorted({str(a.get("metric")) for a in of_kind if a.get("metric")})
            hits.append(
                f"{len(of_kind)} {kind} alert(s)" + (f" on {', '.join(metrics)}" if metrics else "")
            )
    if hits:
        return TriggerCheck("alerts", True, "monitoring raised " + "; ".join(hits))
    seen = sorted({str(a.get("kind")) for a in alerts})
    detail = (
        f"no monitoring alert of kind {', '.join(sorted(wanted))}"
        + (f" (alerts seen: {', '.join(seen)})" if seen else "")
        + (
            f"; drift needs {triggers.min_drifted_features} drifted features"
            if "drift" in wanted and triggers.min_drifted_features > 1
            else ""
        )
    )
    return TriggerCheck("alerts", False, detail)


def check_triggers(
    triggers: RetrainTriggers,
    window: TrainingWindow,
    *,
    last: LastRetraining | None,
    now: datetime,
    alerts: Sequence[Mapping[str, Any]] = (),
    force: bool = False,
) -> TriggerReport:
    """Check every trigger the pact declares against the window, the ledger and monitoring.

    Parameters
    ----------
    triggers
        The pact's ``retraining.triggers``.
    window
        The training window; rows newer than *last*'s watermark count as new (without a time
        column, rows beyond the count *last* saw: the source is taken to be append-only).
    last
        The previous finished retraining, or None when there was none (every row is new).
    now
        The current time (UTC), for the schedule.
    alerts
        Monitoring alerts (``monitor/v1`` alert objects), for ``triggers.alerts``.
    force
        Retrain whatever the triggers say.
    """
    n_all = len(window.all_rows)
    n_labelled = int(window.labelled.sum())
    if last is None:
        new_rows, new_labels, since = n_all, n_labelled, "(no retraining recorded yet)"
    elif window.times is not None and last.watermark is not None:
        new_rows = window.rows_after(last.watermark, labelled=False)
        new_labels = window.rows_after(last.watermark, labelled=True)
        since = f"after {last.watermark}"
    else:
        seen = last.rows_seen or 0
        new_rows = max(0, n_all - seen)
        tail = window.labelled[seen:] if seen < n_all else window.labelled[:0]
        new_labels = int(tail.sum())
        since = f"beyond the {seen:,} rows the last retraining saw"
    checks: list[TriggerCheck] = []
    if force:
        checks.append(TriggerCheck("force", True, "forced (--force)"))
    if triggers.alerts:
        checks.append(_alert_check(triggers, alerts))
    if triggers.every is not None:
        period = period_seconds(triggers.every)
        if last is None:
            checks.append(TriggerCheck("schedule", True, "scheduled: no retraining recorded yet"))
        else:
            age = (now - last.at).total_seconds()
            due = age >= period
            checks.append(
                TriggerCheck(
                    "schedule",
                    due,
                    f"last retraining {age / 86400:.1f} days ago, schedule every {triggers.every}",
                )
            )
    if triggers.every_rows is not None:
        checks.append(
            TriggerCheck(
                "every_rows",
                new_rows >= triggers.every_rows,
                f"{new_rows:,} new rows {since}, threshold {triggers.every_rows:,}",
            )
        )
    if triggers.min_new_labels is not None:
        checks.append(
            TriggerCheck(
                "min_new_labels",
                new_labels >= triggers.min_new_labels,
                f"{new_labels:,} new labelled rows {since}, threshold {triggers.min_new_labels:,}",
            )
        )
    return TriggerReport(tuple(checks), new_rows=new_rows, new_labels=new_labels)
