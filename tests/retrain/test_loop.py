"""One turn of the loop end to end, from files, against a SQLite ledger."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from modelpact.errors import InvalidDataError, StoreError
from modelpact.ledger import Store
from modelpact.ledger.locks import Lease
from modelpact.ledger.retraining import approve, retraining_runs, rollback
from modelpact.ledger.status import project_status
from modelpact.retrain import FileSource, RetrainingBusy, retrain, retraining_lock
from modelpact.retrain._lock import lease_name
from tests.retrain.conftest import ROOT, make_pact, stream


def _champion(store: Store) -> str:
    return store.get_model_version("churn@champion").ref


def test_a_fresh_challenger_no_worse_is_promoted_and_everything_recorded(
    ledger: Store, window: Path
) -> None:
    result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    assert result.action == "promote" and result.exit_code == 0
    assert result.triggers.fired and "new labelled rows" in result.triggers.reasons[0]
    assert _champion(ledger) == result.challenger == "churn:2"
    assert ledger.get_model_version("churn:1").stage == "signed_off"
    run = ledger.get_run(result.run_id or "")
    assert run.status == "finished"
    assert run.params["decision"] == "promote"
    assert run.params["kind"] == "retrain"
    assert {d.role for d in run.datasets} == {"train", "eval"}
    train, holdout = run.datasets_for("train")[0], run.datasets_for("eval")[0]
    assert (train.n_rows, holdout.n_rows) == (6000, 2000)
    assert result.window["holdout"]["span"] == "6000 to 7999"  # the newest rows
    verdicts = ledger.list_verdicts("churn", model_version="churn:2")
    assert [v.verdict for v in verdicts] == ["signed_off"]
    assert result.gate is not None and result.gate.versus_champion is not None
    assert result.gate.versus_champion.status == "pass"
    assert result.gate.comparison is not None
    assert result.gate.behaviour and "predictions changed" in result.gate.behaviour[0]
    assert result.to_dict()["schema"] == "modelpact.retrain/v1"


def test_corrupted_fresh_labels_are_refused_and_the_champion_stays(
    ledger: Store, tmp_path: Path
) -> None:
    frame = stream(8000, seed=1)
    rng = np.random.default_rng(5)
    # a labelling bug: 40% of the churners in the training period were recorded as staying
    bug = (rng.random(len(frame)) < 0.4) & (frame["y"] == 1).to_numpy()
    bug[6000:] = False
    frame.loc[bug, "y"] = 0
    path = tmp_path / "corrupted.csv"
    frame.to_csv(path, index=False)
    result = retrain(ledger, "churn", FileSource([path]), cwd=ROOT)
    assert result.action == "reject" and result.exit_code == 1
    assert result.gate is not None and result.gate.outcome == "fail"
    assert result.gate.versus_champion is not None
    assert result.gate.versus_champion.status == "fail"
    assert _champion(ledger) == "churn:1"
    assert ledger.get_model_version("churn:2").stage == "retired"
    assert ledger.get_run(result.run_id or "").params["decision"] == "reject"


def test_held_by_default_then_approved_once(ledger: Store, window: Path) -> None:
    # a changed pact counts for promotion only once it is approved
    ledger.approve_pact("churn", make_pact(auto=False), reason="hold retrained models for review")
    result = retrain(ledger, "churn", FileSource([window]), pact=make_pact(auto=False), cwd=ROOT)
    assert result.action == "hold" and result.exit_code == 1
    assert ledger.get_model_version("churn:2").stage == "candidate"
    assert _champion(ledger) == "churn:1"
    promoted = approve(ledger, "churn:2", reason="diff reviewed")
    assert promoted.stage == "champion"
    assert ledger.get_model_version("churn:1").stage == "signed_off"
    with pytest.raises(StoreError, match="is champion, not a candidate"):
        approve(ledger, "churn:2")
    with pytest.raises(StoreError, match="was not produced by a retraining"):
        approve(ledger, "churn:1")


@pytest.mark.parametrize(
    ("trainer", "timeout", "message"),
    [
        ("crash", 120, "feature store unavailable"),
        ("hang", 2, "timed out after 2 s"),
        ("not_a_model", 120, "returned NoneType, not a fitted estimator"),
    ],
)
def test_a_failing_trainer_leaves_the_champion_untouched_and_is_recorded(
    ledger: Store, window: Path, trainer: str, timeout: float, message: str
) -> None:
    before = ledger.list_model_versions("churn")
    pact = make_pact(trainer, timeout=timeout)
    ledger.approve_pact("churn", pact, reason=f"train with {trainer}")
    result = retrain(ledger, "churn", FileSource([window]), pact=pact, cwd=ROOT)
    assert result.action == "failed" and result.exit_code == 1
    assert result.error is not None and message in result.error
    assert ledger.list_model_versions("churn") == before
    run = ledger.get_run(result.run_id or "")
    assert run.status == "failed"
    assert run.error is not None and message in run.error
    assert run.params["decision"] == "failed"
    status = project_status(ledger, "churn").retraining
    assert status is not None and " failed; trigger: " in status


def test_an_incremental_trainer_updates_a_copy_of_the_champion(ledger: Store, window: Path) -> None:
    first = stream(1000, seed=98)
    sgd = __import__("tests.retrain.trainers", fromlist=["fit_sgd"]).fit_sgd(first)
    version = ledger.register_model(project="churn", model=sgd, name="sgd")
    ledger.set_stage(version.id, "champion", forced=True, reason="an online learner")
    artifact = ledger.artifacts.path(version.artifact_path or "")
    before = artifact.read_bytes()
    pact = make_pact("fit_incremental", extra="  incremental: true\n")
    ledger.approve_pact("churn", pact, reason="retrain the online learner incrementally")
    result = retrain(ledger, "churn", FileSource([window]), pact=pact, cwd=ROOT)
    assert result.action in ("promote", "reject")
    assert artifact.read_bytes() == before  # the champion's own file is never modified
    challenger = ledger.load_model(result.challenger or "")
    champion = ledger.load_model(version.id)  # stored in skops format: loads without trust
    # the challenger continued from the champion: same classes, more updates
    assert challenger.t_ > champion.t_


def test_no_trigger_no_retraining_and_nothing_written(ledger: Store, window: Path) -> None:
    retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    runs = len(ledger.list_runs("churn"))
    # the same rows again: nothing new since the last retraining
    result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    assert result.action == "not_due" and result.exit_code == 0
    assert "0 new labelled rows after 7999" in result.triggers.summary()
    assert len(ledger.list_runs("churn")) == runs


def test_bad_input_writes_nothing(ledger: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    stream(100).drop(columns="y").to_csv(bad, index=False)
    with pytest.raises(InvalidDataError, match="no column 'y'"):
        retrain(ledger, "churn", FileSource([bad]), force=True, cwd=ROOT)
    assert ledger.list_runs("churn") == []


def test_an_interrupted_retraining_is_closed_and_its_challenger_retired(
    ledger: Store, window: Path
) -> None:
    # what a crash between registration and decision leaves behind
    run = ledger.create_run("churn", name="retrain", params={"kind": "retrain"})
    orphan = ledger.register_model(project="churn", run_id=run.id, model={"w": 1}, name="x")
    result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    assert ledger.get_run(run.id).status == "failed"
    assert ledger.get_model_version(orphan.id).stage == "retired"
    assert result.action == "promote"
    champions = ledger.list_model_versions("churn", stage="champion")
    assert [v.ref for v in champions] == [result.challenger]
    assert [r.status for r in retraining_runs(ledger, "churn")] == ["finished", "failed"]


def test_rollback_restores_the_previous_champion(ledger: Store, window: Path) -> None:
    retrain(ledger, "churn", FileSource([window]), cwd=ROOT)
    retired, restored = rollback(ledger, "churn", reason="complaints from support")
    assert (retired.ref, retired.stage) == ("churn:2", "retired")
    assert (restored.ref, restored.stage) == ("churn:1", "champion")
    events = ledger.list_events("churn", model_version="churn:1")
    assert "rollback from churn:2: complaints from support" in (events[-1].reason or "")
    assert [v.ref for v in ledger.list_model_versions("churn", stage="champion")] == ["churn:1"]


def test_one_retraining_per_project_at_a_time(store_url: str, tmp_path: Path) -> None:
    from modelpact.ledger import open_store

    with open_store(store_url, root=tmp_path) as store:
        with retraining_lock(store, "churn"):
            busy = pytest.raises(RetrainingBusy, match="another retraining of project 'churn'")
            with busy, retraining_lock(store, "churn"):
                pass
            with retraining_lock(store, "fraud"):  # other projects are independent
                pass
        with retraining_lock(store, "churn"):  # released on exit
            pass


def test_a_crashed_holder_blocks_only_until_its_lease_lapses(
    store_url: str, tmp_path: Path
) -> None:
    from modelpact.ledger import open_store

    with open_store(store_url, root=tmp_path) as store:
        crashed = Lease(store, lease_name("churn"), "host:1234:dead", ttl=timedelta(minutes=1))
        assert crashed.acquire()  # then the process dies: no renewal, no release
        with pytest.raises(RetrainingBusy), retraining_lock(store, "churn"):
            pass
        # a minute later (the same holder's row, already expired, stands for the passing time)
        Lease(store, lease_name("churn"), "host:1234:dead", ttl=timedelta(seconds=-1)).acquire()
        with retraining_lock(store, "churn"):
            assert not crashed.acquire()  # the new holder has it


def test_the_lease_is_renewed_while_a_long_retraining_runs(store_url: str, tmp_path: Path) -> None:
    from modelpact.ledger import open_store

    with open_store(store_url, root=tmp_path) as store:
        other = Lease(store, lease_name("churn"), "elsewhere")
        with retraining_lock(store, "churn", ttl=timedelta(seconds=1)) as held:
            time.sleep(2.5)  # far past the lease's 1 s: only renewal keeps it
            assert not other.acquire()
            held.check()
            # cut off from the database too long: the lease lapsed and someone took it
            held.lease.release()
            assert other.acquire()
            with pytest.raises(RetrainingBusy, match="lapsed and was taken over"):
                held.check()


def test_a_training_command_that_writes_a_model_file(ledger: Store, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import sys, joblib, pandas as pd\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "rows = pd.read_parquet(sys.argv[1])\n"
        "model = LogisticRegression().fit(rows[['x1', 'x2', 'x3']], rows['y'])\n"
        "joblib.dump(model, sys.argv[2])\n"
    )
    stream(8000, seed=1).to_csv(tmp_path / "w.csv", index=False)
    pact = make_pact().model_copy(
        update={
            "retraining": make_pact().retraining.model_copy(  # type: ignore[union-attr]
                update={
                    "trainer": None,
                    "command": [sys.executable, str(script), "{train}", "{model}"],
                }
            )
        }
    )
    ledger.approve_pact("churn", pact, reason="train with the team's own script")
    result = retrain(ledger, "churn", FileSource([tmp_path / "w.csv"]), pact=pact, cwd=tmp_path)
    assert result.action == "promote", result.decision.reasons
    assert ledger.get_run(result.run_id or "").params["trainer"].startswith(sys.executable)
