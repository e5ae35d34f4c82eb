"""One feature, one effect size: audit, diff and monitor measure the same two samples alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from modelpact.audit import audit
from modelpact.evaluate.diff import training_data_diff
from modelpact.monitor import monitor
from modelpact.monitor.compare_samples import samples_drift
from modelpact.monitor.profile import ProfileSpec
from modelpact.pact import parse_pact

PACT = parse_pact(
    """
name: drift
task: binary
positive_class: 1
columns: {target: y, score: p}
criteria:
  - {metric: roc_auc, at_least: 0.6}
monitoring: {multivariate: false, estimate_performance: false}
"""
)


def _sample(n: int, seed: int, shift: float, rare_share: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    c = rng.choice(["a", "b", "c"], n, p=[0.6 - rare_share, 0.4, rare_share])
    y = (x + rng.normal(0, 1, n) > 0).astype(int)
    return pd.DataFrame({"x": x, "c": c, "y": y, "p": 1 / (1 + np.exp(-x))})


@pytest.fixture(scope="module")
def samples() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _sample(3000, 0, 0.0, 0.1), _sample(1500, 1, 0.4, 0.25)


def test_audit_diff_and_monitor_report_the_same_effect(
    samples: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    ref, cur = samples
    watched = monitor(PACT, ref, cur, chunks=1)
    by_monitor = {d.feature: d.value for d in watched.chunks[0].drift
                  if d.method == "jensen_shannon"}
    split = audit(ref, target="y", test=cur, checks=["split_drift"], seed=0)
    by_audit = {c: e["effect"] for c, e in split.checks["split_drift"].summary["features"].items()}
    diffed = training_data_diff(ref, cur, target="y")
    by_diff = {d.column: d.js_distance for d in diffed.drift}
    for feature in ("x", "c"):
        assert by_monitor[feature] > 0.05, "the samples were built to differ"
        assert by_audit[feature] == pytest.approx(by_monitor[feature], abs=1e-12)
        assert by_diff[feature] == pytest.approx(by_monitor[feature], abs=1e-12)


def test_categorical_effect_is_the_jensen_shannon_distance_of_the_shares(
    samples: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    ref, cur = samples
    got = samples_drift(ref, cur, ["c"])["c"]
    shares = [s.value_counts(normalize=True).reindex(["a", "b", "c"]).to_numpy()
              for s in (ref.c, cur.c)]
    # SciPy as the independent reference
    assert got.kind == "categorical"
    assert got.effect == pytest.approx(jensenshannon(*shares, base=2), rel=1e-9)


def test_numeric_effect_is_the_jensen_shannon_distance_on_the_reference_drift_bins(
    samples: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    ref, cur = samples
    spec = ProfileSpec.from_reference(ref, ["x"])
    # the coarse drift bins: groups of the fine grid's bins, as the monitor forms them
    fine = np.r_[-np.inf, spec.numeric["x"], np.inf]
    groups = spec.drift_groups["x"]
    edges = np.r_[fine[groups], np.inf]
    counts = [np.histogram(s.x.to_numpy(), edges)[0] for s in (ref, cur)]
    expected = jensenshannon(counts[0] / counts[0].sum(), counts[1] / counts[1].sum(), base=2)
    got = samples_drift(ref, cur, ["x"])["x"]
    assert got.kind == "numeric" and got.wasserstein is not None
    assert got.effect == pytest.approx(expected, rel=1e-9)


def test_no_change_is_no_effect_and_no_evidence() -> None:
    same = _sample(2000, 3, 0.0, 0.1)
    drift = samples_drift(same, same.copy(), ["x", "c"])
    assert all(d.effect == pytest.approx(0.0, abs=1e-12) for d in drift.values())
    assert all(d.p_value > 0.99 for d in drift.values())


def test_missing_share_change_is_reported_beside_the_effect() -> None:
    a = _sample(1000, 4, 0.0, 0.1)
    b = a.copy()
    b.loc[b.index[:300], "x"] = np.nan
    assert samples_drift(a, b, ["x"])["x"].missing_shift == pytest.approx(0.3)
