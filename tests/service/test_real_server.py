"""Against a real ``modelpact serve`` process: SIGKILL mid-stream, several writers at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from modelpact.client import Client
from tests.service._server import free_port, start_server
from tests.service.conftest import prepare_ledger

pytestmark = pytest.mark.slow


def _stored_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT prediction_id FROM captured_predictions")).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def ledger(store_url: str, tmp_path: Path) -> tuple[str, str]:
    key, _ = prepare_ledger(store_url, tmp_path / ".modelpact")
    return store_url, key


def _client(port: int, key: str, **kwargs: object) -> Client:
    return Client(f"http://127.0.0.1:{port}", key=key, project="churn", model="gbm",
                  id_field="request_id", time_field="ts", score_field="p_churn",
                  prediction_field="predicted", label_field="churned", **kwargs)  # type: ignore[arg-type]


def test_sigkill_mid_stream_loses_no_acknowledged_row_and_leaves_no_partial_batch(
    ledger: tuple[str, str], tmp_path: Path
) -> None:
    url, key = ledger
    port = free_port()
    server = start_server(url, tmp_path, port, "--no-schedule")
    attempts: list[tuple[list[str], int | None]] = []
    lock = threading.Lock()

    def record(_kind: str, ids: object, status: int | None) -> None:
        with lock:
            attempts.append((list(ids), status))  # type: ignore[call-overload]

    client = _client(port, key, batch_size=200, flush_interval=0.02, max_backoff=0.5,
                     exit_timeout=60, on_batch=record)
    total = 6000
    killed = threading.Event()
    try:
        for i in range(total):
            client.log_prediction(f"p{i}", {"age": i % 90, "plan": "gold"}, score=(i % 100) / 100,
                                  prediction=i % 2, timestamp="2026-03-01T00:00:00+00:00")
            if i == total // 3:
                deadline = time.monotonic() + 60
                while client.stats.sent < 1000 and time.monotonic() < deadline:
                    time.sleep(0.01)
                server.send_signal(signal.SIGKILL)
                server.wait(30)
                killed.set()
                # the server is dead: what is stored is exactly whole acknowledged batches,
                # plus possibly whole batches whose answer was lost with the process
                stored = set(_stored_ids(url))
                with lock:
                    seen = list(attempts)
                acked = [ids for ids, status in seen if status == 200]
                assert acked, "some batches were acknowledged before the kill"
                assert all(set(ids) <= stored for ids in acked)
                for ids, _ in seen:
                    assert len(set(ids) & stored) in (0, len(ids)), "a partial batch is stored"
                server = start_server(url, tmp_path, port, "--no-schedule")
            if i % 500 == 0:
                time.sleep(0.01)  # a stream, not one burst
        assert client.flush(120)
    finally:
        client.close()
        server.kill()
        server.wait(30)
    assert killed.is_set()
    stored_ids = _stored_ids(url)
    assert len(stored_ids) == total == len(set(stored_ids))  # every row, exactly once
    assert client.stats.dropped == 0 and client.stats.rejected == 0
    assert any(status is None for _, status in attempts), "the kill was seen by the client"


WRITER = textwrap.dedent("""
    import sys
    from modelpact.client import Client
    port, key, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    client = Client(f"http://127.0.0.1:{port}", key=key, project="churn", model="gbm",
                    id_field="request_id", time_field="ts", score_field="p_churn",
                    batch_size=100, flush_interval=0.01)
    for i in range(1500):
        client.log_prediction(f"{prefix}-{i}", {"age": i % 90, "plan": "basic"},
                              score=0.25, timestamp="2026-03-01T00:00:00Z")
    # no explicit flush: the client flushes at interpreter exit
""")


def test_several_client_processes_lose_nothing(ledger: tuple[str, str], tmp_path: Path) -> None:
    url, key = ledger
    port = free_port()
    server = start_server(url, tmp_path, port, "--no-schedule")
    try:
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(port), key, f"w{n}"])
                   for n in range(3)]
        assert [w.wait(180) for w in writers] == [0, 0, 0]
    finally:
        server.kill()
        server.wait(30)
    stored = _stored_ids(url)
    assert len(stored) == 3 * 1500 == len(set(stored))
