"""compare(): pairing, leaderboard numbers against scikit-learn, Holm, and real-data separation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, roc_auc_score

from modelpact.errors import ColumnNotFoundError, ConfigurationError, InvalidDataError
from modelpact.evaluate.compare import COMPARE_SCHEMA, compare, holm_adjust, interval_p_value
from modelpact.pact import parse_pact
from modelpact.report.compare import compare_html, compare_markdown, compare_summary


def _frames(n: int = 1500, seed: int = 0) -> dict[str, pd.DataFrame]:
    """A strong model, a copy of it with tiny noise, and a weak one, on the same labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    signal = rng.normal(size=n) + 1.2 * y
    strong = 1 / (1 + np.exp(-(signal - 0.6)))
    twin = 1 / (1 + np.exp(-(signal - 0.6 + rng.normal(0, 0.02, n))))
    weak = 1 / (1 + np.exp(-(signal + rng.normal(0, 2.5, n) - 0.6) / 2))
    ids = np.arange(n) * 7 + 3
    return {
        name: pd.DataFrame({"id": ids, "y": y, "p": p})
        for name, p in (("strong", strong), ("twin", twin), ("weak", weak))
    }


# --- Holm -------------------------------------------------------------------------------


def _holm_slow(p: list[float]) -> list[float]:
    """Holm by its definition: adjusted p_(i) = max over j <= i of min(1, (m - j + 1) p_(j))."""
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=0, max_size=12))
def test_holm_matches_its_definition(p: list[float]) -> None:
    assert holm_adjust(p) == pytest.approx(_holm_slow(p), abs=1e-12)


def test_holm_rejects_what_bonferroni_does_and_more() -> None:
    p = [0.01, 0.02, 0.04]
    bonferroni = [min(1.0, 3 * v) for v in p]
    adjusted = holm_adjust(p)
    assert adjusted == pytest.approx([0.03, 0.04, 0.04])
    assert all(h <= b for h, b in zip(adjusted, bonferroni, strict=True))
    # at 0.05 Bonferroni separates one hypothesis, Holm all three
    assert sum(b < 0.05 for b in bonferroni) == 1
    assert sum(h < 0.05 for h in adjusted) == 3


def test_interval_p_value_is_wald_for_symmetric_intervals() -> None:
    from scipy.stats import norm

    z = norm.ppf(0.975)
    assert interval_p_value(0.1, 0.1 - z * 0.05, 0.1 + z * 0.05, 0.95) == pytest.approx(
        2 * norm.sf(2.0)
    )
    assert interval_p_value(0.0, 0.0, 0.0, 0.95) == 1.0
    assert interval_p_value(-0.2, -0.3, -0.2, 0.95) == 0.0  # degenerate side, zero excluded


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1, 1, allow_nan=False),
    st.floats(0.0001, 1),
    st.floats(0.0001, 1),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_interval_p_value_agrees_with_the_interval(
    estimate: float, below: float, above: float, confidence: float
) -> None:
    low, high = estimate - below, estimate + above
    excludes = low > 0 or high < 0
    p = interval_p_value(estimate, low, high, confidence)
    assert 0.0 <= p <= 1.0
    # at the nominal level the test and the interval decide alike (away from the boundary)
    if abs(low) > 1e-9 and abs(high) > 1e-9:
        assert (p < 1 - confidence) == excludes


# --- numbers against scikit-learn ---------------------------------------------------------


def test_estimates_and_differences_equal_scikit_learn() -> None:
    frames = _frames()
    result = compare(
        frames,
        target="y",
        score="p",
        id="id",
        metrics=["roc_auc", "log_loss", "accuracy"],
        n_resamples=300,
    )
    y = frames["strong"]["y"].to_numpy()
    for name, frame in frames.items():
        p = frame["p"].to_numpy()
        assert result.board("roc_auc").estimate(name).estimate == pytest.approx(roc_auc_score(y, p))
        assert result.board("log_loss").estimate(name).estimate == pytest.approx(log_loss(y, p))
        assert result.board("accuracy").estimate(name).estimate == pytest.approx(
            accuracy_score(y, (p >= 0.5).astype(int))
        )
    auc = result.board("roc_auc")
    assert auc.best == "strong" or auc.best == "twin"
    for d in auc.vs_best:
        expected = roc_auc_score(y, frames[d.model]["p"]) - roc_auc_score(y, frames[auc.best]["p"])
        assert d.difference == pytest.approx(expected)
        assert d.low <= d.difference <= d.high
        assert d.method == "paired-delong"
    # twin is a near copy of strong: not separable; weak is far behind
    assert set(auc.indistinguishable_from_best) == {"strong", "twin"}
    weak = auc.versus_best("weak")
    assert weak is not None and weak.distinguishable and weak.high < 0


