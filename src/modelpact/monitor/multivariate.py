"""Multivariate drift: changes no single feature shows, such as a broken correlation.

Two detectors, both with thresholds calibrated on the reference by leave-chunk-out:

* :class:`DomainClassifier` trains a classifier to tell a chunk from the reference. If the two
  are alike it cannot (cross-validated ROC AUC near 0.5); the AUC comes with its DeLong
  interval from :func:`modelpact.stats.metric_interval`. Calibration runs the same test on
  reference chunks against the rest of the reference; the threshold is the upper prediction
  bound of those AUCs (normal, Student's t on ``R - 1`` degrees of freedom) at level
  ``false_alarm_rate``, and never below the AUC whose DeLong interval would just exclude 0.5.
  An alert needs the AUC above the threshold and its interval above 0.5.
* :class:`ReconstructionError` fits PCA on the standardised reference (numeric features,
  one-hot categories) keeping 65% of the variance and reports the mean reconstruction error
  per chunk: rows that break the reference's correlation structure reconstruct badly.
  Leave-chunk-out: PCA refitted without each reference chunk, error measured on the chunk;
  threshold at the upper prediction bound of those errors (sampling spread scaled up for
  chunks smaller than the reference chunks, never down).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps

from modelpact.errors import MetricError

__all__ = ["DomainClassifier", "MultivariateValue", "ReconstructionError"]

Float = NDArray[np.float64]


@dataclass(frozen=True)
class MultivariateValue:
    """One chunk's multivariate statistic with its threshold and (for AUC) interval."""

    method: str
    value: float
    threshold: float
    alert: bool
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"method": self.method, "value": _num(self.value),
                "threshold": _num(self.threshold), "alert": self.alert,
                "ci": None if self.low is None else [_num(self.low), _num(self.high)]}


def _num(x: float | None) -> float | None:
    return None if x is None or x != x else float(x)


def _prediction_bound(values: Float, alpha: float, spread_factor: float = 1.0) -> float:
    r = values.size
    if r < 2:
        return math.inf
    t = float(sps.t.ppf(1.0 - alpha, r - 1))
    return float(values.mean() + t * values.std(ddof=1) * spread_factor * math.sqrt(1 + 1 / r))


class _Encoder:
    """Numeric columns as floats (NaN kept), categorical ones as reference codes."""

    def __init__(self, numeric: Sequence[str], categorical: Sequence[str]) -> None:
        self.numeric = list(numeric)
        self.categorical = list(categorical)

    def fit(self, frame: pd.DataFrame, max_categories: int = 50) -> _Encoder:
        self.categories_ = {}
        for c in self.categorical:
            counts = frame[c].astype(str).where(frame[c].notna()).value_counts()
            self.categories_[c] = list(counts.index[:max_categories])
        return self

    def codes(self, frame: pd.DataFrame) -> Float:
        cols: list[Float] = []
        for c in self.numeric:
            cols.append(pd.to_numeric(frame[c], errors="coerce")
                        .to_numpy(dtype=np.float64, na_value=np.nan))
        for c in self.categorical:
            cats = self.categories_[c]
            values = frame[c].astype(str).where(frame[c].notna())
            code = pd.Categorical(values, categories=cats).codes.astype(np.float64)
            code[(code < 0) & values.notna().to_numpy()] = len(cats)  # unseen
            code[~values.notna().to_numpy()] = np.nan
            cols.append(code)
        return np.column_stack(cols) if cols else np.empty((len(frame), 0))


