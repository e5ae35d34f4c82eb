"""Leave-chunk-out thresholds: false alarms on a stable stream, power against a small shift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelpact.errors import InvalidDataError
from modelpact.monitor.calibration import ThresholdCalibrator
from modelpact.monitor.drift import DRIFT_METHODS, column_drift
from modelpact.monitor.profile import ProfileSpec, ReferenceProfile, profile_ranges

DEFAULT_METHODS = [DRIFT_METHODS["jensen_shannon"], DRIFT_METHODS["wasserstein"]]
N_NUMERIC, N_CATEGORICAL = 8, 2


def _stream(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    data: dict[str, object] = {}
    for i in range(N_NUMERIC):
        # a mix of shapes: normal, skewed, heavy-tailed, discrete
        kind = i % 4
        if kind == 0:
            col = rng.normal(size=n)
        elif kind == 1:
            col = rng.lognormal(size=n)
        elif kind == 2:
            col = rng.standard_t(4, size=n)
        else:
            col = rng.poisson(3, size=n).astype(float)
        data[f"x{i}"] = col
    data["x0"] = np.asarray(data["x0"]) + shift  # x0 is standard normal: shift in SDs
    for j in range(N_CATEGORICAL):
        data[f"c{j}"] = rng.choice(list("abcdef"), p=[0.3, 0.25, 0.2, 0.12, 0.08, 0.05], size=n)
    return pd.DataFrame(data)


def _checks(reference: pd.DataFrame, analysis: pd.DataFrame, chunk_rows: int
            ) -> list[tuple[int, str, bool]]:
    cols = list(reference.columns)
    spec = ProfileSpec.from_reference(reference, cols)
    ref = ReferenceProfile.from_frame(reference, spec, n_chunks=10)
    cal = ThresholdCalibrator(DEFAULT_METHODS, false_alarm_rate=0.01).fit(ref)
    bounds = np.r_[np.arange(0, len(analysis), chunk_rows), len(analysis)]
    out = []
    for i, prof in enumerate(profile_ranges(spec, analysis, bounds)):
        for col in cols:
            for m in DEFAULT_METHODS:
                if spec.kind(col) not in m.kinds:
                    continue
                value = column_drift(m, spec, col, ref.total.columns[col], prof.columns[col]).value
                out.append((i, col, value > cal.threshold(col, m.name, prof.columns[col].n)))
    return out


@pytest.mark.slow
def test_stable_stream_at_most_one_false_alert_per_100_checks():
    alerts = checks = 0
    for seed in range(4):
        rng = np.random.default_rng(seed)
        reference = _stream(rng, 50_000)
        analysis = _stream(rng, 100_000)
        result = _checks(reference, analysis, 10_000)
        checks += len(result)
        alerts += sum(flag for _, _, flag in result)
    assert checks >= 700
    assert alerts / checks <= 0.01, (alerts, checks)


def test_shift_of_one_fifth_sd_detected_within_two_chunks_of_10000_rows():
    rng = np.random.default_rng(7)
    reference = _stream(rng, 50_000)
    analysis = _stream(rng, 20_000, shift=0.2)
    result = _checks(reference, analysis, 10_000)
    flagged_chunks = {i for i, col, flag in result if col == "x0" and flag}
    assert flagged_chunks & {0, 1}
    others = [flag for _, col, flag in result if col != "x0"]
    assert sum(others) <= 1


def test_thresholds_shrink_with_chunk_size_like_sampling_noise():
    rng = np.random.default_rng(1)
    reference = _stream(rng, 20_000)
    spec = ProfileSpec.from_reference(reference, ["x0"])
    cal = ThresholdCalibrator([DRIFT_METHODS["psi"], DRIFT_METHODS["jensen_shannon"]]).fit(
        ReferenceProfile.from_frame(reference, spec))
    # divergences (psi) scale like 1/n + 1/N, distances like its square root
    ratio_psi = cal.threshold("x0", "psi", 1000) / cal.threshold("x0", "psi", 4000)
    ratio_js = (cal.threshold("x0", "jensen_shannon", 1000)
                / cal.threshold("x0", "jensen_shannon", 4000))
    expected = (1 / 1000 + 1 / 20000) / (1 / 4000 + 1 / 20000)
    assert ratio_psi == pytest.approx(expected)
    assert ratio_js == pytest.approx(np.sqrt(expected))


def test_too_small_reference_says_how_many_rows_are_needed():
    rng = np.random.default_rng(2)
    reference = _stream(rng, 300)
    spec = ProfileSpec.from_reference(reference, ["x0"])
    with pytest.raises(InvalidDataError, match=r"300 rows .* at least 500 reference rows"):
        ThresholdCalibrator(DEFAULT_METHODS).fit(ReferenceProfile.from_frame(reference, spec))
