"""The retraining loop: trigger, window, train, gate against the pact and the champion, decide.

Drift or a schedule may *trigger* a retraining; only the gate can promote. The gate is the
same :func:`modelpact.verify` a person runs, on the newest labelled rows the challenger never
trained on, plus the pact's promotion rule against the champion on the same rows, paired.

:class:`OnlineLearner` gates an online learner instead: it learns every labelled row, and
every N rows the same gate keeps the learning (a new checkpoint and champion) or rolls it
back to the last checkpoint.
"""

from modelpact.retrain._lock import RetrainingBusy, retraining_lock
from modelpact.retrain.decision import Decision, decide
from modelpact.retrain.gate import (
    GateResult,
    holdout_size,
    promotion_criterion,
    run_gate,
    scored_frame,
    scoring_pact,
)
from modelpact.retrain.loop import RETRAIN_SCHEMA, RetrainResult, check, retrain
from modelpact.retrain.online import OnlineLearner
from modelpact.retrain.result import OnlineTurn
from modelpact.retrain.trainer import TrainerFailed, TrainingOutcome, run_trainer
from modelpact.retrain.triggers import (
    LastRetraining,
    TriggerCheck,
    TriggerReport,
    alerts_of,
    check_triggers,
)
from modelpact.retrain.window import (
    CaptureSource,
    FileSource,
    FrameSource,
    TrainingWindow,
    WindowSource,
    load_window,
)
from modelpact.retrain.workers import TrainerWorkers

__all__ = [
    "RETRAIN_SCHEMA",
    "CaptureSource",
    "Decision",
    "FileSource",
    "FrameSource",
    "GateResult",
    "LastRetraining",
    "OnlineLearner",
    "OnlineTurn",
    "RetrainResult",
    "RetrainingBusy",
    "TrainerFailed",
    "TrainerWorkers",
    "TrainingOutcome",
    "TrainingWindow",
    "TriggerCheck",
    "TriggerReport",
    "WindowSource",
    "alerts_of",
    "check",
    "check_triggers",
    "decide",
    "holdout_size",
    "load_window",
    "promotion_criterion",
    "retrain",
    "retraining_lock",
    "run_gate",
    "run_trainer",
    "scored_frame",
    "scoring_pact",
]
