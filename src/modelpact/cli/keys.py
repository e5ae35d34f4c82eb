"""``modelpact keys``: API keys of the monitoring service, one project each."""

from __future__ import annotations

import json

import typer

from modelpact.cli._common import err_console, out_console
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP
from modelpact.report._tables import table_of

__all__ = ["keys_app"]

keys_app = typer.Typer(
    help=(
        "API keys for `modelpact serve`: a key writes and reads one project only. The key is "
        "shown once when created; the ledger keeps only its hash. Example: "
        "`modelpact keys create --project churn`."
    ),
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(
    project: str = typer.Option(..., "--project", "-p", help="The project the key is for."),
    name: str | None = typer.Option(None, "--name", help="What the key is for (shown in list)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Create a key for PROJECT and print it once (to stdout, so it can be captured)."""
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.keys import KeyStore

    with open_configured_store(store, create=True) as ledger:
        info, secret = KeyStore(ledger).create(project, name=name)
    err_console().print(
        f"API key {info.prefix} for project {project}: store it now, it is not shown again")
    typer.echo(secret)


@keys_app.command("list")
def list_keys(
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """List keys (prefix, project, name, created, revoked); never the keys themselves."""
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.keys import KeyStore

    with open_configured_store(store) as ledger:
        keys = KeyStore(ledger).list(project)
    rows = [{"prefix": k.prefix, "project": k.project, "name": k.name,
             "created_at": k.created_at.isoformat(),
             "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None} for k in keys]
    console = out_console()
    if as_json:
        console.print_json(json.dumps(rows))
        return
    cells = [[str(r["prefix"]), str(r["project"]), str(r["name"] or "-"),
              str(r["created_at"])[:19], str(r["revoked_at"] or "-")[:19]] for r in rows]
    console.print(table_of(["prefix", "project", "name", "created", "revoked"], cells,
                           title="API keys"))


@keys_app.command("revoke")
def revoke(
    prefix: str = typer.Argument(..., help="The key's prefix (from 'keys list')."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.keys import KeyStore

    with open_configured_store(store) as ledger:
        key = KeyStore(ledger).revoke(prefix)
    out_console().print(f"revoked API key {key.prefix} of project {key.project}")
