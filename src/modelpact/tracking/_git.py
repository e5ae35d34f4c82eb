"""The code version of a run: git commit and whether the working tree had changes."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["code_version"]


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git, or it hung
        return None
    return done.stdout if done.returncode == 0 else None


def code_version(cwd: Path | None = None) -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git checkout at *cwd*, or ``(None, None)`` outside one.

    ``dirty`` is True when tracked files differ from the commit: the run's code is then not
    exactly what the commit holds.
    """
    where = Path.cwd() if cwd is None else Path(cwd)
    head = _git(["rev-parse", "HEAD"], where)
    if head is None:
        return None, None
    status = _git(["status", "--porcelain", "--untracked-files=no"], where)
    return head.strip(), (bool(status.strip()) if status is not None else None)
