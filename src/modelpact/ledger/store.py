"""The ledger store: one SQLAlchemy implementation over SQLite or PostgreSQL.

Rows become frozen domain objects (:mod:`modelpact.ledger.entities`) before they leave this
module. Every public write runs in one transaction; on SQLite that transaction takes the
write lock up front (``BEGIN IMMEDIATE``) so concurrent writers queue on the busy timeout
instead of failing on a lock upgrade.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from modelpact.data import fingerprint_frame
from modelpact.errors import ConfigurationError, NotFoundError, StoreError, closest
from modelpact.ledger import _migrate
from modelpact.ledger.artifacts import ArtifactStore
from modelpact.ledger.config import default_url, display_url
from modelpact.ledger.entities import (
    STAGES,
    AuditRecord,
    DatasetSnapshot,
    Event,
    MetricValue,
    ModelVersion,
    Project,
    Run,
    RunDataset,
    VerdictRecord,
)
from modelpact.ledger.profile import profile_frame
from modelpact.ledger.schema import (
    AuditRow,
    DatasetRow,
    EventRow,
    MetricRow,
    ModelVersionRow,
    ParamRow,
    ProjectRow,
    RunDatasetRow,
    RunRow,
    VerdictRow,
)

try:
    import fcntl

    _HAVE_FCNTL = True
except ImportError:  # Windows: the SQLite busy timeout alone queues writers
    _HAVE_FCNTL = False

if TYPE_CHECKING:
    from modelpact.pact import Pact

__all__ = [
    "VERDICT_SCHEMA",
    "Store",
    "open_configured_store",
    "open_store",
    "pact_hash",
    "upgrade_store",
]

VERDICT_SCHEMA = "modelpact.verdict/v1"
AUDIT_SCHEMA = "modelpact.audit/v1"
SQLITE_BUSY_TIMEOUT_MS = 60_000
# PostgreSQL advisory-lock key that serialises concurrent first-time migrations.
_MIGRATION_LOCK = 0x6D6F64656C  # "model"
_PROMOTING_STAGES = ("signed_off", "champion")
# ':' and '@' would make references like "project:3" or "project@champion" ambiguous.
_NAME = re.compile(r"^[^\s:@/][^:@/]{0,198}(?<=\S)$|^[^\s:@/]$")


# What converting a run to its domain object reads, loaded in a few queries for many runs.
_RUN_DETAIL = (
    selectinload(RunRow.params),
    selectinload(RunRow.metrics),
    selectinload(RunRow.datasets).joinedload(RunDatasetRow.dataset),
)


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _aware_opt(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


def pact_hash(pact: Pact | Mapping[str, Any]) -> str:
    """Content hash of a pact (canonical JSON), so verdicts can be tied to the pact they used."""
    data = pact if isinstance(pact, Mapping) else pact.model_dump(mode="json")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON so stored documents hold plain types (no numpy, no NaN)."""

    def default(obj: Any) -> Any:
        if hasattr(obj, "item"):
            return obj.item()
        if hasattr(obj, "isoformat"):
            return obj.isoformat()
        return str(obj)

    text_ = json.dumps(value, default=default, allow_nan=True)
    # JSON has no NaN/inf: store them as null rather than invalid JSON.
    return json.loads(text_, parse_constant=lambda _c: None)


# ---------------------------------------------------------------- row -> entity converters


def _project(row: ProjectRow) -> Project:
    return Project(
        id=row.id,
        name=row.name,
        created_at=_aware(row.created_at),
        pact_name=row.pact_name,
        pact=row.pact_json,
        pact_hash=row.pact_hash,
    )


def _dataset(row: DatasetRow) -> DatasetSnapshot:
    columns = row.schema_json.get("columns", [])
    return DatasetSnapshot(
        id=row.id,
        fingerprint=row.fingerprint,
        name=row.name,
        n_rows=row.n_rows,
        n_columns=row.n_columns,
        schema=tuple((str(c["name"]), str(c["dtype"])) for c in columns),
        profile=row.profile_json,
        created_at=_aware(row.created_at),
        has_rows=row.artifact_path is not None,
    )


def _run(row: RunRow, verdict: str | None = None) -> Run:
    return Run(
        id=row.id,
        project=row.project.name,
        name=row.name,
        status=row.status,  # type: ignore[arg-type]  # constrained by the store's writes
        started_at=_aware(row.started_at),
        finished_at=_aware_opt(row.finished_at),
        duration_s=row.duration_s,
        git_commit=row.git_commit,
        git_dirty=row.git_dirty,
        params={p.key: p.value for p in row.params},
        metrics={
            m.key: MetricValue(
                name=m.key,
                value=m.value,
                low=m.low,
                high=m.high,
                confidence=m.confidence,
                method=m.method,
                n=m.n,
            )
            for m in row.metrics
        },
        datasets=tuple(
            RunDataset(
                role=d.role,
                dataset_id=d.dataset_id,
                fingerprint=d.dataset.fingerprint,
                name=d.dataset.name,
                n_rows=d.dataset.n_rows,
            )
            for d in sorted(row.datasets, key=lambda d: (d.role, d.dataset_id))
        ),
        has_predictions=row.predictions_path is not None,
        verdict=verdict,
        error=row.error,
    )


