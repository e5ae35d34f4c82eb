"""Confidence-based performance estimation (CBPE): classification metrics before labels arrive.

A classifier whose scores are calibrated probabilities says, row by row, how likely it is to
be right. Summed over a chunk, those probabilities give the *expected* confusion matrix, and
from it every confusion metric; the expected true- and false-positive-rate curves give the
ROC AUC. This holds as long as the relation between scores and labels stays what it was on the
reference (covariate shift is fine; concept shift is not, and no label-free method sees it).

The steps:

1. **Calibrate** on the reference: isotonic regression per class (one-vs-rest, rows
   renormalised for multiclass), kept when it lowers the expected calibration error on
   held-out reference folds (``calibrate="auto"``). A calibrator learned from a finite
   reference adds its own error, shared by every chunk, to every estimate; that error is
   measured (bootstrap) and carried in the band.
2. **Expected counts** per chunk: ``E[TP] = Σ p_i [ŷ_i = 1]``, ``E[FP] = Σ (1 - p_i) [ŷ_i = 1]``
   and so on, where ``ŷ`` is the model's own decision and ``p`` the calibrated probability.
   The decisions are the ones the model really made when they are given (a prediction column
   next to the scores, as the pact's ``columns.prediction``); otherwise the score against the
   threshold, or the arg-max class. Estimating the metrics of decisions the model did not make
   (a threshold of 0.5 where the service decided at 0.8, say) would estimate another model.
3. **Sampling-error band**: the realized metric of a chunk varies around the estimate because
   its labels are random even when the probabilities are right. Labels are simulated from the
   calibrated probabilities ``n_draws`` times (exactly, row by row, for chunks up to
   ``n * n_draws <= 1e6`` cells; for larger chunks through the sufficient statistics, whose
   joint distribution is a sum of that many independent terms and so Gaussian to far better
   than the Monte-Carlo error), the metric is computed on each draw, and its spread is the
   standard error. The calibration's own error (calibrators refitted on bootstrap resamples
   of the reference disagree on the chunk) is added in quadrature.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from modelpact.errors import ConfigurationError, InvalidDataError, MetricError
from modelpact.monitor._cbpe_kernels import (  # noqa: F401  (tests reach kernels here)
    _apply,
    _apply_maps,
    _auc_from_sums,
    _band,
    _binary_plug_in,
    _bootstrap_maps,
    _brier,
    _calibration_error,
    _confusion_func,
    _draw_exact,
    _draw_gaussian,
    _expected_counts,
    _plug_in,
    _ranks,
    _sorted_ranks,
    _weighted_isotonic,
)
from modelpact.monitor._performance_types import PerformanceEstimate
from modelpact.stats import METRICS, get_metric

__all__ = ["CBPE", "cbpe_metrics"]

Float = NDArray[np.float64]
_AUC = {"binary": "roc_auc", "multiclass": "roc_auc_ovr"}
# Row-by-row simulation up to this many (row x draw) cells; beyond, the Gaussian route.
_EXACT_CELLS = 1_000_000
_FOLDS = 5


def cbpe_metrics(task: str) -> list[str]:
    """Names of the registry metrics CBPE can estimate for *task*.

    Every confusion-matrix metric of the task, plus ROC AUC (one-vs-rest macro for multiclass).

    Examples
    --------
    >>> "roc_auc" in cbpe_metrics("binary") and "f1_macro" in cbpe_metrics("multiclass")
    True
    """
    if task not in _AUC:
        raise ConfigurationError(
            f"CBPE estimates classification metrics; task must be 'binary' or 'multiclass', "
            f"got {task!r} (use DLE for regression)"
        )
    names = [
        name
        for name, m in METRICS.items()
        if task in m.tasks and m.engine is not None and m.engine.confusion is not None
    ]
    return sorted([*names, _AUC[task]])


class CBPE:
    """Estimate classification metrics on unlabelled chunks from the model's own scores.

    Parameters
    ----------
    task : {"binary", "multiclass"}
    metrics : list of str
        Registry names, e.g. ``["roc_auc", "accuracy", "f1"]``; see :func:`cbpe_metrics`.
    threshold : float
        Binary decision threshold: the model predicts positive when ``score >= threshold``.
    classes : list, optional
        Multiclass class names in score-column order; only their number is used (it must
        match the score columns).
    calibrate : bool or "auto"
        ``"auto"`` calibrates when that lowers the expected calibration error on held-out
        reference folds (5-fold); ``True`` always calibrates, ``False`` trusts the scores as probabilities.
    confidence : float
        Coverage of the band around each estimate.
    n_draws : int
        Simulated label sets behind each standard error.
    seed : int
        Seed of the cross-validation folds and the simulation.

    Attributes
    ----------
    n_classes_ : int
    calibrated_ : bool
        Whether scores are recalibrated before estimation.
    calibration_error_ : dict
        Held-out Brier score and binned ECE of the raw and calibrated scores
        (``raw_brier``, ``calibrated_brier``, ``raw_ece``, ``calibrated_ece``) behind the
        ``auto`` decision; empty when no comparison was made.
    calibrators_ : list of IsotonicRegression
        One per class (binary: one, for the positive class); empty when not calibrating.
    calibration_replicates_ : list of list of (x, y) arrays
        Isotonic maps (knots, for :func:`numpy.interp`) refitted on Poisson-bootstrap
        reweightings of the reference, one per class as ``calibrators_``; their disagreement
        on a chunk is added to the band as the error due to a finite reference.
    reference_ : dict
        Realized value of each metric on the reference, for orientation.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=4000)
    >>> y = (rng.uniform(size=4000) < p).astype(int)
    >>> cbpe = CBPE(task="binary", metrics=["accuracy"]).fit(y, p)
    >>> est = cbpe.estimate(rng.uniform(size=2000))["accuracy"]
    >>> bool(abs(est.value - 0.75) < 0.02), bool(est.low < est.value < est.high)
    (True, True)
    """

    def __init__(
        self,
        *,
        task: Literal["binary", "multiclass"],
        metrics: list[str],
        threshold: float = 0.5,
        classes: list[Any] | None = None,
        calibrate: bool | Literal["auto"] = "auto",
        confidence: float = 0.95,
        n_draws: int = 400,
        seed: int = 0,
    ) -> None:
        self.task = task
        self.metrics = metrics
        self.threshold = threshold
        self.classes = classes
        self.calibrate = calibrate
        self.confidence = confidence
        self.n_draws = n_draws
        self.seed = seed

    # --- fitting ------------------------------------------------------------------------

    def fit(self, y_true_ref: ArrayLike, scores_ref: ArrayLike,
            predictions_ref: ArrayLike | None = None) -> CBPE:
        """Learn the calibration on the labelled reference period.

        Parameters
        ----------
        y_true_ref : array of int
            Binary: 0/1 with 1 the positive class. Multiclass: class codes ``0..K-1``.
        scores_ref : array
            Binary: P(positive), shape ``(n,)``. Multiclass: probabilities, shape ``(n, K)``.
        predictions_ref : array of int, optional
            The model's decisions on the reference, coded like ``y_true_ref``; only used for
            the realized reference metrics (``reference_``). Without them, decisions are the
            score against ``threshold`` (binary) or the arg-max class.

        Returns
        -------
        CBPE
            ``self``, fitted.
        """
        self._check_settings()
        with threadpool_limits(limits=1, user_api="blas"):  # see estimate()
            return self._fit(y_true_ref, scores_ref, predictions_ref)

    def _fit(self, y_true_ref: ArrayLike, scores_ref: ArrayLike,
             predictions_ref: ArrayLike | None = None) -> CBPE:
        scores = self._as_matrix(scores_ref, "reference scores")
        k = scores.shape[1]
        y = np.asarray(y_true_ref)
        if y.ndim != 1 or y.shape[0] != scores.shape[0]:
            raise InvalidDataError(
                f"CBPE: the reference labels have shape {y.shape} but the scores have "
                f"{scores.shape[0]} rows; give one label per row"
            )
        if y.dtype.kind not in "biuf" or not np.array_equal(y, np.round(y)):
            raise InvalidDataError(
                f"CBPE: reference labels must be integer class codes 0..{k - 1}; got {y.dtype}"
            )
        y = y.astype(np.int64)
        if y.size and (y.min() < 0 or y.max() >= k):
            raise InvalidDataError(
                f"CBPE: reference labels must be class codes 0..{k - 1}; got {int(y.min())}.."
                f"{int(y.max())}"
            )
        counts = np.bincount(y, minlength=k)
        if np.any(counts == 0):
            raise InvalidDataError(
                f"CBPE: the reference has no row of class {int(np.argmin(counts))}; the "
                "reference must contain every class to learn how scores relate to labels"
            )
        self.n_classes_ = k
        self.calibration_error_: dict[str, float] = {}
        calibrate = self.calibrate
        if calibrate == "auto":
            if counts.min() < 2 * _FOLDS:
                calibrate = False  # too few rows of a class to judge calibration held-out
            else:
                self.calibration_error_ = self._held_out_errors(y, scores)
                calibrate = (
                    self.calibration_error_["calibrated_ece"] < self.calibration_error_["raw_ece"]
                )
        self.calibrators_ = self._fit_calibrators(y, scores) if calibrate else []
        self.calibrated_ = bool(calibrate)
        # Calibrators refitted on bootstrap resamples of the reference: their spread is the
        # part of the estimation error that comes from a finite reference, added to the band.
        rng = np.random.default_rng(self.seed)
        self.calibration_replicates_ = _bootstrap_maps(y, scores, self.task, rng) if (
            calibrate
        ) else []
        pred = self._decisions(scores, predictions_ref, "reference predictions")
        self.reference_ = self._realized(y, scores, pred)
        return self

    def _check_settings(self) -> None:
        names = cbpe_metrics(self.task)
        if not self.metrics:
            raise ConfigurationError("CBPE needs at least one metric to estimate")
        for name in self.metrics:
            metric = get_metric(name)
            if self.task not in metric.tasks:
                raise MetricError(f"CBPE: metric '{name}' is not defined for {self.task} tasks")
            if name not in names:
                raise MetricError(
                    f"CBPE cannot estimate '{name}' without labels; it estimates "
                    f"{', '.join(names)}"
                )
        if self.calibrate not in (True, False, "auto"):
            raise ConfigurationError(
                f"CBPE: calibrate must be True, False or 'auto'; got {self.calibrate!r}"
            )
        if not 0.0 < self.confidence < 1.0:
            raise ConfigurationError(f"CBPE: confidence must be in (0, 1); got {self.confidence}")
        if not 0.0 < self.threshold < 1.0:
            raise ConfigurationError(f"CBPE: threshold must be in (0, 1); got {self.threshold}")
        if self.n_draws < 20:
            raise ConfigurationError(f"CBPE: n_draws must be at least 20; got {self.n_draws}")

    def _as_matrix(self, scores: ArrayLike, what: str) -> Float:
        """Scores as an ``(n, K)`` probability matrix (binary: ``[1 - p, p]``)."""
        arr = np.asarray(scores, dtype=np.float64)
        if self.task == "binary":
            if arr.ndim == 2 and arr.shape[1] == 1:
                arr = arr[:, 0]
            if arr.ndim != 1:
                raise InvalidDataError(
                    f"CBPE: binary {what} must be one column of P(positive); got shape "
                    f"{arr.shape}"
                )
            out = np.column_stack([1.0 - arr, arr])
        else:
            if arr.ndim != 2 or arr.shape[1] < 2:
                raise InvalidDataError(
                    f"CBPE: multiclass {what} must have shape (n, K) with K >= 2; got "
                    f"{arr.shape}"
                )
            expected = len(self.classes) if self.classes is not None else None
            fitted = getattr(self, "n_classes_", None)
            for want in (expected, fitted):
                if want is not None and arr.shape[1] != want:
                    raise InvalidDataError(
                        f"CBPE: {what} have {arr.shape[1]} class columns; expected {want}"
                    )
            out = arr
        if out.shape[0] == 0:
            raise InvalidDataError(f"CBPE: {what} are empty")
        if not np.all(np.isfinite(out)):
            bad = int(np.count_nonzero(~np.isfinite(out).all(axis=1)))
            raise InvalidDataError(f"CBPE: {what} have {bad} row(s) with NaN or infinite scores")
        if out.min() < 0.0 or out.max() > 1.0:
            raise InvalidDataError(
                f"CBPE: {what} must be probabilities in [0, 1]; got values in "
                f"[{out.min():g}, {out.max():g}]"
            )
        return out

    def _fit_calibrators(self, y: NDArray[np.int64], scores: Float) -> list[IsotonicRegression]:
        classes = [1] if self.task == "binary" else range(scores.shape[1])
        out = []
        for k in classes:
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            out.append(iso.fit(scores[:, k], (y == k).astype(np.float64)))
        return out

    def _held_out_errors(self, y: NDArray[np.int64], scores: Float) -> dict[str, float]:
        """Calibration error of the raw and the isotonic-calibrated scores on held-out folds.

        The decision uses the binned expected calibration error. It leans towards
        calibrating (binning favours isotonic steps even over true probabilities), which is
        the safe side: the calibrator's own error is carried in the band, while trusting
        overconfident raw scores biases every estimate in a way no band shows. The Brier
        score is reported beside it.
        """
        calibrated = np.empty_like(scores)
        folds = StratifiedKFold(n_splits=_FOLDS, shuffle=True, random_state=self.seed)
        for train, test in folds.split(scores, y):
            fitted = self._fit_calibrators(y[train], scores[train])
            calibrated[test] = _apply(fitted, scores[test], self.task)
        return {
            "raw_brier": _brier(y, scores),
            "calibrated_brier": _brier(y, calibrated),
            "raw_ece": _calibration_error(y, scores),
            "calibrated_ece": _calibration_error(y, calibrated),
        }

    def _realized(self, y: NDArray[np.int64], scores: Float,
                  pred: NDArray[np.int64]) -> dict[str, float]:
        out = {}
        for name in self.metrics:
            metric = get_metric(name)
            try:
                if metric.input == "label":
                    out[name] = metric(y, pred)
                else:
                    out[name] = metric(y, scores[:, 1] if self.task == "binary" else scores)
            except MetricError:
                out[name] = float("nan")
        return out

    # --- estimation ---------------------------------------------------------------------

    def _decisions(self, scores: Float, predictions: ArrayLike | None = None,
                   what: str = "predictions") -> NDArray[np.int64]:
        """The model's decisions: the given ones (checked), else derived from the scores."""
        out: NDArray[np.int64]
        if predictions is not None:
            given = np.asarray(predictions)
            k = scores.shape[1]
            if given.shape != (scores.shape[0],):
                raise InvalidDataError(
                    f"CBPE: the {what} have shape {given.shape} but the scores have "
                    f"{scores.shape[0]} rows; give one decision per row")
            if given.dtype.kind not in "biuf" or not np.array_equal(given, np.round(given)):
                raise InvalidDataError(
                    f"CBPE: {what} must be class codes 0..{k - 1}; got {given.dtype}")
            out = given.astype(np.int64)
            if out.size and (out.min() < 0 or out.max() >= k):
                raise InvalidDataError(
                    f"CBPE: {what} must be class codes 0..{k - 1}; got {int(out.min())}.."
                    f"{int(out.max())}")
            return out
        if self.task == "binary":
            out = (scores[:, 1] >= self.threshold).astype(np.int64)
        else:
            out = np.argmax(scores, axis=1).astype(np.int64)
        return out

    def calibrated_probabilities(self, scores: ArrayLike) -> Float:
        """The ``(n, K)`` probabilities CBPE believes, after the learned calibration."""
        self._check_fitted()
        return _apply(self.calibrators_, self._as_matrix(scores, "scores"), self.task)

    def expected_confusion(self, scores: ArrayLike,
                           predictions: ArrayLike | None = None) -> Float:
        """Expected confusion counts of a chunk, ``C[i, j]`` = rows of class i predicted j.

        *predictions*, when given, are the model's decisions (class codes) instead of the
        ones derived from the scores.

        Examples
        --------
        >>> cbpe = CBPE(task="binary", metrics=["accuracy"], calibrate=False)
        >>> cbpe = cbpe.fit([0, 1, 0, 1], [0.2, 0.8, 0.4, 0.6])
        >>> cbpe.expected_confusion([0.9, 0.3]).round(6).tolist()
        [[0.7, 0.1], [0.3, 0.9]]
        """
        self._check_fitted()
        raw = self._as_matrix(scores, "scores")
        prob = _apply(self.calibrators_, raw, self.task)
        return _expected_counts(prob, self._decisions(raw, predictions), raw.shape[1])

    def estimate(self, scores: ArrayLike,
                 predictions: ArrayLike | None = None) -> dict[str, PerformanceEstimate]:
        """Estimate each metric on one unlabelled chunk.

        Parameters
        ----------
        scores : array
            The chunk's scores, as in :meth:`fit`.
        predictions : array of int, optional
            The model's decisions on the chunk (class codes, binary: 1 = positive) when they
            were not made by ``threshold`` or the arg-max, e.g. the pact's prediction column.

        Returns
        -------
        dict of str to PerformanceEstimate
            One estimate per requested metric, in the order requested.
        """
        self._check_fitted()
        raw = self._as_matrix(scores, "scores")
        # The products below are memory-bound vector operations: BLAS threads add nothing
        # but wake-up cost, which on a busy machine is tens of milliseconds per call.
        given = None if predictions is None else self._decisions(raw, predictions)
        with threadpool_limits(limits=1, user_api="blas"):
            return self._estimate(raw, given)

    def _estimate(self, raw: Float,
                  given: NDArray[np.int64] | None = None) -> dict[str, PerformanceEstimate]:
        if self.task == "binary":
            # Every statistic below ignores row order; in score order the calibration maps
            # (evaluated once per bootstrap replicate) run several times faster.
            order = np.argsort(raw[:, 1], kind="stable")
            raw = raw[order]
            if given is not None:
                given = given[order]
        n, k = raw.shape
        prob = _apply(self.calibrators_, raw, self.task)
        pred = self._decisions(raw) if given is None else given
        auc_classes = self._auc_classes(k)
        # multiclass: each class column in its own order, for ranks and fast calibration maps
        orders = [] if self.task == "binary" else [
            np.argsort(raw[:, c], kind="stable") for c in range(k)
        ]
        columns = [raw[order, c] for c, order in enumerate(orders)]
        if not auc_classes:
            ranks = np.empty((n, 0))
        elif self.task == "binary":
            ranks = _sorted_ranks(raw[:, 1])[:, None]
        else:
            ranks = np.column_stack([_ranks(raw[:, c], orders[c]) for c in auc_classes])
        if self.task == "binary":
            # rows in score order: predictions are 0 then 1, so counts are two partial sums
            ascending = given is None
            values = _binary_plug_in(self.metrics, prob[:, 1], pred, ranks, ascending)
            replicates = [
                _binary_plug_in(self.metrics, np.interp(raw[:, 1], *maps[0]), pred, ranks,
                                ascending)
                for maps in self.calibration_replicates_
            ]
        else:
            values = _plug_in(self.metrics, self.task, prob, pred, ranks, auc_classes)
            replicates = [
                _plug_in(
                    self.metrics, self.task, _apply_maps(maps, raw, orders, columns), pred, ranks,
                    auc_classes,
                )
                for maps in self.calibration_replicates_
            ]
        rng = np.random.default_rng(self.seed)
        if n * self.n_draws <= _EXACT_CELLS:
            counts, rank_sums = _draw_exact(prob, pred, ranks, auc_classes, self.n_draws, rng)
        else:
            counts, rank_sums = _draw_gaussian(prob, pred, ranks, auc_classes, self.n_draws, rng)
        z = float(norm.ppf(0.5 + self.confidence / 2.0))
        out: dict[str, PerformanceEstimate] = {}
        for name in self.metrics:
            metric = get_metric(name)
            if name == _AUC[self.task]:
                draws = np.mean(
                    [
                        _auc_from_sums(rank_sums[:, a], counts[:, c, :].sum(axis=-1), n)
                        for a, c in enumerate(auc_classes)
                    ],
                    axis=0,
                )
            else:
                draws = _confusion_func(metric)(counts)
            spread = np.array([r[name] for r in replicates])
            se_reference = float(np.std(spread, ddof=1)) if spread.size > 1 else 0.0
            out[name] = _band(name, values[name], draws, se_reference, z, metric.bounds)
        return out

    def _auc_classes(self, k: int) -> list[int]:
        if _AUC[self.task] not in self.metrics:
            return []
        return [1] if self.task == "binary" else list(range(k))

    def _check_fitted(self) -> None:
        if not hasattr(self, "calibrators_"):
            raise ConfigurationError(
                "this CBPE is not fitted yet; call fit(y_true_ref, scores_ref) on the reference"
            )
