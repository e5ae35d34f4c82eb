"""Sign-off against the pact, evaluation planning, and their result objects."""

from modelpact.evaluate.compare import (
    COMPARE_SCHEMA,
    Comparison,
    MetricBoard,
    ModelEstimate,
    PairedDifference,
    compare,
    holm_adjust,
)
from modelpact.evaluate.diff import (
    DIFF_SCHEMA,
    BehaviourDiff,
    DataDiff,
    Rule,
    SliceChange,
    describe_changes,
    diff,
    training_data_diff,
)
from modelpact.evaluate.plan import PLAN_SCHEMA, Plan, PlanRow, plan
from modelpact.evaluate.verdict import (
    VERDICT_SCHEMA,
    CalibrationBin,
    CriterionResult,
    SliceRow,
    Status,
    Verdict,
)
from modelpact.evaluate.verify import evaluate_criteria, verify

__all__ = [
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
]
