"""The prepared data every check reads: target encoded, columns profiled, samples drawn once.

An :class:`AuditContext` is built once per audit by :func:`prepare`; checks only read it.
Expensive shared work (row hashes, the stratified sample, encoded feature matrices) is computed
on first use and cached, so two checks that need the same thing pay for it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.audit.profile import ColumnKind, ColumnProfile, as_model_values, describe_columns
from modelpact.data import require_columns
from modelpact.errors import ConfigurationError, InvalidDataError, plain_repr
from modelpact.pact import Pact

__all__ = ["AuditContext", "Encoder", "prepare"]

# Categories beyond this many (by frequency) share one code: histogram gradient boosting
# accepts at most 255 bins per feature, and the rare tail carries little signal anyway.
_MAX_CATEGORIES = 250
# Value of a split column that marks test rows, when it holds one of these (case-insensitive).
_TEST_WORDS = ("test", "testing", "holdout", "valid", "validation", "eval", "evaluation", "true", "1")

Float = NDArray[np.float64]


@dataclass(frozen=True)
class Encoder:
    """Turns feature columns into a float matrix for models, learned on the training frame.

    Numbers (including numbers stored as text and dates) stay numeric; categories become codes
    ordered by frequency in training (``NaN`` for missing and unseen values), with a mask telling
    which columns are categorical.
    """

    features: tuple[str, ...]
    kinds: dict[str, ColumnKind]
    categories: dict[str, pd.Index]

    @classmethod
    def fit(cls, frame: pd.DataFrame, profiles: dict[str, ColumnProfile],
            features: list[str]) -> Encoder:
        kinds = {c: profiles[c].kind for c in features}
        categories: dict[str, pd.Index] = {}
        for c in features:
            if kinds[c] == "categorical":
                counts = frame[c].astype(str).where(frame[c].notna()).value_counts()
                # ties broken by the value itself, so the coding never depends on row order
                order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                categories[c] = pd.Index([k for k, _ in order[:_MAX_CATEGORIES]])
        return cls(tuple(features), kinds, categories)

    @property
    def categorical_mask(self) -> NDArray[np.bool_]:
        """True for columns encoded as category codes."""
        return np.array([self.kinds[c] == "categorical" for c in self.features], dtype=bool)

    def transform(self, frame: pd.DataFrame) -> Float:
        """The float matrix of *frame*'s feature columns (rows in frame order)."""
        out = np.empty((len(frame), len(self.features)), dtype=np.float64)
        for j, c in enumerate(self.features):
            kind = self.kinds[c]
            if kind == "categorical":
                cats = self.categories[c]
                codes = cats.get_indexer(pd.Index(frame[c].astype(str).where(frame[c].notna())))
                col = codes.astype(np.float64)
                # unseen but present values share one "other" code; missing stays NaN
                col[codes < 0] = float(len(cats))
                col[frame[c].isna().to_numpy()] = np.nan
                out[:, j] = col
            else:
                out[:, j] = as_model_values(frame[c], kind).to_numpy()
        return out


