"""Drift between two samples of the audited features, measured as the monitor measures it.

With thousands of rows every p-value is tiny, so drift is judged by how large a shift is,
not by whether it is detectable. With a few hundred rows the reverse holds: sampling noise
alone gives effects above the threshold, so each effect also carries the p-value of a test of
"no change" (KS, chi-squared), and a feature counts as drifted only when the shift is both
large and real (:func:`is_drift`).

The effect size is the monitor's (:mod:`modelpact.monitor.compare_samples`): the
Jensen–Shannon distance on the drift bins learned from the earlier sample, so an audit, a
behaviour diff and a monitoring run give one feature the same number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.monitor.compare_samples import samples_drift

Float = NDArray[np.float64]

#: Effect size (Jensen–Shannon distance, base 2) at or above which a feature counts as drifted.
DRIFT_THRESHOLD = 0.1


def features_drift(reference: Float, current: Float, features: Sequence[str],
                   categorical: NDArray[np.bool_]) -> dict[str, dict[str, float]]:
    """Per feature of two encoded samples (one column per feature): the effect, the p-value
    of the test of no change, the change of the missing share and, for numbers, the
    Wasserstein distance in reference standard deviations."""
    names = list(features)
    coded = [c for c, is_cat in zip(names, categorical, strict=True) if is_cat]
    drift = samples_drift(pd.DataFrame(reference, columns=names),
                          pd.DataFrame(current, columns=names), names, categorical=coded)
    out: dict[str, dict[str, float]] = {}
    for c, d in drift.items():
        # a side with no values at all has no distribution to compare: its change is the
        # missing share's
        entry = {"effect": 0.0 if math.isnan(d.effect) else d.effect, "p_value": d.p_value,
                 "missing_shift": d.missing_shift}
        if d.wasserstein is not None:
            entry["wasserstein"] = d.wasserstein
        out[c] = entry
    return out


def label_drift(reference: Float, current: Float) -> dict[str, float]:
    """The effect of a change of class shares, for encoded labels."""
    return features_drift(reference[:, None], current[:, None], ["label"],
                          np.array([True]))["label"]


def is_drift(change: dict[str, Any], *, threshold: float, alpha: float) -> bool:
    """Large (effect or missing-share change at or above *threshold*) and real (test of no
    change rejected at *alpha*)."""
    large = change["effect"] >= threshold or change.get("missing_shift", 0.0) >= threshold
    return bool(large and change.get("p_value", 0.0) < alpha)
