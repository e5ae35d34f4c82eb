"""Every result returned by an entry point honours the one result interface.

In the manner of scikit-learn's ``check_estimator``: one set of checks, run over each of the
six result types, built from small synthetic data with fitted scikit-learn models.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import modelpact
from modelpact._result import OUTCOMES, SEVERITIES, Result
from modelpact.audit import audit
from modelpact.monitor import monitor
from modelpact.pact import Pact, parse_pact

FEATURES = ["x1", "x2", "x3"]
# the light notebook view holds a banner and a table, never a script: a few kilobytes
LIGHT_HTML_LIMIT = 16_000
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 1.0, (n, 3)) + np.outer(y, [1.2, 0.6, 0.0])
    x[:, 0] += shift
    return pd.DataFrame(x, columns=FEATURES).assign(y=y)


@pytest.fixture(scope="module")
def pact() -> Pact:
    return parse_pact(
        """
name: synthetic
task: binary
positive_class: 1
columns: {target: y}
criteria:
  - {metric: roc_auc, at_least: 0.7}
  - {metric: recall, at_least: 0.6}
"""
    )


@pytest.fixture(scope="module")
def results(pact: Pact, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    train, test = _frame(400, 0), _frame(300, 1)
    a = LogisticRegression().fit(train[FEATURES], train.y)
    b = DecisionTreeClassifier(max_depth=2, random_state=0).fit(train[FEATURES], train.y)

    def scored(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(score=a.predict_proba(frame[FEATURES])[:, 1])

    return {
        "AuditResult": audit(train, target="y", seed=0),
        "Plan": modelpact.plan(pact, expected={"roc_auc": 0.8, "recall": 0.7}, prevalence=0.5,
                               available=len(test)),
        "Verdict": modelpact.verify(pact, test, model=a, n_resamples=200),
        "Comparison": modelpact.compare(
            {"logistic": scored(test),
             "tree": test.assign(score=b.predict_proba(test[FEATURES])[:, 1])},
            target="y", score="score", n_resamples=200,
        ),
        # training sets and a slice column, so the document holds rules and a data diff too
        "BehaviourDiff": modelpact.diff(
            a, b, test.assign(band=np.where(test.x2 > 0, "high", "low")), target="y", pact=pact,
            slices=["band"], train_a=train, train_b=train.iloc[50:], names=("lr", "tree"),
        ),
        "MonitorResult": monitor(
            pact, scored(_frame(600, 2)), scored(_frame(300, 3, shift=1.5)), chunk_size=100
        ),
        "RetrainResult": _retrain_result(tmp_path_factory.mktemp("retrain")),
    }


def _retrain_result(root: Path) -> Any:
    """One turn of the retraining loop on a ledger with a champion: trigger, gate, decision."""
    from modelpact.ledger import open_store
    from modelpact.retrain import FrameSource, retrain
    from tests.retrain.conftest import FEATURES as STREAM_FEATURES
    from tests.retrain.conftest import ROOT, make_pact, stream

    with open_store(root=root) as store:
        store.ensure_project("churn", make_pact())
        early = stream(1000, seed=99)
        first = LogisticRegression().fit(early[STREAM_FEATURES], early["y"])
        version = store.register_model(project="churn", model=first)
        store.set_stage(version.id, "champion", forced=True, reason="the first model")
        return retrain(store, "churn", FrameSource(stream(5000, seed=1)), cwd=ROOT,
                       n_resamples=200)


TYPES = [
    "AuditResult", "Plan", "Verdict", "Comparison", "BehaviourDiff", "MonitorResult",
    "RetrainResult",
]


def _native(result: Any) -> str:
    """Each command's own decision word, before translation into the shared vocabulary."""
    return str(getattr(result, "verdict", None) or getattr(result, "status", None) or "")


@pytest.mark.parametrize("name", TYPES)
def test_is_the_named_type_and_satisfies_the_protocol(results: dict[str, Any], name: str) -> None:
    result = results[name]
    assert type(result) is getattr(modelpact, name)
    assert isinstance(result, Result)


