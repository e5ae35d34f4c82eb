"""Pairing prediction tables row by row, so that comparisons are made on the same rows.

A paired comparison is only honest if every model is scored on exactly the same rows with the
same labels. :func:`pair_tables` joins the tables on an id column (an inner join), and refuses
to drop anything silently: ids that do not match in every table, duplicate ids and labels that
disagree between tables are errors unless the caller explicitly allows a partial join.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.data import require_columns
from modelpact.errors import InvalidDataError, plain_repr

__all__ = ["PairedTables", "pair_tables"]


@dataclass(frozen=True)
class PairedTables:
    """Tables restricted to their shared rows and put in the same row order.

    Attributes
    ----------
    frames
        Each input's rows, aligned: row ``i`` of every frame is the same id.
    ids
        The shared ids in that order (``None`` when rows were paired by position).
    n_rows
        Number of paired rows.
    dropped
        For each input, how many of its rows were left out (only non-zero with
        ``allow_partial``).
    """

    frames: Mapping[str, pd.DataFrame]
    ids: NDArray[Any] | None
    n_rows: int
    dropped: Mapping[str, int]


def _example(values: NDArray[Any], limit: int = 3) -> str:
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def check_ids(frame: pd.DataFrame, id_column: str, source: str) -> None:
    """Raise :class:`InvalidDataError` if *id_column* has missing or duplicate values."""
    ids = frame[id_column]
    missing = int(ids.isna().sum())
    if missing:
        raise InvalidDataError(
            f"{source}: id column '{id_column}' has {missing:,} missing value(s); "
            "every row needs an id to be paired"
        )
    duplicated = ids.duplicated()
    if duplicated.any():
        dup = ids[duplicated].unique()
        raise InvalidDataError(
            f"{source}: id column '{id_column}' has {int(duplicated.sum()):,} duplicate id(s) "
            f"({_example(np.asarray(dup))}); ids must identify rows uniquely to pair them"
        )


def pair_tables(
    tables: Mapping[str, tuple[pd.DataFrame, str]],
    *,
    id: str | None,
    columns: Mapping[str, Sequence[str]],
    target: str | None = None,
    allow_partial: bool = False,
) -> PairedTables:
    """Align several tables on their id column (inner join), or by position without one.

    Parameters
    ----------
    tables
        ``name -> (frame, source)``; ``source`` names the table in messages (a file path).
    id
        The id column present in every table; ``None`` pairs rows by position and then
        requires the tables to have the same number of rows.
    columns
        ``name -> columns that table must hold`` (besides the id); checked before pairing.
    target
        A label column that must agree across every table on the paired rows, if given.
    allow_partial
        Keep only the ids present in every table instead of raising when some do not match.

    Raises
    ------
    ColumnNotFoundError
        A required column is missing from a table.
    InvalidDataError
        Duplicate or missing ids, ids that do not match (without ``allow_partial``), no shared
        ids at all, or labels that differ between tables for the same id.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"id": [1, 2, 3], "p": [0.1, 0.2, 0.3]})
    >>> b = pd.DataFrame({"id": [3, 1, 2], "p": [0.9, 0.7, 0.8]})
    >>> paired = pair_tables({"a": (a, "a.csv"), "b": (b, "b.csv")}, id="id",
    ...                      columns={"a": ["p"], "b": ["p"]})
    >>> paired.frames["b"]["p"].tolist()
    [0.7, 0.8, 0.9]
    """
    names = list(tables)
    if not names:
        raise InvalidDataError("nothing to pair: no prediction tables were given")
    for name in names:
        frame, source = tables[name]
        wanted = list(columns.get(name, ()))
        if id is not None:
            require_columns(frame, [id], source=source, role="id")
        require_columns(frame, wanted, source=source)
        if id is not None:
            check_ids(frame, id, source)

    if id is None:
        lengths = {name: len(tables[name][0]) for name in names}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{tables[n][1]} has {k:,}" for n, k in lengths.items())
            raise InvalidDataError(
                f"without an id column rows are paired by position, so every table needs the "
                f"same number of rows: {listed}; name the id column to pair by id"
            )
        frames = {n: tables[n][0].reset_index(drop=True) for n in names}
        result = PairedTables(frames, None, lengths[names[0]], dict.fromkeys(names, 0))
    else:
        result = _join_on_id(tables, names, id, allow_partial)

    if target is not None and len(names) > 1:
        _check_target_agrees(result, tables, names, target)
    return result


def _join_on_id(
    tables: Mapping[str, tuple[pd.DataFrame, str]],
    names: list[str],
    id: str,
    allow_partial: bool,
) -> PairedTables:
    first = tables[names[0]][0]
    first_ids = first[id].to_numpy()
    # Fast path: the common case of files written from the same evaluation set in the same order.
    if all(
        len(tables[n][0]) == len(first) and np.array_equal(tables[n][0][id].to_numpy(), first_ids)
        for n in names[1:]
    ):
        frames = {n: tables[n][0].reset_index(drop=True) for n in names}
        return PairedTables(frames, first_ids, len(first), dict.fromkeys(names, 0))

    indexes = {n: pd.Index(tables[n][0][id]) for n in names}
    in_all = np.ones(len(first), dtype=bool)
    for n in names[1:]:
        in_all &= indexes[n].get_indexer(first_ids) >= 0
    shared = first_ids[in_all]
    dropped = {n: len(tables[n][0]) - len(shared) for n in names}
    if len(shared) == 0:
        kinds = {str(tables[n][0][id].dtype) for n in names}
        hint = (
            f"; the id columns have different types ({', '.join(sorted(kinds))})"
            if len(kinds) > 1
            else ""
        )
        raise InvalidDataError(
            f"no id in column '{id}' is shared by all of "
            f"{', '.join(tables[n][1] for n in names)}{hint}; are these predictions for the "
            "same evaluation rows?"
        )
    if any(dropped.values()) and not allow_partial:
        details = []
        for n in names:
            if dropped[n]:
                unmatched = tables[n][0][id].to_numpy()[~indexes[n].isin(shared)]
                details.append(
                    f"{tables[n][1]}: {dropped[n]:,} of {len(tables[n][0]):,} id(s) not in "
                    f"every other file (e.g. {_example(unmatched)})"
                )
        raise InvalidDataError(
            f"ids in column '{id}' do not match: {len(shared):,} id(s) are in every file; "
            + "; ".join(details)
            + f". Compare on the same evaluation rows, or allow a partial join to use only "
            f"the {len(shared):,} shared rows"
        )
    frames = {}
    for n in names:
        positions = indexes[n].get_indexer(shared)
        frames[n] = tables[n][0].iloc[positions].reset_index(drop=True)
    return PairedTables(frames, shared, len(shared), dropped)


def _check_target_agrees(
    paired: PairedTables,
    tables: Mapping[str, tuple[pd.DataFrame, str]],
    names: list[str],
    target: str,
) -> None:
    reference = paired.frames[names[0]][target]
    for n in names[1:]:
        other = paired.frames[n][target]
        same = (reference.to_numpy() == other.to_numpy()) | (reference.isna() & other.isna())
        if not np.all(same):
            bad = np.flatnonzero(~np.asarray(same))
            where = f"id {plain_repr(paired.ids[bad[0]])}" if paired.ids is not None else f"row {bad[0] + 1}"
            raise InvalidDataError(
                f"target column '{target}' differs between {tables[names[0]][1]} and "
                f"{tables[n][1]} on {len(bad):,} of {paired.n_rows:,} paired rows (first at "
                f"{where}); paired comparisons need the same labels for the same rows"
            )
