"""Behaviour diff: what changed between two versions of a model, where, and which data did it.

Retraining on new data changes the product even when no line of code changed. The behaviour
diff makes that change visible on a table of rows (usually the evaluation set):

* the **disagreement rate** (share of rows whose prediction changed) with a Wilson interval;
* the **flip table** (class A -> class B counts) or, for regression, the distribution of
  changes;
* **per-slice metric changes** with paired intervals, where labels exist;
* **where** behaviour changed, in words: a shallow decision tree fitted to "prediction
  changed" on the data's features, read out as rules with their support and flip rate;
* the **training data diff** between the two versions' training sets (rows added and removed,
  label changes, per-feature drift with effect sizes), when both are available, so that a
  behaviour change can be traced to the data change behind it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial.distance import jensenshannon

from modelpact.data import load_frame, require_columns
from modelpact.errors import ConfigurationError, InvalidDataError, MetricError, ModelLoadError
from modelpact.evaluate._outputs import LabelSpace, Task, infer_task
from modelpact.evaluate._pairing import pair_tables

__all__ = [
    "DIFF_SCHEMA",
    "BehaviourDiff",
    "ChangeDistribution",
    "DataDiff",
    "FeatureDrift",
    "Flip",
    "GroupTrait",
    "Proportion",
    "Rule",
    "SliceChange",
    "describe_changes",
    "diff",
    "training_data_diff",
]

DIFF_SCHEMA = "modelpact.diff/v1"
_MODEL_SUFFIXES = {".joblib", ".pkl", ".pickle", ".skops"}
_QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
_MAX_CATEGORIES = 20  # one-hot columns per categorical feature in the rule tree
_MAX_SLICE_VALUES = 12
_MIN_SLICE_ROWS = 20  # below this a slice's paired interval is not worth printing


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _pct(value: float) -> str:
    if value == 0:
        return "0%"
    if value < 0.01:
        return f"{value:.1%}"
    return f"{value:.0%}"


# --- result objects ---------------------------------------------------------------------


@dataclass(frozen=True)
class Proportion:
    """A share with its Wilson interval."""

    count: int
    n: int
    rate: float
    low: float
    high: float
    confidence: float
    method: str = "wilson"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "count": self.count,
            "n": self.n,
            "rate": _num(self.rate),
            "ci": [_num(self.low), _num(self.high)],
            "confidence": self.confidence,
            "method": self.method,
        }


@dataclass(frozen=True)
class Flip:
    """How many rows went from class ``a`` (version A) to class ``b`` (version B)."""

    a: Any
    b: Any
    count: int
    share: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"a": _py(self.a), "b": _py(self.b), "count": self.count, "share": _num(self.share)}


@dataclass(frozen=True)
class ChangeDistribution:
    """Distribution of ``B - A`` over rows (regression predictions or binary scores)."""

    what: str
    n: int
    mean: float
    std: float
    mean_abs: float
    quantiles: tuple[tuple[float, float], ...]
    share_up: float
    share_down: float
    tolerance: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "what": self.what,
            "n": self.n,
            "mean": _num(self.mean),
            "std": _num(self.std),
            "mean_abs": _num(self.mean_abs),
            "quantiles": {f"{q:g}": _num(v) for q, v in self.quantiles},
            "share_up": _num(self.share_up),
            "share_down": _num(self.share_down),
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True)
class SliceChange:
    """A metric of A and B on one slice, and the paired interval of ``B - A``.

    ``column`` is ``None`` for the row covering all data.
    """

    column: str | None
    value: str
    n: int
    flip_rate: float
    metric: str
    a: float | None = None
    b: float | None = None
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    method: str | None = None
    note: str = ""

    @property
    def label(self) -> str:
        """``column = value`` or ``all rows``."""
        return "all rows" if self.column is None else f"{self.column} = {self.value}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "column": self.column,
            "value": self.value,
            "n": self.n,
            "flip_rate": _num(self.flip_rate),
            "metric": self.metric,
            "a": _num(self.a),
            "b": _num(self.b),
            "difference": _num(self.difference),
            "ci": [_num(self.low), _num(self.high)],
            "method": self.method,
            "note": self.note,
        }


@dataclass(frozen=True)
class Rule:
    """A region of the data where predictions changed more than elsewhere.

    ``conditions`` are human-readable (``"sex = Female"``, ``"age ≤ 29"``); ``support`` is
    the share of rows the region covers, ``flip_rate`` the share of its rows whose prediction
    changed and ``share_of_flips`` the share of all changed rows that fall in it.
    """

    conditions: tuple[str, ...]
    n: int
    support: float
    flips: int
    flip_rate: float
    share_of_flips: float
    main_change: str = ""
    event: str = "of their predictions changed"

    @property
    def text(self) -> str:
        """e.g. ``sex = Female and age ≤ 29: 12% of rows, 41% of their predictions changed``."""
        where = " and ".join(self.conditions) if self.conditions else "all rows"
        text = f"{where}: {_pct(self.support)} of rows, {_pct(self.flip_rate)} {self.event}"
        if self.main_change:
            text += f" ({self.main_change})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "conditions": list(self.conditions),
            "text": self.text,
            "n": self.n,
            "support": _num(self.support),
            "flips": self.flips,
            "flip_rate": _num(self.flip_rate),
            "share_of_flips": _num(self.share_of_flips),
            "main_change": self.main_change,
        }


@dataclass(frozen=True)
class GroupTrait:
    """A value over-represented in a group of rows (e.g. the rows removed from training)."""

    column: str
    value: str
    share_in_group: float
    share_in_reference: float

    @property
    def text(self) -> str:
        """e.g. ``sex = Female: 100% of them (33% of training A)``."""
        return (
            f"{self.column} = {self.value}: {_pct(self.share_in_group)} of them "
            f"({_pct(self.share_in_reference)} of the reference)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "column": self.column,
            "value": self.value,
            "share_in_group": _num(self.share_in_group),
            "share_in_reference": _num(self.share_in_reference),
        }


@dataclass(frozen=True)
class FeatureDrift:
    """How one column's distribution moved from training set A to B.

    ``js_distance`` is the Jensen–Shannon distance (base 2, in [0, 1]) between the binned
    distributions; ``smd`` the standardized mean difference ``(mean_B - mean_A) / pooled sd``
    for numeric columns; ``largest_change`` names the category or bin whose share moved most.
    """

    column: str
    kind: str
    js_distance: float
    smd: float | None
    largest_change: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "column": self.column,
            "kind": self.kind,
            "js_distance": _num(self.js_distance),
            "smd": _num(self.smd),
            "largest_change": self.largest_change,
        }


@dataclass(frozen=True)
class DataDiff:
    """What changed between two training sets.

    Attributes
    ----------
    matched_by
        ``"id"`` (rows matched on an id column) or ``"fingerprint"`` (rows matched by a hash
        of their feature values; duplicates count as a multiset).
    rows_added, rows_removed
        Rows only in B, only in A (a row whose features are unchanged but whose label changed
        counts as a label change, not as removed plus added).
    label_changes
        Matched rows whose target differs.
    feature_changes
        Rows matched by id whose features differ (``0`` when matching by fingerprint).
    removed_traits, added_traits
        Values over-represented among removed rows (vs A) and added rows (vs B).
    removed_rules, added_rules
        Where in A rows were removed, and where in B rows were added: rules from a shallow
        tree (features and target) fitted to "removed" on A's rows and "added" on B's rows.
    target_a, target_b
        Positive rate (binary), mean (regression) or majority-class share of each set.
    drift
        Per-feature drift from A to B, largest first.
    """

    n_a: int
    n_b: int
    target: str
    matched_by: str
    rows_added: int
    rows_removed: int
    label_changes: int
    feature_changes: int
    removed_traits: tuple[GroupTrait, ...]
    added_traits: tuple[GroupTrait, ...]
    target_a: float | None
    target_b: float | None
    drift: tuple[FeatureDrift, ...]
    removed_rules: tuple[Rule, ...] = ()
    added_rules: tuple[Rule, ...] = ()

    def summary_lines(self) -> list[str]:
        """Plain sentences naming the main changes."""
        lines = [
            f"training rows: {self.n_a:,} in A, {self.n_b:,} in B (matched by {self.matched_by})",
            f"{self.rows_removed:,} row(s) removed, {self.rows_added:,} added, "
            f"{self.label_changes:,} label change(s)"
            + (
                f", {self.feature_changes:,} row(s) with changed features"
                if self.feature_changes
                else ""
            ),
        ]
        if self.removed_rules:
            lines.append("removed where " + self.removed_rules[0].text)
        if self.added_rules:
            lines.append("added where " + self.added_rules[0].text)
        if self.removed_traits:
            lines.append(
                "removed rows: "
                + "; ".join(t.text.replace("the reference", "A") for t in self.removed_traits)
            )
        if self.added_traits:
            lines.append(
                "added rows: "
                + "; ".join(t.text.replace("the reference", "B") for t in self.added_traits)
            )
        if self.target_a is not None and self.target_b is not None:
            lines.append(
                f"target '{self.target}': {self.target_a:.4g} in A, {self.target_b:.4g} in B"
            )
        moved = [
            d
            for d in self.drift
            if d.js_distance >= 0.05 or (d.smd is not None and abs(d.smd) >= 0.1)
        ]
        if moved:
            lines.append(
                "feature drift: "
                + "; ".join(
                    f"{d.column} (JS {d.js_distance:.3f}"
                    + (f", SMD {d.smd:+.2f}" if d.smd is not None else "")
                    + (f", {d.largest_change}" if d.largest_change else "")
                    + ")"
                    for d in moved[:5]
                )
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "n_a": self.n_a,
            "n_b": self.n_b,
            "target": self.target,
            "matched_by": self.matched_by,
            "rows_added": self.rows_added,
            "rows_removed": self.rows_removed,
            "label_changes": self.label_changes,
            "feature_changes": self.feature_changes,
            "removed_traits": [t.to_dict() for t in self.removed_traits],
            "added_traits": [t.to_dict() for t in self.added_traits],
            "target_a": _num(self.target_a),
            "target_b": _num(self.target_b),
            "drift": [d.to_dict() for d in self.drift],
            "removed_rules": [r.to_dict() for r in self.removed_rules],
            "added_rules": [r.to_dict() for r in self.added_rules],
            "summary": self.summary_lines(),
        }


@dataclass(frozen=True)
class BehaviourDiff:
    """The result of :func:`diff`: how version B behaves differently from version A."""

    a: str
    b: str
    sources: Mapping[str, str]
    data_source: str
    task: str
    n_rows: int
    target: str | None
    disagreement: Proportion
    flips: tuple[Flip, ...]
    changes: ChangeDistribution | None
    slices: tuple[SliceChange, ...]
    rules: tuple[Rule, ...]
    data_diff: DataDiff | None
    confidence: float
    max_depth: int
    min_leaf_share: float
    seed: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary_lines(self) -> list[str]:
        """A few sentences: how much changed, where, and the data change behind it."""
        d = self.disagreement
        lines = [
            f"{d.count:,} of {d.n:,} predictions changed ({d.rate:.2%}, "
            f"{self.confidence:.0%} CI {d.low:.2%}–{d.high:.2%})"
        ]
        overall = next((s for s in self.slices if s.column is None), None)
        if overall is not None and overall.difference is not None:
            lines.append(
                f"{overall.metric}: {overall.a:.4g} -> {overall.b:.4g} "
                f"(B - A {overall.difference:+.4g}, CI {overall.low:+.4g} to {overall.high:+.4g})"
            )
        if self.rules:
            lines.append("changed most where " + self.rules[0].text)
        if self.data_diff is not None:
            lines.extend(self.data_diff.summary_lines()[1:3])
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.diff/v1`` JSON contract."""
        return {
            "schema": DIFF_SCHEMA,
            "a": {"name": self.a, "source": self.sources.get(self.a, "")},
            "b": {"name": self.b, "source": self.sources.get(self.b, "")},
            "data": self.data_source,
            "task": self.task,
            "target": self.target,
            "n_rows": self.n_rows,
            "confidence": self.confidence,
            "disagreement": self.disagreement.to_dict(),
            "flips": [f.to_dict() for f in self.flips],
            "changes": self.changes.to_dict() if self.changes else None,
            "slices": [s.to_dict() for s in self.slices],
            "rules": [r.to_dict() for r in self.rules],
            "rule_tree": {
                "max_depth": self.max_depth,
                "min_leaf_share": self.min_leaf_share,
                "seed": self.seed,
            },
            "training_data_diff": self.data_diff.to_dict() if self.data_diff else None,
            "summary": self.summary_lines(),
            "notes": list(self.notes),
        }


