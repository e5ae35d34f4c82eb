"""Ingestion: validate a batch against the project's pact, then store it whole or not at all.

Validated batches go to one writer thread per process (:class:`GroupWriter`). Batches that
wait for it at the same moment share one transaction: many concurrent single-row requests
cost one commit, not one each. Every batch is still all or nothing, and its request is
answered only after the transaction holding it has committed, so a 2xx still means durably
stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy import Connection

from modelpact.errors import InvalidDataError, PactError
from modelpact.ledger import Store
from modelpact.ledger._tx import writing
from modelpact.ledger.capture import CapturedModel, CaptureStore, PredictionBatch
from modelpact.pact import Pact
from modelpact.service.metrics import ServiceMetrics
from modelpact.service.validation import (
    FeedbackBatch,
    parse_table,
    validate_feedback,
    validate_predictions,
)

__all__ = ["GroupWriter", "IngestResult", "IngestService"]

#: Seconds a project's pact and a model's id are reused before being read again. Both live in
#: the database; this only saves two queries per request.
CACHE_SECONDS = 5.0
#: A transaction of the writer takes further waiting batches up to about this many rows.
GROUP_ROWS = 50_000

log = logging.getLogger("modelpact.service")


@dataclass(frozen=True)
class IngestResult:
    """What a stored batch amounted to."""

    received: int
    new: int


@dataclass(frozen=True)
class _Write:
    rows: int
    apply: Callable[[Connection], int]
    layout: tuple[str, ...] | None
    future: Future[int]


class GroupWriter:
    """One thread that writes batches; those waiting together share a transaction.

    :meth:`submit` returns a future that holds the number of new rows once the transaction
    with the batch has committed, or the error that kept it out. When a shared transaction
    fails, each of its batches is tried again alone, so one bad batch fails only itself.
    """

    def __init__(self, capture: CaptureStore, *, group_rows: int = GROUP_ROWS) -> None:
        self.capture = capture
        self.group_rows = group_rows
        self._queue: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="modelpact-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def submit_predictions(self, model: CapturedModel, batch: PredictionBatch) -> Future[int]:
        """Queue a batch of predictions."""
        return self._submit(len(batch), lambda conn: self.capture.insert_predictions(
            conn, model, batch), batch.columns)

    def submit_feedback(self, model: CapturedModel, batch: FeedbackBatch) -> Future[int]:
        """Queue a batch of labels."""
        return self._submit(len(batch.ids), lambda conn: self.capture.insert_feedback(
            conn, model, batch.ids, batch.labels), None)

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            started, self._started = self._started, False
        if started:
            self._queue.put(None)
            self._thread.join()

    def _submit(self, rows: int, apply: Callable[[Connection], int],
                layout: tuple[str, ...] | None) -> Future[int]:
        with self._lock:
            if not self._started:
                if self._thread.ident is not None:  # closed: write in the caller's thread
                    future: Future[int] = Future()
                    self._write([_Write(rows, apply, layout, future)])
                    return future
                self._thread.start()
                self._started = True
        future = Future()
        self._queue.put(_Write(rows, apply, layout, future))
        return future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            group, rows = [first], first.rows
            while rows < self.group_rows:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                group.append(item)
                rows += item.rows
            try:
                self._write(group)
            except BaseException as exc:  # never leave a request waiting for ever
                log.exception("the ingestion writer failed")
                for item in group:
                    if not item.future.done():
                        item.future.set_exception(exc)

    def _write(self, group: list[_Write]) -> None:
        live = [item for item in group if item.future.set_running_or_notify_cancel()]
        if live:
            self._commit(live)

    def _commit(self, live: list[_Write]) -> None:
        try:
            with writing(self.capture.store.engine) as conn:
                counts = [item.apply(conn) for item in live]
        except Exception as exc:
            if len(live) == 1:
                live[0].future.set_exception(exc)
                return
            for item in live:  # one bad batch fails only itself
                self._commit([item])
            return
        self.capture.layouts_stored(item.layout for item in live if item.layout is not None)
        for item, new in zip(live, counts, strict=True):
            item.future.set_result(new)


class IngestService:
    """Stores captured predictions and feedback for the routes."""

    def __init__(self, store: Store, metrics: ServiceMetrics) -> None:
        self.store = store
        self.capture = CaptureStore(store)
        self.metrics = metrics
        self.writer = GroupWriter(self.capture)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, CapturedModel, Pact]] = {}

    def close(self) -> None:
        """Write what is queued and stop the writer."""
        self.writer.close()

    def cached_target(self, project: str, model: str) -> tuple[CapturedModel, Pact] | None:
        """:meth:`target` when it is known without reading the database, else None."""
        hit = self._cache.get((project, model))
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1], hit[2]
        return None

    def target(self, project: str, model: str) -> tuple[CapturedModel, Pact]:
        """The captured model and the pact its rows are checked against."""
        hit = self.cached_target(project, model)
        if hit is not None:
            return hit
        now = time.monotonic()
        captured = self.capture.get_model(project, model)
        pact = self.store.pinned_pact(project)
        if pact is None:
            raise PactError(
                f"project '{project}' has no pact to check captured rows against; record one "
                "with 'modelpact capture add-model --pact pact.yaml'")
        with self._lock:
            self._cache[(project, model)] = (now, captured, pact)
        return captured, pact

    def check_predictions(self, project: str, model: str, pact: Pact, body: bytes,
                          media_type: str) -> PredictionBatch:
        """Parse and validate a body of predictions (nothing is written)."""
        frame = parse_table(body, media_type)
        try:
            return validate_predictions(frame, pact)
        except InvalidDataError:
            self.metrics.rows_rejected.labels("prediction", "422").inc(len(frame))
            raise

    def check_feedback(self, project: str, model: str, pact: Pact, body: bytes,
                       media_type: str) -> FeedbackBatch:
        """Parse and validate a body of labels (nothing is written)."""
        frame = parse_table(body, media_type)
        try:
            return validate_feedback(frame, pact)
        except InvalidDataError:
            self.metrics.rows_rejected.labels("feedback", "422").inc(len(frame))
            raise

    def stored(self, project: str, model: str, kind: str, received: int,
               new: int) -> IngestResult:
        """Count a committed batch in the metrics."""
        self.metrics.rows_ingested.labels(project, model, kind).inc(received)
        return IngestResult(received=received, new=new)

    def add_predictions(
        self, project: str, model: str, body: bytes, media_type: str
    ) -> IngestResult:
        """Validate and store a batch of predictions (blocking until it is committed)."""
        captured, pact = self.target(project, model)
        batch = self.check_predictions(project, model, pact, body, media_type)
        new = self.writer.submit_predictions(captured, batch).result()
        return self.stored(project, model, "prediction", len(batch), new)

    def add_feedback(self, project: str, model: str, body: bytes, media_type: str) -> IngestResult:
        """Validate and store a batch of labels (blocking until it is committed)."""
        captured, pact = self.target(project, model)
        batch = self.check_feedback(project, model, pact, body, media_type)
        new = self.writer.submit_feedback(captured, batch).result()
        return self.stored(project, model, "feedback", len(batch.ids), new)
