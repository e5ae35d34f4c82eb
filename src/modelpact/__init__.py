"""modelpact: make the definition of "done" for machine-learning work executable and statistical.

The pact states acceptance criteria as thresholds against a baseline; every criterion is
decided on a confidence interval as pass, fail or inconclusive.

Examples
--------
>>> import modelpact
>>> sorted(n for n in modelpact.__all__ if not n.startswith("_"))[:3]
['Pact', 'Plan', 'Run']
"""

from modelpact._version import __version__
from modelpact.evaluate import Plan, Verdict, plan, verify
from modelpact.pact import Pact, load_pact
from modelpact.tracking import Run, start_run

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
