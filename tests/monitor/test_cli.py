"""``modelpact monitor`` through the CLI: outputs, exit codes, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from modelpact.cli.app import app

from ._synth import make_pact, make_rows

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor")
    rng = np.random.default_rng(0)
    make_rows(rng, 6000).to_csv(root / "ref.csv", index=False)
    stable = make_rows(rng, 6000, start_id=10**6)
    stable.drop(columns="label").to_parquet(root / "stable.parquet")
    shifted = pd.concat([stable, make_rows(rng, 6000, shift=0.6, start_id=2 * 10**6)])
    shifted.drop(columns="label").to_csv(root / "shifted.csv", index=False)
    shifted[["id", "label"]].iloc[:4000].to_csv(root / "labels.csv", index=False)
    pact = make_pact().model_dump(mode="json", exclude_none=True)
    (root / "pact.yaml").write_text(yaml.safe_dump(pact))
    return root


def _run(files, *args: str):
    return runner.invoke(app, ["monitor", "--pact", str(files / "pact.yaml"), *args])


def test_no_alert_exits_0_and_writes_json_and_html(files):
    res = _run(files, "--reference", str(files / "ref.csv"), "--analysis",
               str(files / "stable.parquet"), "--chunks", "3", "--no-multivariate",
               "--json", str(files / "out.json"), "--html", str(files / "out.html"))
    assert res.exit_code == 0, res.output
    assert "NO ALERT" in res.stdout
    data = json.loads((files / "out.json").read_text())
    assert data["schema"] == "modelpact.monitor/v1" and data["alerts"] == []
    page = (files / "out.html").read_text()
    assert "plotly-graph-div" in page and "Univariate drift" in page
    assert "<script src=" not in page  # offline: plotly.js inlined


def test_alerts_exit_1_and_the_report_shows_them(files):
    res = _run(files, "--reference", str(files / "ref.csv"), "--analysis",
               str(files / "shifted.csv"), "--labels", str(files / "labels.csv"),
               "--chunk-size", "2000", "--html", str(files / "alert.html"),
               "--json", str(files / "alert.json"))
    assert res.exit_code == 1, res.output
    assert "ALERT" in res.stdout and "x0" in res.stdout
    data = json.loads((files / "alert.json").read_text())
    assert {a["kind"] for a in data["alerts"]} >= {"drift"}
    assert data["chunks"][0]["realized_performance"]["labelled_share"] == 1.0
    page = (files / "alert.html").read_text()
    for text in ("Performance: estimated and realized", "Multivariate drift", "drift alert",
                 "pact: roc_auc \\u003e= 0.8"):
        assert text in page


def test_reference_profile_round_trip_through_the_cli(files):
    saved = files / "ref-profile.json"
    res = _run(files, "--reference", str(files / "ref.csv"), "--analysis",
               str(files / "stable.parquet"), "--chunks", "2", "--no-multivariate",
               "--save-reference-profile", str(saved))
    assert res.exit_code == 0, res.output
    res = _run(files, "--reference-profile", str(saved), "--analysis",
               str(files / "shifted.csv"), "--chunk-size", "3000")
    assert res.exit_code == 1, res.output
    assert "x0" in res.stdout and "needs the labelled reference rows" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunks", "2", "--chunk-size", "10"], "at most one of"),
        (["--chunk-period", "1w"], "needs the pact's time column"),
        (["--chunks", "0"], "chunk count must be at least 1"),
    ],
)
def test_usage_errors_exit_2_with_one_line(files, args, message):
    res = _run(files, "--reference", str(files / "ref.csv"), "--analysis",
               str(files / "stable.parquet"), "--no-multivariate", *args)
    assert res.exit_code == 2
    assert message in res.stderr and "Traceback" not in res.output


def test_small_reference_exits_2_saying_how_many_rows(files, tmp_path):
    pd.read_csv(files / "ref.csv").head(200).to_csv(tmp_path / "tiny.csv", index=False)
    res = _run(files, "--reference", str(tmp_path / "tiny.csv"), "--analysis",
               str(files / "stable.parquet"))
    assert res.exit_code == 2
    assert "200 rows" in res.stderr and "at least 500 rows" in res.stderr
    assert not (tmp_path / "out.json").exists()
