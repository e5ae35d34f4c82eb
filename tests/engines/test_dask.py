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


def _monitor_inputs():
    from modelpact.pact import Pact

    rng = np.random.default_rng(7)
    reference = _frame(rng, 4000).drop(columns="day")
    analysis = _frame(rng, 6000).drop(columns="day")
    analysis.loc[3000:, "x"] += 0.4
    pact = Pact.model_validate({
        "name": "d", "task": "binary", "positive_class": 1,
        "columns": {"target": "y", "features": ["x", "k", "c"]},
        "criteria": [{"metric": "accuracy", "at_least": 0.5}]})
    return pact, reference, analysis


def _comparable(result):
    data = result.to_dict()
    data["analysis"] = {k: v for k, v in data["analysis"].items() if k != "engine"}
    return data


def test_monitor_on_the_cluster_equals_the_local_run(cluster_client):
    from modelpact.engines import LocalEngine
    from modelpact.engines.dask import DaskEngine
    from modelpact.monitor import monitor

    pact, reference, analysis = _monitor_inputs()
    local = monitor(pact, reference, analysis, chunk_size=1500, multivariate=False,
                    estimate_performance=False, engine=LocalEngine())
    # pieces of 700 rows: every chunk is profiled in parts on the workers, then merged
    remote = monitor(pact, reference, analysis, chunk_size=1500, multivariate=False,
                     estimate_performance=False,
                     engine=DaskEngine(cluster_client, partition_rows=700))
    assert remote.to_dict()["analysis"]["engine"] == "dask"
    assert [a.to_dict()["message"] for a in remote.alerts] == \
        [a.to_dict()["message"] for a in local.alerts]
    assert any(a.kind == "drift" for a in local.alerts)
    for a, b in zip(local.chunks, remote.chunks, strict=True):
        assert [(d.feature, d.method, d.alert) for d in a.drift] == \
            [(d.feature, d.method, d.alert) for d in b.drift]
        np.testing.assert_allclose([d.value for d in b.drift], [d.value for d in a.drift],
                                   rtol=1e-9, atol=1e-12)
    # without a client Dask's own scheduler runs the same graph in this process
    threaded = monitor(pact, reference, analysis, chunk_size=1500, multivariate=False,
                       estimate_performance=False, engine=DaskEngine(partition_rows=700))
    assert [a.message for a in threaded.alerts] == [a.message for a in local.alerts]


def test_cli_runs_on_a_scheduler_address(cluster_client, tmp_path):
    import json

    import yaml
    from typer.testing import CliRunner

    from modelpact.cli.app import app

    pact, reference, analysis = _monitor_inputs()
    (tmp_path / "pact.yaml").write_text(yaml.safe_dump(pact.model_dump(mode="json",
                                                                        exclude_none=True)))
    reference.to_parquet(tmp_path / "ref.parquet")
    analysis.to_parquet(tmp_path / "ana.parquet")
    base = ["monitor", "--pact", str(tmp_path / "pact.yaml"), "--reference",
            str(tmp_path / "ref.parquet"), "--analysis", str(tmp_path / "ana.parquet"),
            "--chunk-size", "1500", "--no-multivariate"]
    runner = CliRunner()
    address = cluster_client.scheduler.address
    remote = runner.invoke(app, [*base, "--engine", "dask", "--scheduler", address,
                                 "--json", str(tmp_path / "remote.json")])
    local = runner.invoke(app, [*base, "--json", str(tmp_path / "local.json")])
    assert remote.exit_code == local.exit_code == 1, remote.output
    remote_json = json.loads((tmp_path / "remote.json").read_text())
    local_json = json.loads((tmp_path / "local.json").read_text())
    assert remote_json["analysis"].pop("engine") == "dask"
    assert local_json["analysis"].pop("engine") == "local"
    assert [a["message"] for a in remote_json["alerts"]] == \
        [a["message"] for a in local_json["alerts"]]


def test_cli_engine_usage_errors_exit_2(tmp_path):
    from typer.testing import CliRunner

    from modelpact.cli.app import app

    runner = CliRunner()
    args = ["monitor", "--reference", "r.csv", "--analysis", "a.csv"]
    res = runner.invoke(app, [*args, "--scheduler", "tcp://127.0.0.1:8786"])
    assert res.exit_code == 2 and "--scheduler needs --engine dask" in res.output
    res = runner.invoke(app, [*args, "--engine", "spark"])
    assert res.exit_code == 2 and "--engine must be 'local' or 'dask'" in res.output