def _model_version(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(
        id=row.id,
        project=row.project.name,
        version=row.version,
        stage=row.stage,  # type: ignore[arg-type]  # constrained by set_stage
        created_at=_aware(row.created_at),
        stage_changed_at=_aware(row.stage_changed_at),
        name=row.name,
        run_id=row.run_id,
        artifact_path=row.artifact_path,
        params=row.params_json or {},
        parent_id=row.parent_id,
        description=row.description,
    )


def _verdict(row: VerdictRow) -> VerdictRecord:
    return VerdictRecord(
        id=row.id,
        project=row.project.name,
        verdict=row.verdict,
        created_at=_aware(row.created_at),
        body=row.body_json,
        pact_hash=row.pact_hash,
        model_version_id=row.model_version_id,
        run_id=row.run_id,
    )


def _audit(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        project=row.project.name,
        verdict=row.verdict,
        created_at=_aware(row.created_at),
        body=row.body_json,
    )


def _event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        project=row.project.name,
        kind=row.kind,
        created_at=_aware(row.created_at),
        actor=row.actor,
        model_version_id=row.model_version_id,
        from_stage=row.from_stage,
        to_stage=row.to_stage,
        forced=row.forced,
        reason=row.reason,
    )


# ---------------------------------------------------------------- engine set-up


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"'{url}' is not a store URL: {exc}; use e.g. sqlite:///path/ledger.db or "
            "postgresql+psycopg://user@host/db"
        ) from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            _configure_sqlite(engine)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError as exc:
        raise StoreError(
            f"no database driver for store {display_url(url)}: {exc}; for PostgreSQL install "
            "'modelpact[postgres]' and use postgresql+psycopg://..."
        ) from exc
    except ImportError as exc:
        raise StoreError(
            f"the database driver for store {display_url(url)} is not installed ({exc}); "
            "for PostgreSQL install 'modelpact[postgres]'"
        ) from exc
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL lets readers proceed while one process writes; NORMAL sync is durable in WAL.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers lock at BEGIN: a deferred transaction that later upgrades its read lock
        # to a write lock fails at once with SQLITE_BUSY instead of waiting its turn.
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _sqlite_lock_path(engine: Engine) -> Path | None:
    """``<db>.writer-lock`` for a SQLite file, where fcntl exists; else None."""
    if engine.dialect.name != "sqlite" or not _HAVE_FCNTL:
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.writer-lock")


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    """Queue SQLite writers on an OS lock.

    SQLite's busy handler polls with sleeps of up to 100 ms, so under contention writers
    mostly sleep; a blocking ``flock`` wakes the next writer as soon as the lock is free.
    The busy timeout stays as the safety net (other tools, platforms without fcntl).
    """
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _unreachable(url: str, exc: BaseException) -> StoreError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    return StoreError(
        f"cannot reach the ledger store {display_url(url)}: {first}; check the URL given by "
        "--store, MODELPACT_STORE or modelpact.toml, and that the database server is running"
    )


def open_store(
    url: str | None = None,
    *,
    root: Path = Path(".modelpact"),
    create: bool = True,
    artifacts: Path | None = None,
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
    artifacts : Path, optional
        Artifact directory; default ``<root>/artifacts``.

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
    parsed_backend = None
    try:
        parsed = make_url(resolved)
        parsed_backend = parsed.get_backend_name()
        database = parsed.database
    except ArgumentError:
        database = None
    if parsed_backend == "sqlite" and database and database != ":memory:":
        db_path = Path(database)
        if not db_path.parent.exists():
            if not create:
                raise StoreError(
                    f"no ledger at {display_url(resolved)}: {db_path.parent} does not exist; "
                    "log a run first, or point --store at an existing ledger"
                )
            db_path.parent.mkdir(parents=True, exist_ok=True)
        elif not create and not db_path.exists():
            raise StoreError(
                f"no ledger at {display_url(resolved)}: nothing has been logged there yet; "
                "log a run first, or point --store at an existing ledger"
            )
    engine = _make_engine(resolved)
    try:
        _check_schema(engine, resolved, create=create)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, resolved, ArtifactStore(artifacts or root / "artifacts"))


