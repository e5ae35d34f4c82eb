"""Where a project stands in its lifecycle, and the first step that is still missing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelpact.ledger.monitoring import MonitoringRecord
    from modelpact.ledger.store import Store

__all__ = [
    "ProjectStatus",
    "latest_monitoring",
    "monitoring_state",
    "next_step",
    "pact_changes",
    "project_status",
    "retraining_state",
]

# Events that say how the project's pinned pact came to be (older ledgers: pact_changed).
PACT_EVENTS = ("pact_pinned", "pact_proposed", "pact_approved", "pact_changed")


@dataclass(frozen=True)
class ProjectStatus:
    """One project's lifecycle at a glance.

    Attributes
    ----------
    project, pact
        The project and the name of its pact (None before one is recorded).
    audit
        Verdict of the latest data audit (``go``, ``go_with_fixes``, ``no_go``), if any.
    runs, failed_runs
        How many runs were logged, and how many of them failed.
    latest_verdict
        The most recent stored verdict (``signed_off``, ``failed``, ``inconclusive``).
    champion
        Reference (``project:N``) of the champion version, if any.
    candidates
        Versions waiting in the ``candidate`` stage.
    next_step
        The first lifecycle step still missing, phrased as what to run.
    monitoring
        The latest stored monitoring result of each captured model (see
        :func:`monitoring_state`), None when nothing was monitored into the ledger.
    retraining
        The latest retraining: when it started, its decision and what triggered it (see
        :func:`retraining_state`), None before the first one.
    pact_hash
        Hash of the pinned pact, the only one whose verdicts count for promotion.
    pact_changes
        How the pinned pact came to be and the changes proposed to it, oldest first (see
        :func:`pact_changes`).
    killed_runs
        Runs still marked running whose process is gone (see :mod:`modelpact.ledger.liveness`).
    """

    project: str
    pact: str | None
    audit: str | None
    runs: int
    failed_runs: int
    latest_verdict: str | None
    champion: str | None
    candidates: int
    next_step: str
    monitoring: str | None = None
    retraining: str | None = None
    pact_hash: str | None = None
    pact_changes: tuple[str, ...] = ()
    killed_runs: int = 0

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return asdict(self)


def next_step(
    *,
    project: str,
    pact: str | None,
    audit: str | None,
    runs: int,
    versions: int,
    signed_off: bool,
    champion: str | None,
    alert_kinds: Mapping[str, int] | None = None,
) -> str:
    """The first lifecycle step still missing, phrased as what to run.

    With a champion, *alert_kinds* (the latest monitoring's alerts by kind) decides between
    watching, checking the retraining triggers (drift), and retraining (performance).

    Examples
    --------
    >>> next_step(project="churn", pact="churn", audit=None, runs=3, versions=1,
    ...           signed_off=False, champion=None)
    'no audit recorded: run modelpact audit'
    """
    if pact is None:
        return "no pact: write one with 'modelpact pact init' and start runs with pact=..."
    if audit is None:
        return "no audit recorded: run modelpact audit"
    if audit == "no_go":
        return "the latest audit says no_go: fix the data and run modelpact audit again"
    if runs == 0:
        return f"no runs: log one with modelpact.start_run(project='{project}', pact=...)"
    if versions == 0:
        return "no model registered: run.log_model(...) or 'modelpact verify ... --register'"
    if not signed_off:
        return (
            "no signed_off verdict: evaluate a candidate with run.evaluate(...) "
            "or 'modelpact verify'"
        )
    if champion is None:
        return (
            f"no champion: promote a signed-off version with 'modelpact models promote {project}:N'"
        )
    kinds = alert_kinds or {}
    if any(kind.endswith("_performance") for kind in kinds):
        return (
            f"{champion} is champion and its monitoring raised performance alerts: retrain with "
            f"'modelpact retrain --project {project}' (the gate decides on the pact)"
        )
    if kinds:
        return (
            f"{champion} is champion and its monitoring raised drift alerts, not performance "
            f"ones: 'modelpact retrain --project {project} --check' says whether a trigger fired"
        )
    return f"none: {champion} is champion; watch it with 'modelpact monitor'"


def project_status(store: Store, project: str) -> ProjectStatus:
    """Collect *project*'s status from the ledger.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from modelpact.ledger import open_store
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
    ...     _ = store.create_run("churn")
    ...     project_status(store, "churn").next_step
    "no pact: write one with 'modelpact pact init' and start runs with pact=..."
    """
    info = store.get_project(project)
    audit = store.latest_audit(project)
    counts = store.count_runs(project)
    verdicts = store.list_verdicts(project)
    versions = store.list_model_versions(project)
    champion = next((v.ref for v in versions if v.stage == "champion"), None)
    signed = any(v.verdict == "signed_off" for v in verdicts) or any(
        v.stage in ("signed_off", "champion") for v in versions
    )
    runs = sum(counts.values())
    latest = latest_monitoring(store, project)
    return ProjectStatus(
        project=project,
        pact=info.pact_name,
        audit=audit.verdict if audit else None,
        runs=runs,
        failed_runs=counts.get("failed", 0),
        latest_verdict=verdicts[0].verdict if verdicts else None,
        champion=champion,
        candidates=sum(v.stage == "candidate" for v in versions),
        next_step=next_step(
            project=project,
            pact=info.pact_name,
            audit=audit.verdict if audit else None,
            runs=runs,
            versions=len(versions),
            signed_off=signed,
            champion=champion,
            alert_kinds=sum((_kinds(result.body) for result in latest), Counter()),
        ),
        monitoring=monitoring_state(latest),
        retraining=retraining_state(store, project),
        pact_hash=info.pact_hash,
        pact_changes=pact_changes(store, project),
        killed_runs=counts.get("killed", 0),
    )


def pact_changes(store: Store, project: str) -> tuple[str, ...]:
    """Pins, proposals and approvals of *project*'s pact: when, what, who, why and hashes."""
    return tuple(
        f"{e.created_at:%Y-%m-%d %H:%M:%S} {e.kind} by {e.actor or '-'}: {e.reason or '-'}"
        for e in store.list_events(project)
        if e.kind in PACT_EVENTS
    )


def latest_monitoring(store: Store, project: str) -> list[MonitoringRecord]:
    """The latest stored monitoring result of each of *project*'s captured models."""
    from modelpact.ledger.capture import CaptureStore
    from modelpact.ledger.monitoring import MonitoringStore

    monitoring = MonitoringStore(store)
    found = (monitoring.latest_result(model) for model in CaptureStore(store).list_models(project))
    return [latest for latest in found if latest is not None]


def monitoring_state(latest: Sequence[MonitoringRecord]) -> str | None:
    """One line for the *latest* monitoring results, with their alerts by kind.

    E.g. ``gbm: alert (3: drift 2, realized_performance 1) 2026-03-02 04:00``: drift alone
    says the data moved; a performance kind says the pact itself is in question.
    """
    states = []
    for result in latest:
        alerts = f" ({result.n_alerts}{_alert_kinds(result.body)})" if result.n_alerts else ""
        states.append(f"{result.model}: {result.status}{alerts} {result.created_at:%Y-%m-%d %H:%M}")
    return "; ".join(states) or None


def _kinds(body: Mapping[str, Any]) -> Counter[str]:
    return Counter(
        str(alert.get("kind")) for alert in body.get("alerts", []) if isinstance(alert, Mapping)
    )


def _alert_kinds(body: Mapping[str, Any]) -> str:
    kinds = _kinds(body)
    return ": " + ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) if kinds else ""


def retraining_state(store: Store, project: str) -> str | None:
    """The latest retraining of *project*: when, decision, trigger.

    E.g. ``2026-03-02 04:00 promote (gate pass); trigger: monitoring raised drift on 3
    feature(s)``. A retraining still running says ``running``; one the trainer or the loop
    broke says ``failed``.
    """
    import json

    from modelpact.ledger.retraining import retraining_runs

    runs = retraining_runs(store, project)
    if not runs:
        return None
    run = runs[0]
    params = run.params
    decision = params.get("decision") or ("running" if run.status == "running" else run.status)
    gate = params.get("gate")
    text = f"{run.started_at:%Y-%m-%d %H:%M} {decision}" + (f" (gate {gate})" if gate else "")
    raw = params.get("trigger")
    try:
        triggers = json.loads(raw) if raw is not None else []
    except ValueError:
        triggers = [raw]
    if isinstance(triggers, list) and triggers:
        text += "; trigger: " + "; ".join(str(t) for t in triggers)
    return text
