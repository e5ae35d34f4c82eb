"""Several processes writing to one ledger at once lose nothing and corrupt nothing."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from modelpact.ledger import open_store

PROCESSES = 4
RUNS_EACH = 50


def _worker(url: str, root: str, worker: int) -> None:
    # The ledger is not created beforehand: the first opens race to migrate it, too.
    shared = pd.DataFrame({"x": range(100), "y": [i % 2 for i in range(100)]})
    with open_store(url, root=Path(root)) as store:
        snapshot = store.log_dataset(shared, name="shared", role="train")
        for i in range(RUNS_EACH):
            run = store.create_run("race", name=f"w{worker}-{i}", params={"worker": worker, "i": i})
            store.log_metrics(run.id, {"score": worker * 1000 + i})
            store.link_dataset(run.id, snapshot.id, "train")
            if i % 10 == 0:
                store.register_model(project="race", run_id=run.id, model={"w": worker})
            store.finish_run(run.id)


@pytest.mark.slow
def test_parallel_processes_lose_no_record(store_url: str, tmp_path: Path) -> None:
    # fork where the platform has it: spawned children would re-import pandas and
    # SQLAlchemy, which dominates the test's time; no engine is open in the parent to inherit.
    methods = multiprocessing.get_all_start_methods()
    forkable = "fork" in methods and threading.active_count() == 1
    ctx = multiprocessing.get_context("fork" if forkable else "spawn")
    procs = [
        ctx.Process(target=_worker, args=(store_url, str(tmp_path / "root"), w))
        for w in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * PROCESSES

    with open_store(store_url, root=tmp_path / "root", create=False) as store:
        runs = store.list_runs("race")
        assert len(runs) == PROCESSES * RUNS_EACH
        assert {r.status for r in runs} == {"finished"}
        expected = {(w, i) for w in range(PROCESSES) for i in range(RUNS_EACH)}
        seen = {(int(r.params["worker"]), int(r.params["i"])) for r in runs}
        assert seen == expected
        for r in runs:
            worker, i = int(r.params["worker"]), int(r.params["i"])
            assert r.metrics["score"].value == worker * 1000 + i
            assert len(r.datasets) == 1
        assert len({r.datasets[0].dataset_id for r in runs}) == 1  # same content, one snapshot
        versions = store.list_model_versions("race")
        assert sorted(v.version for v in versions) == list(range(1, PROCESSES * 5 + 1))

    if store_url.startswith("sqlite"):
        engine = create_engine(store_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        engine.dispose()
