"""The public API is pinned: a name added or removed is a deliberate change."""

from __future__ import annotations

import importlib

import pytest

PUBLIC = {
    "modelpact": {
        "Pact",
        "Plan",
        "Run",
        "Verdict",
        "__version__",
        "load_pact",
        "plan",
        "start_run",
        "verify",
    },
    "modelpact.pact": {
        "Baseline",
        "Columns",
        "Criterion",
        "DataRequirements",
        "MonitoringConfig",
        "Pact",
        "PactProblem",
        "RetrainTriggers",
        "RetrainWindow",
        "RetrainingConfig",
        "Task",
        "check_pact",
        "load_pact",
        "pact_schema",
        "parse_pact",
        "period_seconds",
        "starter_pact",
    },
    "modelpact.retrain": {
        "RETRAIN_SCHEMA",
        "Decision",
        "FileSource",
        "GateResult",
        "RetrainResult",
        "RetrainingBusy",
        "TrainerFailed",
        "TrainingWindow",
        "TriggerReport",
        "WindowSource",
        "check",
        "check_triggers",
        "decide",
        "load_window",
        "retrain",
        "retraining_lock",
        "run_gate",
        "run_trainer",
    },
    "modelpact.evaluate": {
        "PLAN_SCHEMA",
        "VERDICT_SCHEMA",
        "CalibrationBin",
        "CriterionResult",
        "Plan",
        "PlanRow",
        "SliceRow",
        "Status",
        "Verdict",
        "evaluate_criteria",
        "plan",
        "verify",
    },
    "modelpact.data": {
        "DataSource",
        "fingerprint_frame",
        "load_frame",
        "read_table",
        "require_columns",
    },
    "modelpact.errors": {
        "ColumnNotFoundError",
        "ConfigurationError",
        "InvalidDataError",
        "MetricError",
        "ModelLoadError",
        "ModelpactError",
        "NotFoundError",
        "PactError",
        "StoreError",
        "closest",
    },
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_exported_members(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) >= PUBLIC[module]
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} is in __all__ but missing"


def test_every_error_derives_from_the_root() -> None:
    from modelpact import errors

    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.ModelpactError)
