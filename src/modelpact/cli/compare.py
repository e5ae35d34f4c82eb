"""``modelpact compare``: is B really better than A, or is the difference noise?"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from modelpact.cli._common import EXIT_OK, announce, err_console, out_console, write_outputs
from modelpact.cli._integrations import MLFLOW_OPTION, MLFLOW_RUN_OPTION, mlflow_target, publish
from modelpact.cli.app import app
from modelpact.errors import ConfigurationError
from modelpact.report.json import dumps

__all__ = ["parse_named"]


def parse_named(items: list[str]) -> dict[str, str]:
    """``NAME=PATH`` or ``PATH`` (named after the file stem) -> ``{name: path-or-ref}``.

    Ledger references (``run:<id>``, ``model:<ref>``) are kept as given and named after the
    reference.
    """
    from modelpact.ledger.refs import LEDGER_PREFIXES

    named: dict[str, str] = {}
    for item in items:
        name, sep, rest = item.partition("=")
        if sep and name and not name.startswith(LEDGER_PREFIXES) and "/" not in name:
            value = rest
        else:
            value = item
            name = item if item.startswith(LEDGER_PREFIXES) else Path(item).stem
            if item.startswith("runs:/"):  # MLflow artifact: named by its run, not its file
                name = item.removeprefix("runs:/").split("/", 1)[0][:8]
        if not value:
            raise ConfigurationError(f"'{item}' names no file; use NAME=PATH or PATH")
        if name in named:
            raise ConfigurationError(
                f"two inputs are both named '{name}' ({named[name]} and {value}); name them "
                "apart with NAME=PATH, e.g. a={value}"
            )
        named[name] = value
    return named


def _progress_callback(progress: Progress) -> Callable[[int, int, str], None]:
    task = progress.add_task("comparing", total=None)

    def update(done: int, total: int, label: str) -> None:
        progress.update(task, completed=done, total=total, description=label)

    return update


@app.command("compare")
def compare(
    predictions: list[str] = typer.Argument(
        ...,
        help="Prediction files (CSV/Parquet) of the models, NAME=PATH to name one, ledger "
        "references run:<id> / model:<project:version>, or MLflow run artifacts "
        "runs:/<run_id>/<path>.",
    ),
    target: str | None = typer.Option(None, "--target", "-t", help="Target column."),
    score: str | None = typer.Option(
        None, "--score", "-s", help="Score column: P(positive) for binary tasks."
    ),
    prediction: str | None = typer.Option(
        None, "--prediction", help="Hard prediction column (labels, or regression values)."
    ),
    id: str | None = typer.Option(None, "--id", help="Id column that pairs rows across files."),
    pact: Path | None = typer.Option(
        None, "--pact", "-p", help="Pact file: columns, task and metrics come from it."
    ),
    metric: list[str] = typer.Option(
        [], "--metric", "-m", help="Metric to rank by (repeatable); default: the pact's."
    ),
    baseline: str = typer.Option(
        "auto",
        "--baseline",
        help="prior, majority, mean, median, persistence, none, column:NAME, one of the model names, or "
        "a prediction file. Default: the pact's baseline, else prior (mean for regression).",
    ),
    confidence: float | None = typer.Option(
        None, "--confidence", help="Confidence of intervals and tests (default 0.95 or the pact's)."
    ),
    task: str | None = typer.Option(None, "--task", help="binary, multiclass or regression."),
    positive_class: str | None = typer.Option(
        None, "--positive-class", help="Target value that is positive (binary)."
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Score threshold for label metrics (binary; default 0.5)."
    ),
    allow_partial: bool = typer.Option(
        False,
        "--allow-partial",
        help="Compare on the ids shared by every file instead of failing when some differ.",
    ),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed; same seed, same result."),
    resamples: int = typer.Option(2000, "--resamples", help="Bootstrap resamples where used."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write modelpact.compare/v1 JSON here."
    ),
    markdown: Path | None = typer.Option(None, "--markdown", help="Write a Markdown summary here."),
    store: str | None = typer.Option(
        None, "--store", help="Ledger URL for run:/model: references (default: .modelpact/)."
    ),
    register: bool = typer.Option(
        False, "--register", help="Store the comparison (its JSON document) in the ledger."
    ),
    project: str | None = typer.Option(
        None, "--project", help="Ledger project for --register (default: the pact's name)."
    ),
    mlflow: bool = MLFLOW_OPTION,
    mlflow_run_id: str | None = MLFLOW_RUN_OPTION,
) -> None:
    """Compare models scored on the same evaluation rows: a leaderboard with paired tests.

    Rows are paired by id (every id must be in every file, or pass `--allow-partial`).
    Each metric gets an interval per model, paired differences against the best model and
    the baseline (paired DeLong for ROC AUC, paired bootstrap or analytic paired intervals
    otherwise), Holm-adjusted p-values when more than two are compared, and the set of
    models statistically indistinguishable from the best (marked ≈).

    Example: `modelpact compare a.parquet b.parquet --target y --score p --id id`

    With `--register` the comparison is stored in the ledger under `--project` (or the
    pact's name), where the dashboard shows it; nothing is written if it cannot be stored.

    Exit codes: 0 compared, 2 usage or input error.
    """
    from modelpact.evaluate.compare import compare as run_compare
    from modelpact.ledger.refs import LedgerRefs
    from modelpact.pact import load_pact
    from modelpact.report.compare import compare_html, compare_markdown, compare_panel

    if resamples < 200:
        raise ConfigurationError(f"--resamples {resamples} is too few; use 1000 or more")
    if register:
        from modelpact.cli._ledger import check_registration

        check_registration(pact_path=pact, project=project, store=store)
    tracking = mlflow_target(mlflow, mlflow_run_id)
    named = parse_named(predictions)
    refs = LedgerRefs(store)
    try:
        inputs: dict[str, Any] = {}
        for name, value in named.items():
            inputs[name] = refs.predictions(value) if refs.is_ref(value) else value
        if id is None and pact is None and any(refs.is_ref(v) for v in named.values()):
            # runs logged without an id column pair by their stored row position
            from modelpact.tracking.run import ROW_COLUMN

            frames = [v[0] for v in inputs.values() if isinstance(v, tuple)]
            if frames and all(ROW_COLUMN in f.columns for f in frames):
                id = ROW_COLUMN
    finally:
        refs.close()
    loaded_pact = load_pact(pact) if pact is not None else None
    console = err_console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        result = run_compare(
            inputs,
            target=target,
            score=score,
            prediction=prediction,
            id=id,
            metrics=metric or None,
            task=task,
            positive_class=positive_class,
            threshold=threshold,
            baseline=baseline,
            confidence=confidence,
            n_resamples=resamples,
            seed=seed,
            allow_partial=allow_partial,
            pact=loaded_pact,
            progress=_progress_callback(progress),
        )
        written = write_outputs([
            ("HTML report", html, lambda: compare_html(result)),
            ("JSON", json_out, lambda: dumps(result.to_dict())),
            ("Markdown", markdown, lambda: compare_markdown(result)),
        ])
    out_console().print(compare_panel(result))
    if register:  # a refused registration discards the reports written above
        from modelpact.cli._ledger import register_analysis

        models = [m for m in result.models if m != result.baseline]
        register_analysis(result, title=f"compare: {', '.join(models)}",
                          pact_path=pact, project=project, store=store)
    announce(written)
    publish(result, markdown=lambda: compare_markdown(result), mlflow=tracking)
    raise typer.Exit(EXIT_OK)
