"""The ledger store: one facade over tracking, the model registry and records.

The work is done by one module per concern, the way MLflow separates its tracking store from
its model registry:

* :mod:`modelpact.ledger._engine` connects, checks and upgrades the schema, and opens
  sessions;
* :mod:`modelpact.ledger.tracking` keeps projects, dataset snapshots and runs;
* :mod:`modelpact.ledger.registry` keeps model versions and owns the promotion rule;
* :mod:`modelpact.ledger.records` keeps verdicts, audits and events;
* :mod:`modelpact.ledger.analyses` keeps stored comparisons and diffs;
* :mod:`modelpact.ledger._convert` turns rows into the frozen objects of
  :mod:`modelpact.ledger.entities` before they leave the ledger.

:class:`Store` hands each call to the module that owns it, so callers need one object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelpact.ledger._engine import Database, connect, upgrade_database
from modelpact.ledger.analyses import Analyses, AnalysisRecord
from modelpact.ledger.artifacts import ArtifactStore, artifact_store
from modelpact.ledger.config import default_artifacts, default_url, display_url
from modelpact.ledger.entities import (
    AuditRecord,
    DatasetSnapshot,
    Event,
    MetricValue,
    ModelVersion,
    Project,
    Run,
    VerdictRecord,
)
from modelpact.ledger.records import AUDIT_SCHEMA, VERDICT_SCHEMA, Records
from modelpact.ledger.registry import Registry
from modelpact.ledger.tracking import Tracking, pact_hash

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from modelpact.ledger.schema import DatasetRow, ModelVersionRow, ProjectRow, RunRow
    from modelpact.pact import Pact

__all__ = [
    "AUDIT_SCHEMA",
    "VERDICT_SCHEMA",
    "Store",
    "open_configured_store",
    "open_store",
    "pact_hash",
    "upgrade_store",
]


class Store:
    """The ledger: projects, dataset snapshots, runs, model versions, verdicts, audits.

    Obtain one with :func:`open_store`. Thread-safe: each call uses its own session.
    The parts are reachable on their own as :attr:`tracking`, :attr:`registry` and
    :attr:`records`.
    """

    def __init__(self, engine: Engine, url: str, artifacts: ArtifactStore) -> None:
        self.url = url
        self.artifacts = artifacts
        self._db = Database(engine, url)
        self.tracking = Tracking(self._db, artifacts)
        self.registry = Registry(self._db, artifacts, self.tracking)
        self.records = Records(self._db, self.tracking, self.registry)
        self.analyses = Analyses(self._db, self.tracking)

    def __repr__(self) -> str:
        return f"Store({display_url(self.url)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return display_url(self.url)

    def close(self) -> None:
        """Release database connections."""
        self._db.close()

    @property
    def engine(self) -> Engine:
        """The database engine, for the ledger's other stores (capture, keys, locks)."""
        return self._db.engine

    # Sessions and row look-ups, for code inside the ledger package that needs a
    # transaction spanning several parts.

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with self._db.reading() as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._db.writing() as session:
            yield session

    def _project_row(self, session: Session, name: str) -> ProjectRow:
        return self.tracking.project_row(session, name)

    def _dataset_row(self, session: Session, ref: str) -> DatasetRow:
        return self.tracking.dataset_row(session, ref)

    def _run_row(self, session: Session, run_id: str, *, detail: bool = False) -> RunRow:
        return self.tracking.run_row(session, run_id, detail=detail)

    def _version_row(self, session: Session, ref: str) -> ModelVersionRow:
        return self.registry.version_row(session, ref)

    @staticmethod
    def _lock_project(session: Session, project_id: str) -> None:
        Tracking.lock_project(session, project_id)

    # ---------------------------------------------------------------- tracking

    def ensure_project(self, name: str, pact: Pact | None = None) -> Project:
        """Return project *name*, creating it; with *pact*, pin it or propose a change.

        See :meth:`Tracking.ensure_project`.
        """
        return self.tracking.ensure_project(name, pact)

    def approve_pact(
        self, name: str, pact: Pact, *, reason: str, actor: str | None = None
    ) -> Project:
        """Pin *pact* as project *name*'s pact, recording who, when and why.

        See :meth:`Tracking.approve_pact`.
        """
        return self.tracking.approve_pact(name, pact, reason=reason, actor=actor)

    def get_project(self, name: str) -> Project:
        """The project called *name*; :class:`NotFoundError` if there is none.

        See :meth:`Tracking.get_project`.
        """
        return self.tracking.get_project(name)

    def pinned_pact(self, name: str) -> Pact | None:
        """Project *name*'s pinned pact, or None when it has none (:class:`NotFoundError` if
        there is no such project)."""
        from modelpact.pact import Pact

        document = self.get_project(name).pact
        return None if document is None else Pact.model_validate(document)

    def list_projects(self) -> list[Project]:
        """Every project, by name.

        See :meth:`Tracking.list_projects`.
        """
        return self.tracking.list_projects()

    def log_dataset(
        self, frame: pd.DataFrame, *, name: str, role: str | None = None, keep_rows: bool = True
    ) -> DatasetSnapshot:
        """Snapshot *frame*: fingerprint, schema, column profile and (by default) its rows.

        See :meth:`Tracking.log_dataset`.

        *role* is accepted for symmetry with :meth:`link_dataset` and is not part of the
        snapshot (the same data can train one run and evaluate another).
        """
        del role
        return self.tracking.log_dataset(frame, name=name, keep_rows=keep_rows)

    def get_dataset(self, dataset_id: str) -> DatasetSnapshot:
        """The snapshot with this id or fingerprint (a unique prefix of either works).

        See :meth:`Tracking.get_dataset`.
        """
        return self.tracking.get_dataset(dataset_id)

    def load_dataset_frame(self, dataset_id: str) -> pd.DataFrame | None:
        """The rows of a snapshot if they were kept, else None.

        See :meth:`Tracking.load_dataset_frame`.
        """
        return self.tracking.load_dataset_frame(dataset_id)

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
        """Start a run in *project* (created if needed); status ``running``.

        See :meth:`Tracking.create_run`.
        """
        return self.tracking.create_run(
            project,
            name=name,
            params=params,
            git_commit=git_commit,
            git_dirty=git_dirty,
            started_at=started_at,
        )

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        """Record parameters of a run (a key logged again takes the new value).

        See :meth:`Tracking.log_params`.
        """
        self.tracking.log_params(run_id, params)

    def log_metrics(self, run_id: str, metrics: Mapping[str, float | MetricValue]) -> None:
        """Record metrics of a run; a :class:`MetricValue` carries its interval.

        See :meth:`Tracking.log_metrics`.
        """
        self.tracking.log_metrics(run_id, metrics)

    def link_dataset(self, run_id: str, dataset_id: str, role: str) -> None:
        """Record that a run used a snapshot in *role* (``train``, ``eval``...).

        See :meth:`Tracking.link_dataset`.
        """
        self.tracking.link_dataset(run_id, dataset_id, role)

    def log_predictions(self, run_id: str, frame: pd.DataFrame) -> str:
        """Store a run's evaluation predictions (id, target, scores...) as Parquet.

        See :meth:`Tracking.log_predictions`.
        """
        return self.tracking.log_predictions(run_id, frame)

    def run_predictions(self, run_id: str) -> pd.DataFrame:
        """A run's evaluation predictions; :class:`NotFoundError` if it logged none.

        See :meth:`Tracking.run_predictions`.
        """
        return self.tracking.run_predictions(run_id)

    def finish_run(
        self,
        run_id: str,
        status: str = "finished",
        *,
        error: str | None = None,
        finished_at: datetime | None = None,
    ) -> Run:
        """End a run as ``finished`` or ``failed`` and record its duration.

        See :meth:`Tracking.finish_run`.
        """
        return self.tracking.finish_run(run_id, status, error=error, finished_at=finished_at)

    def get_run(self, run_id: str) -> Run:
        """The run with this id (or a unique prefix of at least 4 characters).

        See :meth:`Tracking.get_run`.
        """
        return self.tracking.get_run(run_id)

    def list_runs(
        self,
        project: str | None = None,
        *,
        status: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Run]:
        """Runs, newest first, optionally filtered by project, status and start time.

        See :meth:`Tracking.list_runs`.
        """
        return self.tracking.list_runs(project, status=status, since=since, limit=limit)

    def count_runs(self, project: str) -> dict[str, int]:
        """Number of runs of *project* by status.

        See :meth:`Tracking.count_runs`.
        """
        return self.tracking.count_runs(project)

    # ---------------------------------------------------------------- registry

    def register_model(
        self,
        *,
        project: str,
        run_id: str | None = None,
        artifact_path: str | Path | None = None,
        model: object | None = None,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        description: str | None = None,
        verdict_json: Mapping[str, Any] | None = None,
        pact_hash: str | None = None,
    ) -> ModelVersion:
        """Register a new version of *project*'s model as a ``candidate``.

        See :meth:`Registry.register_model`.
        """
        return self.registry.register_model(
            project=project,
            run_id=run_id,
            artifact_path=artifact_path,
            model=model,
            name=name,
            params=params,
            description=description,
            verdict_json=verdict_json,
            pact_hash=pact_hash,
        )

    def get_model_version(self, ref: str) -> ModelVersion:
        """A model version by id (or unique prefix), ``project:N``, or ``project@stage``.

        See :meth:`Registry.get_model_version`.
        """
        return self.registry.get_model_version(ref)

    def list_model_versions(
        self, project: str | None = None, *, stage: str | None = None
    ) -> list[ModelVersion]:
        """Model versions by project and version number.

        See :meth:`Registry.list_model_versions`.
        """
        return self.registry.list_model_versions(project, stage=stage)

    def load_model(
        self, ref: str, *, trust_pickle: bool = False, trusted: Sequence[str] | None = None
    ) -> Any:
        """Load a version's model, checking its hash; a pickle only with *trust_pickle*.

        See :meth:`Registry.load_model`.
        """
        return self.registry.load_model(ref, trust_pickle=trust_pickle, trusted=trusted)

    def signing_verdict(self, version_ref: str) -> VerdictRecord | None:
        """The latest ``signed_off`` verdict that lets this version be promoted, if any.

        See :meth:`Registry.signing_verdict`.
        """
        return self.registry.signing_verdict(version_ref)

    def set_stage(
        self,
        version_ref: str,
        stage: str,
        *,
        reason: str | None = None,
        forced: bool = False,
        actor: str | None = None,
    ) -> ModelVersion:
        """Move a model version to *stage*, following the registry's rules.

        See :meth:`Registry.set_stage`.
        """
        return self.registry.set_stage(
            version_ref, stage, reason=reason, forced=forced, actor=actor
        )

    # ---------------------------------------------------------------- records

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

        See :meth:`Records.record_verdict`.
        """
        return self.records.record_verdict(
            project=project,
            verdict_json=verdict_json,
            model_version_id=model_version_id,
            run_id=run_id,
            pact_hash=pact_hash,
        )

    def list_verdicts(
        self, project: str | None = None, *, model_version: str | None = None
    ) -> list[VerdictRecord]:
        """Stored verdicts, newest first.

        See :meth:`Records.list_verdicts`.
        """
        return self.records.list_verdicts(project, model_version=model_version)

    def record_audit(self, *, project: str, audit_json: Mapping[str, Any]) -> AuditRecord:
        """Store a ``modelpact.audit/v1`` document for *project*.

        See :meth:`Records.record_audit`.
        """
        return self.records.record_audit(project=project, audit_json=audit_json)

    def latest_audit(self, project: str) -> AuditRecord | None:
        """The most recent audit of *project*, if any.

        See :meth:`Records.latest_audit`.
        """
        return self.records.latest_audit(project)

    def list_events(
        self, project: str | None = None, *, model_version: str | None = None
    ) -> list[Event]:
        """Recorded events (registrations, stage changes, forced promotions), oldest first.

        See :meth:`Records.list_events`.
        """
        return self.records.list_events(project, model_version=model_version)


    # ---------------------------------------------------------------- analyses

    def record_analysis(
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

        See :meth:`Analyses.record`.
        """
        return self.analyses.record(
            project=project,
            document=document,
            outcome=outcome,
            title=title,
            run_id=run_id,
            pact_hash=pact_hash,
        )

    def list_analyses(
        self, project: str, *, kind: str | None = None, limit: int | None = None
    ) -> list[AnalysisRecord]:
        """*project*'s stored comparisons and diffs, newest first.

        See :meth:`Analyses.list_analyses`.
        """
        return self.analyses.list_analyses(project, kind=kind, limit=limit)

    def get_analysis(
        self, project: str, analysis_id: str, *, kind: str | None = None
    ) -> AnalysisRecord:
        """One stored comparison or diff of *project*.

        See :meth:`Analyses.get`.
        """
        return self.analyses.get(project, analysis_id, kind=kind)