def _check_schema(engine: Engine, url: str, *, create: bool) -> None:
    head = _migrate.head_revision()
    try:
        with engine.connect() as conn:
            current = _migrate.current_revision(conn)
            conn.rollback()
    except (DBAPIError, OSError) as exc:
        raise _unreachable(url, exc) from exc
    if current == head:
        return
    if current is not None and current not in _migrate.known_revisions():
        raise StoreError(
            f"the ledger at {display_url(url)} is at schema revision '{current}', which this "
            f"modelpact does not know (it expects '{head}'): it was written by a newer "
            "modelpact; upgrade modelpact to use it"
        )
    if not create:
        if current is None:
            raise StoreError(
                f"no ledger at {display_url(url)}: the database has no modelpact schema; "
                "run 'modelpact store upgrade --store URL' to create it"
            )
        raise StoreError(
            f"the ledger at {display_url(url)} is at schema revision '{current}' but this "
            f"modelpact needs '{head}'; run 'modelpact store upgrade' to migrate it"
        )
    _upgrade(engine, url)


def _upgrade(engine: Engine, url: str) -> None:
    try:
        with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
            if conn.dialect.name == "postgresql":
                # Concurrent first opens would race to create the same tables.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            current = _migrate.current_revision(conn)
            if current is None:
                existing = set(inspect(conn).get_table_names())
                ours = {"projects", "runs", "model_versions"}
                if existing & ours:
                    raise StoreError(
                        f"the database {display_url(url)} already has tables "
                        f"({', '.join(sorted(existing & ours))}) but no modelpact schema "
                        "revision; point --store at an empty database or a modelpact ledger"
                    )
            if current != _migrate.head_revision():
                _migrate.upgrade(conn)
    except StoreError:
        raise
    except (DBAPIError, OSError) as exc:
        raise _unreachable(url, exc) from exc


def upgrade_store(
    url: str | None = None, *, root: Path = Path(".modelpact")
) -> tuple[str | None, str]:
    """Migrate the ledger at *url* to this modelpact's schema; return (before, after)."""
    resolved = url or default_url(root)
    if make_url(resolved).get_backend_name() == "sqlite":
        database = make_url(resolved).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = _make_engine(resolved)
    try:
        try:
            with engine.connect() as conn:
                before = _migrate.current_revision(conn)
                conn.rollback()
        except (DBAPIError, OSError) as exc:
            raise _unreachable(resolved, exc) from exc
        if before is not None and before not in _migrate.known_revisions():
            _check_schema(engine, resolved, create=True)  # raises the "newer" error
        _upgrade(engine, resolved)
        return before, _migrate.head_revision()
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the store


