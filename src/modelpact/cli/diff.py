"""``modelpact diff``: what changed in behaviour between two versions, where, and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from modelpact.cli._common import EXIT_OK, announce, err_console, out_console, write_outputs
from modelpact.cli._integrations import publish
from modelpact.cli.app import app
from modelpact.errors import ConfigurationError
from modelpact.report.json import dumps

__all__: list[str] = []


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


@app.command("diff")
def diff(
    a: str = typer.Argument(
        ...,
        help="Version A: a model file (.joblib/.pkl/.skops), a prediction file, or "
        "model:<project:version> / run:<id> from the ledger.",
    ),
    b: str = typer.Argument(..., help="Version B, in the same forms as A."),
    data: Path = typer.Option(
        ..., "--data", "-d", help="Rows to compare on (CSV/Parquet): features, and labels if any."
    ),
    target: str | None = typer.Option(
        None, "--target", "-t", help="Label column: adds per-slice metric changes."
    ),
    id: str | None = typer.Option(
        None, "--id", help="Id column pairing prediction files with the data."
    ),
    score: str | None = typer.Option(
        None, "--score", "-s", help="Score column of prediction files."
    ),
    prediction: str | None = typer.Option(
        None, "--prediction", help="Prediction column of prediction files."
    ),
    slices: str | None = typer.Option(
        None, "--slices", help="Comma-separated columns to report metric changes by."
    ),
    features: str | None = typer.Option(
        None, "--features", help="Comma-separated columns the rules may use (default: all inputs)."
    ),
    task: str | None = typer.Option(None, "--task", help="binary, multiclass or regression."),
    positive_class: str | None = typer.Option(
        None, "--positive-class", help="Target value that is positive (binary)."
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Score threshold (binary; default the pact's, else 0.5)."
    ),
    metric: list[str] = typer.Option(
        [], "--metric", "-m", help="Metric for slice changes (repeatable); default accuracy/mae."
    ),
    tolerance: float | None = typer.Option(
        None, "--tolerance", help="Regression: |B - A| above this counts as a change."
    ),
    train_a: Path | None = typer.Option(
        None, "--train-a", help="Training data of A: adds the training data diff."
    ),
    train_b: Path | None = typer.Option(None, "--train-b", help="Training data of B."),
    trust: list[str] = typer.Option(
        [], "--trust", help="Type to trust when loading a .skops file (repeatable)."
    ),
    trust_pickle: bool = typer.Option(
        False,
        "--trust-pickle",
        help="Load model:<ref> versions stored as pickles (they run code when loaded).",
    ),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence of the intervals."),
    max_depth: int = typer.Option(3, "--max-depth", help="Depth of the rule tree."),
    min_leaf_share: float = typer.Option(
        0.02, "--min-leaf-share", help="Smallest rule, as a share of the rows."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed; same seed, same result."),
    resamples: int = typer.Option(2000, "--resamples", help="Bootstrap resamples where used."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Path | None = typer.Option(None, "--json", help="Write modelpact.diff/v1 JSON here."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Write a Markdown summary here."),
    pact: Path | None = typer.Option(
        None,
        "--pact",
        "-p",
        help="Pact file: target, id, score/prediction columns, slices and threshold come from it.",
    ),
    store: str | None = typer.Option(
        None, "--store", help="Ledger URL for model:/run: references (default: .modelpact/)."
    ),
    register: bool = typer.Option(
        False, "--register", help="Store the diff (its JSON document) in the ledger."
    ),
    project: str | None = typer.Option(
        None, "--project", help="Ledger project for --register (default: the pact's name)."
    ),
) -> None:
    """Show how two versions of a model behave differently on the same rows, and where.

    Prints the share of predictions that changed (with its interval), the flip table, metric
    changes per slice with paired intervals (when labels exist), rules describing where
    predictions changed, and, given both training sets (`--train-a/--train-b`, or ledger
    versions whose training data was logged), the training data diff behind it.

    Model files are loaded only because you name them: joblib files run code when loaded,
    so diff only files you trust. Versions from the ledger are checked against the hash
    recorded when they were registered, and pickles among them load only with
    `--trust-pickle` (scikit-learn models are stored in skops format and need no trust).

    Example: `modelpact diff v1.joblib v2.joblib --data eval.csv --target y --slices sex,race`

    With `--register` the diff is stored in the ledger under `--project` (or the pact's
    name), where the dashboard shows it; nothing is written if it cannot be stored.

    Exit codes: 0 diffed, 2 usage or input error.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from modelpact.evaluate.diff import diff as run_diff
    from modelpact.ledger.refs import LedgerRefs
    from modelpact.report.diff import diff_html, diff_markdown, diff_panel

    if resamples < 200:
        raise ConfigurationError(f"--resamples {resamples} is too few; use 1000 or more")
    if register:
        from modelpact.cli._ledger import check_registration

        check_registration(pact_path=pact, project=project, store=store)
    slice_columns = _split(slices)
    if (train_a is None) != (train_b is None):
        raise ConfigurationError(
            "the training data diff needs both training sets: pass --train-a and --train-b"
        )
    from modelpact.cli._ledger import pickle_trusted

    refs = LedgerRefs(store, trust_pickle=pickle_trusted(trust_pickle), trusted=trust or None)
    names = (_name(a), _name(b))
    if names[0] == names[1]:
        names = ("A", "B")
    trains: list[Any] = [train_a, train_b]
    try:
        versions: list[Any] = []
        for i, ref in enumerate((a, b)):
            if not refs.is_ref(ref):
                versions.append(ref)
                continue
            if ref.startswith("model:"):
                versions.append(refs.model(ref))
            else:
                versions.append(refs.predictions(ref)[0])
            if trains[i] is None:
                trains[i] = refs.training_frame(ref)
    finally:
        refs.close()
    if (trains[0] is None) != (trains[1] is None):
        err_console().print(
            "note: training data is known for only one version; no training data diff",
            style="yellow",
        )
        trains = [None, None]
    console = err_console()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        progress.add_task("diffing behaviour", total=None)
        result = run_diff(
            versions[0],
            versions[1],
            data,
            target=target,
            id=id,
            score=score,
            prediction=prediction,
            slices=slice_columns,
            features=_split(features) or None,
            task=task,
            positive_class=positive_class,
            threshold=threshold,
            metrics=metric or None,
            tolerance=tolerance,
            train_a=trains[0],
            train_b=trains[1],
            names=names,
            trusted=trust or None,
            pact=pact,
            confidence=confidence,
            max_depth=max_depth,
            min_leaf_share=min_leaf_share,
            n_resamples=resamples,
            seed=seed,
        )
        written = write_outputs([
            ("HTML report", html, lambda: diff_html(result)),
            ("JSON", json_out, lambda: dumps(result.to_dict())),
            ("Markdown", markdown, lambda: diff_markdown(result)),
        ])
    out_console().print(diff_panel(result))
    if register:  # a refused registration discards the reports written above
        from modelpact.cli._ledger import register_analysis

        register_analysis(result, title=f"diff: {result.a} → {result.b}",
                          pact_path=pact, project=project, store=store)
    announce(written)
    publish(result, markdown=lambda: diff_markdown(result))
    raise typer.Exit(EXIT_OK)


def _name(value: str) -> str:
    from modelpact.ledger.refs import is_ledger_ref

    if is_ledger_ref(value):
        return value.partition(":")[2]
    return Path(value).stem
