"""``modelpact status``: where each project stands in its lifecycle, and what to do next."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from modelpact.cli._common import out_console
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP, styled
from modelpact.report._tables import table_of


@app.command("status")
def status(
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Where each project is in its lifecycle, and the next step that is missing.

    Per project: its pact, latest data audit, runs, latest verdict, current champion, and
    the latest monitoring result of each model stored in the ledger, and the latest
    retraining (when, decision, trigger).

    Example: `modelpact status`
    """
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.status import project_status

    with open_configured_store(store) as ledger:
        names = [project] if project else [p.name for p in ledger.list_projects()]
        rows = [project_status(ledger, name) for name in names]
        where = ledger.display_url
    console = out_console()
    if as_json:
        console.print_json(json.dumps([r.to_dict() for r in rows]))
        return
    if not rows:
        console.print(
            f"no projects in {where} yet; start with modelpact.start_run(project=..., pact=...)"
        )
        return
    audit_style = {"go": "green", "go_with_fixes": "yellow", "no_go": "red"}
    verdict_style = {"signed_off": "green", "failed": "red", "inconclusive": "yellow"}
    cells = []
    for r in rows:
        runs = f"{r.runs}" + (f" ({r.failed_runs} failed)" if r.failed_runs else "")
        runs += f" ({r.killed_runs} killed)" if r.killed_runs else ""
        cells.append([r.project, styled(r.audit, audit_style), runs,
                      styled(r.latest_verdict, verdict_style), r.champion or "-"])
    # the short facts side by side; the long ones (pact, monitoring, retraining, next step)
    # as lines under each project, so no name is cut and no sentence squeezed into a column
    console.print(table_of(["project", "audit", "runs", "latest verdict", "champion"], cells,
                           title=f"projects in {where}"))
    for r in rows:
        pact = f"{r.pact} ({r.pact_hash[:12]})" if r.pact and r.pact_hash else r.pact or "-"
        facts = Table.grid(padding=(0, 2))
        facts.add_column(no_wrap=True, style="dim")
        facts.add_column()  # wraps at word boundaries, aligned under itself
        for label, value in (("pact", pact), ("monitoring", r.monitoring or "-"),
                             ("retraining", r.retraining or "-"), ("next step", r.next_step)):
            facts.add_row(label, escape(value))
        console.print(Text(r.project, style="bold"), Padding(facts, (0, 0, 0, 2), expand=False))
    for r in rows:
        if r.pact_changes:
            console.print(f"pact changes of {r.project}:", markup=False)
            for line in r.pact_changes:
                console.print(f"  {line}", markup=False)
