"""Effect sizes for one feature between two samples: scale-free, comparable across features.

With thousands of rows every p-value is tiny, so drift is judged by how large a shift is,
not by whether it is detectable. With a few hundred rows the reverse holds: sampling noise
alone gives effects above the threshold, so each effect also carries the p-value of a test of
"no change" (KS, chi-squared), and a feature counts as drifted only when the shift is both
large and real (:func:`is_drift`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

Float = NDArray[np.float64]

#: Effect size at or above which a feature counts as drifted (both measures are on 0..~1).
DRIFT_THRESHOLD = 0.1


def numeric_effect(reference: Float, current: Float, scale: float) -> dict[str, float]:
    """Wasserstein distance in units of the reference's robust spread, plus the KS statistic.

    Missing values are compared separately as a change in the missing share.
    """
    a = reference[~np.isnan(reference)]
    b = current[~np.isnan(current)]
    out = {"missing_shift": float(abs(np.isnan(current).mean() - np.isnan(reference).mean()))}
    if len(a) == 0 or len(b) == 0:
        out.update({"effect": 1.0 if len(a) != len(b) else 0.0, "wasserstein": np.nan,
                    "ks": np.nan, "p_value": 0.0 if len(a) != len(b) else 1.0})
        return out
    w = float(wasserstein_distance(a, b)) / (scale if scale > 0 else 1.0)
    # the asymptotic method: exact p-values are neither needed (only D is used) nor feasible
    test = ks_2samp(a, b, method="asymp")
    out.update({"wasserstein": w, "ks": float(test.statistic), "p_value": float(test.pvalue),
                "effect": max(w, out["missing_shift"])})
    return out


def categorical_effect(reference: Float, current: Float) -> dict[str, float]:
    """Jensen-Shannon distance (base 2, in [0, 1]) between category frequencies, missing included."""
    codes_a = np.where(np.isnan(reference), -1, reference).astype(np.int64) + 1
    codes_b = np.where(np.isnan(current), -1, current).astype(np.int64) + 1
    k = int(max(codes_a.max(initial=0), codes_b.max(initial=0))) + 1
    p = np.bincount(codes_a, minlength=k).astype(np.float64)
    q = np.bincount(codes_b, minlength=k).astype(np.float64)
    if p.sum() == 0 or q.sum() == 0:
        return {"jensen_shannon": np.nan, "effect": 0.0, "p_value": 1.0}
    js = float(jensenshannon(p / p.sum(), q / q.sum(), base=2))
    seen = (p + q) > 0
    p_value = 1.0
    if seen.sum() > 1:
        p_value = float(chi2_contingency(np.vstack([p[seen], q[seen]])).pvalue)
    return {"jensen_shannon": js, "effect": js, "p_value": p_value}


def is_drift(change: dict[str, float], *, threshold: float, alpha: float) -> bool:
    """Large (effect at or above *threshold*) and real (test of no change rejected at *alpha*)."""
    return change["effect"] >= threshold and change.get("p_value", 0.0) < alpha


def effect(reference: Float, current: Float, *, categorical: bool, scale: float) -> dict[str, float]:
    """The effect size of the change from *reference* to *current* for one encoded feature."""
    if categorical:
        return categorical_effect(reference, current)
    return numeric_effect(reference, current, scale)
