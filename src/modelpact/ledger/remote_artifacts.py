"""Artifact roots on any fsspec file system: object stores (``s3://``, ``gs://``...), ``file://``.

Behind the optional extra ``modelpact[artifacts]`` (fsspec; each object store needs its own
fsspec driver as well, e.g. s3fs for ``s3://``). A team whose members work on different
machines points the ledger's artifact root at a bucket (``[store] artifacts`` in
``modelpact.toml``, or ``MODELPACT_ARTIFACTS``) and every registered version loads from
anywhere.

The promises of the local store hold here too:

- nothing half-written under a final name: an artifact is written in full to a local
  staging file, uploaded to a temporary key (``.<name>.<pid>.<random>.tmp``, which
  ``store gc`` recognises), and only then moved to its final key. Stores without a rename
  (S3) move by a server-side copy, which makes the final key appear whole or not at all;
  the final object is then checked against the staged file (its SHA-256 for model files,
  whose name records it; its size otherwise) and removed again if it does not match;
- reads check: a model file is downloaded and its SHA-256 checked before anything loads it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import pandas as pd

from modelpact.errors import StoreError
from modelpact.ledger.artifacts import (
    ArtifactStore,
    artifact_sha256,
    file_sha256,
    stream_sha256,
)

__all__ = ["EXTRA", "FsspecArtifactStore", "RemoteFile", "check_artifact_url"]

EXTRA = "modelpact[artifacts]"
_T = TypeVar("_T")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system of *url* and the path within it, or a one-line StoreError."""
    try:
        import fsspec
    except ImportError:
        raise StoreError(
            f"the artifact root {url} is a URL, which needs fsspec: "
            f"pip install '{EXTRA}'"
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # no driver for the protocol, or an unknown one
        raise StoreError(f"the artifact root {url} cannot be opened: {_first_line(exc)}") from None
    return fs, str(path).rstrip("/")


def check_artifact_url(url: str) -> None:
    """Decide before any write that the artifact root *url* can be opened (fsspec, driver)."""
    _filesystem(url)


class RemoteFile:
    """One file under an fsspec root, as :meth:`FsspecArtifactStore.files` lists it."""

    __slots__ = ("modified", "relative", "size")

    def __init__(self, relative: str, size: int, modified: float | None) -> None:
        self.relative = relative
        self.size = size
        self.modified = modified  # POSIX seconds; None when the file system cannot say


class FsspecArtifactStore(ArtifactStore):
    """Artifacts under an fsspec URL, addressed by the same relative paths as a directory.

    Parameters
    ----------
    root : str
        The URL, e.g. ``s3://team-models/ledger`` or ``memory://ledger``.
    """

    def __init__(self, root: str) -> None:  # the local directory's set-up does not apply
        self.root = root.rstrip("/")
        self.fs, self._base = _filesystem(self.root)

    def _key(self, relative: str) -> str:
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise StoreError(f"artifact path '{relative}' points outside {self.root}")
        return f"{self._base}/{pure.as_posix()}"

    def _io(self, what: str, action: Callable[[], _T]) -> _T:
        try:
            return action()
        except (OSError, ValueError) as exc:
            raise StoreError(f"the artifact store {self.root} failed to {what}: "
                             f"{_first_line(exc)}") from None

    def path(self, relative: str) -> Path:
        """Not available: the artifact is not a local file (see :meth:`local_file`)."""
        raise StoreError(
            f"artifact {self.location(relative)} is in an object store, not a local file"
        )

    def location(self, relative: str) -> str:
        """The URL of *relative*."""
        self._key(relative)
        return f"{self.root}/{relative}"

    def exists(self, relative: str) -> bool:
        """Whether *relative* exists."""
        key = self._key(relative)
        return bool(self._io(f"look up {relative}", lambda: self.fs.exists(key)))

    # ------------------------------------------------------------ writes

    @contextmanager
    def _staging(self) -> Iterator[ArtifactStore]:
        with tempfile.TemporaryDirectory(prefix="modelpact-staging-") as folder:
            yield ArtifactStore(Path(folder))

    def _upload(self, local: Path, relative: str) -> str:
        key = self._key(relative)
        parent, name = key.rsplit("/", 1)
        temporary = f"{parent}/.{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"

        def put() -> None:
            try:
                self.fs.makedirs(parent, exist_ok=True)
                self.fs.put_file(str(local), temporary)
                self.fs.mv(temporary, key)
            except BaseException:
                with suppress(Exception):
                    self.fs.rm(temporary)
                raise

        self._io(f"write {relative}", put)
        expected = artifact_sha256(relative)
        found_ok = (
            self._sha256(key) == expected
            if expected is not None
            else self._io(f"check {relative}", lambda: self.fs.size(key)) == local.stat().st_size
        )
        if not found_ok:
            with suppress(Exception):
                self.fs.rm(key)
            raise StoreError(
                f"the artifact store {self.root} did not keep {relative} as written; removed it"
            )
        return relative

    def _staged(self, write: Callable[[ArtifactStore], str]) -> str:
        with self._staging() as stage:
            relative = write(stage)
            return self._upload(stage.path(relative), relative)

    def put_model_file(self, directory: str, source: Path) -> str:
        """Copy the model file *source* into *directory*, named by its hash; return its path."""
        return self._staged(lambda stage: stage.put_model_file(directory, source))

    def put_model(self, directory: str, model: object) -> str:
        """Serialise *model* into *directory* (skops or joblib), named by its hash."""
        return self._staged(lambda stage: stage.put_model(directory, model))

    def write_parquet(self, relative: str, frame: pd.DataFrame) -> str:
        """Write *frame* as Parquet at *relative*, all or nothing; return *relative*."""
        return self._staged(lambda stage: stage.write_parquet(relative, frame))

    def write_bytes(self, relative: str, data: bytes) -> str:
        """Write raw bytes at *relative*, all or nothing; return *relative*."""
        return self._staged(lambda stage: stage.write_bytes(relative, data))

    def copy_in(self, relative: str, source: Path) -> str:
        """Copy the file *source* to *relative*, all or nothing; return *relative*."""
        return self._staged(lambda stage: stage.copy_in(relative, source))

    def dump_joblib(self, relative: str, obj: object) -> str:
        """Serialise *obj* with joblib at *relative*, all or nothing; return *relative*."""
        return self._staged(lambda stage: stage.dump_joblib(relative, obj))

    # ------------------------------------------------------------ reads

    def _sha256(self, key: str) -> str:
        def digest() -> str:
            with self.fs.open(key, "rb") as handle:
                return stream_sha256(handle)

        return self._io(f"read {key}", digest)

    @contextmanager
    def local_file(self, relative: str) -> Iterator[Path]:
        """The artifact downloaded to a temporary local file, its SHA-256 checked.

        Raises
        ------
        StoreError
            The artifact is missing, or its bytes are not the ones its name records.
        """
        key = self._key(relative)
        if not self.exists(relative):
            raise StoreError(
                f"artifact {self.location(relative)} is missing from the artifact store; was "
                "it moved or cleaned?"
            )
        with tempfile.TemporaryDirectory(prefix="modelpact-download-") as folder:
            local = Path(folder) / PurePosixPath(relative).name
            self._io(f"read {relative}", lambda: self.fs.get_file(key, str(local)))
            expected = artifact_sha256(relative)
            if expected is not None:
                found = file_sha256(local)
                if found != expected:
                    raise StoreError(
                        f"artifact {self.location(relative)} is not the file that was "
                        f"registered (sha256 {expected[:16]}... recorded, {found[:16]}... "
                        "found); not loading it"
                    )
            yield local

    def read_parquet(self, relative: str) -> pd.DataFrame:
        """Read the Parquet table at *relative*."""
        with self.local_file(relative) as local:
            return pd.read_parquet(local)

    # ------------------------------------------------------------ clean-up

    def remove_directory(self, directory: str) -> None:
        """Remove everything under *directory*, if anything is there."""
        key = self._key(directory)
        with suppress(Exception):
            if self.fs.exists(key):
                self.fs.rm(key, recursive=True)

    def files(self) -> list[RemoteFile]:
        """Every file under the root, with its size and last-modified time."""
        found = self._io(
            "list its files",
            lambda: self.fs.find(self._base, detail=True) if self.fs.exists(self._base) else {},
        )
        prefix = self._base + "/"
        listed: list[RemoteFile] = []
        for key, info in sorted(found.items()):
            if info.get("type") == "directory" or not key.startswith(prefix):
                continue
            listed.append(RemoteFile(key[len(prefix) :], int(info.get("size") or 0),
                                     self._modified(key, info)))
        return listed

    def _modified(self, key: str, info: dict[str, Any]) -> float | None:
        mtime = info.get("mtime")
        if isinstance(mtime, int | float):
            return float(mtime)
        try:
            when = self.fs.modified(key)
        except (NotImplementedError, OSError, ValueError):
            return None
        if not isinstance(when, datetime):
            return None
        return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).timestamp()

    def remove(self, relative: str) -> None:
        """Remove one file, and the folders above it that it leaves empty (where folders exist)."""
        key = self._key(relative)
        self._io(f"remove {relative}", lambda: self.fs.rm(key))
        parent = key.rsplit("/", 1)[0]
        while parent.startswith(self._base + "/"):
            try:
                if self.fs.ls(parent, detail=False):
                    return
                self.fs.rmdir(parent)
            except Exception:  # object stores have no folders to remove
                return
            parent = parent.rsplit("/", 1)[0]
