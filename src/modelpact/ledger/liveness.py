"""Which runs still marked ``running`` were killed: their owner process is gone.

A run records the host and process id that started it. Whether it was killed is decided
when it is read, never written back: a reader must not change the ledger, and a run on
another host cannot be judged from here (it is shown as ``running``).
"""

from __future__ import annotations

import os
import socket

__all__ = ["effective_status", "owner", "owner_gone"]


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


def effective_status(status: str, host: str | None, pid: int | None) -> str:
    """*status* as stored, except a ``running`` run whose owner process is gone: ``killed``."""
    if status == "running" and owner_gone(host, pid):
        return "killed"
    return status
