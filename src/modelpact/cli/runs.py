"""``modelpact runs``: what was tried, on which data, with which result."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from modelpact.cli._common import out_console
from modelpact.cli.app import app
from modelpact.errors import ConfigurationError
from modelpact.report._tables import table_of

if TYPE_CHECKING:
    from modelpact.ledger import MetricValue, Run

__all__ = ["STORE_HELP", "format_metric", "parse_duration", "parse_since", "runs_app"]

STORE_HELP = (
    "Ledger URL (SQLAlchemy), e.g. sqlite:///path/ledger.db or postgresql+psycopg://host/db. "
    "Default: MODELPACT_STORE, then [store] url in modelpact.toml, then .modelpact/ledger.db."
)

runs_app = typer.Typer(
    help=(
        "List and inspect experiment runs recorded in the ledger.\n\n"
        "Example: `modelpact runs list --project churn --since 7d`, then "
        "`modelpact runs show 3f2a9c1e`."
    ),
    no_args_is_help=True,
)
app.add_typer(runs_app, name="runs")

_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str, *, option: str) -> timedelta:
    """``30s``, ``30m``, ``12h``, ``7d``, ``2w`` -> a timedelta; *option* names it in errors.

    Examples
    --------
    >>> parse_duration("90m", option="--min-age")
    datetime.timedelta(seconds=5400)
    """
    match = _SINCE.match(value)
    if not match:
        raise ConfigurationError(f"{option} '{value}' is not a duration (30m, 1h, 2d)")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """``7d``, ``12h``, ``30m``, ``2w`` or an ISO date/time -> an aware UTC datetime.

    Examples
    --------
    >>> now = datetime(2026, 1, 8, tzinfo=UTC)
    >>> parse_since("7d", now=now).isoformat()
    '2026-01-01T00:00:00+00:00'
    >>> parse_since("2026-01-02", now=now).isoformat()
    '2026-01-02T00:00:00+00:00'
    """
    match = _SINCE.match(value)
    if match:
        amount, unit = float(match.group(1)), match.group(2)
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigurationError(
            f"--since '{value}' is neither a duration (7d, 12h, 30m) nor a date (2026-11-01)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_metric(metric: MetricValue) -> str:
    """``0.833 [0.827, 0.840]`` or just ``0.833`` without an interval."""
    text = f"{metric.value:.4g}"
    if metric.low is not None and metric.high is not None:
        text += f" [{metric.low:.4g}, {metric.high:.4g}]"
    return text


def _code(run: Run) -> str:
    if run.git_commit is None:
        return "-"
    return run.git_commit[:8] + ("*" if run.git_dirty else "")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"


_STATUS_STYLE = {"finished": "green", "failed": "red", "running": "yellow", "killed": "red"}
_VERDICT_STYLE = {"signed_off": "green", "failed": "red", "inconclusive": "yellow"}


def styled(value: str | None, styles: dict[str, str]) -> str:
    """*value* wrapped in its Rich colour, or ``-``."""
    if not value:
        return "-"
    style = styles.get(value)
    return f"[{style}]{value}[/{style}]" if style else value


@runs_app.command("list")
def list_runs(
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    status: str | None = typer.Option(
        None, "--status", help="Only runs with this status: running, finished or failed."
    ),
    since: str | None = typer.Option(
        None, "--since", help="Only runs started since: a duration (7d, 12h) or a date."
    ),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Which runs were recorded, newest first: status, code version, verdict, metrics.

    Example: `modelpact runs list --project churn --status finished --since 7d`
    """
    from modelpact.ledger import open_configured_store

    if status is not None and status not in ("running", "finished", "failed", "killed"):
        raise ConfigurationError(
            f"--status '{status}' is not a run status; use running, finished, failed or killed"
        )
    when = parse_since(since) if since else None
    with open_configured_store(store) as ledger:
        runs = ledger.list_runs(project, status=status, since=when, limit=limit)
        where = ledger.display_url
    console = out_console()
    if as_json:
        console.print_json(json.dumps([r.to_dict() for r in runs]))
        return
    if not runs:
        console.print(f"no runs in {where} match; start one with modelpact.start_run(...)")
        return
    # A column that says the same on every row goes to the title, and what belongs together
    # shares a cell, one fact a line: names stay whole and the table fits 100 columns.
    projects = {run.project for run in runs}
    several = len(projects) > 1
    coded = any(_code(run) != "-" for run in runs)
    title = f"runs in {where}" if several else f"runs of {next(iter(projects))} in {where}"
    who = "project / name" if several else "name"
    headers = ["run", who, "status", "started", "took",
               *(["code"] if coded else []), "metrics"]
    rows = []
    for run in runs:
        names = [run.project] if several else []
        names.append(run.name or "-")
        metrics = "\n".join(f"{k} {m.value:.3g}" for k, m in list(run.metrics.items())[:3])
        cells = [run.id[:8], "\n".join(names),
                 f"{styled(run.status, _STATUS_STYLE)}\n{styled(run.verdict, _VERDICT_STYLE)}",
                 run.started_at.strftime("%m-%d %H:%M"), _duration(run.duration_s)]
        cells += [_code(run)] if coded else []
        cells.append(metrics or "-")
        rows.append(cells)
    table = table_of(headers, rows, title=title, wrap={"metrics"})
    console.print(table)


