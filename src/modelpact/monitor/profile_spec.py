"""The reference-derived grid every profile is computed on, and how columns are typed.

:class:`ProfileSpec` is learned once from the reference: for every numeric column a grid of
interior bin edges at the reference's quantiles (plus two open-ended outer bins), for every
categorical column the list of reference categories (plus an ``unseen`` bucket).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["ProfileSpec", "Role", "column_kind"]

Role = Literal["feature", "score", "prediction"]
Float = NDArray[np.float64]
Int = NDArray[np.int64]


def column_kind(series: pd.Series) -> Literal["numeric", "categorical"]:
    """``numeric`` for numbers (not booleans), else ``categorical``."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "numeric"
    return "categorical"


@dataclass(frozen=True)
class ProfileSpec:
    """The reference-derived grid every profile is computed on.

    Build it with :meth:`from_reference`; it is part of a saved reference profile.

    Attributes
    ----------
    numeric
        Column -> sorted unique interior bin edges (``len(edges) + 1`` bins).
    categorical
        Column -> reference categories as strings, most frequent first.
    roles
        Column -> ``feature``, ``score`` or ``prediction``.
    drift_groups
        Numeric column -> start indices of the coarse bins used for drift distances (groups of
        consecutive fine bins holding roughly equal reference mass).
    """

    numeric: Mapping[str, Float]
    categorical: Mapping[str, tuple[str, ...]]
    roles: Mapping[str, Role] = field(default_factory=dict)
    drift_groups: Mapping[str, Int] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """Every profiled column, numeric ones first."""
        return [*self.numeric, *self.categorical]

    def kind(self, column: str) -> Literal["numeric", "categorical"]:
        """Whether *column* is profiled as numeric or categorical."""
        return "numeric" if column in self.numeric else "categorical"

    @classmethod
    def from_reference(
        cls,
        frame: pd.DataFrame,
        columns: Sequence[str],
        *,
        roles: Mapping[str, Role] | None = None,
        categorical: Iterable[str] = (),
        n_bins: int = 128,
        n_drift_bins: int = 16,
        max_categories: int = 200,
    ) -> ProfileSpec:
        """Learn bin edges and categories from the reference rows.

        Parameters
        ----------
        frame
            The reference table.
        columns
            The columns to profile (features, scores, predictions).
        roles
            Column -> role; columns not named are features.
        categorical
            Columns to treat as categorical even if numeric (e.g. integer codes).
        n_bins
            Quantile bins of the fine grid (the quantile sketch's resolution).
        n_drift_bins
            Coarse bins for the drift distances (fewer bins: less sampling noise per bin).
        max_categories
            Categories kept per categorical column (the most frequent); rarer reference values
            fall in the ``unseen`` bucket like values never seen at all.

        Examples
        --------
        >>> import pandas as pd
        >>> spec = ProfileSpec.from_reference(pd.DataFrame({"x": [1.0, 2, 3, 4], "c": list("aabc")}),
        ...                                   ["x", "c"], n_bins=2)
        >>> spec.numeric["x"].tolist(), spec.categorical["c"]
        ([2.5], ('a', 'b', 'c'))
        """
        forced = set(categorical)
        numeric: dict[str, Float] = {}
        groups: dict[str, Int] = {}
        cats: dict[str, tuple[str, ...]] = {}
        for col in columns:
            series = frame[col]
            if col not in forced and column_kind(series) == "numeric":
                # one sort serves the quantiles (a selection per quantile costs more than
                # the sort) and the bin counts (a binary search per edge, not per value)
                values = np.sort(_finite(series))
                if values.size:
                    probs = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
                    edges = np.unique(np.quantile(values, probs))
                else:
                    edges = np.empty(0)
                numeric[col] = edges
                ends = np.searchsorted(values, edges, side="left")
                counts = np.diff(np.r_[0, ends, values.size]).astype(np.int64)
                groups[col] = _drift_groups(counts, n_drift_bins)
            else:
                codes, uniques = _factorize(series)
                counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
                order = np.lexsort((np.asarray(uniques, dtype=object).astype(str), -counts))
                cats[col] = tuple(str(uniques[i]) for i in order[:max_categories])
        return cls(numeric=numeric, categorical=cats, roles=dict(roles or {}), drift_groups=groups)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (edges as floats, categories as strings)."""
        return {
            "numeric": {c: [float(e) for e in v] for c, v in self.numeric.items()},
            "categorical": {c: list(v) for c, v in self.categorical.items()},
            "roles": dict(self.roles),
            "drift_groups": {c: [int(g) for g in v] for c, v in self.drift_groups.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProfileSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(
            numeric={c: np.asarray(v, dtype=np.float64) for c, v in data["numeric"].items()},
            categorical={c: tuple(v) for c, v in data["categorical"].items()},
            roles=dict(data.get("roles", {})),
            drift_groups={c: np.asarray(v, dtype=np.int64)
                          for c, v in data.get("drift_groups", {}).items()},
        )


def _drift_groups(counts: Int, n_groups: int) -> Int:
    # Start index of each coarse bin: cut the fine bins where the reference's cumulative share
    # crosses multiples of 1/n_groups, so each coarse bin holds about the same reference mass.
    total = counts.sum()
    if total == 0 or counts.size <= n_groups:
        return np.arange(counts.size, dtype=np.int64)
    cum = np.cumsum(counts) / total
    cuts = np.searchsorted(cum, np.arange(1, n_groups) / n_groups, side="left") + 1
    starts = np.unique(np.concatenate([[0], cuts[cuts < counts.size]]))
    return starts.astype(np.int64)


def _finite(series: pd.Series) -> Float:
    values = np.asarray(pd.to_numeric(series, errors="coerce"), dtype=np.float64)
    return values[np.isfinite(values)]


def _factorize(series: pd.Series) -> tuple[Int, Any]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        return codes, series.cat.categories
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64), uniques


def _cat_str(value: Any) -> str:
    # 1 and 1.0 are the same category whichever way the column was parsed
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    return str(value)
