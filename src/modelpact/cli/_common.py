"""What every command shares: the error boundary, consoles, and the exit-code convention."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from modelpact._files import all_or_nothing, atomic_write_text, check_output_paths
from modelpact.errors import ModelpactError, PromotionRefused

if TYPE_CHECKING:  # recent Typer vendors Click; the group's context is its Context
    from typer import _click

__all__ = [
    "EXIT_FAIL",
    "EXIT_INCONCLUSIVE",
    "EXIT_OK",
    "EXIT_USAGE",
    "ModelpactGroup",
    "announce",
    "check_outputs",
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
    """The console for results (stdout): as wide as ``COLUMNS`` says, else the terminal; logs
    and pipes without ``COLUMNS`` get room for a whole table row."""
    # soft_wrap: a message line (a long path, a URL) is never broken by Rich; tables still fit
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
        console = Console(highlight=False, soft_wrap=True, width=max(console.width, 120))
    return console


def err_console() -> Console:
    """The console for progress and errors (stderr), so stdout stays pipeable."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def check_outputs(*paths: Path | None) -> None:
    """Fail now, before any work, if an output the user asked for cannot be written.

    Each given path (None: not asked for) must be a file name whose directory takes new
    files; no two may name the same file. Nothing is left behind by the check.
    """
    check_output_paths(paths)


def write_outputs(
    outputs: Iterable[tuple[str, Path | None, Callable[[], str]]],
) -> list[tuple[str, Path]]:
    """Render every output the user asked for (path not None), then write them all.

    Each item is ``(label, path, render)``; ``render`` runs only when the output is wanted.
    Every render runs before the first byte is written, so a failing render leaves no file,
    and the files are renamed into place only when the command succeeds (the command line
    runs each command inside :func:`modelpact._files.all_or_nothing`).
    Returns ``(label, path)`` of what was written, for :func:`announce`.
    """
    wanted = [(label, path, render) for label, path, render in outputs if path is not None]
    check_output_paths(path for _, path, _ in wanted)
    rendered = [(label, path, render()) for label, path, render in wanted]
    for _, path, text in rendered:
        atomic_write_text(path, text)
    return [(label, path) for label, path, _ in rendered]


def announce(written: Iterable[tuple[str, Path]]) -> None:
    """Tell the user, on stderr, where each written output is."""
    console = err_console()
    for label, path in written:
        console.print(f"{label}: {path}")


class ModelpactGroup(TyperGroup):
    """The root command group: turns every :class:`ModelpactError` into one line and exit 2.

    A :class:`PromotionRefused` exits 1 instead: the request was well formed and the
    registry's answer is no, like a failed verdict.

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
        "serve",
        "keys",
        "capture",
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
            with _notes_on_stderr(), all_or_nothing() as commit:
                try:
                    return super().invoke(ctx)
                except typer.Exit as exc:
                    # exit codes 1 and 3 are outcomes, not errors: their reports stand
                    if exc.exit_code != EXIT_USAGE:
                        commit()
                    raise
        except PromotionRefused as exc:
            typer.echo(f"error: {exc}", err=True)
            sys.stderr.flush()
            ctx.exit(EXIT_FAIL)
        except ModelpactError as exc:
            _fail(ctx, str(exc))
        except OSError as exc:
            # the filesystem refused something (a lock file, an artifact) nobody checked for
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(ctx, f"{where}{(exc.strerror or str(exc)).lower()}")
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            ctx.exit(130)


@contextmanager
def _notes_on_stderr() -> Iterator[None]:
    """Show what the package logs as a warning (e.g. which modelpact.toml chose the ledger)
    as ``note: ...`` lines on stderr, whatever logging the environment configured."""
    logger = logging.getLogger("modelpact")
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("note: %(message)s"))
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _fail(ctx: _click.Context, message: str) -> None:
    """One line on stderr and exit code 2: what every input or usage error looks like."""
    typer.echo(f"error: {message}", err=True)
    sys.stderr.flush()
    ctx.exit(EXIT_USAGE)
