"""Univariate drift from profiles alone: the estimator the monitoring run and clusters share.

:class:`UnivariateDrift` is fitted on a :class:`~modelpact.monitor.profile.ReferenceProfile`
(thresholds calibrated by leave-chunk-out, :mod:`modelpact.monitor.calibration`) and applied to
chunk profiles, wherever they were computed: by the local engine inside
:func:`~modelpact.monitor.monitor.monitor`, or partition by partition on a Dask cluster
(:mod:`modelpact.engines.dask`). It never needs rows.

Classical tests on small chunks: below :data:`SMALL_SAMPLE` values in a chunk's column, every
check also carries the two-sample test's p-value (Kolmogorov–Smirnov for numeric columns,
chi-squared for categorical ones), where a p-value is still an honest summary. On large chunks
it is left out: there every p-value is tiny and says nothing about the size of the change.
Alerts are always decided on the calibrated thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from modelpact._json import nan_to_none
from modelpact.monitor.calibration import ThresholdCalibrator
from modelpact.monitor.drift import DRIFT_METHODS, column_drift, get_method
from modelpact.monitor.profile import FrameProfile, ReferenceProfile

__all__ = ["SMALL_SAMPLE", "DriftCheck", "UnivariateDrift"]

SMALL_SAMPLE = 1000


@dataclass(frozen=True)
class DriftCheck:
    """One univariate drift statistic of one column on one chunk."""

    feature: str
    role: str
    method: str
    value: float
    threshold: float
    alert: bool
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"feature": self.feature, "role": self.role, "method": self.method,
                "value": nan_to_none(self.value), "threshold": nan_to_none(self.threshold),
                "alert": self.alert, "p_value": nan_to_none(self.p_value)}


class UnivariateDrift:
    """Per-column drift of chunk profiles against a reference profile, with alarm control.

    Parameters
    ----------
    methods
        Names from :data:`~modelpact.monitor.drift.DRIFT_METHODS`.
    false_alarm_rate
        Probability that a chunk of a stable stream raises any drift alert.
    per_check
        Level of each check when the univariate checks share a larger budget with other
        checks (:class:`~modelpact.monitor.alerts.AlarmBudget`); default ``false_alarm_rate``
        divided by the number of (column, method) checks.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from modelpact.monitor.profile import ProfileSpec, profile_frame
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=5000)})
    >>> spec = ProfileSpec.from_reference(ref, ["x"])
    >>> drift = UnivariateDrift().fit(ReferenceProfile.from_frame(ref, spec))
    >>> shifted = profile_frame(spec, pd.DataFrame({"x": rng.normal(0.5, 1, 2000)}))
    >>> [c.alert for c in drift.calculate(shifted)]
    [True, True]
    """

    def __init__(self, methods: Sequence[str] = ("jensen_shannon", "wasserstein"), *,
                 false_alarm_rate: float = 0.01, per_check: float | None = None) -> None:
        self.methods = methods
        self.false_alarm_rate = false_alarm_rate
        self.per_check = per_check

    def fit(self, reference: ReferenceProfile) -> UnivariateDrift:
        """Calibrate every column's thresholds on the reference's chunks."""
        self.methods_ = [get_method(m) for m in self.methods]
        self.reference_ = reference
        self.calibrator_ = ThresholdCalibrator(
            self.methods_, false_alarm_rate=self.false_alarm_rate,
            per_check=self.per_check).fit(reference)
        return self

    def calculate(self, chunk: FrameProfile) -> list[DriftCheck]:
        """Drift checks of one chunk profile: every column present, every applicable method."""
        spec = self.reference_.spec
        ref = self.reference_.total
        out: list[DriftCheck] = []
        for column in spec.columns:
            if column not in chunk.columns or column not in ref.columns:
                continue
            r, c = ref.columns[column], chunk.columns[column]
            for method in self.methods_:
                if spec.kind(column) not in method.kinds:
                    continue
                dv = column_drift(method, spec, column, r, c)
                th = self.calibrator_.threshold(column, method.name, c.n)
                alert = bool(not math.isnan(dv.value) and not math.isnan(th) and dv.value > th)
                p_value = dv.p_value if c.n < SMALL_SAMPLE else None
                if p_value is None and c.n < SMALL_SAMPLE:
                    test = DRIFT_METHODS["ks" if spec.kind(column) == "numeric" else "chi2"]
                    p_value = column_drift(test, spec, column, r, c).p_value
                out.append(DriftCheck(column, spec.roles.get(column, "feature"), method.name,
                                      dv.value, th, alert, p_value))
        return out