@pytest.mark.parametrize("name", TYPES)
def test_outcome_is_in_the_shared_vocabulary(results: dict[str, Any], name: str) -> None:
    assert results[name].outcome in OUTCOMES


@pytest.mark.parametrize(
    ("native", "outcome"),
    [("go", "pass"), ("go_with_fixes", "at_risk"), ("no_go", "fail"),
     ("signed_off", "pass"), ("failed", "fail"), ("inconclusive", "inconclusive")],
)
def test_outcome_translates_each_native_decision_word(
    results: dict[str, Any], native: str, outcome: str
) -> None:
    kind = "AuditResult" if native in ("go", "go_with_fixes", "no_go") else "Verdict"
    changed = dataclasses.replace(results[kind], verdict=native)
    assert changed.outcome == outcome
    assert _native(changed) == native  # the command's own field is untouched


def test_diff_document_has_every_part_the_round_trip_rebuilds(results: dict[str, Any]) -> None:
    document = results["BehaviourDiff"].to_dict()
    assert document["rules"] and document["training_data_diff"]["drift"]
    assert {s["column"] for s in document["slices"]} == {None, "band"}


def test_monitor_outcome_follows_its_alerts(results: dict[str, Any]) -> None:
    result = results["MonitorResult"]
    assert result.alerts, "the shifted analysis data should raise a drift alert"
    assert (result.outcome, result.status) == ("fail", "alert")
    frame = result.to_frame()
    alerted = {(a.chunk_key, a.feature or "") for a in result.alerts if a.kind == "drift"}
    assert alerted <= set(zip(frame.chunk[frame.alert], frame.feature[frame.alert], strict=True))
    quiet = dataclasses.replace(result, alerts=())
    assert (quiet.outcome, quiet.status) == ("pass", "no_alert")


@pytest.mark.parametrize("name", TYPES)
def test_summary_is_one_line(results: dict[str, Any], name: str) -> None:
    text = results[name].summary()
    assert isinstance(text, str) and text.strip() and "\n" not in text


@pytest.mark.parametrize("name", TYPES)
def test_to_dict_round_trips(results: dict[str, Any], name: str) -> None:
    result = results[name]
    document = result.to_dict()
    restored = type(result).from_dict(document)
    assert type(restored) is type(result)
    assert restored.to_dict() == document
    assert restored.outcome == result.outcome and restored.summary() == result.summary()


@pytest.mark.parametrize("name", TYPES)
def test_from_dict_reads_the_json_text(results: dict[str, Any], name: str) -> None:
    """What a file or the ledger holds (JSON text, lists for tuples) rebuilds the same result."""
    result = results[name]
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    restored = type(result).from_dict(document)
    assert restored.to_dict() == result.to_dict()
    assert len(restored.to_frame()) == len(result.to_frame())


def test_monitor_round_trip_keeps_estimates_on_the_labelled_rows(results: dict[str, Any]) -> None:
    chunk = results["MonitorResult"].chunks[-1]
    restored = type(chunk).from_dict(chunk.to_dict())
    assert restored.estimate_vs_realized() == chunk.estimate_vs_realized()
    assert restored.drift == chunk.drift and restored.chunk == chunk.chunk


@pytest.mark.parametrize("name", ["AuditResult", "MonitorResult"])
def test_from_dict_reads_the_earlier_severity_word(results: dict[str, Any], name: str) -> None:
    """Documents written before the shared scale said ``blocking`` for ``critical``."""
    document = results[name].to_dict()
    key = "findings" if name == "AuditResult" else "alerts"
    document[key][0]["severity"] = "critical"
    earlier = json.loads(json.dumps(document))
    earlier[key][0]["severity"] = "blocking"
    restored = type(results[name]).from_dict(earlier)
    assert restored.to_dict()[key] == document[key]


@pytest.mark.parametrize("name", TYPES)
def test_severities_are_on_the_one_scale(results: dict[str, Any], name: str) -> None:
    document = results[name].to_dict()
    words = {item["severity"] for key in ("findings", "alerts") for item in document.get(key, [])}
    assert words <= set(SEVERITIES)


