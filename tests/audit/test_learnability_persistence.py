"""The learnability study against persistence ("same as last time") when a time column is given."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from modelpact.audit import audit
from modelpact.pact import parse_pact
from tests.conftest import shared_dataset

BEAT_PERSISTENCE = """
name: electricity
task: binary
positive_class: UP
columns: {target: class, time: t}
baseline: persistence
criteria:
  - {metric: accuracy, vs_baseline: improve, by: 0}
"""


def _study(result: Any) -> dict[str, Any]:
    return dict(result.checks["learnability"].summary["persistence"])


def _persistence_findings(result: Any) -> list[Any]:
    return [f for f in result.findings if f.check == "learnability" and "persistence" in f.message]


def _exact_persistence(labels: np.ndarray, newest: int) -> float:
    """Accuracy of the previous label on the rows the study scores: the newest *newest* rows
    in time order, less the first of six blocks (which only trains)."""
    rows = np.arange(len(labels))[-newest:]
    scored = rows[round(newest / 6):]
    return float((labels[scored] == labels[scored - 1]).mean())


def test_electricity_a_quick_model_that_loses_to_persistence_is_not_signed_off() -> None:
    frame = pd.read_csv(shared_dataset("electricity.csv"))
    labels = frame["class"].to_numpy()
    # the stream's own "same as last time" forecast, computed directly
    assert round(float((labels[1:] == labels[:-1]).mean()), 3) == 0.853
    frame["t"] = np.arange(len(frame))
    result = audit(frame, target="class", pact=parse_pact(BEAT_PERSISTENCE),
                   checks=["learnability"], sample_rows=9000)
    study = _study(result)
    assert study["metric"] == "accuracy" and study["rows"] == 9000 - round(9000 / 6)
    assert study["persistence"]["estimate"] == _exact_persistence(labels, 9000)
    assert study["model"]["estimate"] < study["persistence"]["estimate"]
    assert study["verdict"] == "loses" and study["difference"]["high"] < 0
    (finding,) = _persistence_findings(result)
    assert finding.severity == "critical" and 'loses to "same as last time"' in finding.message
    assert result.verdict == "no_go"


def _runs(n: int, seed: int) -> pd.DataFrame:
    """Labels in long runs (a sticky two-state chain) that the features barely see."""
    rng = np.random.default_rng(seed)
    y = np.empty(n, dtype=int)
    y[0] = 0
    for i in range(1, n):
        y[i] = y[i - 1] if rng.random() < 0.95 else 1 - y[i - 1]
    x = rng.normal(size=(n, 2)) + 0.2 * y[:, None]
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "t": np.arange(n), "y": y})


def test_without_a_persistence_pact_losing_to_it_warns() -> None:
    frame = _runs(3000, seed=1)
    result = audit(frame, target="y", time_column="t", checks=["learnability"])
    study = _study(result)
    assert study["persistence"]["estimate"] == _exact_persistence(frame["y"].to_numpy(), 3000)
    assert study["verdict"] == "loses"
    (finding,) = _persistence_findings(result)
    assert finding.severity == "warning" and "baseline: persistence" in finding.fix
    assert result.verdict != "go"


def test_a_model_that_beats_persistence_is_told_so_and_nothing_is_raised() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3000, 2))
    y = (x[:, 0] + 0.3 * rng.normal(size=3000) > 0).astype(int)  # no runs: persistence ~ 0.5
    frame = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "t": np.arange(3000), "y": y})
    result = audit(frame, target="y", time_column="t", checks=["learnability"])
    assert _study(result)["verdict"] == "beats"
    (finding,) = _persistence_findings(result)
    assert finding.severity == "info" and 'beats "same as last time"' in finding.message


def test_without_a_time_column_there_is_no_persistence_study() -> None:
    result = audit(_runs(600, seed=3).drop(columns="t"), target="y", checks=["learnability"])
    assert "persistence" not in result.checks["learnability"].summary
    assert _persistence_findings(result) == []
