"""A run whose process was killed shows as ``killed``, decided on read, never written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy

from modelpact.ledger import Store
from modelpact.ledger.status import project_status

CHILD = """
import sys, time
from pathlib import Path
from modelpact.ledger import open_store
url, root, ready = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
with open_store(url, root=root) as store:
    run = store.create_run("churn", name="doomed")
    store.log_params(run.id, {"C": 1})
    ready.write_text(run.id)
    time.sleep(60)  # killed long before this ends
"""


def _run_killed_mid_run(store_url: str, tmp_path: Path) -> str:
    ready = tmp_path / "ready"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, str(tmp_path / ".modelpact"), str(ready)]
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() or not ready.read_text():
            assert child.poll() is None, "the child died before starting its run"
            assert time.monotonic() < deadline, "the child never started its run"
            time.sleep(0.05)
        return ready.read_text()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)  # reaped: its pid no longer exists


def test_sigkilled_run_is_shown_killed(store: Store, store_url: str, tmp_path: Path) -> None:
    alive = store.create_run("churn", name="still going")  # this process: alive
    run_id = _run_killed_mid_run(store_url, tmp_path)
    assert store.get_run(run_id).status == "killed"
    assert store.get_run(alive.id).status == "running"
    assert [r.id for r in store.list_runs("churn", status="killed")] == [run_id]
    assert [r.id for r in store.list_runs("churn", status="running")] == [alive.id]
    assert store.count_runs("churn") == {"killed": 1, "running": 1}
    assert project_status(store, "churn").killed_runs == 1
    # decided on read: the stored row still says running
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.connect() as connection:
            status, pid = connection.execute(
                sqlalchemy.text("SELECT status, owner_pid FROM runs WHERE id = :id"), {"id": run_id}
            ).one()
    finally:
        engine.dispose()
    assert status == "running"
    assert pid is not None and pid != os.getpid()


def test_finishing_a_run_is_not_killed(store: Store) -> None:
    run = store.create_run("churn")
    store.finish_run(run.id)
    assert store.get_run(run.id).status == "finished"
    assert store.count_runs("churn") == {"finished": 1}
