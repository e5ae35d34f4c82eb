"""Send a model server's predictions and labels to ``modelpact serve``, off the request path.

:class:`Client` buffers rows in memory and a background thread sends them in batches. Logging
never blocks and never raises: when the buffer is full (the service down for long), new rows
are dropped and counted in :attr:`Client.stats`. A batch that fails to send is retried with
exponential backoff, unchanged, so the service's idempotency by prediction id makes a retry
that had in fact succeeded harmless. Whatever is still buffered is sent when the interpreter
exits (bounded by ``exit_timeout``).

Examples
--------
A model server sends each prediction as it makes it, and labels when they arrive::

    from modelpact.client import Client

    capture = Client("http://127.0.0.1:8000", key=KEY, project="churn", model="gbm",
                     id_field="request_id", time_field="ts", score_field="p_churn",
                     label_field="churned")
    capture.log_prediction("req-1", {"age": 41, "plan": "gold"}, score=0.83)
    ...
    capture.log_feedback("req-1", 1)
"""

from __future__ import annotations

import atexit
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from modelpact._shadow import shadow_model_name

__all__ = ["Client", "ClientStats"]

log = logging.getLogger("modelpact.client")

Kind = Literal["predictions", "feedback"]
#: Statuses worth retrying: the request may succeed later unchanged.
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class ClientStats:
    """Counters of one client (read them any time; they only grow)."""

    logged: int = 0
    sent: int = 0
    dropped: int = 0
    rejected: int = 0
    retries: int = 0


