"""Multivariate drift: a broken correlation that no single feature shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelpact.monitor.multivariate import DomainClassifier, ReconstructionError


def _rows(rng: np.random.Generator, n: int, *, correlated: bool) -> pd.DataFrame:
    a = rng.normal(size=n)
    noise = rng.normal(size=n)
    # same marginals either way: b is standard normal, correlated with a (0.9) or not
    b = 0.9 * a + np.sqrt(1 - 0.81) * noise if correlated else noise
    return pd.DataFrame({"a": a, "b": b, "c": rng.normal(size=n),
                         "k": rng.choice(["u", "v", "w"], size=n)})


@pytest.fixture(scope="module")
def reference():
    return _rows(np.random.default_rng(0), 8000, correlated=True)


def test_marginals_unchanged_but_correlation_broken(reference):
    rng = np.random.default_rng(1)
    broken = _rows(rng, 3000, correlated=False)
    # the premise: each feature alone looks the same (two-sample KS does not reject)
    from scipy import stats

    assert stats.ks_2samp(reference["b"], broken["b"]).pvalue > 0.01
    recon = ReconstructionError(seed=0).fit(reference, ["a", "b", "c"], ["k"])
    stable = _rows(rng, 3000, correlated=True)
    assert not recon.evaluate(stable).alert
    hit = recon.evaluate(broken)
    assert hit.alert and hit.value > hit.threshold


@pytest.mark.slow
def test_domain_classifier_auc_interval_and_alert(reference):
    rng = np.random.default_rng(2)
    clf = DomainClassifier(seed=0, max_rows=1500).fit(reference, ["a", "b", "c"], ["k"])
    assert 0.5 <= clf.threshold_ < 0.6
    stable = clf.evaluate(_rows(rng, 3000, correlated=True), 0)
    assert not stable.alert
    assert stable.low is not None and stable.low < 0.52  # consistent with "cannot tell apart"
    broken = clf.evaluate(_rows(rng, 3000, correlated=False), 1)
    assert broken.alert
    assert broken.low is not None and broken.low > 0.5
    assert broken.low <= broken.value <= (broken.high or 1.0)


def test_reconstruction_error_equals_scikit_learn_inverse_transform(reference):
    # the error is ||c||^2 - ||cV'||^2 in blocks; scikit-learn's round trip is the oracle
    recon = ReconstructionError(seed=0).fit(reference, ["a", "b", "c"], ["k"])
    rows = _rows(np.random.default_rng(5), 3000, correlated=False)
    rows.loc[::7, "a"] = np.nan
    x = recon._design(rows)
    z = (np.where(np.isfinite(x), x, recon.mean_) - recon.mean_) / recon.sd_
    back = recon.pca_.inverse_transform(recon.pca_.transform(z))
    expected = np.sqrt(((z - back) ** 2).sum(axis=1))
    np.testing.assert_allclose(recon._frame_errors(rows), expected, rtol=1e-9, atol=1e-12)
    assert recon.evaluate(rows).value == pytest.approx(expected.mean(), rel=1e-12)


def test_domain_classifier_encodes_only_the_rows_it_samples(reference, monkeypatch):
    clf = DomainClassifier(seed=0, max_rows=500).fit(reference, ["a", "b", "c"], ["k"])
    seen: list[int] = []
    original = clf.encoder_.codes

    def counting(frame):
        seen.append(len(frame))
        return original(frame)

    monkeypatch.setattr(clf.encoder_, "codes", counting)
    result = clf.evaluate(_rows(np.random.default_rng(6), 20_000, correlated=True), 0)
    assert seen == [500, 500]  # the reference's sample and the chunk's, nothing whole
    assert result.p_value is not None and 0.0 <= result.p_value <= 1.0


def test_reconstruction_errors_do_not_depend_on_the_blocks(reference, monkeypatch):
    # blocks reuse one design buffer; a short last block and missing values must not leak
    # from one block into the next
    from modelpact.monitor import multivariate

    recon = ReconstructionError(seed=0).fit(reference, ["a", "b", "c"], ["k"])
    rows = _rows(np.random.default_rng(7), 3000, correlated=False)
    rows.loc[::5, "b"] = np.nan
    rows.loc[::11, "k"] = None
    whole = recon._frame_errors(rows)
    monkeypatch.setattr(multivariate, "_BLOCK_ROWS", 700)
    np.testing.assert_allclose(recon._frame_errors(rows), whole, rtol=1e-12)
    picked = np.random.default_rng(8).permutation(3000)[:2100]
    np.testing.assert_allclose(recon._frame_errors(rows, picked), whole[picked], rtol=1e-12)
