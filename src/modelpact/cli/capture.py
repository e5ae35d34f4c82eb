"""``modelpact capture``: the models whose predictions the service captures, and their rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from modelpact.cli._common import announce, err_console, out_console
from modelpact.cli._duration import parse_duration, parse_time
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP
from modelpact.errors import ConfigurationError, NotFoundError

__all__ = ["capture_app"]

capture_app = typer.Typer(
    help=(
        "Captured production data: declare the models `modelpact serve` accepts rows for, "
        "export a window to Parquet, prune old rows. Example: "
        "`modelpact capture add-model --project churn --model gbm --pact pact.yaml`."
    ),
    no_args_is_help=True,
)
app.add_typer(capture_app, name="capture")


@capture_app.command("add-model")
def add_model(
    project: str = typer.Option(..., "--project", "-p", help="The ledger project."),
    model: str = typer.Option(..., "--model", "-m", help="Name the model server sends as."),
    pact: Path | None = typer.Option(
        None, "--pact", help="Record this pact on the project: captured rows are checked "
                             "against it. Needed once per project."),
    reference_from: str | None = typer.Option(
        None, "--reference-from", help="Start of the reference period (prediction time)."),
    reference_to: str | None = typer.Option(
        None, "--reference-to", help="End of the reference period (exclusive)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Accept predictions for MODEL of PROJECT; set the period monitoring compares against.

    The reference period is captured data where the model is known to be good (labelled);
    scheduled analysis monitors what comes after it.
    """
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.capture import CaptureStore
    from modelpact.pact import load_pact

    the_pact = load_pact(pact) if pact is not None else None
    start = parse_time(reference_from, option="--reference-from") if reference_from else None
    end = parse_time(reference_to, option="--reference-to") if reference_to else None
    with open_configured_store(store, create=True) as ledger:
        if the_pact is None:
            try:
                known = ledger.get_project(project).pact is not None
            except NotFoundError:
                known = False
            if not known:
                raise ConfigurationError(
                    f"project '{project}' has no pact yet: give --pact pact.yaml")
        ledger.ensure_project(project, the_pact)
        captured = CaptureStore(ledger).ensure_model(
            project, model, reference_start=start, reference_end=end)
    window = (f"; reference {captured.reference_start:%Y-%m-%d %H:%M} to "
              f"{captured.reference_end:%Y-%m-%d %H:%M}" if captured.reference_start else "")
    out_console().print(f"capturing {project}/{model}{window}")


@capture_app.command("list")
def list_models(
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Captured models with their prediction and label counts."""
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.capture import CaptureStore

    table = Table(title="captured models", title_justify="left")
    for column in ("project", "model", "predictions", "labelled", "latest", "reference"):
        table.add_column(column)
    with open_configured_store(store) as ledger:
        capture = CaptureStore(ledger)
        for m in capture.list_models(project):
            total, labelled = capture.count(m)
            latest = capture.latest_time(m)
            reference = (f"{m.reference_start:%Y-%m-%d} - {m.reference_end:%Y-%m-%d}"
                         if m.reference_start and m.reference_end else "-")
            table.add_row(m.project, m.name, str(total), str(labelled),
                          f"{latest:%Y-%m-%d %H:%M}" if latest else "-", reference)
    out_console().print(table)


@capture_app.command("export")
def export(
    project: str = typer.Option(..., "--project", "-p", help="The ledger project."),
    model: str = typer.Option(..., "--model", "-m", help="The captured model."),
    out: Path = typer.Option(..., "--out", "-o", help="Parquet file to write."),
    start: str | None = typer.Option(None, "--from", help="First prediction time (ISO 8601)."),
    end: str | None = typer.Option(None, "--to", help="End of the window (exclusive)."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Write a window of captured predictions, with their labels, to one Parquet file.

    Columns carry the pact's names, so the file reads like evaluation data (e.g. with Dask:
    `dd.read_parquet(...)`). Example: `modelpact capture export -p churn -m gbm
    --from 2026-03-01 --to 2026-04-01 -o march.parquet`
    """
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.capture import CaptureStore
    from modelpact.monitor.captured import CaptureColumns

    begin = parse_time(start, option="--from") if start else None
    finish = parse_time(end, option="--to") if end else None
    if begin is not None and finish is not None and finish <= begin:
        raise ConfigurationError("--to must be after --from")
    with open_configured_store(store) as ledger:
        capture = CaptureStore(ledger)
        captured = capture.get_model(project, model)
        pact = ledger.pinned_pact(project)
        classes = list(pact.columns.score) if pact and isinstance(pact.columns.score,
                                                                  dict) else None
        names = CaptureColumns.of(pact).names() if pact is not None else None
        n = capture.export(captured, out, start=begin, end=finish, classes=classes,
                           names=names)
    err_console().print(f"{n} rows")
    announce([("Parquet", out)])


@capture_app.command("prune")
def prune(
    keep: str = typer.Option(..., "--keep", help="Keep this much history, e.g. 90d."),
    project: str | None = typer.Option(None, "--project", "-p", help="Only this project."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """Delete predictions older than KEEP (by prediction time) and labels received before it."""
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.capture import CaptureStore

    cutoff = datetime.now(UTC) - parse_duration(keep, option="--keep")
    with open_configured_store(store) as ledger:
        predictions, labels = CaptureStore(ledger).prune(cutoff, project=project)
    out_console().print(f"deleted {predictions} predictions and {labels} labels from before "
                        f"{cutoff:%Y-%m-%d %H:%M} UTC")
