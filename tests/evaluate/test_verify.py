from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, log_loss, recall_score, roc_auc_score

from modelpact.errors import ColumnNotFoundError, InvalidDataError
from modelpact.evaluate import evaluate_criteria, verify
from modelpact.evaluate.verdict import decide, overall
from modelpact.pact import Pact, parse_pact
from modelpact.report.json import dumps

from .conftest import binary_frame


def test_estimates_equal_scikit_learn(binary_pact: Pact) -> None:
    frame = binary_frame(3000)
    verdict = verify(binary_pact, frame)
    by_label = {c.label: c for c in verdict.criteria}
    y, p = frame["y"].to_numpy(), frame["p"].to_numpy()
    assert by_label["roc_auc >= 0.8"].estimate == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert by_label["log_loss <= 0.6"].estimate == pytest.approx(log_loss(y, p), abs=1e-12)
    eu = frame["region"] == "EU"
    assert by_label["recall >= 0.6 [region=EU]"].estimate == pytest.approx(
        recall_score(y[eu], p[eu] >= 0.5), abs=1e-12
    )
    assert by_label["recall >= 0.6 [region=EU]"].n == int(eu.sum())
    # paired difference against the prior baseline, which predicts the majority class
    diff = by_label["accuracy improves on baseline by 0.1"]
    majority = int(np.bincount(y).argmax())
    expected = accuracy_score(y, p >= 0.5) - accuracy_score(y, np.full_like(y, majority))
    assert diff.estimate == pytest.approx(expected, abs=1e-12)
    assert diff.kind == "superiority" and diff.reference == "baseline"


def test_strong_model_is_signed_off_with_exit_code_zero(binary_pact: Pact) -> None:
    verdict = verify(binary_pact, binary_frame(5000, separation=2.0))
    assert [c.status for c in verdict.criteria] == ["pass"] * 4
    assert verdict.verdict == "signed_off" and verdict.exit_code == 0


def test_weak_model_fails(binary_pact: Pact) -> None:
    verdict = verify(binary_pact, binary_frame(5000, separation=0.3))
    assert verdict.verdict == "failed" and verdict.exit_code == 1
    assert verdict.criteria[0].status == "fail"
    assert verdict.criteria[0].ci[1] < 0.8


def test_small_sample_is_inconclusive_with_rows_needed() -> None:
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: roc_auc, at_least: 0.85}]\n"
    )
    # true AUC of separation 1.5 is Phi(1.5/sqrt(2)) ~ 0.856: just above the threshold
    verdict = verify(pact, binary_frame(150, seed=3))
    (result,) = verdict.criteria
    assert result.status == "inconclusive" and verdict.exit_code == 3
    assert result.ci[0] < 0.85 < result.ci[1]
    assert result.n_needed is not None and result.n_needed > 150


def test_one_sided_bounds_use_twice_alpha() -> None:
    """Each bound of an at_least criterion is a one-sided 95% bound = a two-sided 90% interval."""
    from modelpact import stats

    frame = binary_frame(800, seed=1)
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: accuracy, at_least: 0.5}]\n"
    )
    (result,) = verify(pact, frame).criteria
    y, p = frame["y"].to_numpy(), (frame["p"].to_numpy() >= 0.5).astype(int)
    two_sided_90 = stats.metric_interval("accuracy", y, p, confidence=0.90)
    assert result.ci == pytest.approx((two_sided_90.low, two_sided_90.high))


def test_gate_false_pass_rate_is_at_most_alpha() -> None:
    """When the true metric equals the threshold, a pass is a false pass: at most ~5%."""
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: accuracy, at_least: 0.8}]\n"
    )
    rng = np.random.default_rng(7)
    passes = 0
    reps = 300
    for _ in range(reps):
        y = rng.integers(0, 2, 400)
        correct = rng.random(400) < 0.8  # true accuracy exactly 0.8
        pred = np.where(correct, y, 1 - y)
        frame = pd.DataFrame({"y": y, "p": pred.astype(float)})
        passes += verify(pact, frame, n_resamples=200).criteria[0].status == "pass"
    # binomial(300, 0.05): mean 15, sd 3.8; allow 3 sd
    assert passes / reps <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / reps)


