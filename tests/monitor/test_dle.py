"""DLE: the estimated MAE / RMSE of a regression model on unlabelled chunks covers the realized
value in at least 90% of chunks without concept shift, follows real changes in the error, and
rejects bad input with clear messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from sklearn.metrics import mean_absolute_error, mean_squared_error

from modelpact.errors import ConfigurationError, InvalidDataError, MetricError
from modelpact.monitor.dle import DLE

Float = NDArray[np.float64]


def _regression(
    rng: np.random.Generator, n: int, shift: float = 0.0
) -> tuple[pd.DataFrame, Float, Float]:
    """A fixed model ``2a + b`` whose error grows with |a| and in segment 'z'."""
    X = pd.DataFrame({
        "a": rng.normal(shift, 1.0, n),
        "b": rng.normal(0.0, 1.0, n),
        "segment": rng.choice(["x", "y", "z"], n, p=[0.5, 0.3, 0.2]),
    })
    a = X["a"].to_numpy()
    scale = 0.5 + 0.5 * np.abs(a) + (X["segment"] == "z").to_numpy()
    pred = 2.0 * a + X["b"].to_numpy()
    y = pred + scale * rng.normal(size=n)
    return X, y, pred


REALIZED = {
    "mae": mean_absolute_error,
    "rmse": lambda y, p: float(np.sqrt(mean_squared_error(y, p))),
}


@pytest.mark.slow
def test_coverage_under_covariate_shift() -> None:
    rng = np.random.default_rng(0)
    dle = DLE(metrics=["mae", "rmse"]).fit(*_regression(rng, 4000))
    hits = dict.fromkeys(REALIZED, 0)
    chunks = 40
    for i in range(chunks):
        X, y, pred = _regression(rng, 500, shift=0.8 * i / chunks)
        estimates = dle.estimate(X, pred)
        for name, func in REALIZED.items():
            hits[name] += estimates[name].contains(func(y, pred))
    assert hits["mae"] / chunks >= 0.9
    assert hits["rmse"] / chunks >= 0.9


def test_estimate_follows_a_real_change_in_error() -> None:
    """Chunks of harder rows (large |a|, segment z) get a higher estimate, near the truth."""
    rng = np.random.default_rng(1)
    dle = DLE(metrics=["mae"]).fit(*_regression(rng, 4000))
    X, y, pred = _regression(rng, 4000)
    easy = (np.abs(X["a"]) < 0.5).to_numpy() & (X["segment"] != "z").to_numpy()
    hard = (np.abs(X["a"]) > 1.0).to_numpy() & (X["segment"] == "z").to_numpy()
    est_easy = dle.estimate(X[easy], pred[easy])["mae"]
    est_hard = dle.estimate(X[hard], pred[hard])["mae"]
    assert est_hard.value > 2 * est_easy.value
    assert est_easy.contains(mean_absolute_error(y[easy], pred[easy]))
    assert est_hard.contains(mean_absolute_error(y[hard], pred[hard]))
    # a small chunk of hard rows is less certain than a large chunk of easy ones
    assert est_hard.high - est_hard.low > est_easy.high - est_easy.low


def test_cross_fitting_keeps_reference_residuals_honest() -> None:
    rng = np.random.default_rng(2)
    X, y, pred = _regression(rng, 2000)
    dle = DLE(metrics=["mae", "mse"]).fit(X, y, pred)
    # out-of-fold residuals are centred; their spread is what the band is built from
    assert abs(dle.bias_["absolute"]) < 0.05
    assert dle.reference_["mae"] == pytest.approx(mean_absolute_error(y, pred))
    assert dle.reference_["mse"] == pytest.approx(mean_squared_error(y, pred))
    in_sample = np.abs(y - pred) - dle.loss_models_["absolute"].predict(dle._design(X, pred))
    out_of_fold_se = dle.reference_se_["absolute"] * np.sqrt(len(X))
    assert out_of_fold_se > np.sqrt(np.mean(in_sample**2))


def test_unseen_category_and_extra_columns_are_tolerated() -> None:
    rng = np.random.default_rng(3)
    dle = DLE(metrics=["mae"], seed=4).fit(*_regression(rng, 1000))
    X, _, pred = _regression(rng, 200)
    X["segment"] = X["segment"].replace("z", "new")
    X["extra"] = 1.0
    est = dle.estimate(X, pred)["mae"]
    assert est.low <= est.value <= est.high
    assert est.to_dict()["metric"] == "mae"
    again = DLE(metrics=["mae"], seed=4).fit(*_regression(np.random.default_rng(3), 1000))
    assert again.estimate(X, pred) == dle.estimate(X, pred)


def test_bad_input() -> None:
    rng = np.random.default_rng(5)
    X, y, pred = _regression(rng, 300)
    with pytest.raises(MetricError, match="cannot estimate 'roc_auc'"):
        DLE(metrics=["roc_auc"]).fit(X, y, pred)
    with pytest.raises(ConfigurationError, match="not fitted"):
        DLE().estimate(X, pred)
    with pytest.raises(InvalidDataError, match="at least 50"):
        DLE().fit(X.iloc[:10], y[:10], pred[:10])
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(InvalidDataError, match="1 NaN"):
        DLE().fit(X, y_bad, pred)
    dle = DLE(metrics=["mae"]).fit(X, y, pred)
    with pytest.raises(InvalidDataError, match="lacks feature column 'b'"):
        dle.estimate(X.drop(columns="b"), pred)
    with pytest.raises(InvalidDataError, match="expected 300 values"):
        dle.estimate(X, pred[:10])
