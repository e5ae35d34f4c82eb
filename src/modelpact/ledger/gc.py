"""Cleaning the artifact directory of what a crashed writer left behind.

A writer that dies (SIGKILL, a full disk, a power cut) can leave two kinds of files: a
temporary file it was still writing (``.<name>...tmp``), and a complete artifact whose ledger
row was never committed (a model file is written before the transaction that records it, so
that no row ever points at a missing file). Neither is ever read; :func:`collect_garbage`
finds and removes them. Files younger than *min_age* are left alone: they may belong to a
write still in progress in another process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import create_engine, select
from sqlalchemy.exc import DBAPIError

from modelpact.errors import StoreError
from modelpact.ledger.config import display_url
from modelpact.ledger.schema import DatasetRow, ModelVersionRow, RunRow
from modelpact.ledger.store import Store

__all__ = ["Garbage", "collect_garbage", "referenced_artifacts"]


@dataclass(frozen=True)
class Garbage:
    """One file :func:`collect_garbage` found: where, how big, and why it is garbage."""

    path: str  # relative to the artifact root, POSIX
    size: int
    reason: Literal["temporary", "orphan"]


def referenced_artifacts(store: Store) -> set[str]:
    """Every artifact path a ledger row refers to (models, dataset rows, predictions)."""
    engine = create_engine(store.url)
    try:
        with engine.connect() as conn:
            found: set[str] = set()
            for column in (
                ModelVersionRow.artifact_path,
                DatasetRow.artifact_path,
                RunRow.predictions_path,
            ):
                found.update(p for p in conn.scalars(select(column)) if p)
            return found
    except DBAPIError as exc:
        raise StoreError(
            f"cannot read the ledger {display_url(store.url)} to find its artifacts: "
            f"{str(exc.orig or exc).strip().splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def collect_garbage(
    store: Store, *, min_age: timedelta = timedelta(hours=1), dry_run: bool = False
) -> list[Garbage]:
    """Find (and unless *dry_run*, remove) stale temporaries and unreferenced artifacts.

    Parameters
    ----------
    store : Store
        The ledger whose artifact directory is cleaned.
    min_age : timedelta
        Only files last modified longer ago than this are touched.
    dry_run : bool
        Report what would be removed, remove nothing.

    Returns
    -------
    list of Garbage
        What was (or would be) removed, sorted by path.
    """
    root = store.artifacts.root
    if not root.exists():
        return []
    referenced = referenced_artifacts(store)
    cutoff = time.time() - min_age.total_seconds()
    garbage: list[Garbage] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        stat = path.stat()
        if stat.st_mtime > cutoff:
            continue
        relative = path.relative_to(root).as_posix()
        if _is_temporary(path):
            garbage.append(Garbage(relative, stat.st_size, "temporary"))
        elif relative not in referenced:
            garbage.append(Garbage(relative, stat.st_size, "orphan"))
    if not dry_run:
        # a folder changed recently may be one a writer has just made for its file
        folders = {p: p.stat().st_mtime for p in root.rglob("*") if p.is_dir()}
        for item in garbage:
            (root / item.path).unlink(missing_ok=True)
        # directories a removed version or run lived in, now empty (deepest first)
        for folder in sorted(folders, key=lambda p: -len(p.parts)):
            if folders[folder] <= cutoff and not any(folder.iterdir()):
                folder.rmdir()
    return garbage
