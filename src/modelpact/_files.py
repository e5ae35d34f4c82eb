"""Writing output files atomically, so a failed run leaves nothing half-written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_text"]


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside *path*, then rename it into place.

    The rename is atomic on one filesystem: readers see the old file or the whole new one.
    On any error the temporary file is removed and *path* is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        write(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = atomic_write_text(pathlib.Path(tmp) / "sub" / "a.txt", "hello")
    ...     out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('hello', ['a.txt'])
    """
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
