"""What every command shares: the error boundary, consoles, and the exit-code convention."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from modelpact._files import atomic_write_text
from modelpact.errors import ModelpactError

if TYPE_CHECKING:  # recent Typer vendors Click; the group's context is its Context
    from typer import _click

__all__ = [
    "EXIT_FAIL",
    "EXIT_INCONCLUSIVE",
    "EXIT_OK",
    "EXIT_USAGE",
    "ModelpactGroup",
    "announce",
    "err_console",
    "out_console",
    "write_outputs",
]

# Exit codes of every command that decides (DESIGN.md): 0 ok, 1 failed/no-go/alert,
# 2 usage or input error, 3 inconclusive.
EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3


def out_console() -> Console:
    """The console for results (stdout); logs and pipes get room for a whole table row."""
    # soft_wrap: a message line (a long path, a URL) is never broken by Rich; tables still fit
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=True, width=max(console.width, 120))
    return console


def err_console() -> Console:
    """The console for progress and errors (stderr), so stdout stays pipeable."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def write_outputs(
    outputs: Iterable[tuple[str, Path | None, Callable[[], str]]],
) -> list[tuple[str, Path]]:
    """Render and atomically write each output the user asked for (path not None).

    Each item is ``(label, path, render)``; ``render`` runs only when the output is wanted.
    Returns ``(label, path)`` of what was written, for :func:`announce`.
    """
    written = []
    for label, path, render in outputs:
        if path is not None:
            atomic_write_text(path, render())
            written.append((label, path))
    return written


def announce(written: Iterable[tuple[str, Path]]) -> None:
    """Tell the user, on stderr, where each written output is."""
    console = err_console()
    for label, path in written:
        console.print(f"{label}: {path}")


class ModelpactGroup(TyperGroup):
    """The root command group: turns every :class:`ModelpactError` into one line and exit 2.

    Wrapping ``invoke`` here, rather than in ``main()``, means ``CliRunner`` tests see exactly
    what a user sees.
    """

    # --help lists commands in the order of a model's life, not of registration
    LIFECYCLE = (
        "pact",
        "audit",
        "labels",
        "plan",
        "verify",
        "runs",
        "compare",
        "diff",
        "models",
        "monitor",
        "retrain",
        "status",
        "store",
    )

    def list_commands(self, ctx: _click.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(self.LIFECYCLE)}
        return sorted(names, key=lambda name: (rank.get(name, len(rank)), name))

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ModelpactError as exc:
            typer.echo(f"error: {exc}", err=True)
            sys.stderr.flush()
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            ctx.exit(130)