@dataclass
class AuditContext:
    """Prepared inputs of one audit (built by :func:`prepare`; checks read it, never write it).

    Attributes
    ----------
    frame
        The training (or only) table, with a fresh 0..n-1 index.
    test
        The test table, from ``test=`` or the test side of ``split_column``, or None.
    y_full, y_test_full
        The target encoded for models: 0/1 for binary (1 = positive class), class codes for
        multiclass, floats for regression; NaN where a row has no usable label (``labelled``
        marks the others). :meth:`y` reads it at sampled positions.
    row_ids, test_row_ids
        How findings name rows: the id column's values, else 0-based positions.
    """

    frame: pd.DataFrame
    source: str
    target: str
    task: str
    positive_class: Any
    classes: tuple[Any, ...]
    y_full: Float
    labelled: NDArray[np.bool_]
    profiles: dict[str, ColumnProfile]
    features: list[str]
    row_ids: NDArray[Any]
    seed: int = 0
    sample_rows: int = 20_000
    test: pd.DataFrame | None = None
    test_source: str | None = None
    y_test_full: Float | None = None
    test_row_ids: NDArray[Any] | None = None
    time_column: str | None = None
    time_values: Float | None = None
    split_column: str | None = None
    id_column: str | None = None
    pact: Pact | None = None
    excluded: dict[str, str] = field(default_factory=dict)
    test_missing: list[str] = field(default_factory=list)

    # ---- derived, cached ---------------------------------------------------------------

    @property
    def n(self) -> int:
        """Rows in the training table."""
        return len(self.frame)

    @cached_property
    def encoder(self) -> Encoder:
        """Feature encoder fitted on the whole training table (linear: value counts)."""
        return Encoder.fit(self.frame, self.profiles, self.features)

    @cached_property
    def feature_hash(self) -> NDArray[np.uint64]:
        """A 64-bit hash of each row's feature values (vectorised; equal rows, equal hashes)."""
        return _row_hash(self.frame, self.features, self.profiles)

    @cached_property
    def test_feature_hash(self) -> NDArray[np.uint64]:
        """:attr:`feature_hash` of the test rows (same columns, same canonical types)."""
        assert self.test is not None
        return _row_hash(self.test, self.features, self.profiles)

    @cached_property
    def scales(self) -> Float:
        """Robust spread per encoded numeric feature (IQR/1.349, else std, else 1)."""
        X = self.X(self.sample())
        out = np.ones(X.shape[1])
        for j in range(X.shape[1]):
            col = X[~np.isnan(X[:, j]), j]
            if len(col) < 2:
                continue
            q1, q3 = np.quantile(col, [0.25, 0.75])
            spread = (q3 - q1) / 1.349 if q3 > q1 else float(np.std(col))
            out[j] = spread if spread > 0 else 1.0
        return out

    def distance_space(self, X: Float) -> Float:
        """Rows of an encoded matrix placed so that Euclidean distance means 'how different'.

        Numbers are divided by their robust spread; a missing number sits far from every
        present one; categories are spaced so far apart that rows differing in any category
        are never near each other. Two rows at distance ``d`` then differ on average by about
        ``d / sqrt(p)`` spreads per numeric feature.
        """
        Z = X / self.scales
        far = 1e6
        Z[:, self.encoder.categorical_mask] *= far
        Z[np.isnan(Z)] = -far
        return Z

    @cached_property
    def target_hash(self) -> NDArray[np.uint64]:
        """A 64-bit hash of each row's target value."""
        hashed = pd.util.hash_pandas_object(self.frame[self.target], index=False)
        return np.asarray(hashed, dtype=np.uint64)

    def sample(self, n_max: int | None = None, *, labelled_only: bool = True) -> NDArray[np.intp]:
        """Sorted row positions of a seeded sample, stratified by class for classification.

        Every check asking for the same size gets the same rows, so their findings agree.
        """
        n_max = self.sample_rows if n_max is None else n_max
        return self._sample(int(n_max), labelled_only)

    def _sample(self, n_max: int, labelled_only: bool) -> NDArray[np.intp]:
        key = (n_max, labelled_only)
        cache: dict[tuple[int, bool], NDArray[np.intp]] = self.__dict__.setdefault("_samples", {})
        if key in cache:
            return cache[key]
        pool = np.flatnonzero(self.labelled) if labelled_only else np.arange(self.n)
        rng = np.random.default_rng(self.seed)
        if len(pool) <= n_max:
            chosen = pool
        elif self.task == "regression" or not labelled_only:
            chosen = np.sort(rng.choice(pool, size=n_max, replace=False))
        else:
            y = self.y_full[pool]
            parts = []
            for code in np.unique(y):
                members = pool[y == code]
                # proportional quota, but at least a few rows of every class so per-class
                # checks still see it
                quota = max(min(len(members), 10), round(n_max * len(members) / len(pool)))
                parts.append(rng.choice(members, size=min(quota, len(members)), replace=False))
            chosen = np.sort(np.concatenate(parts))
        cache[key] = chosen.astype(np.intp)
        return cache[key]

    def sample_note(self, rows: int, purpose: str) -> dict[str, Any] | None:
        """The ``sampled`` entry for a check that used *rows* of the labelled rows, or None."""
        total = int(self.labelled.sum())
        if rows >= total:
            return None
        how = "stratified by class" if self.task != "regression" else "uniform"
        return {"rows": int(rows), "of": total, "method": f"seeded random sample, {how}",
                "seed": self.seed, "why": purpose}

    def X(self, positions: NDArray[np.intp]) -> Float:
        """Encoded features of the training rows at *positions*."""
        return self.encoder.transform(self.frame.iloc[positions])

    def y(self, positions: NDArray[np.intp]) -> Float:
        """Encoded target of the training rows at *positions*."""
        return self.y_full[positions]

    def ids(self, positions: NDArray[np.intp] | list[int], cap: int = 20) -> tuple[Any, ...]:
        """Row ids of up to *cap* training rows, for a finding's ``rows``."""
        return tuple(self.row_ids[np.asarray(positions[:cap], dtype=np.intp)].tolist())

    def test_ids(self, positions: NDArray[np.intp] | list[int], cap: int = 20) -> tuple[Any, ...]:
        """Row ids of up to *cap* test rows."""
        assert self.test_row_ids is not None
        return tuple(self.test_row_ids[np.asarray(positions[:cap], dtype=np.intp)].tolist())

    @property
    def minority_share(self) -> float:
        """Share of the rarest class among labelled rows (1.0 for regression)."""
        if self.task == "regression":
            return 1.0
        counts = np.bincount(self.y_full[self.labelled].astype(np.int64))
        counts = counts[counts > 0]
        return float(counts.min() / counts.sum())


