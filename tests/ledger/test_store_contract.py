"""The store contract, run once against SQLite and once against PostgreSQL (``store_url``)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from modelpact.errors import (
    ConfigurationError,
    ModelLoadError,
    NotFoundError,
    PromotionRefused,
    StoreError,
)
from modelpact.ledger import MetricValue, Store, pact_hash
from modelpact.pact import Pact, parse_pact
from tests.ledger.conftest import PACT_YAML, verdict_doc


def _frame(n: int = 50, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "city": rng.choice(["Lyon", "Oslo", "Kyiv"], size=n),
            "y": rng.integers(0, 2, size=n),
        }
    )


# ------------------------------------------------------------------ projects


def test_ensure_project_is_idempotent_and_records_the_pact(store: Store, pact: Pact) -> None:
    first = store.ensure_project("churn", pact)
    again = store.ensure_project("churn")
    assert again.id == first.id
    assert again.pact_name == "churn-pact"
    assert again.pact_hash == pact_hash(pact)
    assert again.pact == pact.model_dump(mode="json")
    assert [p.name for p in store.list_projects()] == ["churn"]


def test_changed_pact_is_proposed_not_pinned(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    stricter = parse_pact(PACT_YAML.replace("at_least: 0.7", "at_least: 0.9"))
    kept = store.ensure_project("churn", stricter)
    store.ensure_project("churn", stricter)  # proposed once, not once per arrival
    assert kept.pact_hash == pact_hash(pact) != pact_hash(stricter)
    assert [e.kind for e in store.list_events("churn")] == ["pact_pinned", "pact_proposed"]


def test_unknown_project_is_a_not_found_error_with_a_hint(store: Store) -> None:
    store.ensure_project("churn")
    with pytest.raises(NotFoundError, match=r"no project 'chrun'.*did you mean 'churn'"):
        store.get_project("chrun")


def test_invalid_project_name_is_refused(store: Store) -> None:
    with pytest.raises(ConfigurationError, match="project name"):
        store.ensure_project("churn:v2")


# ------------------------------------------------------------------ datasets


def test_log_dataset_profiles_and_deduplicates_by_content(store: Store) -> None:
    frame = _frame()
    snap = store.log_dataset(frame, name="train.csv", role="train")
    assert (snap.n_rows, snap.n_columns) == (50, 4)
    assert snap.schema[0] == ("id", "int64")
    assert snap.profile["x"]["mean"] == pytest.approx(frame["x"].mean())
    assert snap.profile["city"]["n_unique"] == frame["city"].nunique()
    again = store.log_dataset(frame.copy(), name="another name", role="eval")
    assert again.id == snap.id
    changed = frame.copy()
    changed.loc[7, "x"] += 1e-9
    assert store.log_dataset(changed, name="train.csv").fingerprint != snap.fingerprint


def test_dataset_rows_round_trip(store: Store) -> None:
    frame = _frame()
    snap = store.log_dataset(frame, name="train")
    assert snap.has_rows
    pd.testing.assert_frame_equal(store.load_dataset_frame(snap.id), frame)
    assert store.get_dataset(snap.fingerprint[:12]).id == snap.id


def test_dataset_without_rows(store: Store) -> None:
    snap = store.log_dataset(_frame(), name="train", keep_rows=False)
    assert not snap.has_rows
    assert store.load_dataset_frame(snap.id) is None


def test_profile_holds_no_nan(store: Store) -> None:
    frame = pd.DataFrame({"a": [np.nan, np.nan], "b": [1.0, np.inf]})
    snap = store.log_dataset(frame, name="odd")
    assert snap.profile["a"]["n_missing"] == 2
    assert snap.profile["b"]["n_infinite"] == 1
    assert snap.profile["b"]["max"] == 1.0  # summaries over the finite values only


# ------------------------------------------------------------------ runs


def test_run_lifecycle(store: Store) -> None:
    run = store.create_run("churn", name="baseline", params={"C": 0.5, "penalty": "l2"})
    assert run.status == "running"
    store.log_params(run.id, {"C": 1.0, "features": ["a", "b"]})
    store.log_metrics(
        run.id,
        {"roc_auc": MetricValue("roc_auc", 0.81, 0.78, 0.84, 0.95, "delong", 1000), "loss": 0.4},
    )
    snap = store.log_dataset(_frame(), name="train")
    store.link_dataset(run.id, snap.id, "train")
    done = store.finish_run(run.id)
    assert done.status == "finished"
    assert done.duration_s is not None
    assert done.duration_s >= 0
    got = store.get_run(run.id[:8])
    assert got.params == {"C": "1.0", "features": '["a", "b"]', "penalty": "l2"}
    assert got.metrics["roc_auc"] == MetricValue("roc_auc", 0.81, 0.78, 0.84, 0.95, "delong", 1000)
    assert got.metrics["loss"].value == 0.4
    assert got.metrics["loss"].low is None
    assert got.datasets_for("train")[0].fingerprint == snap.fingerprint
    assert got.started_at.tzinfo is not None


def test_failed_run_keeps_its_error(store: Store) -> None:
    run = store.create_run("churn")
    failed = store.finish_run(run.id, "failed", error="ValueError: boom")
    assert (failed.status, failed.error) == ("failed", "ValueError: boom")
    with pytest.raises(ConfigurationError, match="'finished' or 'failed'"):
        store.finish_run(run.id, "done")


def test_unknown_run_error_names_the_store_and_what_to_do(store: Store) -> None:
    with pytest.raises(NotFoundError, match=r"no run 'abc' in store .*modelpact runs list"):
        store.get_run("abc")


def test_list_runs_filters(store: Store) -> None:
    old = datetime.now(UTC) - timedelta(days=10)
    a = store.create_run("churn", started_at=old)
    b = store.create_run("churn")
    c = store.create_run("fraud")
    store.finish_run(a.id)
    store.finish_run(c.id, "failed")
    assert [r.id for r in store.list_runs()] == [c.id, b.id, a.id] or {
        r.id for r in store.list_runs()
    } == {a.id, b.id, c.id}
    assert {r.id for r in store.list_runs("churn")} == {a.id, b.id}
    assert [r.id for r in store.list_runs(status="failed")] == [c.id]
    recent = store.list_runs(since=datetime.now(UTC) - timedelta(days=1))
    assert {r.id for r in recent} == {b.id, c.id}
    assert store.list_runs()[-1].id == a.id  # newest first
    assert len(store.list_runs(limit=2)) == 2
    assert store.count_runs("churn") == {"finished": 1, "running": 1}


def test_predictions_round_trip(store: Store) -> None:
    run = store.create_run("churn")
    preds = pd.DataFrame({"id": np.arange(10_000), "y": np.arange(10_000) % 2, "p": 0.5})
    store.log_predictions(run.id, preds)
    pd.testing.assert_frame_equal(store.run_predictions(run.id), preds)
    assert store.get_run(run.id).has_predictions
    other = store.create_run("churn")
    with pytest.raises(NotFoundError, match="logged no evaluation predictions"):
        store.run_predictions(other.id)


def test_a_failed_multi_row_write_leaves_nothing(store: Store) -> None:
    run = store.create_run("churn")
    with pytest.raises(ValueError, match="could not convert"):
        store.log_metrics(run.id, {"good": 1.0, "bad": "not a number"})  # type: ignore[dict-item]
    assert store.get_run(run.id).metrics == {}


# ------------------------------------------------------------------ model registry


def test_versions_number_per_project_and_resolve_by_ref(store: Store) -> None:
    run = store.create_run("churn")
    v1 = store.register_model(project="churn", run_id=run.id, model={"w": [1, 2]}, name="lr")
    v2 = store.register_model(project="churn", model={"w": [3]})
    f1 = store.register_model(project="fraud", model={"w": [4]})
    assert (v1.version, v2.version, f1.version) == (1, 2, 1)
    assert v1.stage == "candidate"
    assert v1.ref == "churn:1"
    assert store.get_model_version("churn:2").id == v2.id
    assert store.get_model_version("churn:latest").id == v2.id
    assert store.get_model_version(v1.id[:10]).id == v1.id
    assert store.get_model_version("churn@candidate").id == v2.id
    with pytest.raises(ModelLoadError, match="is a pickle registered by"):
        store.load_model("churn:1")  # a dict is no estimator: pickled, so trusted or not loaded
    assert store.load_model("churn:1", trust_pickle=True) == {"w": [1, 2]}
    assert [v.ref for v in store.list_model_versions("churn")] == ["churn:1", "churn:2"]
    assert len(store.list_model_versions()) == 3
    with pytest.raises(NotFoundError, match="no model version 'churn:9'"):
        store.get_model_version("churn:9")
    with pytest.raises(NotFoundError, match="no model version in stage 'champion'"):
        store.get_model_version("churn@champion")
    with pytest.raises(ConfigurationError, match="did you mean 'champion'"):
        store.get_model_version("churn@champoin")


def test_register_from_file_copies_it(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights")
    version = store.register_model(project="churn", artifact_path=source)
    source.unlink()
    assert version.artifact_path is not None
    assert store.artifacts.path(version.artifact_path).read_bytes() == b"weights"


def test_promotion_needs_a_signed_off_verdict(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    version = store.register_model(project="churn", model={"w": 1})
    with pytest.raises(PromotionRefused, match="no signed_off verdict against pact 'churn-pact'"):
        store.set_stage(version.ref, "champion")
    store.record_verdict(
        project="churn", verdict_json=verdict_doc("failed"), model_version_id=version.id
    )
    with pytest.raises(PromotionRefused, match="cannot promote churn:1 to signed_off"):
        store.set_stage(version.ref, "signed_off")
    store.record_verdict(
        project="churn", verdict_json=verdict_doc("signed_off"), model_version_id=version.id
    )
    assert store.set_stage(version.ref, "signed_off").stage == "signed_off"
    assert store.set_stage(version.ref, "champion", actor="ana").stage == "champion"
    stages = [e for e in store.list_events("churn") if e.kind == "stage_changed"]
    changes = [(e.from_stage, e.to_stage, e.actor) for e in stages]
    assert changes == [
        ("candidate", "signed_off", changes[0][2]),
        ("signed_off", "champion", "ana"),
    ]


def test_verdict_of_the_producing_run_counts(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    run = store.create_run("churn")
    version = store.register_model(project="churn", run_id=run.id, model={"w": 1})
    store.record_verdict(project="churn", verdict_json=verdict_doc(), run_id=run.id)
    assert store.signing_verdict(version.ref) is not None
    assert store.set_stage(version.ref, "champion").stage == "champion"


def test_verdict_against_an_old_pact_does_not_count(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    version = store.register_model(project="churn", model={"w": 1})
    store.record_verdict(project="churn", verdict_json=verdict_doc(), model_version_id=version.id)
    stricter = parse_pact(PACT_YAML.replace("0.7", "0.95"))
    store.ensure_project("churn", stricter)  # only proposed: the old verdict still counts
    assert store.signing_verdict(version.ref) is not None
    store.approve_pact("churn", stricter, reason="tighter")
    assert store.signing_verdict(version.ref) is None
    with pytest.raises(PromotionRefused, match="no signed_off verdict"):
        store.set_stage(version.ref, "champion")


def test_force_needs_a_reason_and_is_recorded(store: Store) -> None:
    version = store.register_model(project="churn", model={"w": 1})
    with pytest.raises(ConfigurationError, match="--force needs --reason"):
        store.set_stage(version.ref, "champion", forced=True)
    promoted = store.set_stage(version.ref, "champion", forced=True, reason="hotfix", actor="ana")
    assert promoted.stage == "champion"
    event = store.list_events("churn", model_version=version.ref)[-1]
    assert (event.forced, event.reason, event.actor, event.to_stage) == (
        True,
        "hotfix",
        "ana",
        "champion",
    )


def test_new_champion_demotes_the_old_one(store: Store) -> None:
    v1 = store.register_model(project="churn", model={"w": 1})
    store.set_stage(v1.ref, "champion", forced=True, reason="first")
    v2 = store.register_model(project="churn", model={"w": 2})
    assert v2.parent_id == v1.id  # lineage: it challenges the champion
    store.set_stage(v2.ref, "champion", forced=True, reason="better")
    assert store.get_model_version(v1.ref).stage == "signed_off"
    assert store.get_model_version("churn@champion").id == v2.id
    assert [v.ref for v in store.list_model_versions(stage="champion")] == ["churn:2"]
    store.set_stage(v2.ref, "retired", reason="decommissioned")
    assert store.get_model_version(v2.ref).stage == "retired"
    assert store.list_model_versions("churn", stage="champion") == []


def test_unknown_stage_is_refused(store: Store) -> None:
    version = store.register_model(project="churn", model={"w": 1})
    with pytest.raises(ConfigurationError, match="'prod' is not a stage"):
        store.set_stage(version.ref, "prod")


def test_concurrent_registrations_get_distinct_numbers(store: Store) -> None:
    errors: list[BaseException] = []

    def register() -> None:
        try:
            for _ in range(5):
                store.register_model(project="churn", model={"w": 0})
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(v.version for v in store.list_model_versions("churn"))
    assert numbers == list(range(1, 21))


# ------------------------------------------------------------------ verdicts and audits


def test_verdict_documents_are_validated(store: Store) -> None:
    with pytest.raises(StoreError, match=r"expected 'modelpact\.verdict/v1'"):
        store.record_verdict(project="churn", verdict_json={"verdict": "signed_off"})
    with pytest.raises(StoreError, match="verdict 'maybe'"):
        store.record_verdict(project="churn", verdict_json={**verdict_doc(), "verdict": "maybe"})


def test_verdict_round_trip_and_run_verdict(store: Store, pact: Pact) -> None:
    store.ensure_project("churn", pact)
    run = store.create_run("churn")
    doc = {**verdict_doc(), "extra": np.float64(0.5), "nan": float("nan")}
    record = store.record_verdict(project="churn", verdict_json=doc, run_id=run.id)
    assert record.body["extra"] == 0.5
    assert record.body["nan"] is None
    assert record.pact_hash == pact_hash(pact)
    assert store.get_run(run.id).verdict == "signed_off"
    assert store.list_runs("churn")[0].verdict == "signed_off"
    assert [v.id for v in store.list_verdicts("churn")] == [record.id]


def test_audits(store: Store) -> None:
    store.ensure_project("churn")
    assert store.latest_audit("churn") is None
    store.record_audit(
        project="churn", audit_json={"schema": "modelpact.audit/v1", "verdict": "no_go"}
    )
    second = store.record_audit(
        project="churn", audit_json={"schema": "modelpact.audit/v1", "verdict": "go"}
    )
    latest = store.latest_audit("churn")
    assert latest is not None
    assert latest.id == second.id
    assert latest.verdict == "go"
    with pytest.raises(StoreError, match=r"modelpact\.audit/v1"):
        store.record_audit(project="churn", audit_json={"verdict": "go"})


def test_entities_are_frozen(store: Store) -> None:
    run = store.create_run("churn")
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.status = "finished"  # type: ignore[misc]
    assert run.to_dict()["id"] == run.id


def test_register_with_its_verdict_in_one_step(store: Store, pact: Pact, tmp_path) -> None:  # type: ignore[no-untyped-def]
    store.ensure_project("churn", pact)
    model_file = tmp_path / "candidate.joblib"
    model_file.write_bytes(b"model")
    version = store.register_model(
        project="churn", artifact_path=model_file, verdict_json=verdict_doc("signed_off")
    )
    record = store.signing_verdict(version.ref)
    assert record is not None
    assert record.model_version_id == version.id
    assert store.set_stage(version.ref, "champion").stage == "champion"


def test_register_with_a_bad_verdict_registers_nothing(store: Store) -> None:
    with pytest.raises(StoreError, match="verdict document"):
        store.register_model(project="churn", model={"w": 1}, verdict_json={"verdict": "ok"})
    assert store.list_model_versions() == []
    assert not (store.artifacts.root / "models").exists()
