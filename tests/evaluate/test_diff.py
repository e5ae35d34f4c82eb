"""diff(): disagreement, flips, slices, rules, and the training data diff (incl. adult)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score

from modelpact.errors import ColumnNotFoundError, ConfigurationError, ModelLoadError
from modelpact.evaluate.diff import DIFF_SCHEMA, describe_changes, diff, training_data_diff
from modelpact.report.diff import diff_html, diff_markdown


def _planted(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Data and two label vectors that differ mostly for sex = F and age < 30."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "id": np.arange(n),
            "sex": rng.choice(["F", "M"], n),
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50, 10, n),
            "y": rng.integers(0, 2, n),
        }
    )
    a = rng.integers(0, 2, n)
    region = ((data["sex"] == "F") & (data["age"] < 30)).to_numpy()
    flip = np.where(region, rng.random(n) < 0.5, rng.random(n) < 0.02)
    b = np.where(flip, 1 - a, a)
    return data, a, b


def test_describe_changes_names_the_planted_region() -> None:
    data, a, b = _planted()
    changed = a != b
    rules = describe_changes(data[["sex", "age", "income"]], changed)
    top = rules[0]
    assert set(top.conditions) == {"sex = F", "age ≤ 29"}
    region = ((data["sex"] == "F") & (data["age"] <= 29)).to_numpy()
    assert top.n == int(region.sum())
    assert top.flip_rate == pytest.approx(changed[region].mean())
    assert top.support == pytest.approx(region.mean())
    assert top.share_of_flips == pytest.approx(changed[region].sum() / changed.sum())
    assert " and ".join(top.conditions) + ": " in top.text
    assert top.text.endswith(
        f"{region.mean():.0%} of rows, {changed[region].mean():.0%} of their predictions changed"
    )


def test_describe_changes_without_changes_or_features() -> None:
    data, _, _ = _planted(200)
    assert describe_changes(data[["sex"]], np.zeros(200, bool)) == []
    everything = describe_changes(data[["sex"]], np.ones(200, bool))
    assert everything[0].conditions == () and everything[0].flip_rate == 1.0


def test_diff_of_prediction_tables_counts_flips_and_wilson() -> None:
    data, a, b = _planted(3000)
    preds_a = pd.DataFrame({"id": data["id"], "label": a}).sample(frac=1.0, random_state=1)
    preds_b = pd.DataFrame({"id": data["id"], "label": b}).sample(frac=1.0, random_state=2)
    result = diff(
        preds_a,
        preds_b,
        data,
        target="y",
        id="id",
        prediction="label",
        slices=["sex"],
        n_resamples=300,
    )
    k = int((a != b).sum())
    assert result.disagreement.count == k and result.n_rows == 3000
    ci = binomtest(k, 3000).proportion_ci(0.95, method="wilson")
    assert (result.disagreement.low, result.disagreement.high) == pytest.approx((ci.low, ci.high))
    table = pd.crosstab(a, b)
    counts = {(f.a, f.b): f.count for f in result.flips}
    for i in (0, 1):
        for j in (0, 1):
            assert counts.get((i, j), 0) == table.loc[i, j]
    overall = next(s for s in result.slices if s.column is None)
    y = data["y"].to_numpy()
    assert overall.a == pytest.approx(accuracy_score(y, a))
    assert overall.b == pytest.approx(accuracy_score(y, b))
    assert overall.difference == pytest.approx(accuracy_score(y, b) - accuracy_score(y, a))
    female = next(s for s in result.slices if s.column == "sex" and s.value == "F")
    mask = (data["sex"] == "F").to_numpy()
    assert female.n == int(mask.sum())
    assert female.flip_rate == pytest.approx((a != b)[mask].mean())
    top = result.rules[0].conditions
    assert "sex = F" in top
    assert any(c in top for c in ("age ≤ 28", "age ≤ 29", "age ≤ 30"))  # the cut is estimated


def test_regression_diff_reports_the_change_distribution() -> None:
    rng = np.random.default_rng(5)
    n = 1000
    data = pd.DataFrame({"x": rng.normal(size=n), "group": rng.choice(["a", "b"], n)})
    data["y"] = data["x"] * 2
    va = data["x"] * 2 + rng.normal(0, 0.1, n)
    vb = va + np.where(data["group"] == "b", 1.0, 0.0)
    result = diff(
        pd.DataFrame({"p": va}),
        pd.DataFrame({"p": vb}),
        data,
        target="y",
        prediction="p",
        task="regression",
        tolerance=0.5,
        n_resamples=300,
    )
    assert result.task == "regression" and result.changes is not None
    delta = (vb - va).to_numpy()
    quantiles = dict(result.changes.quantiles)
    assert quantiles[0.5] == pytest.approx(np.quantile(delta, 0.5))
    assert quantiles[0.95] == pytest.approx(np.quantile(delta, 0.95))
    assert result.disagreement.count == int((np.abs(delta) > 0.5).sum())
    assert result.rules[0].conditions == ("group = b",)
    overall = next(s for s in result.slices if s.column is None)
    assert overall.metric == "mae"


def test_training_data_diff_by_fingerprint() -> None:
    rng = np.random.default_rng(1)
    a = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], 600),
            "x": rng.normal(size=600),
            "y": rng.integers(0, 2, 600),
        }
    )
    b = a[a["sex"] == "M"].copy()
    b.loc[b.index[:10], "y"] = 1 - b.loc[b.index[:10], "y"]  # ten relabelled rows
    extra = pd.DataFrame({"sex": ["M"] * 5, "x": [100.0 + i for i in range(5)], "y": [1] * 5})
    b = pd.concat([b, extra], ignore_index=True)
    d = training_data_diff(a, b, target="y")
    n_female = int((a["sex"] == "F").sum())
    assert d.matched_by == "fingerprint"
    assert (d.rows_removed, d.rows_added, d.label_changes) == (n_female, 5, 10)
    assert d.removed_rules[0].conditions == ("sex = F",) and d.removed_rules[0].flip_rate == 1.0
    assert d.removed_traits[0].column == "sex" and d.removed_traits[0].value == "F"
    sex = next(f for f in d.drift if f.column == "sex")
    pa = a["sex"].value_counts(normalize=True).reindex(["F", "M"], fill_value=0)
    pb = b["sex"].value_counts(normalize=True).reindex(["F", "M"], fill_value=0)
    assert sex.js_distance == pytest.approx(jensenshannon(pa, pb, base=2))
    x = next(f for f in d.drift if f.column == "x")
    pooled = np.sqrt((a["x"].var() + b["x"].var()) / 2)
    assert x.smd == pytest.approx((b["x"].mean() - a["x"].mean()) / pooled)
    assert d.drift[0].column == "sex"  # the largest drift comes first
    assert json.loads(json.dumps(d.to_dict()))["rows_removed"] == n_female


def test_training_data_diff_counts_duplicates_as_a_multiset() -> None:
    a = pd.DataFrame({"x": [1, 1, 1, 2], "y": [0, 0, 0, 1]})
    b = pd.DataFrame({"x": [1, 2, 3], "y": [0, 1, 1]})
    d = training_data_diff(a, b, target="y")
    assert (d.rows_removed, d.rows_added, d.label_changes) == (2, 1, 0)


def test_training_data_diff_by_id() -> None:
    a = pd.DataFrame({"id": [1, 2, 3, 4], "x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]})
    b = pd.DataFrame({"id": [2, 3, 4, 5], "x": [2.0, 3.5, 4.0, 5.0], "y": [1, 1, 1, 0]})
    d = training_data_diff(a, b, target="y", id="id")
    assert d.matched_by == "id"
    assert (d.rows_removed, d.rows_added, d.label_changes, d.feature_changes) == (1, 1, 1, 1)


def test_diff_json_contract_and_reports() -> None:
    data, a, b = _planted(800)
    result = diff(
        pd.DataFrame({"l": a}),
        pd.DataFrame({"l": b}),
        data,
        target="y",
        prediction="l",
        slices=["sex"],
        train_a=data,
        train_b=data.iloc[:700],
        n_resamples=300,
    )
    doc = result.to_dict()
    assert doc["schema"] == DIFF_SCHEMA == "modelpact.diff/v1"
    assert set(doc) >= {"disagreement", "flips", "slices", "rules", "training_data_diff", "summary"}
    assert doc["training_data_diff"]["rows_removed"] == 100
    again = diff(
        pd.DataFrame({"l": a}),
        pd.DataFrame({"l": b}),
        data,
        target="y",
        prediction="l",
        slices=["sex"],
        train_a=data,
        train_b=data.iloc[:700],
        n_resamples=300,
    )
    assert json.dumps(doc) == json.dumps(again.to_dict())
    assert "Where predictions changed" in diff_markdown(result)
    assert "Training data diff" in diff_html(result)


def test_diff_bad_input() -> None:
    data, a, b = _planted(100)
    with pytest.raises(ConfigurationError, match="name its score or prediction column"):
        diff(pd.DataFrame({"l": a}), pd.DataFrame({"l": b}), data)
    with pytest.raises(ColumnNotFoundError, match="no column 'label'"):
        diff(pd.DataFrame({"l": a}), pd.DataFrame({"l": b}), data, prediction="label")
    with pytest.raises(ColumnNotFoundError, match="no column 'target'"):
        diff(pd.DataFrame({"l": a}), pd.DataFrame({"l": b}), data, prediction="l", target="target")

    class Broken:
        classes_ = np.array([0, 1])
        feature_names_in_ = np.array(["missing_feature"])

        def predict(self, X: Any) -> Any:
            return np.zeros(len(X))

    with pytest.raises(ModelLoadError, match="needs column 'missing_feature'"):
        diff(Broken(), Broken(), data, target="y")
    with pytest.raises(ConfigurationError, match="needs both training sets"):
        diff(
            pd.DataFrame({"l": a}),
            pd.DataFrame({"l": b}),
            data,
            prediction="l",
            target="y",
            train_a=data,
        )


# --- adult: a slice removed from training --------------------------------------------------


@pytest.mark.slow
def test_adult_removed_slice_is_named_by_rules_and_data_diff(
    shared_frame: Callable[[str], pd.DataFrame],
) -> None:
    """Two models that differ only in training data: B never saw a woman. The behaviour diff
    names sex = Female as where predictions changed; the training data diff names the
    removed rows behind it."""
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    train_a = shared_frame("adult-train.csv").sample(6000, random_state=0)
    test = shared_frame("adult-test.csv").sample(3000, random_state=0).reset_index(drop=True)
    train_b = train_a[train_a["sex"] != "Female"]
    # relationship and marital-status are near-copies of sex (Husband/Wife); leaving them out
    # makes sex itself the column the models use
    features = [c for c in train_a.columns if c not in ("class", "relationship", "marital-status")]

    def fit(frame: pd.DataFrame) -> Any:
        encode = ColumnTransformer(
            [
                (
                    "cat",
                    OrdinalEncoder(
                        handle_unknown="use_encoded_value",
                        unknown_value=-1,
                        encoded_missing_value=-1,
                    ),
                    make_column_selector(dtype_exclude="number"),
                )
            ],
            remainder="passthrough",
        )
        model = HistGradientBoostingClassifier(max_iter=40, random_state=0)
        return make_pipeline(encode, model).fit(frame[features], frame["class"])

    with threadpool_limits(1):
        model_a, model_b = fit(train_a), fit(train_b)
        result = diff(
            model_a,
            model_b,
            test,
            target="class",
            slices=["sex"],
            train_a=train_a,
            train_b=train_b,
            names=("v1", "v2"),
        )

    assert "sex = Female" in result.rules[0].conditions
    female_rules = [r for r in result.rules if "sex = Female" in r.conditions]
    assert sum(r.share_of_flips for r in female_rules) >= 0.3
    by_sex = {s.value: s for s in result.slices if s.column == "sex" and s.metric == "accuracy"}
    assert by_sex["Female"].flip_rate > 2 * by_sex["Male"].flip_rate
    data_diff = result.data_diff
    assert data_diff is not None
    assert data_diff.rows_removed == int((train_a["sex"] == "Female").sum())
    assert data_diff.rows_added == 0 and data_diff.label_changes == 0
    assert data_diff.removed_rules[0].conditions == ("sex = Female",)
    assert data_diff.removed_rules[0].flip_rate == 1.0
    assert data_diff.drift[0].column == "sex"
    summary = " ".join(result.summary_lines())
    assert "sex = Female" in summary and "removed" in summary


@pytest.mark.parametrize("threshold", [0.1, 0.5, 0.9])
def test_diff_of_fitted_models_applies_the_threshold(threshold: float) -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    n = 1500
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    data["y"] = (data["x1"] + 0.7 * data["x2"] + rng.normal(scale=1.5, size=n) > 0).astype(int)
    model_a = LogisticRegression().fit(data[["x1"]], data["y"])
    model_b = LogisticRegression().fit(data[["x1", "x2"]], data["y"])
    score_a = model_a.predict_proba(data[["x1"]])[:, 1]
    score_b = model_b.predict_proba(data[["x1", "x2"]])[:, 1]
    expected = int(((score_a >= threshold) != (score_b >= threshold)).sum())

    result = diff(model_a, model_b, data, target="y", threshold=threshold, n_resamples=300)

    assert result.disagreement.count == expected
    # the same models as prediction tables: one answer, whichever way they are given
    tables = diff(
        pd.DataFrame({"p": score_a}),
        pd.DataFrame({"p": score_b}),
        data,
        target="y",
        score="p",
        threshold=threshold,
        n_resamples=300,
    )
    assert tables.disagreement.count == expected
    assert [(f.a, f.b, f.count) for f in result.flips] == [
        (f.a, f.b, f.count) for f in tables.flips
    ]


def test_diff_takes_its_defaults_from_a_pact_file(tmp_path: Any) -> None:
    rng = np.random.default_rng(5)
    n = 600
    data = pd.DataFrame({"row_id": np.arange(n), "g": rng.choice(["a", "b"], n)})
    data["label"] = rng.integers(0, 2, n)
    score_a = rng.random(n)
    score_b = np.clip(score_a + rng.normal(scale=0.2, size=n), 0, 1)
    pact_file = tmp_path / "pact.yaml"
    pact_file.write_text(
        "name: p\ntask: binary\npositive_class: 1\nthreshold: 0.8\n"
        "columns: {target: label, score: s, id: row_id, slices: [g]}\n"
        "criteria:\n  - {metric: accuracy, at_least: 0.5}\n"
    )
    tables = [pd.DataFrame({"row_id": data["row_id"], "s": s}) for s in (score_a, score_b)]

    result = diff(*tables, data, pact=pact_file, n_resamples=300)

    assert result.disagreement.count == int(((score_a >= 0.8) != (score_b >= 0.8)).sum())
    assert {s.column for s in result.slices} == {None, "g"}
    overridden = diff(*tables, data, pact=pact_file, threshold=0.5, n_resamples=300)
    assert overridden.disagreement.count == int(((score_a >= 0.5) != (score_b >= 0.5)).sum())


def test_diff_of_fitted_models_without_labels_and_with_three_classes() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(7)
    n = 900
    data = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    label = np.where(data["x1"] > 0.5, "high", np.where(data["x1"] < -0.5, "low", "mid"))
    data["y"] = label
    a = LogisticRegression().fit(data[["x1"]], data["y"])
    b = LogisticRegression().fit(data[["x1", "x2"]], data["y"])
    # multiclass: the class with the highest probability, as the models' own predict says
    result = diff(a, b, data, target="y", n_resamples=300)
    pred_a, pred_b = a.predict(data[["x1"]]), b.predict(data[["x1", "x2"]])
    assert result.task == "multiclass"
    assert result.disagreement.count == int((pred_a != pred_b).sum())
    flips = {(f.a, f.b): f.count for f in result.flips}
    crosstab = pd.crosstab(pred_a, pred_b)
    assert flips == {(i, j): int(crosstab.loc[i, j]) for i in crosstab.index
                     for j in crosstab.columns if crosstab.loc[i, j]}

    # binary without labels: the positive class is the models' second class
    binary = data.assign(y=(data["x1"] + rng.normal(size=n) > 0).astype(int))
    a2 = LogisticRegression().fit(binary[["x1"]], binary["y"])
    b2 = LogisticRegression().fit(binary[["x1", "x2"]], binary["y"])
    unlabelled = binary.drop(columns="y")
    p_a = a2.predict_proba(unlabelled[["x1"]])[:, 1]
    p_b = b2.predict_proba(unlabelled[["x1", "x2"]])[:, 1]
    got = diff(a2, b2, unlabelled, threshold=0.3, n_resamples=300)
    assert got.task == "binary" and not got.slices
    assert got.disagreement.count == int(((p_a >= 0.3) != (p_b >= 0.3)).sum())
