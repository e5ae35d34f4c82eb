"""modelpact: make the definition of "done" for machine-learning work executable and statistical.

The pact states acceptance criteria as thresholds against a baseline; every criterion is
decided on a confidence interval as pass, fail or inconclusive.
"""

from modelpact._version import __version__

__all__ = ["__version__"]
