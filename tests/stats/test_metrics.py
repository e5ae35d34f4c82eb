from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpact.errors import MetricError
from modelpact.stats import METRICS, get_metric, make_fbeta, metric_names

from ._data import CASES, make_data


def slow_ece(y: Any, p: Any) -> float:
    """ECE by an explicit loop over 10 equal-width bins, the last one closed at 1.0."""
    total = 0.0
    for b in range(10):
        lo, hi = b / 10, (b + 1) / 10
        in_bin = [i for i in range(len(p)) if lo <= p[i] < hi or (b == 9 and p[i] == 1.0)]
        if in_bin:
            gap = np.mean([y[i] for i in in_bin]) - np.mean([p[i] for i in in_bin])
            total += len(in_bin) / len(p) * abs(gap)
    return total


Oracle = Callable[[Any, Any], float]
ORACLES: dict[tuple[str, str], Oracle] = {
    ("accuracy", "binary"): skm.accuracy_score,
    ("accuracy", "multiclass"): skm.accuracy_score,
    ("balanced_accuracy", "binary"): skm.balanced_accuracy_score,
    ("balanced_accuracy", "multiclass"): skm.balanced_accuracy_score,
    ("precision", "binary"): skm.precision_score,
    ("recall", "binary"): skm.recall_score,
    ("specificity", "binary"): lambda t, p: skm.recall_score(t, p, pos_label=0),
    ("f1", "binary"): skm.f1_score,
    ("f2", "binary"): lambda t, p: skm.fbeta_score(t, p, beta=2.0),
    ("f0_5", "binary"): lambda t, p: skm.fbeta_score(t, p, beta=0.5),
    ("roc_auc", "binary"): skm.roc_auc_score,
    ("pr_auc", "binary"): skm.average_precision_score,
    ("log_loss", "binary"): lambda t, p: skm.log_loss(t, p, labels=[0, 1]),
    ("log_loss", "multiclass"): skm.log_loss,
    ("brier", "binary"): skm.brier_score_loss,
    ("ece", "binary"): slow_ece,
    ("f1_macro", "multiclass"): lambda t, p: skm.f1_score(t, p, average="macro"),
    ("f1_micro", "multiclass"): lambda t, p: skm.f1_score(t, p, average="micro"),
    ("f1_weighted", "multiclass"): lambda t, p: skm.f1_score(t, p, average="weighted"),
    ("precision_macro", "multiclass"): lambda t, p: skm.precision_score(t, p, average="macro"),
    ("recall_macro", "multiclass"): lambda t, p: skm.recall_score(t, p, average="macro"),
    ("precision_weighted", "multiclass"): lambda t, p: skm.precision_score(
        t, p, average="weighted"
    ),
    ("recall_weighted", "multiclass"): lambda t, p: skm.recall_score(t, p, average="weighted"),
    ("roc_auc_ovr", "multiclass"): lambda t, p: skm.roc_auc_score(t, p, multi_class="ovr"),
    ("mae", "regression"): skm.mean_absolute_error,
    ("mse", "regression"): skm.mean_squared_error,
    ("rmse", "regression"): skm.root_mean_squared_error,
    ("r2", "regression"): skm.r2_score,
    ("mape", "regression"): skm.mean_absolute_percentage_error,
    ("median_ae", "regression"): skm.median_absolute_error,
}


def test_every_case_has_an_oracle() -> None:
    assert set(CASES) == set(ORACLES)


