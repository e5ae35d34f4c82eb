"""One linear pass over each column: what kind of data it holds and whether models can use it.

The profile decides which columns become model features; the ``type_problems``,
``constant_columns`` and ``id_like_columns`` checks report what it found.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["ColumnKind", "ColumnProfile", "describe_columns", "profile_column"]

ColumnKind = Literal[
    "numeric", "boolean", "categorical", "datetime", "numeric_text", "datetime_text", "unusable"
]

# Type sniffing looks at this many non-missing values per text column: parsing is the costly
# part, and a seeded sample of 5,000 estimates a parse rate to within about a percent.
_SNIFF_ROWS = 5_000
# Share of values that must parse before a text column is treated as numbers or dates.
_PARSE_SHARE = 0.95
# Between this share and _PARSE_SHARE the column is "mixed": mostly one type, some garbage.
_MIXED_SHARE = 0.5


@dataclass(frozen=True)
class ColumnProfile:
    """What one column holds.

    ``kind`` is how models will see it: ``numeric_text`` and ``datetime_text`` are text
    columns that will be parsed, ``unusable`` ones are left out of every model.
    """

    name: str
    dtype: str
    kind: ColumnKind
    n_missing: int
    n_unique: int
    unique_per_row: bool = False
    monotonic: bool = False
    parse_share: float | None = None
    mixed: bool = False
    bad_examples: tuple[str, ...] = ()
    reason: str = ""

    @property
    def constant(self) -> bool:
        """At most one distinct non-missing value: carries no information."""
        return self.n_unique <= 1


def _sniff(values: pd.Series, seed: int) -> tuple[str | None, float, tuple[str, ...]]:
    """Guess whether text values are numbers or dates; return (kind, parse share, bad examples)."""
    sample = values.dropna()
    if len(sample) > _SNIFF_ROWS:
        sample = sample.sample(_SNIFF_ROWS, random_state=seed)
    if len(sample) == 0:
        return None, 0.0, ()
    text = sample.astype(str).str.strip()
    as_number = pd.to_numeric(text, errors="coerce")
    number_share = float(as_number.notna().mean())
    date_share = 0.0
    parsed_dates = None
    if number_share < _PARSE_SHARE:
        with warnings.catch_warnings():
            # pandas warns when it falls back to per-element date parsing; the share we measure
            # is what matters, not how pandas got there.
            warnings.simplefilter("ignore")
            parsed_dates = pd.to_datetime(text, errors="coerce", format="mixed")
        # a column of small integers would parse as dates too; only text that does not look
        # like plain numbers counts as dates, and it must hold a digit: pandas reads bare month
        # and weekday names ('may', 'mon') as dates, which are categories, not timestamps
        has_digit = text.str.contains(r"\d", regex=True)
        date_share = float((parsed_dates.notna() & as_number.isna() & has_digit).mean())
    if number_share >= date_share and number_share >= _MIXED_SHARE:
        bad = text[as_number.isna()]
        return "numeric_text", number_share, tuple(bad.unique()[:3].tolist())
    if date_share >= _MIXED_SHARE and parsed_dates is not None:
        bad = text[parsed_dates.isna()]
        return "datetime_text", date_share, tuple(bad.unique()[:3].tolist())
    return None, max(number_share, date_share), ()


def profile_column(series: pd.Series, *, name: str, seed: int = 0) -> ColumnProfile:
    """Profile one column (see :class:`ColumnProfile`).

    Examples
    --------
    >>> profile_column(pd.Series(["1", "2", "x3"] * 10), name="a").kind
    'numeric_text'
    >>> profile_column(pd.Series([1, 2, 3]), name="id").unique_per_row
    True
    """
    n = len(series)
    n_missing = int(series.isna().sum())
    dtype = str(series.dtype)
    kind: ColumnKind
    try:
        n_unique = int(series.nunique(dropna=True))
    except TypeError:
        # unhashable cells (lists, dicts) cannot be counted, compared or encoded
        return ColumnProfile(
            name, dtype, "unusable", n_missing, 0,
            reason="holds unhashable values (lists or mappings) that no model can use",
        )
    non_missing = n - n_missing
    unique_per_row = non_missing > 1 and n_unique == non_missing
    if pd.api.types.is_bool_dtype(series):
        return ColumnProfile(name, dtype, "boolean", n_missing, n_unique)
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnProfile(name, dtype, "datetime", n_missing, n_unique, unique_per_row)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_complex_dtype(series):
        monotonic = bool(
            non_missing > 1 and n_missing == 0
            and (series.is_monotonic_increasing or series.is_monotonic_decreasing)
        )
        return ColumnProfile(
            name, dtype, "numeric", n_missing, n_unique, unique_per_row, monotonic
        )
    if pd.api.types.is_complex_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return ColumnProfile(
            name, dtype, "unusable", n_missing, n_unique,
            reason=f"has dtype {dtype}, which the audit's models cannot use",
        )
    # object / string / category: text that may hide numbers, dates, or a mix of types
    present = series.dropna()
    types = present.map(type).value_counts() if len(present) <= _SNIFF_ROWS else (
        present.sample(_SNIFF_ROWS, random_state=seed).map(type).value_counts()
    )
    mixed_python = len(types) > 1 and not all(issubclass(t, str | bytes) for t in types.index)
    if isinstance(series.dtype, pd.CategoricalDtype):
        return ColumnProfile(name, dtype, "categorical", n_missing, n_unique, unique_per_row)
    sniffed, share, bad = _sniff(series, seed)
    if sniffed is not None:
        kind = "numeric_text" if sniffed == "numeric_text" else "datetime_text"
        return ColumnProfile(
            name, dtype, kind, n_missing, n_unique, unique_per_row,
            parse_share=share, mixed=share < _PARSE_SHARE or mixed_python, bad_examples=bad,
        )
    return ColumnProfile(
        name, dtype, "categorical", n_missing, n_unique, unique_per_row, mixed=mixed_python,
        bad_examples=tuple(sorted(t.__name__ for t in types.index)) if mixed_python else (),
    )


def describe_columns(frame: pd.DataFrame, *, seed: int = 0) -> dict[str, ColumnProfile]:
    """Each column's kind, dtype, gaps and distinct values, keyed by column name.

    The audit's type diagnosis, not a drift profile (:func:`modelpact.monitor.profile_frame`).
    """
    return {str(c): profile_column(frame[c], name=str(c), seed=seed) for c in frame.columns}


def as_model_values(series: pd.Series, kind: ColumnKind) -> pd.Series:
    """The column as numbers a model can use, for numeric-like kinds (floats, NaN for gaps)."""
    if kind in ("numeric", "boolean"):
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return series.astype("float64")
        # a test file can store as text what training stored as numbers: parse what parses
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if kind == "numeric_text":
        return pd.to_numeric(series.astype(str).str.strip(), errors="coerce").astype("float64")
    if kind in ("datetime", "datetime_text"):
        if kind == "datetime_text":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # see _sniff: the parse share was measured
                series = pd.to_datetime(series, errors="coerce", format="mixed")
        stamps = pd.to_datetime(series, errors="coerce")
        seconds = stamps.astype("int64").astype("float64") / 86_400.0
        seconds[stamps.isna().to_numpy()] = np.nan
        return pd.Series(seconds, index=series.index)
    raise ValueError(f"column kind {kind!r} is not numeric")
