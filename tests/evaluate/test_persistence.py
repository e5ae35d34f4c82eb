"""The persistence baseline: "same as last time", the forecast a time-ordered model must beat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from modelpact import verify
from modelpact.errors import ColumnNotFoundError
from modelpact.evaluate import compare
from modelpact.evaluate.baseline import persistence_predictions
from modelpact.evaluate.inputs import encode_target
from modelpact.pact import Baseline, parse_pact
from tests.conftest import shared_dataset

PACT = """
name: stream
task: binary
positive_class: 1
columns: {{target: y, score: p, time: t}}
baseline: {baseline}
criteria:
  - {{metric: accuracy, vs_baseline: improve, by: 0}}
"""


def _slow_reference(frame: pd.DataFrame, key: str | None, fallback: int) -> list[int]:
    """Row by row: walk the rows in time order, remembering each entity's last label."""
    last: dict[object, int] = {}
    out = {}
    for index in frame.sort_values("t", kind="stable").index:
        entity = frame.at[index, key] if key else None
        out[index] = last.get(entity, fallback)
        last[entity] = int(frame.at[index, "y"])
    return [out[i] for i in frame.index]


@pytest.mark.parametrize("key", [None, "meter"])
def test_previous_label_in_time_order_matches_a_slow_walk(key: str | None) -> None:
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "t": rng.permutation(n),  # rows arrive out of order
            "meter": rng.integers(0, 7, n),
            "y": rng.integers(0, 2, n),
            "p": rng.random(n),
        }
    )
    pact = parse_pact(PACT.format(baseline="persistence" + (f":{key}" if key else "")))
    assert pact.baseline == Baseline(kind="persistence", key=key)
    target = encode_target(pact, frame, source="f")
    preds, what = persistence_predictions(pact, frame, target, source="f", key=key)
    fallback = int(np.bincount(frame["y"]).argmax())
    assert preds.label.tolist() == _slow_reference(frame, key, fallback)
    assert preds.score is not None and preds.score.tolist() == preds.label.tolist()
    assert "previous label" in what


def test_training_history_supplies_the_first_previous_label() -> None:
    pact = parse_pact(PACT.format(baseline="persistence"))
    train = pd.DataFrame({"t": [0, 1], "y": [1, 0], "p": [0.5, 0.5]})
    frame = pd.DataFrame({"t": [2, 3, 4], "y": [1, 1, 0], "p": [0.5] * 3})
    target = encode_target(pact, frame, source="f")
    preds, _ = persistence_predictions(pact, frame, target, source="f", train=train)
    assert preds.label.tolist() == [0, 1, 1]  # the first row continues from train's last label


def test_key_must_exist() -> None:
    pact = parse_pact(PACT.format(baseline="persistence:meter"))
    frame = pd.DataFrame({"t": [0, 1], "y": [1, 0], "p": [0.5, 0.5]})
    with pytest.raises(ColumnNotFoundError, match="no column 'meter'"):
        verify(pact, frame)


def test_a_model_that_loses_to_same_as_last_time_fails_its_pact() -> None:
    """On electricity, a model fitted on the first 2,000 rows is far behind persistence."""
    data = pd.read_csv(shared_dataset("electricity.csv"))
    data["y"] = (data["class"] == "UP").astype(int)
    features = [c for c in data.columns if c not in ("class", "y")]
    model = HistGradientBoostingClassifier(random_state=0).fit(
        data[features].iloc[:2000], data["y"].iloc[:2000]
    )
    evaluation = data.iloc[2000:12000].reset_index(drop=True)
    evaluation["p"] = model.predict_proba(evaluation[features])[:, 1]
    evaluation["t"] = np.arange(len(evaluation))
    pact = parse_pact(PACT.format(baseline="persistence"))
    result = verify(pact, evaluation.drop(columns="class"))
    assert result.verdict == "failed"
    criterion = result.criteria[0]
    assert criterion.reference_value is not None and criterion.candidate_value is not None
    assert criterion.reference_value > 0.8 > criterion.candidate_value
    # the same comparison through compare's paired machinery
    board = compare(
        {"model": evaluation.drop(columns="class")}, pact=pact, metrics=["accuracy"]
    ).board("accuracy")
    assert board.estimates[0].model.startswith("baseline")
    assert board.estimates[0].estimate == pytest.approx(criterion.reference_value)
    # a constant prior baseline would have let the same model pass
    prior = verify(pact, evaluation.drop(columns="class"), baseline="prior")
    assert prior.verdict == "signed_off"


def test_plan_sizes_a_criterion_against_persistence() -> None:
    from modelpact.evaluate import plan

    rng = np.random.default_rng(1)
    n = 2000
    y = (np.sin(np.arange(n) / 40) + rng.normal(0, 0.5, n) > 0).astype(int)
    p = np.clip(y * 0.6 + 0.2 + rng.normal(0, 0.25, n), 0, 1)  # right on ~90% of rows
    frame = pd.DataFrame({"t": np.arange(n), "y": y, "p": p})
    pact = parse_pact(PACT.format(baseline="persistence"))
    row = plan(pact, pilot=frame).rows[0]
    assert row.source == "pilot" and row.n_needed is not None
    # persistence is a far stronger reference than the prior: beating it takes more rows
    prior = plan(parse_pact(PACT.format(baseline="prior")), pilot=frame).rows[0]
    assert prior.n_needed is not None and prior.n_needed < row.n_needed
