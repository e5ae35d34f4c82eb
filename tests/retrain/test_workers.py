"""Warm trainer workers: one process per trainer across turns, the time limit still enforced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modelpact.ledger import Store
from modelpact.pact import RetrainingConfig
from modelpact.retrain import FileSource, TrainerFailed, TrainerWorkers, retrain, run_trainer
from tests.retrain.conftest import ROOT, make_pact, stream


def _config(trainer: str, timeout: float = 120) -> RetrainingConfig:
    return RetrainingConfig(trainer=f"tests.retrain.trainers:{trainer}", timeout=timeout)


def test_a_warm_worker_trains_every_turn_in_one_process_of_its_own() -> None:
    rows = stream(500, seed=3)
    with TrainerWorkers() as workers:
        first = run_trainer(_config("fit_pid"), rows, cwd=ROOT, workers=workers).model
        second = run_trainer(_config("fit_pid"), rows.iloc[:300], cwd=ROOT, workers=workers).model
    assert first.trained_by_ == second.trained_by_ != os.getpid()
    assert first.n_features_in_ == 3


@pytest.mark.parametrize(
    ("trainer", "timeout", "message"),
    [
        ("hang", 2, "timed out after 2 s and was stopped"),
        ("crash", 120, r"RuntimeError: feature store unavailable \(500 rows\)"),
        ("not_a_model", 120, "returned NoneType, not a fitted estimator"),
        ("die", 120, r"failed \(exit code 9\)"),
    ],
)
def test_a_failing_turn_fails_alone_and_the_next_turn_trains(
    trainer: str, timeout: float, message: str
) -> None:
    rows = stream(500, seed=3)
    with TrainerWorkers() as workers:
        with pytest.raises(TrainerFailed, match=message):
            run_trainer(_config(trainer, timeout), rows, cwd=ROOT, workers=workers)
        model = run_trainer(_config("fit_pid"), rows, cwd=ROOT, workers=workers).model
    assert model.trained_by_ != os.getpid()


def test_the_loop_promotes_through_warm_workers_and_refits_incrementally(
    ledger: Store, tmp_path: Path
) -> None:
    first = stream(1000, seed=98)
    sgd = __import__("tests.retrain.trainers", fromlist=["fit_sgd"]).fit_sgd(first)
    version = ledger.register_model(project="churn", model=sgd, name="sgd")
    ledger.set_stage(version.id, "champion", forced=True, reason="an online learner")
    pact = make_pact(
        "fit_incremental", rule="unless_worse", extra="  incremental: true\n  refit_on_window: true\n"
    )
    ledger.approve_pact("churn", pact, reason="update the online learner, refit on promotion")
    window = tmp_path / "w.csv"
    stream(8000, seed=1).to_csv(window, index=False)
    with TrainerWorkers() as workers:
        result = retrain(ledger, "churn", FileSource([window]), cwd=ROOT, workers=workers)
    assert result.action == "promote", result.decision.reasons
    promoted = ledger.get_model_version(result.promoted or "")
    gated = ledger.load_model(result.challenger or "")
    refit = ledger.load_model(promoted.id)
    # the refit is the gated challenger that went on with the 2,000 held-out rows
    assert promoted.params["refit_of"] == result.challenger
    assert promoted.params["train_rows"] == 2000
    assert refit.t_ == gated.t_ + 2000
