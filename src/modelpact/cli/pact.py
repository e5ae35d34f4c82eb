"""``modelpact pact``: write a starter pact, print its schema, check a pact file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from modelpact._files import atomic_write_text
from modelpact.cli._common import EXIT_USAGE, check_outputs, err_console, out_console
from modelpact.cli.app import app
from modelpact.errors import ConfigurationError, PactError

pact_app = typer.Typer(
    help=(
        "Write, validate and document pact files.\n\n"
        "A pact is the YAML agreement on what 'done' means: metrics, thresholds, the baseline "
        "to beat, slices, and the confidence every criterion must be decided at."
    ),
    no_args_is_help=True,
)
app.add_typer(pact_app, name="pact")


@pact_app.command("init")
def init(
    data: Path = typer.Argument(..., help="A CSV or Parquet file with the target column."),
    target: str = typer.Option(..., "--target", "-t", help="The column the model predicts."),
    score: str | None = typer.Option(None, "--score", help="The column with the model's score."),
    name: str | None = typer.Option(None, "--name", help="Pact name (default: the file's stem)."),
    out: Path = typer.Option(Path("pact.yaml"), "--out", "-o", help="Where to write the pact."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a commented starter pact for DATA, guessing the task from the target.

    Example: `modelpact pact init eval.csv --target churned --score p_churn`
    """
    check_outputs(out)
    from modelpact.data import read_table, require_columns
    from modelpact.pact import starter_pact

    if out.exists() and not force:
        raise ConfigurationError(f"{out} exists; pass --force to overwrite it")
    frame = read_table(data)
    require_columns(frame, [target], source=str(data), role="target")
    if score:
        require_columns(frame, [score], source=str(data), role="score")
    text = starter_pact(frame, target=target, name=name or data.stem, score=score)
    atomic_write_text(out, text)
    err_console().print(
        f"wrote {out}: negotiate its thresholds with your stakeholders, then "
        f"`modelpact pact check {out}`"
    )


@pact_app.command("schema")
def schema() -> None:
    """Print the JSON Schema of pact files (for editors and CI validation)."""
    from modelpact.pact import pact_schema

    typer.echo(json.dumps(pact_schema(), indent=2))


@pact_app.command("check")
def check(
    paths: list[Path] = typer.Argument(
        ..., help="The pact file(s) to validate (pre-commit passes every changed one)."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="Also check that the columns the pact names exist in this file."
    ),
) -> None:
    """Validate pacts and report every problem with its line number.

    Exit code 0 when every pact is valid, 2 otherwise.
    """
    invalid = 0
    for path in paths:
        invalid += not _check_one(path, data)
    if invalid:
        raise typer.Exit(EXIT_USAGE)


def _check_one(path: Path, data: Path | None) -> bool:
    from modelpact.pact import check_pact

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PactError(f"{path}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise PactError(
            f"{path}:{line}: is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
            "save the pact as UTF-8"
        ) from None
    pact, problems = check_pact(text, source=str(path))
    console = err_console()
    if pact is None:
        for problem in problems:
            where = f"{path}:{problem.line}" if problem.line else str(path)
            field = f" {problem.location}:" if problem.location else ""
            typer.echo(f"{where}:{field} {problem.message}", err=True)
        console.print(f"[red]{len(problems)} problem(s)[/red] in {path}")
        return False
    if data is not None:
        from modelpact.data import read_table, require_columns
        from modelpact.evaluate.inputs import require_unique_ids

        frame = read_table(data)
        columns = pact.columns.roles() + list(pact.columns.slices)
        for criterion in pact.criteria:
            columns += list((criterion.slice or {}).keys())
        require_columns(frame, list(dict.fromkeys(columns)), source=str(data))
        require_unique_ids(pact, frame, source=str(data))
    out_console().print(
        f"[green]ok[/green] {path}: pact '{pact.name}' ({pact.task}), "
        f"{len(pact.criteria)} criteria at {pact.confidence:.0%} confidence"
    )
    return True


@pact_app.command("approve")
def approve(
    path: Path = typer.Argument(..., help="The pact file to pin to the project."),
    project: str = typer.Option(..., "--project", help="The ledger project whose pact changes."),
    reason: str = typer.Option(..., "--reason", help="Why the pact changes; recorded."),
    store: str | None = typer.Option(None, "--store", help="Ledger URL (default: configured)."),
) -> None:
    """Pin PATH as the project's pact: only verdicts against it count for promotion.

    A different pact arriving through `verify --register` or `start_run(pact=...)` is only
    recorded as a proposal; this is the one way to change the pinned pact, and who, when,
    why and the pact hashes are recorded (see `models show` and `status`).

    Example: `modelpact pact approve pact.yaml --project churn --reason "risk team sign-off"`
    """
    from modelpact.cli._ledger import check_ledger_writable
    from modelpact.ledger import open_configured_store
    from modelpact.ledger.names import check_name
    from modelpact.pact import load_pact

    check_name(project, what="project")
    if not reason.strip():
        raise ConfigurationError("--reason is empty: say why the pact changes")
    pact = load_pact(path)
    check_ledger_writable(store)
    with open_configured_store(store) as ledger:
        before = ledger.get_project(project).pact_hash
        after = ledger.approve_pact(project, pact, reason=reason)
    if before == after.pact_hash:
        err_console().print(f"{path} is already the pact pinned to project '{project}'")
    else:
        err_console().print(
            f"pinned {path} (hash {str(after.pact_hash)[:12]}) to project '{project}'; "
            "verdicts against the previous pact no longer count for promotion"
        )