class DomainClassifier:
    """Reference-versus-chunk classifier AUC with a DeLong interval.

    Parameters
    ----------
    max_rows
        Rows sampled from each side per test (keeps the cost flat in the chunk size).
    folds
        Cross-validation folds for the out-of-fold probabilities.
    confidence
        Level of the DeLong interval.
    false_alarm_rate
        Level of the calibrated threshold.
    n_calibration
        Reference chunks tested against the rest of the reference.
    seed
        Seed for sampling, folds and the classifier.
    """

    def __init__(self, *, max_rows: int = 2000, folds: int = 3, confidence: float = 0.95,
                 false_alarm_rate: float = 0.01, n_calibration: int = 5,
                 seed: int = 0) -> None:
        self.max_rows = max_rows
        self.folds = folds
        self.confidence = confidence
        self.false_alarm_rate = false_alarm_rate
        self.n_calibration = n_calibration
        self.seed = seed

    def fit(self, reference: pd.DataFrame, numeric: Sequence[str],
            categorical: Sequence[str]) -> DomainClassifier:
        """Encode the reference and calibrate the AUC threshold by leave-chunk-out."""
        self.encoder_ = _Encoder(numeric, categorical).fit(reference)
        self.reference_ = self.encoder_.codes(reference)
        n = len(reference)
        bounds = np.linspace(0, n, 11).round().astype(np.int64)
        aucs: list[float] = []
        for i in np.linspace(0, 9, self.n_calibration).round().astype(int):
            inside = np.zeros(n, dtype=bool)
            inside[bounds[i]:bounds[i + 1]] = True
            auc, _, _ = self._auc(self.reference_[~inside], self.reference_[inside], int(i))
            if auc == auc:
                aucs.append(auc)
        self.calibration_aucs_ = tuple(aucs)
        self.threshold_ = max(_prediction_bound(np.asarray(aucs), self.false_alarm_rate), 0.5)
        return self

    def _auc(self, ref: Float, cur: Float, salt: int) -> tuple[float, float, float]:
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.model_selection import StratifiedKFold, cross_val_predict
        from threadpoolctl import threadpool_limits

        from modelpact.stats import metric_interval

        rng = np.random.default_rng([self.seed, salt])
        a = ref[rng.choice(len(ref), min(self.max_rows, len(ref)), replace=False)]
        b = cur[rng.choice(len(cur), min(self.max_rows, len(cur)), replace=False)]
        if len(a) < 2 * self.folds or len(b) < 2 * self.folds:
            return math.nan, math.nan, math.nan
        x = np.vstack([a, b])
        y = np.r_[np.zeros(len(a), dtype=np.int64), np.ones(len(b), dtype=np.int64)]
        n_num = len(self.encoder_.numeric)
        mask = np.r_[np.zeros(n_num, dtype=bool), np.ones(x.shape[1] - n_num, dtype=bool)]
        model = HistGradientBoostingClassifier(
            max_iter=40, learning_rate=0.15, max_leaf_nodes=15, early_stopping=False,
            categorical_features=mask if mask.any() else None, random_state=self.seed)
        folds = StratifiedKFold(self.folds, shuffle=True, random_state=self.seed)
        # One OpenMP thread: on small fits, thread start-up and contention with other work on
        # the machine cost far more than they save (measured 40x slower on a busy 2-core box).
        with threadpool_limits(limits=1, user_api="openmp"):
            proba = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
        try:
            iv = metric_interval("roc_auc", y, proba, confidence=self.confidence)
        except MetricError:
            return math.nan, math.nan, math.nan
        return float(iv.estimate), float(iv.low), float(iv.high)

    def evaluate(self, chunk: pd.DataFrame, index: int = 0) -> MultivariateValue:
        """AUC of the classifier telling *chunk* from the reference, with its alert."""
        auc, low, high = self._auc(self.reference_, self.encoder_.codes(chunk), 1000 + index)
        alert = bool(auc == auc and auc > self.threshold_ and low > 0.5)
        return MultivariateValue("domain_classifier_auc", auc, self.threshold_, alert, low, high)


