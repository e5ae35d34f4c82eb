"""``modelpact audit`` and ``modelpact labels import``: the data audit and the relabelling loop."""

from __future__ import annotations

from pathlib import Path

import typer

from modelpact.cli._common import (
    EXIT_FAIL,
    EXIT_OK,
    announce,
    check_outputs,
    err_console,
    out_console,
    write_outputs,
)
from modelpact.cli._integrations import publish
from modelpact.cli.app import app
from modelpact.errors import ConfigurationError, plain_repr

labels_app = typer.Typer(
    help="Bring corrected labels back into a dataset (after `audit --relabel-export`).",
    no_args_is_help=True,
)
app.add_typer(labels_app, name="labels")


@app.command("audit")
def audit_command(
    data: Path = typer.Argument(..., help="Training (or all) data, CSV or Parquet."),
    target: str | None = typer.Option(
        None, "--target", "-t", help="The label column (default: the pact's columns.target)."),
    test: Path | None = typer.Option(
        None, "--test", help="Test data: checks train/test leakage and drift."),
    split_column: str | None = typer.Option(
        None, "--split-column", help="Instead of --test: a column marking train and test rows."),
    time_column: str | None = typer.Option(
        None, "--time-column", help="Timestamp/date/ordered column: checks drift over time."),
    id_column: str | None = typer.Option(
        None, "--id", help="Row id column, used to name rows in findings."),
    pact: Path | None = typer.Option(
        None, "--pact", "-p", help="Pact file: task, baseline and thresholds to test feasibility against."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Path | None = typer.Option(None, "--json", help="Write modelpact.audit/v1 JSON here."),
    markdown: Path | None = typer.Option(
        None, "--markdown", help="Write a Markdown summary here (for a pull request)."),
    relabel_export: Path | None = typer.Option(
        None, "--relabel-export",
        help="Write the likely mislabelled rows here: .json (Label Studio tasks) or .csv."),
    relabel_limit: int | None = typer.Option(
        None, "--relabel-limit", help="Export at most this many rows (most suspect first)."),
    seed: int = typer.Option(0, "--seed", help="Seed for samples, splits and models."),
    sample_rows: int = typer.Option(
        20_000, "--sample-rows",
        help="Costly checks (models, nearest neighbours) use a stratified sample of this many rows."),
    jobs: int = typer.Option(1, "--jobs", help="Threads for model fitting."),
    skip: list[str] = typer.Option(
        [], "--skip", help="Leave out a check by name (repeatable), e.g. --skip label_errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Hide info findings in the terminal."),
    register: bool = typer.Option(
        False, "--register", help="Record the audit in the ledger (shown by `modelpact status`)."),
    project: str | None = typer.Option(
        None, "--project", help="Ledger project for --register (default: the pact's name)."),
    store: str | None = typer.Option(None, "--store", help="Ledger URL for --register."),
) -> None:
    """Is this data fit to learn from, and can it meet the pact? GO / GO WITH FIXES / NO-GO.

    Runs every check (missing values, constant and id-like columns, type problems, exact and
    near duplicates, conflicting labels, class imbalance, label errors, outliers, target
    leakage, train/test leakage and drift, drift over time) and a learnability study: a
    cross-validated quick model against the pact's baseline, a learning curve, and how many
    labelled rows each pact threshold needs (or that it is not reachable with these features).

    Example: `modelpact audit train.csv --target churned --test test.csv --pact pact.yaml
    --html audit.html --json audit.json`

    Exit codes: 0 GO, and also GO WITH FIXES (a warning line says so: the data can be used
    once the listed fixes are made); 1 NO-GO; 2 usage or input error.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from modelpact.audit import audit, check_names, export_relabel, get_check
    from modelpact.report.audit import audit_html, audit_markdown, audit_panel

    if test is not None and split_column is not None:
        raise ConfigurationError("give either --test or --split-column, not both")
    if pact is None and target is None:
        raise ConfigurationError("name the target column with --target (or give --pact)")
    if sample_rows < 500:
        raise ConfigurationError(f"--sample-rows {sample_rows} is too few; use 500 or more")
    if relabel_export is not None and relabel_export.suffix.lower() not in (".json", ".csv"):
        raise ConfigurationError(
            f"--relabel-export {relabel_export}: use .json (Label Studio tasks) or .csv")
    for name in skip:
        get_check(name)  # unknown names fail here, with the closest known one
    check_outputs(html, json_out, markdown, relabel_export)
    if register:
        from modelpact.cli._ledger import check_registration, register_audit

        check_registration(pact_path=pact, project=project, store=store)
    checks = [n for n in check_names() if n not in skip]
    console = err_console()
    with Progress(
        TextColumn("[bold]audit[/bold] {task.description}"), BarColumn(),
        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("reading data", total=None)

        def progress(name: str, i: int, total: int) -> None:
            bar.update(task, description=name.replace("_", " "), completed=i, total=total)

        result = audit(
            data, target=target, test=test, split_column=split_column, time_column=time_column,
            pact=pact, id_column=id_column, seed=seed, sample_rows=sample_rows,
            progress=progress, n_jobs=jobs, checks=checks,
        )
        bar.update(task, description="writing reports")
        written = write_outputs([
            ("HTML report", html, lambda: audit_html(result)),
            ("JSON", json_out, result.to_json),  # canonical, sorted-key JSON
            ("Markdown", markdown, lambda: audit_markdown(result)),
        ])
        exported = None
        if relabel_export is not None and "label_errors" in result.checks \
                and not result.checks["label_errors"].skipped:
            exported = export_relabel(result, data, relabel_export, limit=relabel_limit)
    out_console().print(audit_panel(result, show_info=not quiet))
    announce(written)
    publish(result, markdown=lambda: audit_markdown(result))
    if relabel_export is not None:
        if exported is None:
            console.print("relabel export: skipped (label errors were not checked for this target)")
        else:
            console.print(f"relabel export: {exported} rows to {relabel_export}")
    if register:  # a refused registration discards the reports written above
        register_audit(result.to_dict(), pact_path=pact, project=project, store=store)
    if result.verdict == "go_with_fixes":
        console.print("[yellow]warning:[/yellow] GO WITH FIXES exits 0; make the fixes listed "
                      "above before trusting experiments on this data")
    raise typer.Exit(EXIT_FAIL if result.verdict == "no_go" else EXIT_OK)


@labels_app.command("import")
def labels_import(
    annotations: Path = typer.Argument(
        ..., help="Label Studio JSON export, or a CSV with an id column and a 'label' column."),
    data: Path = typer.Option(..., "--data", help="The dataset to correct (CSV or Parquet)."),
    target: str = typer.Option(..., "--target", "-t", help="The label column to correct."),
    id_column: str | None = typer.Option(
        None, "--id", help="Id column matching the annotations (default: 0-based row_id)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the corrected dataset."),
) -> None:
    """Apply reviewed labels to a dataset; record which labels changed.

    Reads the annotations (Label Studio JSON export: each task's latest non-cancelled
    annotation choice; or a CSV of id and label), writes the corrected dataset to --out and
    the list of changes to `<out>.changes.json`.

    Example: `modelpact labels import reviewed.json --data train.csv --target label --id id
    --out train.corrected.csv`
    """
    from modelpact.audit import import_labels

    check_outputs(out, Path(f"{out}.changes.json"))
    changes = import_labels(annotations, data=data, target=target, out=out, id_column=id_column)
    console = out_console()
    console.print(f"{len(changes.changed)} label(s) changed, {changes.unchanged} confirmed, "
                  f"{changes.skipped} without an answer -> {out}")
    for change in changes.changed[:20]:
        console.print(f"  {change['id']}: {change['from']!s} -> {change['to']!s}")
    if len(changes.changed) > 20:
        console.print(f"  ... and {len(changes.changed) - 20} more")
    if changes.not_found:
        err_console().print(f"[yellow]warning:[/yellow] {len(changes.not_found)} annotated id(s) "
                            f"not in {data} (e.g. {plain_repr(changes.not_found[0])})")
    err_console().print(f"changes: {out}.changes.json")