@pytest.mark.slow
def test_n_needed_is_honest() -> None:
    """At the advertised n_needed, about 80% of fresh evaluations are conclusive."""
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: roc_auc, at_least: 0.83}]\n"
    )
    (first,) = verify(pact, binary_frame(300, seed=11)).criteria
    assert first.status == "inconclusive" and first.n_needed is not None
    conclusive = 0
    reps = 60
    for seed in range(reps):
        (again,) = verify(pact, binary_frame(first.n_needed, seed=1000 + seed)).criteria
        conclusive += again.status == "pass"
    # the planning estimate came from a noisy pilot, so accept a wide band around 80%
    assert 0.45 <= conclusive / reps <= 1.0


def test_same_seed_gives_byte_identical_json(binary_pact: Pact) -> None:
    frame = binary_frame(1000)
    a = dumps(verify(binary_pact, frame, seed=5).to_dict())
    b = dumps(verify(binary_pact, frame, seed=5).to_dict())
    assert a == b


def test_verdict_json_contract(binary_pact: Pact) -> None:
    document = json.loads(dumps(verify(binary_pact, binary_frame(1000)).to_dict()))
    assert document["schema"] == "modelpact.verdict/v1"
    assert document["verdict"] in {"signed_off", "failed", "inconclusive"}
    assert isinstance(document["n_rows"], int)
    for item in document["criteria"]:
        assert {
            "metric",
            "slice",
            "kind",
            "threshold",
            "estimate",
            "ci",
            "confidence",
            "status",
            "n",
            "n_needed",
        } <= set(item)
        assert item["status"] in {"pass", "fail", "inconclusive"}
        assert len(item["ci"]) == 2 and item["ci"][0] <= item["estimate"] <= item["ci"][1]


def test_small_slice_cannot_pass() -> None:
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p, slices: [region]}\n"
        "criteria: [{metric: accuracy, slice: {region: APAC}, at_least: 0.5}]\n"
        "data: {min_rows_per_slice: 100000}\n"
    )
    (result,) = verify(pact, binary_frame(2000, separation=2.5)).criteria
    assert result.status == "inconclusive"
    assert result.n_needed == 100000 and "fewer than" in (result.note or "")


def test_champion_criterion_is_skipped_without_champion_and_decided_with_one() -> None:
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria:\n  - {metric: roc_auc, at_least: 0.7}\n"
        "  - {metric: roc_auc, vs_champion: no_worse, margin: 0.02}\n"
    )
    frame = binary_frame(3000)
    verdict = verify(pact, frame)
    assert len(verdict.criteria) == 1 and verdict.skipped
    frame["old"] = np.clip(frame["p"] + np.random.default_rng(0).normal(0, 0.05, len(frame)), 0, 1)
    verdict = verify(pact, frame, champion="column:old")
    assert len(verdict.criteria) == 2
    assert verdict.criteria[1].reference == "champion"
    assert verdict.criteria[1].direction == "at_least" and verdict.criteria[1].threshold == -0.02


def test_loss_improvement_direction() -> None:
    """Improving a loss by d means candidate − baseline <= −d."""
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: log_loss, vs_baseline: improve, by: 0.1}]\n"
    )
    (result,) = verify(pact, binary_frame(3000)).criteria
    assert result.direction == "at_most" and result.threshold == -0.1
    assert result.estimate < -0.1 and result.status == "pass"


def test_regression_against_mean_baseline() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    y = 3 * x + rng.normal(size=2000)
    frame = pd.DataFrame({"y": y, "pred": 3 * x})
    pact = parse_pact(
        "name: r\ntask: regression\ncolumns: {target: y, score: pred}\n"
        "criteria:\n  - {metric: r2, at_least: 0.8}\n  - {metric: mae, vs_baseline: improve, by: 1.0}\n"
    )
    verdict = verify(pact, frame, train=frame.sample(500, random_state=0))
    assert verdict.verdict == "signed_off"
    assert "mean of the target on the training data" in verdict.baseline