def test_rows_are_paired_by_id_not_by_position() -> None:
    frames = _frames(800)
    shuffled = {k: v.sample(frac=1.0, random_state=i) for i, (k, v) in enumerate(frames.items())}
    a = compare(frames, target="y", score="p", id="id", metrics=["roc_auc", "brier"])
    b = compare(shuffled, target="y", score="p", id="id", metrics=["roc_auc", "brier"])
    for metric in ("roc_auc", "brier"):
        for model in frames:
            assert b.board(metric).estimate(model).estimate == pytest.approx(
                a.board(metric).estimate(model).estimate
            )
        assert [d.difference for d in b.board(metric).vs_best] == pytest.approx(
            [d.difference for d in a.board(metric).vs_best]
        )


def test_prior_baseline_is_the_constant_prevalence() -> None:
    frames = _frames(600)
    result = compare(frames, target="y", score="p", id="id", metrics=["roc_auc", "log_loss"])
    y = frames["strong"]["y"].to_numpy()
    assert result.baseline == "baseline (prior)" and result.baseline_kind == "prior"
    board = result.board("log_loss")
    assert board.estimate(result.baseline).estimate == pytest.approx(
        log_loss(y, np.full(y.size, y.mean()))
    )
    assert result.board("roc_auc").estimate(result.baseline).estimate == pytest.approx(0.5)
    # the baseline is not a contender for best and is not compared with itself
    assert all(d.model != result.baseline for d in board.vs_baseline)
    strong = result.board("roc_auc").versus_baseline("strong")
    assert strong is not None and strong.low > 0 and strong.better and strong.distinguishable


def test_a_named_model_can_be_the_baseline() -> None:
    frames = _frames(600)
    result = compare(frames, target="y", score="p", id="id", metrics=["roc_auc"], baseline="weak")
    board = result.board("roc_auc")
    assert result.baseline == "weak" and result.baseline_kind == "model"
    assert {d.model for d in board.vs_baseline} == {"strong", "twin"}


def test_regression_compare_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=500) * 3
    frames = {
        "close": pd.DataFrame({"id": range(500), "y": y, "yhat": y + rng.normal(0, 0.5, 500)}),
        "far": pd.DataFrame({"id": range(500), "y": y, "yhat": y + rng.normal(0, 2.0, 500)}),
    }
    result = compare(frames, target="y", prediction="yhat", id="id", n_resamples=300)
    assert result.task == "regression" and result.metrics == ("rmse", "mae", "r2")
    rmse = result.board("rmse")
    assert rmse.best == "close"
    assert rmse.estimate("far").estimate == pytest.approx(
        np.sqrt(mean_squared_error(y, frames["far"]["yhat"]))
    )
    assert result.baseline_kind == "mean"


def test_pact_supplies_columns_and_metrics(tmp_path: Path) -> None:
    frames = _frames(500)
    pact = parse_pact(
        """
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p, id: id}
confidence: 0.9
criteria:
  - {metric: roc_auc, at_least: 0.7}
  - {metric: brier, at_most: 0.3}
"""
    )
    result = compare(frames, pact=pact)
    assert result.metrics == ("roc_auc", "brier")
    assert result.confidence == 0.9
    assert result.target == "y" and result.id_column == "id"
    # a pact file works as well as a Pact
    pact_file = tmp_path / "pact.yaml"
    pact_file.write_text(pact.model_dump_json())
    from_file = compare(frames, pact=pact_file)
    assert from_file.to_dict() == result.to_dict()


