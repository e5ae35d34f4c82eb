"""One retraining per project at a time: a lease in the ledger's ``locks`` table.

The lease (:class:`~modelpact.ledger.locks.Lease`) is a row naming its holder and when it
expires; it works the same on SQLite and PostgreSQL, from any machine that reaches the
database. A retraining renews it in a background thread while it runs (training can take far
longer than the lease lasts), and gives it up when it ends. A holder that dies stops renewing,
so its lease lapses after ``ttl``: a crash blocks the next retraining for at most that long,
never forever. The clocks of the machines that retrain must agree to well within ``ttl``.

Before it changes the registry the loop checks that the lease is still its own
(:meth:`HeldLease.check`): a holder cut off from the database for longer than ``ttl`` may have
been replaced, and must then stop rather than decide beside its successor.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from modelpact.errors import StoreError
from modelpact.ledger import Store
from modelpact.ledger.locks import Lease

__all__ = ["HeldLease", "RetrainingBusy", "lease_name", "retraining_lock"]

#: How long the lease lasts without renewal: the longest a crashed retraining blocks the next.
DEFAULT_TTL = timedelta(seconds=60)
#: A private in-memory ledger dies with its process: its lease can never be left behind.
_FOREVER = timedelta(days=36500)


class RetrainingBusy(StoreError):
    """Another retraining of the same project is running."""


def lease_name(project: str) -> str:
    """The name of *project*'s retraining lease in the ``locks`` table."""
    return f"retrain:{project}"


def _busy(project: str, store: Store) -> RetrainingBusy:
    return RetrainingBusy(
        f"another retraining of project '{project}' is running against {store.display_url}; "
        "wait for it to finish (one retraining per project at a time)"
    )


class HeldLease:
    """A retraining lease this process holds, renewed in the background until released."""

    def __init__(self, store: Store, project: str, lease: Lease, *, renew: bool) -> None:
        self.store = store
        self.project = project
        self.lease = lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if renew:
            self._thread = threading.Thread(
                target=self._renew, name=f"retrain-lease-{project}", daemon=True
            )
            self._thread.start()

    def _renew(self) -> None:
        pause = self.lease.ttl.total_seconds() / 4
        while not self._stop.wait(pause):
            try:
                if not self.lease.renew():
                    return  # taken over: check() says so to the loop
            except StoreError:
                continue  # the database may be back before the lease lapses

    def check(self) -> None:
        """Renew now; raise :class:`RetrainingBusy` if the lease is no longer ours."""
        if not self.lease.renew():
            raise RetrainingBusy(
                f"the retraining lease of project '{self.project}' on "
                f"{self.store.display_url} lapsed and was taken over; this retraining stops "
                "without deciding"
            )

    def release(self) -> None:
        """Stop renewing and give the lease up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.lease.release()


@contextmanager
def retraining_lock(
    store: Store, project: str, *, ttl: timedelta = DEFAULT_TTL
) -> Iterator[HeldLease]:
    """Hold the project's retraining lease for the block; raise at once if it is taken.

    Parameters
    ----------
    store
        The ledger whose ``locks`` table holds the lease.
    project
        One lease per project: other projects retrain independently.
    ttl
        How long the lease outlives a holder that stopped renewing (a crash).

    Raises
    ------
    RetrainingBusy
        When another live holder has the lease.
    """
    database = store.engine.url.database
    in_memory = store.engine.dialect.name == "sqlite" and database in (None, "", ":memory:")
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    lease = Lease(store, lease_name(project), holder, ttl=_FOREVER if in_memory else ttl)
    if not lease.acquire():
        raise _busy(project, store)
    # each thread gets its own in-memory database: renewal there would find no lease
    held = HeldLease(store, project, lease, renew=not in_memory)
    try:
        yield held
    finally:
        held.release()
