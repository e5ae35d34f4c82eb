"""``modelpact store gc`` writes down the runs whose process is dead as ``killed``."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from typer.testing import CliRunner

from modelpact.cli.app import app
from modelpact.ledger import Store
from modelpact.ledger._convert import now
from modelpact.ledger.gc import mark_killed_runs
from modelpact.ledger.schema import RunRow
from tests.ledger.run_rows import set_run_columns

BEAT = 5.0  # a run that beat in the test's own lifetime is fresh; an hour ago is stale


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODELPACT_HEARTBEAT_S", str(BEAT))
    monkeypatch.delenv("MODELPACT_STORE", raising=False)
    monkeypatch.delenv("MODELPACT_ARTIFACTS", raising=False)
    monkeypatch.chdir(tmp_path)


def _rows(store_url: str) -> dict[str, Any]:
    engine = sqlalchemy.create_engine(store_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sqlalchemy.select(RunRow.id, RunRow.status, RunRow.finished_at, RunRow.error)
            ).all()
            return {row.id: row for row in found}
    finally:
        engine.dispose()


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


def _dead_and_alive_runs(store: Store, store_url: str) -> dict[str, str]:
    runs = {
        "stale": store.create_run("churn", name="stale heartbeat elsewhere").id,
        "gone": store.create_run("churn", name="process gone here").id,
        "beating": store.create_run("churn", name="beating elsewhere").id,
        "mine": store.create_run("churn", name="this process").id,
        "done": store.create_run("churn", name="finished").id,
    }
    store.finish_run(runs["done"])
    stale = now() - timedelta(hours=1)
    set_run_columns(store_url, runs["stale"], owner_host="elsewhere.example", heartbeat_at=stale)
    set_run_columns(store_url, runs["gone"], owner_pid=_dead_pid())
    set_run_columns(store_url, runs["beating"], owner_host="elsewhere.example", heartbeat_at=now())
    return runs


def test_mark_killed_runs_writes_status_end_and_note(store: Store, store_url: str) -> None:
    runs = _dead_and_alive_runs(store, store_url)
    before = _rows(store_url)
    dry = mark_killed_runs(store, dry_run=True)
    assert {k.id for k in dry} == {runs["stale"], runs["gone"]}
    assert _rows(store_url) == before  # a dry run writes nothing

    marked = mark_killed_runs(store)
    assert {k.id for k in marked} == {runs["stale"], runs["gone"]}
    rows = _rows(store_url)
    for key in ("stale", "gone"):
        row = rows[runs[key]]
        assert row.status == "killed" and row.finished_at is not None
        assert "marked by 'modelpact store gc'" in row.error
    assert "no heartbeat since" in rows[runs["stale"]].error
    assert "is gone" in rows[runs["gone"]].error
    assert {rows[runs[k]].status for k in ("beating", "mine")} == {"running"}
    assert rows[runs["done"]].status == "finished"
    # stored killed reads killed, in lists, counts and single lookups
    assert store.get_run(runs["stale"]).status == "killed"
    assert store.get_run(runs["stale"]).duration_s is not None
    assert {r.id for r in store.list_runs("churn", status="killed")} == {
        runs["stale"],
        runs["gone"],
    }
    assert store.count_runs("churn") == {"killed": 2, "running": 2, "finished": 1}
    assert mark_killed_runs(store) == []  # nothing left to mark


def test_a_run_that_beats_again_before_gc_is_left_alone(store: Store, store_url: str) -> None:
    run = store.create_run("churn")
    set_run_columns(store_url, run.id, owner_host="elsewhere.example", heartbeat_at=now())
    assert mark_killed_runs(store) == []
    assert _rows(store_url)[run.id].status == "running"


def test_store_gc_cli_reports_and_dry_run_writes_nothing(store: Store, store_url: str) -> None:
    runs = _dead_and_alive_runs(store, store_url)
    dry = CliRunner().invoke(app, ["store", "gc", "--store", store_url, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would mark 2 run(s) killed" in dry.stdout
    assert runs["stale"][:8] in dry.stdout and runs["gone"][:8] in dry.stdout
    assert _rows(store_url)[runs["stale"]].status == "running"

    done = CliRunner().invoke(app, ["store", "gc", "--store", store_url])
    assert done.exit_code == 0, done.output
    assert "marked 2 run(s) killed" in done.stdout
    assert runs["beating"][:8] not in done.stdout
    statuses = {k: _rows(store_url)[v].status for k, v in runs.items()}
    assert statuses == {
        "stale": "killed",
        "gone": "killed",
        "beating": "running",
        "mine": "running",
        "done": "finished",
    }
    again = CliRunner().invoke(app, ["store", "gc", "--store", store_url])
    assert "marked 0 run(s) killed" in again.stdout
