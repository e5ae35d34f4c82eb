"""The Dask engine gives the local engine's profiles, on a local distributed cluster."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from modelpact.engines import profile_by, profile_local
from modelpact.monitor.profile import NumericProfile, ProfileSpec

pytest.importorskip("dask.dataframe", reason="Dask is an optional extra (modelpact[dask])")
distributed = pytest.importorskip("distributed", reason="needs dask.distributed")

from modelpact.engines.dask import profile_dask, profile_dask_by, read_parquet  # noqa: E402

# Dask's Parquet reader calls DataFrame.reset_index(inplace=True), which pandas 3.1 deprecates;
# that is Dask's to fix, not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The inplace keyword in DataFrame.reset_index is deprecated")


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    x = rng.normal(size=n)
    x[rng.uniform(size=n) < 0.05] = np.nan
    return pd.DataFrame({
        "x": x,
        "k": rng.poisson(4, size=n).astype(float),
        "c": rng.choice(["a", "b", "c", "new"], p=[0.5, 0.3, 0.15, 0.05], size=n),
        "day": rng.integers(0, 5, size=n),
    })


@pytest.fixture(scope="module")
def cluster_client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(0)
    reference = _frame(rng, 3000)
    spec = ProfileSpec.from_reference(reference[reference["c"] != "new"], ["x", "k", "c"])
    folder = tmp_path_factory.mktemp("parquet")
    parts = [_frame(rng, int(n)) for n in rng.integers(50, 900, size=12)]
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    return spec, folder, pd.concat(parts, ignore_index=True)


def _assert_same(a, b):
    assert a.n_rows == b.n_rows
    assert set(a.columns) == set(b.columns)
    for name, pa in a.columns.items():
        pb = b.columns[name]
        np.testing.assert_array_equal(pa.counts, pb.counts)
        assert pa.missing == pb.missing
        if isinstance(pa, NumericProfile):
            assert (pa.n, pa.min, pa.max) == (pb.n, pb.min, pb.max)
            np.testing.assert_allclose([pa.mean, pa.m2], [pb.mean, pb.m2], rtol=1e-10)
            np.testing.assert_allclose(pa.sums, pb.sums, rtol=1e-10, atol=1e-9)


def test_dask_profile_over_many_parquet_partitions_equals_local(data, cluster_client):
    spec, folder, whole = data
    ddf = read_parquet(folder)
    assert ddf.npartitions >= 12
    _assert_same(profile_dask(spec, ddf, client=cluster_client), profile_local(spec, whole))


def test_dask_profiles_per_key_equal_local(data, cluster_client):
    spec, folder, whole = data
    remote = profile_dask_by(spec, read_parquet(folder), "day", client=cluster_client)
    local = profile_by(spec, whole, "day")
    assert list(remote) == list(local) == [0, 1, 2, 3, 4]
    for key in local:
        _assert_same(remote[key], local[key])


def test_drift_from_cluster_profiles_equals_the_monitoring_run(tmp_path, cluster_client):
    from modelpact.monitor import ReferenceProfile, UnivariateDrift, monitor
    from modelpact.pact import Pact

    rng = np.random.default_rng(1)
    reference = _frame(rng, 4000).drop(columns="day")
    analysis = _frame(rng, 6000).drop(columns="day")
    analysis.loc[3000:, "x"] += 0.4
    pact = Pact.model_validate({
        "name": "d", "task": "binary", "positive_class": 1,
        "columns": {"target": "y", "features": ["x", "k", "c"]},
        "criteria": [{"metric": "accuracy", "at_least": 0.5}]})
    local = monitor(pact, reference, analysis, chunk_size=1500, multivariate=False,
                    estimate_performance=False)
    # the same chunks, profiled partition by partition on the cluster
    analysis["chunk"] = np.arange(len(analysis)) // 1500
    cuts = np.linspace(0, len(analysis), 8).astype(int)  # partitions cut across chunks
    for i, (start, stop) in enumerate(itertools.pairwise(cuts)):
        analysis.iloc[start:stop].to_parquet(tmp_path / f"p{i}.parquet", index=False)
    from modelpact.monitor.monitor import build_reference_profile

    ref_profile = build_reference_profile(pact, reference)
    assert isinstance(ref_profile, ReferenceProfile)
    remote = profile_dask_by(ref_profile.spec, read_parquet(tmp_path), "chunk",
                             client=cluster_client)
    drift = UnivariateDrift(pact.monitoring.drift_methods).fit(ref_profile)
    for i, chunk in enumerate(local.chunks):
        checks = drift.calculate(remote[i])
        assert [(c.feature, c.method, c.alert) for c in checks] == \
            [(c.feature, c.method, c.alert) for c in chunk.drift]
        np.testing.assert_allclose([c.value for c in checks], [c.value for c in chunk.drift],
                                   rtol=1e-9)
    assert any(c.alert for c in local.chunks[-1].drift)