def test_json_contract_and_reproducibility() -> None:
    frames = _frames(400)
    one = compare(
        frames,
        target="y",
        score="p",
        id="id",
        metrics=["roc_auc", "pr_auc"],
        seed=7,
        n_resamples=300,
    )
    two = compare(
        frames,
        target="y",
        score="p",
        id="id",
        metrics=["roc_auc", "pr_auc"],
        seed=7,
        n_resamples=300,
    )
    doc = one.to_dict()
    assert doc["schema"] == COMPARE_SCHEMA == "modelpact.compare/v1"
    assert doc["correction"]["method"] == "holm" and doc["correction"]["adjusts"] == "p_values"
    assert [m["name"] for m in doc["models"]][:3] == list(one.models[:3])
    entry = doc["metrics"][0]
    assert set(entry) >= {
        "metric",
        "best",
        "indistinguishable_from_best",
        "estimates",
        "vs_best",
        "vs_baseline",
    }
    assert set(entry["vs_best"][0]) >= {
        "model",
        "reference",
        "difference",
        "ci",
        "p_value",
        "p_holm",
        "distinguishable",
    }
    assert json.dumps(doc) == json.dumps(two.to_dict())
    frame = one.to_frame()
    assert set(frame["metric"]) == {"roc_auc", "pr_auc"}
    assert "compare" in compare_markdown(one) and "<html" in compare_html(one).lower()
    assert compare_summary(one)[0].startswith("roc_auc: best")


# --- bad input ----------------------------------------------------------------------------


def test_ids_that_do_not_match_are_an_error_with_counts() -> None:
    frames = _frames(300)
    frames["weak"] = frames["weak"].iloc[:-25]
    with pytest.raises(InvalidDataError, match=r"do not match: 275 id\(s\) are in every file"):
        compare(frames, target="y", score="p", id="id")
    partial = compare(
        frames, target="y", score="p", id="id", allow_partial=True, metrics=["roc_auc"]
    )
    assert partial.n_rows == 275
    assert partial.rows_dropped == {"strong": 25, "twin": 25, "weak": 0}
    assert any("partial join" in note for note in partial.notes)


def test_no_shared_ids_and_type_mismatch() -> None:
    frames = _frames(100)
    frames["weak"] = frames["weak"].assign(id=frames["weak"]["id"].astype(str))
    with pytest.raises(InvalidDataError, match="different types"):
        compare(frames, target="y", score="p", id="id", allow_partial=True)


def test_duplicate_ids_missing_columns_and_label_disagreement() -> None:
    frames = _frames(100)
    dup = dict(frames, weak=frames["weak"].assign(id=[1] * 100))
    with pytest.raises(InvalidDataError, match="duplicate id"):
        compare(dup, target="y", score="p", id="id")
    with pytest.raises(ColumnNotFoundError, match="no column 'score'"):
        compare(frames, target="y", score="score", id="id")
    relabelled = dict(frames, weak=frames["weak"].assign(y=1 - frames["weak"]["y"]))
    with pytest.raises(InvalidDataError, match="target column 'y' differs"):
        compare(relabelled, target="y", score="p", id="id")
    with pytest.raises(ConfigurationError, match="unknown metric 'roc_acu'; did you mean"):
        compare(frames, target="y", score="p", id="id", metrics=["roc_acu"])
    with pytest.raises(ConfigurationError, match="needs a score column"):
        compare(
            {k: v.assign(label=(v["p"] > 0.5).astype(int)) for k, v in frames.items()},
            target="y",
            prediction="label",
            id="id",
            metrics=["roc_auc"],
        )
    with pytest.raises(ConfigurationError, match="at least two models"):
        compare({"one": frames["weak"]}, target="y", score="p", id="id", baseline="none")


# --- statistics by simulation --------------------------------------------------------------


