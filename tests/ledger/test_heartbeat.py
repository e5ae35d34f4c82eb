"""A live run beats; a run whose beats stopped reads as killed, from whatever host it ran on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

import modelpact
from modelpact.errors import ConfigurationError
from modelpact.ledger import Store
from modelpact.ledger._convert import aware, now
from modelpact.ledger.liveness import MISSED_BEATS, heartbeat_interval
from modelpact.ledger.schema import RunRow
from tests.ledger.run_rows import set_run_columns

BEAT = 0.5  # seconds: short, so a stale heartbeat is MISSED_BEATS * BEAT = 1.5 s away
# Where the test writes heartbeats itself, a long interval keeps "fresh" fresh on a slow
# machine, and "stale" is made an hour old.
SLOW_BEAT = 60.0


@pytest.fixture(autouse=True)
def _short_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELPACT_HEARTBEAT_S", str(BEAT))


@pytest.fixture
def slow_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELPACT_HEARTBEAT_S", str(SLOW_BEAT))


def _row(store_url: str, run_id: str) -> Any:
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sqlalchemy.select(
                    RunRow.status, RunRow.heartbeat_at, RunRow.owner_host, RunRow.owner_pid
                ).where(RunRow.id == run_id)
            ).one()
    finally:
        engine.dispose()


def _wait_for(condition: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _beat_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("modelpact-heartbeat-")]


def test_a_live_run_refreshes_its_heartbeat_and_stops_when_it_ends(
    store: Store, store_url: str
) -> None:
    with modelpact.start_run("churn", store=store) as run:
        first = _row(store_url, run.id).heartbeat_at
        assert first is not None  # the first beat is written as the run starts
        _wait_for(lambda: _row(store_url, run.id).heartbeat_at != first, "a second beat")
        # long past the staleness limit, the run is alive because it keeps beating
        time.sleep(MISSED_BEATS * BEAT * 1.5)
        assert store.get_run(run.id).status == "running"
        assert len(_beat_threads()) == 1
    assert not _beat_threads()
    last = _row(store_url, run.id).heartbeat_at
    time.sleep(BEAT * 2)
    status, beat = _row(store_url, run.id)[:2]
    assert (status, beat) == ("finished", last)  # no beat after the end
    assert store.get_run(run.id).status == "finished"  # a finished run is never stale


def _stale() -> datetime:
    return now() - timedelta(hours=1)


@pytest.mark.usefixtures("slow_heartbeat")
def test_a_run_on_another_host_is_killed_once_its_heartbeat_is_stale(
    store: Store, store_url: str
) -> None:
    beating = store.create_run("churn", name="beating elsewhere")
    stopped = store.create_run("churn", name="stopped elsewhere")
    legacy = store.create_run("churn", name="written before heartbeats")
    for run in (beating, stopped, legacy):
        set_run_columns(store_url, run.id, owner_host="another-host.example", owner_pid=1234)
    set_run_columns(store_url, beating.id, heartbeat_at=now())
    set_run_columns(store_url, stopped.id, heartbeat_at=_stale())
    assert store.get_run(beating.id).status == "running"
    assert store.get_run(stopped.id).status == "killed"
    # no heartbeat: another host's process cannot be judged from here, as before
    assert store.get_run(legacy.id).status == "running"
    assert [r.id for r in store.list_runs("churn", status="killed")] == [stopped.id]
    assert store.count_runs("churn") == {"running": 2, "killed": 1}


@pytest.mark.usefixtures("slow_heartbeat")
def test_a_reused_pid_does_not_keep_a_stale_run_alive(store: Store, store_url: str) -> None:
    run = store.create_run("churn")
    # the recorded pid is alive on this host (it is ours), as a reused pid would be
    host, pid = _row(store_url, run.id)[2:]
    assert pid == os.getpid()
    set_run_columns(store_url, run.id, heartbeat_at=now())
    assert store.get_run(run.id).status == "running"
    set_run_columns(store_url, run.id, heartbeat_at=_stale())
    assert store.get_run(run.id).status == "killed"
    assert store.count_runs("churn") == {"killed": 1}
    assert host is not None


CHILD = """
import socket, sys, time
from pathlib import Path
socket.gethostname = lambda: "another-host.example"  # as if it ran on another machine
import modelpact
url, root, ready = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
with modelpact.start_run("churn", store=url, root=root) as run:
    ready.write_text(run.id)
    time.sleep(120)  # killed long before this ends
"""


def test_a_sigkilled_run_on_another_host_reads_killed(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, str(tmp_path / ".modelpact"), str(ready)],
        env={**os.environ, "MODELPACT_HEARTBEAT_S": str(BEAT)},
    )
    try:
        _wait_for(lambda: child.poll() is None and ready.exists() and ready.read_text(), "start")
        run_id = ready.read_text()
        assert _row(store_url, run_id)[2] == "another-host.example"
        time.sleep(MISSED_BEATS * BEAT * 1.5)
        assert store.get_run(run_id).status == "running"  # it beats
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    beat = aware(_row(store_url, run_id).heartbeat_at)
    _wait_for(lambda: store.get_run(run_id).status == "killed", "the run to read killed")
    assert (now() - beat).total_seconds() > MISSED_BEATS * BEAT
    assert _row(store_url, run_id).status == "running"  # decided on read, not written


def test_the_heartbeat_interval_must_be_a_positive_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert heartbeat_interval() == BEAT
    for bad in ("soon", "0", "-1", "nan"):
        monkeypatch.setenv("MODELPACT_HEARTBEAT_S", bad)
        with pytest.raises(ConfigurationError, match="MODELPACT_HEARTBEAT_S"):
            heartbeat_interval()
