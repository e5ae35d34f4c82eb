"""Stored analyses: comparisons (``modelpact.compare/v1``) and behaviour diffs
(``modelpact.diff/v1``), kept as written so a page can rebuild the result later.

The ledger stores the document and the outcome its result object decided (``pass``,
``inconclusive``, ``at_risk``...); it never recomputes either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from modelpact._result import OUTCOMES
from modelpact.errors import NotFoundError, StoreError
from modelpact.ledger import _convert as convert
from modelpact.ledger.schema import AnalysisRow

if TYPE_CHECKING:
    from modelpact.ledger._engine import Database
    from modelpact.ledger.tracking import Tracking

__all__ = ["ANALYSIS_KINDS", "Analyses", "AnalysisRecord", "analysis_kind"]

#: The kind of analysis each stored document schema is.
ANALYSIS_KINDS: Mapping[str, str] = {
    "modelpact.compare/v1": "comparison",
    "modelpact.diff/v1": "diff",
}


def analysis_kind(document: Mapping[str, Any]) -> str:
    """``comparison`` or ``diff``: the kind of a stored analysis document, by its schema.

    Examples
    --------
    >>> analysis_kind({"schema": "modelpact.diff/v1"})
    'diff'
    """
    schema = document.get("schema")
    kind = ANALYSIS_KINDS.get(str(schema))
    if kind is None:
        expected = " or ".join(f"'{s}'" for s in ANALYSIS_KINDS)
        raise StoreError(f"analysis document has schema {schema!r}, expected {expected}")
    return kind


@dataclass(frozen=True)
class AnalysisRecord:
    """A stored comparison or diff: its kind, outcome, title and v1 document."""

    id: str
    project: str
    kind: str
    outcome: str
    created_at: datetime
    body: dict[str, Any]
    title: str | None = None
    run_id: str | None = None
    pact_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat()
        return out


def _record(row: AnalysisRow) -> AnalysisRecord:
    return AnalysisRecord(
        id=row.id,
        project=row.project.name,
        kind=row.kind,
        outcome=row.outcome,
        created_at=convert.aware(row.created_at),
        body=row.body_json,
        title=row.title,
        run_id=row.run_id,
        pact_hash=row.pact_hash,
    )


class Analyses:
    """Comparisons and diffs stored against the projects of one ledger database."""

    def __init__(self, db: Database, tracking: Tracking) -> None:
        self.db = db
        self.tracking = tracking

    def record(
        self,
        *,
        project: str,
        document: Mapping[str, Any],
        outcome: str,
        title: str | None = None,
        run_id: str | None = None,
        pact_hash: str | None = None,
    ) -> AnalysisRecord:
        """Store a ``modelpact.compare/v1`` or ``modelpact.diff/v1`` document for *project*.

        *outcome* is what the result object decided (one of :data:`modelpact._result.OUTCOMES`).
        """
        kind = analysis_kind(document)
        if outcome not in OUTCOMES:
            raise StoreError(f"analysis outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
        real_run = None
        if run_id:  # decided before the project is created: a bad run id writes nothing
            with self.db.reading() as session:
                run = self.tracking.run_row(session, run_id)
                if run.project.name != project:
                    raise StoreError(f"run '{run_id}' belongs to project '{run.project.name}', "
                                     f"not '{project}'")
                real_run = run.id
        project_row = self.tracking.ensure_project(project)
        with self.db.writing() as session:
            row = AnalysisRow(
                id=convert.new_id(),
                project_id=project_row.id,
                kind=kind,
                outcome=outcome,
                run_id=real_run,
                pact_hash=pact_hash or project_row.pact_hash,
                title=(title or "")[:500] or None,
                body_json=convert.json_safe(dict(document)),
                created_at=convert.now(),
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _record(row)

    def list_analyses(
        self, project: str, *, kind: str | None = None, limit: int | None = None
    ) -> list[AnalysisRecord]:
        """*project*'s stored analyses (of one *kind* if given), newest first."""
        with self.db.reading() as session:
            pid = self.tracking.project_row(session, project).id
            query = (
                select(AnalysisRow)
                .where(AnalysisRow.project_id == pid)
                .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id)
            )
            if kind is not None:
                query = query.where(AnalysisRow.kind == kind)
            if limit is not None:
                query = query.limit(limit)
            return [_record(r) for r in session.scalars(query).all()]

    def get(self, project: str, analysis_id: str, *, kind: str | None = None) -> AnalysisRecord:
        """The stored analysis *analysis_id* of *project* (of *kind*, when given).

        Raises
        ------
        NotFoundError
            When *project* holds no such analysis: one of another project is not found either.
        """
        with self.db.reading() as session:
            pid = self.tracking.project_row(session, project).id
            row = session.get(AnalysisRow, analysis_id)
            if row is None or row.project_id != pid or (kind is not None and row.kind != kind):
                raise NotFoundError(f"no {kind or 'analysis'} '{analysis_id}' in project '{project}'")
            return _record(row)

    def count(self, project: str) -> dict[str, int]:
        """How many analyses *project* stores, by kind."""
        with self.db.reading() as session:
            pid = self.tracking.project_row(session, project).id
            rows = session.execute(
                select(AnalysisRow.kind, func.count())
                .where(AnalysisRow.project_id == pid)
                .group_by(AnalysisRow.kind)
            ).all()
            return {str(kind): int(n) for kind, n in rows}
