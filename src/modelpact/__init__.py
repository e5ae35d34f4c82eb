"""modelpact: make the definition of "done" for machine-learning work executable and statistical.

The pact states acceptance criteria as thresholds against a baseline; every criterion is
decided on a confidence interval as pass, fail or inconclusive.

One entry point per phase of a model's life, each returning a result object:

=============  =======================  =========================================================
entry point    result                   the question it answers
=============  =======================  =========================================================
``audit``      :class:`AuditResult`     Is this data fit to learn from?
``plan``       :class:`Plan`            How many evaluation rows does a conclusive verdict need?
``verify``     :class:`Verdict`         Does this candidate meet the pact, with what confidence?
``compare``    :class:`Comparison`      Is B really better than A, or is the difference noise?
``diff``       :class:`BehaviourDiff`   What changed in behaviour between two versions, where?
``monitor``    :class:`MonitorResult`   Does the live model still meet the pact?
=============  =======================  =========================================================

Names are imported on first use, so ``import modelpact`` stays cheap.

Examples
--------
>>> import modelpact
>>> sorted(n for n in modelpact.__all__ if not n.startswith("_"))[:3]
['ActiveRun', 'AuditResult', 'BehaviourDiff']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from modelpact._version import __version__

if TYPE_CHECKING:
    from modelpact.audit import AuditResult, audit
    from modelpact.evaluate.compare import Comparison, compare
    from modelpact.evaluate.diff import BehaviourDiff, diff
    from modelpact.evaluate.plan import Plan, plan
    from modelpact.evaluate.verdict import Verdict
    from modelpact.evaluate.verify import verify
    from modelpact.monitor import MonitorResult, monitor  # type: ignore[no-redef]
    from modelpact.pact import Pact, load_pact
    from modelpact.retrain.result import RetrainResult
    from modelpact.tracking import ActiveRun, start_run

# public name -> the module that defines it; ``audit`` and ``monitor`` are their (callable)
# packages, see modelpact._entry
_LAZY = {
    "AuditResult": "modelpact.audit",
    "Plan": "modelpact.evaluate.plan",
    "plan": "modelpact.evaluate.plan",
    "Verdict": "modelpact.evaluate.verdict",
    "verify": "modelpact.evaluate.verify",
    "Comparison": "modelpact.evaluate.compare",
    "compare": "modelpact.evaluate.compare",
    "BehaviourDiff": "modelpact.evaluate.diff",
    "diff": "modelpact.evaluate.diff",
    "MonitorResult": "modelpact.monitor",
    "Pact": "modelpact.pact",
    "RetrainResult": "modelpact.retrain.result",
    "load_pact": "modelpact.pact",
    "ActiveRun": "modelpact.tracking",
    "Run": "modelpact.tracking",  # deprecated alias of ActiveRun, not in __all__
    "start_run": "modelpact.tracking",
}

__all__ = [
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
]


def __getattr__(name: str) -> Any:
    if name in ("audit", "monitor"):
        return importlib.import_module(f"modelpact.{name}")  # binds the package here too
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelpact' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
