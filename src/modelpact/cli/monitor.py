"""``modelpact monitor``: does the live model still meet the pact, even before labels arrive?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from modelpact.cli._common import (
    announce,
    check_outputs,
    err_console,
    out_console,
    write_outputs,
)
from modelpact.cli._integrations import MLFLOW_OPTION, MLFLOW_RUN_OPTION, mlflow_target, publish
from modelpact.cli.app import app
from modelpact.cli.runs import STORE_HELP
from modelpact.errors import ConfigurationError
from modelpact.report.json import dumps

if TYPE_CHECKING:
    from modelpact.pact import Pact


@app.command("monitor")
def monitor(
    pact: Path = typer.Option(Path("pact.yaml"), "--pact", "-p", help="The pact file."),
    reference: Path | None = typer.Option(
        None, "--reference", "-r",
        help="Reference period (CSV/Parquet): where the model is known to be good, labelled, "
             "not the training data."),
    analysis: Path | None = typer.Option(
        None, "--analysis", "-a",
        help="Production rows to monitor (CSV/Parquet); without it, --project and --model "
             "monitor what the service captured."),
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
    markdown: Path | None = typer.Option(None, "--markdown", help="Write a Markdown summary here."),
    mlflow: bool = MLFLOW_OPTION,
    mlflow_run_id: str | None = MLFLOW_RUN_OPTION,
    engine: str = typer.Option(
        "local", "--engine",
        help="Where chunk profiles are computed: local (this process) or dask (a cluster)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler",
        help="Address of the Dask scheduler for --engine dask (e.g. tcp://10.0.0.5:8786); "
             "without it Dask runs in this process."),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    project: str | None = typer.Option(
        None, "--project", help="Ledger project: with --model and no --analysis, monitor its "
                                "captured data; with --register, where the result is stored."),
    model: str | None = typer.Option(None, "--model", help="The captured model (see "
                                                            "'modelpact capture add-model')."),
    register: bool = typer.Option(
        False, "--register", help="Store the result and its alerts in the ledger (for status "
                                  "and for the service's webhooks)."),
) -> None:
    """Check production data against the reference and the pact, chunk by chunk.

    Answers: did the inputs or the model's scores drift (thresholds calibrated on the
    reference itself, false alarms controlled across features), is a pact criterion estimated
    to fail before labels arrive (CBPE / DLE), and does it fail on the labels that did arrive?

    Example: `modelpact monitor --pact pact.yaml --reference ref.parquet --analysis prod.parquet
    --labels labels.csv --chunk-period 1w --html monitor.html --json monitor.json`

    On a Dask cluster: `--engine dask --scheduler tcp://HOST:8786` profiles the chunks on the
    workers (needs `pip install 'modelpact[dask]'`).

    On captured data (from cron, say): `modelpact monitor --store URL --project churn
    --model gbm`; the result and its alerts are stored like the service's scheduled runs.

    Exit codes: 0 no alert, 1 alert, 2 usage or input error.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from modelpact.monitor.monitor import build_reference_profile
    from modelpact.monitor.monitor import monitor as run_monitor
    from modelpact.monitor.profile import ReferenceProfile
    from modelpact.pact import load_pact
    from modelpact.report.monitor import monitor_html, print_monitor
    from modelpact.report.monitor_markdown import monitor_markdown

    if analysis is None:
        if project is None or model is None:
            raise ConfigurationError(
                "give --analysis FILE, or --project and --model to monitor captured data")
        _monitor_captured(store, project, model, html=html, json_out=json_out)
        return
    if register and model is None:
        raise ConfigurationError("--register needs --model NAME (and --project, or the pact's "
                                 "name is used)")
    if sum(v is not None for v in (chunk_size, chunk_period, chunks)) > 1:
        raise ConfigurationError("give at most one of --chunk-size, --chunk-period, --chunks")
    if (reference is None) == (reference_profile is None):
        raise ConfigurationError("give exactly one of --reference and --reference-profile")
    if save_reference_profile and reference is None:
        raise ConfigurationError("--save-reference-profile needs --reference (the raw rows)")
    if engine not in ("local", "dask"):
        raise ConfigurationError(f"--engine must be 'local' or 'dask', got {engine!r}")
    if scheduler is not None and engine != "dask":
        raise ConfigurationError("--scheduler needs --engine dask")
    check_outputs(html, json_out, markdown, save_reference_profile)
    if register:
        from modelpact.cli._ledger import check_registration
        from modelpact.ledger.names import check_name

        assert model is not None
        check_name(model, what="model")
        check_registration(pact_path=pact, project=project, store=store)
    the_pact = load_pact(pact)
    tracking = mlflow_target(mlflow, mlflow_run_id)
    client = None
    run_engine = None
    if engine == "dask":
        from modelpact.engines.dask import DaskEngine, connect

        client = connect(scheduler) if scheduler is not None else None
        run_engine = DaskEngine(client)
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
        try:
            result = run_monitor(
                the_pact, ref_input, analysis, labels=labels, chunk_size=chunk_size,
                chunk_period=chunk_period, chunks=chunks, seed=seed,
                multivariate=False if no_multivariate else None,
                progress=lambda label: progress.update(task, description=label),
                engine=run_engine)
        finally:
            if client is not None:
                client.close()
        progress.update(task, description="writing reports")
        data = result.to_dict()
        if save_reference_profile:
            assert reference is not None
            build_reference_profile(the_pact, reference).save(save_reference_profile)
        written = write_outputs([
            ("HTML report", html, lambda: monitor_html(data)),
            ("JSON", json_out, lambda: dumps(data)),
            ("Markdown", markdown, lambda: monitor_markdown(data)),
        ])
    if register:
        assert model is not None
        _register(store, project or the_pact.name, model, the_pact, data)
    print_monitor(data, out_console())
    if save_reference_profile:
        written.append(("reference profile", save_reference_profile))
    announce(written)
    publish(result, markdown=lambda: monitor_markdown(data), mlflow=tracking, pact=pact)
    raise typer.Exit(result.exit_code)


