"""Tracking: projects, dataset snapshots, runs, their parameters, metrics and predictions.

The experiment side of the ledger (MLflow's tracking store); model versions and their
stages are the registry's (:mod:`modelpact.ledger.registry`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from modelpact.data import fingerprint_frame
from modelpact.errors import ConfigurationError, NotFoundError, closest
from modelpact.ledger import _convert as convert
from modelpact.ledger._engine import Database
from modelpact.ledger._sql import prefix_of
from modelpact.ledger.artifacts import ArtifactStore
from modelpact.ledger.entities import DatasetSnapshot, MetricValue, Project, Run
from modelpact.ledger.liveness import effective_status, owner
from modelpact.ledger.names import check_name
from modelpact.ledger.profile import dataset_summary
from modelpact.ledger.records import event_row
from modelpact.ledger.schema import (
    DatasetRow,
    EventRow,
    MetricRow,
    ParamRow,
    ProjectRow,
    RunDatasetRow,
    RunRow,
    VerdictRow,
)

if TYPE_CHECKING:
    from modelpact.pact import Pact

__all__ = ["Tracking", "pact_hash"]

# What converting a run to its domain object reads, loaded in a few queries for many runs.
_RUN_DETAIL = (
    selectinload(RunRow.params),
    selectinload(RunRow.metrics),
    selectinload(RunRow.datasets).joinedload(RunDatasetRow.dataset),
)


def _proposal(pinned: str, digest: str) -> str:
    return f"pact hash {digest[:12]} proposed; pinned {pinned[:12]} stays until 'modelpact pact approve'"


def pact_hash(pact: Pact | Mapping[str, Any]) -> str:
    """Content hash of a pact (canonical JSON), so verdicts can be tied to the pact they used."""
    data = pact if isinstance(pact, Mapping) else pact.model_dump(mode="json")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Tracking:
    """Projects, dataset snapshots and runs in one ledger database."""

    def __init__(self, db: Database, artifacts: ArtifactStore) -> None:
        self.db = db
        self.artifacts = artifacts

    # ---------------------------------------------------------------- projects

    def project_row(self, session: Session, name: str) -> ProjectRow:
        """The row of project *name*; :class:`NotFoundError`, with a suggestion, if none."""
        row = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
        if row is None:
            names = session.scalars(select(ProjectRow.name)).all()
            raise NotFoundError(
                f"no project '{name}' in store {self.db.display_url}{closest(name, names)}; "
                "projects are created by the first run or verdict logged for them"
            )
        return row

    @staticmethod
    def lock_project(session: Session, project_id: str) -> None:
        """Serialise writers of one project until the transaction ends.

        A row lock on PostgreSQL; SQLite writers are already serialised by BEGIN IMMEDIATE.
        """
        session.execute(select(ProjectRow.id).where(ProjectRow.id == project_id).with_for_update())

    def ensure_project(self, name: str, pact: Pact | None = None) -> Project:
        """Return project *name*, creating it; with *pact*, offer it as the project's pact.

        The first pact a project sees is pinned to it. A pact whose content differs from the
        pinned one does not replace it: it is recorded once as a ``pact_proposed`` event, and
        promotion keeps counting only verdicts against the pinned pact until someone runs
        :meth:`approve_pact` (``modelpact pact approve``), so loosening a pact is never silent.
        """
        check_name(name, what="project")
        data = pact.model_dump(mode="json") if pact is not None else None
        digest = pact_hash(data) if data is not None else None
        with self.db.reading() as session:
            # the common case (project exists, pact unchanged) needs no write lock
            existing = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
            if existing is not None and (
                data is None
                or existing.pact_hash == digest
                or self._proposed(session, existing.id, existing.pact_hash, digest)
            ):
                return convert.project(existing)
        for attempt in range(3):
            try:
                with self.db.writing() as session:
                    row = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
                    if row is None:
                        row = ProjectRow(id=convert.new_id(), name=name, created_at=convert.now())
                        session.add(row)
                        session.flush()  # the event below refers to this row
                    if data is not None and digest is not None and row.pact_hash != digest:
                        if row.pact_hash is None:
                            self._pin(session, row, data, digest, kind="pact_pinned", note=None)
                        elif not self._proposed(session, row.id, row.pact_hash, digest):
                            session.add(
                                event_row(
                                    row.id,
                                    "pact_proposed",
                                    reason=_proposal(row.pact_hash, digest),
                                    actor=convert.current_user(),
                                    created_at=convert.now(),
                                )
                            )
                    session.flush()
                    return convert.project(row)
            except IntegrityError:
                # another writer created the same project at the same moment (PostgreSQL)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def approve_pact(
        self, name: str, pact: Pact, *, reason: str, actor: str | None = None
    ) -> Project:
        """Pin *pact* as project *name*'s pact: an explicit, recorded act.

        Who (*actor*, default the current user), when and why (*reason*, required) are
        stored as a ``pact_approved`` event with the old and new pact hashes. Verdicts
        recorded against the previous pact stop counting for promotion.
        """
        check_name(name, what="project")
        if not reason.strip():
            raise ConfigurationError("approving a pact needs --reason TEXT: say why it changes")
        data = pact.model_dump(mode="json")
        digest = pact_hash(data)
        with self.db.writing() as session:
            row = self.project_row(session, name)
            self.lock_project(session, row.id)
            session.refresh(row)
            if row.pact_hash != digest:
                old = row.pact_hash[:12] if row.pact_hash else "none"
                note = f"pact hash {old} -> {digest[:12]}: {reason.strip()}"
                self._pin(session, row, data, digest, kind="pact_approved", note=note, actor=actor)
            session.flush()
            return convert.project(row)

    @staticmethod
    def _pin(
        session: Session,
        row: ProjectRow,
        data: dict[str, Any],
        digest: str,
        *,
        kind: str,
        note: str | None,
        actor: str | None = None,
    ) -> None:
        session.add(
            event_row(
                row.id,
                kind,
                reason=note or f"pact hash {digest[:12]}",
                actor=actor or convert.current_user(),
                created_at=convert.now(),
            )
        )
        row.pact_json = data
        row.pact_name = str(data["name"])
        row.pact_hash = digest

    @staticmethod
    def _proposed(
        session: Session, project_id: str, pinned: str | None, digest: str | None
    ) -> bool:
        """Whether this change of pact was already recorded as a proposal."""
        if pinned is None or digest is None:
            return False
        found = session.scalar(
            select(EventRow.id).where(
                EventRow.project_id == project_id,
                EventRow.kind == "pact_proposed",
                EventRow.reason == _proposal(pinned, digest),
            )
        )
        return found is not None

    def get_project(self, name: str) -> Project:
        """The project called *name*; :class:`NotFoundError` if there is none."""
        with self.db.reading() as session:
            return convert.project(self.project_row(session, name))

    def list_projects(self) -> list[Project]:
        """Every project, by name."""
        with self.db.reading() as session:
            rows = session.scalars(select(ProjectRow).order_by(ProjectRow.name)).all()
            return [convert.project(r) for r in rows]

    # ---------------------------------------------------------------- datasets

    def log_dataset(
        self, frame: pd.DataFrame, *, name: str, keep_rows: bool = True
    ) -> DatasetSnapshot:
        """Snapshot *frame*: fingerprint, schema, column profile and (by default) its rows.

        The same content is stored once: logging it again returns the existing snapshot.
        """
        fingerprint = fingerprint_frame(frame)
        with self.db.reading() as session:
            existing = session.scalar(
                select(DatasetRow).where(DatasetRow.fingerprint == fingerprint)
            )
            if existing is not None and (existing.artifact_path or not keep_rows):
                return convert.dataset_snapshot(existing)
        artifact: str | None = None
        if keep_rows:
            artifact = self._store_rows(fingerprint, frame)
        schema = {"columns": [{"name": str(c), "dtype": str(t)} for c, t in frame.dtypes.items()]}
        profile = convert.json_safe(dataset_summary(frame))
        try:
            with self.db.writing() as session:
                row = session.scalar(
                    select(DatasetRow).where(DatasetRow.fingerprint == fingerprint)
                )
                if row is None:
                    row = DatasetRow(
                        id=convert.new_id(),
                        fingerprint=fingerprint,
                        name=name,
                        n_rows=len(frame),
                        n_columns=frame.shape[1],
                        schema_json=schema,
                        profile_json=profile,
                        artifact_path=artifact,
                        created_at=convert.now(),
                    )
                    session.add(row)
                elif row.artifact_path is None and artifact is not None:
                    row.artifact_path = artifact
                session.flush()
                return convert.dataset_snapshot(row)
        except IntegrityError:
            # a concurrent writer stored the same content first; theirs is ours
            with self.db.reading() as session:
                row = session.scalar(
                    select(DatasetRow).where(DatasetRow.fingerprint == fingerprint)
                )
                if row is None:
                    raise
                return convert.dataset_snapshot(row)

    def _store_rows(self, fingerprint: str, frame: pd.DataFrame) -> str | None:
        relative = f"datasets/{fingerprint[:2]}/{fingerprint}.parquet"
        if self.artifacts.exists(relative):
            return relative
        renamed = (
            frame.rename(columns=str)
            if any(not isinstance(c, str) for c in frame.columns)
            else frame
        )
        try:
            return self.artifacts.write_parquet(relative, renamed)
        except (ValueError, TypeError):
            # Mixed-type object columns cannot go to Parquet (pyarrow's errors derive from
            # these); the snapshot is still worth keeping, only a data diff will lack rows.
            return None

    def dataset_row(self, session: Session, ref: str) -> DatasetRow:
        """The row of the snapshot with this id or fingerprint (or a unique prefix of either)."""
        row = session.get(DatasetRow, ref)
        if row is None and ref:
            matches = session.scalars(
                select(DatasetRow)
                .where(prefix_of(DatasetRow.id, ref) | prefix_of(DatasetRow.fingerprint, ref))
                .limit(2)
            ).all()
            if len(matches) == 1:
                row = matches[0]
        if row is None:
            raise NotFoundError(f"no dataset '{ref}' in store {self.db.display_url}")
        return row

    def get_dataset(self, dataset_id: str) -> DatasetSnapshot:
        """The snapshot with this id or fingerprint (a unique prefix of either works)."""
        with self.db.reading() as session:
            return convert.dataset_snapshot(self.dataset_row(session, dataset_id))

    def load_dataset_frame(self, dataset_id: str) -> pd.DataFrame | None:
        """The rows of a snapshot if they were kept, else None."""
        with self.db.reading() as session:
            path = self.dataset_row(session, dataset_id).artifact_path
        return None if path is None else self.artifacts.read_parquet(path)

    # ---------------------------------------------------------------- runs

    def create_run(
        self,
        project: str,
        *,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        git_commit: str | None = None,
        git_dirty: bool | None = None,
        started_at: datetime | None = None,
    ) -> Run:
        """Start a run in *project* (created if needed); status ``running``."""
        project_row = self.ensure_project(project)
        texts = {str(k): convert.param_text(v) for k, v in (params or {}).items()}
        start = started_at or convert.now()
        host, pid = owner()
        with self.db.writing() as session:
            row = RunRow(
                id=convert.new_id(),
                project_id=project_row.id,
                name=name,
                status="running",
                started_at=start,
                git_commit=git_commit,
                git_dirty=git_dirty,
                owner_host=host,
                owner_pid=pid,
            )
            session.add(row)
            session.flush()  # the parameters below refer to this row
            session.add_all(ParamRow(run_id=row.id, key=k, value=v) for k, v in texts.items())
        return Run(
            id=row.id,
            project=project_row.name,
            status="running",
            started_at=convert.aware(start),
            name=name,
            git_commit=git_commit,
            git_dirty=git_dirty,
            params=dict(sorted(texts.items())),
        )

    def run_row(self, session: Session, run_id: str, *, detail: bool = False) -> RunRow:
        """The row of the run with this id (or a unique prefix of at least 4 characters)."""
        options = _RUN_DETAIL if detail else ()
        row = session.get(RunRow, run_id, options=options) if run_id else None
        if row is None and len(run_id) >= 4:
            matches = session.scalars(
                select(RunRow).where(prefix_of(RunRow.id, run_id)).options(*options).limit(2)
            ).all()
            if len(matches) == 1:
                row = matches[0]
            elif len(matches) > 1:
                raise NotFoundError(
                    f"run id '{run_id}' is ambiguous in store {self.db.display_url}; give more "
                    "characters"
                )
        if row is None:
            raise NotFoundError(
                f"no run '{run_id}' in store {self.db.display_url}; list runs with "
                "'modelpact runs list'"
            )
        return row

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        """Record parameters of a run (a key logged again takes the new value)."""
        with self.db.writing() as session:
            row = self.run_row(session, run_id)
            for key, value in params.items():
                session.merge(
                    ParamRow(run_id=row.id, key=str(key), value=convert.param_text(value))
                )

    def log_metrics(self, run_id: str, metrics: Mapping[str, float | MetricValue]) -> None:
        """Record metrics of a run; a :class:`MetricValue` carries its interval."""
        with self.db.writing() as session:
            row = self.run_row(session, run_id)
            for key, value in metrics.items():
                mv = (
                    value if isinstance(value, MetricValue) else MetricValue(str(key), float(value))
                )
                session.merge(
                    MetricRow(
                        run_id=row.id,
                        key=str(key),
                        value=float(mv.value),
                        low=mv.low,
                        high=mv.high,
                        confidence=mv.confidence,
                        method=mv.method,
                        n=mv.n,
                    )
                )

    def link_dataset(self, run_id: str, dataset_id: str, role: str) -> None:
        """Record that a run used a snapshot in *role* (``train``, ``eval``...)."""
        with self.db.writing() as session:
            run = self.run_row(session, run_id)
            dataset = self.dataset_row(session, dataset_id)
            session.merge(RunDatasetRow(run_id=run.id, role=role, dataset_id=dataset.id))

    def log_predictions(self, run_id: str, frame: pd.DataFrame) -> str:
        """Store a run's evaluation predictions (id, target, scores...) as Parquet."""
        with self.db.reading() as session:
            real_id = self.run_row(session, run_id).id
        relative = self.artifacts.write_parquet(f"runs/{real_id}/predictions.parquet", frame)
        with self.db.writing() as session:
            self.run_row(session, real_id).predictions_path = relative
        return relative

    def run_predictions(self, run_id: str) -> pd.DataFrame:
        """A run's evaluation predictions; :class:`NotFoundError` if it logged none."""
        with self.db.reading() as session:
            row = self.run_row(session, run_id)
            path, real_id = row.predictions_path, row.id
        if path is None:
            raise NotFoundError(
                f"run '{real_id[:8]}' logged no evaluation predictions; log them with "
                "run.log_predictions(...) or run.evaluate(...)"
            )
        return self.artifacts.read_parquet(path)

    def heartbeat(self, run_id: str) -> bool:
        """Record that the live run *run_id* is still alive; False once it is not ``running``.

        One UPDATE, so a background thread can call it every few seconds cheaply.
        """
        with self.db.writing() as session:
            result = session.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status == "running")
                .values(heartbeat_at=convert.now())
            )
            return bool(getattr(result, "rowcount", 0))

    def finish_run(
        self,
        run_id: str,
        status: str = "finished",
        *,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> Run:
        """End a run as ``finished`` or ``failed`` and record its duration."""
        if status not in ("finished", "failed"):
            raise ConfigurationError(f"a run ends 'finished' or 'failed', not '{status}'")
        with self.db.writing() as session:
            row = self.run_row(session, run_id)
            end = finished_at or convert.now()
            row.status = status
            row.finished_at = end
            row.duration_s = (end - convert.aware(row.started_at)).total_seconds()
            row.error = error
            session.flush()
            real_id = row.id
        return self.get_run(real_id)

    def get_run(self, run_id: str) -> Run:
        """The run with this id (or a unique prefix of at least 4 characters)."""
        with self.db.reading() as session:
            row = self.run_row(session, run_id, detail=True)
            latest = session.scalar(
                select(VerdictRow.verdict)
                .where(VerdictRow.run_id == row.id)
                .order_by(VerdictRow.created_at.desc())
                .limit(1)
            )
            return convert.run(row, latest)

    def list_runs(
        self,
        project: str | None = None,
        *,
        status: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Run]:
        """Runs, newest first, optionally filtered by project, status and start time."""
        with self.db.reading() as session:
            query = (
                select(RunRow).options(*_RUN_DETAIL).order_by(RunRow.started_at.desc(), RunRow.id)
            )
            if project is not None:
                query = query.where(RunRow.project_id == self.project_row(session, project).id)
            if status is not None:
                # a killed run is stored as such once `store gc` saw it; before, it is among
                # the "running" rows, decided below
                stored = ("running", "killed") if status == "killed" else (status,)
                query = query.where(RunRow.status.in_(stored))
            if since is not None:
                query = query.where(RunRow.started_at >= since)
            if limit is not None:
                query = query.limit(limit)
            rows = session.scalars(query).all()
            verdicts: dict[str, str] = {}
            if rows:
                found = session.execute(
                    select(VerdictRow.run_id, VerdictRow.verdict)
                    .where(VerdictRow.run_id.in_([r.id for r in rows]))
                    .order_by(VerdictRow.created_at)
                ).all()
                verdicts = {str(run_id): verdict for run_id, verdict in found}
            runs = [convert.run(r, verdicts.get(r.id)) for r in rows]
            return [r for r in runs if status is None or r.status == status]

    def count_runs(self, project: str) -> dict[str, int]:
        """Number of runs of *project* by status."""
        with self.db.reading() as session:
            pid = self.project_row(session, project).id
            found = session.execute(
                select(RunRow.status, func.count())
                .where(RunRow.project_id == pid, RunRow.status != "running")
                .group_by(RunRow.status)
            ).all()
            counts = {str(status): int(n) for status, n in found}
            running = session.execute(
                select(RunRow.owner_host, RunRow.owner_pid, RunRow.heartbeat_at).where(
                    RunRow.project_id == pid, RunRow.status == "running"
                )
            ).all()
            for host, owner_pid, beat in running:
                seen = effective_status("running", host, owner_pid, beat)
                counts[seen] = counts.get(seen, 0) + 1
            return counts
