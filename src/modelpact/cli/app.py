"""The ``modelpact`` command line: one module per command group, composed here."""

from __future__ import annotations

import typer

from modelpact import __version__
from modelpact.cli._common import ModelpactGroup

app = typer.Typer(
    name="modelpact",
    cls=ModelpactGroup,
    help=(
        "Make 'done' for machine-learning work executable and statistical.\n\n"
        "Typical flow: `pact init` a pact from your data, `audit` the data, `plan` how many "
        "evaluation rows you need, `verify` a candidate against the pact, `compare` and `diff` "
        "versions, `serve` to capture production predictions and labels, `monitor` them against "
        "the pact, `retrain` when they drift. Exit codes: 0 signed off / go / no alert, "
        "1 failed / no-go / alert, 2 usage or input error, 3 inconclusive."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"modelpact {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """modelpact: acceptance criteria for ML, decided on confidence intervals."""


def _register() -> None:
    # Each command group lives in its own module; importing it registers it on `app`.
    from modelpact.cli import audit as _audit  # noqa: F401
    from modelpact.cli import capture as _capture  # noqa: F401
    from modelpact.cli import compare as _compare  # noqa: F401
    from modelpact.cli import diff as _diff  # noqa: F401
    from modelpact.cli import keys as _keys  # noqa: F401
    from modelpact.cli import models as _models  # noqa: F401
    from modelpact.cli import monitor as _monitor  # noqa: F401
    from modelpact.cli import pact as _pact  # noqa: F401
    from modelpact.cli import retrain as _retrain  # noqa: F401
    from modelpact.cli import runs as _runs  # noqa: F401
    from modelpact.cli import serve as _serve  # noqa: F401
    from modelpact.cli import status as _status  # noqa: F401
    from modelpact.cli import store as _store  # noqa: F401
    from modelpact.cli import verify as _verify  # noqa: F401


_register()


def main() -> None:
    """Console-script entry point."""
    app(prog_name="modelpact")
