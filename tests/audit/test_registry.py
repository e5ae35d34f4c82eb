"""Every registered check: stable name, config discriminator, runs on odd data without crashing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import modelpact.audit as audit_pkg
from modelpact.audit import CHECKS, CheckOutcome, audit, check_names, get_check
from modelpact.errors import ConfigurationError

STABLE = [
    "missing_values", "constant_columns", "id_like_columns", "duplicates", "near_duplicates",
    "conflicting_labels", "class_imbalance", "label_errors", "outliers", "target_leakage",
    "split_leakage", "split_drift", "temporal_drift", "learnability", "type_problems",
]


def test_stable_names_registered() -> None:
    assert sorted(check_names()) == sorted(STABLE)


def test_public_api_pinned() -> None:
    assert sorted(audit_pkg.__all__) == sorted([
        "CHECKS", "DEFAULT_SAMPLE_ROWS", "SCHEMA", "AuditResult", "Check", "CheckConfig",
        "CheckOutcome", "Finding", "LabelChanges", "audit", "check_names", "decide",
        "export_relabel", "get_check", "import_labels", "register"])


def test_unknown_check_suggests_closest() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'duplicates'"):
        get_check("duplicate")


def _awkward(n: int = 400) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "x": rng.normal(size=n), "gappy": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
        "cat": rng.choice(["a", "b"], size=n), "text_num": rng.integers(0, 9, n).astype(str),
        "empty": np.nan, "blob": [[i] for i in range(n)], "t": np.arange(n, dtype=float),
        "y": rng.choice(["yes", "no"], size=n, p=[0.2, 0.8]),
    })
    return frame.iloc[: n * 3 // 4], frame.iloc[n * 3 // 4:]


@pytest.mark.parametrize("name", STABLE)
def test_each_check_runs_on_awkward_data(name: str) -> None:
    cls = CHECKS[name]
    assert cls.name == name
    config = cls.Config(kind=name)
    assert config.kind == name
    train, test = _awkward()
    result = audit(train, target="y", test=test, time_column="t", checks=[config], sample_rows=500)
    outcome = result.checks[name]
    assert isinstance(outcome, CheckOutcome)
    assert all(f.check == name for f in outcome.findings)
    assert outcome.to_dict()["status"] in ("ran", "skipped")


def test_config_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError, match="extra"):
        CHECKS["outliers"].Config(kind="outliers", fences=3)
