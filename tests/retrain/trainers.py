"""Trainers the retraining tests name in their pacts, as a team would name its own."""

from __future__ import annotations

import copy
import os
import time
from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression, SGDClassifier

FEATURES = ["x1", "x2", "x3"]


def fit(frame: pd.DataFrame) -> LogisticRegression:
    """A batch trainer: logistic regression on the three features."""
    return LogisticRegression().fit(frame[FEATURES], frame["y"])


def fit_incremental(frame: pd.DataFrame, champion: Any) -> Any:
    """An incremental trainer: one more pass of SGD over the new rows, on a copy."""
    model = copy.deepcopy(champion)
    model.partial_fit(frame[FEATURES], frame["y"])
    return model


def fit_sgd(frame: pd.DataFrame) -> SGDClassifier:
    """The first model an incremental trainer can update."""
    model = SGDClassifier(loss="log_loss", random_state=0)
    model.partial_fit(frame[FEATURES], frame["y"], classes=[0, 1])
    return model


def crash(frame: pd.DataFrame) -> Any:
    """A trainer with a bug."""
    raise RuntimeError(f"feature store unavailable ({len(frame)} rows)")


def hang(frame: pd.DataFrame) -> Any:
    """A trainer that never finishes in time."""
    time.sleep(float(os.environ.get("MODELPACT_TEST_HANG", "60")))
    return fit(frame)


def not_a_model(frame: pd.DataFrame) -> Any:
    """A trainer that forgets to return its model."""
    del frame
    return None


def fit_pid(frame: pd.DataFrame) -> LogisticRegression:
    """A batch trainer that records which process trained it."""
    model = fit(frame)
    model.trained_by_ = os.getpid()  # type: ignore[attr-defined]
    return model


def die(frame: pd.DataFrame) -> Any:
    """A trainer whose process dies outright (out of memory, a crash in native code)."""
    del frame
    os._exit(9)
