"""Where the ledger lives: resolved once, at the edge, from the command line, env or file."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from modelpact.errors import ConfigurationError, StoreError

__all__ = [
    "ARTIFACTS_ENV_VAR",
    "CONFIG_FILE",
    "ENV_VAR",
    "default_artifacts",
    "default_url",
    "display_url",
    "find_config",
    "parse_store_url",
    "resolve_artifacts",
    "resolve_store_url",
    "trust_pickle_configured",
]

_log = logging.getLogger(__name__)

ENV_VAR = "MODELPACT_STORE"
ARTIFACTS_ENV_VAR = "MODELPACT_ARTIFACTS"
CONFIG_FILE = "modelpact.toml"


def default_url(root: Path) -> str:
    """The default store: SQLite at ``<root>/ledger.db``."""
    return f"sqlite:///{Path(root).absolute() / 'ledger.db'}"


def default_artifacts(url: str | None, root: Path) -> Path:
    """Where a store keeps its artifacts unless told: beside a SQLite file, else ``<root>``.

    The artifacts belong to the store: a version registered against a shared SQLite ledger
    from one directory loads from any other. A server database has no directory of its own,
    so its artifacts go to ``<root>/artifacts`` unless ``[store] artifacts`` (or
    ``MODELPACT_ARTIFACTS``) names a shared one.

    Examples
    --------
    >>> default_artifacts("sqlite:////team/ledger.db", Path("/work/.modelpact")).as_posix()
    '/team/artifacts'
    >>> default_artifacts("postgresql+psycopg://h/db", Path("/work/.modelpact")).as_posix()
    '/work/.modelpact/artifacts'
    """
    resolved = url or default_url(root)
    try:
        parsed = make_url(resolved)
    except ArgumentError:
        return Path(root) / "artifacts"
    database = parsed.database
    if (
        parsed.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and not database.startswith("file:")
    ):
        return Path(database).absolute().parent / "artifacts"
    return Path(root) / "artifacts"


def display_url(url: str) -> str:
    """*url* with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is shown as given; it holds no parsed password
        return url


def parse_store_url(url: str) -> URL:
    """*url* parsed as a SQLAlchemy URL, or a :class:`StoreError` saying what one looks like.

    Examples
    --------
    >>> parse_store_url("sqlite:///ledger.db").get_backend_name()
    'sqlite'
    >>> parse_store_url("not a url")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    modelpact.errors.StoreError: 'not a url' is not a store URL; use e.g. sqlite:///path/ledger.db ...
    """
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"'{url}' is not a store URL; use e.g. sqlite:///path/ledger.db or "
            "postgresql+psycopg://user@host/db"
        ) from None


def find_config(cwd: Path) -> Path | None:
    """The ``modelpact.toml`` that applies in *cwd*: the nearest in it or a parent directory.

    The search stops at the root of the repository *cwd* is in (the directory holding
    ``.git``), so a file above a checkout never redirects its ledger.
    """
    for folder in (cwd, *cwd.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def _store_section(cwd: Path) -> tuple[Path, dict[str, Any]] | None:
    """The ``modelpact.toml`` that applies in *cwd* and its ``[store]`` table (empty if none)."""
    path = find_config(Path(cwd).absolute())
    if path is None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read it as TOML: {exc}") from exc
    store = data.get("store", {})
    return path, store if isinstance(store, dict) else {}


def resolve_store_url(
    cli_value: str | None, cwd: Path, environ: Mapping[str, str] | None = None
) -> str | None:
    """The store URL to use: ``--store``, else ``MODELPACT_STORE``, else ``modelpact.toml``.

    ``modelpact.toml`` is looked for in *cwd* and its parents up to the repository root
    (:func:`find_config`); its ``[store] url`` may be a relative ``sqlite:///path``, taken
    relative to the file. The file used is named on the ``modelpact.ledger.config`` logger
    (shown on stderr when logging is not configured), so a store is never chosen silently.
    Returns None when nothing is configured: the default SQLite store under ``.modelpact/``.

    Parameters
    ----------
    cli_value : str or None
        The ``--store`` option.
    cwd : Path
        Where to start looking for ``modelpact.toml``.
    environ : mapping, optional
        The environment (default ``os.environ``), passed in by tests.

    Examples
    --------
    >>> resolve_store_url("sqlite:///x.db", Path("."), environ={})
    'sqlite:///x.db'
    >>> resolve_store_url(None, Path("/"), environ={"MODELPACT_STORE": "sqlite:///y.db"})
    'sqlite:///y.db'
    """
    if cli_value:
        return cli_value
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return env[ENV_VAR]
    found = _store_section(cwd)
    if found is None:
        return None
    path, store = found
    if not store.get("url"):
        return None
    url = str(store["url"])
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        url = prefix + str((path.parent / url[len(prefix) :]).absolute())
    try:
        parse_store_url(url)
    except StoreError as exc:
        raise ConfigurationError(f"{path}: [store] url: {exc}") from None
    _log.warning("ledger store %s, as set in %s", display_url(url), path)
    return url


def trust_pickle_configured(cwd: Path) -> bool:
    """Whether ``modelpact.toml`` says ``trust_pickle = true`` under ``[store]``.

    A team whose registry only its own members can write may choose to trust its pickles
    once, in the file, instead of passing ``--trust-pickle`` to every command.
    """
    found = _store_section(cwd)
    if found is None:
        return False
    path, store = found
    value = store.get("trust_pickle", False)
    if not isinstance(value, bool):
        raise ConfigurationError(f"{path}: [store] trust_pickle must be true or false")
    return value


def resolve_artifacts(
    cwd: Path, environ: Mapping[str, str] | None = None
) -> Path | str | None:
    """The configured artifact root: ``MODELPACT_ARTIFACTS``, else ``[store] artifacts`` in
    ``modelpact.toml`` (a directory relative to the file); None leaves :func:`default_artifacts`.

    A value with a scheme (``s3://bucket/prefix``, ``memory://x``, ``file:///dir``) is an
    fsspec URL, returned as given: the artifacts live in that object store (the optional
    extra ``modelpact[artifacts]``).

    Examples
    --------
    >>> resolve_artifacts(Path("/"), environ={"MODELPACT_ARTIFACTS": "s3://team/ledger"})
    's3://team/ledger'
    """
    env = os.environ if environ is None else environ
    if env.get(ARTIFACTS_ENV_VAR):
        if "://" in env[ARTIFACTS_ENV_VAR]:
            return env[ARTIFACTS_ENV_VAR]
        return Path(env[ARTIFACTS_ENV_VAR]).absolute()
    found = _store_section(cwd)
    if found is None:
        return None
    path, store = found
    value = store.get("artifacts")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{path}: [store] artifacts must be a directory path or a URL")
    if "://" in value:
        return value
    return (path.parent / value).absolute()