@pytest.mark.parametrize("name", TYPES)
def test_to_dict_keeps_its_v1_schema(results: dict[str, Any], name: str) -> None:
    assert results[name].to_dict()["schema"].endswith("/v1")


@pytest.mark.parametrize("name", TYPES)
def test_to_frame_is_a_non_empty_dataframe(results: dict[str, Any], name: str) -> None:
    frame = results[name].to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) > 0 and len(frame.columns) > 0


_SIZES: dict[str, Callable[[Any], int]] = {
    "AuditResult": lambda r: len(r.findings),
    "Plan": lambda r: len(r.rows),
    "Verdict": lambda r: len(r.criteria),
    "Comparison": lambda r: sum(len(b.estimates) for b in r.boards),
    "BehaviourDiff": lambda r: len(r.slices),
    "MonitorResult": lambda r: sum(len(c.drift) + len(c.multivariate) for c in r.chunks),
    # each trigger checked, each criterion of the gate and the promotion rule, the decision
    "RetrainResult": lambda r: len(r.triggers.checks) + len(r.gate.verdict.criteria)
    + (r.gate.versus_champion is not None) + 1,
}


@pytest.mark.parametrize("name", TYPES)
def test_to_frame_has_one_row_per_entry_of_the_main_table(
    results: dict[str, Any], name: str
) -> None:
    assert len(results[name].to_frame()) == _SIZES[name](results[name])


def _cli_page(result: Any) -> str:
    """The page the CLI writes, from the renderer each command calls."""
    from modelpact.report.audit import audit_html
    from modelpact.report.compare import compare_html
    from modelpact.report.diff import diff_html
    from modelpact.report.monitor import monitor_html
    from modelpact.report.retrain import retrain_html
    from modelpact.report.verdict import verdict_html

    by_type: dict[str, Callable[[Any], str]] = {
        "AuditResult": audit_html,
        "Verdict": verdict_html,
        "Comparison": compare_html,
        "BehaviourDiff": diff_html,
        "MonitorResult": lambda r: monitor_html(r.to_dict()),
        "RetrainResult": retrain_html,
    }
    return by_type[type(result).__name__](result)


@pytest.mark.parametrize("name", TYPES)
def test_to_html_is_a_whole_page(results: dict[str, Any], name: str) -> None:
    page = results[name].to_html()
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert page.rstrip().endswith("</html>")


def test_plan_page_lists_every_criterion(results: dict[str, Any]) -> None:
    plan = results["Plan"]
    page = plan.to_html()
    assert html.escape(plan.summary(), quote=False) in page
    for row in plan.rows:
        assert html.escape(row.label) in page and f"{row.n_needed}" in page


@pytest.mark.parametrize("name", [t for t in TYPES if t != "Plan"])
def test_to_html_is_the_cli_report(results: dict[str, Any], name: str) -> None:
    def stable(page: str) -> str:  # Plotly names every chart's div with a fresh uuid
        return _UUID.sub("<uuid>", page)

    assert stable(results[name].to_html()) == stable(_cli_page(results[name]))


@pytest.mark.parametrize("name", TYPES)
def test_repr_html_is_light(results: dict[str, Any], name: str) -> None:
    result = results[name]
    view = result._repr_html_()
    assert len(view.encode()) < LIGHT_HTML_LIMIT
    assert "<script" not in view and "plotly" not in view.lower()
    assert "<table>" in view
    assert html.escape(result.summary()) in view
    assert result.outcome.replace("_", " ") in view


@pytest.mark.parametrize("name", TYPES)
def test_plot_returns_plotly_figures(results: dict[str, Any], name: str) -> None:
    figures = results[name].plot()
    assert isinstance(figures, list) and figures
    assert all(isinstance(f, go.Figure) and f.data for f in figures)


@pytest.mark.parametrize("name", TYPES)
def test_results_are_immutable(results: dict[str, Any], name: str) -> None:
    result = results[name]
    first = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, first, None)
