"""The ingestion hot path: bulk inserts, the group-commit writer and the API-key cache."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event

from modelpact.errors import StoreError
from modelpact.ledger import Store, open_store
from modelpact.ledger.capture import CaptureStore, PredictionBatch
from modelpact.ledger.keys import KeyCache, KeyStore
from modelpact.service import ServiceSettings, create_app
from modelpact.service.ingest import GroupWriter
from tests.service.conftest import churn_pact, prepare_ledger, rows


@pytest.fixture
def ledger(store_url: str, tmp_path: Path) -> Iterator[Store]:
    with open_store(store_url, root=tmp_path / ".modelpact") as store:
        yield store


def _batch(start: int, n: int, t0: datetime = datetime(2026, 3, 1, tzinfo=UTC)
           ) -> PredictionBatch:
    return PredictionBatch(
        ids=[f"id{i}" for i in range(start, start + n)],
        timestamps=[t0 + timedelta(seconds=i) for i in range(start, start + n)],
        columns=("x", "y"), features=[f"[{i}, \"v{i}\"]" for i in range(start, start + n)],
        scores=[(i % 100) / 100 for i in range(start, start + n)])


def test_large_batches_are_stored_once_and_read_back_exactly(ledger: Store) -> None:
    # 3,000 rows: PostgreSQL streams them with COPY; a few rows go as one INSERT
    capture = CaptureStore(ledger)
    model = capture.ensure_model("churn", "gbm")
    assert capture.add_predictions(model, _batch(0, 3000)) == 3000
    assert capture.add_predictions(model, _batch(0, 3000)) == 0
    assert capture.add_predictions(model, _batch(2990, 20)) == 10  # overlapping: 10 new
    assert capture.add_predictions(model, _batch(5000, 3)) == 3
    frame = capture.frame(model)
    assert len(frame) == 3013
    expected = sorted([*range(3010), 5000, 5001, 5002])
    assert frame["x"].tolist() == expected
    assert frame["y"].tolist() == [f"v{i}" for i in expected]
    assert frame["score"].tolist() == [(i % 100) / 100 for i in expected]
    assert frame["prediction_id"].tolist() == [f"id{i}" for i in expected]
    first = frame["timestamp"].iloc[0]
    assert first == datetime(2026, 3, 1, tzinfo=UTC)
    assert capture.add_feedback(model, [f"id{i}" for i in range(200)], ["1"] * 200) == 200
    assert capture.add_feedback(model, [f"id{i}" for i in range(100, 300)], ["0"] * 200) == 100
    assert capture.count(model) == (3013, 300)


def test_times_with_an_offset_are_stored_as_the_same_instant(ledger: Store) -> None:
    capture = CaptureStore(ledger)
    model = capture.ensure_model("churn", "gbm")
    plus_two = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    capture.add_predictions(model, _batch(0, 1, plus_two))
    stored = capture.frame(model)["timestamp"].iloc[0]
    assert stored == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def _commits(store: Store) -> list[int]:
    seen: list[int] = []
    event.listen(store.engine, "commit", lambda conn: seen.append(1))
    return seen


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Iterator[Store]:
    # the test holds the writer back with SQLite's writer lock file, which only SQLite has
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}", root=tmp_path / ".modelpact") as store:
        yield store


def test_batches_waiting_together_share_one_transaction_and_each_gets_its_count(
        sqlite_ledger: Store) -> None:
    ledger = sqlite_ledger
    capture = CaptureStore(ledger)
    model = capture.ensure_model("churn", "gbm")
    capture.add_predictions(model, _batch(0, 1))  # id0 exists already
    commits = _commits(ledger)
    writer = GroupWriter(capture)
    lock = os.open(f"{ledger.engine.url.database}.writer-lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another writer holds the database
        futures = [writer.submit_predictions(model, _batch(i, 1)) for i in range(20)]
        time.sleep(0.3)
        assert not any(f.done() for f in futures)  # nothing is acknowledged before commit
    finally:
        os.close(lock)
    results = [f.result(timeout=60) for f in futures]
    writer.close()
    assert results == [0] + [1] * 19
    # the writer's first transaction may hold the first batch alone; the rest queued behind
    # it share one
    assert 1 <= len(commits) <= 2
    assert capture.count(model) == (20, 0)


def test_a_failing_batch_in_a_shared_transaction_fails_alone(ledger: Store) -> None:
    capture = CaptureStore(ledger)
    model = capture.ensure_model("churn", "gbm")
    good = _batch(0, 2)
    broken = PredictionBatch(ids=["bad"], timestamps=good.timestamps[:1], columns=("x", "y"),
                             features=[None],  # type: ignore[list-item]
                             scores=None)
    writer = GroupWriter(capture)
    # queued before the thread runs: all three are one group
    items = [writer.submit_predictions(model, good),
             writer.submit_predictions(model, broken),
             writer.submit_predictions(model, _batch(10, 3))]
    assert items[0].result(timeout=60) == 2 and items[2].result(timeout=60) == 3
    with pytest.raises(StoreError, match="refused a write"):
        items[1].result(timeout=60)
    writer.close()
    assert sorted(capture.frame(model)["prediction_id"]) == ["id0", "id1", "id10", "id11",
                                                             "id12"]


def test_a_closed_writer_writes_in_the_callers_thread(ledger: Store) -> None:
    capture = CaptureStore(ledger)
    model = capture.ensure_model("churn", "gbm")
    writer = GroupWriter(capture)
    assert writer.submit_predictions(model, _batch(0, 1)).result(timeout=60) == 1
    writer.close()
    assert writer.submit_predictions(model, _batch(1, 2)).result(timeout=0) == 2


def test_a_valid_key_is_remembered_for_its_time_to_live_only(tmp_path: Path) -> None:
    with open_store(root=tmp_path) as store:
        keys = KeyStore(store)
        cache = KeyCache(keys, ttl=0.5)
        assert cache.authenticate("mp_unknown_key") is None
        info, secret = keys.create("churn")
        assert cache.cached(secret) is None  # unknown keys are not remembered
        assert cache.authenticate(secret) == "churn"
        keys.revoke(info.prefix)
        # revoked in the ledger, still trusted here until the time to live runs out
        assert cache.cached(secret) == "churn" and cache.authenticate(secret) == "churn"
        time.sleep(0.6)
        assert cache.cached(secret) is None and cache.authenticate(secret) is None
        assert KeyCache(keys, ttl=60).authenticate(secret) is None


def test_a_key_revoked_while_the_service_runs_is_refused_after_the_cache_time(
        tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    root = tmp_path / ".modelpact"
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    key, _ = prepare_ledger(url, root)
    settings = ServiceSettings(store_url=url, root=root, schedule=False,
                               key_cache_ttl=timedelta(seconds=0.5))
    headers = {"Authorization": f"Bearer {key}"}
    path = "/api/v1/projects/churn/models/gbm/predictions"
    with TestClient(create_app(settings)) as client:
        assert client.post(path, json=rows(1), headers=headers).status_code == 200
        with open_store(url, root=root) as store:
            keys = KeyStore(store)
            keys.revoke(keys.list("churn")[0].prefix)
        time.sleep(0.6)
        refused = client.post(path, json=rows(1, start=1), headers=headers)
        assert refused.status_code == 401
    with open_store(url, root=root) as store:
        model = CaptureStore(store).get_model("churn", "gbm")
        assert CaptureStore(store).count(model) == (1, 0)
    assert churn_pact().name == "churn"


def test_a_group_of_single_row_requests_from_many_threads_loses_nothing(
        tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    root = tmp_path / ".modelpact"
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    key, _ = prepare_ledger(url, root)
    headers = {"Authorization": f"Bearer {key}"}
    path = "/api/v1/projects/churn/models/gbm/predictions"
    with TestClient(create_app(ServiceSettings(store_url=url, root=root,
                                               schedule=False))) as client:
        def send(i: int) -> int:
            response = client.post(path, json=rows(1, start=i), headers=headers)
            assert response.status_code == 200
            return int(response.json()["new"])

        with ThreadPoolExecutor(8) as pool:
            new = list(pool.map(send, [i % 150 for i in range(300)]))
    assert sum(new) == 150  # each id stored once, whichever request carried it first
    with open_store(url, root=root) as store:
        model = CaptureStore(store).get_model("churn", "gbm")
        assert CaptureStore(store).count(model) == (150, 0)