def _row_hash(frame: pd.DataFrame, columns: list[str],
              profiles: dict[str, ColumnProfile]) -> NDArray[np.uint64]:
    """Combine per-column hashes so that the same values in the same columns collide.

    Numbers are hashed as float64 so that 3 (int, no gaps) in one file equals 3.0 (float,
    with gaps) in another.
    """
    out = np.zeros(len(frame), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in columns:
            values = frame[c]
            if profiles[c].kind in ("numeric", "boolean") and pd.api.types.is_numeric_dtype(values):
                values = values.astype("float64")
            h = np.asarray(pd.util.hash_pandas_object(values, index=False), dtype=np.uint64)
            # multiply-then-add mixing keeps column order significant (a,b) != (b,a)
            out = out * np.uint64(0x9E3779B97F4A7C15) + h
    return out


# ---- preparation -------------------------------------------------------------------------


def _infer_task(values: pd.Series, source: str, target: str) -> str:
    n_unique = values.nunique()
    if n_unique < 2:
        only = values.iloc[0] if len(values) else "nothing"
        raise InvalidDataError(
            f"{source}: target column '{target}' has one class only ({plain_repr(only)}); an audit needs "
            "at least two classes (or varying values for regression)"
        )
    if n_unique == 2:
        return "binary"
    if pd.api.types.is_float_dtype(values) and not np.all(np.mod(values, 1) == 0):
        return "regression"
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) \
            and n_unique > 20:
        return "regression"
    return "multiclass"


def _positive_class(values: pd.Series, pact: Pact | None) -> Any:
    uniques = list(pd.unique(values))
    if pact is not None and pact.positive_class is not None:
        for u in uniques:
            if u == pact.positive_class or str(u) == str(pact.positive_class):
                return u
        raise InvalidDataError(
            f"the pact's positive_class {pact.positive_class!r} is not a value of the target "
            f"(values: {', '.join(map(repr, sorted(uniques, key=str)))})"
        )
    as_set = {str(u).lower() for u in uniques}
    for marker in ("1", "true", "yes", "1.0"):
        if marker in as_set and len(as_set) == 2:
            return next(u for u in uniques if str(u).lower() == marker)
    counts = values.value_counts()
    # otherwise the rarer class is the one a team usually cares about (fraud, default, churn)
    rare = counts[counts == counts.min()].index
    return sorted(rare, key=str)[-1]


