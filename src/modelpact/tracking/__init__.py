"""The experiment loop in Python: ``modelpact.start_run(...)`` and the :class:`ActiveRun` it yields.

The active run is a context manager; what the ledger stores about a run is
:class:`modelpact.ledger.Run`. The active run was called ``Run`` too; that name still
resolves here, with a :class:`DeprecationWarning`, so code written against it keeps working.
"""

import warnings
from typing import Any

from modelpact.tracking.run import ActiveRun, start_run

__all__ = ["ActiveRun", "start_run"]


def __getattr__(name: str) -> Any:
    if name == "Run":
        warnings.warn(
            "modelpact.tracking.Run is now modelpact.ActiveRun (modelpact.ledger.Run is the "
            "stored record); import ActiveRun instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return ActiveRun
    raise AttributeError(f"module 'modelpact.tracking' has no attribute '{name}'")
