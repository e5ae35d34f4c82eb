"""Which runs still marked ``running`` were killed: their heartbeat stopped, or their process is gone.

A run records the host and process id that started it, and a live run started through
:func:`modelpact.start_run` refreshes ``heartbeat_at`` every :func:`heartbeat_interval`
seconds from a background thread. A run is read as ``killed`` when

- its heartbeat is stale (no beat for :data:`MISSED_BEATS` intervals): this works for a run
  started on another host, and for a run whose process id was reused by an unrelated process;
- or its owner process is gone from this host (the only rule for runs without a heartbeat:
  those written before heartbeats existed, or by short commands that do not beat).

Deciding is done on read; a reader never changes the ledger. ``modelpact store gc`` is the
one place that writes the decision down (see :func:`modelpact.ledger.gc.mark_killed_runs`).
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Mapping
from datetime import UTC, datetime

from modelpact.errors import ConfigurationError

__all__ = [
    "DEFAULT_HEARTBEAT_S",
    "HEARTBEAT_ENV_VAR",
    "MISSED_BEATS",
    "effective_status",
    "heartbeat_interval",
    "heartbeat_stale",
    "owner",
    "owner_gone",
]

HEARTBEAT_ENV_VAR = "MODELPACT_HEARTBEAT_S"
DEFAULT_HEARTBEAT_S = 30.0
# a beat can be late (a busy database, a paused process); three missed ones are not late
MISSED_BEATS = 3


def heartbeat_interval(environ: Mapping[str, str] | None = None) -> float:
    """Seconds between two heartbeats of a live run (``MODELPACT_HEARTBEAT_S``, default 30).

    Writers beat at this interval and readers call a run dead after :data:`MISSED_BEATS` of
    them, so everyone sharing a store should use the same value.

    Examples
    --------
    >>> heartbeat_interval({})
    30.0
    >>> heartbeat_interval({"MODELPACT_HEARTBEAT_S": "0.5"})
    0.5
    """
    env = os.environ if environ is None else environ
    raw = env.get(HEARTBEAT_ENV_VAR)
    if not raw:
        return DEFAULT_HEARTBEAT_S
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(
            f"{HEARTBEAT_ENV_VAR}={raw!r} is not a number of seconds above 0 (e.g. 30)"
        )
    return value


def owner() -> tuple[str, int]:
    """This process's host name and process id, recorded on the runs it starts."""
    return socket.gethostname(), os.getpid()


def owner_gone(host: str | None, pid: int | None) -> bool:
    """Whether the process *pid* on *host* no longer exists (False when unknowable)."""
    if host is None or pid is None or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


def heartbeat_stale(heartbeat_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Whether the last beat at *heartbeat_at* is more than :data:`MISSED_BEATS` intervals old.

    False for a run that never beat: it is judged by its owner process alone.

    Examples
    --------
    >>> from datetime import timedelta
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> heartbeat_stale(t, now=t + timedelta(seconds=60)), heartbeat_stale(None)
    (False, False)
    >>> heartbeat_stale(t, now=t + timedelta(seconds=91))
    True
    """
    if heartbeat_at is None:
        return False
    beat = heartbeat_at if heartbeat_at.tzinfo is not None else heartbeat_at.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - beat).total_seconds()
    return age > MISSED_BEATS * heartbeat_interval()


def effective_status(
    status: str,
    host: str | None,
    pid: int | None,
    heartbeat_at: datetime | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """*status* as stored, except a ``running`` run that is dead: ``killed``.

    Dead means a stale heartbeat (whatever host it ran on) or an owner process gone from
    this host.
    """
    if status == "running" and (
        heartbeat_stale(heartbeat_at, now=now) or owner_gone(host, pid)
    ):
        return "killed"
    return status
