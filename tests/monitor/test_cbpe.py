"""CBPE: expected-count arithmetic against direct computations, the sampling-error band against
scikit-learn on simulated labels, and estimation quality (band covers the realized metric in
at least 90% of chunks) on simulated and real data without concept shift."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from threadpoolctl import threadpool_limits

from modelpact.errors import ConfigurationError, InvalidDataError, MetricError
from modelpact.monitor import cbpe as cbpe_module
from modelpact.monitor.cbpe import CBPE, cbpe_metrics
from tests.conftest import shared_dataset

Float = NDArray[np.float64]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    # the test machine is shared; OpenMP spinning threads of the boosted model slow it tenfold
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def _binary(rng: np.random.Generator, n: int, shift: float = 0.0) -> tuple[NDArray[np.int64], Float]:
    """True probabilities of a logistic model; covariate shift moves x, not P(y | x)."""
    x = rng.normal(shift, 1.0, n)
    p = 1.0 / (1.0 + np.exp(-(1.5 * x - 0.5)))
    y = (rng.uniform(size=n) < p).astype(np.int64)
    return y, p


def _overconfident(p: Float) -> Float:
    logit = np.log(p / (1.0 - p))
    return 1.0 / (1.0 + np.exp(-2.5 * logit + 0.4))


def _coverage(
    cbpe: CBPE, chunks: list[tuple[NDArray[np.int64], Float]], realized: dict[str, object]
) -> dict[str, float]:
    hits = dict.fromkeys(realized, 0)
    for y, scores in chunks:
        estimates = cbpe.estimate(scores)
        for name, func in realized.items():
            hits[name] += estimates[name].contains(func(y, scores))  # type: ignore[operator]
    return {name: h / len(chunks) for name, h in hits.items()}


BINARY_REALIZED = {
    "roc_auc": lambda y, s: roc_auc_score(y, s),
    "accuracy": lambda y, s: accuracy_score(y, s >= 0.5),
    "f1": lambda y, s: f1_score(y, s >= 0.5),
}


# --- arithmetic --------------------------------------------------------------------------


def test_expected_auc_is_the_area_under_the_expected_roc_curve() -> None:
    rng = np.random.default_rng(1)
    scores = rng.uniform(size=3000)  # no ties
    cbpe = CBPE(task="binary", metrics=["roc_auc"], calibrate=False).fit([0, 1], [0.3, 0.6])
    p = scores  # uncalibrated: the scores are the probabilities
    order = np.argsort(-scores)
    tpr = np.r_[0.0, np.cumsum(p[order])] / p.sum()
    fpr = np.r_[0.0, np.cumsum(1.0 - p[order])] / (1.0 - p).sum()
    curve_area = float(np.trapezoid(tpr, fpr))
    # each row is a diagonal step of the expected curve, so the trapezoids pair every row
    # half with itself; a row is never its own negative, and CBPE leaves those pairs out
    all_pairs = p.sum() * (1.0 - p).sum()
    self_pairs = float(p @ (1.0 - p))
    without_self = (curve_area * all_pairs - 0.5 * self_pairs) / (all_pairs - self_pairs)
    value = cbpe.estimate(scores)["roc_auc"].value
    assert value == pytest.approx(without_self, abs=1e-12)
    assert abs(curve_area - value) < 1e-3


def test_expected_confusion_and_metrics_from_expected_counts() -> None:
    rng = np.random.default_rng(2)
    scores = rng.uniform(size=500)
    cbpe = CBPE(
        task="binary", metrics=["accuracy", "precision", "recall", "specificity", "f1"],
        calibrate=False, threshold=0.4,
    ).fit([0, 1], [0.2, 0.7])
    pred = scores >= 0.4
    tp, fp = scores[pred].sum(), (1 - scores[pred]).sum()
    fn, tn = scores[~pred].sum(), (1 - scores[~pred]).sum()
    np.testing.assert_allclose(cbpe.expected_confusion(scores), [[tn, fp], [fn, tp]])
    est = cbpe.estimate(scores)
    assert est["accuracy"].value == pytest.approx((tp + tn) / 500)
    assert est["precision"].value == pytest.approx(tp / (tp + fp))
    assert est["recall"].value == pytest.approx(tp / (tp + fn))
    assert est["specificity"].value == pytest.approx(tn / (tn + fp))
    assert est["f1"].value == pytest.approx(2 * tp / (2 * tp + fp + fn))


def test_given_decisions_replace_the_threshold_everywhere() -> None:
    """Decisions made elsewhere (a prediction column) are the ones estimated, on every route."""
    rng = np.random.default_rng(12)
    scores = rng.uniform(size=3000)
    decisions = (scores >= 0.8) ^ (rng.uniform(size=3000) < 0.1)  # not a threshold at all
    metrics = ["accuracy", "precision", "recall", "f1", "roc_auc"]
    cbpe = CBPE(task="binary", metrics=metrics, calibrate=False).fit([0, 1], [0.2, 0.7])
    pred = decisions.astype(int)
    tp, fp = scores[decisions].sum(), (1 - scores[decisions]).sum()
    fn, tn = scores[~decisions].sum(), (1 - scores[~decisions]).sum()
    np.testing.assert_allclose(cbpe.expected_confusion(scores, pred), [[tn, fp], [fn, tp]])
    est = cbpe.estimate(scores, pred)
    assert est["accuracy"].value == pytest.approx((tp + tn) / 3000)
    assert est["precision"].value == pytest.approx(tp / (tp + fp))
    assert est["f1"].value == pytest.approx(2 * tp / (2 * tp + fp + fn))
    # ROC AUC ranks scores, not decisions: the same with or without them
    assert est["roc_auc"].value == cbpe.estimate(scores)["roc_auc"].value
    # the band is the spread of scikit-learn's metric over label draws of these decisions
    draws = (rng.uniform(size=(300, scores.size)) < scores).astype(int)
    realized = np.array([accuracy_score(y, pred) for y in draws])
    assert est["accuracy"].se == pytest.approx(realized.std(ddof=1), rel=0.15)
    assert est["accuracy"].value == pytest.approx(realized.mean(), abs=0.25 * est["accuracy"].se)
    # at threshold 0.5 the estimate would be of another model's decisions
    assert abs(cbpe.estimate(scores)["accuracy"].value - est["accuracy"].value) > 0.05


def test_given_decisions_multiclass_and_bad_decisions() -> None:
    rng = np.random.default_rng(13)
    prob = rng.dirichlet([1.0, 1.0, 1.0], size=2000)
    pred = rng.integers(0, 3, size=2000)
    cbpe = CBPE(task="multiclass", metrics=["accuracy"], calibrate=False).fit(
        [0, 1, 2], np.eye(3) * 0.8 + 0.2 / 3)
    expected = prob[np.arange(2000), pred].mean()
    assert cbpe.estimate(prob, pred)["accuracy"].value == pytest.approx(expected)
    with pytest.raises(InvalidDataError, match=r"class codes 0\.\.2"):
        cbpe.estimate(prob, pred + 1)
    with pytest.raises(InvalidDataError, match="one decision per row"):
        cbpe.estimate(prob, pred[:10])


@pytest.mark.slow
def test_standard_error_matches_sklearn_on_labels_drawn_from_the_probabilities() -> None:
    """The band's width is the spread of scikit-learn's metric over label draws."""
    rng = np.random.default_rng(3)
    _, p = _binary(rng, 1000)
    cbpe = CBPE(task="binary", metrics=list(BINARY_REALIZED), calibrate=False).fit([0, 1], [0.2, 0.8])
    est = cbpe.estimate(p)
    draws = (rng.uniform(size=(300, p.size)) < p).astype(int)
    for name, func in BINARY_REALIZED.items():
        values = np.array([func(y, p) for y in draws])
        assert est[name].se == pytest.approx(values.std(ddof=1), rel=0.15), name
        assert est[name].value == pytest.approx(values.mean(), abs=0.25 * est[name].se), name


def test_large_chunks_take_the_gaussian_route_with_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(4)
    y, p = _binary(rng, 6000)
    metrics = ["roc_auc", "accuracy", "f1", "precision"]
    cbpe = CBPE(task="binary", metrics=metrics).fit(y, p)
    _, scores = _binary(rng, 5000, shift=0.3)
    monkeypatch.setattr(cbpe_module, "_EXACT_CELLS", 10**12)
    exact = cbpe.estimate(scores)
    monkeypatch.setattr(cbpe_module, "_EXACT_CELLS", 0)
    gaussian = cbpe.estimate(scores)
    for name in metrics:
        assert gaussian[name].value == exact[name].value
        assert gaussian[name].se == pytest.approx(exact[name].se, rel=0.15), name


def test_multiclass_gaussian_route_agrees_with_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    y, proba = _multiclass(rng, 4000)
    metrics = ["accuracy", "f1_macro", "roc_auc_ovr", "recall_weighted"]
    cbpe = CBPE(task="multiclass", metrics=metrics).fit(y, proba)
    _, scores = _multiclass(rng, 3000, shift=0.5)
    monkeypatch.setattr(cbpe_module, "_EXACT_CELLS", 10**12)
    exact = cbpe.estimate(scores)
    monkeypatch.setattr(cbpe_module, "_EXACT_CELLS", 0)
    gaussian = cbpe.estimate(scores)
    for name in metrics:
        assert gaussian[name].se == pytest.approx(exact[name].se, rel=0.15), name


def test_bootstrap_calibration_maps_match_sklearn_isotonic_regression() -> None:
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(8)
    x = np.round(rng.uniform(size=3000), 3)  # ties, as real scores have
    y = (rng.uniform(size=3000) < x**2).astype(np.float64)
    weights = rng.poisson(1.0, 3000).astype(np.float64)
    knots, inverse = np.unique(x, return_inverse=True)
    mapping = cbpe_module._weighted_isotonic(knots, inverse, y, weights)
    reference = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
    reference.fit(x[weights > 0], y[weights > 0], sample_weight=weights[weights > 0])
    grid = np.linspace(-0.1, 1.1, 5001)
    np.testing.assert_allclose(np.interp(grid, *mapping), reference.predict(grid), atol=1e-12)


def test_sorted_ranks_equal_scipy_average_ranks() -> None:
    from scipy.stats import rankdata

    values = np.sort(np.round(np.random.default_rng(9).uniform(size=5000), 2))
    np.testing.assert_array_equal(cbpe_module._sorted_ranks(values), rankdata(values))


def test_same_seed_same_estimates() -> None:
    rng = np.random.default_rng(6)
    y, p = _binary(rng, 3000)
    a = CBPE(task="binary", metrics=["roc_auc", "f1"], seed=7).fit(y, p).estimate(p[:900])
    b = CBPE(task="binary", metrics=["roc_auc", "f1"], seed=7).fit(y, p).estimate(p[:900])
    assert a == b
    assert a["f1"].to_dict()["ci"] == [a["f1"].low, a["f1"].high]


# --- estimation quality ------------------------------------------------------------------


@pytest.mark.slow
def test_binary_coverage_well_calibrated_under_covariate_shift() -> None:
    # Chunks of one run share its reference's calibration error, so coverage is pooled over
    # three independent references to measure the band rather than one reference's luck.
    coverage = dict.fromkeys(BINARY_REALIZED, 0.0)
    for seed in (10, 11, 12):
        rng = np.random.default_rng(seed)
        y, p = _binary(rng, 20_000)
        cbpe = CBPE(task="binary", metrics=list(BINARY_REALIZED), n_draws=200).fit(y, p)
        chunks = [_binary(rng, 2000, shift=0.8 * i / 20) for i in range(20)]
        for name, share in _coverage(cbpe, chunks, BINARY_REALIZED).items():
            coverage[name] += share / 3
    assert coverage["roc_auc"] >= 0.9
    assert coverage["accuracy"] >= 0.9
    assert coverage["f1"] >= 0.9


@pytest.mark.slow
def test_binary_coverage_miscalibrated_scores_after_calibration() -> None:
    rng = np.random.default_rng(11)
    y, p = _binary(rng, 20_000)
    chunks = [(yc, _overconfident(pc)) for yc, pc in (_binary(rng, 2000, 0.6 * i / 40) for i in range(40))]
    auto = CBPE(task="binary", metrics=list(BINARY_REALIZED), n_draws=200).fit(y, _overconfident(p))
    assert auto.calibrated_
    errors = auto.calibration_error_
    assert errors["calibrated_brier"] < errors["raw_brier"]
    assert errors["calibrated_ece"] < errors["raw_ece"] / 2
    coverage = _coverage(auto, chunks, BINARY_REALIZED)
    assert coverage["roc_auc"] >= 0.9
    assert coverage["accuracy"] >= 0.9
    # the same scores taken at face value miss: calibration is what makes the estimate right
    raw = CBPE(
        task="binary", metrics=list(BINARY_REALIZED), calibrate=False, n_draws=200
    ).fit(y, _overconfident(p))
    assert _coverage(raw, chunks, BINARY_REALIZED)["accuracy"] < 0.5


def _multiclass(
    rng: np.random.Generator, n: int, shift: float = 0.0
) -> tuple[NDArray[np.int64], Float]:
    x = rng.normal(size=(n, 2)) + np.array([shift, 0.0])
    logits = x @ np.array([[1.5, -1.0, 0.0], [0.0, 1.0, -1.2]]) + np.array([0.0, 0.2, 0.1])
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    cum = proba.cumsum(axis=1)
    y = (rng.uniform(size=(n, 1)) > cum[:, :-1]).sum(axis=1).astype(np.int64)
    return y, proba


MULTI_REALIZED = {
    "accuracy": lambda y, s: accuracy_score(y, s.argmax(axis=1)),
    "f1_macro": lambda y, s: f1_score(y, s.argmax(axis=1), average="macro"),
    "roc_auc_ovr": lambda y, s: roc_auc_score(y, s, multi_class="ovr", average="macro"),
}


@pytest.mark.slow
def test_multiclass_coverage_under_covariate_shift() -> None:
    rng = np.random.default_rng(12)
    y, proba = _multiclass(rng, 15_000)
    # sharpen the probabilities: class-wise calibration has something to undo
    sharp = proba**1.6 / (proba**1.6).sum(axis=1, keepdims=True)
    cbpe = CBPE(task="multiclass", metrics=list(MULTI_REALIZED), n_draws=200).fit(y, sharp)
    assert cbpe.calibrated_
    chunks = []
    for i in range(30):
        yc, pc = _multiclass(rng, 1500, shift=0.6 * i / 30)
        chunks.append((yc, pc**1.6 / (pc**1.6).sum(axis=1, keepdims=True)))
    coverage = _coverage(cbpe, chunks, MULTI_REALIZED)
    assert coverage["accuracy"] >= 0.9
    assert coverage["roc_auc_ovr"] >= 0.9
    assert coverage["f1_macro"] >= 0.85


@pytest.mark.slow
def test_real_data_adult_coverage() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    train = pd.read_csv(shared_dataset("adult-train.csv"))
    test = pd.read_csv(shared_dataset("adult-test.csv"))
    features = [c for c in train.columns if c != "class"]
    both = pd.get_dummies(pd.concat([train[features], test[features]]), dtype=float)
    x_train, x_test = both.iloc[: len(train)], both.iloc[len(train) :]
    y_train, y_test = train["class"].to_numpy(), test["class"].to_numpy()
    # model on 40% of train; the other 60% is the reference period, the test file the analysis
    rng = np.random.default_rng(13)
    fit_rows = rng.uniform(size=len(train)) < 0.4
    model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    model.fit(x_train[fit_rows], y_train[fit_rows])
    ref_scores = model.predict_proba(x_train[~fit_rows])[:, 1]
    scores = model.predict_proba(x_test)[:, 1]
    cbpe = CBPE(task="binary", metrics=list(BINARY_REALIZED), n_draws=200)
    cbpe.fit(y_train[~fit_rows], ref_scores)
    size = 1000
    chunks = [
        (y_test[i : i + size], scores[i : i + size]) for i in range(0, len(test) - size + 1, size)
    ]
    coverage = _coverage(cbpe, chunks, BINARY_REALIZED)
    assert len(chunks) == 12
    assert coverage["roc_auc"] >= 0.9
    assert coverage["accuracy"] >= 0.9


# --- settings and input errors -----------------------------------------------------------


def test_metric_list_follows_the_registry() -> None:
    binary = cbpe_metrics("binary")
    assert {"accuracy", "precision", "recall", "specificity", "f1", "roc_auc"} <= set(binary)
    assert "pr_auc" not in binary and "roc_auc_ovr" not in binary
    assert {"accuracy", "f1_macro", "roc_auc_ovr"} <= set(cbpe_metrics("multiclass"))
    with pytest.raises(ConfigurationError, match="use DLE for regression"):
        cbpe_metrics("regression")


@pytest.mark.parametrize(
    ("metrics", "error", "match"),
    [
        (["rocauc"], MetricError, "did you mean 'roc_auc'"),
        (["pr_auc"], MetricError, "cannot estimate 'pr_auc' without labels"),
        (["f1_macro"], MetricError, "not defined for binary"),
        ([], ConfigurationError, "at least one metric"),
    ],
)
def test_bad_metrics(metrics: list[str], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        CBPE(task="binary", metrics=metrics).fit([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])


def test_bad_inputs() -> None:
    cbpe = CBPE(task="binary", metrics=["accuracy"])
    with pytest.raises(InvalidDataError, match="no row of class 1"):
        cbpe.fit([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidDataError, match=r"probabilities in \[0, 1\]"):
        cbpe.fit([0, 1], [0.1, 1.3])
    with pytest.raises(InvalidDataError, match="1 row"):
        cbpe.fit([0, 1], [0.1, np.nan])
    with pytest.raises(ConfigurationError, match="not fitted"):
        cbpe.estimate([0.5])
    multi = CBPE(task="multiclass", metrics=["accuracy"], classes=["a", "b", "c"])
    with pytest.raises(InvalidDataError, match="2 class columns; expected 3"):
        multi.fit([0, 1], [[0.4, 0.6], [0.7, 0.3]])
    fitted = CBPE(task="multiclass", metrics=["accuracy"]).fit(
        [0, 1, 2], np.eye(3) * 0.8 + 0.2 / 3
    )
    with pytest.raises(InvalidDataError, match="expected 3"):
        fitted.estimate([[0.5, 0.5]])


@settings(max_examples=40, deadline=None)
@given(
    scores=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60),
    threshold=st.floats(0.05, 0.95),
)
def test_every_metric_stays_in_range_with_its_band(scores: list[float], threshold: float) -> None:
    metrics = cbpe_metrics("binary")
    cbpe = CBPE(task="binary", metrics=metrics, threshold=threshold, n_draws=50)
    cbpe.fit([0, 1, 0, 1, 1], [0.1, 0.9, 0.3, 0.6, 0.8])
    for name, est in cbpe.estimate(np.array(scores)).items():
        if np.isnan(est.value):  # AUC of a chunk that is certain to hold one class only
            assert name == "roc_auc"
            continue
        assert 0.0 <= est.value <= 1.0, name
        if not np.isnan(est.se):
            assert est.low <= est.value <= est.high, name