def test_multiclass_from_probability_columns() -> None:
    rng = np.random.default_rng(0)
    n, k = 3000, 3
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 2.5 * np.eye(k)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    names = ["cat", "dog", "fox"]
    frame = pd.DataFrame(
        {"label": np.array(names)[y], **{f"p_{c}": proba[:, i] for i, c in enumerate(names)}}
    )
    pact = parse_pact(
        "name: m\ntask: multiclass\nclasses: [cat, dog, fox]\n"
        "columns: {target: label, score: {cat: p_cat, dog: p_dog, fox: p_fox}}\n"
        "criteria:\n  - {metric: accuracy, at_least: 0.6}\n  - {metric: f1_macro, at_least: 0.6}\n"
        "  - {metric: log_loss, at_most: 1.0}\n"
    )
    verdict = verify(pact, frame)
    assert verdict.criteria[0].estimate == pytest.approx(accuracy_score(y, proba.argmax(1)))
    assert verdict.criteria[2].estimate == pytest.approx(log_loss(y, proba))
    assert verdict.confusion is not None and len(verdict.confusion) == 3


def test_model_file_predicts(tmp_path, binary_pact: Pact) -> None:  # type: ignore[no-untyped-def]
    import joblib
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n = 2000
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": y})
    model = LogisticRegression().fit(frame[["a", "b"]], frame["y"])
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y}\n"
        "criteria: [{metric: roc_auc, at_least: 0.8}]\n"
    )
    (result,) = verify(pact, frame, model=str(path)).criteria
    assert result.estimate == pytest.approx(
        roc_auc_score(y, model.predict_proba(frame[["a", "b"]])[:, 1])
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f.rename(columns={"p": "pp"}), "no column 'p' \\(the score\\); did you mean"),
        (lambda f: f.assign(p=f["p"] * 2), "probability scores must lie in \\[0, 1\\]"),
        (
            lambda f: f.assign(p=f["p"].where(f.index != 5)),
            "column 'p' \\(score\\) has 1 non-finite",
        ),
        (lambda f: f.assign(y=f["y"] + 5), "never equals the pact's positive_class"),
        (lambda f: f.assign(y=f.index % 3), "more than two labels"),
        (lambda f: f.assign(region="XX"), "slice region=EU matches no rows"),
    ],
)
def test_bad_input_names_file_and_column(binary_pact: Pact, mutate, message) -> None:  # type: ignore[no-untyped-def]
    frame = mutate(binary_frame(500))
    with pytest.raises(InvalidDataError, match=message):
        verify(binary_pact, frame)


def test_single_class_target_for_auc_is_a_clear_error() -> None:
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: roc_auc, at_least: 0.8}]\n"
    )
    frame = pd.DataFrame({"y": [1] * 50, "p": np.linspace(0, 1, 50)})
    with pytest.raises(InvalidDataError, match=r"column 'y'.*both classes"):
        verify(pact, frame)


def test_missing_column_is_column_not_found(binary_pact: Pact) -> None:
    with pytest.raises(ColumnNotFoundError, match="no column 'y'"):
        verify(binary_pact, binary_frame(100).drop(columns="y"))


def test_evaluate_criteria_matches_verify(binary_pact: Pact) -> None:
    frame = binary_frame(1000)
    assert evaluate_criteria(binary_pact, frame) == list(verify(binary_pact, frame).criteria)


