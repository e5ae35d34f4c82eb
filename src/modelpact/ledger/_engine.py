"""Engine set-up: connecting to SQLite or PostgreSQL, schema checks and upgrades, sessions.

Every public write runs in one transaction; on SQLite that transaction takes the write lock
up front (``BEGIN IMMEDIATE``) so concurrent writers queue on the busy timeout instead of
failing on a lock upgrade.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from modelpact.errors import StoreError
from modelpact.ledger import _migrate
from modelpact.ledger._tx import writer_lock_path
from modelpact.ledger.config import display_url

try:
    import fcntl

    _HAVE_FCNTL = True
except ImportError:  # Windows: the SQLite busy timeout alone queues writers
    _HAVE_FCNTL = False

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "Database", "connect", "upgrade_database"]

SQLITE_BUSY_TIMEOUT_MS = 60_000
# PostgreSQL advisory-lock key that serialises concurrent first-time migrations.
_MIGRATION_LOCK = 0x6D6F64656C  # "model"


class Database:
    """An engine and its two kinds of session: plain reads, and serialised writes."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(
            engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self._lock_path = writer_lock_path(engine)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return display_url(self.url)

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; it never commits."""
        try:
            with self._read() as session:
                yield session
                session.rollback()
        except DBAPIError as exc:
            raise _unreachable(self.url, exc) from exc

    @contextmanager
    def writing(self) -> Iterator[Session]:
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


def connect(url: str, *, create: bool) -> Database:
    """Open the database at *url*, creating or upgrading its schema when *create* allows."""
    _prepare_sqlite_file(url, create=create)
    engine = make_engine(url)
    try:
        _check_schema(engine, url, create=create)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, url)


def upgrade_database(url: str) -> tuple[str | None, str]:
    """Migrate the database at *url* to this modelpact's schema; return (before, after)."""
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        before = _current_revision(engine, url)
        if before is not None and before not in _migrate.known_revisions():
            _check_schema(engine, url, create=True)  # raises the "newer" error
        _upgrade(engine, url)
        return before, _migrate.head_revision()
    finally:
        engine.dispose()


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for *url*, with SQLite tuned for several writing processes."""
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


def _prepare_sqlite_file(url: str, *, create: bool) -> None:
    """Make the folder of a SQLite ledger, or, without *create*, say that there is none."""
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        database = parsed.database
    except ArgumentError:
        return  # make_engine says what is wrong with the URL
    if backend != "sqlite" or not database or database == ":memory:":
        return
    db_path = Path(database)
    if not db_path.parent.exists():
        if not create:
            raise StoreError(
                f"no ledger at {display_url(url)}: {db_path.parent} does not exist; "
                "log a run first, or point --store at an existing ledger"
            )
        db_path.parent.mkdir(parents=True, exist_ok=True)
    elif not create and not db_path.exists():
        raise StoreError(
            f"no ledger at {display_url(url)}: nothing has been logged there yet; "
            "log a run first, or point --store at an existing ledger"
        )


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
    if "file is not a database" in first:  # SQLite's word for a corrupt or foreign file
        return StoreError(
            f"the ledger file of {display_url(url)} is not a SQLite database (corrupt, or "
            "another kind of file); restore it from a backup or point --store elsewhere"
        )
    if url.startswith("sqlite"):  # a file, not a server: say what to check about files
        return StoreError(
            f"cannot open the ledger {display_url(url)}: {first}; check that the file and its "
            "directory exist and that you may read and write them"
        )
    return StoreError(
        f"cannot reach the ledger store {display_url(url)}: {first}; check the URL given by "
        "--store, MODELPACT_STORE or modelpact.toml, and that the database server is running"
    )


def _current_revision(engine: Engine, url: str) -> str | None:
    try:
        with engine.connect() as conn:
            current = _migrate.current_revision(conn)
            conn.rollback()
    except (DBAPIError, OSError) as exc:
        raise _unreachable(url, exc) from exc
    return current


def _check_schema(engine: Engine, url: str, *, create: bool) -> None:
    head = _migrate.head_revision()
    current = _current_revision(engine, url)
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