@pytest.mark.slow
def test_holm_keeps_familywise_false_separation_near_alpha() -> None:
    """Four exchangeable models (same quality): 'some model separated from the best' should
    happen in about alpha of the experiments or less (the best is chosen post hoc, Holm
    corrects for the three comparisons)."""
    rng = np.random.default_rng(11)
    n, reps, hits = 300, 120, 0
    for _ in range(reps):
        y = rng.integers(0, 2, n)
        latent = rng.normal(size=n) + y
        frames = {
            f"m{k}": pd.DataFrame(
                {"id": np.arange(n), "y": y, "p": 1 / (1 + np.exp(-(latent + rng.normal(0, 1, n))))}
            )
            for k in range(4)
        }
        board = compare(
            frames, target="y", score="p", id="id", metrics=["roc_auc"], baseline="none"
        ).board("roc_auc")
        hits += len(board.indistinguishable_from_best) < 4
    # picking the best post hoc inflates the error a little; Holm keeps it in check
    assert hits / reps <= 0.12


# --- real data ---------------------------------------------------------------------------


@pytest.mark.slow
def test_adult_better_model_separated_and_two_seeds_tied(
    shared_frame: Callable[[str], pd.DataFrame],
) -> None:
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder, StandardScaler
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    train = shared_frame("adult-train.csv").sample(8000, random_state=0)
    test = shared_frame("adult-test.csv").sample(4000, random_state=1).reset_index(drop=True)
    test["row_id"] = np.arange(len(test))
    features = [c for c in train.columns if c != "class"]

    def boosted(seed: int) -> object:
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
        # early stopping on a seeded validation split: two seeds, two slightly different models
        model = HistGradientBoostingClassifier(
            max_iter=80, early_stopping=True, validation_fraction=0.2, random_state=seed
        )
        return make_pipeline(encode, model).fit(train[features], train["class"])

    with threadpool_limits(1):
        seed0, seed1 = boosted(0), boosted(1)
        simple = make_pipeline(StandardScaler(), LogisticRegression()).fit(
            train[["age", "hoursperweek"]], train["class"]
        )
        frames = {
            "gbm_seed0": test.assign(p=seed0.predict_proba(test[features])[:, 1]),  # type: ignore[attr-defined]
            "gbm_seed1": test.assign(p=seed1.predict_proba(test[features])[:, 1]),  # type: ignore[attr-defined]
            "simple": test.assign(p=simple.predict_proba(test[["age", "hoursperweek"]])[:, 1]),
        }
    frames = {k: v[["row_id", "class", "p"]] for k, v in frames.items()}
    assert not np.allclose(frames["gbm_seed0"]["p"], frames["gbm_seed1"]["p"])
    result = compare(
        frames,
        target="class",
        score="p",
        id="row_id",
        metrics=["roc_auc", "log_loss"],
        baseline="simple",
    )
    for metric in ("roc_auc", "log_loss"):
        board = result.board(metric)
        for seed in ("gbm_seed0", "gbm_seed1"):
            versus = board.versus_baseline(seed)
            assert versus is not None and versus.better and versus.excludes_zero
            assert versus.distinguishable
        assert set(board.indistinguishable_from_best) == {"gbm_seed0", "gbm_seed1"}


def test_multiclass_compare_from_probability_columns_and_labels() -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(4)
    n, classes = 900, ["cat", "dog", "eel"]
    y = rng.choice(classes, n)
    frames = {}
    for name, noise in (("sharp", 0.5), ("blurry", 3.0)):
        logits = rng.normal(0, noise, (n, 3)) + 2.0 * (y[:, None] == np.array(classes))
        proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        frames[name] = pd.DataFrame(
            {"id": range(n), "y": y, **{f"p_{c}": proba[:, i] for i, c in enumerate(classes)}}
        )
    score = {c: f"p_{c}" for c in classes}
    result = compare(
        frames,
        target="y",
        score=score,
        id="id",
        metrics=["accuracy", "f1_macro", "log_loss"],
        n_resamples=300,
    )
    assert result.task == "multiclass"
    for name, frame in frames.items():
        predicted = np.array(classes)[frame[[f"p_{c}" for c in classes]].to_numpy().argmax(axis=1)]
        assert result.board("f1_macro").estimate(name).estimate == pytest.approx(
            f1_score(y, predicted, average="macro")
        )
        assert result.board("log_loss").estimate(name).estimate == pytest.approx(
            log_loss(y, frame[[f"p_{c}" for c in classes]].to_numpy(), labels=classes)
        )
    assert result.board("accuracy").best == "sharp"
