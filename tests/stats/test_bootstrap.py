from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from scipy.stats import bootstrap as scipy_bootstrap
from scipy.stats import poisson

from modelpact.errors import MetricError
from modelpact.stats import METRICS, Metric, metric_interval
from modelpact.stats import bootstrap as bs
from modelpact.stats.intervals import replicates_for

from ._data import CASES, make_data

KERNEL_CASES = [
    (name, task)
    for name, task in CASES
    if METRICS[name].engine.kernel is not None  # type: ignore[union-attr]
]
CONFUSION_CASES = [
    (name, task)
    for name, task in CASES
    if METRICS[name].engine.confusion is not None  # type: ignore[union-attr]
]


@pytest.mark.parametrize(("name", "task"), KERNEL_CASES)
def test_weighted_kernel_equals_metric_on_repeated_rows(name: str, task: str) -> None:
    """Integer weights must act exactly like repeating rows: that is what a resample is."""
    metric = METRICS[name]
    engine = metric.engine
    assert engine is not None
    assert engine.kernel is not None
    rng = np.random.default_rng(5)
    y_true, y = make_data(metric, task, rng, n=120)
    w = rng.integers(0, 3, (4, y_true.size)).astype(np.float64)
    w[:, :5] = 1.0  # keep the rows that guarantee every class
    kernel = engine.kernel(*engine.check(y_true, y))
    got = kernel.evaluate(w if kernel.order is None else w[:, kernel.order])
    for row, value in zip(w, got, strict=True):
        reps = row.astype(np.int64)
        expected = metric(np.repeat(y_true, reps), np.repeat(y, reps, axis=0))
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("name", "task"), CONFUSION_CASES)
def test_cell_jackknife_equals_row_jackknife(name: str, task: str) -> None:
    metric = METRICS[name]
    rng = np.random.default_rng(11)
    y_true, y = make_data(metric, task, rng, n=60)
    _, jack, sizes = replicates_for(metric, y_true, y, 10, rng)
    rows = np.array([metric(np.delete(y_true, i), np.delete(y, i)) for i in range(y_true.size)])
    assert sizes.sum() == y_true.size
    assert np.sort(np.repeat(jack, sizes.astype(np.int64))) == pytest.approx(np.sort(rows))
    assert bs._acceleration(jack, sizes) == pytest.approx(
        bs._acceleration(rows, np.ones_like(rows)), abs=1e-12
    )


@pytest.mark.parametrize(
    ("name", "task", "kind"),
    [
        ("f1", "binary", "percentile"),
        ("mae", "regression", "percentile"),
        ("f1", "binary", "BCa"),
        ("median_ae", "regression", "percentile"),
    ],
)
def test_close_to_scipy_bootstrap(name: str, task: str, kind: str) -> None:
    metric = METRICS[name]
    y_true, y = make_data(metric, task, np.random.default_rng(2), n=80)
    iv = metric_interval(
        metric, y_true, y, method=f"bootstrap-{kind.lower()}", n_resamples=4000, seed=1
    )
    ref = scipy_bootstrap(
        (y_true, y),
        metric.func,
        paired=True,
        vectorized=False,
        n_resamples=4000,
        method=kind,
        random_state=np.random.default_rng(1),
    )
    assert iv.se is not None
    # Different random streams: agree to Monte Carlo error, a fraction of the SE (the
    # median's bootstrap distribution is lumpy, hence the slack).
    assert iv.low == pytest.approx(ref.confidence_interval.low, abs=0.3 * iv.se)
    assert iv.high == pytest.approx(ref.confidence_interval.high, abs=0.3 * iv.se)
    assert iv.se == pytest.approx(ref.standard_error, rel=0.08)


@pytest.mark.parametrize(("name", "task"), CASES)
def test_every_metric_takes_bootstrap(name: str, task: str) -> None:
    metric = METRICS[name]
    y_true, y = make_data(metric, task, np.random.default_rng(3), n=150)
    iv = metric_interval(name, y_true, y, method="bootstrap", n_resamples=200)
    assert iv.method in {"bootstrap-bca", "bootstrap-percentile"}
    assert metric.bounds[0] <= iv.low <= iv.high <= metric.bounds[1]
    assert iv.estimate == metric(y_true, y)


def test_same_seed_same_bytes_other_seed_differs() -> None:
    y_true, y = make_data(METRICS["pr_auc"], "binary", np.random.default_rng(4), n=500)
    a = metric_interval("pr_auc", y_true, y, seed=7, n_resamples=300)
    b = metric_interval("pr_auc", y_true, y, seed=7, n_resamples=300)
    c = metric_interval("pr_auc", y_true, y, seed=8, n_resamples=300)
    assert a == b
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    assert a != c


