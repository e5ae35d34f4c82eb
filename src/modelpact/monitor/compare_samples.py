"""Drift between two whole samples, with the monitor's own statistics.

The audit (train against test, early against late) and the behaviour diff (training set A
against B) ask the monitor's question of two samples instead of a reference and its chunks.
They answer it here, so that one feature has one effect size whichever command reports it:
the Jensen–Shannon distance (base 2, in [0, 1]) on the drift bins the monitor learns from the
reference (:class:`~modelpact.monitor.profile.ProfileSpec`), computed by the monitor's kernel
(:data:`~modelpact.monitor.drift.DRIFT_METHODS`). For a numeric column the Wasserstein distance
in reference standard deviations is reported beside it, and every column carries the p-value
of a test of no change (KS on the fine grid for numbers, chi-squared for categories), which
small samples need before a large effect counts as real.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> a = pd.DataFrame({"x": rng.normal(0, 1, 2000)})
>>> b = pd.DataFrame({"x": rng.normal(1, 1, 2000)})
>>> drift = samples_drift(a, b, ["x"])["x"]
>>> drift.kind, drift.effect > 0.3, drift.p_value < 1e-6
('numeric', True, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from modelpact.monitor.drift import DRIFT_METHODS, column_drift
from modelpact.monitor.profile import ProfileSpec, column_kind, profile_frame

__all__ = ["EFFECT_METHOD", "SampleDrift", "samples_drift"]

#: The drift statistic every command reports as a feature's effect size.
EFFECT_METHOD = "jensen_shannon"


@dataclass(frozen=True)
class SampleDrift:
    """How one column moved from a reference sample to a current one.

    Attributes
    ----------
    column, kind
        The column and whether it was compared as numbers or as categories.
    effect
        Jensen–Shannon distance (base 2) between the two samples on the monitor's drift bins;
        ``nan`` when a side has no values.
    p_value
        Test of no change: Kolmogorov–Smirnov for numbers, chi-squared for categories.
    wasserstein
        Numbers only: 1-Wasserstein distance in reference standard deviations.
    missing_shift
        Absolute change of the share of missing values (missing values are not binned).
    """

    column: str
    kind: Literal["numeric", "categorical"]
    effect: float
    p_value: float
    wasserstein: float | None
    missing_shift: float


def samples_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[str],
    *,
    categorical: Iterable[str] = (),
) -> dict[str, SampleDrift]:
    """The drift of each of *columns* from *reference* to *current*.

    Parameters
    ----------
    reference
        The sample the bins are learned on (training set, earlier window, version A).
    current
        The sample compared with it.
    columns
        Columns present in both.
    categorical
        Columns to compare as categories although they hold numbers (integer codes); any
        column that is not numeric is compared as categories anyway.
    """
    forced = set(categorical)
    kinds = {c: "categorical" if c in forced else column_kind(reference[c]) for c in columns}
    floats = [c for c in forced if pd.api.types.is_float_dtype(reference[c].dtype)]
    if floats:
        # float values binned as categories: compare them by their text, on both sides alike
        reference, current = (f.assign(**{c: _as_text(f[c]) for c in floats})
                              for f in (reference, current))
    spec = ProfileSpec.from_reference(
        reference, list(columns), categorical=[c for c, k in kinds.items() if k == "categorical"])
    ref, cur = profile_frame(spec, reference), profile_frame(spec, current)
    out: dict[str, SampleDrift] = {}
    for c in columns:
        a, b = ref.columns[c], cur.columns[c]
        numeric = kinds[c] == "numeric"
        effect = column_drift(DRIFT_METHODS[EFFECT_METHOD], spec, c, a, b).value
        test = column_drift(DRIFT_METHODS["ks" if numeric else "chi2"], spec, c, a, b)
        wasserstein = column_drift(DRIFT_METHODS["wasserstein"], spec, c, a, b).value
        out[c] = SampleDrift(
            column=c,
            kind="numeric" if numeric else "categorical",
            effect=effect,
            p_value=1.0 if test.p_value is None or math.isnan(test.p_value) else test.p_value,
            wasserstein=wasserstein if numeric else None,
            missing_shift=_missing_shift(reference[c], current[c]),
        )
    return out


def _missing_shift(a: pd.Series, b: pd.Series) -> float:
    share_a = float(a.isna().mean()) if len(a) else 0.0
    share_b = float(b.isna().mean()) if len(b) else 0.0
    return abs(share_b - share_a)


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("object").where(values.notna(), None).map(
        lambda v: None if v is None else repr(float(v)))
