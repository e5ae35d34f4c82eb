"""Multivariate drift: changes no single feature shows, such as a broken correlation.

Two detectors. Each alerts only when two things hold:

* the chunk is **beyond the range the reference shows among its own chunks** (a threshold
  calibrated by leave-chunk-out, the upper prediction bound at level ``range_level``, the
  run's ``false_alarm_rate``): the effect-size gate, which absorbs the natural variation of the
  reference period (seasons, say);
* the difference is **significant at the check's alarm level** (``false_alarm_rate``, the
  share of the chunk's alarm budget this check may spend) under an exact or asymptotically
  exact null for a stable stream, whose rows are exchangeable with the reference's.

The second condition is what bounds false alarms: on a stable stream the alert rate of a check
is at most its level, whatever the calibration's small-sample luck. The monitoring run gives
each check its share of one budget per chunk (:class:`modelpact.monitor.alerts.AlarmBudget`).

:class:`DomainClassifier` trains a classifier (scikit-learn's histogram gradient boosting) to
tell a sample of the chunk from a sample of the reference and scores it on held-out rows it
never saw. On a stable stream the held-out scores are independent of the held-out labels, so
the held-out ROC AUC is a Mann–Whitney statistic with its exact permutation null; its normal
approximation with the tie correction gives the p-value (Mann & Whitney 1947; Lehmann,
*Nonparametrics*, 1975, ch. 1). The AUC is reported with its DeLong interval. Rows are sampled
before they are encoded, so the cost does not grow with the chunk.

:class:`ReconstructionError` fits PCA on a sample of the standardised reference (numeric
features, one-hot categories) keeping 65% of the variance, and reports the mean reconstruction
error per chunk: rows that break the reference's correlation structure reconstruct badly. The
reference rows the PCA did not see give the null: their errors are distributed like a stable
chunk's, so the chunk's mean error is compared with theirs (a two-sample z statistic, normal by
the central limit theorem), and their per-chunk means give the reference's natural range. The
squared error of a row is ``||c||² - ||c Vᵀ||²`` (``c`` the centred row, ``V`` the components),
computed block by block without materialising any reconstruction.
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

from modelpact._json import nan_to_none
from modelpact.errors import MetricError

__all__ = ["DomainClassifier", "MultivariateValue", "ReconstructionError", "mann_whitney_null"]

Float = NDArray[np.float64]
# Rows per block when computing reconstruction errors: bounds the temporaries.
_BLOCK_ROWS = 16_384


@dataclass(frozen=True)
class MultivariateValue:
    """One chunk's multivariate statistic with its threshold and (for AUC) interval.

    ``threshold`` is the value the statistic had to exceed to alert: the larger of the
    reference's natural range and the significance boundary at the check's level ``alpha``.
    """

    method: str
    value: float
    threshold: float
    alert: bool
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    alpha: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"method": self.method, "value": nan_to_none(self.value),
                "threshold": nan_to_none(self.threshold), "alert": self.alert,
                "ci": None if self.low is None else [nan_to_none(self.low), nan_to_none(self.high)],
                "p_value": nan_to_none(self.p_value), "alpha": nan_to_none(self.alpha)}


def _prediction_bound(values: Float, alpha: float, spread_factor: float = 1.0) -> float:
    r = values.size
    if r < 2:
        return math.inf
    t = float(sps.t.ppf(1.0 - alpha, r - 1))
    return float(values.mean() + t * values.std(ddof=1) * spread_factor * math.sqrt(1 + 1 / r))


def mann_whitney_null(scores: Float, labels: NDArray[np.int64]) -> tuple[float, float]:
    """AUC of *scores* for ``labels == 1`` and its one-sided p-value under no association.

    The Mann–Whitney U of the positives, standardised by its exact permutation variance with
    the tie correction ``n1 n0 / 12 · (n + 1 - Σ(t³ - t) / (n (n - 1)))``; equal to
    :func:`scipy.stats.mannwhitneyu` (asymptotic, no continuity correction).

    Examples
    --------
    >>> auc, p = mann_whitney_null(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    >>> auc, round(p, 4)
    (0.75, 0.2193)
    """
    n1 = int(labels.sum())
    n0 = labels.size - n1
    n = labels.size
    if n1 == 0 or n0 == 0:
        return math.nan, math.nan
    ranks = sps.rankdata(scores)
    u = float(ranks[labels == 1].sum()) - n1 * (n1 + 1) / 2.0
    _, counts = np.unique(scores, return_counts=True)
    ties = float((counts.astype(np.float64) ** 3 - counts).sum())
    var = n1 * n0 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    auc = u / (n1 * n0)
    if var <= 0:
        return auc, 1.0
    return auc, float(sps.norm.sf((u - n1 * n0 / 2.0) / math.sqrt(var)))


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
            values = frame[c]
            if not isinstance(values.dtype, pd.StringDtype):  # strings already match as is
                values = values.astype(str).where(values.notna())
            code = pd.Categorical(values, categories=cats).codes.astype(np.float64)
            code[(code < 0) & values.notna().to_numpy()] = len(cats)  # unseen
            code[~values.notna().to_numpy()] = np.nan
            cols.append(code)
        return np.column_stack(cols) if cols else np.empty((len(frame), 0))


class DomainClassifier:
    """Reference-versus-chunk classifier AUC with a DeLong interval and an exact null.

    Parameters
    ----------
    max_rows
        Rows sampled from each side per test (keeps the cost flat in the chunk size).
    folds
        Cross-validation folds for the out-of-fold probabilities.
    confidence
        Level of the DeLong interval.
    false_alarm_rate
        Alarm level of this check: the probability that a chunk of a stable stream alerts.
    n_calibration
        Reference chunks tested against the rest of the reference (the natural range).
    seed
        Seed for sampling, folds and the classifier.
    range_level
        Level of the prediction bound on the reference chunks' AUCs (the natural range).
    """

    def __init__(self, *, max_rows: int = 2000, folds: int = 3, confidence: float = 0.95,
                 false_alarm_rate: float = 0.01, n_calibration: int = 5,
                 seed: int = 0, range_level: float = 0.01) -> None:
        self.max_rows = max_rows
        self.folds = folds
        self.confidence = confidence
        self.false_alarm_rate = false_alarm_rate
        self.n_calibration = n_calibration
        self.seed = seed
        self.range_level = range_level

    def fit(self, reference: pd.DataFrame, numeric: Sequence[str],
            categorical: Sequence[str]) -> DomainClassifier:
        """Learn the reference's natural range by leave-chunk-out.

        The reference rows are kept as they are and only the rows each test samples are
        encoded (rows encode independently), so the fit costs no memory per reference row.
        """
        self.encoder_ = _Encoder(numeric, categorical).fit(reference)
        self._reference = reference[[*numeric, *categorical]]  # the columns, not a copy
        n = len(reference)
        bounds = np.linspace(0, n, 11).round().astype(np.int64)
        aucs: list[float] = []
        for i in np.linspace(0, 9, self.n_calibration).round().astype(int):
            inside = np.zeros(n, dtype=bool)
            inside[bounds[i]:bounds[i + 1]] = True
            rng = np.random.default_rng([self.seed, int(i)])
            a = self._encoded(self._sample(np.flatnonzero(~inside), rng))
            b = self._encoded(self._sample(np.flatnonzero(inside), rng))
            auc = self._test(a, b)[0]
            if auc == auc:
                aucs.append(auc)
        self.calibration_aucs_ = tuple(aucs)
        self.threshold_ = max(_prediction_bound(np.asarray(aucs), self.range_level), 0.5)
        return self

    def _encoded(self, rows: NDArray[np.intp]) -> Float:
        return self.encoder_.codes(self._reference.iloc[rows])

    def _sample(self, rows: NDArray[np.intp], rng: np.random.Generator) -> NDArray[np.intp]:
        return rows[rng.choice(len(rows), min(self.max_rows, len(rows)), replace=False)]

    def _test(self, a: Float, b: Float) -> tuple[float, float, float, float]:
        """Out-of-fold AUC, its DeLong interval, and the p-value of the exact null.

        Each fold's held-out scores come from a model that never saw those rows, so on a
        stable stream each fold's AUC follows the Mann–Whitney null exactly; the folds share
        training rows, so their p-values are combined by Bonferroni (``folds × min p``).
        """
        from sklearn.base import clone
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.model_selection import StratifiedKFold
        from threadpoolctl import threadpool_limits

        from modelpact.stats import metric_interval

        nan = math.nan
        if len(a) < 2 * self.folds or len(b) < 2 * self.folds:
            return nan, nan, nan, nan
        x = np.vstack([a, b])
        y = np.r_[np.zeros(len(a), dtype=np.int64), np.ones(len(b), dtype=np.int64)]
        n_num = len(self.encoder_.numeric)
        mask = np.r_[np.zeros(n_num, dtype=bool), np.ones(x.shape[1] - n_num, dtype=bool)]
        model = HistGradientBoostingClassifier(
            max_iter=40, learning_rate=0.15, max_leaf_nodes=15, early_stopping=False,
            categorical_features=mask if mask.any() else None, random_state=self.seed)
        folds = StratifiedKFold(self.folds, shuffle=True, random_state=self.seed)
        proba = np.empty(len(y))
        p_values = []
        # One OpenMP thread: on small fits, thread start-up and contention with other work on
        # the machine cost far more than they save (measured 40x slower on a busy 2-core box).
        with threadpool_limits(limits=1, user_api="openmp"):
            for train, test in folds.split(x, y):
                fitted = clone(model).fit(x[train], y[train])
                proba[test] = fitted.predict_proba(x[test])[:, 1]
                p_values.append(mann_whitney_null(proba[test], y[test])[1])
        try:
            iv = metric_interval("roc_auc", y, proba, confidence=self.confidence)
        except MetricError:
            return nan, nan, nan, nan
        p_value = min(1.0, self.folds * min(p_values))
        return float(iv.estimate), float(iv.low), float(iv.high), p_value

    def evaluate(self, chunk: pd.DataFrame, index: int = 0) -> MultivariateValue:
        """AUC of the classifier telling *chunk* from the reference, with its alert.

        Only the sampled rows of *chunk* are encoded.
        """
        rng = np.random.default_rng([self.seed, 1000 + index])
        a = self._encoded(self._sample(np.arange(len(self._reference)), rng))
        rows = rng.choice(len(chunk), min(self.max_rows, len(chunk)), replace=False)
        b = self.encoder_.codes(chunk.iloc[rows])
        auc, low, high, p_value = self._test(a, b)
        alert = bool(auc == auc and auc > self.threshold_ and low > 0.5
                     and p_value < self.false_alarm_rate)
        return MultivariateValue("domain_classifier_auc", auc, self.threshold_, alert, low, high,
                                 p_value, self.false_alarm_rate)


class ReconstructionError:
    """Mean PCA reconstruction error per chunk, against the reference's range and its null.

    Parameters
    ----------
    variance
        Share of the reference variance the PCA keeps (sets the number of components once,
        on the final fit; every leave-chunk-out refit keeps that many).
    false_alarm_rate
        Alarm level of this check: the probability that a chunk of a stable stream alerts.
    n_chunks
        Reference chunks for leave-chunk-out.
    max_fit_rows
        Rows sampled to fit each PCA (the fit is cheap; the sample bounds it). The final fit
        leaves at least half of the reference out: those rows give the null.
    seed
        Seed of the samples.
    range_level
        Level of the prediction bound on the leave-chunk-out mean errors (the natural range).
    """

    def __init__(self, *, variance: float = 0.65, false_alarm_rate: float = 0.01,
                 n_chunks: int = 10, max_fit_rows: int = 20_000, seed: int = 0,
                 range_level: float = 0.01) -> None:
        self.variance = variance
        self.false_alarm_rate = false_alarm_rate
        self.n_chunks = n_chunks
        self.max_fit_rows = max_fit_rows
        self.seed = seed
        self.range_level = range_level

    def _design(self, frame: pd.DataFrame, buffer: Float | None = None) -> Float:
        """Numeric columns, then one indicator column per reference category.

        Written into *buffer* (its first rows) when it is given and long enough, so a table
        encoded block by block reuses one matrix instead of faulting in fresh pages per block.
        """
        return self._onehot(self.encoder_.codes(frame), buffer)

    def _onehot(self, codes: Float, buffer: Float | None = None) -> Float:
        n_num = len(self.encoder_.numeric)
        widths = [len(self.encoder_.categories_[c]) for c in self.encoder_.categorical]
        shape = (len(codes), n_num + sum(widths))
        out = buffer[:shape[0]] if buffer is not None and len(buffer) >= shape[0] \
            else np.empty(shape)
        out[:, :n_num] = codes[:, :n_num]
        at = n_num
        for j, k in enumerate(widths):
            np.equal(codes[:, n_num + j, None], np.arange(k)[None, :], out=out[:, at:at + k],
                     casting="unsafe")
            at += k
        return out

    def _fit_pca(self, x: Float, components: float | int) -> tuple[Float, Float, Any]:
        from sklearn.decomposition import PCA
        from threadpoolctl import threadpool_limits

        mean = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
        mean = np.where(np.isfinite(mean), mean, 0.0)
        xi = x  # a design made for this fit: overwritten rather than copied
        missing = ~np.isfinite(xi)
        if missing.any():
            np.copyto(xi, np.broadcast_to(mean, xi.shape), where=missing)
        sd = xi.std(axis=0)
        # a (numerically) constant reference column: rounding noise must not become a scale
        sd = np.where(sd > 1e-9 * np.maximum(1.0, np.abs(mean)), sd, 1.0)
        # standardised in place and handed over (copy=False): one matrix, not four
        xi -= mean
        xi /= sd
        with threadpool_limits(limits=1):  # small SVDs: threads only contend
            pca = PCA(n_components=components, svd_solver="full", copy=False,
                      random_state=self.seed).fit(xi)
        return mean, sd, pca

    @staticmethod
    def _errors(x: Float, mean: Float, sd: Float, pca: Any) -> Float:
        """Reconstruction error of every row of a design block, never materialising one.

        ``||c - c Vᵀ V||² = ||c||² - ||c Vᵀ||²`` for the centred row ``c`` and orthonormal
        components ``V``: the same error as ``inverse_transform(transform(c))`` without it.
        *x* is a block made for this call and is standardised in place.
        """
        missing = ~np.isfinite(x)
        if missing.any():
            np.copyto(x, np.broadcast_to(mean, x.shape), where=missing)
        x -= mean
        x /= sd
        x -= pca.mean_
        kept: Float = x @ np.ascontiguousarray(pca.components_.T)
        squared: Float = np.einsum("ij,ij->i", x, x) - np.einsum("ij,ij->i", kept, kept)
        return np.sqrt(np.clip(squared, 0.0, None))

    def _frame_errors(self, frame: pd.DataFrame | Float, rows: NDArray[np.intp] | None = None,
                      fit: tuple[Float, Float, Any] | None = None) -> Float:
        """:meth:`_errors` of a table's rows (all, or *rows*), encoded block by block.

        *frame* is a table or its encoder codes. No design matrix longer than a block exists,
        and one block's matrix is reused for the next; *fit* is another ``(mean, sd, pca)``.
        """
        from threadpoolctl import threadpool_limits

        mean, sd, pca = fit if fit is not None else (self.mean_, self.sd_, self.pca_)
        total = len(frame) if rows is None else len(rows)
        out = np.empty(total)
        buffer: Float | None = None
        # narrow products: BLAS threads cost more in wake-ups than they save
        with threadpool_limits(limits=1, user_api="blas"):
            for start in range(0, total, _BLOCK_ROWS):
                part = slice(start, start + _BLOCK_ROWS) if rows is None \
                    else rows[start:start + _BLOCK_ROWS]
                design = self._onehot(frame[part], buffer) if isinstance(frame, np.ndarray) \
                    else self._design(frame.iloc[part], buffer)
                if buffer is None:
                    buffer = design
                out[start:start + len(design)] = self._errors(design, mean, sd, pca)
        return out

    def fit(self, reference: pd.DataFrame, numeric: Sequence[str],
            categorical: Sequence[str]) -> ReconstructionError:
        """Fit the PCA, its null on held-out reference rows, and the leave-chunk-out range.

        The reference is encoded once (a float per feature and row); the design (one column
        per category) is expanded only for the rows each step uses, so the reference's whole
        design matrix never exists.
        """
        self.encoder_ = _Encoder(numeric, categorical).fit(reference)
        codes = self.encoder_.codes(reference)
        rng = np.random.default_rng(self.seed)
        n = len(reference)
        fitted = np.zeros(n, dtype=bool)
        fitted[rng.choice(n, min(self.max_fit_rows, n // 2), replace=False)] = True
        self.mean_, self.sd_, self.pca_ = self._fit_pca(
            self._onehot(codes[np.flatnonzero(fitted)]), self.variance)
        # a refit choosing another number of components would move every error at once
        k = int(self.pca_.n_components_)
        held = self._frame_errors(codes, np.flatnonzero(~fitted))
        self.null_mean_ = float(held.mean()) if held.size else math.nan
        self.null_sd_ = float(held.std(ddof=1)) if held.size > 1 else math.nan
        self.null_rows_ = int(held.size)
        bounds = np.linspace(0, n, self.n_chunks + 1).round().astype(np.int64)
        means = []
        for i in range(self.n_chunks):
            inside = np.zeros(n, dtype=bool)
            inside[bounds[i]:bounds[i + 1]] = True
            rest_rows = np.flatnonzero(~inside)
            if len(rest_rows) > self.max_fit_rows:
                rest_rows = rest_rows[rng.choice(len(rest_rows), self.max_fit_rows,
                                                 replace=False)]
            rest = self._onehot(codes[rest_rows])
            m, s, pca = self._fit_pca(rest, min(k, *rest.shape))
            chunk_rows = np.arange(bounds[i], bounds[i + 1])
            means.append(float(self._frame_errors(codes, chunk_rows, (m, s, pca)).mean()))
        self.calibration_errors_ = tuple(means)
        self.reference_chunk_rows_ = int(np.diff(bounds).min())
        return self

    def threshold(self, n_rows: int) -> float:
        """Mean error a chunk of *n_rows* rows must exceed to alert.

        The larger of the reference's range (sampling spread scaled up for chunks smaller
        than the reference chunks, never down) and the significance boundary at
        ``false_alarm_rate``.
        """
        factor = math.sqrt(max(1.0, self.reference_chunk_rows_ / max(n_rows, 1)))
        natural = _prediction_bound(np.asarray(self.calibration_errors_), self.range_level,
                                    factor)
        return max(natural, self._boundary(n_rows))

    def _standard_error(self, n_rows: int) -> float:
        if n_rows <= 0 or self.null_rows_ < 2:
            return math.nan
        return self.null_sd_ * math.sqrt(1.0 / n_rows + 1.0 / self.null_rows_)

    def _boundary(self, n_rows: int) -> float:
        se = self._standard_error(n_rows)
        if se != se:
            return math.inf
        return self.null_mean_ + float(sps.norm.isf(self.false_alarm_rate)) * se

    def evaluate(self, chunk: pd.DataFrame) -> MultivariateValue:
        """Mean reconstruction error of *chunk* and its alert."""
        err = self._frame_errors(chunk)
        value = float(err.mean()) if err.size else math.nan
        se = self._standard_error(err.size)
        p_value = math.nan
        if se == se and se > 0 and value == value:
            p_value = float(sps.norm.sf((value - self.null_mean_) / se))
        threshold = self.threshold(err.size)
        return MultivariateValue("pca_reconstruction_error", value, threshold,
                                 bool(value == value and value > threshold), None, None,
                                 p_value, self.false_alarm_rate)
