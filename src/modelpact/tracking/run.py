"""The experiment loop in Python: a run that logs what went in and what came out.

::

    with modelpact.start_run(project="churn", pact="pact.yaml") as run:
        run.log_dataset(train, role="train")
        model = LogisticRegression(C=0.5).fit(train[features], train["churned"])
        run.log_model(model, name="logreg")
        verdict = run.evaluate(model, test)

Each run owns its store connection and state: nothing module-level, so nested runs and runs
in concurrent threads are independent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from modelpact._json import finite
from modelpact.data import load_frame
from modelpact.errors import ConfigurationError, InvalidDataError
from modelpact.ledger import (
    DatasetSnapshot,
    MetricValue,
    ModelVersion,
    Store,
    open_store,
    pact_hash,
    resolve_store_url,
)
from modelpact.ledger import Run as RunRecord
from modelpact.ledger.config import resolve_artifacts
from modelpact.ledger.liveness import heartbeat_interval
from modelpact.pact import Pact, load_pact
from modelpact.tracking._git import code_version

if TYPE_CHECKING:
    from modelpact.evaluate import Verdict

__all__ = ["ActiveRun", "start_run"]

_log = logging.getLogger(__name__)

ROW_COLUMN = "row"  # the position column used to pair predictions when the pact has no id


class ActiveRun:
    """A run of the experiment loop, recorded in the ledger.

    Use it as a context manager (see :func:`start_run`): entering starts the run, leaving
    marks it ``finished``, or ``failed`` if an exception escaped (which is re-raised).
    While it is open, a daemon thread refreshes the run's heartbeat every
    ``MODELPACT_HEARTBEAT_S`` seconds (default 30), so a run whose process dies reads as
    ``killed`` from any host (see :mod:`modelpact.ledger.liveness`).

    Parameters
    ----------
    project : str
        The project the run belongs to (created on first use).
    pact : Pact, path or None
        The pact to evaluate against; recorded as the project's pact.
    store : Store, URL or None
        Where to record: an open :class:`~modelpact.ledger.Store` (left open), a SQLAlchemy
        URL, or None for the configured store (``MODELPACT_STORE``, else ``[store] url`` in
        ``modelpact.toml``), else SQLite under *root*.
    params : mapping, optional
        Parameters to record at the start.
    name : str, optional
        A human label for the run.
    root : Path
        The ledger directory when *store* is None or a URL (default ``.modelpact``).
    cwd : Path, optional
        Where to read the git commit from (default: the current directory).
    """

    id_: str
    store_: Store
    pact_: Pact | None

    def __init__(
        self,
        project: str,
        *,
        pact: Pact | str | Path | None = None,
        store: Store | str | None = None,
        params: Mapping[str, Any] | None = None,
        name: str | None = None,
        root: Path = Path(".modelpact"),
        cwd: Path | None = None,
    ) -> None:
        self.project = project
        self.pact = pact
        self.store = store
        self.params = params
        self.name = name
        self.root = root
        self.cwd = cwd

    # ------------------------------------------------------------ lifecycle

    @property
    def id(self) -> str:
        """The run id (available once the run has started)."""
        return self._started().id_

    def _started(self) -> ActiveRun:
        if not hasattr(self, "id_"):
            raise ConfigurationError(
                "the run has not started; use it as 'with modelpact.start_run(...) as run:'"
            )
        return self

    def start(self) -> ActiveRun:
        """Open the store, record the project (and pact), and start the run."""
        if hasattr(self, "id_"):
            raise ConfigurationError(f"run {self.id_[:8]} has already started")
        self.pact_ = load_pact(self.pact) if self.pact is not None else None
        if isinstance(self.store, Store):
            self.store_, self._owns_store = self.store, False
        else:
            # The Python API's edge: the configuration is read here, once per run.
            where = Path.cwd() if self.cwd is None else Path(self.cwd)
            url = resolve_store_url(self.store, where)
            artifacts = resolve_artifacts(where)
            self.store_, self._owns_store = open_store(url, root=self.root, artifacts=artifacts), True
        try:
            self.store_.ensure_project(self.project, self.pact_)
            commit, dirty = code_version(self.cwd)
            record = self.store_.create_run(
                self.project,
                name=self.name,
                params=self.params,
                git_commit=commit,
                git_dirty=dirty,
            )
            self._heartbeat = _Heartbeat(self.store_, record.id)
        except BaseException:
            if self._owns_store:
                self.store_.close()
            raise
        self.id_ = record.id
        self.model_version_: ModelVersion | None = None
        self.verdict_: Verdict | None = None
        self._logged_model: Any = None
        self._final: RunRecord | None = None
        return self

    def end(self, status: str = "finished", error: str | None = None) -> RunRecord:
        """Finish the run (``finished`` or ``failed``) and release the store if it is ours."""
        self._started()
        if self._final is not None:
            raise ConfigurationError(f"run {self.id_[:8]} has already ended")
        try:
            self._heartbeat.stop()  # before the run ends: a late beat must not outlive it
            self._final = self.store_.finish_run(self.id_, status, error=error)
            return self._final
        finally:
            if self._owns_store:
                self.store_.close()

    def __enter__(self) -> ActiveRun:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.end("finished")
        else:
            self.end("failed", error=f"{type(exc).__name__}: {exc}"[:2000])

    @property
    def record(self) -> RunRecord:
        """The run as the ledger holds it (its final state once the run has ended)."""
        final = self._started()._final
        return final if final is not None else self.store_.get_run(self.id_)

    # ------------------------------------------------------------ logging

    def log_param(self, key: str, value: Any) -> None:
        """Record one parameter."""
        self.log_params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record parameters (a key logged again takes the new value)."""
        self._started().store_.log_params(self.id_, params)

    def log_metric(
        self,
        name: str,
        value: float,
        *,
        low: float | None = None,
        high: float | None = None,
        confidence: float | None = None,
        method: str | None = None,
        n: int | None = None,
    ) -> None:
        """Record a metric, with its interval when you have one."""
        metric = MetricValue(name, float(value), low, high, confidence, method, n)
        self._started().store_.log_metrics(self.id_, {name: metric})

    def log_metrics(self, metrics: Mapping[str, float | MetricValue]) -> None:
        """Record several metrics at once."""
        self._started().store_.log_metrics(self.id_, metrics)

    def log_dataset(
        self,
        data: Any,
        *,
        role: str = "train",
        name: str | None = None,
        keep_rows: bool = True,
    ) -> DatasetSnapshot:
        """Fingerprint and profile a data set, link it to the run in *role*.

        *data* is a DataFrame (pandas or polars) or a CSV/Parquet path. Its rows are kept as
        Parquet (unless *keep_rows* is False) so a later ``modelpact diff`` can compare the
        training data of two versions.
        """
        self._started()
        frame, source = load_frame(data, name=name)
        if name is None and source.startswith("<"):  # an unnamed in-memory frame
            source = f"{role} data"
        snapshot = self.store_.log_dataset(
            frame, name=name or source, role=role, keep_rows=keep_rows
        )
        self.store_.link_dataset(self.id_, snapshot.id, role)
        return snapshot

    def log_model(
        self,
        model: Any,
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> ModelVersion:
        """Store a fitted model (joblib) and register it as a ``candidate`` version.

        Its parameters (``get_params()``) are recorded with the version and the run.
        """
        self._started()
        params: dict[str, Any] = {}
        get_params = getattr(model, "get_params", None)
        if callable(get_params):
            params = {str(k): _plain(v) for k, v in get_params(deep=False).items()}
        version = self.store_.register_model(
            project=self.project,
            run_id=self.id_,
            model=model,
            name=name or type(model).__name__,
            params=params,
            description=description,
        )
        if params:
            self.store_.log_params(self.id_, {f"model.{k}": v for k, v in params.items()})
        self.model_version_ = version
        self._logged_model = model
        return version

    def log_predictions(
        self,
        predictions: pd.DataFrame | None = None,
        *,
        target: Any = None,
        score: Any = None,
        prediction: Any = None,
        ids: Any = None,
    ) -> None:
        """Store the run's evaluation predictions as Parquet.

        Give a DataFrame (id, target, score/prediction columns), or arrays: *target*, *score*
        (``(n,)`` or ``(n, K)``), *prediction*, *ids*. Array columns are named after the
        pact's columns when the run has a pact.
        """
        self._started()
        if predictions is not None:
            frame, _ = load_frame(predictions, name="predictions")
        else:
            frame = self._frame_from_arrays(target, score, prediction, ids)
        self.store_.log_predictions(self.id_, frame)

    def _frame_from_arrays(
        self, target: Any, score: Any, prediction: Any, ids: Any
    ) -> pd.DataFrame:
        columns = self.pact_.columns if self.pact_ is not None else None
        data: dict[str, Any] = {}
        if ids is not None:
            data[(columns.id if columns and columns.id else "id")] = np.asarray(ids)
        if target is not None:
            data[columns.target if columns else "target"] = np.asarray(target)
        if score is not None:
            values = np.asarray(score)
            if values.ndim == 2:
                names = _score_names(self.pact_, values.shape[1])
                for j, col in enumerate(names):
                    data[col] = values[:, j]
            else:
                name = columns.score if columns and isinstance(columns.score, str) else "score"
                data[name] = values
        if prediction is not None:
            data[columns.prediction if columns and columns.prediction else "prediction"] = (
                np.asarray(prediction)
            )
        if not data:
            raise ConfigurationError("log_predictions needs a DataFrame or at least one array")
        lengths = {len(v) for v in data.values()}
        if len(lengths) != 1:
            raise InvalidDataError(
                "log_predictions: the arrays have different lengths "
                f"({', '.join(f'{k}={len(v)}' for k, v in data.items())})"
            )
        return pd.DataFrame(data)

    # ------------------------------------------------------------ evaluation

    def evaluate(
        self,
        model_or_predictions: Any,
        eval_data: Any,
        *,
        train: Any = None,
        champion: Any = None,
        seed: int = 0,
        n_resamples: int = 2000,
    ) -> Verdict:
        """Decide the run's model against the pact on *eval_data*, and record the verdict.

        *model_or_predictions* is a fitted model (something with ``predict``), or its
        predictions: an array of scores (``(n,)`` binary/regression, ``(n, K)`` multiclass)
        or a DataFrame of the pact's score/prediction columns, row-aligned with
        *eval_data*. The evaluation set (and *train*, when given) are logged as dataset
        snapshots; the predictions are stored; each criterion becomes a metric with its
        interval; the verdict is stored with the run (and the model version logged by
        :meth:`log_model`, when *model_or_predictions* is that model).
        """
        from modelpact.evaluate import verify

        self._started()
        if self.pact_ is None:
            raise ConfigurationError(
                "this run has no pact to evaluate against; start it with "
                "start_run(project=..., pact='pact.yaml')"
            )
        pact = self.pact_
        frame, source = load_frame(eval_data, name="eval")
        train_frame = None
        if train is not None:
            train_frame, _ = load_frame(train, name="train")
        is_model = callable(getattr(model_or_predictions, "predict", None))
        if is_model:
            verdict = verify(
                pact,
                frame,
                model=model_or_predictions,
                champion=champion,
                train=train_frame,
                seed=seed,
                n_resamples=n_resamples,
            )
            scored = _with_model_outputs(pact, frame, model_or_predictions, source)
        else:
            scored = _with_given_outputs(pact, frame, model_or_predictions, source)
            verdict = verify(
                pact,
                scored,
                champion=champion,
                train=train_frame,
                seed=seed,
                n_resamples=n_resamples,
            )
        eval_snapshot = self.store_.log_dataset(frame, name=source, role="eval")
        self.store_.link_dataset(self.id_, eval_snapshot.id, "eval")
        if train_frame is not None:
            train_snapshot = self.store_.log_dataset(train_frame, name="train", role="train")
            self.store_.link_dataset(self.id_, train_snapshot.id, "train")
        self.store_.log_predictions(self.id_, _prediction_table(pact, scored))
        self.store_.log_metrics(self.id_, _criterion_metrics(verdict.to_dict()))
        version = self.model_version_
        # The version logged by log_model is the one judged when that same object is
        # evaluated; any other model evaluated in the run is recorded against the run only.
        linked = version is not None and model_or_predictions is self._logged_model
        self.store_.record_verdict(
            project=self.project,
            verdict_json=verdict.to_dict(),
            run_id=self.id_,
            model_version_id=version.id if linked and version is not None else None,
            pact_hash=pact_hash(pact),
        )
        self.verdict_ = verdict
        return verdict


class _Heartbeat:
    """Refresh a live run's ``heartbeat_at`` from a daemon thread until stopped.

    One beat is written at once, then one every :func:`heartbeat_interval` seconds, so a
    reader on any host can tell a run whose process died (no beat for a few intervals) from
    one still working. A beat that fails (the database briefly unreachable) is retried at
    the next interval: a missed beat is what staleness already allows for.
    """

    def __init__(self, store: Store, run_id: str) -> None:
        self._store = store
        self._run_id = run_id
        self._interval = heartbeat_interval()
        self._stopped = threading.Event()
        store.tracking.heartbeat(run_id)
        self._thread = threading.Thread(
            target=self._loop, name=f"modelpact-heartbeat-{run_id[:8]}", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                if not self._store.tracking.heartbeat(self._run_id):
                    return  # the run is no longer running (ended, or marked killed)
            except Exception as exc:  # never let a beat kill the thread or the process
                _log.debug("heartbeat of run %s failed: %s", self._run_id[:8], exc)

    def stop(self) -> None:
        """Stop beating and wait for a beat in flight to finish."""
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _score_names(pact: Pact | None, k: int) -> list[str]:
    if pact is not None and isinstance(pact.columns.score, dict):
        names = list(pact.columns.score.values())
        if len(names) == k:
            return names
    return [f"score_{j}" for j in range(k)]


def _with_model_outputs(pact: Pact, frame: pd.DataFrame, model: Any, source: str) -> pd.DataFrame:
    """*frame* plus the model's score/prediction columns, named as the pact names them."""
    from modelpact.evaluate.inputs import encode_target
    from modelpact.evaluate.models import predict_with_model

    target = encode_target(pact, frame, source=source)
    outputs = predict_with_model(model, pact, frame, target, name="candidate", source=source)
    scored = frame.copy()
    columns = pact.columns
    if outputs.score is not None:
        if outputs.score.ndim == 2:
            for j, col in enumerate(_score_names(pact, outputs.score.shape[1])):
                scored[col] = outputs.score[:, j]
        else:
            scored[columns.score if isinstance(columns.score, str) else "score"] = outputs.score
    if pact.task == "regression":
        scored[columns.score if isinstance(columns.score, str) else "prediction"] = outputs.label
    elif outputs.score is None:
        # hard predictions only: store them as the target's own values, not internal codes
        original = frame[columns.target]
        as_text = original.astype(str)
        values = [
            original[as_text == c].iloc[0] if (as_text == c).any() else c for c in target.classes
        ]
        lookup = np.asarray(values, dtype=object)
        scored[columns.prediction or "prediction"] = lookup[outputs.label]
    return scored


def _with_given_outputs(
    pact: Pact, frame: pd.DataFrame, predictions: Any, source: str
) -> pd.DataFrame:
    """*frame* with the given predictions put in the pact's score/prediction columns."""
    scored = frame.copy()
    if isinstance(predictions, pd.DataFrame):
        if len(predictions) != len(frame):
            raise InvalidDataError(
                f"the predictions have {len(predictions)} rows but {source} has {len(frame)}; "
                "they must be row-aligned"
            )
        for col in predictions.columns:
            scored[col] = predictions[col].to_numpy()
        return scored
    values = np.asarray(predictions)
    if values.shape[0] != len(frame):
        raise InvalidDataError(
            f"the predictions have {values.shape[0]} rows but {source} has {len(frame)}; "
            "they must be row-aligned"
        )
    if values.ndim == 2:
        if not isinstance(pact.columns.score, dict):
            raise ConfigurationError(
                "a 2-D score array needs a multiclass pact with columns.score as {class: column}"
            )
        for j, col in enumerate(pact.columns.score.values()):
            scored[col] = values[:, j]
        return scored
    if isinstance(pact.columns.score, str):
        scored[pact.columns.score] = values
    elif pact.columns.prediction:
        scored[pact.columns.prediction] = values
    else:
        raise ConfigurationError(
            "the pact names no score or prediction column to put these predictions in; "
            "set columns.score in the pact or pass a DataFrame"
        )
    return scored


def _prediction_table(pact: Pact, scored: pd.DataFrame) -> pd.DataFrame:
    """The columns a comparison needs: id, target, outputs and slices."""
    columns = pact.columns
    keep: list[str] = []
    if columns.id and columns.id in scored.columns:
        keep.append(columns.id)
    keep.append(columns.target)
    if isinstance(columns.score, dict):
        keep.extend(columns.score.values())
    elif columns.score:
        keep.append(columns.score)
    for extra in (columns.prediction or "prediction", "score"):
        if extra in scored.columns:
            keep.append(extra)
    keep.extend(columns.slices)
    table = scored[[c for c in dict.fromkeys(keep) if c in scored.columns]].reset_index(drop=True)
    if not columns.id or columns.id not in scored.columns:
        # without an id column, rows pair by position; make the position explicit
        table.insert(0, ROW_COLUMN, np.arange(len(table), dtype=np.int64))
    return table


def _criterion_metrics(verdict: Mapping[str, Any]) -> dict[str, MetricValue]:
    out: dict[str, MetricValue] = {}
    for item in verdict.get("criteria", []):
        estimate = item.get("estimate")
        if estimate is None or not np.isfinite(estimate):
            continue
        key = str(item.get("metric"))
        if item.get("slice"):
            key += "[" + ",".join(f"{k}={v}" for k, v in item["slice"].items()) + "]"
        if item.get("kind") not in (None, "absolute"):
            # comparison criteria estimate a paired difference, not the metric itself
            key += f" - {item.get('reference') or 'reference'}"
        ci = item.get("ci") or [None, None]
        out[key] = MetricValue(
            name=key,
            value=float(estimate),
            low=finite(ci[0]),
            high=finite(ci[1]),
            confidence=item.get("confidence"),
            method=item.get("method"),
            n=item.get("n"),
        )
    return out


def start_run(
    project: str,
    pact: Pact | str | Path | None = None,
    store: Store | str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    root: Path = Path(".modelpact"),
    cwd: Path | None = None,
) -> ActiveRun:
    """Start a run of *project*, to use as a context manager.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with start_run("churn", root=Path(tmp), params={"C": 0.5}) as run:
    ...         run.log_metric("log_loss", 0.41)
    ...     run.record.status, run.record.params["C"]
    ('finished', '0.5')
    """
    return ActiveRun(project, pact=pact, store=store, params=params, name=name, root=root, cwd=cwd)
