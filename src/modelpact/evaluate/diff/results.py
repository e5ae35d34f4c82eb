"""The behaviour diff's result objects: shares, flips, slice changes, rules and data diffs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelpact._json import finite, plain_scalar
from modelpact._result import Outcome, ResultMixin
from modelpact.evaluate.diff._common import pct

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
]

if TYPE_CHECKING:
    import pandas as pd

DIFF_SCHEMA = "modelpact.diff/v1"
_SLICE_COLUMNS = ["slice", "n", "flip_rate", "metric", "a", "b", "difference", "low", "high",
                  "method", "note"]


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
            "rate": finite(self.rate),
            "ci": [finite(self.low), finite(self.high)],
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
        return {
            "a": plain_scalar(self.a),
            "b": plain_scalar(self.b),
            "count": self.count,
            "share": finite(self.share),
        }


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
            "mean": finite(self.mean),
            "std": finite(self.std),
            "mean_abs": finite(self.mean_abs),
            "quantiles": {f"{q:g}": finite(v) for q, v in self.quantiles},
            "share_up": finite(self.share_up),
            "share_down": finite(self.share_down),
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
            "flip_rate": finite(self.flip_rate),
            "metric": self.metric,
            "a": finite(self.a),
            "b": finite(self.b),
            "difference": finite(self.difference),
            "ci": [finite(self.low), finite(self.high)],
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
        text = f"{where}: {pct(self.support)} of rows, {pct(self.flip_rate)} {self.event}"
        if self.main_change:
            text += f" ({self.main_change})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "conditions": list(self.conditions),
            "text": self.text,
            "n": self.n,
            "support": finite(self.support),
            "flips": self.flips,
            "flip_rate": finite(self.flip_rate),
            "share_of_flips": finite(self.share_of_flips),
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
            f"{self.column} = {self.value}: {pct(self.share_in_group)} of them "
            f"({pct(self.share_in_reference)} of the reference)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "column": self.column,
            "value": self.value,
            "share_in_group": finite(self.share_in_group),
            "share_in_reference": finite(self.share_in_reference),
        }


@dataclass(frozen=True)
class FeatureDrift:
    """How one column's distribution moved from training set A to B.

    ``js_distance`` is the Jensen–Shannon distance (base 2, in [0, 1]) between the two
    distributions on the drift bins the monitor would learn from A
    (:mod:`modelpact.monitor.compare_samples`): the same number a monitoring run or an audit
    gives the same two samples; ``smd`` the standardized mean difference ``(mean_B - mean_A) / pooled sd``
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
            "js_distance": finite(self.js_distance),
            "smd": finite(self.smd),
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
            "target_a": finite(self.target_a),
            "target_b": finite(self.target_b),
            "drift": [d.to_dict() for d in self.drift],
            "removed_rules": [r.to_dict() for r in self.removed_rules],
            "added_rules": [r.to_dict() for r in self.added_rules],
            "summary": self.summary_lines(),
        }


@dataclass(frozen=True)
class BehaviourDiff(ResultMixin):
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

    @property
    def outcome(self) -> Outcome:
        """``pass`` when no prediction changed, ``at_risk`` when some did: behaviour to review
        before shipping B (see :mod:`modelpact._result`)."""
        return "at_risk" if self.disagreement.count else "pass"

    def summary(self) -> str:
        """One line: how many predictions changed, with the interval of the rate."""
        return f"{self.a} -> {self.b}: " + self.summary_lines()[0] + "."

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> BehaviourDiff:
        """The diff of a ``modelpact.diff/v1`` document (the inverse of :meth:`to_dict`)."""
        from modelpact.evaluate.diff._documents import behaviour_diff

        return behaviour_diff(document)

    def to_frame(self) -> pd.DataFrame:
        """One row per slice (``all rows`` first): flip rate, A, B and the interval of B − A."""
        import pandas as pd

        rows = [
            {"slice": s.label, "n": s.n, "flip_rate": s.flip_rate, "metric": s.metric,
             "a": s.a, "b": s.b, "difference": s.difference, "low": s.low, "high": s.high,
             "method": s.method, "note": s.note}
            for s in self.slices
        ]
        return pd.DataFrame(rows, columns=_SLICE_COLUMNS)

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
