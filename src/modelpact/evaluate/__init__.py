"""Sign-off against the pact, evaluation planning, and their result objects."""

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
]
