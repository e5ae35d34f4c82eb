"""A behaviour diff rebuilt from its ``modelpact.diff/v1`` document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelpact.evaluate.diff._common import pct
from modelpact.evaluate.diff.results import (
    BehaviourDiff,
    ChangeDistribution,
    DataDiff,
    FeatureDrift,
    Flip,
    GroupTrait,
    Proportion,
    Rule,
    SliceChange,
)

__all__ = ["behaviour_diff"]

Doc = Mapping[str, Any]


def _nan(value: float | None) -> float:
    # the document writes NaN as null; the objects hold NaN where a float is required
    return float("nan") if value is None else float(value)


def _proportion(d: Doc) -> Proportion:
    return Proportion(count=d["count"], n=d["n"], rate=_nan(d["rate"]), low=_nan(d["ci"][0]),
                      high=_nan(d["ci"][1]), confidence=d["confidence"], method=d["method"])


def _changes(d: Doc) -> ChangeDistribution:
    return ChangeDistribution(
        what=d["what"], n=d["n"], mean=_nan(d["mean"]), std=_nan(d["std"]),
        mean_abs=_nan(d["mean_abs"]),
        quantiles=tuple((float(q), _nan(v)) for q, v in d["quantiles"].items()),
        share_up=_nan(d["share_up"]), share_down=_nan(d["share_down"]), tolerance=d["tolerance"],
    )


def _slice(d: Doc) -> SliceChange:
    return SliceChange(
        column=d["column"], value=d["value"], n=d["n"], flip_rate=_nan(d["flip_rate"]),
        metric=d["metric"], a=d["a"], b=d["b"], difference=d["difference"], low=d["ci"][0],
        high=d["ci"][1], method=d["method"], note=d["note"],
    )


def _rule(d: Doc) -> Rule:
    rule = Rule(conditions=tuple(d["conditions"]), n=d["n"], support=_nan(d["support"]),
                flips=d["flips"], flip_rate=_nan(d["flip_rate"]),
                share_of_flips=_nan(d["share_of_flips"]), main_change=d["main_change"])
    # the event wording is not a field of the document, only part of its text
    where = " and ".join(rule.conditions) if rule.conditions else "all rows"
    head = f"{where}: {pct(rule.support)} of rows, {pct(rule.flip_rate)} "
    tail = f" ({rule.main_change})" if rule.main_change else ""
    text: str = d["text"]
    if text.startswith(head) and text.endswith(tail):
        event = text[len(head) : len(text) - len(tail)]
        rule = Rule(**{**rule.__dict__, "event": event})
    return rule


def _trait(d: Doc) -> GroupTrait:
    return GroupTrait(column=d["column"], value=d["value"],
                      share_in_group=_nan(d["share_in_group"]),
                      share_in_reference=_nan(d["share_in_reference"]))


def _data_diff(d: Doc) -> DataDiff:
    return DataDiff(
        n_a=d["n_a"], n_b=d["n_b"], target=d["target"], matched_by=d["matched_by"],
        rows_added=d["rows_added"], rows_removed=d["rows_removed"],
        label_changes=d["label_changes"], feature_changes=d["feature_changes"],
        removed_traits=tuple(_trait(t) for t in d["removed_traits"]),
        added_traits=tuple(_trait(t) for t in d["added_traits"]),
        target_a=d["target_a"], target_b=d["target_b"],
        drift=tuple(
            FeatureDrift(column=x["column"], kind=x["kind"], js_distance=_nan(x["js_distance"]),
                         smd=x["smd"], largest_change=x["largest_change"])
            for x in d["drift"]
        ),
        removed_rules=tuple(_rule(r) for r in d["removed_rules"]),
        added_rules=tuple(_rule(r) for r in d["added_rules"]),
    )


def behaviour_diff(document: Doc) -> BehaviourDiff:
    """The inverse of :meth:`BehaviourDiff.to_dict`."""
    a, b = document["a"], document["b"]
    tree = document["rule_tree"]
    return BehaviourDiff(
        a=a["name"], b=b["name"], sources={a["name"]: a["source"], b["name"]: b["source"]},
        data_source=document["data"], task=document["task"], n_rows=document["n_rows"],
        target=document["target"], disagreement=_proportion(document["disagreement"]),
        flips=tuple(Flip(a=f["a"], b=f["b"], count=f["count"], share=_nan(f["share"]))
                    for f in document["flips"]),
        changes=_changes(document["changes"]) if document["changes"] else None,
        slices=tuple(_slice(s) for s in document["slices"]),
        rules=tuple(_rule(r) for r in document["rules"]),
        data_diff=(_data_diff(document["training_data_diff"])
                   if document["training_data_diff"] else None),
        confidence=document["confidence"], max_depth=tree["max_depth"],
        min_leaf_share=tree["min_leaf_share"], seed=tree["seed"], notes=tuple(document["notes"]),
    )
