"""Running the team's trainer in a child process, with a time limit.

The trainer is the team's own code, named in the pact (``trainer: package.module:function``
or a ``command``). Running it in a child process means a crash, a hang or a leak in it can
neither take the loop down nor touch the champion: on failure the loop records a failed run
and the champion stays as it was.

Trust: importing the trainer executes it, and the model file it writes is loaded with joblib.
Both are the user's own code and output, named explicitly in their pact; modelpact never
runs a trainer that arrived over the network.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from modelpact.errors import ModelpactError
from modelpact.evaluate.models import load_model
from modelpact.pact import RetrainingConfig

if TYPE_CHECKING:
    from modelpact.retrain.workers import TrainerWorkers

__all__ = ["TrainerFailed", "TrainingOutcome", "run_trainer"]

_STDERR_TAIL = 1500


class TrainerFailed(ModelpactError):
    """The trainer crashed, timed out or returned no usable model; the champion is untouched."""


@dataclass(frozen=True)
class TrainingOutcome:
    """A fitted challenger and how long its training took (wall seconds)."""

    model: Any
    seconds: float
    described: str


def _tail(text: str) -> str:
    text = text.strip()
    if len(text) > _STDERR_TAIL:
        text = "…" + text[-_STDERR_TAIL:]
    return text


def _run(args: list[str], *, timeout: float, cwd: Path, what: str) -> None:
    # a session of its own, so a timeout kills whatever the trainer started, too
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise TrainerFailed(f"{what} timed out after {timeout:g} s and was stopped") from None
        if code != 0:
            err.seek(0)
            message = _tail(err.read().decode(errors="replace"))
            lines = message.splitlines()
            last = lines[-1] if lines else f"exit code {code}"
            raise TrainerFailed(f"{what} failed (exit code {code}): {last}")


def run_trainer(
    config: RetrainingConfig,
    train: pd.DataFrame,
    *,
    champion: Any = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    workers: TrainerWorkers | None = None,
) -> TrainingOutcome:
    """Train a challenger on *train* with the pact's trainer, in a child process.

    Parameters
    ----------
    config
        The pact's ``retraining`` section: ``trainer`` or ``command``, ``incremental``,
        ``timeout``.
    train
        The training rows (the holdout is never among them), target column included.
    champion
        The champion, as the ledger loaded it (its hash checked, a pickle only if trusted);
        an incremental trainer receives a copy written for it alone, so the champion itself
        can never be modified.
    cwd
        Where the trainer runs and its package is looked up (default: the current directory).
    timeout
        Seconds before the trainer is stopped; default ``config.timeout``.
    workers
        Warm workers to train in (a ``trainer:`` entry only); default a fresh child process.

    Raises
    ------
    TrainerFailed
        On a crash, a timeout or when no usable model came back.
    """
    where = Path.cwd() if cwd is None else Path(cwd)
    limit = config.timeout if timeout is None else timeout
    if config.incremental and champion is None:
        raise TrainerFailed(
            "the trainer is incremental but there is no champion to update; train the first "
            "model with a batch trainer, or register and promote one"
        )
    start = time.perf_counter()
    if workers is not None and config.trainer is not None:
        model = workers.train(
            config.trainer,
            train,
            champion=champion if config.incremental else None,
            cwd=where,
            timeout=limit,
        )
        described = f"trainer {config.trainer}"
        return TrainingOutcome(model=model, seconds=time.perf_counter() - start, described=described)
    with tempfile.TemporaryDirectory(prefix="modelpact-train-") as tmp:
        train_file = Path(tmp) / "train.parquet"
        out = Path(tmp) / "model.joblib"
        train.to_parquet(train_file, index=False)
        champion_copy: Path | None = None
        if config.incremental:
            import joblib

            champion_copy = Path(tmp) / "champion.joblib"
            joblib.dump(champion, champion_copy)
        if config.trainer is not None:
            described = f"trainer {config.trainer}"
            # run by path, not "-m", so the child imports neither modelpact nor its dependencies
            args = [
                sys.executable,
                str(Path(__file__).with_name("_child.py")),
                "--entry",
                config.trainer,
                "--train",
                str(train_file),
                "--out",
                str(out),
                "--path",
                str(where),
            ]
            if champion_copy is not None:
                args += ["--champion", str(champion_copy)]
        else:
            assert config.command is not None  # the pact allows exactly one of the two
            described = f"command {' '.join(config.command)}"
            values = {"train": str(train_file), "model": str(out), "champion": str(champion_copy or "")}
            args = [part.format(**values) for part in config.command]
        _run(args, timeout=limit, cwd=where, what=described)
        if not out.exists():
            raise TrainerFailed(f"{described} finished but wrote no model file")
        try:
            model = load_model(out)
        except ModelpactError as exc:
            raise TrainerFailed(f"{described} wrote a model that cannot be loaded: {exc}") from None
    if not hasattr(model, "predict"):
        raise TrainerFailed(f"{described} produced {type(model).__name__}, which cannot predict")
    return TrainingOutcome(model=model, seconds=time.perf_counter() - start, described=described)
