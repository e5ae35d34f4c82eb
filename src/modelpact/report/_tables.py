"""Terminal tables that keep what identifies a row whole, at any width.

Rich shares a narrow terminal among a table's columns by wrapping and, when that is not
enough, cutting cells with an ellipsis: ``model:tumour-sc…`` rows cannot be told apart, and a
number split over two lines misreads. Here every column holds its cells on one line and is
given the width of its widest one, except the columns named as free text, which wrap at word
boundaries and absorb the shortage.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from rich.table import Table
from rich.text import Text

__all__ = ["plain_width", "table_of"]

Justify = Literal["left", "center", "right"]


# a "word" longer than this (a path, a URL) may be folded rather than widen its column
_LONGEST_WORD = 24


def _plain(cell: str | Text) -> str:
    return (cell if isinstance(cell, Text) else Text.from_markup(cell)).plain


def plain_width(cell: str | Text) -> int:
    """Widest line of *cell* as displayed (Rich markup not counted).

    Examples
    --------
    >>> plain_width("[green]signed_off[/green]"), plain_width("a\\nlonger")
    (10, 6)
    """
    return max((len(line) for line in _plain(cell).split("\n")), default=0)


def table_of(
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Text]],
    *,
    title: str | None = None,
    wrap: Collection[str] = (),
    justify: Mapping[str, Justify] | None = None,
    header_style: str | None = None,
) -> Table:
    """A table whose columns never cut a cell, but for the free-text ones in *wrap*.

    Examples
    --------
    >>> from rich.console import Console
    >>> table = table_of(["model", "note"], [["model:tumour-screening:1", "a long note " * 4]],
    ...                  wrap={"note"})
    >>> console = Console(width=40, file=__import__("io").StringIO())
    >>> console.print(table)
    >>> "model:tumour-screening:1" in console.file.getvalue()
    True
    """
    justify = justify or {}
    table = Table(title=title, title_justify="left", header_style=header_style)
    for i, header in enumerate(headers):
        side = justify.get(header, "left")
        if header in wrap:
            # wide enough for its longest word: a wrapped cell breaks between words only
            words = [len(w) for r in rows for w in _plain(r[i]).split()]
            table.add_column(header, justify=side, overflow="fold", ratio=1,
                             min_width=min(max(words, default=1), _LONGEST_WORD))
            continue
        # a column that does not wrap does not wrap its header either: room for all of it
        widest = max([plain_width(r[i]) for r in rows] + [len(header)])
        table.add_column(header, justify=side, no_wrap=True, min_width=widest)
    for row in rows:
        table.add_row(*row)
    return table
