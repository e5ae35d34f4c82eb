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
    """Manage the ledger database (schema migrations, clean-up)."""


@store_app.command("upgrade")
def upgrade(store: str | None = typer.Option(None, "--store", help=STORE_HELP)) -> None:
    """Create the ledger schema, or migrate it to what this modelpact needs.

    Safe to run twice. Example: `modelpact store upgrade --store postgresql+psycopg://host/db`
    """
    from modelpact.ledger import display_url, resolve_store_url, upgrade_store
    from modelpact.ledger.config import default_url
    from modelpact.ledger.preflight import check_store_url

    cwd = Path.cwd()
    url = resolve_store_url(store, cwd)
    root = cwd / ".modelpact"
    check_store_url(url or default_url(root))
    before, after = upgrade_store(url, root=root)
    shown = display_url(url or default_url(root))
    if before == after:
        out_console().print(f"{shown}: already at schema revision {after}")
    else:
        out_console().print(f"{shown}: schema revision {before or '(none)'} -> {after}")


@store_app.command("gc")
def gc(
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    min_age: str = typer.Option(
        "1h", "--min-age", help="Leave files younger than this (30m, 1h, 2d): writes in progress."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would go; remove nothing."),
) -> None:
    """Clean up after crashed writers, and say what was done.

    Runs still marked running whose process is dead (no heartbeat for three intervals, or
    their process gone from this host) are marked killed, with an end time and a note. In
    the artifact directory, two kinds of files go: stale temporaries (`.<name>...tmp`) and
    complete artifacts no ledger row refers to (a model written by a process killed before
    its row was committed).

    Example: `modelpact store gc --dry-run`
    """
    from modelpact.cli._ledger import check_ledger_writable
    from modelpact.cli.runs import parse_duration
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.gc import collect_garbage, mark_killed_runs

    age = parse_duration(min_age, option="--min-age")
    if not dry_run:
        check_ledger_writable(store, artifacts=True)
    with open_configured_store(store) as ledger:
        killed = mark_killed_runs(ledger, dry_run=dry_run)
        removed = collect_garbage(ledger, min_age=age, dry_run=dry_run)
        artifacts = ledger.artifacts
    console = out_console()
    marked = "would mark" if dry_run else "marked"
    for run in killed:
        console.print(f"{marked} run {run.id[:8]} ({run.project}) killed: {run.why}")
    console.print(f"{marked} {len(killed)} run(s) killed")
    verb = "would remove" if dry_run else "removed"
    for item in removed:
        console.print(f"{verb} {item.reason:9} {item.size:>12,} B  {artifacts.location(item.path)}")
    total = sum(item.size for item in removed)
    console.print(f"{verb} {len(removed)} file(s), {total:,} bytes, from {artifacts.root}")
