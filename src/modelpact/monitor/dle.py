"""Direct loss estimation (DLE): regression error before the true values arrive.

A second model, the *loss model*, learns on the labelled reference how large the monitored
model's error tends to be given the inputs and the prediction (a gradient-boosted regressor on
features + prediction, with the absolute error and the squared error as targets). On an
unlabelled chunk the mean predicted loss estimates the chunk's MAE, or its MSE and so RMSE.

The band needs the spread of the realized loss around the predicted one. On the reference
that spread is measured **out of fold** (cross-fitting): each reference row's loss is
predicted by a loss model that did not see it, since in-sample residuals of a boosted model
are optimistically small. A second model of the squared out-of-fold residual gives each
chunk row its own variance, so a chunk of hard rows gets a wider band than a chunk of easy
ones; the error of the loss model itself, learned from a finite reference, is added.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from modelpact.errors import ConfigurationError, InvalidDataError, MetricError
from modelpact.monitor._performance_types import PerformanceEstimate

__all__ = ["DLE"]

Float = NDArray[np.float64]
_LOSS = {"mae": "absolute", "mse": "squared", "rmse": "squared"}
_FOLDS = 5
_MIN_ROWS = 50
# A categorical column with more levels than the booster's bins is passed as ordinal codes.
_MAX_CATEGORIES = 250


def _threads(n_threads: int | None) -> AbstractContextManager[Any]:
    if n_threads is None:
        return nullcontext()
    limit: AbstractContextManager[Any] = threadpool_limits(limits=n_threads, user_api="openmp")
    return limit


class DLE:
    """Estimate MAE / MSE / RMSE of a regression model on unlabelled chunks.

    Parameters
    ----------
    metrics : sequence of str
        Any of ``"mae"``, ``"mse"``, ``"rmse"``.
    confidence : float
        Coverage of the band around each estimate.
    seed : int
        Seed of the folds and the boosted models.
    n_threads : int or None
        OpenMP threads of the boosted models; ``None`` lets them take every core. The default
        of one is deliberate: measured on a 2-core machine shared with other work, fitting on
        100,000 rows took 19 s single-threaded and 276 s threaded (OpenMP threads spin-wait
        for cores they do not get); on an idle machine threads gain less than the core count.

    Attributes
    ----------
    features_ : list of str
        Reference columns the loss models read (plus the prediction).
    categories_ : dict of str to list
        Levels of each non-numeric feature on the reference (unseen levels become missing).
    loss_models_ : dict of str to HistGradientBoostingRegressor
        Loss model per loss (``absolute``, ``squared``), fitted on the whole reference.
    variance_models_ : dict of str to HistGradientBoostingRegressor
        Model of the squared out-of-fold residual of each loss model.
    reference_ : dict of str to float
        Realized metrics on the reference.
    reference_se_ : dict of str to float
        Standard error of the loss models' average level due to the finite reference (the
        root mean squared out-of-fold residual over ``sqrt(N)``), part of every band.
    bias_ : dict of str to float
        Mean out-of-fold residual (realized minus predicted loss) on the reference, for
        inspection; close to zero when the loss models are sound.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"x": rng.normal(size=3000)})
    >>> y = X["x"].to_numpy() + rng.normal(scale=1 + (X["x"] > 0).to_numpy(), size=3000)
    >>> dle = DLE(metrics=["mae"]).fit(X, y, X["x"].to_numpy())
    >>> est = dle.estimate(X.iloc[:500], X["x"].to_numpy()[:500])["mae"]
    >>> bool(est.low < est.value < est.high)
    True
    """

    def __init__(
        self,
        *,
        metrics: tuple[str, ...] | list[str] = ("mae", "rmse"),
        confidence: float = 0.95,
        seed: int = 0,
        n_threads: int | None = 1,
    ) -> None:
        self.metrics = metrics
        self.confidence = confidence
        self.seed = seed
        self.n_threads = n_threads

    def fit(self, X_ref: pd.DataFrame, y_ref: ArrayLike, pred_ref: ArrayLike) -> DLE:
        """Fit the loss models on the labelled reference, cross-fitted for the band.

        Parameters
        ----------
        X_ref : DataFrame
            Model inputs on the reference period.
        y_ref : array
            True values.
        pred_ref : array
            The monitored model's predictions.

        Returns
        -------
        DLE
            ``self``, fitted.
        """
        self._check_settings()
        if not isinstance(X_ref, pd.DataFrame):
            raise InvalidDataError("DLE: X_ref must be a pandas DataFrame of model inputs")
        y = _finite("reference true values", y_ref, len(X_ref))
        pred = _finite("reference predictions", pred_ref, len(X_ref))
        if len(X_ref) < _MIN_ROWS:
            raise InvalidDataError(
                f"DLE: the reference has {len(X_ref)} rows; at least {_MIN_ROWS} are needed "
                "to learn how large the model's errors are"
            )
        self.features_ = [str(c) for c in X_ref.columns]
        self.categories_: dict[str, list[Any]] = {}
        for column in self.features_:
            series = X_ref[column]
            if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
                self.categories_[column] = sorted(series.dropna().unique().tolist(), key=str)
        with _threads(self.n_threads):
            return self._fit(X_ref, y, pred)

    def _fit(self, X_ref: pd.DataFrame, y: Float, pred: Float) -> DLE:
        design = self._design(X_ref, pred)
        error = y - pred
        targets = {"absolute": np.abs(error), "squared": error**2}
        losses = sorted({_LOSS[m] for m in self.metrics})
        self.loss_models_: dict[str, HistGradientBoostingRegressor] = {}
        self.variance_models_: dict[str, HistGradientBoostingRegressor] = {}
        self.bias_: dict[str, float] = {}
        self.reference_se_: dict[str, float] = {}
        folds = KFold(n_splits=_FOLDS, shuffle=True, random_state=self.seed)
        for loss in losses:
            target = targets[loss]
            out_of_fold = np.empty_like(target)
            for train, test in folds.split(design):
                model = self._booster().fit(design.iloc[train], target[train])
                out_of_fold[test] = np.clip(model.predict(design.iloc[test]), 0.0, None)
            residual = target - out_of_fold
            self.bias_[loss] = float(residual.mean())
            # The loss model learned from N reference rows misjudges the average loss by about
            # the standard error of a mean of N residuals; this error is shared by every chunk
            # and does not shrink with the chunk's size, so the band carries it too.
            self.reference_se_[loss] = float(np.sqrt(np.mean(residual**2) / residual.size))
            self.loss_models_[loss] = self._booster().fit(design, target)
            self.variance_models_[loss] = self._booster().fit(design, residual**2)
        self.reference_ = _metrics_of(self.metrics, targets)
        return self

    def estimate(self, X: pd.DataFrame, pred: ArrayLike) -> dict[str, PerformanceEstimate]:
        """Estimate each metric on one unlabelled chunk.

        Parameters
        ----------
        X : DataFrame
            The chunk's model inputs (the reference's columns; extra ones are ignored).
        pred : array
            The monitored model's predictions on the chunk.

        Returns
        -------
        dict of str to PerformanceEstimate
            One estimate per requested metric, in the order requested.
        """
        if not hasattr(self, "loss_models_"):
            raise ConfigurationError(
                "this DLE is not fitted yet; call fit(X_ref, y_ref, pred_ref) on the reference"
            )
        if not isinstance(X, pd.DataFrame):
            raise InvalidDataError("DLE: X must be a pandas DataFrame of model inputs")
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise InvalidDataError(
                f"DLE: the chunk lacks feature column '{missing[0]}' that the reference had"
            )
        predictions = _finite("predictions", pred, len(X))
        if len(X) == 0:
            raise InvalidDataError("DLE: the chunk is empty")
        with _threads(self.n_threads):
            return self._estimate(X, predictions)

    def _estimate(self, X: pd.DataFrame, predictions: Float) -> dict[str, PerformanceEstimate]:
        design = self._design(X, predictions)
        n = len(X)
        z = float(norm.ppf(0.5 + self.confidence / 2.0))
        mean: dict[str, float] = {}
        se: dict[str, float] = {}
        for loss, model in self.loss_models_.items():
            mean[loss] = float(np.clip(model.predict(design), 0.0, None).mean())
            variance = np.clip(self.variance_models_[loss].predict(design), 0.0, None)
            # the chunk mean of n independent losses has Var = Σ var_i / n²; add the error of
            # the loss model itself
            se[loss] = float(np.hypot(np.sqrt(variance.sum()) / n, self.reference_se_[loss]))
        out: dict[str, PerformanceEstimate] = {}
        for name in self.metrics:
            loss = _LOSS[name]
            value, s = mean[loss], se[loss]
            low, high = max(0.0, value - z * s), value + z * s
            if name == "rmse":
                # the band of the MSE carried through the square root (monotone)
                root = float(np.sqrt(value))
                se_root = s / (2.0 * root) if root > 0 else float("nan")
                out[name] = PerformanceEstimate(
                    name, root, float(np.sqrt(low)), float(np.sqrt(high)), se_root
                )
            else:
                out[name] = PerformanceEstimate(name, value, float(low), float(high), s)
        return out

    # --- helpers ------------------------------------------------------------------------

    def _check_settings(self) -> None:
        if not self.metrics:
            raise ConfigurationError("DLE needs at least one metric to estimate")
        for name in self.metrics:
            if name not in _LOSS:
                raise MetricError(
                    f"DLE cannot estimate '{name}'; it estimates {', '.join(sorted(_LOSS))}"
                )
        if not 0.0 < self.confidence < 1.0:
            raise ConfigurationError(f"DLE: confidence must be in (0, 1); got {self.confidence}")

    def _booster(self) -> HistGradientBoostingRegressor:
        mask = [c in self.categories_ and len(self.categories_[c]) <= _MAX_CATEGORIES
                for c in self.features_] + [False]
        # Losses are noisy targets: early stopping on a validation split halts the booster
        # while it still shrinks hard and easy rows toward the mean loss, which biases the
        # estimate on any chunk that is not typical. A fixed, slow schedule fits them.
        return HistGradientBoostingRegressor(
            max_iter=100,
            learning_rate=0.1,
            min_samples_leaf=40,
            early_stopping=False,
            categorical_features=mask if any(mask) else None,
            random_state=self.seed,
        )

    def _design(self, X: pd.DataFrame, pred: Float) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        for column in self.features_:
            series = X[column]
            if column in self.categories_:
                # unseen levels and missing values both map to -1, then to "missing"
                codes = pd.Index(self.categories_[column]).get_indexer(series.to_numpy())
                columns[column] = np.where(codes < 0, np.nan, codes.astype(np.float64))
            else:
                columns[column] = pd.to_numeric(series, errors="coerce").to_numpy(np.float64)
        columns["__prediction__"] = pred
        return pd.DataFrame(columns, index=pd.RangeIndex(len(X)))


def _finite(what: str, values: ArrayLike, n: int) -> Float:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise InvalidDataError(f"DLE: {what} have shape {arr.shape}; expected {n} values")
    if not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise InvalidDataError(f"DLE: {what} contain {bad} NaN or infinite value(s)")
    return arr


def _metrics_of(metrics: tuple[str, ...] | list[str], targets: dict[str, Float]) -> dict[str, float]:
    out = {}
    for name in metrics:
        value = float(targets[_LOSS[name]].mean())
        out[name] = float(np.sqrt(value)) if name == "rmse" else value
    return out
