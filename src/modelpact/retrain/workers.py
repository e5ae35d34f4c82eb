"""Warm trainer workers: one child process per trainer, kept across the turns of a loop.

Starting a Python process and importing the trainer's libraries costs a second or more, which
dominates a turn that updates an online learner on a few hundred rows. A loop that runs many
turns in one process (a replay, the service's background worker, a notebook) can keep the
trainer warm: :class:`TrainerWorkers` starts each trainer once, as a child process of its own
(isolated as before: a crash cannot take the loop down), and sends it each turn's rows and the
champion through a pipe. The time limit holds as before: a worker that does not answer in time
is killed, the turn fails and the next one starts a fresh worker.

Trust is that of :mod:`modelpact.retrain.trainer`: the rows and the champion go to the user's
own trainer, and its answer is the user's own model, both pickled through a private pipe.

Examples
--------
::

    from modelpact.retrain import FrameSource, TrainerWorkers, retrain

    with TrainerWorkers() as workers:
        for batch in stream:
            retrain(store, "electricity", FrameSource(batch), workers=workers)
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

import pandas as pd

from modelpact.errors import ModelpactError

__all__ = ["TrainerWorkers"]

_STDERR_TAIL = 1500


class _Worker:
    """One warm trainer process and its pipes."""

    def __init__(self, entry: str, cwd: Path) -> None:
        self.entry = entry
        # lives as long as the worker; closed in stop()
        self.stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("_child.py")),
                "--serve",
                "--entry",
                entry,
                "--path",
                str(cwd),
            ],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def _died(self, what: str) -> Exception:
        """The worker ended without answering: stop it and say how it ended."""
        from modelpact.retrain.trainer import TrainerFailed

        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # alive but speaking nonsense: it cannot go on
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.stderr.seek(0)
        lines = self.stderr.read().decode(errors="replace").strip()[-_STDERR_TAIL:].splitlines()
        code = self.process.returncode
        self.stop()
        return TrainerFailed(
            f"{what} failed (exit code {code})" + (f": {lines[-1]}" if lines else "")
        )

    def train(self, frame: pd.DataFrame, champion: Any, timeout: float) -> Any:
        from modelpact.retrain.trainer import TrainerFailed

        what = f"trainer {self.entry}"
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            pickle.dump((frame, champion), self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._died(what) from None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.stop()
            raise TrainerFailed(f"{what} timed out after {timeout:g} s and was stopped")
        try:
            status, answer = pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            raise self._died(what) from None
        if status != "ok":
            raise TrainerFailed(f"{what} failed: {answer}")
        return answer

    def stop(self) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):  # it may end between the two calls
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self.stderr.close()


class TrainerWorkers:
    """Warm trainer processes for the turns of a loop that runs in one process.

    Pass it to :func:`~modelpact.retrain.retrain` (``workers=``); close it (or use it as a
    context manager) to stop the workers. A worker imports the trainer once: a trainer whose
    code changes while the workers live keeps running the old code until they are closed.
    """

    def __init__(self) -> None:
        self._workers: dict[tuple[str, str], _Worker] = {}

    def train(
        self, entry: str, frame: pd.DataFrame, *, champion: Any, cwd: Path, timeout: float
    ) -> Any:
        """Fit with trainer *entry* on *frame* (updating *champion* if given) in its worker.

        Raises
        ------
        TrainerFailed
            On a crash, an error in the trainer, or a timeout (the worker is then stopped and
            the next call starts a fresh one).
        """
        key = (entry, str(cwd))
        worker = self._workers.get(key)
        if worker is None or not worker.alive():
            if worker is not None:
                worker.stop()
            worker = self._workers[key] = _Worker(entry, cwd)
        try:
            return worker.train(frame, champion, timeout)
        except ModelpactError:
            if not worker.alive():
                del self._workers[key]
            raise

    def close(self) -> None:
        """Stop every worker."""
        for worker in self._workers.values():
            if worker.process.stdin is not None and worker.alive():
                try:
                    worker.process.stdin.close()  # a clean end of requests: it exits itself
                    worker.process.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            worker.stop()
        self._workers.clear()

    def __enter__(self) -> TrainerWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
