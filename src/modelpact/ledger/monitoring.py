"""Monitoring results and the alert history of captured models, with delivery status.

An alert is stored once per *fingerprint* (its kind, chunk, feature and metric): an analysis
that raises it again only updates it. A new alert is due for notification; one still raised
after ``reminder_after`` without a notification is due again, as a reminder. Every delivery
attempt is recorded.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from modelpact.ledger import open_store
>>> from modelpact.ledger.capture import CaptureStore
>>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
...     model = CaptureStore(store).ensure_model("churn", "gbm")
...     ledger = MonitoringStore(store)
...     doc = {"status": "alert", "alerts": [{"kind": "drift", "chunk_key": "2026-03-02",
...            "feature": "age", "metric": None, "severity": "warning", "message": "age"}]}
...     result = ledger.record_result(model, doc, source="service")
...     len(ledger.raise_alerts(model, result, doc["alerts"])), len(
...         ledger.raise_alerts(model, result, doc["alerts"]))
(1, 0)
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select

from modelpact.ledger._tx import insert_ignoring_duplicates, reading, writing
from modelpact.ledger.capture import CapturedModel
from modelpact.ledger.capture_schema import (
    AlertDeliveryRow,
    AlertRow,
    CaptureModelRow,
    MonitoringResultRow,
)
from modelpact.ledger.schema import ProjectRow
from modelpact.ledger.store import Store

__all__ = ["AlertRecord", "DeliveryRecord", "MonitoringRecord", "MonitoringStore",
           "alert_fingerprint"]

_RESULTS = cast(Table, MonitoringResultRow.__table__)
_ALERTS = cast(Table, AlertRow.__table__)
_DELIVERIES = cast(Table, AlertDeliveryRow.__table__)
_MODELS = cast(Table, CaptureModelRow.__table__)
_PROJECTS = cast(Table, ProjectRow.__table__)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _opt(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


def alert_fingerprint(alert: Mapping[str, Any]) -> str:
    """What makes two alerts the same alert: kind, chunk, feature and metric.

    Examples
    --------
    >>> a = {"kind": "drift", "chunk_key": "w1", "feature": "age", "severity": "warning"}
    >>> alert_fingerprint(a) == alert_fingerprint({**a, "severity": "critical"})
    True
    """
    key = [alert.get("kind"), alert.get("chunk_key"), alert.get("feature"), alert.get("metric")]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class MonitoringRecord:
    """One stored monitoring run."""

    id: str
    project: str
    model: str
    status: str
    n_alerts: int
    source: str
    created_at: datetime
    body: dict[str, Any]


@dataclass(frozen=True)
class AlertRecord:
    """An alert of a captured model and where its notification stands."""

    id: str
    project: str
    model: str
    kind: str
    severity: str
    message: str
    body: dict[str, Any]
    first_raised_at: datetime
    last_raised_at: datetime
    delivery_status: str
    notify_kind: str
    notified_at: datetime | None
    attempts: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"id": self.id, "project": self.project, "model": self.model,
                "kind": self.kind, "severity": self.severity, "message": self.message,
                "alert": self.body, "first_raised_at": self.first_raised_at.isoformat(),
                "last_raised_at": self.last_raised_at.isoformat(),
                "delivery_status": self.delivery_status,
                "notified_at": self.notified_at.isoformat() if self.notified_at else None,
                "attempts": self.attempts}


@dataclass(frozen=True)
class DeliveryRecord:
    """One attempt to deliver one alert to one target."""

    target: str
    notify_kind: str
    attempt: int
    status_code: int | None
    ok: bool
    error: str | None
    created_at: datetime


def _alert(row: Any) -> AlertRecord:
    return AlertRecord(
        id=row.id, project=row.project_name, model=row.model_name, kind=row.kind,
        severity=row.severity, message=row.message, body=dict(row.body_json),
        first_raised_at=_aware(row.first_raised_at), last_raised_at=_aware(row.last_raised_at),
        delivery_status=row.delivery_status, notify_kind=row.notify_kind,
        notified_at=_opt(row.notified_at), attempts=row.attempts)


def _alert_query() -> Any:
    return (select(_ALERTS, _MODELS.c.name.label("model_name"),
                   _PROJECTS.c.name.label("project_name"))
            .join(_MODELS, _MODELS.c.id == _ALERTS.c.model_id)
            .join(_PROJECTS, _PROJECTS.c.id == _MODELS.c.project_id))


class MonitoringStore:
    """Monitoring results, alerts and deliveries in the ledger of *store*."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record_result(self, model: CapturedModel, document: Mapping[str, Any], *,
                      source: str) -> str:
        """Store a ``modelpact.monitor/v1`` document (plus any window details); its id."""
        result_id = uuid.uuid4().hex
        alerts = document.get("alerts", [])
        with writing(self.store.engine) as conn:
            conn.execute(_RESULTS.insert(), {
                "id": result_id, "model_id": model.id,
                "status": str(document.get("status", "unknown")), "n_alerts": len(alerts),
                "source": source, "body_json": dict(document),
                "created_at": datetime.now(UTC)})
        return result_id

    def latest_result(self, model: CapturedModel) -> MonitoringRecord | None:
        """The newest stored monitoring run of *model*."""
        with reading(self.store.engine) as conn:
            row = conn.execute(select(_RESULTS).where(_RESULTS.c.model_id == model.id)
                               .order_by(_RESULTS.c.created_at.desc()).limit(1)).one_or_none()
        if row is None:
            return None
        return MonitoringRecord(id=row.id, project=model.project, model=model.name,
                                status=row.status, n_alerts=row.n_alerts, source=row.source,
                                created_at=_aware(row.created_at), body=dict(row.body_json))

    def raise_alerts(
        self,
        model: CapturedModel,
        result_id: str,
        alerts: Sequence[Mapping[str, Any]],
        *,
        notify: bool = True,
        reminder_after: timedelta = timedelta(hours=24),
    ) -> list[AlertRecord]:
        """Record *alerts* raised by result *result_id*; return those seen for the first time.

        With *notify*, new alerts (and delivered ones quiet for *reminder_after*) become due
        for delivery; without, they are stored as ``none`` (nobody to tell).
        """
        now = datetime.now(UTC)
        new_ids: list[str] = []
        with writing(self.store.engine) as conn:
            for alert in alerts:
                fingerprint = alert_fingerprint(alert)
                alert_id = uuid.uuid4().hex
                row: dict[str, Any] = {"id": alert_id, "model_id": model.id, "fingerprint": fingerprint,
                       "kind": str(alert.get("kind")), "severity": str(alert.get("severity")),
                       "message": str(alert.get("message", "")), "body_json": dict(alert),
                       "result_id": result_id, "first_raised_at": now, "last_raised_at": now,
                       "delivery_status": "pending" if notify else "none",
                       "notify_kind": "first", "notified_at": None, "attempts": 0,
                       "next_attempt_at": None}
                if insert_ignoring_duplicates(conn, _ALERTS, [row]):
                    new_ids.append(alert_id)
                    continue
                where = and_(_ALERTS.c.model_id == model.id,
                             _ALERTS.c.fingerprint == fingerprint)
                conn.execute(_ALERTS.update().where(where).values(
                    last_raised_at=now, severity=row["severity"], message=row["message"],
                    body_json=row["body_json"], result_id=result_id))
                if notify:
                    # still raised and quiet for long enough: remind
                    conn.execute(_ALERTS.update().where(and_(
                        where, _ALERTS.c.delivery_status == "delivered",
                        _ALERTS.c.notified_at < now - reminder_after,
                    )).values(delivery_status="pending", notify_kind="reminder", attempts=0,
                              next_attempt_at=None))
        return [a for a in self.list_alerts(model.project, model.name) if a.id in new_ids]

    def list_alerts(self, project: str, model: str | None = None) -> list[AlertRecord]:
        """Alerts of *project* (and *model*), newest first."""
        query = _alert_query().where(_PROJECTS.c.name == project)
        if model is not None:
            query = query.where(_MODELS.c.name == model)
        with reading(self.store.engine) as conn:
            rows = conn.execute(query.order_by(_ALERTS.c.first_raised_at.desc(),
                                               _ALERTS.c.id)).all()
        return [_alert(r) for r in rows]

    def due(self, limit: int = 100) -> list[AlertRecord]:
        """Alerts whose notification is due now."""
        now = datetime.now(UTC)
        with reading(self.store.engine) as conn:
            rows = conn.execute(
                _alert_query().where(_ALERTS.c.delivery_status == "pending",
                                     or_(_ALERTS.c.next_attempt_at.is_(None),
                                         _ALERTS.c.next_attempt_at <= now))
                .order_by(_ALERTS.c.first_raised_at).limit(limit)).all()
        return [_alert(r) for r in rows]

    def delivered_targets(self, alert: AlertRecord) -> set[str]:
        """Targets that already accepted the current notification of *alert*."""
        with reading(self.store.engine) as conn:
            query = select(_DELIVERIES.c.target).where(
                _DELIVERIES.c.alert_id == alert.id, _DELIVERIES.c.ok.is_(True),
                _DELIVERIES.c.notify_kind == alert.notify_kind)
            if alert.notify_kind == "reminder" and alert.notified_at is not None:
                query = query.where(_DELIVERIES.c.created_at > alert.notified_at)
            return set(conn.scalars(query).all())

    def record_attempts(
        self,
        alert: AlertRecord,
        attempts: Sequence[tuple[str, int | None, bool, str | None]],
        *,
        max_attempts: int,
        backoff: timedelta,
    ) -> str:
        """Record one round of ``(target, status, ok, error)`` attempts; the new status.

        All targets accepted: ``delivered``. Otherwise the alert is retried after an
        exponentially growing pause, until *max_attempts* rounds have failed: ``failed``.
        """
        now = datetime.now(UTC)
        attempt = alert.attempts + 1
        all_ok = all(ok for _, _, ok, _ in attempts)
        if all_ok:
            values: dict[str, Any] = {"delivery_status": "delivered", "notified_at": now,
                                      "attempts": attempt, "next_attempt_at": None}
        elif attempt >= max_attempts:
            values = {"delivery_status": "failed", "attempts": attempt, "next_attempt_at": None}
        else:
            pause = backoff * (2 ** (attempt - 1))
            values = {"attempts": attempt, "next_attempt_at": now + pause}
        with writing(self.store.engine) as conn:
            for target, status, ok, error in attempts:
                conn.execute(_DELIVERIES.insert(), {
                    "id": uuid.uuid4().hex, "alert_id": alert.id, "target": target[:500],
                    "notify_kind": alert.notify_kind, "attempt": attempt,
                    "status_code": status, "ok": ok, "error": error, "created_at": now})
            conn.execute(_ALERTS.update().where(_ALERTS.c.id == alert.id).values(**values))
        return str(values.get("delivery_status", "pending"))

    def deliveries(self, alert_id: str) -> list[DeliveryRecord]:
        """Every delivery attempt of an alert, oldest first."""
        with reading(self.store.engine) as conn:
            rows = conn.execute(select(_DELIVERIES).where(_DELIVERIES.c.alert_id == alert_id)
                                .order_by(_DELIVERIES.c.created_at, _DELIVERIES.c.id)).all()
        return [DeliveryRecord(target=r.target, notify_kind=r.notify_kind, attempt=r.attempt,
                               status_code=r.status_code, ok=r.ok, error=r.error,
                               created_at=_aware(r.created_at)) for r in rows]
