"""The client: batching, a bounded buffer that never blocks, idempotent retries, flush on exit."""

from __future__ import annotations

import json
import threading

import httpx

from modelpact.client import Client


class Recorder:
    """A fake service: fails the first *failures* requests with 503, then accepts."""

    def __init__(
        self, failures: int = 0, status: int = 200, gate: threading.Event | None = None
    ) -> None:
        self.failures = failures
        self.status = status
        self.gate = gate
        self.requests: list[tuple[str, list[dict[str, object]], str]] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.gate is not None:
            self.gate.wait(60)
        with self.lock:
            self.requests.append((request.url.path, json.loads(request.content),
                                  request.headers["authorization"]))
            if self.failures > 0:
                self.failures -= 1
                return httpx.Response(503)
        return httpx.Response(self.status, json={"received": 0, "new": 0})


def _client(recorder: Recorder, **kwargs: object) -> Client:
    options: dict[str, object] = {"batch_size": 10, "flush_interval": 0.05, "max_backoff": 0.05}
    options.update(kwargs)
    return Client("http://service", key="mp_k_s", project="churn", model="gbm",
                  id_field="request_id", time_field="ts", score_field="p", label_field="y",
                  transport=httpx.MockTransport(recorder), **options)  # type: ignore[arg-type]


def test_rows_are_batched_with_the_pacts_field_names() -> None:
    recorder = Recorder()
    with _client(recorder) as client:
        for i in range(25):
            client.log_prediction(f"r{i}", {"age": i}, score=0.5, timestamp="2026-03-01T00:00:00Z")
        client.log_feedback("r3", 1)
        assert client.flush(5)
    paths = [p for p, _, _ in recorder.requests]
    assert paths.count("/api/v1/projects/churn/models/gbm/predictions") == 3
    assert paths.count("/api/v1/projects/churn/models/gbm/feedback") == 1
    sent = [row for p, rows, _ in recorder.requests if p.endswith("predictions") for row in rows]
    assert [r["request_id"] for r in sent] == [f"r{i}" for i in range(25)]
    assert sent[0] == {"age": 0, "request_id": "r0", "ts": "2026-03-01T00:00:00Z", "p": 0.5}
    assert {a for _, _, a in recorder.requests} == {"Bearer mp_k_s"}
    assert client.stats.sent == 26 and client.stats.dropped == 0


def test_retries_resend_the_same_batch() -> None:
    recorder = Recorder(failures=3)
    with _client(recorder) as client:
        for i in range(10):
            client.log_prediction(f"r{i}", {"age": i}, score=0.1)
        assert client.flush(5)
    batches = [[r["request_id"] for r in rows] for _, rows, _ in recorder.requests]
    assert len(batches) == 4 and all(b == batches[0] for b in batches)
    assert client.stats.retries == 3 and client.stats.sent == 10


def test_a_refused_batch_is_not_retried() -> None:
    recorder = Recorder(status=422)
    with _client(recorder) as client:
        client.log_prediction("r0", {"age": 1}, score=2.0)
        assert client.flush(5)
    assert len(recorder.requests) == 1 and client.stats.rejected == 1


def test_a_full_buffer_drops_and_never_blocks() -> None:
    gate = threading.Event()
    recorder = Recorder(gate=gate)  # a service that hangs until the gate opens
    client = _client(recorder, max_buffer=50, batch_size=50)
    accepted: list[bool] = []
    logging_thread = threading.Thread(target=lambda: accepted.extend(
        client.log_prediction(f"r{i}", {"age": i}, score=0.1) for i in range(5000)))
    logging_thread.start()
    logging_thread.join(30)
    # every call returned while the service was still hanging on the first batch
    assert not logging_thread.is_alive() and not gate.is_set()
    gate.set()
    client.close()
    assert sum(accepted) == 50 and client.stats.dropped == 4950


def test_close_sends_what_is_buffered() -> None:
    recorder = Recorder()
    client = _client(recorder, batch_size=1000, flush_interval=60)
    for i in range(7):
        client.log_prediction(f"r{i}", {"age": i}, score=0.1)
    client.close()
    assert sum(len(rows) for _, rows, _ in recorder.requests) == 7
    assert not client.log_prediction("late", {"age": 0}, score=0.1)  # closed: dropped
