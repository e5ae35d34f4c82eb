from __future__ import annotations

import json

import pandas as pd
import pytest

from modelpact.errors import PactError
from modelpact.pact import Baseline, check_pact, load_pact, pact_schema, parse_pact, starter_pact

VALID = """\
pact: 1
name: loan-default
task: binary
columns:
  target: defaulted
  score: p_default
  id: application_id
  slices: [region]
positive_class: 1
baseline: {kind: prior}
confidence: 0.95
criteria:
  - {metric: roc_auc, at_least: 0.80}
  - {metric: roc_auc, vs_baseline: improve, by: 0.05}
  - {metric: recall, slice: {region: EU}, at_least: 0.70}
  - {metric: ece, at_most: 0.05}
  - {metric: f1, vs_champion: no_worse, margin: 0.01}
data: {min_rows: 5000, min_rows_per_slice: 300}
"""


def test_the_design_sketch_is_a_valid_pact() -> None:
    pact = parse_pact(VALID)
    assert [c.kind for c in pact.criteria] == [
        "absolute",
        "superiority",
        "absolute",
        "absolute",
        "non_inferiority",
    ]
    assert pact.criteria[4].reference == "champion"
    assert pact.criteria[2].label() == "recall >= 0.7 [region=EU]"


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (
            ("metric: roc_auc, at_least: 0.80", "metric: roc_acu, at_least: 0.80"),
            13,
            "unknown metric 'roc_acu'; did you mean 'roc_auc'",
        ),
        (
            ("at_least: 0.80", "at_least: 1.3"),
            13,
            "criteria[0].at_least: 1.3 is impossible for roc_auc",
        ),
        (
            ("slice: {region: EU}", "slice: {country: EU}"),
            15,
            "criteria[2].slice: column 'country' is not listed",
        ),
        (("task: binary", "task: binray"), 3, "task"),
        (("confidence: 0.95", "confidence: 95"), 11, "confidence"),
        (("by: 0.05", "margin: 0.05"), 14, "'improve' takes 'by', not 'margin'"),
        (("data: {min_rows", "datta: {min_rows"), 18, "unknown field 'datta'"),
    ],
)
def test_errors_point_at_their_line(edit: tuple[str, str], line: int, message: str) -> None:
    text = VALID.replace(*edit, 1)
    assert text != VALID
    pact, problems = check_pact(text)
    assert pact is None
    assert any(p.line == line and message in str(p) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    text = (
        VALID.replace("task: binary", "task: binray")
        .replace("datta", "x")
        .replace("data: {", "dota: {")
    )
    _, problems = check_pact(text)
    assert len(problems) >= 2


def test_yaml_syntax_error_has_a_line() -> None:
    _, problems = check_pact("name: x\ncriteria: [\n  - a\n")
    assert problems[0].line is not None and "not valid YAML" in problems[0].message


def test_load_pact_errors_name_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PactError, match="no such pact file"):
        load_pact(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("at_least: 0.80", "at_least: 1.3", 1))
    with pytest.raises(PactError, match=r"bad\.yaml: line 13"):
        load_pact(bad)


def test_binary_needs_positive_class() -> None:
    with pytest.raises(PactError, match="positive_class"):
        parse_pact(VALID.replace("positive_class: 1\n", ""))


def test_baseline_shorthands() -> None:
    assert Baseline.model_validate("column:old_p").column == "old_p"
    assert Baseline.model_validate("model:m.joblib").path == "m.joblib"
    assert (
        parse_pact(VALID.replace("baseline: {kind: prior}", "baseline: majority")).baseline.kind
        == "majority"
    )


def test_regression_defaults_to_mean_baseline() -> None:
    pact = parse_pact(
        "name: r\ntask: regression\ncolumns: {target: y, score: yhat}\n"
        "criteria: [{metric: mae, at_most: 3}]\n"
    )
    assert pact.baseline.kind == "mean"


def test_schema_is_json_schema() -> None:
    schema = pact_schema()
    assert schema["type"] == "object"
    assert {"name", "task", "columns", "criteria"} <= set(schema["required"])
    json.dumps(schema)


@pytest.mark.parametrize(
    ("y", "task"),
    [
        ([0, 1] * 50, "binary"),
        (["a", "b", "c"] * 30, "multiclass"),
        ([i * 0.37 for i in range(100)], "regression"),
    ],
)
def test_starter_pact_is_valid_for_each_task(y: list[object], task: str) -> None:
    frame = pd.DataFrame({"target": y, "region": (["EU", "US"] * 150)[: len(y)]})
    pact = parse_pact(starter_pact(frame, target="target", name="demo"))
    assert pact.task == task
    assert pact.columns.slices == ["region"]


def test_field_and_criteria_problems_are_reported_together() -> None:
    """A wrong task stops pydantic before model checks; the criteria are still checked."""
    text = (
        VALID.replace("task: binary", "task: binray")
        .replace("metric: roc_auc, at_least: 0.80", "metric: roc_acu, at_least: 0.80", 1)
        .replace("{metric: ece, at_most: 0.05}", "{metric: ece, at_most: 1.5}")
    )
    _, problems = check_pact(text)
    found = {(p.line, p.location) for p in problems}
    assert (3, "task") in found
    assert (13, "criteria[0].metric") in found
    assert (16, "criteria[3].at_most") in found
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)


def test_every_criterion_problem_at_once() -> None:
    text = VALID.replace("metric: roc_auc, at_least: 0.80", "metric: roc_acu, at_least: 0.80", 1)
    text = text.replace("slice: {region: EU}", "slice: {country: EU}")
    _, problems = check_pact(text)
    assert {p.location for p in problems} == {"criteria[0].metric", "criteria[2].slice"}
