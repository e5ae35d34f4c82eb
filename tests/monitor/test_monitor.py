"""The monitoring run end to end on seeded synthetic data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from modelpact.errors import InvalidDataError
from modelpact.monitor import MONITOR_SCHEMA, ReferenceProfile, build_reference_profile, monitor
from modelpact.pact import Pact
from modelpact.report.json import dumps

from ._synth import make_pact, make_rows


@pytest.fixture(scope="module")
def reference():
    return make_rows(np.random.default_rng(0), 12_000)


@pytest.mark.slow
def test_stable_stream_raises_no_alert_at_default_settings(reference):
    analysis = make_rows(np.random.default_rng(1), 40_000, start_id=10**6)
    result = monitor(make_pact(), reference, analysis.drop(columns="label"), multivariate=True)
    data = result.to_dict()
    assert data["schema"] == MONITOR_SCHEMA
    assert len(data["chunks"]) == 10
    checks = [d for c in data["chunks"] for d in c["drift"]]
    assert len(checks) == 10 * (4 * 2 + 1 + 2)  # 4 numeric x 2 methods, segment, score x 2
    assert sum(d["alert"] for d in checks) <= len(checks) / 100
    assert result.alerts == ()
    assert result.exit_code == 0 and data["status"] == "no_alert"


def test_shift_alerts_on_the_shifted_feature_and_the_score(reference):
    rng = np.random.default_rng(2)
    stable = make_rows(rng, 20_000, start_id=10**6)
    shifted = make_rows(rng, 20_000, shift=0.5, start_id=2 * 10**6)
    analysis = pd.concat([stable, shifted], ignore_index=True)
    result = monitor(make_pact(), reference, analysis, chunk_size=5000, multivariate=False,
                     estimate_performance=False)
    drift = [a for a in result.alerts if a.kind == "drift"]
    assert {a.feature for a in drift} == {"x0", "score"}
    assert min(a.chunk for a in drift if a.chunk is not None) == 4
    assert all(a.chunk is not None and a.chunk >= 4 for a in drift)
    assert result.exit_code == 1


def test_schema_changes_are_findings_not_crashes(reference):
    analysis = make_rows(np.random.default_rng(3), 6000, start_id=10**6)
    analysis = analysis.drop(columns="x3").assign(extra=1.0, x2=lambda f: f["x2"].astype(str))
    analysis.loc[:10, "x2"] = "n/a"
    result = monitor(make_pact(), reference, analysis, chunks=3, multivariate=False,
                     estimate_performance=False)
    checks = {(f["check"], f["columns"][0]) for f in result.to_dict()["findings"]}
    assert {("missing_column", "x3"), ("extra_column", "extra"),
            ("changed_type", "x2")} <= checks
    kinds = {(a.kind, a.metric, a.feature) for a in result.alerts}
    assert ("data_quality", "missing_column", "x3") in kinds
    assert ("data_quality", "changed_type", "x2") in kinds
    # x2 is still monitored: the numbers in it are profiled, 'n/a' counts as missing
    assert any(d.feature == "x2" for d in result.chunks[0].drift)
    assert result.chunks[0].missing_share["x2"] == pytest.approx(11 / 2000)


def test_new_categories_and_missing_spike_alert(reference):
    analysis = make_rows(np.random.default_rng(4), 8000, start_id=10**6)
    analysis.loc[4000:4999, "segment"] = "public"
    analysis.loc[6000:6999, "x1"] = np.nan
    result = monitor(make_pact(), reference, analysis, chunk_size=2000, multivariate=False,
                     estimate_performance=False)
    quality = {(a.metric, a.feature, a.chunk) for a in result.alerts if a.kind == "data_quality"}
    assert ("new_categories", "segment", 2) in quality
    assert ("missing_share", "x1", 3) in quality
    assert not any(a.chunk in (0, 1) for a in result.alerts)


def test_labels_join_by_id_and_partial_labels_give_the_labelled_share(reference):
    rng = np.random.default_rng(5)
    analysis = make_rows(rng, 8000, start_id=10**6)
    labels = analysis[["id", "label"]].iloc[:3000].sample(frac=1.0, random_state=0)
    result = monitor(make_pact(), reference, analysis.drop(columns="label"), labels=labels,
                     chunk_size=2000, multivariate=False)
    shares = [c.realized.labelled_share for c in result.chunks]
    assert shares == pytest.approx([1.0, 0.5, 0.0, 0.0])
    first = result.chunks[0]
    realized_auc = next(c for c in first.realized.criteria if c.metric == "roc_auc")
    estimated = first.estimated["roc_auc"]
    assert realized_auc.n == 2000
    assert estimated.low <= realized_auc.estimate <= estimated.high


def test_duplicate_label_ids_are_an_input_error(reference):
    analysis = make_rows(np.random.default_rng(6), 2000, start_id=10**6)
    labels = analysis[["id", "label"]].iloc[[0, 0, 1]]
    with pytest.raises(InvalidDataError, match="has more than one label"):
        monitor(make_pact(), reference, analysis, labels=labels, chunks=2)


def test_estimated_performance_alert_before_labels_when_scores_lose_confidence(reference):
    rng = np.random.default_rng(7)
    analysis = make_rows(rng, 10_000, spread=0.35, start_id=10**6).drop(columns="label")
    result = monitor(make_pact(), reference, analysis, chunk_size=5000, multivariate=False)
    est = [a for a in result.alerts if a.kind == "estimated_performance"]
    assert {a.metric for a in est} >= {"accuracy"}
    assert {a.chunk for a in est} == {0, 1}


def test_saved_reference_profile_reproduces_drift_without_rows(reference, tmp_path):
    analysis = make_rows(np.random.default_rng(8), 6000, shift=0.3, start_id=10**6)
    pact = make_pact()
    direct = monitor(pact, reference, analysis, chunks=3, multivariate=False,
                     estimate_performance=False)
    path = build_reference_profile(pact, reference).save(tmp_path / "ref.json")
    assert "retail" in path.read_text() and str(reference["x0"].iloc[0]) not in path.read_text()
    saved = monitor(pact, ReferenceProfile.load(path), analysis, chunks=3)
    strip = ("source",)
    a, b = direct.to_dict(), saved.to_dict()
    for d in (a, b):
        d["reference"] = {k: v for k, v in d["reference"].items() if k not in strip}
        d["notes"] = []
    assert a == b


def test_too_small_reference_is_a_clear_error():
    tiny = make_rows(np.random.default_rng(9), 120)
    with pytest.raises(InvalidDataError, match=r"120 rows.*at least 500 rows"):
        monitor(make_pact(), tiny, tiny, chunks=2)


@pytest.mark.slow
def test_same_seed_same_json_bytes(reference):
    analysis = make_rows(np.random.default_rng(10), 3000, start_id=10**6)
    runs = [dumps(monitor(make_pact(), reference, analysis, chunks=2, seed=3).to_dict())
            for _ in range(2)]
    assert runs[0] == runs[1]
    data = json.loads(runs[0])
    assert set(data) >= {"schema", "chunks", "alerts", "status", "findings"}
    assert {"drift", "multivariate", "estimated_performance", "realized_performance",
            "n_rows", "key"} <= set(data["chunks"][0])


def _multiclass(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    x = rng.normal(size=(n, 3))
    x[:, 0] += shift
    logits = 1.5 * np.c_[x[:, 0], x[:, 1], -x[:, 0] - x[:, 1]]
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    y = (rng.uniform(size=(n, 1)) > p.cumsum(axis=1)).sum(axis=1)
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame[["p_x", "p_y", "p_z"]] = p
    frame["y"] = np.array(["x", "y", "z"])[y]
    frame["id"] = np.arange(n)
    return frame


def test_multiclass_pact_estimates_and_realizes_per_chunk():
    rng = np.random.default_rng(11)
    pact = Pact.model_validate({
        "name": "mc", "task": "multiclass", "classes": ["x", "y", "z"],
        "columns": {"target": "y", "score": {"x": "p_x", "y": "p_y", "z": "p_z"}, "id": "id"},
        "criteria": [{"metric": "accuracy", "at_least": 0.6}]})
    result = monitor(pact, _multiclass(rng, 6000), _multiclass(rng, 6000, shift=0.5), chunks=3,
                     multivariate=False)
    first = result.chunks[0]
    assert set(first.estimated) == {"accuracy", "roc_auc_ovr"}
    realized = first.realized.criteria[0]
    assert first.realized.labelled_share == 1.0
    assert first.estimated["accuracy"].low - 0.03 <= realized.estimate \
        <= first.estimated["accuracy"].high + 0.03
    assert {a.feature for a in result.alerts if a.kind == "drift"} >= {"a"}


def test_regression_pact_uses_direct_loss_estimation():
    rng = np.random.default_rng(12)

    def rows(n: int, shift: float = 0.0) -> pd.DataFrame:
        x = rng.normal(size=(n, 3))
        x[:, 0] += shift
        y = 2 * x[:, 0] + rng.normal(size=n) * (1 + np.abs(x[:, 1]))
        return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "pred": 2 * x[:, 0],
                             "y": y, "id": np.arange(n)})

    pact = Pact.model_validate({
        "name": "rg", "task": "regression", "columns": {"target": "y", "score": "pred", "id": "id"},
        "criteria": [{"metric": "mae", "at_most": 1.5}]})
    result = monitor(pact, rows(3000), rows(3000).drop(columns="y"), chunks=2,
                     multivariate=False)
    assert all(set(c.estimated) == {"mae"} for c in result.chunks)
    assert all(c.realized is None for c in result.chunks)  # no labels given
    assert {f["name"]: f["role"] for f in result.to_dict()["features"]}["pred"] == "score"
    assert result.alerts == ()


def test_weekly_chunks_on_the_pact_time_column(reference):
    rng = np.random.default_rng(13)
    analysis = make_rows(rng, 7 * 24 * 3, start_id=10**6)
    analysis["at"] = pd.date_range("2024-03-04", periods=len(analysis), freq="h")[::-1]
    pact = Pact.model_validate({**make_pact().model_dump(),
                                "columns": {**make_pact().columns.model_dump(), "time": "at"}})
    result = monitor(pact, reference, analysis, chunk_period="1w", multivariate=False,
                     estimate_performance=False)
    keys = [c.chunk.key for c in result.chunks]
    assert keys == ["2024-03-04", "2024-03-11", "2024-03-18"]
    assert all(c.chunk.n_rows == 7 * 24 for c in result.chunks)
    assert result.to_dict()["chunking"] == {"by": "period", "value": "1w", "min_share": 0.5,
                                            "n_chunks": 3}


def test_one_fifth_sd_shift_alerts_within_two_chunks_of_10000_rows_at_defaults():
    rng = np.random.default_rng(14)
    reference = make_rows(rng, 50_000)
    analysis = make_rows(rng, 20_000, shift=0.2, start_id=10**6)
    result = monitor(make_pact(), reference, analysis, chunk_size=10_000, multivariate=False,
                     estimate_performance=False)
    flagged = {a.chunk for a in result.alerts if a.kind == "drift" and a.feature == "x0"}
    assert flagged & {0, 1}
    assert {a.feature for a in result.alerts} <= {"x0", "score"}  # the score follows x0


def test_estimate_judges_the_decisions_in_the_prediction_column(reference):
    # the service decides at 0.8 while the pact's threshold stays at 0.5: CBPE must estimate
    # the decisions that were made, the ones realized performance judges
    def decided(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(decision=np.where(frame["score"] >= 0.8, "yes", "no"))

    data = make_pact().model_dump()
    data["columns"]["prediction"] = "decision"
    pact = Pact.model_validate(data)
    analysis = decided(make_rows(np.random.default_rng(11), 20_000, start_id=10**6))
    result = monitor(pact, decided(reference), analysis, chunks=2, multivariate=False)
    for chunk in result.chunks:
        rows = chunk.estimate_vs_realized()
        accuracy = next(r for r in rows if r["metric"] == "accuracy")
        assert accuracy["agree"], accuracy
        assert accuracy["estimated"] == pytest.approx(accuracy["realized"], abs=0.015)
        rows_of_chunk = analysis.iloc[chunk.chunk.start:chunk.chunk.stop]
        at_half = float(np.mean((rows_of_chunk["score"] >= 0.5) == (rows_of_chunk["label"] == "yes")))
        assert abs(accuracy["estimated"] - at_half) > 0.05  # not the threshold-0.5 decisions
    assert any("column 'decision'" in n for n in result.notes)


def test_estimate_and_realized_compared_on_the_same_labelled_rows(reference):
    # labels arrive only for confident rows (as outcomes do for approved applications): the
    # chunk-wide estimate describes other rows than the labelled ones realized performance sees
    rng = np.random.default_rng(14)
    analysis = make_rows(rng, 8000, start_id=10**6)
    confident = (analysis["score"] - 0.5).abs() > 0.3
    labels = analysis.loc[confident, ["id", "label"]]
    result = monitor(make_pact(), reference, analysis.drop(columns="label"), labels=labels,
                     chunks=2, multivariate=False)
    for chunk in result.chunks:
        assert 0 < chunk.realized.labelled_share < 1
        rows = {r["metric"]: r for r in chunk.estimate_vs_realized()}
        accuracy = rows["accuracy"]
        assert accuracy["estimated_on"] == "labelled rows"
        assert accuracy["agree"], accuracy
        assert accuracy["estimated"] == pytest.approx(accuracy["realized"], abs=0.02)
        # the whole chunk's estimate is of other rows: far from what the labels say
        assert abs(chunk.estimated["accuracy"].value - accuracy["realized"]) > 0.05
