"""Evaluation rows needed: audit, plan and verify compute one figure and say what it counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from modelpact.audit import audit
from modelpact.evaluate import plan, verify
from modelpact.evaluate.rows_needed import evaluation_rows_needed
from modelpact.pact import parse_pact

# the demo's criterion: recall at least 0.9, at 95% confidence
PACT = parse_pact(
    """
name: demo-like
task: binary
positive_class: 1
columns: {target: y, score: p}
confidence: 0.95
criteria:
  - {metric: recall, at_least: 0.9}
"""
)


def _scored(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    x = rng.normal(0, 1, (n, 2)) + np.outer(y, [2.6, 1.4])
    logit = 2.6 * x[:, 0] + 1.4 * x[:, 1] - 4.0
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": y, "p": 1 / (1 + np.exp(-logit))})


@pytest.fixture(scope="module")
def evaluation() -> pd.DataFrame:
    return _scored(300, 7)


def _wilson_low(p: float, k: float, z: float) -> float:
    centre = (p + z * z / (2 * k)) / (1 + z * z / k)
    return centre - z / (1 + z * z / k) * math.sqrt(p * (1 - p) / k + z * z / (4 * k * k))


def test_recall_figure_is_the_fewest_rows_whose_wilson_bound_clears_with_power() -> None:
    p, p0, prevalence = 0.93, 0.9, 0.3
    got = evaluation_rows_needed("recall", estimate=p, threshold=p0, confidence=0.95,
                                 prevalence=prevalence)
    assert got.n is not None and got.unit == "evaluation rows"
    assert "estimate is the truth" in got.assumption
    z, z_power = norm.ppf(0.95), norm.ppf(0.8)

    def clears(rows: int) -> bool:
        k = rows * prevalence
        return _wilson_low(p, k, z) - z_power * math.sqrt(p * (1 - p) / k) >= p0

    assert clears(got.n) and not clears(got.n - 1)
    # near 1 the Wilson bound is longer below than the normal one: more rows than the textbook
    textbook = (z + z_power) ** 2 * p * (1 - p) / (p - p0) ** 2 / prevalence
    assert textbook < got.n < 1.5 * textbook


def test_verify_and_plan_agree_on_the_same_estimate(evaluation: pd.DataFrame) -> None:
    verdict = verify(PACT, evaluation)
    (recall,) = verdict.criteria
    assert recall.status == "inconclusive" and recall.n_needed is not None
    # a pilot holding the same rows, or the same estimate and prevalence stated: one figure
    assert plan(PACT, pilot=evaluation).rows[0].n_needed == recall.n_needed
    prevalence = float(evaluation.y.mean())
    stated = plan(PACT, expected={"recall": recall.estimate}, prevalence=prevalence).rows[0]
    assert stated.n_needed == recall.n_needed
    assert "evaluation rows" in verdict.summary() and "estimate is the truth" in verdict.summary()


def test_audit_states_evaluation_rows_that_plan_reproduces() -> None:
    train = _scored(1500, 8).drop(columns=["p"])
    result = audit(train, pact=PACT, seed=0, checks=["learnability"])
    (row,) = [r for r in result.learnability["criteria"] if r["metric"] == "recall"]
    assert row["rows_needed_unit"] == "training rows" or "rows_needed" not in row
    needed = row["evaluation_rows_needed"]
    assert needed is not None and "80% power" in row["evaluation_rows_assumption"]
    prevalence = float(train.y.mean())
    planned = plan(PACT, expected={"recall": row["estimate"]}, prevalence=prevalence)
    assert planned.rows[0].n_needed == needed


def test_every_recall_figure_scales_with_the_positive_share() -> None:
    common = {"estimate": 0.93, "threshold": 0.9, "confidence": 0.95}
    few = evaluation_rows_needed("recall", prevalence=0.1, **common).n
    many = evaluation_rows_needed("recall", prevalence=0.5, **common).n
    assert few is not None and many is not None and few == pytest.approx(5 * many, rel=0.01)
    assert evaluation_rows_needed("recall", **common).n is None  # no prevalence, no figure
