"""Schema revisions and bad store URLs give clear errors; migrations match the models."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from modelpact.errors import StoreError
from modelpact.ledger import open_store, upgrade_store
from modelpact.ledger._migrate import head_revision
from modelpact.ledger.schema import Base


def test_migrations_create_exactly_the_models(store_url: str, tmp_path: Path) -> None:
    open_store(store_url, root=tmp_path).close()
    engine = create_engine(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_newer_schema_revision_is_refused(store_url: str, tmp_path: Path) -> None:
    open_store(store_url, root=tmp_path).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dface'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"revision 'f00dface'.*newer modelpact"):
        open_store(store_url, root=tmp_path)
    with pytest.raises(StoreError, match=r"revision 'f00dface'.*newer modelpact"):
        upgrade_store(store_url, root=tmp_path)


def test_empty_database_without_create_says_how_to_create_it(
    store_url: str, tmp_path: Path
) -> None:
    if store_url.startswith("sqlite"):
        engine = create_engine(store_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
        engine.dispose()
    with pytest.raises(StoreError, match=r"no modelpact schema.*modelpact store upgrade"):
        open_store(store_url, root=tmp_path, create=False)
    before, after = upgrade_store(store_url, root=tmp_path)
    assert (before, after) == (None, head_revision())
    assert upgrade_store(store_url, root=tmp_path) == (head_revision(), head_revision())
    open_store(store_url, root=tmp_path, create=False).close()


def test_foreign_tables_without_revision_are_not_taken_over(store_url: str, tmp_path: Path) -> None:
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE runs (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"already has tables \(runs\) but no modelpact schema"):
        open_store(store_url, root=tmp_path)


def test_missing_sqlite_ledger_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no ledger at sqlite:///.*does not exist"):
        open_store(f"sqlite:///{tmp_path}/nowhere/ledger.db", root=tmp_path, create=False)
    (tmp_path / "fresh").mkdir()
    with pytest.raises(StoreError, match="nothing has been logged there yet"):
        open_store(root=tmp_path / "fresh", create=False)
    assert not (tmp_path / "fresh" / "ledger.db").exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://someone:s3cret@127.0.0.1:{_closed_port()}/ledger"
    with pytest.raises(StoreError, match=r"cannot reach the ledger store postgresql") as info:
        open_store(url, root=tmp_path)
    assert "s3cret" not in str(info.value)  # passwords never reach messages
    assert "MODELPACT_STORE" in str(info.value)


def test_unparseable_url(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is not a store URL"):
        open_store("not a url", root=tmp_path)


def test_unknown_driver(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database driver"):
        open_store("nosuchdb+nodriver://host/db", root=tmp_path)


def test_unwritable_sqlite_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises((StoreError, OSError)):
        open_store(f"sqlite:///{blocker}/ledger.db", root=tmp_path)