# --- where did behaviour change: rules from a shallow tree --------------------------------


@dataclass(frozen=True)
class _Encoded:
    matrix: NDArray[np.float64]
    # per matrix column: (source column, kind, payload) with kind in num | cat | missing
    meaning: list[tuple[str, str, Any]]
    integer: dict[str, bool]
    # every value of a categorical column, when all of them were one-hot encoded
    categories: dict[str, list[str]] = field(default_factory=dict)


def _is_numeric(series: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)


def _encode_features(frame: pd.DataFrame) -> _Encoded:
    blocks: list[NDArray[np.float64]] = []
    meaning: list[tuple[str, str, Any]] = []
    integer: dict[str, bool] = {}
    categories: dict[str, list[str]] = {}
    for name in frame.columns:
        col = frame[name]
        label = str(name)
        if _is_numeric(col):
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
            top = counts.index[:_MAX_CATEGORIES]
            if len(top) < 2:
                continue
            if len(counts) <= _MAX_CATEGORIES:
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


# --- training data diff ------------------------------------------------------------------


def _row_hashes(frame: pd.DataFrame) -> NDArray[np.uint64]:
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.uint64)
    normalised = frame.copy()
    for name in normalised.columns:
        if not _is_numeric(normalised[name]):
            normalised[name] = (
                normalised[name].astype("object").where(normalised[name].notna(), None).astype(str)
            )
        else:
            normalised[name] = normalised[name].astype(np.float64)
    hashed = pd.util.hash_pandas_object(normalised, index=False).to_numpy()
    return cast(NDArray[np.uint64], hashed.astype(np.uint64, copy=False))


