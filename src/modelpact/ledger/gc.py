"""Cleaning up after crashed writers: runs left ``running``, and files left in the artifacts.

A process killed during a run leaves its row ``running``; :func:`mark_killed_runs` stores
``killed`` on those whose process is dead (see :mod:`modelpact.ledger.liveness`).

A writer that dies (SIGKILL, a full disk, a power cut) can leave two kinds of files: a
temporary file it was still writing (``.<name>...tmp``), and a complete artifact whose ledger
row was never committed (a model file is written before the transaction that records it, so
that no row ever points at a missing file). Neither is ever read; :func:`collect_garbage`
finds and removes them. Files younger than *min_age* are left alone: they may belong to a
write still in progress in another process.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Literal

from sqlalchemy import create_engine, select
from sqlalchemy.exc import DBAPIError

from modelpact.errors import StoreError
from modelpact.ledger import _convert as convert
from modelpact.ledger.config import display_url
from modelpact.ledger.liveness import effective_status, heartbeat_stale
from modelpact.ledger.remote_artifacts import FsspecArtifactStore
from modelpact.ledger.schema import DatasetRow, ModelVersionRow, RunRow
from modelpact.ledger.store import Store

__all__ = ["Garbage", "KilledRun", "collect_garbage", "mark_killed_runs", "referenced_artifacts"]


@dataclass(frozen=True)
class Garbage:
    """One file :func:`collect_garbage` found: where, how big, and why it is garbage."""

    path: str  # relative to the artifact root, POSIX
    size: int
    reason: Literal["temporary", "orphan"]


@dataclass(frozen=True)
class KilledRun:
    """A run still stored as ``running`` whose process is dead: what gc writes down."""

    id: str
    project: str
    started_at: datetime
    why: str  # how it was found dead

    @property
    def note(self) -> str:
        """The error stored with the run."""
        return f"killed: {self.why} (marked by 'modelpact store gc')"


def _why_dead(row: RunRow, at: datetime) -> str:
    if heartbeat_stale(row.heartbeat_at, now=at) and row.heartbeat_at is not None:
        return f"no heartbeat since {convert.aware(row.heartbeat_at).isoformat(timespec='seconds')}"
    return f"its process {row.owner_pid} on {row.owner_host} is gone"


def mark_killed_runs(store: Store, *, dry_run: bool = False) -> list[KilledRun]:
    """Store ``killed`` on every run still marked ``running`` whose process is dead.

    Readers already show such runs as killed (:mod:`modelpact.ledger.liveness`); writing it
    down gives them an end time and a note, and makes the decision final for every reader,
    whatever host or heartbeat setting it has. Each row is judged again inside the writing
    transaction, with the row locked, so a run that beat in the meantime is left alone.

    Returns
    -------
    list of KilledRun
        The runs marked (or, with *dry_run*, that would be), oldest first.
    """
    db = store.tracking.db
    context = db.reading() if dry_run else db.writing()
    with context as session:
        query = select(RunRow).where(RunRow.status == "running").order_by(RunRow.started_at)
        if not dry_run:
            query = query.with_for_update(of=RunRow)
        at = convert.now()
        killed: list[KilledRun] = []
        for row in session.scalars(query).all():
            if effective_status(
                row.status, row.owner_host, row.owner_pid, row.heartbeat_at, now=at
            ) != "killed":
                continue
            dead = KilledRun(row.id, row.project.name, convert.aware(row.started_at), _why_dead(row, at))
            killed.append(dead)
            if not dry_run:
                row.status = "killed"
                row.finished_at = at
                row.duration_s = (at - convert.aware(row.started_at)).total_seconds()
                row.error = dead.note
    return killed


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
    cutoff = time.time() - min_age.total_seconds()
    if isinstance(store.artifacts, FsspecArtifactStore):
        return _collect_remote(
            store, store.artifacts, cutoff=cutoff, any_age=min_age <= timedelta(0), dry_run=dry_run
        )
    root = Path(store.artifacts.root)
    if not root.exists():
        return []
    referenced = referenced_artifacts(store)
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


def _collect_remote(
    store: Store, artifacts: FsspecArtifactStore, *, cutoff: float, any_age: bool, dry_run: bool
) -> list[Garbage]:
    """:func:`collect_garbage` over an fsspec root (an object store has no folders to prune)."""
    files = artifacts.files()
    if not files:
        return []
    referenced = referenced_artifacts(store)
    garbage: list[Garbage] = []
    for item in files:
        # a file whose age the store cannot tell is left alone unless every age is wanted
        unknown = math.inf if not any_age else -math.inf
        if (item.modified if item.modified is not None else unknown) > cutoff:
            continue
        name = PurePosixPath(item.relative).name
        if name.startswith(".") and name.endswith(".tmp"):
            garbage.append(Garbage(item.relative, item.size, "temporary"))
        elif item.relative not in referenced:
            garbage.append(Garbage(item.relative, item.size, "orphan"))
    if not dry_run:
        for found in garbage:
            artifacts.remove(found.path)
    return garbage
