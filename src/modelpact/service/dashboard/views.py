"""What each dashboard page shows, read from the ledger (no HTTP here).

Each function returns a plain dict for its template. Project status comes from
:func:`modelpact.ledger.status.project_status`, as ``modelpact status`` prints it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from modelpact.errors import NotFoundError
from modelpact.ledger import Store
from modelpact.ledger.capture import CapturedModel, CaptureStore
from modelpact.ledger.monitoring import MonitoringRecord, MonitoringStore
from modelpact.ledger.retraining import retraining_runs
from modelpact.ledger.status import ProjectStatus, project_status
from modelpact.report import charts

__all__ = ["ModelState", "audit_page", "feature_page", "lifecycle", "model_page", "model_state",
           "project_rows", "retraining_history", "run_page", "verdict_page"]


def lifecycle(store: Store, project: str) -> ProjectStatus:
    """The project's lifecycle status (pact, audit, runs, verdict, champion, next step):
    the same domain function ``modelpact status`` prints, so both tell the same story."""
    return project_status(store, project)


@dataclass(frozen=True)
class ModelState:
    """A captured model's monitoring state: ``ok``, ``at risk``, ``alert`` or ``none``.

    ``alert``: the latest result raised an alert on its most recent chunk (a problem now).
    ``at risk``: it raised alerts on earlier chunks only, or the last chunk's estimated
    performance band reaches past a pact threshold. ``none``: never analysed.
    """

    model: str
    state: str
    open_alerts: int
    analysed_at: str | None
    last_chunk: str | None


def _at_risk(document: Mapping[str, Any]) -> bool:
    chunks = document.get("chunks") or []
    if not chunks:
        return False
    for criterion in document.get("criteria", []):
        if criterion.get("slice"):
            continue
        estimate = next((e for e in chunks[-1].get("estimated_performance") or []
                         if e.get("metric") == criterion.get("metric")), None)
        band = (estimate or {}).get("ci") or [None, None]
        if criterion.get("at_least") is not None and band[0] is not None and (
                band[0] < criterion["at_least"]):
            return True
        if criterion.get("at_most") is not None and band[1] is not None and (
                band[1] > criterion["at_most"]):
            return True
    return False


def model_state(model: CapturedModel, latest: MonitoringRecord | None) -> ModelState:
    """The state of *model* given its latest stored monitoring result."""
    if latest is None:
        return ModelState(model.name, "none", 0, None, None)
    doc = latest.body
    chunks = doc.get("chunks") or []
    last = str(chunks[-1].get("key")) if chunks else None
    alerts = doc.get("alerts") or []
    if any(a.get("chunk_key") == last or a.get("chunk") is None for a in alerts):
        state = "alert"
    elif alerts or _at_risk(doc):
        state = "at risk"
    else:
        state = "ok"
    return ModelState(model.name, state, latest.n_alerts,
                      f"{latest.created_at:%Y-%m-%d %H:%M} UTC", last)


def _last_retraining(store: Store, project: str) -> dict[str, Any] | None:
    """How many retrainings *project* had, and when and how the latest one ended."""
    runs = retraining_runs(store, project)
    if not runs:
        return None
    last = runs[0]
    decision = last.params.get("decision") or ("running" if last.status == "running"
                                               else last.status)
    return {"count": len(runs), "when": last.started_at, "decision": decision}


def project_rows(store: Store, projects: Sequence[str]) -> list[dict[str, Any]]:
    """One row per project for the projects page, in name order."""
    capture, monitoring = CaptureStore(store), MonitoringStore(store)
    rows = []
    for name in sorted(projects):
        try:
            status = lifecycle(store, name)
        except NotFoundError:
            continue  # a key whose project has no ledger entry yet
        champion_verdict = None
        if status.champion:
            verdicts = store.list_verdicts(name, model_version=status.champion)
            champion_verdict = verdicts[0].verdict if verdicts else None
        models = [model_state(m, monitoring.latest_result(m))
                  for m in capture.list_models(name)]
        order = ["alert", "at risk", "ok", "none"]
        worst = min((m.state for m in models), key=order.index, default="none")
        rows.append({"status": status, "champion_verdict": champion_verdict,
                     "models": models, "state": worst,
                     "open_alerts": sum(m.open_alerts for m in models),
                     "retraining": _last_retraining(store, name),
                     "analyses": store.analyses.count(name)})
    return rows


def _status_on(chunk: Mapping[str, Any], metric: object) -> str | None:
    """The realized status of *metric* (whole population) on one chunk."""
    found = next((c for c in (chunk.get("realized_performance") or {}).get("criteria", [])
                  if c.get("metric") == metric and not c.get("slice")), None)
    return None if found is None else str(found.get("status"))


def _criteria(document: Mapping[str, Any] | None,
              pact: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Each pact criterion with its latest realized status and estimate."""
    criteria = list((document or {}).get("criteria") or (pact or {}).get("criteria") or [])
    chunks = (document or {}).get("chunks") or []
    out = []
    for criterion in criteria:
        if criterion.get("at_least") is None and criterion.get("at_most") is None:
            continue  # comparisons with a baseline or champion are decided by verify, not here
        metric = criterion.get("metric")
        estimate = realized = None
        decided = [_status_on(chunk, metric) for chunk in chunks]
        for chunk in reversed(chunks):  # the newest chunk that decided it
            found = next((c for c in (chunk.get("realized_performance") or {}).get(
                "criteria", []) if c.get("metric") == metric and not c.get("slice")
                and c.get("status") != "inconclusive"), None)
            if found is not None:
                realized = {**found, "chunk": chunk.get("key")}
                break
        if chunks:
            estimate = next((e for e in chunks[-1].get("estimated_performance") or []
                             if e.get("metric") == metric), None)
        bound = ("at least", criterion["at_least"]) if criterion.get("at_least") is not None \
            else ("at most", criterion.get("at_most"))
        out.append({"metric": metric, "bound": bound, "slice": criterion.get("slice"),
                    "realized": realized, "estimate": estimate,
                    "failed_chunks": decided.count("fail"),
                    "decided_chunks": sum(d in ("pass", "fail") for d in decided)})
    return out


