"""Mergeable profiles: small summaries of a table that add up exactly.

A :class:`ProfileSpec` is learned once from the reference: for every numeric column a grid of
interior bin edges at the reference's quantiles (plus two open-ended outer bins), for every
categorical column the list of reference categories (plus an ``unseen`` bucket). A
:class:`FrameProfile` of any table on that spec holds, per column:

* numeric: counts and sums of values per bin, the number of values, their mean and sum of squared deviations
  (Chan et al.'s parallel moments), minimum, maximum and the number of missing values;
* categorical: counts per reference category, the count of values never seen in the reference,
  and the number of missing values.

Profiles merge: ``a.merge(b)`` equals the profile of the concatenated rows (bin counts, missing
counts, minimum and maximum exactly; mean and sum of squares to floating-point rounding), and
merging is associative. That is what lets the reference be stored without its rows, and a Dask
cluster compute profiles partition by partition.

The bin counts double as a quantile sketch (:meth:`NumericProfile.quantile`): with ``B``
reference-quantile bins, a quantile of data distributed like the reference is located inside a
bin holding about ``1/B`` of the mass, so its rank error is at most that bin's share of the rows
and its value error at most the bin's width (values are interpolated linearly inside the bin;
the outer bins are bounded by the observed minimum and maximum). The sketch is exact in the
sense that merging never adds error: the error bound of a merged sketch is that of the grid.

Missing values are ``NaN``/``None``; for numeric columns ``±inf`` counts as missing too, because
it has no place in a mean or a distance between distributions.

The pieces live in their own modules and are all importable from here: the spec in
:mod:`~modelpact.monitor.profile_spec`, the profiles in
:mod:`~modelpact.monitor.column_profiles`, the kernels that compute them in
:mod:`~modelpact.monitor.profiling` (binning in :mod:`~modelpact.monitor.binning`); this module
adds the reference profile a monitoring run can be given instead of the reference rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from modelpact._files import atomic_write_text
from modelpact.errors import InvalidDataError
from modelpact.monitor.binning import bin_index
from modelpact.monitor.column_profiles import (
    CategoricalProfile,
    ColumnProfile,
    FrameProfile,
    NumericProfile,
)
from modelpact.monitor.profile_spec import ProfileSpec, Role, column_kind
from modelpact.monitor.profiling import profile_frame, profile_ranges

__all__ = [
    "CategoricalProfile",
    "ColumnProfile",
    "FrameProfile",
    "NumericProfile",
    "ProfileSpec",
    "ReferenceProfile",
    "Role",
    "bin_index",
    "column_kind",
    "profile_frame",
    "profile_ranges",
]

PROFILE_SCHEMA = "modelpact.profile/v1"


@dataclass(frozen=True)
class ReferenceProfile:
    """Everything monitoring needs from the reference, without its rows.

    ``chunks`` are profiles of consecutive, equal-sized reference chunks, in order; their merge
    is ``total``. Drift thresholds are calibrated from them by leave-chunk-out.
    """

    spec: ProfileSpec
    total: FrameProfile
    chunks: tuple[FrameProfile, ...]
    dtypes: Mapping[str, str] = field(default_factory=dict)
    fingerprint: str = ""

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, spec: ProfileSpec, *, n_chunks: int = 10,
                   fingerprint: str = "") -> ReferenceProfile:
        """Profile the reference in *n_chunks* consecutive chunks of (nearly) equal size."""
        bounds = np.linspace(0, len(frame), n_chunks + 1).round().astype(np.int64)
        chunks = profile_ranges(spec, frame, bounds)
        total = chunks[0]
        for c in chunks[1:]:
            total = total.merge(c)
        dtypes = {c: str(frame[c].dtype) for c in spec.columns if c in frame.columns}
        return cls(spec, total, tuple(chunks), dtypes, fingerprint)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with a ``schema`` key."""
        return {"schema": PROFILE_SCHEMA, "fingerprint": self.fingerprint,
                "dtypes": dict(self.dtypes), "spec": self.spec.to_dict(),
                "total": self.total.to_dict(), "chunks": [c.to_dict() for c in self.chunks]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ReferenceProfile:
        """Inverse of :meth:`to_dict`."""
        if d.get("schema") != PROFILE_SCHEMA:
            raise InvalidDataError(
                f"not a modelpact reference profile (schema {d.get('schema')!r}, expected "
                f"{PROFILE_SCHEMA!r}); create one with --save-reference-profile")
        return cls(ProfileSpec.from_dict(d["spec"]), FrameProfile.from_dict(d["total"]),
                   tuple(FrameProfile.from_dict(c) for c in d["chunks"]),
                   dict(d.get("dtypes", {})), str(d.get("fingerprint", "")))

    def save(self, path: str | Path) -> Path:
        """Write the profile as JSON, atomically."""
        return atomic_write_text(path, json.dumps(self.to_dict(), separators=(",", ":")))

    @classmethod
    def load(cls, path: str | Path) -> ReferenceProfile:
        """Read a profile written by :meth:`save`; errors name the file."""
        source = Path(path)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidDataError(f"{source}: reference profile file not found") from None
        except (OSError, ValueError) as exc:
            raise InvalidDataError(f"{source}: cannot read reference profile ({exc})") from None
        try:
            return cls.from_dict(data)
        except InvalidDataError as exc:
            raise InvalidDataError(f"{source}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidDataError(f"{source}: malformed reference profile ({exc})") from None
