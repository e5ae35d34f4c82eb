"""Records: stored verdicts, audits and the event history of each project.

What was decided (``modelpact.verdict/v1`` and ``modelpact.audit/v1`` documents) and what
happened (registrations, stage changes, forced promotions, pact changes), kept as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from modelpact.errors import StoreError
from modelpact.ledger import _convert as convert
from modelpact.ledger._engine import Database
from modelpact.ledger.entities import AuditRecord, Event, VerdictRecord
from modelpact.ledger.schema import AuditRow, EventRow, VerdictRow

if TYPE_CHECKING:
    from modelpact.ledger.registry import Registry
    from modelpact.ledger.tracking import Tracking

__all__ = ["AUDIT_SCHEMA", "VERDICT_SCHEMA", "Records", "event_row", "verdict_value"]

VERDICT_SCHEMA = "modelpact.verdict/v1"
AUDIT_SCHEMA = "modelpact.audit/v1"


def verdict_value(doc: Mapping[str, Any]) -> str:
    """The ``verdict`` of a ``modelpact.verdict/v1`` document, checking that it is one."""
    schema = doc.get("schema")
    if schema != VERDICT_SCHEMA:
        raise StoreError(f"verdict document has schema {schema!r}, expected '{VERDICT_SCHEMA}'")
    verdict = doc.get("verdict")
    if verdict not in ("signed_off", "failed", "inconclusive"):
        raise StoreError(
            f"verdict document has verdict {verdict!r}; expected signed_off, failed or inconclusive"
        )
    return str(verdict)


def event_row(
    project_id: str,
    kind: str,
    *,
    created_at: datetime,
    model_version_id: str | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    forced: bool = False,
    reason: str | None = None,
    actor: str | None = None,
) -> EventRow:
    """A new row of the event history (registration, stage change, pact change...)."""
    return EventRow(
        id=convert.new_id(),
        project_id=project_id,
        model_version_id=model_version_id,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        forced=forced,
        reason=reason,
        actor=actor,
        created_at=created_at,
    )


class Records:
    """Verdicts, audits and events of the projects in one ledger database."""

    def __init__(self, db: Database, tracking: Tracking, registry: Registry) -> None:
        self.db = db
        self.tracking = tracking
        self.registry = registry

    def record_verdict(
        self,
        *,
        project: str,
        verdict_json: Mapping[str, Any],
        model_version_id: str | None = None,
        run_id: str | None = None,
        pact_hash: str | None = None,
    ) -> VerdictRecord:
        """Store a ``modelpact.verdict/v1`` document for a run and/or model version.

        It is recorded with *pact_hash*, the hash of the pact it was decided against
        (default: the project's pinned pact); promotion counts it only when that is the
        pinned pact.
        """
        verdict = verdict_value(verdict_json)
        project_row = self.tracking.ensure_project(project)
        with self.db.writing() as session:
            version_id = (
                self.registry.version_row(session, model_version_id).id
                if model_version_id
                else None
            )
            real_run = self.tracking.run_row(session, run_id).id if run_id else None
            row = VerdictRow(
                id=convert.new_id(),
                project_id=project_row.id,
                model_version_id=version_id,
                run_id=real_run,
                verdict=verdict,
                pact_hash=pact_hash or project_row.pact_hash,
                body_json=convert.json_safe(dict(verdict_json)),
                created_at=convert.now(),
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return convert.verdict_record(row)

    def list_verdicts(
        self, project: str | None = None, *, model_version: str | None = None
    ) -> list[VerdictRecord]:
        """Stored verdicts, newest first."""
        with self.db.reading() as session:
            query = select(VerdictRow).order_by(VerdictRow.created_at.desc())
            query = self._about(session, query, VerdictRow, project, model_version)
            return [convert.verdict_record(r) for r in session.scalars(query).all()]

    def record_audit(self, *, project: str, audit_json: Mapping[str, Any]) -> AuditRecord:
        """Store a ``modelpact.audit/v1`` document for *project*."""
        verdict = audit_json.get("verdict")
        if audit_json.get("schema") != AUDIT_SCHEMA or not isinstance(verdict, str):
            raise StoreError(
                f"audit document has schema {audit_json.get('schema')!r} and verdict "
                f"{verdict!r}; expected '{AUDIT_SCHEMA}' with go, go_with_fixes or no_go"
            )
        project_row = self.tracking.ensure_project(project)
        with self.db.writing() as session:
            row = AuditRow(
                id=convert.new_id(),
                project_id=project_row.id,
                verdict=verdict,
                body_json=convert.json_safe(dict(audit_json)),
                created_at=convert.now(),
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return convert.audit_record(row)

    def latest_audit(self, project: str) -> AuditRecord | None:
        """The most recent audit of *project*, if any."""
        with self.db.reading() as session:
            pid = self.tracking.project_row(session, project).id
            row = session.scalars(
                select(AuditRow)
                .where(AuditRow.project_id == pid)
                .order_by(AuditRow.created_at.desc())
                .limit(1)
            ).first()
            return None if row is None else convert.audit_record(row)

    def list_events(
        self, project: str | None = None, *, model_version: str | None = None
    ) -> list[Event]:
        """Recorded events (registrations, stage changes, forced promotions), oldest first."""
        with self.db.reading() as session:
            query = select(EventRow).order_by(EventRow.created_at, EventRow.id)
            query = self._about(session, query, EventRow, project, model_version)
            return [convert.event(r) for r in session.scalars(query).all()]

    def _about(
        self,
        session: Session,
        query: Select[Any],
        table: type[VerdictRow] | type[EventRow],
        project: str | None,
        model_version: str | None,
    ) -> Select[Any]:
        """*query* narrowed to one project and/or one model version."""
        if project is not None:
            query = query.where(table.project_id == self.tracking.project_row(session, project).id)
        if model_version is not None:
            version_id = self.registry.version_row(session, model_version).id
            query = query.where(table.model_version_id == version_id)
        return query