def test_block_size_does_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    y_true, y = make_data(METRICS["roc_auc"], "binary", np.random.default_rng(4), n=300)
    whole = metric_interval("roc_auc", y_true, y, method="bootstrap", n_resamples=100)
    monkeypatch.setattr(bs, "_BLOCK_BYTES", 8 * 4 * 300 * 7)  # 7 resamples per block
    assert bs.block_size(300) == 7
    blocked = metric_interval("roc_auc", y_true, y, method="bootstrap", n_resamples=100)
    assert blocked == whole


def test_custom_metric_is_bootstrapped_by_loop() -> None:
    def share_of_ones(y_true: Any, y: Any) -> float:
        return float(np.mean(np.asarray(y) == 1))

    custom = Metric(
        "share",
        share_of_ones,
        frozenset({"binary"}),
        "label",
        True,
        (0.0, 1.0),
        "bootstrap",
        "share of predicted ones",
    )
    y_true, y = make_data(METRICS["f1"], "binary", np.random.default_rng(1), n=200)
    iv = metric_interval(custom, y_true, y, n_resamples=500)
    wilson = metric_interval("accuracy", np.ones_like(y), y)
    assert iv.low == pytest.approx(wilson.low, abs=0.02)
    assert iv.high == pytest.approx(wilson.high, abs=0.02)


def test_degenerate_bootstrap_reports_zero_se() -> None:
    """A perfect classifier: every resample agrees, so the bootstrap sees no spread."""
    y = np.array([0, 1] * 20)
    iv = metric_interval("f1", y, y)
    assert (iv.estimate, iv.low, iv.high, iv.se) == (1.0, 1.0, 1.0, 0.0)


def test_bca_falls_back_to_percentile_when_all_replicates_are_on_one_side() -> None:
    reps = (np.linspace(0.1, 0.5, 50), np.array([0.2, 0.3]), np.ones(2))
    low, _, se, method = bs.bootstrap_interval(0.9, reps, 0.95)
    assert method == "bootstrap-percentile"
    assert low == pytest.approx(np.quantile(reps[0], 0.025))
    assert se > 0


def test_undefined_resamples_are_dropped() -> None:
    y = np.zeros(40, dtype=np.int64)
    y[0] = 1
    s = np.linspace(0, 1, 40)
    iv = metric_interval("roc_auc", y, s, method="bootstrap-percentile", n_resamples=300)
    assert 0.0 <= iv.low <= iv.high <= 1.0


def test_too_few_usable_resamples_is_an_error() -> None:
    reps = (np.array([np.nan, np.nan, 0.5]), np.array([0.5]), np.ones(1))
    with pytest.raises(MetricError, match="fewer than 2 usable resamples"):
        bs.bootstrap_interval(0.5, reps, 0.95)


@pytest.mark.parametrize(
    ("name", "method"), [("f1", "wilson"), ("f1", "delong"), ("pr_auc", "clt"), ("mae", "magic")]
)
def test_inapplicable_method_is_rejected(name: str, method: str) -> None:
    with pytest.raises(MetricError, match=f"{name}: interval method '{method}' does not apply"):
        metric_interval(name, [0, 1, 1], [0, 1, 0], method=method)


@pytest.mark.parametrize(("confidence", "n_resamples"), [(0.0, 100), (1.0, 100), (0.9, 1)])
def test_rejects_bad_options(confidence: float, n_resamples: int) -> None:
    with pytest.raises(MetricError, match=r"confidence|n_resamples"):
        metric_interval("f1", [0, 1], [0, 1], confidence=confidence, n_resamples=n_resamples)


def test_poisson_table_matches_the_poisson_distribution() -> None:
    counts = np.bincount(bs._POISSON.astype(np.int64)) / 2**16
    pmf = poisson.pmf(np.arange(counts.size), 1.0)
    assert counts == pytest.approx(pmf, abs=2**-16)
    assert bs._POISSON.mean() == pytest.approx(1.0, abs=1e-4)


def test_large_n_poisson_bootstrap_agrees_with_the_clt() -> None:
    rng = np.random.default_rng(12)
    n = bs._POISSON_FROM + 1
    y = rng.normal(size=n)
    pred = y + rng.standard_t(5, size=n)
    boot = metric_interval("mae", y, pred, method="bootstrap-percentile", n_resamples=300)
    clt = metric_interval("mae", y, pred)
    assert boot.se == pytest.approx(clt.se, rel=0.12)
    assert boot.low == pytest.approx(clt.low, abs=0.5 * clt.se)  # type: ignore[operator]


def test_custom_metric_auto_means_bootstrap() -> None:
    def mean_pred(y_true: Any, y: Any) -> float:
        return float(np.mean(y))

    custom = Metric(
        "mean_pred",
        mean_pred,
        frozenset({"regression"}),
        "value",
        True,
        (-np.inf, np.inf),
        "delong",
        "declares an interval it cannot have",
    )
    y = np.random.default_rng(0).normal(size=100)
    assert metric_interval(custom, y, y, n_resamples=100).method == "bootstrap-bca"
    with pytest.raises(MetricError, match="'delong' does not apply"):
        metric_interval(custom, y, y, method="delong")