class ReconstructionError:
    """Mean PCA reconstruction error per chunk with a leave-chunk-out threshold.

    Parameters
    ----------
    variance
        Share of the reference variance the PCA keeps.
    false_alarm_rate
        Level of the calibrated threshold.
    n_chunks
        Reference chunks for leave-chunk-out.
    max_fit_rows
        Rows sampled to fit each PCA (the fit is cheap; the sample bounds it).
    seed
        Seed of that sample.
    """

    def __init__(self, *, variance: float = 0.65, false_alarm_rate: float = 0.01,
                 n_chunks: int = 10, max_fit_rows: int = 20_000, seed: int = 0) -> None:
        self.variance = variance
        self.false_alarm_rate = false_alarm_rate
        self.n_chunks = n_chunks
        self.max_fit_rows = max_fit_rows
        self.seed = seed

    def _design(self, frame: pd.DataFrame) -> Float:
        codes = self.encoder_.codes(frame)
        n_num = len(self.encoder_.numeric)
        parts = [codes[:, :n_num]]
        for j, c in enumerate(self.encoder_.categorical):
            k = len(self.encoder_.categories_[c])
            col = codes[:, n_num + j]
            onehot = (col[:, None] == np.arange(k)[None, :]).astype(np.float64)
            parts.append(onehot)
        return np.hstack(parts) if parts else codes

    def _fit_pca(self, x: Float, rng: np.random.Generator) -> tuple[Float, Float, Float, Any]:
        from sklearn.decomposition import PCA
        from threadpoolctl import threadpool_limits

        if len(x) > self.max_fit_rows:
            x = x[rng.choice(len(x), self.max_fit_rows, replace=False)]
        mean = np.nanmean(x, axis=0)
        mean = np.where(np.isfinite(mean), mean, 0.0)
        xi = np.where(np.isfinite(x), x, mean)
        sd = xi.std(axis=0)
        # a (numerically) constant reference column: rounding noise must not become a scale
        sd = np.where(sd > 1e-9 * np.maximum(1.0, np.abs(mean)), sd, 1.0)
        with threadpool_limits(limits=1):  # small SVDs: threads only contend
            pca = PCA(n_components=self.variance, svd_solver="full",
                      random_state=self.seed).fit((xi - mean) / sd)
        return mean, sd, np.empty(0), pca

    @staticmethod
    def _errors(x: Float, mean: Float, sd: Float, pca: Any) -> Float:
        z = (np.where(np.isfinite(x), x, mean) - mean) / sd
        back = pca.inverse_transform(pca.transform(z))
        return np.asarray(np.sqrt(((z - back) ** 2).sum(axis=1)), dtype=np.float64)

    def fit(self, reference: pd.DataFrame, numeric: Sequence[str],
            categorical: Sequence[str]) -> ReconstructionError:
        """Fit the PCA on the reference and calibrate the threshold by leave-chunk-out."""
        self.encoder_ = _Encoder(numeric, categorical).fit(reference)
        x = self._design(reference)
        rng = np.random.default_rng(self.seed)
        n = len(x)
        bounds = np.linspace(0, n, self.n_chunks + 1).round().astype(np.int64)
        means = []
        for i in range(self.n_chunks):
            inside = np.zeros(n, dtype=bool)
            inside[bounds[i]:bounds[i + 1]] = True
            m, s, _, pca = self._fit_pca(x[~inside], rng)
            means.append(float(self._errors(x[inside], m, s, pca).mean()))
        self.calibration_errors_ = tuple(means)
        self.reference_chunk_rows_ = int(np.diff(bounds).min())
        self.mean_, self.sd_, _, self.pca_ = self._fit_pca(x, rng)
        return self

    def threshold(self, n_rows: int) -> float:
        """Threshold on the mean error of a chunk of *n_rows* rows."""
        factor = math.sqrt(max(1.0, self.reference_chunk_rows_ / max(n_rows, 1)))
        return _prediction_bound(np.asarray(self.calibration_errors_), self.false_alarm_rate,
                                 factor)

    def evaluate(self, chunk: pd.DataFrame) -> MultivariateValue:
        """Mean reconstruction error of *chunk* and its alert."""
        err = self._errors(self._design(chunk), self.mean_, self.sd_, self.pca_)
        value = float(err.mean()) if err.size else math.nan
        threshold = self.threshold(len(chunk))
        return MultivariateValue("pca_reconstruction_error", value, threshold,
                                 bool(value == value and value > threshold))
