"""Each check finds the problem injected into an otherwise clean seeded table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelpact.audit import audit

from .conftest import make_frame


def _checks(result, name):
    return result.by_check(name)


def test_clean_table_has_no_warnings_in_integrity_checks(frame: pd.DataFrame) -> None:
    result = audit(frame, target="y", checks=[
        "type_problems", "missing_values", "constant_columns", "id_like_columns", "duplicates",
        "near_duplicates", "conflicting_labels", "class_imbalance", "target_leakage"])
    assert [f for f in result.findings if f.severity != "info"] == []
    assert result.verdict == "go"


def test_constant_and_id_columns_are_flagged_and_left_out(frame: pd.DataFrame) -> None:
    frame = frame.assign(const="same", row_number=np.arange(len(frame)) + 1000,
                         uuid=[f"u{i:05d}" for i in np.random.default_rng(3).permutation(len(frame))])
    result = audit(frame, target="y", checks=["constant_columns", "id_like_columns"])
    assert [f.columns for f in _checks(result, "constant_columns")] == [("const",)]
    flagged = sorted(f.columns[0] for f in _checks(result, "id_like_columns"))
    assert flagged == ["row_number", "uuid"]
    assert {"const", "row_number", "uuid"}.isdisjoint(result.features)
    assert result.verdict == "go_with_fixes"


def test_float_columns_unique_per_row_are_not_ids(frame: pd.DataFrame) -> None:
    result = audit(frame, target="y", checks=["id_like_columns"])
    assert _checks(result, "id_like_columns") == []


def test_exact_duplicates_found_with_their_row_ids(frame: pd.DataFrame) -> None:
    copies = frame.iloc[[5, 17, 300]]
    data = pd.concat([frame, copies], ignore_index=True)
    result = audit(data, target="y", checks=["duplicates"])
    (finding,) = _checks(result, "duplicates")
    assert finding.n_affected == 3
    assert sorted(finding.rows) == [1500, 1501, 1502]


def test_near_duplicates_found_and_exact_ones_not_double_counted(frame: pd.DataFrame) -> None:
    rng = np.random.default_rng(7)
    source = rng.choice(len(frame), 40, replace=False)
    near = frame.iloc[source].copy()
    for c in ("x1", "x2", "x3"):
        # a rounding's worth: 0.1% of a standard deviation
        near[c] = near[c] + rng.normal(scale=0.001, size=len(near))
    data = pd.concat([frame, near, frame.iloc[[1, 2]]], ignore_index=True)
    result = audit(data, target="y", checks=["near_duplicates"])
    (finding,) = _checks(result, "near_duplicates")
    pairs = {tuple(sorted(p)) for p in finding.details["pairs"]}
    expected = {(int(s), 1500 + i) for i, s in enumerate(source)}
    assert finding.n_affected == 40
    assert pairs <= expected


def test_conflicting_labels(frame: pd.DataFrame) -> None:
    twin = frame.iloc[[10, 20]].copy()
    twin["y"] = 1 - twin["y"]
    result = audit(pd.concat([frame, twin], ignore_index=True), target="y",
                   checks=["conflicting_labels"])
    (finding,) = _checks(result, "conflicting_labels")
    assert finding.n_affected == 4
    assert sorted(finding.rows) == [10, 20, 1500, 1501]


def test_leaking_column_blocks(frame: pd.DataFrame) -> None:
    rng = np.random.default_rng(1)
    leak = frame["y"] * 3 + rng.normal(scale=0.3, size=len(frame))
    result = audit(frame.assign(outcome_code=leak), target="y", checks=["target_leakage"])
    findings = _checks(result, "target_leakage")
    assert [f.columns for f in findings] == [("outcome_code",)]
    assert findings[0].severity == "critical"
    assert findings[0].details["roc_auc"] > 0.95
    assert result.verdict == "no_go"


def test_missingness_that_encodes_the_target_is_flagged(frame: pd.DataFrame) -> None:
    rng = np.random.default_rng(2)
    filled = np.where((frame["y"] == 1) & (rng.random(len(frame)) < 0.9), np.nan, rng.normal(size=len(frame)))
    result = audit(frame.assign(followup=filled), target="y", checks=["target_leakage"])
    (finding,) = _checks(result, "target_leakage")
    assert finding.columns == ("followup",)
    assert finding.details["reason"] == "missingness"


def test_type_problems_reported_without_crashing(frame: pd.DataFrame) -> None:
    n = len(frame)
    numbers = frame["x1"].round(3).astype(str)
    mixed = numbers.copy()
    mixed.iloc[::10] = "n/a"
    dates = pd.Series(pd.date_range("2024-01-01", periods=n, freq="h").astype(str))
    weird = pd.Series([{"k": i} for i in range(n)])
    data = frame.assign(num_text=numbers, mixed=mixed, when=dates, blob=weird)
    result = audit(data, target="y", checks=["type_problems", "learnability"], sample_rows=1000)
    by_column = {f.columns[0]: f for f in _checks(result, "type_problems")}
    assert by_column["num_text"].severity == "info"
    assert by_column["mixed"].severity == "warning"
    assert "'n/a'" in by_column["mixed"].message
    assert "dates as strings" in by_column["when"].message
    assert "unhashable" in by_column["blob"].message
    assert "blob" not in result.features and "num_text" in result.features


def test_missing_values_and_unlabelled_rows(frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[:599, "x3"] = np.nan
    data["y"] = data["y"].astype(float)
    data.loc[[3, 4], "y"] = np.nan
    result = audit(data, target="y", checks=["missing_values"])
    messages = {f.columns[0]: f for f in _checks(result, "missing_values")}
    assert messages["x3"].severity == "warning" and messages["x3"].n_affected == 600
    assert messages["y"].rows == (3, 4)


def test_class_imbalance_with_pact_needs(frame: pd.DataFrame) -> None:
    from modelpact.pact import Pact

    rng = np.random.default_rng(0)
    keep = (frame["y"] == 0) | (rng.random(len(frame)) < 0.1)
    data = frame[keep]
    pact = Pact(name="t", task="binary", positive_class=1, columns={"target": "y"},
                criteria=[{"metric": "recall", "at_least": 0.7}])
    result = audit(data, pact=pact, checks=["class_imbalance"])
    (finding,) = _checks(result, "class_imbalance")
    assert finding.severity == "warning"
    # z² p(1-p)/m² at p=0.7, m=0.05, 95%: the textbook 323
    assert finding.details["minority_rows_needed"] == 323
    assert finding.details["minority_rows_available"] == int((data["y"] == 1).sum() * 0.2)


def test_outlier_sentinel_code_warns(frame: pd.DataFrame) -> None:
    data = frame.copy()
    data.loc[:29, "x3"] = 999.0
    result = audit(data, target="y", checks=["outliers"])
    (finding,) = [f for f in _checks(result, "outliers") if f.columns == ("x3",)]
    assert finding.severity == "warning"
    assert finding.details["sentinel"] == 999.0
    assert finding.n_affected == 30


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_other_tasks_run_every_check(task: str) -> None:
    data = make_frame(800)
    if task == "multiclass":
        data["y"] = pd.cut(data["x1"] + data["x2"], [-np.inf, -0.7, 0.7, np.inf], labels=["lo", "mid", "hi"]).astype(str)
    else:
        data["y"] = 2 * data["x1"] + data["x2"] + np.random.default_rng(0).normal(scale=0.3, size=len(data))
    result = audit(data, target="y", time_column="x3", sample_rows=800)
    assert result.task == task
    assert result.learnability["metrics"]
    assert result.to_json()


def test_split_leakage_shared_ids_block_and_shared_rows_are_counted(frame: pd.DataFrame) -> None:
    data = frame.assign(key=np.arange(len(frame)))
    train, test = data.iloc[:1000], data.iloc[1000:].copy()
    test.iloc[:10, test.columns.get_loc("key")] = np.arange(10)  # ids reused
    test = pd.concat([test, train.iloc[[100, 200, 300]]], ignore_index=True)  # rows reused
    result = audit(train, target="y", test=test, id_column="key", checks=["split_leakage"])
    by_kind = {f.severity: f for f in _checks(result, "split_leakage")}
    assert by_kind["critical"].n_affected == 13  # 10 reused ids + the 3 copied rows' ids
    exact = [f for f in _checks(result, "split_leakage") if "identical" in f.message]
    assert exact and exact[0].n_affected == 3
    assert result.verdict == "no_go"


def test_progress_reports_every_check(frame: pd.DataFrame) -> None:
    seen: list[tuple[str, int, int]] = []
    audit(frame, target="y", checks=["duplicates", "outliers"], progress=lambda *a: seen.append(a))
    assert seen == [("duplicates", 0, 2), ("outliers", 1, 2), ("done", 2, 2)]


def test_tiny_table_and_non_string_column_names_do_not_crash() -> None:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({0: rng.normal(size=30), 1: rng.choice(["a", "b"], 30),
                         "y": rng.integers(0, 2, 30)})
    result = audit(data, target="y")
    assert result.features == ("0", "1")
    assert result.verdict in ("go", "go_with_fixes", "no_go")


def test_test_set_with_missing_and_retyped_columns_is_audited(frame: pd.DataFrame) -> None:
    train, test = frame.iloc[:1000], frame.iloc[1000:].drop(columns=["x3"])
    test = test.assign(x2=test["x2"].round(3).astype(str))  # numbers written as text
    result = audit(train, target="y", test=test, checks=["split_drift", "split_leakage"])
    blocking = [f for f in result.by_check("split_drift") if f.severity == "critical"]
    assert [f.columns for f in blocking] == [("x3",)]
    effects = result.checks["split_drift"].summary["features"]
    assert effects["x2"]["effect"] < 0.1  # parsed, not mistaken for drift
