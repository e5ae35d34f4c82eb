"""``outliers``: numeric values far outside a column's bulk (robust fences), per column."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from modelpact.audit.context import AuditContext
from modelpact.audit.profile import as_model_values
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class OutliersConfig(CheckConfig):
    kind: Literal["outliers"] = "outliers"
    fence: float = Field(3.0, gt=0, description="Fences at Q1 - k·IQR and Q3 + k·IQR (Tukey's far-out).")
    sentinel_share: float = Field(
        0.5, gt=0, le=1, description="Warn when one repeated value makes up this share of a "
        "column's far-out values (a code such as 999 or -1 posing as a number).")
    sentinel_min: int = Field(10, ge=2, description="... and repeats at least this often.")


def _looks_like_code(value: float, low: float, high: float, spread: float) -> bool:
    """A value shaped like a placeholder (9, 99, 999..., -1, -9, -99...) or far past the fences.

    Discrete columns repeat their tail values naturally (a count of 11 when most are 2-5),
    so a repeated far-out value alone is not a code.

    Examples
    --------
    >>> _looks_like_code(999.0, 0, 10, 3), _looks_like_code(-1.0, 0, 10, 3), _looks_like_code(11.0, 0, 10, 3)
    (True, True, False)
    """
    if value.is_integer():
        digits = str(int(abs(value)))
        if set(digits) == {"9"} or value == -1:
            return True
    return value > high + 10 * spread or value < low - 10 * spread


@register
class Outliers(Check):
    """Values beyond Tukey's far-out fences, one linear pass per numeric feature.

    Heavy tails are normal in real data, so far-out values are reported as information; a
    warning is raised only when one repeated far-out value looks like a sentinel code.

    Quartiles resist the outliers they measure; columns with a zero interquartile range
    (mostly one value) fall back to the 1st-99th percentile range so a column that is 0 in
    most rows does not call every other value an outlier.
    """

    name = "outliers"
    title = "Outliers"
    Config = OutliersConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, OutliersConfig)
        findings = []
        summary = {}
        for c in ctx.features:
            kind = ctx.profiles[c].kind
            if kind not in ("numeric", "numeric_text"):
                continue
            values = as_model_values(ctx.frame[c], kind).to_numpy()
            present = values[~np.isnan(values)]
            if len(present) < 20:
                continue
            q1, q3, p1, p99 = np.quantile(present, [0.25, 0.75, 0.01, 0.99])
            spread = q3 - q1 if q3 > q1 else p99 - p1
            if spread <= 0:
                continue
            low, high = q1 - cfg.fence * spread, q3 + cfg.fence * spread
            with np.errstate(invalid="ignore"):
                mask = (values < low) | (values > high)
            rows = np.flatnonzero(mask)
            summary[c] = {"low": float(low), "high": float(high), "n": len(rows)}
            if not len(rows):
                continue
            share = len(rows) / len(present)
            beyond = present[(present < low) | (present > high)]
            middle = (q1 + q3) / 2
            extreme = float(beyond[np.argmax(np.abs(beyond - middle))])
            far = values[rows]
            uniq, counts = np.unique(far, return_counts=True)
            top = int(np.argmax(counts))
            sentinel = (counts[top] >= cfg.sentinel_min
                        and counts[top] >= cfg.sentinel_share * len(far)
                        and _looks_like_code(float(uniq[top]), low, high, spread))
            message = (f"column '{c}' has {len(rows)} values ({share:.2%}) outside [{low:.4g}, "
                       f"{high:.4g}] (most extreme {extreme:.4g})")
            if sentinel:
                message += (f"; {counts[top]} of them are the same value {uniq[top]:.6g}, which "
                            "looks like a code for 'unknown' rather than a measurement")
            findings.append(Finding(
                self.name, "warning" if sentinel else "info", message,
                (c,), ctx.ids(rows), len(rows),
                fix=f"replace the code {uniq[top]:.6g} in '{c}' by a missing value (and a "
                "missing-indicator if it carries meaning)" if sentinel else "",
                details={"low": low, "high": high, "share": share, "most_extreme": extreme,
                         "sentinel": float(uniq[top]) if sentinel else None}))
        return self.outcome(findings=tuple(findings), summary={"fences": summary})
