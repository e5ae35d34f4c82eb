"""``constant_columns``: columns with a single value (or none), which carry no information."""

from __future__ import annotations

from typing import Literal

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding
from modelpact.errors import plain_repr


class ConstantColumnsConfig(CheckConfig):
    kind: Literal["constant_columns"] = "constant_columns"


@register
class ConstantColumns(Check):
    """Columns that hold at most one distinct non-missing value."""

    name = "constant_columns"
    title = "Constant columns"
    Config = ConstantColumnsConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        findings = []
        for c, p in ctx.profiles.items():
            roles = (ctx.target, ctx.split_column, ctx.time_column, ctx.id_column)
            if c in roles or not p.constant or p.kind == "unusable":
                continue
            if p.n_unique == 0:
                what = "is empty (every value missing)"
            else:
                value = ctx.frame[c].dropna().iloc[0]
                what = f"holds one value only ({plain_repr(value)})" + (
                    f" besides {p.n_missing} missing" if p.n_missing else "")
            findings.append(Finding(
                self.name, "warning", f"column '{c}' {what}; it carries no information",
                (c,), fix=f"drop '{c}'", details={"n_unique": p.n_unique}))
        return self.outcome(findings=tuple(findings))
