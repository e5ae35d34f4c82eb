"""The training data diff: rows added and removed, label changes and per-feature drift.

It traces a behaviour change to the data change behind it, when both versions' training
sets are known.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact.data import load_frame, require_columns
from modelpact.errors import InvalidDataError
from modelpact.evaluate.diff._common import MAX_CATEGORIES, is_numeric, pct
from modelpact.evaluate.diff.results import DataDiff, FeatureDrift, GroupTrait
from modelpact.evaluate.diff.rules import describe_changes
from modelpact.monitor.compare_samples import samples_drift

__all__ = ["training_data_diff"]


def _row_hashes(frame: pd.DataFrame) -> NDArray[np.uint64]:
    if frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.uint64)
    normalised = frame.copy()
    for name in normalised.columns:
        if not is_numeric(normalised[name]):
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
        if is_numeric(r) and r.nunique(dropna=True) > MAX_CATEGORIES:
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


def _drift(a: pd.Series, b: pd.Series, name: str, effect: float) -> FeatureDrift:
    # the effect is the monitor's; these bins only name the change a reader should look at
    a_valid, b_valid = a.dropna(), b.dropna()
    numeric = is_numeric(a) and is_numeric(b)
    if numeric and max(a_valid.nunique(), b_valid.nunique()) > MAX_CATEGORIES:
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
    js = effect if math.isfinite(effect) else 0.0
    moved = int(np.argmax(np.abs(pb_n - pa_n))) if pa_n.size else 0
    largest = (
        f"{labels[moved]}: {pct(float(pa_n[moved]))} -> {pct(float(pb_n[moved]))}"
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
    if is_numeric(values) and values.nunique() > 2:
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
    effects = samples_drift(frame_a, frame_b, features)
    drift = [_drift(frame_a[c], frame_b[c], str(c), effects[c].effect) for c in features]
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
