"""Deciding, before a command writes anything, that the ledger will take its record.

A command that registers its result (``verify --register``, ``audit --register``) checks
here first: the store URL parses, the database is reachable, is a ledger (or can become
one), and accepts writes, and the artifact directory takes files. The checks write nothing
that stays: a write transaction is opened and rolled back, a probe file is removed at once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from modelpact._files import directory_problem
from modelpact.errors import StoreError
from modelpact.ledger.artifacts import is_artifact_url
from modelpact.ledger.config import default_url, display_url, parse_store_url

__all__ = ["SQLITE_HEADER", "check_sqlite_file", "check_store_url", "check_store_writable"]

#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def check_sqlite_file(path: Path) -> None:
    """Raise :class:`StoreError` if *path* exists but is not a SQLite database file.

    An empty file is accepted: SQLite makes a database of it.
    """
    if not path.exists():
        return
    if not path.is_file():
        raise StoreError(f"the ledger file {path} is not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"the ledger file {path} cannot be read: {exc.strerror}") from None
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"the ledger file {path} is not a SQLite database (corrupt, or another kind of "
            "file); restore it from a backup or point --store elsewhere"
        )


def check_store_url(url: str) -> None:
    """Raise :class:`StoreError` if *url* does not parse, or names a file that is no ledger."""
    parsed = parse_store_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        check_sqlite_file(Path(database))


def _check_folder(folder: Path, what: str) -> None:
    problem = directory_problem(folder)
    if problem is not None:
        raise StoreError(f"{what} cannot be written: {problem}")


def _probe_sqlite(path: Path, shown: str) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise StoreError(f"the ledger {shown} cannot be opened for writing: {exc}") from None
    try:
        conn.isolation_level = None
        conn.execute("BEGIN IMMEDIATE")  # takes the write lock a registration will need
        conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "not a database" in text:
            check_sqlite_file(path)
        raise StoreError(f"the ledger {shown} does not accept writes: {text}") from None
    finally:
        conn.close()


def _probe_server(url: str, shown: str) -> None:
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    try:
        engine = create_engine(parse_store_url(url), pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no database driver for the ledger {shown}: {exc}") from None
    try:
        with engine.connect() as conn, conn.begin() as transaction:
            if inspect(conn).has_table("alembic_version"):
                # a no-op write: refused by a read-only user, replica or transaction
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            transaction.rollback()
    except DBAPIError as exc:
        reason = str(exc.orig or exc).strip().splitlines()
        raise StoreError(
            f"the ledger {shown} cannot be reached or does not accept writes: "
            f"{reason[0] if reason else type(exc).__name__}"
        ) from None
    finally:
        engine.dispose()


def check_store_writable(
    url: str | None, *, root: Path, artifacts: Path | str | None = None
) -> str:
    """Raise :class:`StoreError` unless a registration in the ledger at *url* can succeed.

    Parameters
    ----------
    url : str or None
        The store URL; None is SQLite at ``<root>/ledger.db``.
    root : Path
        The ledger directory of the default store.
    artifacts : Path or str, optional
        The artifact directory (or fsspec URL) a model file will be copied to, when one
        will be.

    Returns
    -------
    str
        The store URL, with any password hidden, for messages.
    """
    resolved = url or default_url(root)
    parsed = parse_store_url(resolved)
    shown = display_url(resolved)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite":
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            # SQLite writes a journal and a lock file beside the database
            _check_folder(path.parent, f"the ledger {shown}")
            check_sqlite_file(path)
            if path.exists():
                _probe_sqlite(path, shown)
    else:
        _probe_server(resolved, shown)
    if artifacts is not None and is_artifact_url(artifacts):
        from modelpact.ledger.remote_artifacts import check_artifact_url

        check_artifact_url(str(artifacts))
    elif artifacts is not None:
        _check_folder(Path(artifacts), f"the artifact directory {artifacts}")
    return shown
