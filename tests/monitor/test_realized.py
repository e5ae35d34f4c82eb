"""Realized performance on partly labelled chunks: labelled share, per-criterion verdicts
decided as at sign-off, and criteria that cannot be decided yet reported as such."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from modelpact.errors import ColumnNotFoundError
from modelpact.monitor.realized import realized_performance
from modelpact.pact import Pact


def _pact(criteria: list[dict[str, object]], **extra: object) -> Pact:
    return Pact.model_validate({
        "name": "churn",
        "task": "binary",
        "positive_class": 1,
        "columns": {"target": "churned", "score": "p", "slices": ["region"]},
        "criteria": criteria,
        **extra,
    })


def _chunk(n: int, labelled: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    y = (rng.uniform(size=n) < p).astype(float)
    y[rng.uniform(size=n) >= labelled] = np.nan  # labels not arrived yet
    return pd.DataFrame({"p": p, "churned": y, "region": rng.choice(["EU", "US"], n)})


def test_decides_on_the_labelled_rows_only() -> None:
    pact = _pact([
        {"metric": "roc_auc", "at_least": 0.7},
        {"metric": "accuracy", "at_least": 0.9},
        {"metric": "recall", "slice": {"region": "EU"}, "at_least": 0.5},
    ])
    chunk = _chunk(3000, labelled=0.4)
    result = realized_performance(pact, chunk)
    known = chunk[chunk["churned"].notna()]
    assert result.n_rows == 3000
    assert result.n_labelled == len(known)
    assert result.labelled_share == pytest.approx(len(known) / 3000)
    auc, acc, recall_eu = result.criteria
    y = known["churned"].to_numpy(int)
    assert auc.estimate == pytest.approx(roc_auc_score(y, known["p"]))
    assert auc.n == len(known)
    assert auc.ci[0] > 0.7 and auc.status == "pass"  # true AUC of this simulation is ~0.83
    assert acc.estimate == pytest.approx(accuracy_score(y, known["p"] >= 0.5))
    assert acc.ci[1] < 0.9 and acc.status == "fail"  # true accuracy is 0.75
    eu = (known["region"] == "EU").to_numpy()
    assert recall_eu.n == int(eu.sum())
    assert recall_eu.slice == {"region": "EU"}
    assert result.status == "fail"


def test_no_labels_yet_is_inconclusive_not_an_error() -> None:
    pact = _pact([{"metric": "roc_auc", "at_least": 0.7}])
    result = realized_performance(pact, _chunk(500, labelled=0.0))
    assert result.n_labelled == 0 and result.labelled_share == 0.0
    (criterion,) = result.criteria
    assert criterion.status == "inconclusive"
    assert criterion.note == "no labelled rows in this chunk yet"
    payload = json.dumps(result.to_dict(), allow_nan=False)  # NaN estimates become null
    assert '"estimate": null' in payload


def test_an_undefined_metric_leaves_the_other_criteria_decided() -> None:
    pact = _pact([{"metric": "roc_auc", "at_least": 0.7}, {"metric": "accuracy", "at_least": 0.1}])
    chunk = _chunk(400, labelled=1.0)
    chunk.loc[chunk.index[:395], "churned"] = np.nan
    chunk.loc[chunk.index[395:], "churned"] = 1.0  # five labels so far, all positive
    auc, accuracy = realized_performance(pact, chunk).criteria
    assert auc.status == "inconclusive"
    assert auc.note is not None and "not computable on these rows" in auc.note
    assert accuracy.n == 5 and not np.isnan(accuracy.estimate)


def test_comparisons_baseline_decided_champion_reported_missing() -> None:
    pact = _pact([
        {"metric": "roc_auc", "vs_baseline": "improve", "by": 0.1},
        {"metric": "roc_auc", "vs_champion": "no_worse", "margin": 0.02},
    ])
    chunk = _chunk(2000, labelled=0.5, seed=3)
    baseline, champion = realized_performance(pact, chunk).criteria
    # the prior baseline has AUC 0.5; the model ~0.83, so it clearly improves by 0.1
    assert baseline.kind == "superiority" and baseline.status == "pass"
    assert champion.status == "inconclusive"
    assert champion.note is not None and "no champion given" in champion.note
    chunk["old"] = chunk["p"]
    with_champion = realized_performance(pact, chunk, champion="column:old").criteria[1]
    assert with_champion.status == "pass"  # identical to the champion: no worse
    assert with_champion.estimate == pytest.approx(0.0)


def test_missing_score_column_is_an_input_error() -> None:
    pact = _pact([{"metric": "roc_auc", "at_least": 0.7}])
    chunk = _chunk(300, labelled=0.5).drop(columns="p")
    with pytest.raises(ColumnNotFoundError, match="'p'"):
        realized_performance(pact, chunk)
    with pytest.raises(ColumnNotFoundError, match="'churned'"):
        realized_performance(pact, chunk.drop(columns="churned"))


def test_regression_chunk_with_delayed_values() -> None:
    pact = Pact.model_validate({
        "name": "demand",
        "task": "regression",
        "columns": {"target": "units", "score": "forecast"},
        "criteria": [{"metric": "mae", "at_most": 2.0}, {"metric": "rmse", "at_most": 0.5}],
    })
    rng = np.random.default_rng(4)
    forecast = rng.normal(10.0, 2.0, 1000)
    units = forecast + rng.normal(0.0, 1.0, 1000)
    units[600:] = np.nan  # the last 400 rows have no actuals yet
    chunk = pd.DataFrame({"forecast": forecast, "units": units})
    result = realized_performance(pact, chunk)
    assert result.labelled_share == pytest.approx(0.6)
    mae, rmse = result.criteria
    assert mae.estimate == pytest.approx(np.mean(np.abs(units[:600] - forecast[:600])))
    assert mae.status == "pass" and mae.ci[1] < 2.0  # true MAE ~0.8
    assert rmse.status == "fail" and rmse.ci[0] > 0.5  # true RMSE ~1.0
