"""The store URL is resolved once at the edge: --store, then the environment, then the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelpact.errors import ConfigurationError
from modelpact.ledger import display_url, resolve_store_url


def test_precedence(tmp_path: Path) -> None:
    (tmp_path / "modelpact.toml").write_text('[store]\nurl = "postgresql+psycopg://h/file"\n')
    env = {"MODELPACT_STORE": "postgresql+psycopg://h/env"}
    assert resolve_store_url("sqlite:///cli.db", tmp_path, environ=env) == "sqlite:///cli.db"
    assert resolve_store_url(None, tmp_path, environ=env) == "postgresql+psycopg://h/env"
    assert resolve_store_url(None, tmp_path, environ={}) == "postgresql+psycopg://h/file"


def test_nothing_configured_means_the_default(tmp_path: Path) -> None:
    assert resolve_store_url(None, tmp_path, environ={}) is None


def test_config_found_in_a_parent_and_relative_sqlite_resolved_there(tmp_path: Path) -> None:
    (tmp_path / "modelpact.toml").write_text('[store]\nurl = "sqlite:///ledger/l.db"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert resolve_store_url(None, sub, environ={}) == f"sqlite:///{tmp_path}/ledger/l.db"


def test_file_without_store_section(tmp_path: Path) -> None:
    (tmp_path / "modelpact.toml").write_text("[other]\nx = 1\n")
    assert resolve_store_url(None, tmp_path, environ={}) is None


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "modelpact.toml").write_text("[store\n")
    with pytest.raises(ConfigurationError, match=r"modelpact\.toml: cannot read it as TOML"):
        resolve_store_url(None, tmp_path, environ={})


def test_display_url_hides_passwords() -> None:
    shown = display_url("postgresql+psycopg://ana:s3cret@db.example/ledger")
    assert "s3cret" not in shown
    assert shown.startswith("postgresql+psycopg://ana:***@")
