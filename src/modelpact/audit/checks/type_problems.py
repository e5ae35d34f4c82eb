"""``type_problems``: numbers stored as text, dates stored as strings, mixed types, unusable types."""

from __future__ import annotations

from typing import Literal

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding, Severity


class TypeProblemsConfig(CheckConfig):
    kind: Literal["type_problems"] = "type_problems"


@register
class TypeProblems(Check):
    """Columns whose storage type hides what they hold, or that no model can use."""

    name = "type_problems"
    title = "Column types"
    Config = TypeProblemsConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        findings = []
        kinds = {}
        for name, p in ctx.profiles.items():
            kinds[name] = p.kind
            share = f"{p.parse_share:.0%}" if p.parse_share is not None else ""
            examples = ", ".join(repr(b) for b in p.bad_examples)
            if p.kind == "unusable":
                findings.append(Finding(
                    self.name, "warning", f"column '{name}' {p.reason}; it is left out of every "
                    "model", (name,), fix=f"drop '{name}' or convert it to numbers or categories",
                    details={"dtype": p.dtype}))
            elif p.kind == "numeric_text":
                severity: Severity = "warning" if p.mixed else "info"
                extra = f"; values that are not numbers: {examples}" if p.mixed and examples else ""
                findings.append(Finding(
                    self.name, severity,
                    f"column '{name}' stores numbers as text ({share} parse as numbers){extra}",
                    (name,),
                    fix=f"parse '{name}' as a number column at load time"
                    + ("; clean or null the values that are not numbers" if p.mixed else ""),
                    details={"dtype": p.dtype, "parse_share": p.parse_share, "mixed": p.mixed,
                             "examples": list(p.bad_examples)}))
            elif p.kind == "datetime_text":
                findings.append(Finding(
                    self.name, "warning" if p.mixed else "info",
                    f"column '{name}' stores dates as strings ({share} parse as dates)",
                    (name,), fix=f"parse '{name}' as a datetime column (the audit uses it as "
                    "days since 1970)",
                    details={"dtype": p.dtype, "parse_share": p.parse_share,
                             "examples": list(p.bad_examples)}))
            elif p.kind == "categorical" and p.mixed:
                findings.append(Finding(
                    self.name, "warning",
                    f"column '{name}' mixes value types ({examples}); models see them as text",
                    (name,), fix=f"give '{name}' one type", details={"types": list(p.bad_examples)}))
        return self.outcome(findings=tuple(findings), summary={"kinds": kinds})
