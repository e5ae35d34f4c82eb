"""modelpact: make the definition of "done" for machine-learning work executable and statistical.

The pact states acceptance criteria as thresholds against a baseline; every criterion is
decided on a confidence interval as pass, fail or inconclusive.

Examples
--------
>>> import modelpact
>>> sorted(n for n in modelpact.__all__ if not n.startswith("_"))[:3]
['Pact', 'Plan', 'Run']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from modelpact._version import __version__

if TYPE_CHECKING:
    from modelpact.evaluate import Plan, Verdict, plan, verify
    from modelpact.pact import Pact, load_pact
    from modelpact.tracking import Run, start_run

# Names load on first use (PEP 562): the command line's start-up, and `pact check`, must not
# pay for the ledger (SQLAlchemy, Alembic) or the statistics stack they do not use.
_LAZY = {
    "Plan": "modelpact.evaluate",
    "Verdict": "modelpact.evaluate",
    "plan": "modelpact.evaluate",
    "verify": "modelpact.evaluate",
    "Pact": "modelpact.pact",
    "load_pact": "modelpact.pact",
    "Run": "modelpact.tracking",
    "start_run": "modelpact.tracking",
}

__all__ = [
    "Pact",
    "Plan",
    "Run",
    "Verdict",
    "__version__",
    "load_pact",
    "plan",
    "start_run",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'modelpact' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
