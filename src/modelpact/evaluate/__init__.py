"""Sign-off against the pact, evaluation planning, and their result objects."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Submodules load on first use (PEP 562): `verify` must not pay for `compare` or `diff`.
_LAZY = {
    "COMPARE_SCHEMA": "modelpact.evaluate.compare",
    "Comparison": "modelpact.evaluate.compare",
    "MetricBoard": "modelpact.evaluate.compare",
    "ModelEstimate": "modelpact.evaluate.compare",
    "PairedDifference": "modelpact.evaluate.compare",
    "compare": "modelpact.evaluate.compare",
    "holm_adjust": "modelpact.evaluate.compare",
    "DIFF_SCHEMA": "modelpact.evaluate.diff",
    "BehaviourDiff": "modelpact.evaluate.diff",
    "DataDiff": "modelpact.evaluate.diff",
    "Rule": "modelpact.evaluate.diff",
    "SliceChange": "modelpact.evaluate.diff",
    "describe_changes": "modelpact.evaluate.diff",
    "diff": "modelpact.evaluate.diff",
    "training_data_diff": "modelpact.evaluate.diff",
    "PLAN_SCHEMA": "modelpact.evaluate.plan",
    "Plan": "modelpact.evaluate.plan",
    "PlanRow": "modelpact.evaluate.plan",
    "plan": "modelpact.evaluate.plan",
    "VERDICT_SCHEMA": "modelpact.evaluate.verdict",
    "CalibrationBin": "modelpact.evaluate.verdict",
    "CriterionResult": "modelpact.evaluate.verdict",
    "SliceRow": "modelpact.evaluate.verdict",
    "Status": "modelpact.evaluate.verdict",
    "Verdict": "modelpact.evaluate.verdict",
    "evaluate_criteria": "modelpact.evaluate.verify",
    "verify": "modelpact.evaluate.verify",
}

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


class _Package(types.ModuleType):
    """Keeps a function's name bound to the function when its same-named module is imported.

    Importing ``modelpact.evaluate.compare`` binds the *module* as attribute ``compare`` of
    this package; eager imports used to rebind the function over it at once, and so does
    this hook, whoever imports the submodule first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelpact.evaluate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
