"""``missing_values``: share of missing cells per column, and unlabelled rows."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding, Severity


class MissingValuesConfig(CheckConfig):
    kind: Literal["missing_values"] = "missing_values"
    warn_share: float = Field(0.2, gt=0, le=1, description="Missing share that warrants a fix.")
    drop_share: float = Field(0.95, gt=0, le=1, description="Missing share that makes a column useless.")


@register
class MissingValues(Check):
    """Columns with missing values; rows without a label."""

    name = "missing_values"
    title = "Missing values"
    Config = MissingValuesConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, MissingValuesConfig)
        findings = []
        severity: Severity
        n = ctx.n
        missing = ctx.frame.isna().sum()
        shares = {str(c): float(missing[c] / n) for c in ctx.frame.columns}
        unlabelled = np.flatnonzero(~ctx.labelled)
        if len(unlabelled):
            findings.append(Finding(
                self.name, "warning",
                f"{len(unlabelled)} rows ({len(unlabelled) / n:.1%}) have no usable value in "
                f"target '{ctx.target}'", (ctx.target,), ctx.ids(unlabelled), len(unlabelled),
                fix="label these rows or drop them; the audit leaves them out of every model",
                details={"share": len(unlabelled) / n}))
        for c, share in shares.items():
            if c == ctx.target or share == 0:
                continue
            rows = np.flatnonzero(ctx.frame[c].isna().to_numpy())
            count = int(missing[c])
            if share >= cfg.drop_share:
                severity, fix = "warning", f"drop '{c}': it is almost never filled"
            elif share >= cfg.warn_share:
                severity, fix = "warning", (
                    f"impute '{c}' (or add a missing-indicator) and check why it is missing")
            else:
                severity, fix = "info", ""
            findings.append(Finding(
                self.name, severity, f"column '{c}' is missing in {count} rows ({share:.1%})",
                (c,), ctx.ids(rows), count, fix=fix, details={"share": share}))
        return self.outcome(findings=tuple(findings), summary={"missing_share": shares})
