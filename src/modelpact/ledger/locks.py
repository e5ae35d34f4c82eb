"""Leases in the ledger's database: one holder at a time, across processes and machines.

A lease is a row of the ``locks`` table naming its holder and when it expires. Taking it is
one conditional ``UPDATE`` (free, expired, or already ours), so it works the same on SQLite
and PostgreSQL and needs no election: whoever's update matched holds it. A holder renews
well before expiry; one that dies simply stops renewing and the lease passes on after
``ttl``. The service's scheduler uses it; so can any loop that must run once per store.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from modelpact.ledger import open_store
>>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
...     a, b = Lease(store, "scheduler", "a"), Lease(store, "scheduler", "b")
...     a.acquire(), b.acquire(), a.renew(), a.release(), b.acquire()
(True, False, True, None, True)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, or_

from modelpact.ledger._tx import insert_ignoring_duplicates, writing
from modelpact.ledger.capture_schema import LockRow
from modelpact.ledger.store import Store

__all__ = ["Lease"]

_LOCKS = cast(Table, LockRow.__table__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Lease:
    """A named lease held by *holder* for *ttl* at a time.

    Parameters
    ----------
    store : Store
        The ledger whose database holds the lease.
    name : str
        What the lease guards (``"scheduler"``).
    holder : str
        Who asks: unique per process (host, pid and a random part, say).
    ttl : timedelta
        How long the lease lasts without renewal.
    """

    def __init__(
        self, store: Store, name: str, holder: str, *, ttl: timedelta = timedelta(seconds=30)
    ) -> None:
        self.store = store
        self.name = name
        self.holder = holder
        self.ttl = ttl

    def acquire(self) -> bool:
        """Take the lease if it is free or expired (or renew it if held); True if held now."""
        now = datetime.now(UTC)
        with writing(self.store.engine) as conn:
            insert_ignoring_duplicates(
                conn, _LOCKS,
                [{"name": self.name, "holder": "", "acquired_at": now, "expires_at": _EPOCH}])
            taken = conn.execute(
                _LOCKS.update()
                .where(and_(_LOCKS.c.name == self.name,
                            or_(_LOCKS.c.holder == self.holder, _LOCKS.c.expires_at < now)))
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl)
            ).rowcount
        return bool(taken)

    def renew(self) -> bool:
        """Extend the lease if still ours; False if it expired and someone else took it."""
        now = datetime.now(UTC)
        with writing(self.store.engine) as conn:
            kept = conn.execute(
                _LOCKS.update()
                .where(_LOCKS.c.name == self.name, _LOCKS.c.holder == self.holder)
                .values(expires_at=now + self.ttl)
            ).rowcount
        return bool(kept)

    def release(self) -> None:
        """Give the lease up at once (if ours), so another process need not wait for expiry."""
        with writing(self.store.engine) as conn:
            conn.execute(
                _LOCKS.update()
                .where(_LOCKS.c.name == self.name, _LOCKS.c.holder == self.holder)
                .values(holder="", expires_at=_EPOCH)
            )
