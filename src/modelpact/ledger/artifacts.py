"""The artifact store: a directory (or an object store) for model files and Parquet tables.

Paths handed to the database are relative to the store's root, so a ledger directory can be
moved or mounted elsewhere. Every write goes to a temporary file first and is renamed into
place, so a crash never leaves a half-written artifact under its final name.

Model files are content-addressed: their name carries the SHA-256 of their bytes
(``model.sha256-<hex>.skops``), so the path the database holds is also the hash a later
load checks the file against. scikit-learn estimators are stored in skops format, which
loads without running code; anything else is a pickle, which only loads with the user's
explicit trust (see :func:`modelpact.evaluate.models.load_registered_model`).

An artifact root given as a URL (``s3://bucket/prefix``, ``memory://x``, ``file:///dir``)
lives on an fsspec file system instead: see :mod:`modelpact.ledger.remote_artifacts`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pandas as pd

from modelpact._files import unique_temporary
from modelpact.errors import StoreError

__all__ = [
    "ArtifactStore",
    "artifact_sha256",
    "artifact_store",
    "file_sha256",
    "is_artifact_url",
    "is_pickle_artifact",
]

_HASHED = re.compile(r"\.sha256-([0-9a-f]{64})(\.[^./]+)?$")
_CHUNK = 1 << 20


def artifact_sha256(relative: str) -> str | None:
    """The SHA-256 a model artifact's name records, or None for one stored without it.

    Examples
    --------
    >>> artifact_sha256("models/churn/1f/model.sha256-" + "ab" * 32 + ".skops") == "ab" * 32
    True
    >>> artifact_sha256("models/churn/1f/model.joblib") is None
    True
    """
    match = _HASHED.search(PurePosixPath(relative).name)
    return match.group(1) if match else None


def is_pickle_artifact(relative: str) -> bool:
    """Whether loading the artifact unpickles it (everything but ``.skops``)."""
    return PurePosixPath(relative).suffix != ".skops"


def stream_sha256(handle: BinaryIO) -> str:
    """The SHA-256 of what is left to read from *handle*, in hex, read in chunks."""
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of the bytes of *path*, in hex."""
    with path.open("rb") as handle:
        return stream_sha256(handle)


def _is_estimator(obj: object) -> bool:
    try:
        from sklearn.base import BaseEstimator
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        return False
    return isinstance(obj, BaseEstimator)


def is_artifact_url(root: Path | str) -> bool:
    """Whether an artifact root is a URL (``s3://bucket/prefix``, ``memory://x``, ``file:///d``).

    Examples
    --------
    >>> is_artifact_url("s3://team-models/ledger"), is_artifact_url(Path("/team/artifacts"))
    (True, False)
    """
    return isinstance(root, str) and "://" in root


def artifact_store(root: Path | str) -> ArtifactStore:
    """The artifact store at *root*: a local directory, or any fsspec URL (an optional extra)."""
    if is_artifact_url(root):
        from modelpact.ledger.remote_artifacts import FsspecArtifactStore

        return FsspecArtifactStore(str(root))
    return ArtifactStore(Path(root))


class ArtifactStore:
    """A directory of artifacts addressed by relative POSIX paths.

    Parameters
    ----------
    root : Path
        The directory; created on first write.
    """

    # the directory; a URL for the object-store subclass
    root: Path | str

    def __init__(self, root: Path) -> None:
        self.root = self._dir = Path(root)

    def path(self, relative: str) -> Path:
        """The absolute path of *relative*, refusing paths that escape the root."""
        target = (self._dir / relative).resolve()
        if not target.is_relative_to(self._dir.resolve()):
            raise StoreError(f"artifact path '{relative}' points outside {self._dir}")
        return target

    def location(self, relative: str) -> str:
        """Where *relative* is, for messages: a path here, a URL in an object store."""
        return str(self.path(relative))

    @contextmanager
    def local_file(self, relative: str) -> Iterator[Path]:
        """A local file holding the artifact *relative*, for readers that need a path."""
        yield self.path(relative)

    def remove_directory(self, directory: str) -> None:
        """Remove the folder *directory* and everything in it, if it exists."""
        shutil.rmtree(self.path(directory), ignore_errors=True)

    def exists(self, relative: str) -> bool:
        """Whether *relative* exists."""
        return self.path(relative).exists()

    def _atomic_target(self, relative: str) -> tuple[Path, Path]:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target, unique_temporary(target.parent, f".{target.name}")

    def _put_hashed(self, directory: str, name: str, tmp: Path) -> str:
        """Rename the written *tmp* to ``directory/<stem>.sha256-<hex><suffix>``."""
        pure = PurePosixPath(name)
        relative = f"{directory}/{pure.stem}.sha256-{file_sha256(tmp)}{pure.suffix}"
        os.replace(tmp, self.path(relative))
        return relative

    def put_model_file(self, directory: str, source: Path) -> str:
        """Copy the model file *source* into *directory*, named by its hash; return its path."""
        target, tmp = self._atomic_target(f"{directory}/{source.name}")
        try:
            shutil.copyfile(source, tmp)
            return self._put_hashed(directory, target.name, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_model(self, directory: str, model: object) -> str:
        """Serialise *model* into *directory*, named by its hash; return its path.

        scikit-learn estimators go to skops format (loadable without running code) when
        skops is installed and can represent them; anything else is pickled with joblib.
        """
        if _is_estimator(model):
            try:
                import skops.io as sio
            except ImportError:
                sio = None
            if sio is not None:
                target, tmp = self._atomic_target(f"{directory}/model.skops")
                try:
                    sio.dump(model, tmp)
                    return self._put_hashed(directory, target.name, tmp)
                except Exception:  # skops cannot represent it (a custom type): pickle it
                    tmp.unlink(missing_ok=True)
        import joblib

        target, tmp = self._atomic_target(f"{directory}/model.joblib")
        try:
            with tmp.open("wb") as handle:
                joblib.dump(model, handle)
            return self._put_hashed(directory, target.name, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

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