@pytest.mark.parametrize(("name", "task"), CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_value_equals_reference(name: str, task: str, seed: int) -> None:
    metric = METRICS[name]
    y_true, y = make_data(metric, task, np.random.default_rng(seed))
    assert metric(y_true, y) == pytest.approx(ORACLES[name, task](y_true, y), abs=1e-9)


@pytest.mark.parametrize(("name", "task"), CASES)
def test_value_within_bounds_and_a_float(name: str, task: str) -> None:
    metric = METRICS[name]
    value = metric(*make_data(metric, task, np.random.default_rng(7), n=50))
    assert type(value) is float
    assert metric.bounds[0] <= value <= metric.bounds[1]


@pytest.mark.parametrize(("name", "task"), CASES)
def test_rejects_shape_mismatch(name: str, task: str) -> None:
    metric = METRICS[name]
    y_true, y = make_data(metric, task, np.random.default_rng(0), n=40)
    with pytest.raises(MetricError, match=rf"{name}: y_true has 40 rows but .* 39"):
        metric(y_true, y[:-1])


@pytest.mark.parametrize(("name", "task"), CASES)
def test_rejects_nan(name: str, task: str) -> None:
    metric = METRICS[name]
    y_true, y = make_data(metric, task, np.random.default_rng(0), n=40)
    y = y.astype(np.float64)
    y[(3,) + (0,) * (y.ndim - 1)] = np.nan
    with pytest.raises(MetricError, match=rf"{name}: .*1 NaN"):
        metric(y_true, y)


@pytest.mark.parametrize(("name", "task"), CASES)
def test_rejects_empty(name: str, task: str) -> None:
    metric = METRICS[name]
    y_true, y = make_data(metric, task, np.random.default_rng(0), n=40)
    with pytest.raises(MetricError, match="empty"):
        metric(y_true[:0], y[:0])


@pytest.mark.parametrize(
    ("name", "y_true", "y", "message"),
    [
        ("roc_auc", [1, 1], [0.2, 0.4], "roc_auc needs both classes in y_true; got only class 1"),
        ("roc_auc", [0, 0], [0.2, 0.4], "got only class 0"),
        ("pr_auc", [0, 0], [0.2, 0.4], "pr_auc needs at least one positive"),
        ("roc_auc_ovr", [0, 1, 1], [[0.5, 0.3, 0.2]] * 3, "class 2 has no rows"),
        ("f1", [0, 1, 2], [0, 1, 1], r"binary \(0/1\); got class code 2 .*f1_macro"),
        ("accuracy", [0.5, 1.0], [0, 1], "integer class codes"),
        ("accuracy", [-1, 1], [0, 1], "class codes 0..K-1"),
        ("brier", [0, 1], [0.2, 1.2], r"probabilities must lie in \[0, 1\]"),
        ("log_loss", [0, 3], [[0.5, 0.5], [0.5, 0.5]], "class code 3 but .* only 2 columns"),
        ("r2", [1.0], [1.0], "r2 needs at least 2 rows"),
        ("mae", ["a", "b"], [1.0, 2.0], "must be numeric"),
        ("mae", [[1.0, 2.0]], [[1.0, 2.0]], "must be 1-D"),
    ],
)
def test_bad_input_messages(name: str, y_true: Any, y: Any, message: str) -> None:
    with pytest.raises(MetricError, match=message):
        METRICS[name](y_true, y)


def test_zero_denominators_give_zero_without_warning() -> None:
    assert METRICS["precision"]([0, 1, 1], [0, 0, 0]) == 0.0
    assert METRICS["recall"]([0, 0, 0], [0, 1, 0]) == 0.0
    assert METRICS["f1"]([0, 0], [0, 0]) == 0.0


def test_log_loss_clips_like_scikit_learn() -> None:
    y, p = [1, 0, 1], [0.0, 1.0, 1.0]
    assert METRICS["log_loss"](y, p) == pytest.approx(skm.log_loss(y, p, labels=[0, 1]))


def test_r2_constant_target_follows_scikit_learn() -> None:
    assert METRICS["r2"]([2.0, 2.0], [2.0, 2.0]) == skm.r2_score([2.0, 2.0], [2.0, 2.0])
    assert METRICS["r2"]([2.0, 2.0], [1.0, 2.0]) == skm.r2_score([2.0, 2.0], [1.0, 2.0])


def test_multiclass_absent_class_is_left_out_of_macro() -> None:
    y, p = [0, 0, 3, 3], [0, 3, 3, 3]
    assert METRICS["f1_macro"](y, p) == pytest.approx(skm.f1_score(y, p, average="macro"))


def test_accepts_float_codes_and_lists() -> None:
    assert METRICS["accuracy"]([1.0, 0.0], [1, 1]) == 0.5


@pytest.mark.parametrize("beta", [0.5, 1.5, 3.0])
def test_make_fbeta(beta: float) -> None:
    metric = make_fbeta(beta)
    assert metric.name == "f" + f"{beta:g}".replace(".", "_")
    y, p = [1, 1, 0, 1, 0, 0, 1], [1, 0, 0, 1, 1, 0, 1]
    assert metric(y, p) == pytest.approx(skm.fbeta_score(y, p, beta=beta), abs=1e-12)


def test_make_fbeta_rejects_nonpositive_beta() -> None:
    with pytest.raises(MetricError, match="positive, finite beta"):
        make_fbeta(0.0)


def test_get_metric_suggests_a_name() -> None:
    with pytest.raises(MetricError, match="unknown metric 'recal'; did you mean 'recall'"):
        get_metric("recal")


def test_metric_names_by_task() -> None:
    assert "accuracy" in metric_names("binary")
    assert "accuracy" in metric_names("multiclass")
    assert "roc_auc" not in metric_names("multiclass")
    assert metric_names() == sorted(METRICS)
    with pytest.raises(MetricError, match="unknown task 'ranking'"):
        metric_names("ranking")


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        METRICS["x"] = METRICS["f1"]  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(METRICS))
def test_declared_properties(name: str) -> None:
    m = METRICS[name]
    assert m.name == name
    assert m.tasks
    assert m.tasks <= {"binary", "multiclass", "regression"}
    assert m.input in {"label", "score", "value"}
    assert m.interval in {"wilson", "delong", "clt", "bootstrap-t", "calibration", "bootstrap"}
    assert m.bounds[0] < m.bounds[1]
    assert m.description


labels = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(labels)
def test_label_metrics_within_bounds(pairs: list[tuple[int, int]]) -> None:
    y, p = (np.array(v) for v in zip(*pairs, strict=True))
    for name in metric_names("binary"):
        m = METRICS[name]
        if m.input == "label":
            assert m.bounds[0] <= m(y, p) <= m.bounds[1]


values = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=2, max_size=40))
def test_regression_metrics_within_bounds(pairs: list[tuple[float, float]]) -> None:
    y, p = (np.array(v) for v in zip(*pairs, strict=True))
    for name in metric_names("regression"):
        m = METRICS[name]
        assert m.bounds[0] <= m(y, p) <= m.bounds[1] + 1e-12