def _traits(
    group: pd.DataFrame, reference: pd.DataFrame, *, limit: int = 5
) -> tuple[GroupTrait, ...]:
    """Values much more common in *group* than in *reference* (at least half of the group)."""
    if len(group) == 0 or len(reference) == 0:
        return ()
    found = []
    for name in group.columns:
        g, r = group[name], reference[name]
        if _is_numeric(r) and r.nunique(dropna=True) > _MAX_CATEGORIES:
            continue
        g_share = (
            g.astype("object")
            .where(g.notna(), "(missing)")
            .astype(str)
            .value_counts(normalize=True)
        )
        r_share = (
            r.astype("object")
            .where(r.notna(), "(missing)")
            .astype(str)
            .value_counts(normalize=True)
        )
        for value, share in g_share.items():
            base = float(r_share.get(value, 0.0))
            if share >= 0.5 and share >= 1.5 * base and share - base >= 0.1:
                found.append(GroupTrait(str(name), str(value), float(share), base))
    found.sort(key=lambda t: -(t.share_in_group - t.share_in_reference))
    return tuple(found[:limit])


def _drift(a: pd.Series, b: pd.Series, name: str) -> FeatureDrift:
    a_valid, b_valid = a.dropna(), b.dropna()
    numeric = _is_numeric(a) and _is_numeric(b)
    if numeric and max(a_valid.nunique(), b_valid.nunique()) > _MAX_CATEGORIES:
        av, bv = a_valid.to_numpy(dtype=float), b_valid.to_numpy(dtype=float)
        both = np.concatenate([av, bv])
        edges = np.unique(np.quantile(both, np.linspace(0, 1, 11)))
        if edges.size < 2:
            edges = np.array([both.min() - 0.5, both.max() + 0.5])
        pa = np.histogram(np.clip(av, edges[0], edges[-1]), edges)[0].astype(float)
        pb = np.histogram(np.clip(bv, edges[0], edges[-1]), edges)[0].astype(float)
        labels = [f"{name} in [{edges[i]:.4g}, {edges[i + 1]:.4g}]" for i in range(edges.size - 1)]
        kind = "numeric"
    else:
        a_text = a.astype("object").where(a.notna(), "(missing)").astype(str)
        b_text = b.astype("object").where(b.notna(), "(missing)").astype(str)
        cats = sorted(set(a_text.unique()) | set(b_text.unique()))
        ca, cb = a_text.value_counts(), b_text.value_counts()
        pa = np.array([float(ca.get(c, 0)) for c in cats])
        pb = np.array([float(cb.get(c, 0)) for c in cats])
        labels = [f"{name} = {c}" for c in cats]
        kind = "numeric" if numeric else "categorical"
    pa_n = pa / pa.sum() if pa.sum() else pa
    pb_n = pb / pb.sum() if pb.sum() else pb
    js = float(jensenshannon(pa_n, pb_n, base=2)) if pa.sum() and pb.sum() else 0.0
    js = 0.0 if not math.isfinite(js) else js
    moved = int(np.argmax(np.abs(pb_n - pa_n))) if pa_n.size else 0
    largest = (
        f"{labels[moved]}: {_pct(float(pa_n[moved]))} -> {_pct(float(pb_n[moved]))}"
        if pa_n.size and abs(pb_n[moved] - pa_n[moved]) > 0
        else ""
    )
    smd = None
    if numeric and len(a_valid) > 1 and len(b_valid) > 1:
        av, bv = a_valid.to_numpy(dtype=float), b_valid.to_numpy(dtype=float)
        pooled = math.sqrt((av.var(ddof=1) + bv.var(ddof=1)) / 2)
        smd = float((bv.mean() - av.mean()) / pooled) if pooled > 0 else 0.0
    return FeatureDrift(name, kind, js, smd, largest)