class Client:
    """Buffered, batching, retrying sender of predictions and feedback.

    Parameters
    ----------
    url
        The service, e.g. ``http://127.0.0.1:8000``.
    key
        An API key of *project* (``modelpact keys create --project P``).
    project, model
        Where the rows go: ``/api/v1/projects/{project}/models/{model}``.
    id_field, time_field, score_field, prediction_field, label_field
        The pact's names for the prediction id, the time, the score, the hard prediction and
        the target.
    batch_size
        Rows per request.
    flush_interval
        Seconds a row waits at most before its batch is sent.
    max_buffer
        Rows held in memory at most; beyond it new rows are dropped (and counted).
    max_backoff
        Longest pause between retries, in seconds; a batch is retried until it is accepted
        or refused, or the client is closed.
    exit_timeout
        Seconds :meth:`close` (and interpreter exit) waits for the buffer to drain.
    transport
        An httpx transport (tests).
    on_batch
        Called from the sending thread as ``on_batch(kind, ids, status)`` after each
        attempt (``status`` None when the service could not be reached).
    """

    def __init__(
        self,
        url: str,
        *,
        key: str,
        project: str,
        model: str,
        id_field: str = "prediction_id",
        time_field: str = "timestamp",
        score_field: str = "score",
        prediction_field: str = "prediction",
        label_field: str = "label",
        batch_size: int = 500,
        flush_interval: float = 1.0,
        max_buffer: int = 100_000,
        max_backoff: float = 30.0,
        timeout: float = 10.0,
        exit_timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        on_batch: Callable[[str, Sequence[str], int | None], None] | None = None,
    ) -> None:
        self.fields = {"id": id_field, "time": time_field, "score": score_field,
                       "prediction": prediction_field, "label": label_field}
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_buffer = max_buffer
        self.max_backoff = max_backoff
        self.exit_timeout = exit_timeout
        self.on_batch = on_batch
        self.stats = ClientStats()
        self._project_url = f"{url.rstrip('/')}/api/v1/projects/{project}/models"
        self._model = model
        base = f"{self._project_url}/{model}"
        self._paths: dict[str, str] = {"predictions": f"{base}/predictions",
                                        "feedback": f"{base}/feedback"}
        self._http = httpx.Client(headers={"Authorization": f"Bearer {key}"}, timeout=timeout,
                                  transport=transport)
        self._queues: dict[str, deque[dict[str, Any]]] = {"predictions": deque(),
                                                           "feedback": deque()}
        self._in_flight = 0
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="modelpact-client", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # ---------------------------------------------------------------- logging (never blocks)

    def log_prediction(
        self,
        prediction_id: str | int,
        features: Mapping[str, Any],
        *,
        score: float | None = None,
        prediction: Any = None,
        timestamp: datetime | str | None = None,
        scores: Mapping[str, float] | None = None,
    ) -> bool:
        """Queue one prediction; False if it was dropped (buffer full or client closed).

        *scores* maps the pact's per-class score fields to values (multiclass).
        """
        row = self._row(prediction_id, features, score, prediction, timestamp, scores)
        return self._put("predictions", row)

    def log_shadow(
        self,
        prediction_id: str | int,
        features: Mapping[str, Any],
        *,
        candidate: int,
        score: float | None = None,
        prediction: Any = None,
        timestamp: datetime | str | None = None,
        scores: Mapping[str, float] | None = None,
    ) -> bool:
        """Queue a shadow challenger's answer for a prediction the champion served.

        *candidate* is the version number of the candidate put in shadow (``modelpact models
        shadow PROJECT:VERSION``); send the same prediction id (and features) as the
        champion's :meth:`log_prediction`, and labels once, with :meth:`log_feedback`: the gate
        joins them to both answers by id. False if the row was dropped.
        """
        name = shadow_model_name(self._model, candidate)
        with self._cond:
            if name not in self._queues:
                self._paths[name] = f"{self._project_url}/{name}/predictions"
                self._queues[name] = deque()
        return self._put(name, self._row(prediction_id, features, score, prediction, timestamp,
                                         scores))

    def _row(self, prediction_id: str | int, features: Mapping[str, Any], score: float | None,
             prediction: Any, timestamp: datetime | str | None,
             scores: Mapping[str, float] | None) -> dict[str, Any]:
        when = timestamp if timestamp is not None else datetime.now(UTC)
        row: dict[str, Any] = dict(features)
        row[self.fields["id"]] = prediction_id
        row[self.fields["time"]] = when.isoformat() if isinstance(when, datetime) else when
        if score is not None:
            row[self.fields["score"]] = score
        if scores:
            row.update(scores)
        if prediction is not None:
            row[self.fields["prediction"]] = prediction
        return row

    def log_feedback(self, prediction_id: str | int, label: Any) -> bool:
        """Queue the label of a prediction (made earlier or still to come)."""
        return self._put("feedback", {self.fields["id"]: prediction_id,
                                      self.fields["label"]: label})

    def _put(self, kind: str, row: dict[str, Any]) -> bool:
        with self._cond:
            buffered = sum(len(q) for q in self._queues.values()) + self._in_flight
            if self._closing or buffered >= self.max_buffer:
                self.stats.dropped += 1
                return False
            self._queues[kind].append(row)
            self.stats.logged += 1
            if len(self._queues[kind]) >= self.batch_size:
                self._cond.notify()
        return True

    # ---------------------------------------------------------------- draining

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything logged so far was sent (or refused); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()
            while any(self._queues.values()) or self._in_flight:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(0.05 if remaining is None else min(remaining, 0.05))
        return True

    def close(self) -> None:
        """Send what is buffered (within ``exit_timeout``), then stop. Safe to call twice."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._thread.join(self.exit_timeout)
        if not self._thread.is_alive():  # a sender still retrying keeps its connection
            self._http.close()
        atexit.unregister(self.close)
        left = sum(len(q) for q in self._queues.values())
        if left:
            log.warning("modelpact client closed with %d rows unsent", left)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- the sending thread

    def _take(self) -> tuple[str, list[dict[str, Any]]] | None:
        with self._cond:
            while True:
                full = [k for k, q in self._queues.items() if len(q) >= self.batch_size]
                if not full and not self._closing:
                    self._cond.wait(self.flush_interval)
                    full = [k for k, q in self._queues.items() if q]
                else:
                    full = full or [k for k, q in self._queues.items() if q]
                if full:
                    kind = full[0]
                    queue = self._queues[kind]
                    batch = [queue.popleft() for _ in range(min(self.batch_size, len(queue)))]
                    self._in_flight += len(batch)
                    return kind, batch
                if self._closing:
                    return None

    def _run(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                return
            kind, batch = taken
            try:
                self._send(kind, batch)
            finally:
                with self._cond:
                    self._in_flight -= len(batch)
                    self._cond.notify_all()

    def _send(self, kind: str, batch: list[dict[str, Any]]) -> None:
        ids = [str(row[self.fields["id"]]) for row in batch]
        delay = 0.1
        give_up = None
        while True:
            status: int | None
            try:
                response = self._http.post(self._paths[kind], json=batch)
                status = response.status_code
            except httpx.HTTPError as exc:
                status, response = None, None
                log.debug("modelpact client: %s", exc)
            if self.on_batch is not None:
                self.on_batch(kind, ids, status)
            if status is not None and status < 300:
                self.stats.sent += len(batch)
                return
            if status is not None and status not in RETRY_STATUS:
                # refused for good (bad rows, bad key): retrying the same batch cannot help
                self.stats.rejected += len(batch)
                log.warning("modelpact service refused %d %s rows (%s): %s", len(batch), kind,
                            status, response.text[:300] if response is not None else "")
                return
            with self._cond:
                if self._closing and give_up is None:
                    give_up = time.monotonic() + self.exit_timeout
                if give_up is not None and time.monotonic() >= give_up:
                    self.stats.dropped += len(batch)
                    return
            self.stats.retries += 1
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.max_backoff)
