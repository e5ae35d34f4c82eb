"""Putting user strings into Markdown without letting them become Markdown.

Pact names, file paths, column names, class labels and model names come from the user's
files. In a pull-request comment they must read as text: a backtick must not end a code
span, a ``|`` must not split a table cell, ``[x](url)`` and ``![](url)`` must not become a
link or an image, ``<tag>`` must not become HTML, and a newline must not start a heading.
"""

from __future__ import annotations

import re

__all__ = ["md_code", "md_text"]

# Characters that start Markdown structure inline; '_' only at a word boundary, where it
# can open emphasis ("roc_auc" stays readable in the source).
_SPECIAL = re.compile(r"([\\`*\[\]<|~#]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]+")


def md_text(value: object) -> str:
    r"""*value* as literal Markdown text: specials escaped, on one line.

    Examples
    --------
    >>> md_text("roc_auc >= 0.8")
    'roc_auc >= 0.8'
    >>> md_text("a|b ![x](http://e.vil)\n# <b>")
    'a\\|b !\\[x\\](http://e.vil) \\# \\<b>'
    """
    return _SPECIAL.sub(r"\\\1", _LINE_BREAK.sub(" ", str(value)))


def md_code(value: object, *, in_table: bool = False) -> str:
    """*value* as an inline code span that no backtick inside it can close.

    In a table cell a ``|`` is escaped too (GitHub reads ``\\|`` inside code in a table as
    a literal bar).

    Examples
    --------
    >>> md_code("churn")
    '`churn`'
    >>> md_code("a`b")
    '``a`b``'
    """
    text = _LINE_BREAK.sub(" ", str(value))
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