def _monitor_captured(store: str | None, project: str, model: str, *, html: Path | None,
                      json_out: Path | None) -> None:
    from modelpact.ledger import open_configured_store
    from modelpact.monitor.captured import CapturedAnalysis
    from modelpact.report.monitor import monitor_html, print_monitor

    with open_configured_store(store) as ledger:
        outcome = CapturedAnalysis(ledger).analyse(project, model, source="cli", force=True)
    if outcome.document is None:
        raise ConfigurationError(f"{project}/{model}: {outcome.reason}")
    data = outcome.document
    written = write_outputs([
        ("HTML report", html, lambda: monitor_html(data)),
        ("JSON", json_out, lambda: dumps(data)),
    ])
    print_monitor(data, out_console())
    err_console().print(f"stored the result and {len(outcome.new_alerts)} new alerts of "
                        f"{project}/{model}")
    announce(written)
    raise typer.Exit(1 if outcome.n_alerts else 0)


def _register(store: str | None, project: str, model: str, pact: Pact,
              data: dict[str, object]) -> None:
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.capture import CaptureStore
    from modelpact.ledger.monitoring import MonitoringStore

    alerts = data.get("alerts")
    assert isinstance(alerts, list)
    with open_configured_store(store, create=True) as ledger:
        ledger.ensure_project(project, pact)
        captured = CaptureStore(ledger).ensure_model(project, model)
        monitoring = MonitoringStore(ledger)
        result_id = monitoring.record_result(captured, data, source="file")
        new = monitoring.raise_alerts(captured, result_id, alerts)
        where = ledger.display_url
    err_console().print(f"registered the {data.get('status')} monitoring result of "
                        f"{project}/{model} ({len(new)} new alerts) in {where}")