def open_store(
    url: str | None = None,
    *,
    root: Path = Path(".modelpact"),
    create: bool = True,
    artifacts: Path | str | None = None,
) -> Store:
    """Open (and, with *create*, initialise or upgrade) the ledger at *url*.

    Parameters
    ----------
    url : str, optional
        A SQLAlchemy URL. None means SQLite at ``<root>/ledger.db``.
    root : Path
        The ledger directory (default ``.modelpact``): default database and artifacts.
    create : bool
        Create the schema when missing and upgrade an older one. With False, a missing or
        outdated ledger is an error.
    artifacts : Path or str, optional
        Artifact directory, or an fsspec URL (``s3://bucket/prefix``; needs the extra
        ``modelpact[artifacts]``); default beside a SQLite file, else ``<root>/artifacts``
        (:func:`~modelpact.ledger.config.default_artifacts`).

    Raises
    ------
    StoreError
        The store cannot be reached, is not a modelpact ledger, or is at a schema revision
        this version does not know (written by a newer modelpact) or, without *create*,
        an older one.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = open_store(root=Path(tmp))
    ...     store.ensure_project("churn").name
    ...     store.close()
    'churn'
    """
    root = Path(root)
    resolved = url or default_url(root)
    db = connect(resolved, create=create)
    try:
        files = artifact_store(artifacts or default_artifacts(url, root))
    except BaseException:
        db.close()
        raise
    return Store(db.engine, resolved, files)


def upgrade_store(
    url: str | None = None, *, root: Path = Path(".modelpact")
) -> tuple[str | None, str]:
    """Migrate the ledger at *url* to this modelpact's schema; return (before, after)."""
    return upgrade_database(url or default_url(root))


def open_configured_store(
    cli_value: str | None, *, cwd: Path | None = None, create: bool = False
) -> Store:
    """Open the store a command should use: ``--store``, ``MODELPACT_STORE``, ``modelpact.toml``,
    else SQLite under ``<cwd>/.modelpact``. For the command line's edge only.

    With *create* False (what read-only commands want) a missing ledger is an error that
    says so, rather than a new empty one.
    """
    from modelpact.ledger.config import resolve_artifacts, resolve_store_url

    where = Path.cwd() if cwd is None else Path(cwd)
    url = resolve_store_url(cli_value, where)
    artifacts = resolve_artifacts(where)
    return open_store(url, root=where / ".modelpact", create=create, artifacts=artifacts)