def _test_side(values: pd.Series, column: str, source: str) -> NDArray[np.bool_]:
    uniques = list(pd.unique(values.dropna()))
    if len(uniques) != 2:
        raise InvalidDataError(
            f"{source}: split column '{column}' must hold exactly two values (train and test), "
            f"found {len(uniques)}"
        )
    for u in uniques:
        if str(u).strip().lower() in _TEST_WORDS:
            return np.asarray(values == u, dtype=bool)
    counts = values.value_counts()
    # no telling word: the smaller side is the test side, as in nearly every split
    return np.asarray(values == counts.idxmin(), dtype=bool)


def _time_values(series: pd.Series, column: str, source: str) -> Float:
    if pd.api.types.is_bool_dtype(series):
        raise InvalidDataError(
            f"{source}: time column '{column}' holds booleans, not times; give a column of "
            "timestamps, dates or ordered numbers"
        )
    if pd.api.types.is_numeric_dtype(series):
        return np.asarray(series, dtype=np.float64)
    if pd.api.types.is_datetime64_any_dtype(series):
        return np.asarray(as_model_values(series, "datetime"), dtype=np.float64)
    parsed = as_model_values(series, "datetime_text")
    bad = parsed.isna() & series.notna()
    if bad.mean() > 0.05 or parsed.notna().sum() == 0:
        example = series[bad].iloc[0] if bad.any() else None
        raise InvalidDataError(
            f"{source}: time column '{column}' is not a time: {int(bad.sum())} of "
            f"{int(series.notna().sum())} values cannot be read as dates (e.g. {plain_repr(example)}); "
            "give a column of timestamps, dates or ordered numbers"
        )
    return np.asarray(parsed, dtype=np.float64)


