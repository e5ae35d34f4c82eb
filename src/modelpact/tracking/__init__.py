"""The experiment loop in Python: ``modelpact.start_run(...)`` and the :class:`Run` it yields."""

from modelpact.tracking.run import Run, start_run

__all__ = ["Run", "start_run"]
