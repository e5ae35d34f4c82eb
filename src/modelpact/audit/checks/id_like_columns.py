"""``id_like_columns``: identifiers posing as features (unique per row, or counting up)."""

from __future__ import annotations

from typing import Literal

from modelpact.audit.context import AuditContext, _looks_like_id
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class IdLikeColumnsConfig(CheckConfig):
    kind: Literal["id_like_columns"] = "id_like_columns"


@register
class IdLikeColumns(Check):
    """Integer or text columns unique per row, or integers that increase with the row number.

    A model can memorise an id, or learn the collection order from it: either gives numbers
    that do not hold on new data.
    """

    name = "id_like_columns"
    title = "Id-like columns"
    Config = IdLikeColumnsConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        findings = []
        for c, p in ctx.profiles.items():
            if c in (ctx.target, ctx.id_column, ctx.time_column) or not _looks_like_id(p, ctx.n):
                continue
            how = ("unique in every row" if p.unique_per_row
                   else f"{p.n_unique / max(ctx.n - p.n_missing, 1):.1%} of rows distinct")
            if p.monotonic:
                how = (how + " and " if how else "") + "monotonic in row order"
            findings.append(Finding(
                self.name, "warning",
                f"column '{c}' looks like a row id or free text ({how}, {p.n_unique} distinct values); "
                "the audit leaves it out of the models",
                (c,), fix=f"drop '{c}' from the features (or declare it as columns.id in the pact)",
                details={"n_unique": p.n_unique, "monotonic": p.monotonic,
                         "unique_per_row": p.unique_per_row}))
        return self.outcome(findings=tuple(findings))
