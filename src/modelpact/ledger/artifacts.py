"""The artifact store: a local directory for model files and Parquet tables.

Paths handed to the database are relative to the store's root, so a ledger directory can be
moved or mounted elsewhere. Every write goes to a temporary file first and is renamed into
place, so a crash never leaves a half-written artifact under its final name.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from modelpact.errors import StoreError

__all__ = ["ArtifactStore"]


class ArtifactStore:
    """A directory of artifacts addressed by relative POSIX paths.

    Parameters
    ----------
    root : Path
        The directory; created on first write.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, relative: str) -> Path:
        """The absolute path of *relative*, refusing paths that escape the root."""
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise StoreError(f"artifact path '{relative}' points outside {self.root}")
        return target

    def exists(self, relative: str) -> bool:
        """Whether *relative* exists."""
        return self.path(relative).exists()

    def _atomic_target(self, relative: str) -> tuple[Path, Path]:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        return target, Path(tmp)

    def write_parquet(self, relative: str, frame: pd.DataFrame) -> str:
        """Write *frame* as Parquet at *relative* atomically; return *relative*."""
        target, tmp = self._atomic_target(relative)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return relative

    def read_parquet(self, relative: str) -> pd.DataFrame:
        """Read the Parquet table at *relative*."""
        path = self.path(relative)
        if not path.exists():
            raise StoreError(
                f"artifact {path} is missing from the artifact store; was the directory "
                "moved or cleaned?"
            )
        return pd.read_parquet(path)

    def write_bytes(self, relative: str, data: bytes) -> str:
        """Write raw bytes at *relative* atomically; return *relative*."""
        target, tmp = self._atomic_target(relative)
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return relative

    def copy_in(self, relative: str, source: Path) -> str:
        """Copy the file *source* to *relative* atomically; return *relative*."""
        target, tmp = self._atomic_target(relative)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return relative

    def dump_joblib(self, relative: str, obj: object) -> str:
        """Serialise *obj* with joblib at *relative* atomically; return *relative*."""
        import joblib

        target, tmp = self._atomic_target(relative)
        try:
            with tmp.open("wb") as handle:
                joblib.dump(obj, handle)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return relative
