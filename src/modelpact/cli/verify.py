"""``modelpact verify`` and ``modelpact plan``: the sign-off gate and its sample-size plan."""

from __future__ import annotations

from pathlib import Path

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
from modelpact.errors import ConfigurationError
from modelpact.report.json import dumps

_PACT = typer.Option(Path("pact.yaml"), "--pact", "-p", help="The pact file.")


@app.command("verify")
def verify(
    data: Path = typer.Argument(
        ...,
        help="Evaluation rows (CSV or Parquet) with the target, or runs:/<run_id>/<path> in MLflow.",
    ),
    pact: Path = _PACT,
    model: Path | None = typer.Option(
        None,
        "--model",
        help="Predict with this model file (joblib or .skops) or MLflow model "
        "(models:/NAME/VERSION, models:/NAME@ALIAS) instead of reading score columns. "
        "Loading a model runs its code: name only models you trust.",
    ),
    baseline: str | None = typer.Option(
        None,
        "--baseline",
        help="Override the pact's baseline: prior, majority, mean, median, persistence[:KEY], column:NAME or model:FILE.",
    ),
    champion: str | None = typer.Option(
        None, "--champion", help="For vs_champion criteria: a model file or column:NAME."
    ),
    train: Path | None = typer.Option(
        None, "--train", help="Training data, to learn constant baselines (prior, mean...) from."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write modelpact.verdict/v1 JSON here."
    ),
    markdown: Path | None = typer.Option(None, "--markdown", help="Write a Markdown summary here."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed; same seed, same verdict."),
    resamples: int = typer.Option(2000, "--resamples", help="Bootstrap resamples where used."),
    register: bool = typer.Option(
        False, "--register", help="Store the verdict (and candidate model) in the ledger."
    ),
    project: str | None = typer.Option(
        None, "--project", help="Ledger project (default: the pact's name)."
    ),
    store: str | None = typer.Option(
        None, "--store", help="Ledger URL (default: .modelpact/ledger.db)."
    ),
    trust: list[str] = typer.Option(
        [], "--trust", help="Type to trust when loading a .skops model file (repeatable)."
    ),
    mlflow: bool = MLFLOW_OPTION,
    mlflow_run_id: str | None = MLFLOW_RUN_OPTION,
) -> None:
    """Decide whether a candidate meets the pact: each criterion pass, fail or inconclusive.

    Every criterion is decided on its confidence interval; comparisons with the baseline
    are paired on the same rows. When a criterion is inconclusive, the table says how many
    rows would settle it.

    Example: `modelpact verify eval.csv --pact pact.yaml --html report.html --json verdict.json`

    Exit codes: 0 signed off, 1 failed, 3 inconclusive, 2 usage or input error.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from modelpact.evaluate import verify as run_verify

    if resamples < 200:
        raise ConfigurationError(f"--resamples {resamples} is too few; use 1000 or more")
    check_outputs(html, json_out, markdown)
    if register and model is not None and str(model).startswith(("models:/", "runs:/")):
        raise ConfigurationError(
            f"--register stores model files in the ledger; {model} stays in MLflow's registry "
            "(use --mlflow to record the verdict there)"
        )
    if register:
        from modelpact.cli._ledger import check_registration, register_verdict

        check_registration(pact_path=pact, project=project, store=store, model=model)
    tracking = mlflow_target(mlflow, mlflow_run_id)
    console = err_console()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("reading data", total=None)
        result = run_verify(
            str(pact),
            data,
            model=str(model) if model else None,
            baseline=baseline,
            champion=champion,
            train=train,
            seed=seed,
            n_resamples=resamples,
            trusted=trust or None,
            progress=lambda label: progress.update(task, description=f"deciding {label}"),
        )
        progress.update(task, description="writing reports")
        from modelpact.report.verdict import verdict_html, verdict_markdown, verdict_panel

        written = write_outputs([
            ("HTML report", html, lambda: verdict_html(result)),
            ("JSON", json_out, lambda: dumps(result.to_dict())),
            ("Markdown", markdown, lambda: verdict_markdown(result)),
        ])
    out_console().print(verdict_panel(result))
    if register:  # a refused registration discards the reports written above
        register_verdict(result, pact_path=pact, project=project, store=store, model=model)
    publish(
        result,
        markdown=lambda: verdict_markdown(result),
        mlflow=tracking,
        pact=pact,
        model=str(model) if model else None,
    )
    announce(written)
    raise typer.Exit(result.exit_code)


def _parse_expect(values: list[str]) -> dict[str, float]:
    expected: dict[str, float] = {}
    for item in values:
        metric, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            expected[metric.strip()] = float(number)
        except ValueError:
            raise ConfigurationError(
                f"--expect '{item}' is not METRIC=VALUE (e.g. --expect roc_auc=0.85)"
            ) from None
    return expected


@app.command("plan")
def plan(
    pact: Path = _PACT,
    pilot: Path | None = typer.Option(
        None,
        "--pilot",
        help="A pilot evaluation file: its standard errors are scaled to other sizes.",
    ),
    expect: list[str] = typer.Option(
        [], "--expect", help="Expected metric value, METRIC=VALUE (repeatable)."
    ),
    prevalence: float | None = typer.Option(
        None, "--prevalence", help="Share of positive rows (binary), when there is no pilot."
    ),
    available: int | None = typer.Option(
        None, "--available", help="Rows you can get; criteria needing more are flagged."
    ),
    power: float = typer.Option(0.8, "--power", help="Chance of a conclusive verdict."),
    json_out: Path | None = typer.Option(None, "--json", help="Write modelpact.plan/v1 JSON here."),
    markdown: Path | None = typer.Option(None, "--markdown", help="Write a Markdown table here."),
) -> None:
    """How many evaluation rows does each criterion need for a conclusive verdict?

    Give expected metric values (`--expect roc_auc=0.85 --prevalence 0.1`) for analytic
    sizes, or a pilot evaluation file (`--pilot pilot.csv`) whose measured uncertainty is
    scaled. Example: `modelpact plan --pact pact.yaml --pilot pilot.csv --available 20000`

    Exit codes: 0 every criterion decidable (or no --available given), 1 some criterion needs
    more rows than available, 2 usage or input error.
    """
    from modelpact.evaluate import plan as make_plan
    from modelpact.report.verdict import plan_markdown, plan_table

    check_outputs(json_out, markdown)
    result = make_plan(
        str(pact),
        pilot=pilot,
        expected=_parse_expect(expect),
        prevalence=prevalence,
        available=available,
        power=power,
    )
    out_console().print(plan_table(result))
    if result.n_needed:
        out_console().print(
            f"Rows for every criterion to be decidable: [bold]{result.n_needed:,}[/bold]"
        )
    announce(write_outputs([
        ("JSON", json_out, lambda: dumps(result.to_dict())),
        ("Markdown", markdown, lambda: plan_markdown(result)),
    ]))
    raise typer.Exit(result.exit_code)