def _metrics(document: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for chunk in document.get("chunks", []):
        for estimate in chunk.get("estimated_performance") or []:
            if estimate.get("metric") not in seen:
                seen.append(str(estimate.get("metric")))
        for c in (chunk.get("realized_performance") or {}).get("criteria", []):
            if c.get("metric") not in seen and not c.get("slice") and c.get("kind",
                                                                             "absolute") == "absolute":
                seen.append(str(c.get("metric")))
    return seen


def _history(store: Store, project: str) -> list[dict[str, Any]]:
    """Registrations, stage changes and verdicts, newest first."""
    versions = {v.id: v for v in store.list_model_versions(project)}
    items: list[dict[str, Any]] = []
    for event in store.list_events(project):
        version = versions.get(event.model_version_id or "")
        items.append({"when": event.created_at, "what": event.kind,
                      "version": f"{project}:{version.version}" if version else "",
                      "detail": " → ".join(s for s in (event.from_stage, event.to_stage) if s)
                      + (" (forced)" if event.forced else "")
                      + (f": {event.reason}" if event.reason else ""),
                      "who": event.actor or "", "link": None})
    for verdict in store.list_verdicts(project):
        version = versions.get(verdict.model_version_id or "")
        items.append({"when": verdict.created_at, "what": "verdict",
                      "version": f"{project}:{version.version}" if version else "",
                      "detail": verdict.verdict, "who": "",
                      "link": f"verdicts/{verdict.id}"})
    items.sort(key=lambda i: i["when"], reverse=True)
    return items


def _listed(text: str | None) -> list[str]:
    """A run parameter that holds a JSON list (the loop's triggers, reasons), as strings."""
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _scalar(text: str | None) -> str | None:
    """A run parameter that holds a JSON scalar (the window's watermark), as text."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return None if value is None else str(value)


def retraining_history(store: Store, project: str) -> list[dict[str, Any]]:
    """The project's retrainings, newest first: trigger, data windows, gate verdict,
    decision, and who moved which version where (from the runs and events the loop records)."""
    runs = retraining_runs(store, project)
    if not runs:
        return []
    versions = store.list_model_versions(project)
    verdicts = store.list_verdicts(project)
    events = store.list_events(project)
    out = []
    for run in runs:
        params = run.params
        made = {v.id: v for v in versions if v.run_id == run.id}
        moves = [{"when": e.created_at, "version": made[e.model_version_id].ref,
                  "to": e.to_stage, "who": e.actor or "-", "reason": e.reason or ""}
                 for e in events if e.model_version_id in made and e.to_stage]
        verdict = next((v for v in verdicts if v.run_id == run.id), None)
        train, holdout = run.datasets_for("train"), run.datasets_for("eval")
        decision = params.get("decision") or ("running" if run.status == "running"
                                              else run.status)
        out.append({
            "run": run, "when": run.started_at, "decision": decision,
            "gate": params.get("gate"), "rule": params.get("rule"),
            "triggers": _listed(params.get("trigger")),
            "reasons": _listed(params.get("reasons")),
            "trainer": params.get("trainer"), "champion": _scalar(params.get("champion")),
            "challenger": params.get("challenger"), "promoted": params.get("promoted"),
            "approved": params.get("approved"),
            # an online gate judges the rows it learned, each scored before it was learned
            "online": params.get("mode") == "online",
            "train_rows": train[0].n_rows if train else None,
            "holdout_rows": holdout[0].n_rows if holdout else None,
            "rows_seen": _scalar(params.get("rows_seen")),
            "watermark": _scalar(params.get("watermark")),
            "verdict": verdict, "moves": moves, "error": run.error})
    return out


def model_page(store: Store, project: str, model: str) -> dict[str, Any]:
    """Everything the model page shows."""
    captured = CaptureStore(store).get_model(project, model)
    monitoring = MonitoringStore(store)
    latest = monitoring.latest_result(captured)
    document = latest.body if latest is not None else None
    alerts = [a.to_dict() for a in monitoring.list_alerts(project, model)]
    # newest problem first: by the chunk it concerns, then by when it was raised
    alerts.sort(key=lambda a: (a["alert"].get("chunk_key") or "", a["first_raised_at"]),
                reverse=True)
    figures: dict[str, Any] = {}
    metrics: list[str] = []
    if document is not None:
        figures["heatmap"] = charts.drift_heatmap(document)
        metrics = _metrics(document)
        for i, metric in enumerate(metrics):
            figures[f"perf-{i}"] = charts.performance_over_time(document, metric)
    if alerts:
        figures["alerts"] = charts.alert_timeline(alerts)
    return {"project": project, "model": model, "latest": latest,
            "state": model_state(captured, latest), "document": document,
            "criteria": _criteria(document, store.get_project(project).pact),
            "metrics": metrics, "alerts": alerts, "figures": figures,
            "history": _history(store, project), "status": lifecycle(store, project),
            "retrainings": retraining_history(store, project)}


def _distribution(store: Store, captured: CapturedModel, document: Mapping[str, Any],
                  feature: str) -> dict[str, Any] | None:
    chunks = [c for c in document.get("chunks", []) if c.get("start_time") and c.get("end_time")]
    if not chunks:
        return None
    start = pd.Timestamp(chunks[0]["start_time"]).to_pydatetime()
    frame = CaptureStore(store).frame(captured, start=start)
    if feature not in frame.columns:
        return None
    times = pd.to_datetime(frame["timestamp"], utc=True)
    edges = [pd.Timestamp(c["start_time"]) for c in chunks] + [
        pd.Timestamp(chunks[-1]["end_time"])]
    edges = [e.tz_localize("UTC") if e.tzinfo is None else e for e in edges]
    bins = pd.cut(times, bins=pd.DatetimeIndex(edges), right=False, labels=False)
    values = frame[feature]
    keys = [charts.chunk_label(c["key"]) for c in chunks]
    if pd.api.types.is_numeric_dtype(values):
        quantiles: dict[str, list[float | None]] = {}
        grouped = pd.to_numeric(values).groupby(bins)
        for name, q in (("q05", 0.05), ("q25", 0.25), ("q50", 0.5), ("q75", 0.75),
                        ("q95", 0.95)):
            by_chunk = grouped.quantile(q)
            quantiles[name] = [None if i not in by_chunk.index or pd.isna(by_chunk[i])
                               else float(by_chunk[i]) for i in range(len(keys))]
        return charts.feature_distribution(keys, quantiles=quantiles)
    counts = pd.crosstab(bins, values.astype(str), normalize="index")
    top = counts.sum().sort_values(ascending=False).index[:12]
    shares = {str(c): [float(counts.loc[i, c]) if i in counts.index else 0.0
                       for i in range(len(keys))] for c in top}
    return charts.feature_distribution(keys, shares=shares)


def feature_page(store: Store, project: str, model: str, feature: str) -> dict[str, Any]:
    """One feature's drift and distribution over time."""
    captured = CaptureStore(store).get_model(project, model)
    latest = MonitoringStore(store).latest_result(captured)
    if latest is None:
        raise NotFoundError(f"model '{model}' of project '{project}' has no monitoring result")
    known = {str(f.get("name")) for f in latest.body.get("features", [])}
    if feature not in known:
        raise NotFoundError(f"the monitoring result of '{model}' has no feature '{feature}'")
    figures = {"drift": charts.feature_drift(latest.body, feature)}
    distribution = _distribution(store, captured, latest.body, feature)
    if distribution is not None:
        figures["distribution"] = distribution
    alerts = [a.to_dict() for a in MonitoringStore(store).list_alerts(project, model)
              if a.body.get("feature") == feature]
    return {"project": project, "model": model, "feature": feature, "figures": figures,
            "alerts": alerts}


def run_page(store: Store, project: str, run_id: str) -> dict[str, Any]:
    """A stored run: status, parameters, metrics with intervals, datasets."""
    run = store.get_run(run_id)
    if run.project != project:
        raise NotFoundError(f"no run '{run_id}' in project '{project}'")
    return {"project": project, "run": run}


def verdict_page(store: Store, project: str, verdict_id: str) -> dict[str, Any]:
    """A stored verdict: outcome and every criterion with its interval."""
    found = next((v for v in store.list_verdicts(project) if v.id == verdict_id), None)
    if found is None:
        raise NotFoundError(f"no verdict '{verdict_id}' in project '{project}'")
    return {"project": project, "verdict": found,
            "criteria": list(found.body.get("criteria") or [])}


def audit_page(store: Store, project: str) -> dict[str, Any]:
    """The project's latest data audit: verdict, findings, and what each check did."""
    audit = store.latest_audit(project)
    if audit is None:
        raise NotFoundError(f"project '{project}' has no audit; run modelpact audit")
    body = audit.body
    order = {"critical": 0, "blocking": 0, "warning": 1, "info": 2}
    findings = sorted(body.get("findings") or [],
                      key=lambda f: order.get(str(f.get("severity")), 3))
    checks = sorted((body.get("checks") or {}).items())
    return {"project": project, "audit": audit, "findings": findings, "checks": checks}
