from __future__ import annotations

import numpy as np
import pytest

from modelpact.errors import ConfigurationError
from modelpact.evaluate import plan, verify
from modelpact.pact import parse_pact

from .conftest import binary_frame

PACT = parse_pact(
    "name: t\ntask: binary\npositive_class: 1\ncolumns: {target: y, score: p, slices: [region]}\n"
    "criteria:\n  - {metric: accuracy, at_least: 0.75}\n  - {metric: roc_auc, at_least: 0.83}\n"
    "  - {metric: recall, at_least: 0.7}\n  - {metric: f1, at_least: 0.7}\n"
)


def test_analytic_sizes_follow_the_textbook_formula() -> None:
    from scipy.stats import norm

    result = plan(PACT, expected={"accuracy": 0.80}, power=0.8)
    p0, p1 = 0.75, 0.80
    za, zb = norm.ppf(0.95), norm.ppf(0.8)
    textbook = ((za * np.sqrt(p0 * (1 - p0)) + zb * np.sqrt(p1 * (1 - p1))) / (p1 - p0)) ** 2
    assert result.rows[0].n_needed == pytest.approx(textbook, rel=0.15)
    assert result.rows[0].source == "analytic"


def test_recall_rows_scale_by_prevalence() -> None:
    a = plan(PACT, expected={"recall": 0.8}, prevalence=0.5).rows[2].n_needed
    b = plan(PACT, expected={"recall": 0.8}, prevalence=0.1).rows[2].n_needed
    assert a is not None and b is not None and b == pytest.approx(5 * a, rel=0.01)


def test_no_analytic_formula_asks_for_a_pilot() -> None:
    row = plan(PACT, expected={"f1": 0.8}).rows[3]
    assert row.n_needed is None and "pilot" in (row.note or "")


def test_expected_failure_is_flagged() -> None:
    row = plan(PACT, expected={"accuracy": 0.70}).rows[0]
    assert "failing side" in (row.note or "")


def test_pilot_plan_agrees_with_verify_n_needed() -> None:
    pilot = binary_frame(300, seed=11)
    verdict = verify(PACT, pilot)
    planned = plan(PACT, pilot=pilot)
    for c, row in zip(verdict.criteria, planned.rows, strict=True):
        if c.status == "inconclusive":
            assert row.n_needed == c.n_needed


def test_available_flags_undecidable() -> None:
    result = plan(PACT, expected={"accuracy": 0.76}, available=1000)
    assert result.rows[0].decidable is False and result.exit_code == 1


def test_unknown_metric_in_expectation() -> None:
    with pytest.raises(ConfigurationError, match="no criterion of the pact uses"):
        plan(PACT, expected={"mae": 1.0})