def _target_summary(series: pd.Series) -> float | None:
    values = series.dropna()
    if len(values) == 0:
        return None
    if _is_numeric(values) and values.nunique() > 2:
        return float(values.mean())
    if set(pd.unique(values)) <= {0, 1}:
        return float(values.astype(float).mean())
    return float(values.value_counts(normalize=True).iloc[0])


def training_data_diff(
    train_a: Any,
    train_b: Any,
    *,
    target: str,
    id: str | None = None,
    features: Sequence[str] | None = None,
) -> DataDiff:
    """Compare two training sets: rows added and removed, label changes, per-feature drift.

    Parameters
    ----------
    train_a, train_b
        The training data of version A and version B (paths or DataFrames).
    target
        The label column (present in both).
    id
        Row id column; without one, rows are matched by a fingerprint of their feature values
        (a multiset: two identical rows in A and one in B make one removed row).
    features
        Columns to compare; default every column both share except *target* and *id*.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"sex": ["F", "M", "F", "M"], "x": [1, 2, 3, 4], "y": [0, 1, 1, 0]})
    >>> b = a[a["sex"] == "M"].assign(y=[1, 1])
    >>> d = training_data_diff(a, b, target="y")
    >>> d.rows_removed, d.label_changes, d.removed_traits[0].text
    (2, 1, 'sex = F: 100% of them (50% of the reference)')
    """
    frame_a, source_a = load_frame(train_a, name="training A")
    frame_b, source_b = load_frame(train_b, name="training B")
    require_columns(frame_a, [target] + ([id] if id else []), source=source_a)
    require_columns(frame_b, [target] + ([id] if id else []), source=source_b)
    if features is None:
        roles = {target, id}
        features = [c for c in frame_a.columns if c in frame_b.columns and c not in roles]
    else:
        require_columns(frame_a, list(features), source=source_a, role="feature")
        require_columns(frame_b, list(features), source=source_b, role="feature")
    features = list(features)

    feature_changes = 0
    if id is not None:
        ids_a, ids_b = pd.Index(frame_a[id]), pd.Index(frame_b[id])
        for ids, src in ((ids_a, source_a), (ids_b, source_b)):
            if ids.has_duplicates:
                raise InvalidDataError(f"{src}: id column '{id}' has duplicate ids")
        in_b = ids_a.isin(ids_b)
        removed_mask = ~in_b
        added_mask = ~ids_b.isin(ids_a)
        shared = ids_a[in_b]
        pa = ids_a.get_indexer(shared)
        pb = ids_b.get_indexer(shared)
        ta = frame_a[target].to_numpy()[pa]
        tb = frame_b[target].to_numpy()[pb]
        label_changes = int(
            np.sum(pd.Series(ta).astype(str).to_numpy() != pd.Series(tb).astype(str).to_numpy())
        )
        ha = _row_hashes(frame_a[features].iloc[pa])
        hb = _row_hashes(frame_b[features].iloc[pb])
        feature_changes = int(np.sum(ha != hb))
        matched_by = "id"
    else:
        fa = _row_hashes(frame_a[features])
        fb = _row_hashes(frame_b[features])
        la = _row_hashes(frame_a[[*features, target]])
        lb = _row_hashes(frame_b[[*features, target]])
        removed_mask = _multiset_missing(la, lb)
        added_mask = _multiset_missing(lb, la)
        # A removed row and an added row with the same features but different labels are one
        # relabelled row, not a removal and an addition.
        relabel_a = _multiset_present(fa, fb[added_mask], within=removed_mask)
        relabel_b = _multiset_present(fb, fa[removed_mask], within=added_mask)
        label_changes = int(min(relabel_a.sum(), relabel_b.sum()))
        removed_mask = removed_mask & ~relabel_a
        added_mask = added_mask & ~relabel_b
        matched_by = "fingerprint"
    removed = frame_a.loc[np.asarray(removed_mask), features]
    added = frame_b.loc[np.asarray(added_mask), features]
    with_target = [*features, target]
    removed_rules = describe_changes(
        frame_a[with_target], np.asarray(removed_mask), event="of them removed", max_rules=3
    )
    added_rules = describe_changes(
        frame_b[with_target], np.asarray(added_mask), event="of them added", max_rules=3
    )
    drift = [_drift(frame_a[c], frame_b[c], str(c)) for c in features]
    drift.sort(key=lambda d: (-d.js_distance, d.column))
    return DataDiff(
        n_a=len(frame_a),
        n_b=len(frame_b),
        target=target,
        matched_by=matched_by,
        rows_added=int(np.sum(added_mask)),
        rows_removed=int(np.sum(removed_mask)),
        label_changes=label_changes,
        feature_changes=feature_changes,
        removed_traits=_traits(removed, frame_a[features]),
        added_traits=_traits(added, frame_b[features]),
        target_a=_target_summary(frame_a[target]),
        target_b=_target_summary(frame_b[target]),
        drift=tuple(drift),
        removed_rules=tuple(removed_rules),
        added_rules=tuple(added_rules),
    )


