"""Writing output files so that a failed command leaves nothing half-written.

Every file goes to a temporary name unique to the process (pid and a random part) beside its
target, then is renamed into place: readers see the old file or the whole new one, and any
number of processes may write the same target at once (the last rename wins).

Inside :func:`all_or_nothing` (the command line wraps every command in it) renames wait until
the block succeeds: a command that writes a report and then fails to register it leaves
neither. Outside it, :func:`atomic_write` renames at once.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

from modelpact.errors import ConfigurationError

__all__ = [
    "all_or_nothing",
    "atomic_write",
    "atomic_write_text",
    "check_output_path",
    "check_output_paths",
    "directory_problem",
    "unique_temporary",
]


class _Batch:
    """Temporary files written so far and the targets they will be renamed to."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []
        self.created_dirs: list[Path] = []

    def discard(self) -> None:
        for tmp, _ in self.pending:
            tmp.unlink(missing_ok=True)
        self.pending.clear()
        for folder in reversed(self.created_dirs):  # deepest first; only if still empty
            with suppress(OSError):
                folder.rmdir()
        self.created_dirs.clear()

    def commit(self) -> None:
        try:
            while self.pending:
                tmp, target = self.pending[0]
                os.replace(tmp, target)
                self.pending.pop(0)
        finally:
            self.discard()  # only what could not be renamed is left to remove


# The batch of the command running in this context (thread, task); None outside one.
_BATCH: ContextVar[_Batch | None] = ContextVar("modelpact_output_batch", default=None)


@contextmanager
def all_or_nothing() -> Iterator[Callable[[], None]]:
    """Defer the renames of every :func:`atomic_write` in the block until it succeeds.

    Yields a function that commits the writes made so far (for a block that ends in an
    exception meant as a normal outcome, such as an exit code). An exception that leaves
    the block removes every temporary file and every directory the writes created.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = pathlib.Path(tmp) / "a.txt"
    ...     try:
    ...         with all_or_nothing():
    ...             _ = atomic_write_text(out, "hello")
    ...             raise RuntimeError("the command failed after writing")
    ...     except RuntimeError:
    ...         pass
    ...     sorted(p.name for p in pathlib.Path(tmp).iterdir())
    []
    """
    batch = _Batch()
    token = _BATCH.set(batch)
    try:
        yield batch.commit
    except BaseException:
        batch.discard()
        raise
    else:
        batch.commit()
    finally:
        _BATCH.reset(token)


def _target(path: str | Path) -> Path:
    target = Path(path)
    # writing through a symlink replaces the file it points to, not the link itself
    return target.resolve() if target.is_symlink() else target


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def check_output_path(path: str | Path) -> Path:
    """Raise :class:`~modelpact.errors.ConfigurationError` unless *path* can be written.

    Decides without leaving anything behind: *path* must not be a directory or a special
    file, and its directory (or the nearest existing one, when directories are to be
    created) must take a new file, which is tried with a probe file that is removed at once.
    Returns the path a write will replace.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_path(pathlib.Path(tmp))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    modelpact.errors.ConfigurationError: ... is a directory; name a file to write, e.g. .../report.html
    """
    given = Path(path)
    target = _target(given)
    if target.is_dir():
        raise ConfigurationError(
            f"{given}: is a directory; name a file to write, e.g. {given / 'report.html'}"
        )
    if target.exists() and not target.is_file():
        raise ConfigurationError(f"{given}: is not a regular file; name a file to write")
    problem = directory_problem(target.parent)
    if problem is not None:
        raise ConfigurationError(f"{given}: cannot be written: {problem}")
    return target


def directory_problem(folder: Path) -> str | None:
    """Why a new file cannot be created in *folder* (made first if missing), or None.

    Tried with a probe file, removed at once: permissions alone do not tell (a read-only
    or immutable filesystem, an administrator's account).
    """
    wanted = folder
    while not folder.exists():
        if folder.is_symlink():  # a dangling link: nothing can be created through it
            return f"{folder} is a broken link"
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a directory"
    try:
        fd, probe = _open_unique(folder, ".modelpact-probe")
    except OSError as exc:
        if folder == wanted:
            return f"{_reason(exc)} in {folder}"
        return f"{wanted} cannot be created ({_reason(exc)})"
    os.close(fd)
    probe.unlink(missing_ok=True)
    return None


def check_output_paths(paths: Iterable[str | Path | None]) -> None:
    """:func:`check_output_path` on each given path; two outputs may not share one file."""
    seen: dict[Path, Path] = {}
    for path in paths:
        if path is None:
            continue
        target = check_output_path(path).resolve()
        if target in seen:
            raise ConfigurationError(
                f"{seen[target]} and {path} are the same file; give each output its own name"
            )
        seen[target] = Path(path)


def _open_unique(folder: Path, stem: str) -> tuple[int, Path]:
    """Create a new file in *folder* named for this process; 0666 less the umask."""
    for _ in range(100):
        candidate = folder / f"{stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def unique_temporary(folder: Path, stem: str) -> Path:
    """Create an empty file in *folder* whose name is unique to this process and call.

    Its mode is 0666 less the umask, like any file the user creates (``mkstemp`` would
    make it 0600, unreadable to the team sharing a directory). The name ends in ``.tmp``
    and holds the process id, so stale ones can be recognised.
    """
    fd, path = _open_unique(folder, stem)
    os.close(fd)
    return path


def _make_parents(folder: Path, batch: _Batch | None) -> None:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(exist_ok=True)
        if batch is not None:
            batch.created_dirs.append(created)


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside *path*, then rename it into place.

    The rename is atomic on one filesystem: readers see the old file or the whole new one.
    On any error the temporary file is removed and *path* is untouched; an ``OSError``
    (a full disk, a read-only directory) becomes a
    :class:`~modelpact.errors.ConfigurationError` naming *path*. Inside
    :func:`all_or_nothing` the rename waits for the block to succeed.
    """
    given = Path(path)
    target = _target(given)
    batch = _BATCH.get()
    if target.is_dir():
        check_output_path(given)  # raises, naming the directory
    tmp: Path | None = None
    try:
        _make_parents(target.parent, batch)
        fd, tmp = _open_unique(target.parent, f".{target.name}")
        os.close(fd)
        write(tmp)
        if batch is None:
            os.replace(tmp, target)
        else:
            batch.pending.append((tmp, target))
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise ConfigurationError(f"{given}: cannot be written: {_reason(exc)}") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return given


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
