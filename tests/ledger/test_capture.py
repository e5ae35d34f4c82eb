"""Captured predictions and feedback, API keys and leases, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from modelpact.errors import NotFoundError, StoreError
from modelpact.ledger import Store
from modelpact.ledger.capture import CaptureStore, PredictionBatch
from modelpact.ledger.capture_schema import CapturedPredictionRow
from modelpact.ledger.keys import KeyStore, hash_key
from modelpact.ledger.locks import Lease

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _batch(ids: list[str], start: int = 0) -> PredictionBatch:
    return PredictionBatch(
        ids=ids,
        timestamps=[T0 + timedelta(hours=start + i) for i in range(len(ids))],
        columns=("age", "plan"),
        features=[json.dumps([30 + i, "gold" if i % 2 else "basic"]) for i in range(len(ids))],
        scores=[i / (len(ids) + 1) for i in range(len(ids))],
        predictions=[json.dumps(int(i % 2)) for i in range(len(ids))],
    )


def _stored(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(CapturedPredictionRow)) or 0)


def test_batches_are_idempotent_by_prediction_id(store: Store) -> None:
    capture = CaptureStore(store)
    model = capture.ensure_model("churn", "gbm")
    assert capture.add_predictions(model, _batch(["a", "b", "c"])) == 3
    assert capture.add_predictions(model, _batch(["a", "b", "c"])) == 0
    assert capture.add_predictions(model, _batch(["c", "d"], start=3)) == 1
    assert _stored(store) == 4
    frame = capture.frame(model)
    assert frame["prediction_id"].tolist() == ["a", "b", "c", "d"]
    assert frame["age"].tolist() == [30, 31, 32, 31]
    assert frame["plan"].tolist() == ["basic", "gold", "basic", "gold"]
    # the same id under another model is another prediction
    other = capture.ensure_model("churn", "gbm-v2")
    assert capture.add_predictions(other, _batch(["a"])) == 1


def test_a_failing_batch_writes_nothing(store: Store) -> None:
    capture = CaptureStore(store)
    model = capture.ensure_model("churn", "gbm")
    capture.add_predictions(model, _batch(["kept"]))
    good = _batch(["x1", "x2", "x3"], start=5)
    broken = PredictionBatch(ids=good.ids, timestamps=good.timestamps, columns=good.columns,
                             features=[*good.features[:2], None],  # type: ignore[list-item]
                             scores=good.scores)
    with pytest.raises(StoreError, match="refused a write"):
        capture.add_predictions(model, broken)
    assert _stored(store) == 1


def test_labels_before_their_predictions_are_joined_later(store: Store) -> None:
    capture = CaptureStore(store)
    model = capture.ensure_model("churn", "gbm")
    assert capture.add_feedback(model, ["b", "zz"], ["1", '"late"']) == 2
    assert capture.add_feedback(model, ["b"], ["0"]) == 0  # the first label stays
    capture.add_predictions(model, _batch(["a", "b"]))
    frame = capture.frame(model)
    assert frame["label"].tolist() == [None, 1]
    assert capture.count(model) == (2, 1)
    labels = capture.labels(model)
    assert labels["prediction_id"].tolist() == ["b", "zz"]
    assert labels["label"].tolist() == [1, "late"]


def test_window_export_and_retention(store: Store, tmp_path: Path) -> None:
    capture = CaptureStore(store)
    model = capture.ensure_model("churn", "gbm")
    capture.add_predictions(model, _batch([f"p{i}" for i in range(10)]))
    out = tmp_path / "window.parquet"
    n = capture.export(model, out, start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=5),
                       names={"score": "p_churn"})
    back = pd.read_parquet(out)
    assert n == 3 and back["prediction_id"].tolist() == ["p2", "p3", "p4"]
    assert "p_churn" in back.columns and back["timestamp"].min() == pd.Timestamp(
        T0 + timedelta(hours=2))
    assert capture.latest_time(model) == T0 + timedelta(hours=9)
    deleted, _ = capture.prune(T0 + timedelta(hours=7))
    assert deleted == 7
    assert capture.frame(model)["prediction_id"].tolist() == ["p7", "p8", "p9"]


def test_unknown_project_and_model_are_named(store: Store) -> None:
    capture = CaptureStore(store)
    capture.ensure_model("churn", "gbm")
    with pytest.raises(NotFoundError, match="no project 'chrun'"):
        capture.get_model("chrun", "gbm")
    with pytest.raises(NotFoundError, match="no captured model 'gmb'; did you mean 'gbm'"):
        capture.get_model("churn", "gmb")


def test_reference_period_is_stored(store: Store) -> None:
    capture = CaptureStore(store)
    capture.ensure_model("churn", "gbm", reference_start=T0, reference_end=T0 + timedelta(days=7))
    model = capture.get_model("churn", "gbm")
    assert (model.reference_start, model.reference_end) == (T0, T0 + timedelta(days=7))
    assert capture.ensure_model("churn", "gbm").reference_end == T0 + timedelta(days=7)


def test_keys_are_hashed_scoped_and_revocable(store: Store) -> None:
    keys = KeyStore(store)
    info, secret = keys.create("churn")
    _, other = keys.create("fraud")
    assert keys.authenticate(secret) == "churn" and keys.authenticate(other) == "fraud"
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT key_hash FROM api_keys").scalars().all()
    assert hash_key(secret) in stored and secret not in stored
    assert [k.prefix for k in keys.list("churn")] == [info.prefix]
    keys.revoke(info.prefix)
    assert keys.authenticate(secret) is None and keys.authenticate(other) == "fraud"
    with pytest.raises(NotFoundError, match="no API key with prefix 'nope'"):
        keys.revoke("nope")


def test_a_lease_has_one_holder_until_released_or_expired(store: Store) -> None:
    a = Lease(store, "scheduler", "a", ttl=timedelta(seconds=30))
    b = Lease(store, "scheduler", "b", ttl=timedelta(seconds=30))
    assert a.acquire() and not b.acquire() and a.renew() and not b.renew()
    a.release()
    assert b.acquire() and not a.acquire()
    expired = Lease(store, "other", "c", ttl=timedelta(seconds=-1))
    assert expired.acquire()
    assert Lease(store, "other", "d").acquire()  # c's lease had lapsed
    assert not expired.renew()