def _multiset_missing(x: NDArray[np.uint64], y: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Mark the elements of *x* not matched by an element of *y* (counting multiplicity)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    # rank of each element among equal values: 0 for the first occurrence, 1 for the next...
    starts = np.r_[0, np.flatnonzero(xs[1:] != xs[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, xs.size]))
    rank = np.arange(xs.size) - run_start
    values, counts = np.unique(y, return_counts=True)
    if values.size == 0:
        available = np.zeros(xs.size, dtype=np.int64)
    else:
        pos = np.minimum(np.searchsorted(values, xs), values.size - 1)
        available = np.where(values[pos] == xs, counts[pos], 0)
    missing_sorted = rank >= available
    out = np.empty(x.size, dtype=bool)
    out[order] = missing_sorted
    return out


def _multiset_present(
    x: NDArray[np.uint64], y: NDArray[np.uint64], *, within: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """Among rows flagged *within*, mark those matched by an element of *y* (multiplicity)."""
    out = np.zeros(x.size, dtype=bool)
    idx = np.flatnonzero(within)
    if idx.size and y.size:
        out[idx] = ~_multiset_missing(x[idx], y)
    return out


# --- the behaviour diff -------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    name: str
    source: str
    labels: NDArray[Any] | None  # original class values (classification)
    scores: NDArray[np.float64] | None  # P(positive) for binary tasks
    values: NDArray[np.float64] | None  # regression predictions
    features: tuple[str, ...] = ()


def _is_model_path(value: Any) -> bool:
    if isinstance(value, str | Path) and str(value).startswith("models:/"):
        return True  # a registered MLflow model
    return isinstance(value, str | Path) and Path(value).suffix.lower() in _MODEL_SUFFIXES


def _predict_model(
    model: Any,
    name: str,
    source: str,
    data: pd.DataFrame,
    data_source: str,
    roles: set[str],
    task: str | None,
    positive: Any,
) -> _Version:
    fitted = getattr(model, "feature_names_in_", None)
    columns = (
        [str(c) for c in fitted]
        if fitted is not None
        else [c for c in data.columns if c not in roles]
    )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ModelLoadError(
            f"{data_source}: model {name} ({source}) needs column '{missing[0]}', which the "
            "data lacks"
        )
    X = data[columns]
    try:
        classes = getattr(model, "classes_", None)
        if task == "regression" or (classes is None and task is None):
            values = np.asarray(model.predict(X), dtype=np.float64)
            return _Version(name, source, None, None, values, tuple(columns))
        labels = np.asarray(model.predict(X))
        scores = None
        if classes is not None and len(classes) == 2 and hasattr(model, "predict_proba"):
            proba = np.asarray(model.predict_proba(X), dtype=np.float64)
            known = [_py(c) for c in classes]
            index = 1
            if positive is not None:
                matches = [
                    i for i, c in enumerate(known) if c == positive or str(c) == str(positive)
                ]
                index = matches[0] if matches else 1
            scores = proba[:, index]
        return _Version(name, source, labels, scores, None, tuple(columns))
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(
            f"model {name} ({source}) failed to predict on {data_source}: {exc}"
        ) from None


def _resolve(value: Any, name: str, trusted: Sequence[str] | None) -> tuple[Any, str, str]:
    """``(object, kind, source)`` with kind ``model`` or ``table``."""
    if _is_model_path(value):
        from modelpact.evaluate.models import load_model

        return load_model(value, trusted=list(trusted) if trusted else None), "model", str(value)
    if hasattr(value, "predict") and not isinstance(value, pd.DataFrame):
        return value, "model", f"<{type(value).__name__}>"
    frame, source = load_frame(value, name=f"<{name}>")
    return frame, "table", source


def diff(
    a: Any,
    b: Any,
    data: Any,
    *,
    target: str | None = None,
    id: str | None = None,
    score: str | None = None,
    prediction: str | None = None,
    slices: Sequence[str] = (),
    features: Sequence[str] | None = None,
    task: str | None = None,
    positive_class: Any = None,
    threshold: float = 0.5,
    metrics: Sequence[str] | None = None,
    tolerance: float | None = None,
    train_a: Any = None,
    train_b: Any = None,
    names: tuple[str, str] = ("A", "B"),
    trusted: Sequence[str] | None = None,
    confidence: float = 0.95,
    max_depth: int = 3,
    min_leaf_share: float = 0.02,
    n_resamples: int = 2000,
    seed: int = 0,
) -> BehaviourDiff:
    """Diff the behaviour of two model versions on the rows of *data*.

    Parameters
    ----------
    a, b
        Each a fitted estimator, a model file the user names (``.joblib``/``.pkl`` loaded with
        joblib, ``.skops`` with skops' safe loader and *trusted* types), or predictions on the
        rows of *data* (a DataFrame or CSV/Parquet file with the *score* or *prediction*
        column, and the *id* column to pair them, or the same rows in the same order).
    data
        The rows to compare on (features, and the target where labels exist).
    target
        Label column of *data*; enables per-slice metric changes.
    id
        Row id, used to pair prediction tables with *data*.
    score, prediction
        Column names in prediction tables (score = P(positive), thresholded at *threshold*).
    slices
        Columns of *data* to report metric changes by (numeric columns with many values are
        cut into quartiles).
    features
        Columns the rule tree may use; default every column of *data* except the target, id,
        score and prediction columns.
    metrics
        Metrics for the slice table; default accuracy (plus roc_auc when both versions give
        binary scores) or mae for regression.
    tolerance
        Regression only: a prediction counts as changed when ``|B - A| > tolerance``; default
        a tenth of the standard deviation of A's predictions.
    train_a, train_b
        Training data of each version: adds the training data diff.
    names
        Display names of the two versions.
    confidence, max_depth, min_leaf_share, n_resamples, seed
        Interval confidence; rule tree depth and minimum leaf share; bootstrap settings.
    """
    from modelpact import stats
    from modelpact.stats.wilson import wilson_interval

    if not 0.5 < confidence < 1:
        raise ConfigurationError(f"confidence must lie between 0.5 and 1; got {confidence:g}")
    name_a, name_b = names
    if name_a == name_b:
        name_b = f"{name_b} (2)"
    frame, data_source = load_frame(data, name="<data>")
    obj_a, kind_a, source_a = _resolve(a, name_a, trusted)
    obj_b, kind_b, source_b = _resolve(b, name_b, trusted)
    if target is not None:
        require_columns(frame, [target], source=data_source, role="target")
    roles = {c for c in (target, id, score, prediction) if c}
    notes: list[str] = []

    tables: dict[str, tuple[pd.DataFrame, str]] = {"data": (frame, data_source)}
    columns: dict[str, list[str]] = {"data": []}
    for nm, obj, kind, src in (
        (name_a, obj_a, kind_a, source_a),
        (name_b, obj_b, kind_b, source_b),
    ):
        if kind == "table":
            if score is None and prediction is None:
                raise ConfigurationError(
                    f"{src} is a prediction table: name its score or prediction column "
                    "(--score / --prediction)"
                )
            tables[nm] = (obj, src)
            columns[nm] = [c for c in (score, prediction) if c]
    use_id = id if id is not None and len(tables) > 1 else None
    if id is not None:
        require_columns(frame, [id], source=data_source, role="id")
    paired = pair_tables(tables, id=use_id, columns=columns)
    rows = paired.frames["data"]

    if target is not None:
        rows_target = rows[target]
        if rows_target.isna().any():
            notes.append(
                f"{int(rows_target.isna().sum()):,} row(s) without a label are left out of "
                "the metrics"
            )
    else:
        rows_target = None
    positive = positive_class
    resolved_task: str | None = task
    if resolved_task is None and rows_target is not None:
        resolved_task = infer_task(rows_target, score=score, task=None)
    if resolved_task is None and any(k == "model" for k in (kind_a, kind_b)):
        model = obj_a if kind_a == "model" else obj_b
        classes = getattr(model, "classes_", None)
        if classes is not None:
            resolved_task = "binary" if len(classes) == 2 else "multiclass"
    if resolved_task is None:
        resolved_task = "binary" if score is not None else None
    if resolved_task is None and prediction is not None:
        resolved_task = infer_task(paired.frames[name_a][prediction], score=None, task=None)
    if resolved_task is None:
        raise ConfigurationError("cannot tell the task; pass task= / --task")

    space: LabelSpace | None = None
    if rows_target is not None and resolved_task != "regression":
        space = LabelSpace.build(
            rows_target.dropna(),
            task=cast(Task, resolved_task),
            positive_class=positive,
            threshold=threshold,
            source=data_source,
        )
        if space.task == "binary":
            positive = space.classes[1]

    versions = []
    for nm, obj, kind, src in (
        (name_a, obj_a, kind_a, source_a),
        (name_b, obj_b, kind_b, source_b),
    ):
        if kind == "model":
            versions.append(
                _predict_model(obj, nm, src, rows, data_source, roles, resolved_task, positive)
            )
        else:
            versions.append(
                _version_from_table(
                    paired.frames[nm],
                    nm,
                    src,
                    resolved_task,
                    score,
                    prediction,
                    threshold,
                    positive,
                )
            )
    va, vb = versions
    n = paired.n_rows

    # what changed, row by row
    changes: ChangeDistribution | None = None
    flips: list[Flip] = []
    transitions: NDArray[Any] | None = None
    if resolved_task == "regression":
        if va.values is None or vb.values is None:
            raise ConfigurationError("both versions need regression predictions")
        delta = vb.values - va.values
        tol = tolerance if tolerance is not None else 0.1 * float(np.std(va.values))
        changed = np.abs(delta) > tol
        changes = _distribution("prediction", delta, tol)
        transitions = np.where(delta > 0, "up", "down")
    else:
        if va.labels is None or vb.labels is None:
            raise ConfigurationError("both versions need class predictions")
        la = pd.Series(va.labels).astype("object").map(_py).to_numpy()
        lb = pd.Series(vb.labels).astype("object").map(_py).to_numpy()
        text_a = pd.Series(la).astype(str)
        text_b = pd.Series(lb).astype(str)
        changed = (text_a != text_b).to_numpy()
        flip_counts = pd.crosstab(text_a.rename("a"), text_b.rename("b"))
        raw_a = {str(v): v for v in la}
        raw_b = {str(v): v for v in lb}
        for ka in flip_counts.index:
            for kb in flip_counts.columns:
                count = int(flip_counts.loc[ka, kb])
                if count:
                    flips.append(Flip(raw_a[ka], raw_b[kb], count, count / n))
        flips.sort(key=lambda f: (f.a == f.b, -f.count))
        transitions = (text_a + " → " + text_b).to_numpy(dtype=object)
        if va.scores is not None and vb.scores is not None:
            changes = _distribution("score", vb.scores - va.scores, 0.0)
    k = int(changed.sum())
    low, high = wilson_interval(k, n, confidence)
    disagreement = Proportion(k, n, k / n if n else 0.0, float(low), float(high), confidence)

    # where: rules on the data's features
    if features is None:
        used = set(va.features) | set(vb.features)
        feature_cols = [c for c in rows.columns if c not in roles and (not used or c in used)]
    else:
        require_columns(rows, list(features), source=data_source, role="feature")
        feature_cols = list(features)
    feature_cols = [c for c in feature_cols if not _id_like(rows[c])]
    rules = describe_changes(
        rows[feature_cols],
        changed,
        transitions=transitions,
        max_depth=max_depth,
        min_leaf_share=min_leaf_share,
        seed=seed,
    )

    # metric changes per slice, where labels exist
    slice_rows: list[SliceChange] = []
    if rows_target is not None:
        require_columns(rows, list(slices), source=data_source, role="slice")
        labelled = rows_target.notna().to_numpy()
        chosen = _diff_metrics(metrics, resolved_task, va, vb)
        if space is not None:
            y = np.full(n, -1, dtype=np.int64)
            y[labelled] = space.encode(
                rows_target[labelled], what=f"{data_source}: target '{target}'"
            )
            arr_a = _encoded(va, space)
            arr_b = _encoded(vb, space)
        else:
            y = rows_target.to_numpy(dtype=np.float64, na_value=np.nan)
            arr_a = {"value": va.values}
            arr_b = {"value": vb.values}
        groups: list[tuple[str | None, str, NDArray[np.bool_]]] = [(None, "all", labelled)]
        for slice_column in slices:
            for value, mask in _slice_masks(rows[slice_column]):
                groups.append((slice_column, value, mask & labelled))
        for metric_name in chosen:
            metric = stats.get_metric(metric_name)
            for column, value, mask in groups:
                size = int(mask.sum())
                flip_rate = float(changed[mask].mean()) if size else 0.0
                ya, yb = arr_a.get(metric.input), arr_b.get(metric.input)
                if ya is None or yb is None:
                    continue
                entry = _slice_change(
                    stats,
                    metric,
                    column,
                    value,
                    size,
                    flip_rate,
                    y[mask],
                    ya[mask],
                    yb[mask],
                    confidence,
                    n_resamples,
                    seed,
                )
                slice_rows.append(entry)

    data_diff = None
    if train_a is not None or train_b is not None:
        if train_a is None or train_b is None:
            raise ConfigurationError("the training data diff needs both training sets (A and B)")
        if target is None:
            raise ConfigurationError("the training data diff needs the target column")
        data_diff = training_data_diff(train_a, train_b, target=target, id=id if id else None)

    return BehaviourDiff(
        a=name_a,
        b=name_b,
        sources={name_a: source_a, name_b: source_b},
        data_source=data_source,
        task=resolved_task,
        n_rows=n,
        target=target,
        disagreement=disagreement,
        flips=tuple(flips),
        changes=changes,
        slices=tuple(slice_rows),
        rules=tuple(rules),
        data_diff=data_diff,
        confidence=confidence,
        max_depth=max_depth,
        min_leaf_share=min_leaf_share,
        seed=seed,
        notes=tuple(notes),
    )


def _id_like(series: pd.Series) -> bool:
    # A unique string per row (an id) splits perfectly and explains nothing.
    return (
        not _is_numeric(series)
        and series.nunique(dropna=True) > 0.5 * max(len(series), 1)
        and len(series) > 50
    )


def _version_from_table(
    frame: pd.DataFrame,
    name: str,
    source: str,
    task: str,
    score: str | None,
    prediction: str | None,
    threshold: float,
    positive: Any,
) -> _Version:
    if task == "regression":
        column = prediction or score
        assert column is not None
        return _Version(name, source, None, None, frame[column].to_numpy(dtype=np.float64))
    scores = None
    if score is not None:
        s = frame[score]
        if not _is_numeric(s) or s.isna().any():
            raise InvalidDataError(
                f"{source}: score column '{score}' must be numeric without missing values"
            )
        scores = s.to_numpy(dtype=np.float64)
    if prediction is not None:
        labels = frame[prediction].to_numpy()
    else:
        assert scores is not None
        pos = 1 if positive is None else positive
        neg: Any = 0 if pos == 1 else (False if pos is True else f"not {pos}")
        labels = np.where(scores >= threshold, pos, neg)
    return _Version(name, source, labels, scores, None)


def _encoded(version: _Version, space: LabelSpace) -> dict[str, NDArray[Any] | None]:
    labels = None
    if version.labels is not None:
        labels = space.encode(pd.Series(version.labels), what=f"predictions of {version.name}")
    return {"label": labels, "score": version.scores}


def _diff_metrics(
    requested: Sequence[str] | None, task: str, va: _Version, vb: _Version
) -> list[str]:
    from modelpact import stats

    if requested:
        for name in requested:
            metric = stats.get_metric(name)
            if task not in metric.tasks:
                raise ConfigurationError(f"metric '{name}' is not defined for {task} tasks")
        return list(requested)
    if task == "regression":
        return ["mae"]
    out = ["accuracy"]
    if task == "binary" and va.scores is not None and vb.scores is not None:
        out.append("roc_auc")
    return out


def _slice_masks(series: pd.Series) -> list[tuple[str, NDArray[np.bool_]]]:
    if _is_numeric(series) and series.nunique(dropna=True) > _MAX_SLICE_VALUES:
        bins = pd.qcut(series, 4, duplicates="drop")
        labels = bins.astype(str).where(bins.notna(), "(missing)")
    else:
        labels = series.astype("object").where(series.notna(), "(missing)").astype(str)
    counts = labels.value_counts()
    out = []
    for value in counts.index[:_MAX_SLICE_VALUES]:
        out.append((str(value), (labels == value).to_numpy()))
    return out


def _slice_change(
    stats: Any,
    metric: Any,
    column: str | None,
    value: str,
    size: int,
    flip_rate: float,
    y: NDArray[Any],
    ya: NDArray[Any],
    yb: NDArray[Any],
    confidence: float,
    n_resamples: int,
    seed: int,
) -> SliceChange:
    if size < _MIN_SLICE_ROWS:
        return SliceChange(
            column,
            value,
            size,
            flip_rate,
            metric.name,
            note=f"fewer than {_MIN_SLICE_ROWS} labelled rows",
        )
    try:
        a_val = float(metric(y, ya))
        b_val = float(metric(y, yb))
        iv = stats.paired_interval(
            metric, y, yb, ya, confidence=confidence, n_resamples=n_resamples, seed=seed
        )
    except MetricError as exc:
        return SliceChange(column, value, size, flip_rate, metric.name, note=str(exc))
    return SliceChange(
        column,
        value,
        size,
        flip_rate,
        metric.name,
        a_val,
        b_val,
        float(iv.estimate),
        float(iv.low),
        float(iv.high),
        str(iv.method),
    )


def _distribution(what: str, delta: NDArray[np.float64], tolerance: float) -> ChangeDistribution:
    qs = np.quantile(delta, _QUANTILES)
    return ChangeDistribution(
        what=what,
        n=int(delta.size),
        mean=float(delta.mean()),
        std=float(delta.std(ddof=1)) if delta.size > 1 else 0.0,
        mean_abs=float(np.abs(delta).mean()),
        quantiles=tuple((q, float(v)) for q, v in zip(_QUANTILES, qs, strict=True)),
        share_up=float(np.mean(delta > tolerance)),
        share_down=float(np.mean(delta < -tolerance)),
        tolerance=float(tolerance),
    )
