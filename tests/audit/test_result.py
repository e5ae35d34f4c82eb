"""The modelpact.audit/v1 contract: shape, determinism, verdict rules."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from modelpact.audit import SCHEMA, AuditResult, Finding, audit, decide
from modelpact.audit.result import jsonable


def test_schema_and_required_keys(frame: pd.DataFrame) -> None:
    doc = audit(frame, target="y", sample_rows=1000).to_dict()
    assert doc["schema"] == SCHEMA == "modelpact.audit/v1"
    assert doc["verdict"] in ("go", "go_with_fixes", "no_go")
    assert {"findings", "learnability", "n_rows", "checks", "sampled", "target", "task"} <= set(doc)
    for f in doc["findings"]:
        assert {"check", "severity", "message", "columns", "rows", "fix", "n_affected"} <= set(f)
        assert f["severity"] in ("critical", "warning", "info")
    assert doc["n_rows"] == len(frame)
    json.dumps(doc, allow_nan=False)


def test_same_inputs_and_seed_give_identical_json(frame: pd.DataFrame) -> None:
    data = pd.concat([frame.iloc[:700], frame.iloc[:5]], ignore_index=True)
    a = audit(data, target="y", time_column="x3", sample_rows=600, seed=3).to_json()
    b = audit(data.copy(), target="y", time_column="x3", sample_rows=600, seed=3).to_json()
    assert a == b


def test_sampling_is_reported(frame: pd.DataFrame) -> None:
    result = audit(frame, target="y", checks=["label_errors", "duplicates"], sample_rows=600)
    assert result.sampled["label_errors"]["rows"] == 600
    assert result.sampled["label_errors"]["of"] == len(frame)
    assert "duplicates" not in result.sampled  # linear checks see every row


def test_stratified_sample_keeps_class_shares(frame: pd.DataFrame) -> None:
    from modelpact.audit.context import prepare

    ctx = prepare(frame, source="f", target="y", sample_rows=500)
    rows = ctx.sample()
    assert len(rows) == pytest.approx(500, abs=2)
    assert ctx.y(rows).mean() == pytest.approx(frame["y"].mean(), abs=0.01)


@pytest.mark.parametrize(
    ("severities", "verdict"),
    [((), "go"), (("info",), "go"), (("info", "warning"), "go_with_fixes"),
     (("warning", "critical"), "no_go")],
)
def test_verdict_rules(severities: tuple[str, ...], verdict: str) -> None:
    findings = [Finding("duplicates", s, "m") for s in severities]  # type: ignore[arg-type]
    assert decide(findings)[0] == verdict


def test_jsonable_rounds_and_nulls() -> None:
    assert jsonable({"a": np.float32(0.1234567891), "b": float("inf"), "c": (1, np.int8(2))}) == {
        "a": 0.123457, "b": None, "c": [1, 2]}


def test_result_is_frozen(frame: pd.DataFrame) -> None:
    result = audit(frame, target="y", checks=["duplicates"])
    assert isinstance(result, AuditResult)
    with pytest.raises(AttributeError):
        result.verdict = "go"  # type: ignore[misc]
