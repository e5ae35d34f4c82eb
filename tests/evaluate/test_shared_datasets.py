"""Sign-off on real data behaves as a statistician would expect."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from modelpact.evaluate import verify
from modelpact.pact import parse_pact
from tests.conftest import shared_dataset

Loader = Callable[[str], pd.DataFrame]


def _fit_scores(
    train: pd.DataFrame, test: pd.DataFrame, target: str, positive: object
) -> np.ndarray:
    features = [c for c in train.columns if c != target]
    X = pd.get_dummies(pd.concat([train[features], test[features]]), dtype=float)
    X = X.fillna(0)
    model = HistGradientBoostingClassifier(max_iter=80, random_state=0)
    model.fit(X.iloc[: len(train)], (train[target] == positive).astype(int))
    return model.predict_proba(X.iloc[len(train) :])[:, 1]


@pytest.fixture(scope="module")
def adult_eval() -> pd.DataFrame:
    train = pd.read_csv(shared_dataset("adult-train.csv")).sample(12000, random_state=0)
    test = pd.read_csv(shared_dataset("adult-test.csv"))
    test["score"] = _fit_scores(train, test, "class", 1)
    return test


ADULT_PACT = parse_pact(
    """
name: income
task: binary
positive_class: 1
columns: {target: class, score: score, slices: [sex]}
criteria:
  - {metric: roc_auc, at_least: 0.90}
  - {metric: accuracy, vs_baseline: improve, by: 0.08}
"""
)


def test_big_test_set_makes_a_borderline_criterion_conclusive(adult_eval: pd.DataFrame) -> None:
    full = verify(ADULT_PACT, adult_eval)
    auc = full.criteria[0]
    assert 0.90 < auc.estimate < 0.93  # borderline: within a few hundredths of the threshold
    assert auc.status == "pass"
    small = verify(ADULT_PACT, adult_eval.sample(400, random_state=1))
    assert small.criteria[0].status == "inconclusive"
    assert small.criteria[0].n_needed is not None and small.criteria[0].n_needed > 400


def test_planned_size_decides_on_real_data(adult_eval: pd.DataFrame) -> None:
    """Plan with the true accuracy, then draw that many rows again and again: ~80% pass."""
    from modelpact.evaluate import plan

    truth = float(((adult_eval["score"] >= 0.5) == (adult_eval["class"] == 1)).mean())
    threshold = round(truth - 0.02, 4)
    pact = parse_pact(
        "name: i\ntask: binary\npositive_class: 1\ncolumns: {target: class, score: score}\n"
        f"criteria: [{{metric: accuracy, at_least: {threshold}}}]\n"
    )
    n = plan(pact, expected={"accuracy": truth}).rows[0].n_needed
    assert n is not None and 300 < n < len(adult_eval) // 2
    passed = sum(
        verify(pact, adult_eval.sample(n, random_state=100 + i)).criteria[0].status == "pass"
        for i in range(40)
    )
    # 80% power; sampling without replacement from a finite test set only helps
    assert passed >= 0.6 * 40, (n, passed)


def test_credit_g_leaves_many_criteria_inconclusive(shared_frame: Loader) -> None:
    data = shared_frame("credit-g.csv")
    train = data.sample(700, random_state=0)
    test = data.drop(train.index).copy()
    features = [c for c in data.columns if c != "class"]
    X = pd.get_dummies(data[features], dtype=float)
    X = (X - X.mean()) / X.std().replace(0, 1)
    model = LogisticRegression(max_iter=2000).fit(X.loc[train.index], train["class"] == "bad")
    test["p_bad"] = model.predict_proba(X.loc[test.index])[:, 1]
    pact = parse_pact(
        """
name: credit
task: binary
positive_class: bad
columns: {target: class, score: p_bad}
criteria:
  - {metric: roc_auc, at_least: 0.75}
  - {metric: accuracy, at_least: 0.75}
  - {metric: recall, at_least: 0.5}
  - {metric: roc_auc, vs_baseline: improve, by: 0.25}
  - {metric: brier, at_most: 0.17}
"""
    )
    verdict = verify(pact, test, train=train)
    statuses = [c.status for c in verdict.criteria]
    assert statuses.count("inconclusive") >= 3, statuses
    assert verdict.verdict in {"inconclusive", "failed"}
    for c in verdict.criteria:
        if c.status == "inconclusive":
            assert c.n_needed is not None and c.n_needed > c.n
            # a 300-row test set cannot be rescued by a handful of extra rows
            assert c.n_needed > 1.2 * c.n
