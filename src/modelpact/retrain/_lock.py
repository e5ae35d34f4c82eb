"""One retraining per project at a time: a lock the database's own host enforces.

PostgreSQL: a session-level advisory lock on a connection held for the whole retraining.
SQLite: an exclusive ``flock`` on a file beside the database (SQLite's own locking is
file-based, so this has the same reach as the database). Both are released by the operating
system or the server when the process dies, so a crash never leaves a stale lock behind.

The loop calls only :func:`retraining_lock`; a generic lease can replace it in one place.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from modelpact.errors import StoreError
from modelpact.ledger import Store

__all__ = ["RetrainingBusy", "retraining_lock"]


class RetrainingBusy(StoreError):
    """Another retraining of the same project is running."""


def _key(project: str) -> int:
    digest = hashlib.sha256(f"modelpact.retrain:{project}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _busy(project: str, store: Store) -> RetrainingBusy:
    return RetrainingBusy(
        f"another retraining of project '{project}' is running against {store.display_url}; "
        "wait for it to finish (one retraining per project at a time)"
    )


@contextmanager
def retraining_lock(store: Store, project: str) -> Iterator[None]:
    """Hold the project's retraining lock for the block; raise at once if it is taken.

    Raises
    ------
    RetrainingBusy
        When another process holds the lock.
    """
    url = make_url(store.url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                got = conn.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(project)}
                ).scalar()
                conn.commit()
                if not got:
                    raise _busy(project, store)
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(project)})
                    conn.commit()
        finally:
            engine.dispose()
        return
    database = url.database
    if not database or database == ":memory:":
        yield  # a private in-memory ledger has a single process by construction
        return
    import fcntl

    name = hashlib.sha256(project.encode()).hexdigest()[:16]
    path = Path(f"{database}.retrain-{name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(project, store) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
