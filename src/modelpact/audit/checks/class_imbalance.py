"""``class_imbalance``: a rare class, and whether there are enough of its rows to evaluate it."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import Field
from scipy import stats as sps

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class ClassImbalanceConfig(CheckConfig):
    kind: Literal["class_imbalance"] = "class_imbalance"
    minority_share: float = Field(
        0.2, gt=0, lt=0.5,
        description="Binary: warn when the rarer class is below this share (multiclass: this "
        "share of an even split).")
    margin: float = Field(
        0.05, gt=0, lt=0.5,
        description="Interval half-width a per-class metric should reach at the pact threshold.")
    holdout_share: float = Field(
        0.2, gt=0, lt=1, description="Share of rows assumed held out for evaluation without a test set.")
    min_class_rows: int = Field(10, ge=2, description="Fewer rows than this in a class blocks.")


def rows_needed(threshold: float, margin: float, confidence: float) -> int:
    """Rows of a class needed for a proportion near *threshold* to get a ±*margin* interval.

    Normal approximation to the Wilson interval: ``z² p(1-p) / margin²``.

    Examples
    --------
    >>> rows_needed(0.7, 0.05, 0.95)
    323
    """
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    p = min(max(threshold, 0.0), 1.0)
    return math.ceil(z * z * max(p * (1 - p), 0.01) / (margin * margin))


def _show(value: Any) -> str:
    """A class value for messages: strings quoted, numbers plain (never numpy reprs)."""
    if isinstance(value, str):
        return f"'{value}'"
    return str(value.item() if hasattr(value, "item") else value)


@register
class ClassImbalance(Check):
    """Class shares, and the minority rows the pact's per-class criteria would need."""

    name = "class_imbalance"
    title = "Class balance"
    Config = ClassImbalanceConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, ClassImbalanceConfig)
        if ctx.task == "regression":
            return self.outcome(skipped="regression target")
        y = ctx.y_full[ctx.labelled].astype(np.int64)
        counts = np.bincount(y, minlength=len(ctx.classes))
        total = int(counts.sum())
        shares = counts / total
        k = len(counts)
        summary: dict[str, Any] = {
            "counts": {str(c): int(n) for c, n in zip(ctx.classes, counts, strict=True)}}
        rare = int(np.argmin(counts))
        rare_name = ctx.classes[rare]
        limit = cfg.minority_share if k == 2 else cfg.minority_share * 2 / k
        findings = []
        if counts[rare] < cfg.min_class_rows:
            findings.append(Finding(
                self.name, "critical",
                f"class {_show(rare_name)} has only {counts[rare]} labelled rows; no model can "
                "learn or be evaluated on it",
                (ctx.target,), n_affected=int(counts[rare]),
                fix=f"collect more rows of class {_show(rare_name)} or merge it with another class",
                details={"counts": summary["counts"]}))
            return self.outcome(findings=tuple(findings), summary=summary)

        confidence = ctx.pact.confidence if ctx.pact is not None else 0.95
        needed = ctx.pact.data.min_rows_per_class if ctx.pact is not None else 0
        reasons = []
        if ctx.pact is not None:
            for criterion in ctx.pact.criteria:
                bound = criterion.at_least if criterion.at_least is not None else criterion.at_most
                if bound is not None and 0 < bound < 1:
                    n_c = rows_needed(bound, cfg.margin, confidence)
                    if n_c > needed:
                        needed = n_c
                        reasons.append(criterion.label())
        if ctx.y_test_full is not None:
            y_test = ctx.y_test_full[~np.isnan(ctx.y_test_full)].astype(np.int64)
            available = int(np.sum(y_test == rare))
            where = "in the test set"
        else:
            available = int(counts[rare] * cfg.holdout_share)
            where = f"in a {cfg.holdout_share:.0%} holdout"
        summary.update({"minority_class": rare_name, "minority_share": float(shares[rare]),
                        "minority_rows_needed": needed, "minority_rows_available": available})
        if shares[rare] < limit:
            ratio = counts.max() / counts[rare]
            msg = (f"class {_show(rare_name)} is {shares[rare]:.1%} of labelled rows "
                   f"({counts[rare]} of {total}; {ratio:.1f} to 1)")
            if needed:
                msg += (f"; the pact's per-class criteria need about {needed} evaluation rows of "
                        f"it for a ±{cfg.margin:g} interval at their thresholds, {available} are "
                        f"available {where}")
            findings.append(Finding(
                self.name, "warning", msg, (ctx.target,), n_affected=int(counts[rare]),
                fix="split stratified by class, weight classes (or resample) in training, and "
                "judge by metrics that do not reward the majority (recall, precision, PR AUC)"
                + (f"; collect at least {needed - available} more rows of {_show(rare_name)}"
                   if needed > available else ""),
                details={"shares": {str(c): float(s) for c, s in zip(ctx.classes, shares, strict=True)},
                         "minority_rows_needed": needed, "minority_rows_available": available,
                         "needed_for": reasons}))
        elif needed > available:
            findings.append(Finding(
                self.name, "warning",
                f"the pact's per-class criteria need about {needed} evaluation rows of class "
                f"{_show(rare_name)} for a ±{cfg.margin:g} interval at their thresholds, only "
                f"{available} are available {where}",
                (ctx.target,), n_affected=int(counts[rare]),
                fix=f"collect at least {needed - available} more rows of {_show(rare_name)}",
                details={"minority_rows_needed": needed, "minority_rows_available": available}))
        return self.outcome(findings=tuple(findings), summary=summary)
