"""API keys: one project each, shown once when created, stored only as a SHA-256 hash.

A key is ``mp_<prefix>_<secret>`` with 32 random bytes of secret, so a plain SHA-256 is as
good as a slow password hash here (there is nothing to guess), and checking a request costs
one indexed lookup. The prefix is stored in clear to tell keys apart in ``keys list``.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from modelpact.ledger import open_store
>>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
...     keys = KeyStore(store)
...     info, secret = keys.create("churn", name="model server")
...     keys.authenticate(secret), keys.authenticate(secret + "x")
...     keys.revoke(info.prefix).revoked_at is not None, keys.authenticate(secret)
('churn', None)
(True, None)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Engine, Table, select

from modelpact.errors import NotFoundError
from modelpact.ledger._tx import reading, writing
from modelpact.ledger.capture_schema import ApiKeyRow
from modelpact.ledger.schema import ProjectRow
from modelpact.ledger.store import Store

__all__ = ["KEY_CACHE_SECONDS", "ApiKey", "KeyCache", "KeyStore", "hash_key"]

_KEYS = cast(Table, ApiKeyRow.__table__)
_PROJECT = cast(Table, ProjectRow.__table__)


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """What the ledger knows of a key (never the key itself)."""

    id: str
    project: str
    prefix: str
    name: str | None
    created_at: datetime
    revoked_at: datetime | None


def _aware_at(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class KeyStore:
    """Create, list, revoke and check API keys in the ledger of *store*."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def _engine(self) -> Engine:
        return self.store.engine

    def create(self, project: str, *, name: str | None = None) -> tuple[ApiKey, str]:
        """Create a key for *project* (creating the project if needed): ``(info, secret)``.

        The secret is returned once and cannot be recovered from the ledger.
        """
        project_id = self.store.ensure_project(project).id
        prefix = secrets.token_hex(4)
        secret = f"mp_{prefix}_{secrets.token_urlsafe(32)}"
        info = ApiKey(id=uuid.uuid4().hex, project=project, prefix=prefix, name=name,
                      created_at=datetime.now(UTC), revoked_at=None)
        with writing(self._engine) as conn:
            conn.execute(_KEYS.insert(), {
                "id": info.id, "project_id": project_id, "prefix": prefix,
                "key_hash": hash_key(secret), "name": name, "created_at": info.created_at,
                "revoked_at": None})
        return info, secret

    def list(self, project: str | None = None) -> list[ApiKey]:
        """Every key (of *project*), newest first."""
        query = select(_KEYS, _PROJECT.c.name.label("project_name")).join(
            _PROJECT, _PROJECT.c.id == _KEYS.c.project_id)
        if project is not None:
            query = query.where(_PROJECT.c.name == project)
        with reading(self._engine) as conn:
            rows = conn.execute(query.order_by(_KEYS.c.created_at.desc())).all()
        return [ApiKey(id=r.id, project=r.project_name, prefix=r.prefix, name=r.name,
                       created_at=_aware_at(r.created_at),
                       revoked_at=_aware(r.revoked_at)) for r in rows]

    def revoke(self, prefix: str) -> ApiKey:
        """Revoke the key whose prefix (or id) is *prefix*; revoking twice is harmless."""
        matches = [k for k in self.list() if prefix in (k.prefix, k.id)]
        if len(matches) != 1:
            raise NotFoundError(
                f"no API key with prefix '{prefix}' in store {self.store.display_url}; "
                "see 'modelpact keys list'"
            )
        key = matches[0]
        if key.revoked_at is not None:
            return key
        now = datetime.now(UTC)
        with writing(self._engine) as conn:
            conn.execute(_KEYS.update().where(_KEYS.c.id == key.id).values(revoked_at=now))
        return ApiKey(id=key.id, project=key.project, prefix=key.prefix, name=key.name,
                      created_at=key.created_at, revoked_at=now)

    def authenticate(self, secret: str) -> str | None:
        """The project of a valid, unrevoked key; None for anything else."""
        digest = hash_key(secret)
        with reading(self._engine) as conn:
            row = conn.execute(
                select(_KEYS.c.key_hash, _KEYS.c.revoked_at, _PROJECT.c.name)
                .join(_PROJECT, _PROJECT.c.id == _KEYS.c.project_id)
                .where(_KEYS.c.key_hash == digest)
            ).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        # the lookup matched on the hash already; compare_digest keeps the check explicit
        return str(row.name) if hmac.compare_digest(row.key_hash, digest) else None


#: How long a process trusts a key it has checked before looking it up again.
KEY_CACHE_SECONDS = 5.0


class KeyCache:
    """Valid keys' projects, remembered for *ttl* seconds by the hash of the key.

    Parameters
    ----------
    keys
        Where keys are looked up when not remembered (or remembered for too long).
    ttl
        Seconds a lookup is reused: the longest a revoked key keeps working in this process.
    max_entries
        Past this many remembered keys the memory starts afresh (bounded, whatever arrives).
    """

    def __init__(self, keys: KeyStore, ttl: float = KEY_CACHE_SECONDS,
                 max_entries: int = 10_000) -> None:
        self.keys = keys
        self.ttl = ttl
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, str]] = {}

    def cached(self, secret: str) -> str | None:
        """The project of *secret* if it was found valid less than ``ttl`` seconds ago."""
        hit = self._known.get(hash_key(secret))
        if hit is not None and time.monotonic() < hit[0]:
            return hit[1]
        return None

    def authenticate(self, secret: str) -> str | None:
        """The project of a valid, unrevoked key (looked up unless remembered); else None."""
        project = self.cached(secret)
        if project is not None:
            return project
        expires = time.monotonic() + self.ttl
        project = self.keys.authenticate(secret)
        if project is not None and self.ttl > 0:
            with self._lock:
                if len(self._known) >= self.max_entries:
                    self._known.clear()
                self._known[hash_key(secret)] = (expires, project)
        return project
