"""``modelpact store``: create or migrate the ledger database."""

from __future__ import annotations

from pathlib import Path

import typer

from modelpact.cli._common import out_console
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP

__all__ = ["store_app"]

store_app = typer.Typer(
    help="Manage the ledger database. Example: `modelpact store upgrade --store URL`.",
    no_args_is_help=True,
)
app.add_typer(store_app, name="store")


@store_app.callback()
def _store() -> None:
    """Manage the ledger database (schema migrations)."""


@store_app.command("upgrade")
def upgrade(store: str | None = typer.Option(None, "--store", help=STORE_HELP)) -> None:
    """Create the ledger schema, or migrate it to what this modelpact needs.

    Safe to run twice. Example: `modelpact store upgrade --store postgresql+psycopg://host/db`
    """
    from modelpact.ledger import display_url, resolve_store_url, upgrade_store
    from modelpact.ledger.config import default_url

    cwd = Path.cwd()
    url = resolve_store_url(store, cwd)
    root = cwd / ".modelpact"
    before, after = upgrade_store(url, root=root)
    shown = display_url(url or default_url(root))
    if before == after:
        out_console().print(f"{shown}: already at schema revision {after}")
    else:
        out_console().print(f"{shown}: schema revision {before or '(none)'} -> {after}")
