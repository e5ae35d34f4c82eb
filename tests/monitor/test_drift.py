"""Drift distances against SciPy and exact formulas; the registry's shared invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from modelpact.errors import ConfigurationError
from modelpact.monitor.drift import (
    DRIFT_METHODS,
    column_drift,
    get_method,
    hellinger,
    jensen_shannon,
    psi,
    wasserstein_binned,
)
from modelpact.monitor.profile import NumericProfile, ProfileSpec, profile_frame

rng = np.random.default_rng(0)
P = rng.integers(0, 50, size=12).astype(float)
Q = rng.integers(0, 50, size=12).astype(float)


def test_jensen_shannon_matches_scipy():
    assert jensen_shannon(P, Q) == pytest.approx(jensenshannon(P, Q, base=2), abs=1e-12)


def test_hellinger_matches_definition():
    p, q = P / P.sum(), Q / Q.sum()
    expected = np.sqrt(((np.sqrt(p) - np.sqrt(q)) ** 2).sum() / 2)
    assert hellinger(P, Q) == pytest.approx(expected)


def test_psi_matches_definition_on_smoothed_counts():
    p, q = (P + 0.5) / (P + 0.5).sum(), (Q + 0.5) / (Q + 0.5).sum()
    assert psi(P, Q) == pytest.approx(((q - p) * np.log(q / p)).sum())


def test_binned_wasserstein_close_to_scipy_on_raw_values():
    a = rng.normal(size=20000)
    b = rng.normal(0.3, 1.2, size=20000)
    spec = ProfileSpec.from_reference(pd.DataFrame({"x": a}), ["x"], n_bins=128)
    pa = profile_frame(spec, pd.DataFrame({"x": a})).columns["x"]
    pb = profile_frame(spec, pd.DataFrame({"x": b})).columns["x"]
    assert isinstance(pa, NumericProfile) and isinstance(pb, NumericProfile)
    exact = sps.wasserstein_distance(a, b)
    assert wasserstein_binned(spec.numeric["x"], pa, pb) == pytest.approx(exact, rel=0.01)


def test_ks_statistic_and_p_value_close_to_scipy_on_small_samples():
    a = rng.normal(size=300)
    b = rng.normal(0.25, 1, size=200)
    spec = ProfileSpec.from_reference(pd.DataFrame({"x": a}), ["x"], n_bins=128)
    pa = profile_frame(spec, pd.DataFrame({"x": a})).columns["x"]
    pb = profile_frame(spec, pd.DataFrame({"x": b})).columns["x"]
    got = column_drift(DRIFT_METHODS["ks"], spec, "x", pa, pb)
    ref = sps.ks_2samp(a, b, method="asymp")
    assert got.value == pytest.approx(ref.statistic, abs=0.02)
    assert got.p_value == pytest.approx(ref.pvalue, rel=0.5, abs=0.01)


def test_chi2_p_value_matches_scipy_contingency():
    a = rng.choice(list("abc"), p=[0.5, 0.3, 0.2], size=400)
    b = rng.choice(list("abc"), p=[0.4, 0.3, 0.3], size=300)
    spec = ProfileSpec.from_reference(pd.DataFrame({"c": a}), ["c"])
    pa = profile_frame(spec, pd.DataFrame({"c": a})).columns["c"]
    pb = profile_frame(spec, pd.DataFrame({"c": b})).columns["c"]
    got = column_drift(DRIFT_METHODS["chi2"], spec, "c", pa, pb)
    table = np.vstack([pa.counts[:-1], pb.counts[:-1]])
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    assert got.p_value == pytest.approx(p)
    n_eff = pa.n * pb.n / (pa.n + pb.n)
    assert got.value == pytest.approx(np.sqrt(chi2 / n_eff))


@pytest.mark.parametrize("name", sorted(DRIFT_METHODS))
def test_every_method_zero_on_identical_and_grows_with_shift(name):
    method = DRIFT_METHODS[name]
    base = rng.normal(size=5000)
    spec = ProfileSpec.from_reference(pd.DataFrame({"x": base}), ["x"])
    ref = profile_frame(spec, pd.DataFrame({"x": base})).columns["x"]
    values = [column_drift(method, spec, "x", ref, profile_frame(
        spec, pd.DataFrame({"x": base + s})).columns["x"]).value for s in (0.0, 0.3, 1.0)]
    assert values[0] == pytest.approx(0.0, abs=1e-9)
    assert 0 < values[1] < values[2]


def test_unknown_method_suggests_the_closest():
    with pytest.raises(ConfigurationError, match="did you mean 'hellinger'"):
        get_method("helinger")


@pytest.mark.parametrize("name", sorted(DRIFT_METHODS))
def test_declared_power_matches_the_null_scaling_by_simulation(name):
    # under no drift, E[stat ** (1/power)] is proportional to 1/n + 1/N (calibration relies
    # on it to carry thresholds between chunk sizes)
    method = DRIFT_METHODS[name]
    sim = np.random.default_rng(42)
    big = 50_000
    col = "c" if "numeric" not in method.kinds else "x"
    if col == "x":
        ref_frame = pd.DataFrame({"x": sim.normal(size=big)})
    else:
        ref_frame = pd.DataFrame({"c": sim.choice(list("abcdef"), size=big)})
    spec = ProfileSpec.from_reference(ref_frame, [col])
    ref = profile_frame(spec, ref_frame).columns[col]
    means = {}
    for n in (500, 4000):
        vals = []
        for _ in range(200):
            sample = (pd.DataFrame({"x": sim.normal(size=n)}) if col == "x"
                      else pd.DataFrame({"c": sim.choice(list("abcdef"), size=n)}))
            cur = profile_frame(spec, sample).columns[col]
            vals.append(column_drift(method, spec, col, ref, cur).value ** (1 / method.power))
        means[n] = np.mean(vals)
    expected = (1 / 500 + 1 / big) / (1 / 4000 + 1 / big)
    assert means[500] / means[4000] == pytest.approx(expected, rel=0.25)


def test_classical_p_values_only_on_small_chunks():
    from modelpact.monitor.profile import ReferenceProfile
    from modelpact.monitor.univariate import SMALL_SAMPLE, UnivariateDrift

    sim = np.random.default_rng(3)
    ref_frame = pd.DataFrame({"x": sim.normal(size=20_000),
                              "c": sim.choice(list("abc"), size=20_000)})
    spec = ProfileSpec.from_reference(ref_frame, ["x", "c"])
    drift = UnivariateDrift().fit(ReferenceProfile.from_frame(ref_frame, spec))
    small = pd.DataFrame({"x": sim.normal(0.2, 1, 300), "c": sim.choice(list("abc"), 300)})
    checks = drift.calculate(profile_frame(spec, small))
    ks = sps.ks_2samp(ref_frame["x"], small["x"], method="asymp").pvalue
    x_p = [c.p_value for c in checks if c.feature == "x"]
    assert all(p == pytest.approx(ks, rel=0.5, abs=0.01) for p in x_p)
    assert all(c.p_value is not None for c in checks)
    big = pd.DataFrame({"x": sim.normal(size=SMALL_SAMPLE * 2),
                        "c": sim.choice(list("abc"), SMALL_SAMPLE * 2)})
    assert all(c.p_value is None for c in drift.calculate(profile_frame(spec, big)))
