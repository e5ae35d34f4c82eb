"""The pact's retraining section: validated up front, documented in the schema."""

from __future__ import annotations

import pytest

from modelpact.errors import PactError
from modelpact.pact import pact_schema, parse_pact, period_seconds

BASE = """
name: churn
task: binary
positive_class: 1
columns: {target: y, score: p}
criteria: [{metric: roc_auc, at_least: 0.7}]
"""


def test_full_section_parses() -> None:
    pact = parse_pact(
        BASE
        + """
retraining:
  triggers:
    alerts: [realized_performance, drift]
    min_drifted_features: 3
    every: 30d
    every_rows: 10000
    min_new_labels: 5000
  window: {last_rows: 50000}
  holdout_rows: 3000
  trainer: my_package.train:fit
  incremental: true
  refit_on_window: true
  promotion: superiority
  metric: roc_auc
  auto_promote: true
  timeout: 600
"""
    )
    config = pact.retraining
    assert config is not None
    assert config.triggers.alerts == ["realized_performance", "drift"]
    assert config.trainer == "my_package.train:fit" and config.incremental
    assert (config.promotion, config.auto_promote) == ("superiority", True)


def test_defaults_are_the_safe_ones() -> None:
    config = parse_pact(BASE + "retraining: {trainer: pkg.mod:fit}\n").retraining
    assert config is not None
    assert (config.promotion, config.auto_promote, config.incremental) == (
        "non_inferiority",
        False,
        False,
    )
    assert config.holdout_rows is None  # sized by plan
    assert parse_pact(BASE).retraining is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("{trainer: 'not an entry point'}", "is not an entry point"),
        ("{trainer: a:b, command: [python, t.py]}", "one of 'trainer' or 'command', not both"),
        ("{command: [python, t.py]}", "must write '{model}'"),
        ("{trainer: a:b, triggers: {every: monthly}}", "'monthly' is not a period"),
        ("{trainer: a:b, triggers: {alerts: [weather]}}", "retraining.triggers.alerts"),
        ("{trainer: a:b, metric: rmse}", "'rmse' is not a metric of binary tasks"),
        ("{trainer: a:b, window: {last: 90d}}", "needs columns.time"),
        ("{trainer: a:b, promotion: vibes}", "retraining.promotion"),
    ],
)
def test_mistakes_are_named(section: str, message: str) -> None:
    with pytest.raises(PactError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_pact(BASE + f"retraining: {section}\n")


def test_schema_documents_the_section() -> None:
    schema = pact_schema()
    assert "retraining" in schema["properties"]
    config = schema["$defs"]["RetrainingConfig"]["properties"]
    assert {"trainer", "command", "incremental", "promotion", "auto_promote"} <= set(config)
    assert "fitted scikit-learn" in config["trainer"]["description"]
    baseline = schema["$defs"]["Baseline"]["properties"]["kind"]
    assert "persistence" in str(baseline)


def test_periods() -> None:
    assert period_seconds("12h") == 43200
    assert period_seconds("2w") == 14 * 86400
    with pytest.raises(ValueError, match="not a period"):
        period_seconds("30 days")