@runs_app.command("show")
def show_run(
    run_id: str = typer.Argument(..., help="The run id, or its first characters (at least 4)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Everything recorded about one run: parameters, data, metrics with intervals, models.

    Example: `modelpact runs show 3f2a9c1e`
    """
    from modelpact.ledger import open_configured_store

    with open_configured_store(store) as ledger:
        run = ledger.get_run(run_id)
        versions = [v for v in ledger.list_model_versions(run.project) if v.run_id == run.id]
    console = out_console()
    if as_json:
        payload = run.to_dict()
        payload["model_versions"] = [v.to_dict() for v in versions]
        console.print_json(json.dumps(payload))
        return
    console.print(f"[bold]run {run.id}[/bold]  project [bold]{run.project}[/bold]")
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    facts.add_row("name", run.name or "-")
    facts.add_row("status", styled(run.status, _STATUS_STYLE))
    facts.add_row("started", run.started_at.isoformat(timespec="seconds"))
    facts.add_row("duration", _duration(run.duration_s))
    commit = run.git_commit or "not in a git checkout"
    if run.git_dirty:
        commit += " (uncommitted changes)"
    facts.add_row("code", commit)
    facts.add_row("verdict", styled(run.verdict, _VERDICT_STYLE))
    facts.add_row("predictions", "stored" if run.has_predictions else "none")
    if run.error:
        facts.add_row("error", f"[red]{run.error}[/red]")
    console.print(facts)
    if run.params:
        params = Table(title="parameters", title_justify="left")
        params.add_column("name")
        params.add_column("value")
        for key, value in run.params.items():
            params.add_row(key, value)
        console.print(params)
    if run.datasets:
        data = Table(title="data", title_justify="left")
        for column in ("role", "name", "rows", "fingerprint"):
            data.add_column(column)
        for d in run.datasets:
            data.add_row(d.role, d.name, f"{d.n_rows:,}", d.fingerprint[:16])
        console.print(data)
    if run.metrics:
        metrics = Table(title="metrics", title_justify="left")
        for column in ("metric", "value", "interval", "method", "n"):
            metrics.add_column(column)
        for key, m in run.metrics.items():
            interval = "-"
            if m.low is not None and m.high is not None:
                level = f"{m.confidence:.0%} " if m.confidence else ""
                interval = f"{level}[{m.low:.4g}, {m.high:.4g}]"
            metrics.add_row(
                key, f"{m.value:.4g}", interval, m.method or "-", f"{m.n:,}" if m.n else "-"
            )
        console.print(metrics)
    if versions:
        models = Table(title="model versions", title_justify="left")
        for column in ("version", "name", "stage"):
            models.add_column(column)
        for v in versions:
            models.add_row(v.ref, v.name or "-", v.stage)
        console.print(models)