class Store:
    """The ledger: projects, dataset snapshots, runs, model versions, verdicts, audits.

    Obtain one with :func:`open_store`. Thread-safe: each call uses its own session.
    """

    def __init__(self, engine: Engine, url: str, artifacts: ArtifactStore) -> None:
        self._engine = engine
        self.url = url
        self.artifacts = artifacts
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self._lock_path = _sqlite_lock_path(engine)

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
        self._engine.dispose()

    # ---------------------------------------------------------------- sessions

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with self._read() as session:
                yield session
                session.rollback()
        except DBAPIError as exc:
            raise _unreachable(self.url, exc) from exc

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """One transaction: committed if the block succeeds, rolled back whole if not."""
        try:
            with _file_lock(self._lock_path), self._write() as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise StoreError(
                f"the ledger store {self.display_url} refused a write: "
                f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
            ) from exc

    # ---------------------------------------------------------------- projects

    def _project_row(self, session: Session, name: str) -> ProjectRow:
        row = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
        if row is None:
            names = session.scalars(select(ProjectRow.name)).all()
            raise NotFoundError(
                f"no project '{name}' in store {self.display_url}{closest(name, names)}; "
                "projects are created by the first run or verdict logged for them"
            )
        return row

    def ensure_project(self, name: str, pact: Pact | None = None) -> Project:
        """Return project *name*, creating it; with *pact*, record it as the project's pact.

        A pact whose content differs from the stored one replaces it (and is recorded as
        an event): verdicts recorded against the old pact no longer count for promotion.
        """
        if not name or not _NAME.match(name):
            raise ConfigurationError(
                f"project name '{name}' is not valid: it must not contain ':', '@' or '/' "
                "nor start or end with a space"
            )
        data = pact.model_dump(mode="json") if pact is not None else None
        digest = pact_hash(data) if data is not None else None
        with self._reading() as session:
            # the common case (project exists, pact unchanged) needs no write lock
            existing = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
            if existing is not None and (data is None or existing.pact_hash == digest):
                return _project(existing)
        for attempt in range(3):
            try:
                with self._writing() as session:
                    row = session.scalar(select(ProjectRow).where(ProjectRow.name == name))
                    if row is None:
                        row = ProjectRow(id=_new_id(), name=name, created_at=_now())
                        session.add(row)
                    if data is not None and row.pact_hash != digest:
                        if row.pact_hash is not None:
                            session.add(
                                EventRow(
                                    id=_new_id(),
                                    project_id=row.id,
                                    kind="pact_changed",
                                    forced=False,
                                    reason=f"pact hash {row.pact_hash[:12]} -> {digest[:12]}"
                                    if digest
                                    else None,
                                    created_at=_now(),
                                )
                            )
                        row.pact_json = data
                        row.pact_name = str(data["name"])
                        row.pact_hash = digest
                    session.flush()
                    return _project(row)
            except IntegrityError:
                # another writer created the same project at the same moment (PostgreSQL)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _lock_project(session: Session, project_id: str) -> None:
        # Serialises writers of one project's registry on PostgreSQL (row lock until commit);
        # SQLite writers are already serialised by BEGIN IMMEDIATE.
        session.execute(select(ProjectRow.id).where(ProjectRow.id == project_id).with_for_update())

    def get_project(self, name: str) -> Project:
        """The project called *name*; :class:`NotFoundError` if there is none."""
        with self._reading() as session:
            return _project(self._project_row(session, name))

    def list_projects(self) -> list[Project]:
        """Every project, by name."""
        with self._reading() as session:
            rows = session.scalars(select(ProjectRow).order_by(ProjectRow.name)).all()
            return [_project(r) for r in rows]

    # ---------------------------------------------------------------- datasets

    def log_dataset(
        self, frame: pd.DataFrame, *, name: str, role: str | None = None, keep_rows: bool = True
    ) -> DatasetSnapshot:
        """Snapshot *frame*: fingerprint, schema, column profile and (by default) its rows.

        The same content is stored once: logging it again returns the existing snapshot.
        *role* is accepted for symmetry with :meth:`link_dataset` and is not part of the
        snapshot (the same data can train one run and evaluate another).
        """
        del role
        fingerprint = fingerprint_frame(frame)
        with self._reading() as session:
            existing = session.scalar(
                select(DatasetRow).where(DatasetRow.fingerprint == fingerprint)
            )
            if existing is not None and (existing.artifact_path or not keep_rows):
                return _dataset(existing)
        artifact: str | None = None
        if keep_rows:
            artifact = self._store_rows(fingerprint, frame)
        schema = {"columns": [{"name": str(c), "dtype": str(t)} for c, t in frame.dtypes.items()]}
        profile = _json_safe(profile_frame(frame))
        try:
            with self._writing() as session:
                row = session.scalar(
                    select(DatasetRow).where(DatasetRow.fingerprint == fingerprint)
                )
                if row is None:
                    row = DatasetRow(
                        id=_new_id(),
                        fingerprint=fingerprint,
                        name=name,
                        n_rows=len(frame),
                        n_columns=frame.shape[1],
                        schema_json=schema,
                        profile_json=profile,
                        artifact_path=artifact,
                        created_at=_now(),
                    )
                    session.add(row)
                elif row.artifact_path is None and artifact is not None:
                    row.artifact_path = artifact
                session.flush()
                return _dataset(row)
        except IntegrityError:
            # a concurrent writer stored the same content first; theirs is ours
            with self._reading() as session:
                row = session.scalar(
                    select(DatasetRow).where(DatasetRow.fingerprint == fingerprint)
                )
                if row is None:
                    raise
                return _dataset(row)

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

    def get_dataset(self, dataset_id: str) -> DatasetSnapshot:
        """The snapshot with this id or fingerprint (a unique prefix of either works)."""
        with self._reading() as session:
            return _dataset(self._dataset_row(session, dataset_id))

    def _dataset_row(self, session: Session, ref: str) -> DatasetRow:
        row = session.get(DatasetRow, ref)
        if row is None and ref:
            matches = session.scalars(
                select(DatasetRow)
                .where(DatasetRow.id.startswith(ref) | DatasetRow.fingerprint.startswith(ref))
                .limit(2)
            ).all()
            if len(matches) == 1:
                row = matches[0]
        if row is None:
            raise NotFoundError(f"no dataset '{ref}' in store {self.display_url}")
        return row

    def load_dataset_frame(self, dataset_id: str) -> pd.DataFrame | None:
        """The rows of a snapshot if they were kept, else None."""
        with self._reading() as session:
            row = self._dataset_row(session, dataset_id)
            path = row.artifact_path
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
        texts = {str(k): _param_text(v) for k, v in (params or {}).items()}
        start = started_at or _now()
        with self._writing() as session:
            row = RunRow(
                id=_new_id(),
                project_id=project_row.id,
                name=name,
                status="running",
                started_at=start,
                git_commit=git_commit,
                git_dirty=git_dirty,
            )
            session.add(row)
            session.flush()  # the parameters below refer to this row
            session.add_all(ParamRow(run_id=row.id, key=k, value=v) for k, v in texts.items())
        return Run(
            id=row.id,
            project=project_row.name,
            status="running",
            started_at=_aware(start),
            name=name,
            git_commit=git_commit,
            git_dirty=git_dirty,
            params=dict(sorted(texts.items())),
        )

    def _run_row(self, session: Session, run_id: str, *, detail: bool = False) -> RunRow:
        options = _RUN_DETAIL if detail else ()
        row = session.get(RunRow, run_id, options=options) if run_id else None
        if row is None and len(run_id) >= 4:
            matches = session.scalars(
                select(RunRow).where(RunRow.id.startswith(run_id)).options(*options).limit(2)
            ).all()
            if len(matches) == 1:
                row = matches[0]
            elif len(matches) > 1:
                raise NotFoundError(
                    f"run id '{run_id}' is ambiguous in store {self.display_url}; give more "
                    "characters"
                )
        if row is None:
            raise NotFoundError(
                f"no run '{run_id}' in store {self.display_url}; list runs with "
                "'modelpact runs list'"
            )
        return row

    def log_params(self, run_id: str, params: Mapping[str, Any]) -> None:
        """Record parameters of a run (a key logged again takes the new value)."""
        with self._writing() as session:
            row = self._run_row(session, run_id)
            for key, value in params.items():
                session.merge(ParamRow(run_id=row.id, key=str(key), value=_param_text(value)))

    def log_metrics(self, run_id: str, metrics: Mapping[str, float | MetricValue]) -> None:
        """Record metrics of a run; a :class:`MetricValue` carries its interval."""
        with self._writing() as session:
            row = self._run_row(session, run_id)
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
        with self._writing() as session:
            run = self._run_row(session, run_id)
            dataset = self._dataset_row(session, dataset_id)
            session.merge(RunDatasetRow(run_id=run.id, role=role, dataset_id=dataset.id))

    def log_predictions(self, run_id: str, frame: pd.DataFrame) -> str:
        """Store a run's evaluation predictions (id, target, scores...) as Parquet."""
        with self._reading() as session:
            real_id = self._run_row(session, run_id).id
        relative = self.artifacts.write_parquet(f"runs/{real_id}/predictions.parquet", frame)
        with self._writing() as session:
            self._run_row(session, real_id).predictions_path = relative
        return relative

    def run_predictions(self, run_id: str) -> pd.DataFrame:
        """A run's evaluation predictions; :class:`NotFoundError` if it logged none."""
        with self._reading() as session:
            row = self._run_row(session, run_id)
            path, real_id = row.predictions_path, row.id
        if path is None:
            raise NotFoundError(
                f"run '{real_id[:8]}' logged no evaluation predictions; log them with "
                "run.log_predictions(...) or run.evaluate(...)"
            )
        return self.artifacts.read_parquet(path)

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
        with self._writing() as session:
            row = self._run_row(session, run_id)
            end = finished_at or _now()
            row.status = status
            row.finished_at = end
            row.duration_s = (end - _aware(row.started_at)).total_seconds()
            row.error = error
            session.flush()
            real_id = row.id
        return self.get_run(real_id)

    def _latest_verdict(self, session: Session, *, run_id: str) -> str | None:
        return session.scalar(
            select(VerdictRow.verdict)
            .where(VerdictRow.run_id == run_id)
            .order_by(VerdictRow.created_at.desc())
            .limit(1)
        )

    def get_run(self, run_id: str) -> Run:
        """The run with this id (or a unique prefix of at least 4 characters)."""
        with self._reading() as session:
            row = self._run_row(session, run_id, detail=True)
            return _run(row, self._latest_verdict(session, run_id=row.id))

    def list_runs(
        self,
        project: str | None = None,
        *,
        status: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Run]:
        """Runs, newest first, optionally filtered by project, status and start time."""
        with self._reading() as session:
            query = (
                select(RunRow).options(*_RUN_DETAIL).order_by(RunRow.started_at.desc(), RunRow.id)
            )
            if project is not None:
                query = query.where(RunRow.project_id == self._project_row(session, project).id)
            if status is not None:
                query = query.where(RunRow.status == status)
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
            return [_run(r, verdicts.get(r.id)) for r in rows]

    # ---------------------------------------------------------------- model versions

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
    ) -> ModelVersion:
        """Register a new version of *project*'s model as a ``candidate``.

        The artifact is either *model* (serialised with joblib) or the file at
        *artifact_path*, copied into the artifact store so the ledger is self-contained.
        Its parent (lineage) is the version that is champion right now. With
        *verdict_json* (``modelpact.verdict/v1``, what ``verify --register`` has), the verdict
        is stored for the new version in the same transaction.
        """
        if model is not None and artifact_path is not None:
            raise ConfigurationError("give the model object or its file, not both")
        verdict = _verdict_value(verdict_json) if verdict_json is not None else None
        project_row = self.ensure_project(project)
        real_run: str | None = None
        if run_id is not None:
            real_run = self.get_run(run_id).id
        source: Path | None = None
        if artifact_path is not None:
            source = Path(artifact_path)
            if not source.is_file():
                raise StoreError(f"model file {source} does not exist")
        version_id = _new_id()
        relative: str | None = None
        if model is not None:
            relative = self.artifacts.dump_joblib(
                f"models/{project}/{version_id}/model.joblib", model
            )
        elif source is not None:
            relative = self.artifacts.copy_in(
                f"models/{project}/{version_id}/{source.name}", source
            )
        try:
            return self._insert_version(
                project_row,
                version_id,
                real_run,
                relative,
                name,
                params,
                description,
                (verdict, verdict_json) if verdict is not None and verdict_json else None,
            )
        except BaseException:
            if relative is not None:  # no row refers to the artifact: do not leave it behind
                shutil.rmtree(self.artifacts.path(relative).parent, ignore_errors=True)
            raise

    def _insert_version(
        self,
        project_row: Project,
        version_id: str,
        real_run: str | None,
        relative: str | None,
        name: str | None,
        params: Mapping[str, Any] | None,
        description: str | None,
        verdict: tuple[str, Mapping[str, Any]] | None,
    ) -> ModelVersion:
        for attempt in range(5):
            try:
                with self._writing() as session:
                    self._lock_project(session, project_row.id)
                    number = (
                        session.scalar(
                            select(func.max(ModelVersionRow.version)).where(
                                ModelVersionRow.project_id == project_row.id
                            )
                        )
                        or 0
                    ) + 1
                    champion = session.scalar(
                        select(ModelVersionRow.id).where(
                            ModelVersionRow.project_id == project_row.id,
                            ModelVersionRow.stage == "champion",
                        )
                    )
                    now = _now()
                    row = ModelVersionRow(
                        id=version_id,
                        project_id=project_row.id,
                        version=number,
                        name=name,
                        stage="candidate",
                        run_id=real_run,
                        artifact_path=relative,
                        params_json=_json_safe(dict(params)) if params else None,
                        parent_id=champion,
                        description=description,
                        created_at=now,
                        stage_changed_at=now,
                    )
                    session.add(row)
                    session.flush()  # the event below refers to this row
                    session.add(
                        EventRow(
                            id=_new_id(),
                            project_id=project_row.id,
                            model_version_id=version_id,
                            kind="registered",
                            to_stage="candidate",
                            forced=False,
                            actor=_current_user(),
                            created_at=now,
                        )
                    )
                    if verdict is not None:
                        session.add(
                            VerdictRow(
                                id=_new_id(),
                                project_id=project_row.id,
                                model_version_id=version_id,
                                run_id=real_run,
                                verdict=verdict[0],
                                pact_hash=project_row.pact_hash,
                                body_json=_json_safe(dict(verdict[1])),
                                created_at=now,
                            )
                        )
                    session.flush()
                    session.refresh(row)
                    return _model_version(row)
            except IntegrityError:
                # two writers took the same version number (PostgreSQL); take the next one
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")

    def _version_row(self, session: Session, ref: str) -> ModelVersionRow:
        ref = ref.strip()
        row: ModelVersionRow | None = None
        if "@" in ref:
            project, _, stage = ref.partition("@")
            if stage not in STAGES:
                raise ConfigurationError(
                    f"'{ref}': '@{stage}' is not a stage{closest(stage, STAGES)} "
                    f"(stages: {', '.join(STAGES)})"
                )
            project_row = self._project_row(session, project)
            row = session.scalar(
                select(ModelVersionRow)
                .where(ModelVersionRow.project_id == project_row.id, ModelVersionRow.stage == stage)
                .order_by(ModelVersionRow.version.desc())
                .limit(1)
            )
            if row is None:
                raise NotFoundError(
                    f"project '{project}' has no model version in stage '{stage}'; see "
                    f"'modelpact models list --project {project}'"
                )
            return row
        if ":" in ref:
            project, _, number = ref.rpartition(":")
            project_row = self._project_row(session, project)
            if number == "latest":
                row = session.scalar(
                    select(ModelVersionRow)
                    .where(ModelVersionRow.project_id == project_row.id)
                    .order_by(ModelVersionRow.version.desc())
                    .limit(1)
                )
            elif number.lstrip("v").isdigit():
                row = session.scalar(
                    select(ModelVersionRow).where(
                        ModelVersionRow.project_id == project_row.id,
                        ModelVersionRow.version == int(number.lstrip("v")),
                    )
                )
        else:
            row = session.get(ModelVersionRow, ref)
            if row is None and len(ref) >= 4:
                matches = session.scalars(
                    select(ModelVersionRow).where(ModelVersionRow.id.startswith(ref)).limit(2)
                ).all()
                row = matches[0] if len(matches) == 1 else None
        if row is None:
            raise NotFoundError(
                f"no model version '{ref}' in store {self.display_url}; refer to one as "
                "PROJECT:VERSION, PROJECT@champion or its id (see 'modelpact models list')"
            )
        return row

    def get_model_version(self, ref: str) -> ModelVersion:
        """A model version by id (or unique prefix), ``project:N``, or ``project@stage``."""
        with self._reading() as session:
            return _model_version(self._version_row(session, ref))

    def list_model_versions(
        self, project: str | None = None, *, stage: str | None = None
    ) -> list[ModelVersion]:
        """Model versions by project and version number."""
        with self._reading() as session:
            query = (
                select(ModelVersionRow)
                .join(ProjectRow, ModelVersionRow.project_id == ProjectRow.id)
                .order_by(ProjectRow.name, ModelVersionRow.version)
            )
            if project is not None:
                query = query.where(
                    ModelVersionRow.project_id == self._project_row(session, project).id
                )
            if stage is not None:
                query = query.where(ModelVersionRow.stage == stage)
            return [_model_version(r) for r in session.scalars(query).all()]

    def load_model(self, ref: str) -> Any:
        """Load a version's model artifact (joblib). Only for artifacts you trust."""
        version = self.get_model_version(ref)
        if version.artifact_path is None:
            raise NotFoundError(f"model version {version.ref} has no artifact")
        from modelpact.errors import ModelLoadError

        path = self.artifacts.path(version.artifact_path)
        try:
            import joblib

            return joblib.load(path)
        except Exception as exc:
            raise ModelLoadError(f"cannot load model {version.ref} from {path}: {exc}") from exc

    def signing_verdict(self, version_ref: str) -> VerdictRecord | None:
        """The latest ``signed_off`` verdict that lets this version be promoted, if any.

        It must be about this version (or the run that produced it) and recorded against the
        project's current pact.
        """
        with self._reading() as session:
            row = self._version_row(session, version_ref)
            return self._signing_verdict(session, row)

    def _signing_verdict(self, session: Session, row: ModelVersionRow) -> VerdictRecord | None:
        about = VerdictRow.model_version_id == row.id
        if row.run_id is not None:
            about = about | (VerdictRow.run_id == row.run_id)
        query = (
            select(VerdictRow)
            .where(about, VerdictRow.verdict == "signed_off")
            .order_by(VerdictRow.created_at.desc())
        )
        if row.project.pact_hash is not None:
            query = query.where(VerdictRow.pact_hash == row.project.pact_hash)
        found = session.scalars(query.limit(1)).first()
        return None if found is None else _verdict(found)

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

        * ``signed_off`` and ``champion`` need a stored ``signed_off`` verdict for this
          version (or its run) against the project's current pact, unless *forced* with a
          *reason*; who forced it and why are recorded as an event.
        * Promoting a champion demotes the previous champion to ``signed_off``, in the
          same transaction.
        """
        if stage not in STAGES:
            raise ConfigurationError(
                f"'{stage}' is not a stage{closest(stage, STAGES)} (stages: {', '.join(STAGES)})"
            )
        if forced and not (reason and reason.strip()):
            raise ConfigurationError("--force needs --reason TEXT: say why the rules are bypassed")
        who = actor or _current_user()
        with self._writing() as session:
            row = self._version_row(session, version_ref)
            self._lock_project(session, row.project_id)
            session.refresh(row)
            if row.stage == stage:
                return _model_version(row)
            used_force = False
            if stage in _PROMOTING_STAGES and self._signing_verdict(session, row) is None:
                if not forced:
                    pact = row.project.pact_name
                    against = f"pact '{pact}'" if pact else "the project's pact"
                    raise StoreError(
                        f"cannot promote {row.project.name}:{row.version} to {stage}: no "
                        f"signed_off verdict against {against} is stored for it; run "
                        f"'modelpact verify ... --register' or evaluate it in a run, or "
                        "override with --force --reason TEXT"
                    )
                used_force = True
            now = _now()
            if stage == "champion":
                previous = session.scalars(
                    select(ModelVersionRow).where(
                        ModelVersionRow.project_id == row.project_id,
                        ModelVersionRow.stage == "champion",
                        ModelVersionRow.id != row.id,
                    )
                ).all()
                for old in previous:
                    session.add(
                        EventRow(
                            id=_new_id(),
                            project_id=row.project_id,
                            model_version_id=old.id,
                            kind="stage_changed",
                            from_stage=old.stage,
                            to_stage="signed_off",
                            forced=False,
                            reason=f"replaced by {row.project.name}:{row.version}",
                            actor=who,
                            created_at=now,
                        )
                    )
                    old.stage = "signed_off"
                    old.stage_changed_at = now
            session.add(
                EventRow(
                    id=_new_id(),
                    project_id=row.project_id,
                    model_version_id=row.id,
                    kind="stage_changed",
                    from_stage=row.stage,
                    to_stage=stage,
                    forced=used_force,
                    reason=reason,
                    actor=who,
                    created_at=now,
                )
            )
            row.stage = stage
            row.stage_changed_at = now
            session.flush()
            return _model_version(row)

    # ---------------------------------------------------------------- verdicts, audits, events

    def record_verdict(
        self,
        *,
        project: str,
        verdict_json: Mapping[str, Any],
        model_version_id: str | None = None,
        run_id: str | None = None,
    ) -> VerdictRecord:
        """Store a ``modelpact.verdict/v1`` document for a run and/or model version.

        It is recorded against the project's current pact (its hash), which is what
        promotion checks.
        """
        verdict = _verdict_value(verdict_json)
        project_row = self.ensure_project(project)
        with self._writing() as session:
            version_id = (
                self._version_row(session, model_version_id).id if model_version_id else None
            )
            real_run = self._run_row(session, run_id).id if run_id else None
            row = VerdictRow(
                id=_new_id(),
                project_id=project_row.id,
                model_version_id=version_id,
                run_id=real_run,
                verdict=str(verdict),
                pact_hash=project_row.pact_hash,
                body_json=_json_safe(dict(verdict_json)),
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _verdict(row)

    def list_verdicts(
        self, project: str | None = None, *, model_version: str | None = None
    ) -> list[VerdictRecord]:
        """Stored verdicts, newest first."""
        with self._reading() as session:
            query = select(VerdictRow).order_by(VerdictRow.created_at.desc())
            if project is not None:
                query = query.where(VerdictRow.project_id == self._project_row(session, project).id)
            if model_version is not None:
                query = query.where(
                    VerdictRow.model_version_id == self._version_row(session, model_version).id
                )
            return [_verdict(r) for r in session.scalars(query).all()]

    def record_audit(self, *, project: str, audit_json: Mapping[str, Any]) -> AuditRecord:
        """Store a ``modelpact.audit/v1`` document for *project*."""
        verdict = audit_json.get("verdict")
        if audit_json.get("schema") != AUDIT_SCHEMA or not isinstance(verdict, str):
            raise StoreError(
                f"audit document has schema {audit_json.get('schema')!r} and verdict "
                f"{verdict!r}; expected '{AUDIT_SCHEMA}' with go, go_with_fixes or no_go"
            )
        project_row = self.ensure_project(project)
        with self._writing() as session:
            row = AuditRow(
                id=_new_id(),
                project_id=project_row.id,
                verdict=verdict,
                body_json=_json_safe(dict(audit_json)),
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _audit(row)

    def latest_audit(self, project: str) -> AuditRecord | None:
        """The most recent audit of *project*, if any."""
        with self._reading() as session:
            pid = self._project_row(session, project).id
            row = session.scalars(
                select(AuditRow)
                .where(AuditRow.project_id == pid)
                .order_by(AuditRow.created_at.desc())
                .limit(1)
            ).first()
            return None if row is None else _audit(row)

    def list_events(
        self, project: str | None = None, *, model_version: str | None = None
    ) -> list[Event]:
        """Recorded events (registrations, stage changes, forced promotions), oldest first."""
        with self._reading() as session:
            query = select(EventRow).order_by(EventRow.created_at, EventRow.id)
            if project is not None:
                query = query.where(EventRow.project_id == self._project_row(session, project).id)
            if model_version is not None:
                query = query.where(
                    EventRow.model_version_id == self._version_row(session, model_version).id
                )
            return [_event(r) for r in session.scalars(query).all()]

    def count_runs(self, project: str) -> dict[str, int]:
        """Number of runs of *project* by status."""
        with self._reading() as session:
            pid = self._project_row(session, project).id
            found = session.execute(
                select(RunRow.status, func.count())
                .where(RunRow.project_id == pid)
                .group_by(RunRow.status)
            ).all()
            return {str(status): int(n) for status, n in found}

    # ---------------------------------------------------------------- sibling stores

    @property
    def engine(self) -> Engine:
        """The database engine, for the ledger's other stores (capture, keys, locks)."""
        return self._engine


def _verdict_value(doc: Mapping[str, Any]) -> str:
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


def _param_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(_json_safe(value), sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return None


def open_configured_store(
    cli_value: str | None, *, cwd: Path | None = None, create: bool = False
) -> Store:
    """Open the store a command should use: ``--store``, ``MODELPACT_STORE``, ``modelpact.toml``,
    else SQLite under ``<cwd>/.modelpact``. For the command line's edge only.

    With *create* False (what read-only commands want) a missing ledger is an error that
    says so, rather than a new empty one.
    """
    from modelpact.ledger.config import resolve_store_url

    where = Path.cwd() if cwd is None else Path(cwd)
    url = resolve_store_url(cli_value, where)
    return open_store(url, root=where / ".modelpact", create=create)
