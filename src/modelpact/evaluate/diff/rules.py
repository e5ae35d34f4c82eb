"""Where behaviour changed, in words: rules read from a shallow decision tree.

A tree is fitted to "this row's prediction changed" on the data's features; its leaves are
read out as conditions with their support and change rate, after merging sibling leaves
whose rates do not differ significantly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.errors import ConfigurationError, InvalidDataError
from modelpact.evaluate.diff._common import MAX_CATEGORIES, is_numeric
from modelpact.evaluate.diff.results import Rule

__all__ = ["describe_changes"]


@dataclass(frozen=True)
class _Encoded:
    matrix: NDArray[np.float64]
    # per matrix column: (source column, kind, payload) with kind in num | cat | missing
    meaning: list[tuple[str, str, Any]]
    integer: dict[str, bool]
    # every value of a categorical column, when all of them were one-hot encoded
    categories: dict[str, list[str]] = field(default_factory=dict)


def _encode_features(frame: pd.DataFrame) -> _Encoded:
    blocks: list[NDArray[np.float64]] = []
    meaning: list[tuple[str, str, Any]] = []
    integer: dict[str, bool] = {}
    categories: dict[str, list[str]] = {}
    for name in frame.columns:
        col = frame[name]
        label = str(name)
        if is_numeric(col):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            missing = np.isnan(values)
            finite = values[~missing]
            if finite.size == 0:
                continue
            integer[label] = bool(np.all(finite == np.round(finite)))
            blocks.append(np.where(missing, np.median(finite), values)[:, None])
            meaning.append((label, "num", None))
            if missing.any():
                blocks.append(missing.astype(np.float64)[:, None])
                meaning.append((label, "missing", None))
        else:
            text = col.astype("object").where(col.notna(), "(missing)").astype(str)
            counts = text.value_counts()
            top = counts.index[:MAX_CATEGORIES]
            if len(top) < 2:
                continue
            if len(counts) <= MAX_CATEGORIES:
                categories[label] = [str(v) for v in counts.index]
            codes = text.to_numpy()
            for value in top:
                blocks.append((codes == value).astype(np.float64)[:, None])
                meaning.append((label, "cat", str(value)))
    if not blocks:
        return _Encoded(np.zeros((len(frame), 0)), [], {})
    return _Encoded(np.hstack(blocks), meaning, integer, categories)


def _fmt_threshold(value: float, integer: bool, upper: bool) -> str:
    if integer:
        # x <= 29.5 on integers reads better as x <= 29, and x > 29.5 as x >= 30
        return f"≤ {math.floor(value)}" if upper else f"≥ {math.floor(value) + 1}"
    return f"≤ {value:.4g}" if upper else f"> {value:.4g}"


def _conditions(path: list[tuple[int, bool, float]], enc: _Encoded) -> tuple[str, ...]:
    """Merge a root-to-leaf path into one readable condition per column."""
    bounds: dict[str, list[float]] = {}
    equal: dict[str, str] = {}
    not_equal: dict[str, list[str]] = {}
    missing: dict[str, bool] = {}
    order: list[str] = []
    for feature, goes_left, threshold in path:
        column, kind, payload = enc.meaning[feature]
        if column not in order:
            order.append(column)
        if kind == "num":
            low, high = bounds.setdefault(column, [-math.inf, math.inf])
            if goes_left:
                bounds[column][1] = min(high, threshold)
            else:
                bounds[column][0] = max(low, threshold)
        elif kind == "cat":
            if goes_left:  # one-hot <= 0.5: not this category
                not_equal.setdefault(column, []).append(payload)
            else:
                equal[column] = payload
        else:
            missing[column] = not goes_left
    out = []
    for column in order:
        if column in equal:
            out.append(f"{column} = {equal[column]}")
        elif column in not_equal:
            values = not_equal[column]
            rest = [v for v in enc.categories.get(column, []) if v not in values]
            if len(rest) == 1:  # "sex ≠ Male" on a two-valued column reads "sex = Female"
                out.append(f"{column} = {rest[0]}")
                continue
            out.append(
                f"{column} ≠ {values[0]}"
                if len(values) == 1
                else f"{column} not in {{{', '.join(values)}}}"
            )
        if column in missing:
            out.append(f"{column} is missing" if missing[column] else f"{column} is not missing")
        if column in bounds:
            low, high = bounds[column]
            integer = enc.integer.get(column, False)
            if math.isfinite(low) and math.isfinite(high):
                if integer:
                    out.append(f"{math.floor(low) + 1} ≤ {column} ≤ {math.floor(high)}")
                else:
                    out.append(f"{low:.4g} < {column} ≤ {high:.4g}")
            elif math.isfinite(high):
                out.append(f"{column} {_fmt_threshold(high, integer, upper=True)}")
            elif math.isfinite(low):
                out.append(f"{column} {_fmt_threshold(low, integer, upper=False)}")
    return tuple(out)


def describe_changes(
    features: pd.DataFrame,
    changed: NDArray[np.bool_] | Sequence[bool],
    *,
    transitions: Sequence[str] | NDArray[Any] | None = None,
    max_depth: int = 3,
    min_leaf_share: float = 0.02,
    max_rules: int = 5,
    max_rows: int = 200_000,
    seed: int = 0,
    event: str = "of their predictions changed",
    prune_alpha: float = 0.01,
) -> list[Rule]:
    """Describe where ``changed`` is concentrated, as rules read from a shallow decision tree.

    A :class:`~sklearn.tree.DecisionTreeClassifier` (depth *max_depth*, leaves of at least
    ``min_leaf_share`` of the rows) is fitted to ``changed`` on *features* (categoricals
    one-hot encoded, their 20 most frequent values; missing numbers flagged). Each leaf whose
    change rate exceeds the overall rate becomes a :class:`Rule`; rules are ordered by the
    number of changes they explain beyond the overall rate.

    Parameters
    ----------
    features
        The rows' feature values.
    changed
        Whether each row's prediction changed.
    transitions
        Optional per-row description of the change (``"0 → 1"``); the most common one among a
        rule's changed rows is reported with it.
    max_rows
        Fit the tree on a seeded sample of at most this many rows (rates are then counted on
        every row).
    prune_alpha
        Two sibling leaves are merged back into their parent unless their change rates
        differ at this significance level (two-proportion z-test), so rules only split where
        the rate really differs; and a leaf becomes a rule only if its change rate is above
        the overall rate at this level (one-sided binomial test).
    event
        How rule texts name the flagged rows (``"of them removed"`` for a training set).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"sex": rng.choice(["F", "M"], 2000), "age": rng.integers(18, 80, 2000)})
    >>> changed = (X["sex"] == "F") & (rng.random(2000) < 0.4)
    >>> describe_changes(X, changed.to_numpy())[0].conditions
    ('sex = F',)
    """
    from scipy.stats import binom
    from sklearn.tree import DecisionTreeClassifier

    flags = np.asarray(changed, dtype=bool)
    n = flags.size
    if n != len(features):
        raise InvalidDataError(
            f"describe_changes: {len(features)} feature rows but {n} change flags"
        )
    total = int(flags.sum())
    if total == 0 or n == 0:
        return []
    if not 0 < min_leaf_share < 0.5:
        raise ConfigurationError(f"min_leaf_share must lie in (0, 0.5); got {min_leaf_share:g}")
    enc = _encode_features(features.reset_index(drop=True))
    overall = total / n
    if enc.matrix.shape[1] == 0 or total == n:
        return [Rule((), n, 1.0, total, overall, 1.0, event=event)]
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, max_rows, replace=False)) if n > max_rows else np.arange(n)
    min_leaf = max(1, math.ceil(min_leaf_share * fit_rows.size))
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_leaf, random_state=seed)
    tree.fit(enc.matrix[fit_rows], flags[fit_rows])
    structure = tree.tree_
    # Rows reaching each node, counted on every row (not only the fitting sample).
    membership = tree.decision_path(enc.matrix).tocsc()
    node_rows = np.asarray(membership.sum(axis=0)).ravel()
    node_flips = np.asarray(membership.T @ flags.astype(np.float64)).ravel()
    leaves = _pruned_leaves(structure, node_rows, node_flips, alpha=prune_alpha)
    rules = []
    trans = np.asarray(transitions, dtype=object) if transitions is not None else None
    for node, path in leaves:
        size, flips = int(node_rows[node]), int(np.rint(node_flips[node]))
        if size == 0 or flips == 0 or flips / size <= overall:
            continue
        # report only regions whose change rate is clearly above the overall rate
        if size < n and binom.sf(flips - 1, size, overall) >= prune_alpha:
            continue
        main = ""
        if trans is not None:
            in_node = np.zeros(n, dtype=bool)
            in_node[membership[:, node].indices] = True
            kinds, counts = np.unique(trans[in_node & flags].astype(str), return_counts=True)
            top = int(np.argmax(counts))
            main = f"mostly {kinds[top]}, {counts[top] / flips:.0%} of its changes"
        rule = Rule(
            _conditions(path, enc),
            size,
            size / n,
            flips,
            flips / size,
            flips / total,
            main,
            event,
        )
        rules.append((flips - size * overall, rule))
    rules.sort(key=lambda item: -item[0])
    return [rule for _, rule in rules[:max_rules]]


_TreePath = list[tuple[int, bool, float]]


def _rates_differ(n1: float, k1: float, n2: float, k2: float, alpha: float) -> bool:
    """Two-proportion z-test (pooled) of k1/n1 against k2/n2."""
    from scipy.stats import norm

    if n1 == 0 or n2 == 0:
        return False
    pooled = (k1 + k2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return k1 / n1 != k2 / n2
    z = abs(k1 / n1 - k2 / n2) / math.sqrt(var)
    return bool(2 * norm.sf(z) < alpha)


def _pruned_leaves(
    structure: Any, rows: NDArray[Any], flips: NDArray[Any], *, alpha: float
) -> list[tuple[int, _TreePath]]:
    """Leaves of the tree after merging sibling leaves whose change rates do not differ."""

    def walk(node: int, path: _TreePath) -> list[tuple[int, _TreePath]]:
        left, right = int(structure.children_left[node]), int(structure.children_right[node])
        if left == -1:
            return [(node, path)]
        feature, threshold = int(structure.feature[node]), float(structure.threshold[node])
        below = walk(left, [*path, (feature, True, threshold)])
        above = walk(right, [*path, (feature, False, threshold)])
        terminal = (
            len(below) == 1 and below[0][0] == left and len(above) == 1 and above[0][0] == right
        )
        if terminal and not _rates_differ(
            rows[left], flips[left], rows[right], flips[right], alpha
        ):
            return [(node, path)]
        return below + above

    return walk(0, [])
