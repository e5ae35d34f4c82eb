"""The public API is pinned: a name added or removed is a deliberate change.

Each area's ``__all__`` must equal the set below exactly (the ledger, stats and monitoring
areas pin theirs beside their own tests).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

PUBLIC = {
    "modelpact": {
        "ActiveRun",
        "AuditResult",
        "BehaviourDiff",
        "Comparison",
        "MonitorResult",
        "Pact",
        "Plan",
        "RetrainResult",
        "Verdict",
        "__version__",
        "audit",
        "compare",
        "diff",
        "load_pact",
        "monitor",
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
        "CaptureSource",
        "Decision",
        "FileSource",
        "FrameSource",
        "GateResult",
        "LastRetraining",
        "OnlineLearner",
        "OnlineTurn",
        "RetrainResult",
        "RetrainingBusy",
        "TrainerFailed",
        "TrainerWorkers",
        "TrainingOutcome",
        "TrainingWindow",
        "TriggerCheck",
        "TriggerReport",
        "WindowSource",
        "alerts_of",
        "check",
        "check_triggers",
        "decide",
        "holdout_size",
        "load_window",
        "promotion_criterion",
        "retrain",
        "retraining_lock",
        "run_gate",
        "run_trainer",
        "scored_frame",
        "scoring_pact",
    },
    "modelpact.evaluate": {
        "COMPARE_SCHEMA",
        "DIFF_SCHEMA",
        "PLAN_SCHEMA",
        "VERDICT_SCHEMA",
        "BehaviourDiff",
        "CalibrationBin",
        "Comparison",
        "CriterionResult",
        "DataDiff",
        "MetricBoard",
        "ModelEstimate",
        "PairedDifference",
        "Plan",
        "PlanRow",
        "Rule",
        "SliceChange",
        "SliceRow",
        "Status",
        "Verdict",
        "compare",
        "describe_changes",
        "diff",
        "evaluate_criteria",
        "holm_adjust",
        "plan",
        "training_data_diff",
        "verify",
    },
    "modelpact.evaluate.compare": {
        "COMPARE_SCHEMA",
        "Comparison",
        "MetricBoard",
        "ModelEstimate",
        "PairedDifference",
        "compare",
        "holm_adjust",
        "interval_p_value",
    },
    "modelpact.evaluate.diff": {
        "DIFF_SCHEMA",
        "BehaviourDiff",
        "ChangeDistribution",
        "DataDiff",
        "FeatureDrift",
        "Flip",
        "GroupTrait",
        "Proportion",
        "Rule",
        "SliceChange",
        "describe_changes",
        "diff",
        "training_data_diff",
    },
    "modelpact.audit": {
        "CHECKS",
        "DEFAULT_SAMPLE_ROWS",
        "SCHEMA",
        "AuditResult",
        "Check",
        "CheckConfig",
        "CheckOutcome",
        "Finding",
        "LabelChanges",
        "audit",
        "check_names",
        "decide",
        "export_relabel",
        "get_check",
        "import_labels",
        "register",
    },
    "modelpact.data": {
        "DataSource",
        "fingerprint_frame",
        "load_frame",
        "read_table",
        "require_columns",
    },
    "modelpact.tracking": {"ActiveRun", "start_run"},
    "modelpact.report": {"Section", "figure_html", "render_page", "table_html"},
    "modelpact.errors": {
        "ColumnNotFoundError",
        "ConfigurationError",
        "InvalidDataError",
        "MetricError",
        "ModelLoadError",
        "ModelpactError",
        "NotFoundError",
        "PactError",
        "PromotionRefused",
        "StoreError",
        "closest",
        "plain_repr",
    },
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_exported_members(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == PUBLIC[module]
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} is in __all__ but missing"


def test_every_error_derives_from_the_root() -> None:
    from modelpact import errors

    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.ModelpactError)


def test_the_six_entry_points_and_their_results() -> None:
    import modelpact
    from modelpact.audit.result import AuditResult
    from modelpact.evaluate.compare import compare
    from modelpact.evaluate.diff import diff
    from modelpact.evaluate.plan import plan
    from modelpact.evaluate.verify import verify
    from modelpact.monitor.monitor import MonitorResult, monitor

    assert (modelpact.verify, modelpact.plan) == (verify, plan)
    assert (modelpact.compare, modelpact.diff) == (compare, diff)
    assert modelpact.AuditResult is AuditResult and modelpact.MonitorResult is MonitorResult
    # audit and monitor are packages too: calling them runs their entry point
    assert modelpact.monitor.__entry_point__ is monitor  # type: ignore[attr-defined]
    assert modelpact.audit.CHECKS  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200), "y": rng.integers(0, 2, 200)})
    result = modelpact.audit(frame, target="y", checks=["missing_values"])
    assert isinstance(result, AuditResult)
    assert list(result.checks) == ["missing_values"] and result.n_rows == 200


def test_importing_modelpact_is_cheap() -> None:
    # the heavy libraries load with the entry point that needs them, not with the package
    heavy = ["sqlalchemy", "alembic", "scipy.stats", "plotly", "sklearn", "pandas"]
    code = f"import sys, modelpact; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
