"""Transactions for the ledger's sibling stores (capture, keys, locks, alerts).

They run SQLAlchemy Core on the :class:`~modelpact.ledger.store.Store`'s engine with the same
discipline as the store: a write takes SQLite's write lock at ``BEGIN IMMEDIATE`` (queued on
the same ``<db>.writer-lock`` file as the store's writers), and database failures become
:class:`~modelpact.errors.StoreError` naming the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from modelpact.errors import StoreError
from modelpact.ledger.config import display_url

try:
    import fcntl

    _HAVE_FCNTL = True
except ImportError:  # Windows: the SQLite busy timeout alone queues writers
    _HAVE_FCNTL = False

__all__ = ["insert_ignoring_duplicates", "reading", "writer_lock_path", "writing"]


def writer_lock_path(engine: Engine) -> Path | None:
    """``<db>.writer-lock`` for a SQLite file, where fcntl exists; else None.

    SQLite lets one writer in at a time; writers queue on this file's lock instead of
    spinning on the busy timeout.
    """
    if engine.dialect.name != "sqlite" or not _HAVE_FCNTL:
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.writer-lock")


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block succeeds, rolled back whole if not."""
    path = writer_lock_path(engine)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644) if path is not None else None
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
            yield conn
    except DBAPIError as exc:
        raise StoreError(
            f"the ledger store {display_url(str(engine.url))} refused a write: {_first_line(exc)}"
        ) from exc
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the lock


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only connection; its transaction is rolled back at the end."""
    try:
        with engine.connect() as conn:
            yield conn
            conn.rollback()
    except DBAPIError as exc:
        raise StoreError(
            f"cannot read the ledger store {display_url(str(engine.url))}: {_first_line(exc)}"
        ) from exc


def insert_ignoring_duplicates(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> int:
    """Insert *rows*, skipping those whose primary key exists; return how many were new.

    ``INSERT ... ON CONFLICT DO NOTHING`` in both dialects: re-sending rows is a no-op, and
    two writers racing on one key cannot fail each other's transaction.
    """
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:
        raise StoreError(f"capture needs SQLite or PostgreSQL, not {dialect}")
    # RETURNING lists exactly the rows inserted; executemany's rowcount is not reliable
    # across drivers (psycopg reports -1 for batched multi-row VALUES).
    key = next(iter(table.primary_key.columns))
    return len(conn.execute(stmt.returning(key), rows).all())
