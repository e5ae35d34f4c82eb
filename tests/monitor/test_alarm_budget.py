"""One false-alarm budget per chunk: every statistical check spends its share, and stable
streams alert no more often than documented (seeded simulations at a large alpha, so that the
rates are measurable in a few seconds; the 1% study is in ``benchmarks/bench_alarms.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from modelpact.monitor import monitor
from modelpact.monitor.alerts import AlarmBudget, severity_rank
from modelpact.monitor.multivariate import (
    DomainClassifier,
    ReconstructionError,
    mann_whitney_null,
)
from modelpact.pact import Pact

from ._synth import make_pact, make_rows


def _ceiling(trials: int, rate: float) -> int:
    """Alerts a check at *rate* exceeds with probability 0.1% over *trials* stable chunks."""
    return int(stats.binom.ppf(0.999, trials, rate))


def test_mann_whitney_null_equals_scipy_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 15, size=400) / 15  # many ties, as a boosted model's leaves
    labels = rng.integers(0, 2, size=400)
    auc, p = mann_whitney_null(scores, labels)
    ref = stats.mannwhitneyu(scores[labels == 1], scores[labels == 0], alternative="greater",
                             use_continuity=False, method="asymptotic")
    assert p == pytest.approx(ref.pvalue, rel=1e-12)
    assert auc == pytest.approx(ref.statistic / (labels.sum() * (400 - labels.sum())))


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": 0.7 * a + 0.7 * rng.normal(size=n),
                         "c": rng.exponential(size=n),
                         "k": rng.choice(["u", "v", "w"], p=[0.5, 0.3, 0.2], size=n)})


@pytest.mark.slow
def test_domain_classifier_alerts_at_most_at_its_level_on_stable_chunks():
    level, trials = 0.25, 40
    rng = np.random.default_rng(1)
    clf = DomainClassifier(max_rows=300, false_alarm_rate=level, range_level=0.5,
                           seed=0).fit(_frame(rng, 4000), ["a", "b", "c"], ["k"])
    results = [clf.evaluate(_frame(rng, 300), i) for i in range(trials)]
    assert all(r.alpha == level for r in results)
    assert sum(r.p_value < level for r in results) <= _ceiling(trials, level)
    assert sum(r.alert for r in results) <= _ceiling(trials, level)


def test_reconstruction_error_p_values_are_uniform_on_stable_chunks():
    level, trials = 0.1, 200
    rng = np.random.default_rng(2)
    recon = ReconstructionError(false_alarm_rate=level, range_level=0.5, seed=0).fit(
        _frame(rng, 20_000), ["a", "b", "c"], ["k"])
    results = [recon.evaluate(_frame(rng, 500)) for _ in range(trials)]
    p = np.array([r.p_value for r in results])
    assert stats.kstest(p, "uniform").pvalue > 0.001
    assert sum(r.alert for r in results) <= _ceiling(trials, level)
    # a broken correlation is seen at the same level
    broken = _frame(rng, 500).assign(b=lambda f: rng.permutation(f["b"].to_numpy()))
    assert recon.evaluate(broken).alert


@pytest.mark.slow
def test_stable_streams_alert_in_at_most_the_documented_share_of_chunks():
    alpha, runs, chunks = 0.2, 8, 5
    pact = make_pact(false_alarm_rate=alpha)
    alerted_chunks = alerted_runs = 0
    for seed in range(runs):
        rng = np.random.default_rng(100 + seed)
        reference = make_rows(rng, 2500)
        analysis = make_rows(rng, chunks * 600, start_id=10**6)
        result = monitor(pact, reference, analysis.drop(columns="label"), chunks=chunks,
                         seed=seed, estimate_performance=False)
        budget = result.to_dict()["alarm_budget"]
        assert budget["per_chunk"] == alpha
        assert budget["per_run"] == pytest.approx(min(1.0, chunks * alpha))
        assert budget["checks"]["multivariate_drift"] == 2
        alerted = {a.chunk for a in result.alerts}
        alerted_chunks += len(alerted)
        alerted_runs += bool(alerted)
    # before the shared budget the two multivariate checks added up to 2 alpha on top
    assert alerted_chunks <= _ceiling(runs * chunks, alpha)
    assert alerted_runs <= runs * min(1.0, chunks * alpha)


def test_every_check_runs_at_its_share_of_the_budget():
    rng = np.random.default_rng(3)
    reference = make_rows(rng, 3000)
    analysis = make_rows(rng, 2000, start_id=10**6)
    result = monitor(make_pact(false_alarm_rate=0.05), reference,
                     analysis.drop(columns="label"), chunks=2, estimate_performance=False)
    budget = result.alarm_budget
    assert budget is not None
    # 4 numeric features and the score x 2 methods, the categorical segment x 1
    assert dict(budget.checks) == {"univariate_drift": 11, "multivariate_drift": 2,
                                   "missing_values": 1}
    assert budget.per_check * budget.n_checks == pytest.approx(0.05)
    for chunk in result.chunks:
        assert {m.alpha for m in chunk.multivariate} == {budget.per_check}
    # the univariate thresholds are the ones of a calibrator at that per-check level
    from modelpact.monitor import UnivariateDrift, build_reference_profile

    drift = UnivariateDrift(false_alarm_rate=0.05, per_check=budget.per_check).fit(
        build_reference_profile(make_pact(), reference))
    assert drift.calibrator_.alpha_per_check == budget.per_check
    first = result.chunks[0].drift[0]
    assert first.threshold == drift.calibrator_.threshold(first.feature, first.method,
                                                          1000)


def test_budget_arithmetic_and_one_severity_scale():
    budget = AlarmBudget(0.01, {"univariate_drift": 6, "multivariate_drift": 2,
                                "missing_values": 1}, n_chunks=20)
    assert budget.per_check == pytest.approx(0.01 / 9)
    assert budget.per_run == pytest.approx(0.2)
    assert AlarmBudget(0.2, {"univariate_drift": 1}, n_chunks=10).per_run == 1.0
    assert severity_rank("info") < severity_rank("warning") < severity_rank("critical")
    assert severity_rank("blocking") == severity_rank("critical")
    with pytest.raises(ValueError, match="unknown severity"):
        severity_rank("fatal")


def test_saved_profile_runs_spend_the_budget_on_the_checks_that_run():
    rng = np.random.default_rng(4)
    reference = make_rows(rng, 3000)
    pact = Pact.model_validate({**make_pact().model_dump(), "monitoring": {
        "false_alarm_rate": 0.02}})
    from modelpact.monitor import build_reference_profile

    saved = monitor(pact, build_reference_profile(pact, reference),
                    make_rows(rng, 1000, start_id=10**6), chunks=1)
    assert saved.alarm_budget is not None
    assert saved.alarm_budget.checks["multivariate_drift"] == 0
    assert saved.alarm_budget.per_check == pytest.approx(0.02 / 12)
