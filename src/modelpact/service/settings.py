"""The service's settings, resolved once at the edge (command line, environment) and passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

__all__ = ["ServiceSettings", "Webhook"]


@dataclass(frozen=True)
class Webhook:
    """Where alerts go: a URL, the secret their HMAC signature uses, and the payload format."""

    url: str
    secret: str
    format: Literal["json", "slack"] = "json"

    def __repr__(self) -> str:  # never print the secret
        return f"Webhook(url={self.url!r}, format={self.format!r})"


@dataclass(frozen=True)
class ServiceSettings:
    """How ``modelpact serve`` runs.

    Parameters
    ----------
    store_url
        The ledger's SQLAlchemy URL; None means SQLite under *root*.
    root
        The ledger directory for the default SQLite database.
    max_body_bytes
        Larger request bodies are refused with 413.
    schedule
        Run the scheduled analysis and alert delivery (on one process per store at a time).
    analysis_interval
        How often the scheduler looks for newly completed chunks.
    webhooks
        Where alerts are delivered.
    reminder_after
        An alert still raised after this long without a notification is sent again; None:
        each project's pact decides (``monitoring.remind_after``, else 24 hours).
    lease_ttl
        How long the scheduler's lease lasts without renewal.
    delivery_attempts
        Tries per notification before it is marked failed.
    delivery_backoff
        Pause after the first failed try; it doubles with every further one.
    key_cache_ttl
        How long a process reuses an API key's lookup: a revoked key is refused by every
        process within this time.
    secrets
        Where the signing secrets of webhooks named in pacts (``secret_env``) are looked up:
        the environment, captured once at the edge.
    session_secret
        Signs the dashboard's session cookies; every process behind one load balancer needs
        the same. None: a random one per process (sessions end when it restarts).
    """

    store_url: str | None = None
    root: Path = Path(".modelpact")
    max_body_bytes: int = 16 * 2**20
    schedule: bool = True
    analysis_interval: timedelta = timedelta(seconds=60)
    webhooks: tuple[Webhook, ...] = field(default_factory=tuple)
    reminder_after: timedelta | None = None
    lease_ttl: timedelta = timedelta(seconds=30)
    delivery_attempts: int = 5
    delivery_backoff: timedelta = timedelta(seconds=5)
    key_cache_ttl: timedelta = timedelta(seconds=5)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    session_secret: str | None = field(default=None, repr=False)
