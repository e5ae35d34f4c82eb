"""``modelpact monitor``: does the live model still meet the pact, even before labels arrive?"""

from __future__ import annotations

from pathlib import Path

import typer

from modelpact.cli._common import announce, err_console, out_console, write_outputs
from modelpact.cli.app import app
from modelpact.errors import ConfigurationError
from modelpact.report.json import dumps


@app.command("monitor")
def monitor(
    pact: Path = typer.Option(Path("pact.yaml"), "--pact", "-p", help="The pact file."),
    reference: Path | None = typer.Option(
        None, "--reference", "-r",
        help="Reference period (CSV/Parquet): where the model is known to be good, labelled, "
             "not the training data."),
    analysis: Path = typer.Option(..., "--analysis", "-a",
                                  help="Production rows to monitor (CSV/Parquet)."),
    labels: Path | None = typer.Option(
        None, "--labels", "-l",
        help="Labels that arrived later: the pact's id and target columns; partial is normal."),
    chunk_size: int | None = typer.Option(None, "--chunk-size", help="Rows per chunk."),
    chunk_period: str | None = typer.Option(
        None, "--chunk-period", help="Chunk by time: 1d, 1w, 1m (month), ... (needs columns.time)."),
    chunks: int | None = typer.Option(None, "--chunks", help="Number of equal chunks."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Path | None = typer.Option(None, "--json",
                                         help="Write modelpact.monitor/v1 JSON here."),
    save_reference_profile: Path | None = typer.Option(
        None, "--save-reference-profile",
        help="Also save the reference as a profile (JSON, no raw rows) for later runs."),
    reference_profile: Path | None = typer.Option(
        None, "--reference-profile",
        help="Use a saved reference profile instead of --reference (drift and data quality "
             "only: estimation needs reference rows)."),
    no_multivariate: bool = typer.Option(
        False, "--no-multivariate", help="Skip the domain classifier and PCA checks."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random step."),
) -> None:
    """Check production data against the reference and the pact, chunk by chunk.

    Answers: did the inputs or the model's scores drift (thresholds calibrated on the
    reference itself, false alarms controlled across features), is a pact criterion estimated
    to fail before labels arrive (CBPE / DLE), and does it fail on the labels that did arrive?

    Example: `modelpact monitor --pact pact.yaml --reference ref.parquet --analysis prod.parquet
    --labels labels.csv --chunk-period 1w --html monitor.html --json monitor.json`

    Exit codes: 0 no alert, 1 alert, 2 usage or input error.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from modelpact.monitor.monitor import build_reference_profile
    from modelpact.monitor.monitor import monitor as run_monitor
    from modelpact.monitor.profile import ReferenceProfile
    from modelpact.pact import load_pact
    from modelpact.report.monitor import monitor_html, print_monitor

    if sum(v is not None for v in (chunk_size, chunk_period, chunks)) > 1:
        raise ConfigurationError("give at most one of --chunk-size, --chunk-period, --chunks")
    if (reference is None) == (reference_profile is None):
        raise ConfigurationError("give exactly one of --reference and --reference-profile")
    if save_reference_profile and reference is None:
        raise ConfigurationError("--save-reference-profile needs --reference (the raw rows)")
    the_pact = load_pact(pact)
    console = err_console()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("reading data", total=None)
        ref_input: Path | ReferenceProfile
        if reference_profile is not None:
            ref_input = ReferenceProfile.load(reference_profile)
        else:
            assert reference is not None
            ref_input = reference
        result = run_monitor(
            the_pact, ref_input, analysis, labels=labels, chunk_size=chunk_size,
            chunk_period=chunk_period, chunks=chunks, seed=seed,
            multivariate=False if no_multivariate else None,
            progress=lambda label: progress.update(task, description=label))
        progress.update(task, description="writing reports")
        data = result.to_dict()
        if save_reference_profile:
            assert reference is not None
            build_reference_profile(the_pact, reference).save(save_reference_profile)
        written = write_outputs([
            ("HTML report", html, lambda: monitor_html(data)),
            ("JSON", json_out, lambda: dumps(data)),
        ])
    print_monitor(data, out_console())
    if save_reference_profile:
        written.append(("reference profile", save_reference_profile))
    announce(written)
    raise typer.Exit(result.exit_code)