def prepare(
    frame: pd.DataFrame,
    *,
    source: str,
    target: str,
    test: pd.DataFrame | None = None,
    test_source: str | None = None,
    split_column: str | None = None,
    time_column: str | None = None,
    id_column: str | None = None,
    pact: Pact | None = None,
    seed: int = 0,
    sample_rows: int = 20_000,
) -> AuditContext:
    """Validate the inputs and build the :class:`AuditContext` (see :func:`~modelpact.audit.audit`).

    Raises
    ------
    ColumnNotFoundError
        When the target, split, time or id column is missing (with the closest name).
    InvalidDataError
        One-class target, a split column without two values, a time column that is not a time.
    """
    if test is not None and split_column is not None:
        raise ConfigurationError("give either a test table or a split column, not both")
    frame = _string_columns(frame, source)
    if test is not None:
        test = _string_columns(test, test_source or "<test>")
    require_columns(frame, [target], source=source, role="target")
    for column, role in ((split_column, "split column"), (time_column, "time column"),
                         (id_column, "id column")):
        if column is not None:
            require_columns(frame, [column], source=source, role=role)
    if test is not None:
        require_columns(test, [target], source=test_source or "<test>", role="target")
    frame = frame.reset_index(drop=True)
    if split_column is not None:
        is_test = _test_side(frame[split_column], split_column, source)
        test = frame.loc[is_test].reset_index(drop=True)
        frame = frame.loc[~is_test].reset_index(drop=True)
        test_source = f"{source} [{split_column} test side]"
    elif test is not None:
        test = test.reset_index(drop=True)

    labels = frame[target]
    labelled = labels.notna().to_numpy()
    if not labelled.any():
        raise InvalidDataError(f"{source}: target column '{target}' has no values")
    task = pact.task if pact is not None else _infer_task(labels[labelled], source, target)
    if labels[labelled].nunique() < 2:
        _infer_task(labels[labelled], source, target)  # raises the one-class error
    positive: Any = None
    classes: tuple[Any, ...] = ()

    def encode(values: pd.Series) -> Float:
        out = np.full(len(values), np.nan)
        present = values.notna().to_numpy()
        if task == "binary":
            out[present] = (values[present] == positive).to_numpy().astype(np.float64)
        elif task == "multiclass":
            lookup = {c: i for i, c in enumerate(classes)}
            coded = values[present].map(lambda v: lookup.get(v, -1)).to_numpy(np.float64)
            coded[coded < 0] = np.nan  # a class absent from training cannot be scored
            out[present] = coded
        else:
            out[present] = pd.to_numeric(values[present], errors="coerce").to_numpy(np.float64)
        return out

    if task == "binary":
        if labels[labelled].nunique() > 2:
            raise InvalidDataError(
                f"{source}: target column '{target}' has {labels[labelled].nunique()} values, "
                "but the pact's task is binary"
            )
        positive = _positive_class(labels[labelled], pact)
        negative = next(u for u in pd.unique(labels[labelled]) if u != positive)
        classes = (negative, positive)
    elif task == "multiclass":
        if pact is not None and pact.classes:
            classes = tuple(pact.classes)
        else:
            classes = tuple(sorted(pd.unique(labels[labelled]), key=lambda v: (str(type(v)), v)))
    y_full = encode(labels)
    if task == "regression" and np.isnan(y_full[labelled]).any():
        raise InvalidDataError(
            f"{source}: target column '{target}' is not numeric, but the task is regression"
        )
    labelled = labelled & ~np.isnan(y_full)

    profiles = describe_columns(frame, seed=seed)
    roles = {target, split_column, time_column, id_column}
    if pact is not None:
        roles.update(c for c in pact.columns.roles() if c in frame.columns)
    excluded: dict[str, str] = {}
    features: list[str] = []
    wanted = (
        [c for c in pact.columns.features if c in frame.columns]
        if pact is not None and pact.columns.features
        else [str(c) for c in frame.columns]
    )
    for c in wanted:
        p = profiles[c]
        if c in roles:
            excluded[c] = "has a role (target, id, time or split)"
        elif p.kind == "unusable":
            excluded[c] = p.reason
        elif p.constant:
            excluded[c] = "constant"
        elif _looks_like_id(p, len(frame)):
            excluded[c] = "looks like a row id"
        else:
            features.append(c)

    row_ids: NDArray[Any] = (
        frame[id_column].to_numpy() if id_column is not None else np.arange(len(frame))
    )
    ctx = AuditContext(
        frame=frame, source=source, target=target, task=task, positive_class=positive,
        classes=classes, y_full=y_full, labelled=labelled, profiles=profiles, features=features,
        row_ids=row_ids, seed=seed, sample_rows=sample_rows, time_column=time_column,
        split_column=split_column, id_column=id_column, pact=pact, excluded=excluded,
    )
    if time_column is not None:
        ctx.time_values = _time_values(frame[time_column], time_column, source)
    if test is not None:
        # a test table without some training columns is still audited on the shared ones;
        # split_drift reports the gap
        ctx.test_missing = [c for c in features if c not in test.columns]
        if ctx.test_missing:
            test = test.assign(**{c: np.nan for c in ctx.test_missing})
        ctx.test = test
        ctx.test_source = test_source or "<test>"
        ctx.y_test_full = encode(test[target])
        if id_column is not None and id_column in test.columns:
            ctx.test_row_ids = test[id_column].to_numpy()
        else:
            ctx.test_row_ids = np.arange(len(test))
    return ctx


def _string_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Column names as unique strings, so every check can name and index them alike."""
    names = [str(c) for c in frame.columns]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidDataError(f"{source}: column name '{name}' appears twice; rename one")
        seen.add(name)
    if names != list(frame.columns):
        frame = frame.set_axis(names, axis=1)
    return frame


def _looks_like_id(p: ColumnProfile, n: int) -> bool:
    """Integer or text unique per row (any order), or integers counting up or down."""
    if n < 20 or p.kind in ("datetime", "datetime_text"):
        return False
    integer_like = p.kind in ("numeric", "numeric_text") and "float" not in p.dtype
    if p.kind == "categorical":
        # text ids survive a few duplicated rows: nearly one distinct value per row is enough
        return p.n_unique >= 0.99 * (n - p.n_missing)
    if integer_like:
        return p.unique_per_row or (p.monotonic and p.n_unique >= 0.95 * n)
    return False
