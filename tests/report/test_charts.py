"""The chart builders shared by the dashboard and the offline reports, on a real monitoring
result: what they draw is what the result says."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from modelpact.monitor import monitor
from modelpact.pact import Pact
from modelpact.report.charts import (
    DRIFT_CAP,
    alert_timeline,
    chunk_label,
    drift_heatmap,
    drift_matrix,
    feature_distribution,
    feature_drift,
    performance_over_time,
)
from modelpact.report.monitor import monitor_html

TRICKY = "<b>x</b> & y"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """Six chunks; 'a' shifts from the fourth on, 'b' and the tricky one do not."""
    rng = np.random.default_rng(3)
    pact = Pact.model_validate({
        "name": "p", "task": "binary", "positive_class": 1,
        "columns": {"target": "y", "score": "s", "id": "id", "features": ["a", "b", TRICKY]},
        "criteria": [{"metric": "roc_auc", "at_least": 0.7}],
        "monitoring": {"multivariate": False},
    })

    def frame(n: int, shift: np.ndarray | float, start: int) -> pd.DataFrame:
        a = rng.normal(size=n) + shift
        s = 1 / (1 + np.exp(-a))
        return pd.DataFrame({"id": np.arange(start, start + n), "a": a,
                             "b": rng.normal(size=n), TRICKY: rng.normal(size=n), "s": s,
                             "y": (rng.uniform(size=n) < s).astype(int)})

    reference = frame(3000, 0.0, 0)
    analysis = frame(3000, np.where(np.arange(3000) >= 1500, 2.0, 0.0), 10_000)
    result = monitor(pact, reference, analysis.drop(columns=["y"]),
                     labels=analysis[["id", "y"]], chunks=6)
    return result.to_dict()


def test_the_heatmap_is_each_features_worst_statistic_over_its_threshold(
        document: dict[str, Any]) -> None:
    features, keys, ratios = drift_matrix(document)
    assert features == ["a", "b", TRICKY] and keys == [c["key"] for c in document["chunks"]]
    for i, feature in enumerate(features):
        for j, chunk in enumerate(document["chunks"]):
            checks = [d for d in chunk["drift"] if d["feature"] == feature]
            assert ratios[i][j] == pytest.approx(max(d["value"] / d["threshold"]
                                                     for d in checks))
            # over 1 exactly where the analysis raised a drift check
            assert (ratios[i][j] > 1) == any(d["alert"] for d in checks)
    assert all(r > 1 for r in ratios[0][3:]) and all(r < 1 for r in ratios[0][:3])
    trace = drift_heatmap(document)["data"][0]
    assert trace["zmax"] == DRIFT_CAP and max(max(row) for row in trace["z"]) <= DRIFT_CAP
    assert trace["customdata"][2][0] == TRICKY  # the raw name, for the link
    assert trace["y"][2] == "&lt;b&gt;x&lt;/b&gt; &amp; y"  # Plotly shows it as written


def test_performance_chart_draws_the_estimate_band_realized_interval_and_threshold(
        document: dict[str, Any]) -> None:
    figure = performance_over_time(document, "roc_auc")
    traces = {t.get("name"): t for t in figure["data"]}
    for j, chunk in enumerate(document["chunks"]):
        estimate = next(e for e in chunk["estimated_performance"] if e["metric"] == "roc_auc")
        realized = chunk["realized_performance"]["criteria"][0]
        assert traces["estimated"]["y"][j] == estimate["estimate"]
        assert traces["estimate band"]["y"][j] == estimate["ci"][0]
        assert traces["realized"]["y"][j] == realized["estimate"]
        assert traces["realized"]["y"][j] + traces["realized"]["error_y"]["array"][j] == (
            pytest.approx(realized["ci"][1]))
        assert traces["labelled share"]["y"][j] == chunk["realized_performance"][
            "labelled_share"]
    assert figure["layout"]["shapes"][0]["y0"] == 0.7


def test_feature_drift_and_distribution(document: dict[str, Any]) -> None:
    figure = feature_drift(document, "a")
    methods = {t["name"] for t in figure["data"]}
    assert methods == set(document["drift_methods"])
    keys = ["c1", "c2"]
    bands = feature_distribution(keys, quantiles={q: [0.0, 1.0] for q in
                                                  ("q05", "q25", "q50", "q75", "q95")})
    assert [t.get("name") for t in bands["data"] if t.get("name")] == [
        "5–95 %", "25–75 %", "median"]
    shares = feature_distribution(keys, shares={"<i>gold</i>": [0.5, 0.25]})
    assert shares["layout"]["barmode"] == "stack"
    assert shares["data"][0]["name"] == "&lt;i&gt;gold&lt;/i&gt;"


def test_alert_timeline_groups_by_delivery_status() -> None:
    alerts = [{"kind": "drift", "delivery_status": s, "message": "m",
               "alert": {"chunk_key": f"2026-03-0{i} 00:00:00+00:00 – 2026-03-0{i + 1}"}}
              for i, s in enumerate(["delivered", "failed", "delivered"], start=1)]
    figure = alert_timeline(alerts)
    by_name = {t["name"]: t for t in figure["data"]}
    assert set(by_name) == {"delivered", "failed"}
    assert by_name["delivered"]["x"] == ["2026-03-01 00:00", "2026-03-03 00:00"]


def test_chunk_labels() -> None:
    assert chunk_label("2026-03-01T10:30:00Z – 2026-03-02") == "2026-03-01 10:30"
    assert chunk_label("w1") == "w1"


def test_offline_report_leads_with_the_heatmap(document: dict[str, Any]) -> None:
    page = monitor_html(document)
    assert page.index("Drift: features × chunks") < page.index("Univariate drift")
    assert page.count('class="plotly-graph-div"') >= 3  # heatmap, performance, 'a'
    # only the drifted columns get a chart of their own
    drifted = {a["feature"] for a in document["alerts"] if a["kind"] == "drift"}
    assert "a" in drifted and TRICKY not in drifted and "b" not in drifted
    univariate = page.split("<h2>Univariate drift</h2>", 1)[1].split("<h2>", 1)[0]
    assert univariate.count('class="plotly-graph-div"') == len(drifted)
