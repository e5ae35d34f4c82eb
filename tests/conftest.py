"""Shared fixtures: ``store_url`` runs a ledger test against SQLite and against PostgreSQL;
:func:`shared_dataset` finds the real datasets beside the repository."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

POSTGRES_ENV = "MODELPACT_TEST_POSTGRES_URL"
#: The real public datasets live in ``../shared/datasets`` beside the repository (CI has them).
DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def shared_dataset(name: str) -> Path:
    """Path of a shared real dataset; skips the calling test, saying why, when it is absent."""
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"shared dataset {path} is absent (CI always has it)")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty ledger database: a SQLite file, or a fresh PostgreSQL database.

    The PostgreSQL variant needs ``MODELPACT_TEST_POSTGRES_URL`` (``scripts/ci-postgres.sh``
    prints one) and skips with that reason when it is unset. Each test gets its own
    database, dropped afterwards.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"{POSTGRES_ENV} is not set: no PostgreSQL server to test against "
            "(bash scripts/ci-postgres.sh starts one and prints the URL)"
        )
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(base)
    name = f"mp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            _drop_database(admin, name)
        finally:
            admin.dispose()


def _drop_database(admin: Engine, name: str, attempts: int = 20) -> None:
    """Drop a test database, waiting out a background worker that holds it.

    ``WITH (FORCE)`` ends the test's own leftover connections, but not an autovacuum worker
    (a superuser process): that one refuses with ``InsufficientPrivilege`` and is gone a
    moment later.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
