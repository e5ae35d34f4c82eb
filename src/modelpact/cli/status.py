"""``modelpact status``: where each project stands in its lifecycle, and what to do next."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from modelpact.cli._common import out_console
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP, styled

if TYPE_CHECKING:
    from modelpact.ledger import Store

__all__ = ["ProjectStatus", "next_step", "project_status"]


@dataclass(frozen=True)
class ProjectStatus:
    """One project's lifecycle at a glance."""

    project: str
    pact: str | None
    audit: str | None
    runs: int
    failed_runs: int
    latest_verdict: str | None
    champion: str | None
    candidates: int
    next_step: str

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready form."""
        return asdict(self)


def next_step(
    *,
    project: str,
    pact: str | None,
    audit: str | None,
    runs: int,
    versions: int,
    signed_off: bool,
    champion: str | None,
) -> str:
    """The first lifecycle step still missing, phrased as what to run.

    Examples
    --------
    >>> next_step(project="churn", pact="churn", audit=None, runs=3, versions=1,
    ...           signed_off=False, champion=None)
    'no audit recorded: run modelpact audit'
    """
    if pact is None:
        return "no pact: write one with 'modelpact pact init' and start runs with pact=..."
    if audit is None:
        return "no audit recorded: run modelpact audit"
    if audit == "no_go":
        return "the latest audit says no_go: fix the data and run modelpact audit again"
    if runs == 0:
        return f"no runs: log one with modelpact.start_run(project='{project}', pact=...)"
    if versions == 0:
        return "no model registered: run.log_model(...) or 'modelpact verify ... --register'"
    if not signed_off:
        return (
            "no signed_off verdict: evaluate a candidate with run.evaluate(...) "
            "or 'modelpact verify'"
        )
    if champion is None:
        return (
            f"no champion: promote a signed-off version with 'modelpact models promote {project}:N'"
        )
    return f"none: {champion} is champion; watch it with 'modelpact monitor'"


def project_status(store: Store, project: str) -> ProjectStatus:
    """Collect *project*'s status from the ledger."""
    info = store.get_project(project)
    audit = store.latest_audit(project)
    counts = store.count_runs(project)
    verdicts = store.list_verdicts(project)
    versions = store.list_model_versions(project)
    champion = next((v.ref for v in versions if v.stage == "champion"), None)
    signed = any(v.verdict == "signed_off" for v in verdicts) or any(
        v.stage in ("signed_off", "champion") for v in versions
    )
    runs = sum(counts.values())
    return ProjectStatus(
        project=project,
        pact=info.pact_name,
        audit=audit.verdict if audit else None,
        runs=runs,
        failed_runs=counts.get("failed", 0),
        latest_verdict=verdicts[0].verdict if verdicts else None,
        champion=champion,
        candidates=sum(v.stage == "candidate" for v in versions),
        next_step=next_step(
            project=project,
            pact=info.pact_name,
            audit=audit.verdict if audit else None,
            runs=runs,
            versions=len(versions),
            signed_off=signed,
            champion=champion,
        ),
    )


@app.command("status")
def status(
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Where each project is in its lifecycle, and the next step that is missing.

    Per project: its pact, latest data audit, runs, latest verdict, current champion.

    Example: `modelpact status`
    """
    from modelpact.ledger import open_configured_store

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
    table = Table(title=f"projects in {where}", title_justify="left")
    for column in ("project", "pact", "audit", "runs", "latest verdict", "champion", "next step"):
        table.add_column(column, overflow="fold")
    audit_style = {"go": "green", "go_with_fixes": "yellow", "no_go": "red"}
    verdict_style = {"signed_off": "green", "failed": "red", "inconclusive": "yellow"}
    for r in rows:
        runs = f"{r.runs}" + (f" ({r.failed_runs} failed)" if r.failed_runs else "")
        table.add_row(
            r.project,
            r.pact or "-",
            styled(r.audit, audit_style),
            runs,
            styled(r.latest_verdict, verdict_style),
            r.champion or "-",
            r.next_step,
        )
    console.print(table)
