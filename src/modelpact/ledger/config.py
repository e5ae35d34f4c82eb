"""Where the ledger lives: resolved once, at the edge, from the command line, env or file."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from modelpact.errors import ConfigurationError

__all__ = ["CONFIG_FILE", "ENV_VAR", "default_url", "display_url", "resolve_store_url"]

ENV_VAR = "MODELPACT_STORE"
CONFIG_FILE = "modelpact.toml"


def default_url(root: Path) -> str:
    """The default store: SQLite at ``<root>/ledger.db``."""
    return f"sqlite:///{Path(root).absolute() / 'ledger.db'}"


def display_url(url: str) -> str:
    """*url* with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is shown as given; it holds no parsed password
        return url


def _find_config(cwd: Path) -> Path | None:
    for folder in (cwd, *cwd.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def resolve_store_url(
    cli_value: str | None, cwd: Path, environ: Mapping[str, str] | None = None
) -> str | None:
    """The store URL to use: ``--store``, else ``MODELPACT_STORE``, else ``modelpact.toml``.

    ``modelpact.toml`` is looked for in *cwd* and its parents (like ``.git``); its
    ``[store] url`` may be a relative ``sqlite:///path``, taken relative to the file.
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
    path = _find_config(Path(cwd).absolute())
    if path is None:
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read it as TOML: {exc}") from exc
    store = data.get("store", {})
    if not isinstance(store, dict) or not store.get("url"):
        return None
    url = str(store["url"])
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        url = prefix + str((path.parent / url[len(prefix) :]).absolute())
    return url
