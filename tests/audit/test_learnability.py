"""Learnability: power-law projection against known curves, and pact reachability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from modelpact.audit import audit
from modelpact.audit.checks.learnability import fit_curve, power_law, rows_for_error
from modelpact.pact import Pact

from .conftest import make_frame


def test_power_law_fit_recovers_a_known_curve() -> None:
    sizes = np.geomspace(100, 20_000, 8)
    errors = power_law(sizes, 2.0, 0.6, 0.05)
    fit = fit_curve(sizes, errors)
    assert fit is not None
    assert fit["a"] == pytest.approx(2.0, rel=1e-3)
    assert fit["b"] == pytest.approx(0.6, rel=1e-3)
    assert fit["c"] == pytest.approx(0.05, abs=1e-4)


def test_rows_for_error_inverts_the_curve_and_sees_plateaus() -> None:
    fit = {"a": 2.0, "b": 0.5, "c": 0.05}
    n = rows_for_error(fit, 0.07)
    assert n is not None
    assert power_law(np.array([n]), **fit)[0] == pytest.approx(0.07)
    assert rows_for_error(fit, 0.04) is None  # below the plateau: never


def _pact(threshold: float, metric: str = "roc_auc") -> Pact:
    return Pact(name="t", task="binary", positive_class=1, columns={"target": "y"},
                criteria=[{"metric": metric, "at_least": threshold}])


def test_model_against_baseline_uses_paired_interval(frame: pd.DataFrame) -> None:
    from sklearn.metrics import roc_auc_score

    result = audit(frame, target="y", checks=["learnability"])
    entry = result.learnability["metrics"]["roc_auc"]
    assert entry["baseline"]["estimate"] == pytest.approx(0.5)
    assert entry["difference"]["low"] > 0
    assert entry["model"]["low"] < entry["model"]["estimate"] < entry["model"]["high"]
    # the estimate is scikit-learn's AUC of the shared out-of-fold predictions
    from modelpact.audit import _models
    from modelpact.audit.context import prepare

    ctx = prepare(frame, source="f", target="y")
    pos = ctx.sample()
    with threadpool_limits(1):  # as the audit does: spare a shared machine's cores
        oof = _models.oof_predictions(ctx, pos)
    assert entry["model"]["estimate"] == pytest.approx(roc_auc_score(ctx.y(pos), oof[:, 1]))


def test_unreachable_threshold_is_no_go() -> None:
    frame = make_frame(3000)
    # the Bayes AUC of this logistic model is about 0.85: 0.99 is out of reach
    result = audit(frame, pact=_pact(0.99), checks=["learnability"])
    (row,) = result.learnability["criteria"]
    assert row["status"] == "unreachable"
    assert "not reachable with these features" in row["message"]
    assert result.verdict == "no_go"


def test_met_threshold_is_go() -> None:
    result = audit(make_frame(3000), pact=_pact(0.6), checks=["learnability"])
    (row,) = result.learnability["criteria"]
    assert row["status"] == "met"
    assert result.verdict == "go"


def test_no_signal_blocks() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=1500), "b": rng.normal(size=1500),
                          "y": rng.integers(0, 2, 1500)})
    result = audit(frame, target="y", checks=["learnability"])
    assert result.verdict == "no_go"
    assert "no signal beyond the baseline" in result.findings[0].message


def test_learning_curve_rises_and_projects() -> None:
    result = audit(make_frame(4000), target="y", checks=["learnability"])
    curve = result.learnability["curve"]
    assert curve["scores"][-1] > curve["scores"][0]
    assert curve["fit"] is not None
    assert all(0.5 < v <= 1 for v in curve["projection"].values())


def test_every_absolute_criterion_gets_its_own_curve() -> None:
    pact = Pact(name="t", task="binary", positive_class=1, columns={"target": "y"},
                criteria=[{"metric": "roc_auc", "at_least": 0.6},
                          {"metric": "brier", "at_most": 0.5}])
    result = audit(make_frame(2000), pact=pact, checks=["learnability"])
    curves = result.learnability["curves"]
    assert set(curves) == {"roc_auc", "brier"}
    assert curves["brier"]["scores"][-1] < curves["brier"]["scores"][0]  # lower is better
    assert [c["status"] for c in result.learnability["criteria"]] == ["met", "met"]


def test_threshold_inside_the_interval_is_borderline_not_unreachable(frame: pd.DataFrame) -> None:
    probe = audit(frame, target="y", checks=["learnability"]).learnability["metrics"]["roc_auc"]
    # a threshold just below the upper bound: inside the interval, above the plateau
    threshold = round(probe["model"]["high"] - 0.001, 4)
    result = audit(frame, pact=_pact(threshold), checks=["learnability"])
    (row,) = result.learnability["criteria"]
    assert row["status"] in ("borderline", "needs_more_data", "reachable")
    assert result.verdict != "no_go"
