"""Exceptions raised by modelpact.

Every error the package raises on purpose derives from :class:`ModelpactError`, so a caller
can catch them all at once; where users would reach for a built-in, the error inherits it
too::

    ModelpactError
    ├── InvalidDataError (ValueError)      a data file or frame is unusable as given
    │   └── ColumnNotFoundError (KeyError) a named column is absent
    ├── PactError (ValueError)             a pact file is malformed or inconsistent
    ├── MetricError (ValueError)           a metric cannot be computed on these inputs
    ├── ModelLoadError                     a model file cannot be loaded or used
    ├── StoreError                         the ledger cannot be reached or is inconsistent
    │   └── NotFoundError (LookupError)    a run, model or project does not exist
    ├── PromotionRefused                   the registry's rules do not allow a stage change
    └── ConfigurationError (ValueError)    options that contradict each other

Messages say what was wrong, where (file, column, row or line) and what to do about it.
The CLI prints the message on one line and exits with code 2, except for
:class:`PromotionRefused`: the request was understood and the answer is no, so it exits 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

__all__ = [
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
]


class ModelpactError(Exception):
    """Root of every error raised on purpose by modelpact."""


class InvalidDataError(ModelpactError, ValueError):
    """A data file or frame cannot be used as given (unparseable, wrong values, empty)."""


class ColumnNotFoundError(InvalidDataError, KeyError):
    """A column named in the pact or on the command line is not in the data."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class PactError(ModelpactError, ValueError):
    """A pact file is malformed, or refers to metrics, columns or classes that do not exist."""


class MetricError(ModelpactError, ValueError):
    """A metric cannot be computed on the given inputs (one class only for AUC, say)."""


class ModelLoadError(ModelpactError):
    """A model file cannot be loaded, or the loaded object cannot predict."""


class StoreError(ModelpactError):
    """The ledger store cannot be reached, is at the wrong schema version, or refused a write."""


class NotFoundError(StoreError, LookupError):
    """A project, run, dataset or model version does not exist in the ledger."""


class PromotionRefused(ModelpactError):
    """A model version may not move to a stage: the registry's rules require evidence
    (a ``signed_off`` verdict against the project's current pact) that is not stored."""


class ConfigurationError(ModelpactError, ValueError):
    """Options or settings that contradict each other or are missing."""


def closest(name: str, candidates: Iterable[str]) -> str:
    """Return a ``"; did you mean 'x'?"`` hint for *name*, or an empty string.

    Examples
    --------
    >>> closest("scroe", ["score", "target"])
    "; did you mean 'score'?"
    >>> closest("zzz", ["score"])
    ''
    """
    match = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def plain_repr(value: Any) -> str:
    """``repr`` of a value as the user wrote it: NumPy scalars shown as Python's.

    NumPy 2 shows its scalars as ``np.float64(inf)`` and ``np.int64(7)``; a message about a
    cell of the user's file should say ``inf`` and ``7``.

    Examples
    --------
    >>> import numpy as np
    >>> plain_repr(np.float64("inf")), plain_repr(np.int64(7)), plain_repr("EU")
    ('inf', '7', "'EU'")
    """
    from modelpact._json import plain_scalar  # NumPy loads only when a message needs it

    return repr(plain_scalar(value))
