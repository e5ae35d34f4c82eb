"""SQL expressions the ledger's queries share."""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.elements import ColumnElement

__all__ = ["prefix_of"]


def prefix_of(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column LIKE 'prefix%'`` with ``%``, ``_`` and the escape character in *prefix* escaped.

    A lookup by id prefix must match ids that start with what the user typed, never read
    ``%%%%`` as "any id".

    Examples
    --------
    >>> from sqlalchemy import column
    >>> print(prefix_of(column("id"), "4a%_"))
    id LIKE :id_1 || '%' ESCAPE '/'
    """
    expression: ColumnElement[bool] = column.startswith(prefix, autoescape=True)
    return expression
