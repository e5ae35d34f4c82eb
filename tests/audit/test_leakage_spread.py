"""Strong signal spread over many measured features is not a leak; a lone copy of the target is."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer

from modelpact.audit import audit


def _frame() -> pd.DataFrame:
    frame = load_breast_cancer(as_frame=True).frame
    return frame.rename(columns=lambda c: c.replace(" ", "_"))


def _leakage(result):  # type: ignore[no-untyped-def]
    return [f for f in result.findings if f.check == "target_leakage"]


def test_many_strong_measurements_are_not_blocking() -> None:
    result = audit(_frame(), target="target", checks=["target_leakage"])
    found = _leakage(result)
    assert not [f for f in found if f.severity == "blocking"]
    spread = [f for f in found if f.details.get("reason") == "strong_signal_spread"]
    assert spread and spread[0].severity == "info"


def test_a_copy_of_the_target_still_blocks_among_strong_features() -> None:
    frame = _frame()
    rng = np.random.default_rng(0)
    frame["review_outcome"] = frame["target"] + rng.normal(0, 0.01, len(frame))
    found = _leakage(audit(frame, target="target", checks=["target_leakage"]))
    blocking = [f for f in found if f.severity == "blocking"]
    assert [f.columns for f in blocking] == [("review_outcome",)]