@given(low=st.floats(0, 1), width=st.floats(0, 1), t1=st.floats(0, 1), t2=st.floats(0, 1))
@settings(max_examples=200, deadline=None)
def test_decision_is_monotone_in_the_threshold(
    low: float, width: float, t1: float, t2: float
) -> None:
    """Raising an at_least threshold can only make the verdict worse."""
    high = low + width
    order = {"fail": 0, "inconclusive": 1, "pass": 2}
    lo_t, hi_t = sorted((t1, t2))
    assert order[decide(low, high, hi_t, "at_least")] <= order[decide(low, high, lo_t, "at_least")]
    assert order[decide(low, high, lo_t, "at_most")] <= order[decide(low, high, hi_t, "at_most")]


def test_overall_needs_every_criterion_to_pass() -> None:
    assert overall(["pass", "pass"]) == "signed_off"
    assert overall(["pass", "inconclusive"]) == "inconclusive"
    assert overall(["inconclusive", "fail"]) == "failed"
    assert overall([]) == "inconclusive"


def test_accepts_polars_frames(binary_pact: Pact) -> None:
    import polars as pl

    frame = binary_frame(1000)
    from_polars = verify(binary_pact, pl.from_pandas(frame))
    assert from_polars.source == "<DataFrame>"
    assert from_polars.to_dict()["criteria"] == verify(binary_pact, frame).to_dict()["criteria"]


def test_skops_model_needs_trusted_types_or_loads_safely(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    frame = binary_frame(1500)
    model = LogisticRegression().fit(frame[["p"]], frame["y"])
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y}\n"
        "criteria: [{metric: roc_auc, at_least: 0.8}]\n"
    )
    (result,) = verify(pact, frame, model=str(path)).criteria
    assert result.estimate == pytest.approx(
        roc_auc_score(frame["y"], model.predict_proba(frame[["p"]])[:, 1])
    )


def test_calibrated_model_never_fails_an_ece_criterion() -> None:
    """The binned ECE is biased upwards; its interval must still reach down to the truth 0."""
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p}\n"
        "criteria: [{metric: ece, at_most: 0.005}]\n"
    )
    rng = np.random.default_rng(12)
    fails = 0
    for _ in range(40):
        p = rng.uniform(0.05, 0.9, 300)
        frame = pd.DataFrame({"y": (rng.random(300) < p).astype(int), "p": p})
        (result,) = verify(pact, frame).criteria
        assert result.estimate > 0.005  # the biased estimate alone would fail it
        fails += result.status == "fail"
    assert fails <= 6  # one-sided 5%: binomial(40, 0.05) exceeds 6 with probability < 1%


def test_skewed_loss_on_few_rows_is_inconclusive_by_design() -> None:
    """Heteroscedastic errors: the RMSE's interval cannot be trusted on 100 rows."""
    pact = parse_pact(
        "name: t\ntask: regression\ncolumns: {target: y, prediction: p}\n"
        "criteria: [{metric: rmse, at_most: 40.0}]\n"
    )
    rng = np.random.default_rng(3)
    x = rng.normal(size=100)
    noise = rng.normal(size=100) * (0.5 + np.abs(x)) ** 2
    frame = pd.DataFrame({"y": x, "p": x + noise})
    (result,) = verify(pact, frame).criteria
    assert result.ci[1] < 40.0  # the interval alone would pass it
    assert result.status == "inconclusive"
    assert result.note is not None and "skewness" in result.note
    assert result.n_needed is not None and result.n_needed > 100


def test_paired_f1_with_few_positives_is_inconclusive_by_design() -> None:
    pact = parse_pact(
        "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, prediction: p}\n"
        "criteria: [{metric: f1, vs_champion: no_worse, margin: 0.5}]\n"
    )
    rng = np.random.default_rng(4)
    y = (rng.random(400) < 0.03).astype(int)
    frame = pd.DataFrame({"y": y, "p": y, "c": np.where(rng.random(400) < 0.9, y, 1 - y)})
    (result,) = verify(pact, frame, champion="column:c").criteria
    assert result.status == "inconclusive"
    assert result.note is not None and "positive rows" in result.note
    assert result.n_needed is not None and result.n_needed >= 400 * 30 // int(y.sum())
