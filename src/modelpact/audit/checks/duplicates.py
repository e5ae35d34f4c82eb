"""``duplicates``: exact copies of rows (all columns, target included), found by row hashes."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class DuplicatesConfig(CheckConfig):
    kind: Literal["duplicates"] = "duplicates"


@register
class Duplicates(Check):
    """Rows that repeat an earlier row in every feature and the target.

    Hashing each row to 64 bits makes this one linear pass at any size (collisions between
    different rows have probability about n²/2⁶⁵, negligible below billions of rows).
    """

    name = "duplicates"
    title = "Exact duplicates"
    Config = DuplicatesConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        with np.errstate(over="ignore"):
            full = ctx.feature_hash * np.uint64(31) + ctx.target_hash
        repeated = pd.Series(full).duplicated(keep="first").to_numpy()
        rows = np.flatnonzero(repeated)
        if not len(rows):
            return self.outcome(summary={"n_duplicates": 0})
        share = len(rows) / ctx.n
        groups = int(pd.Series(full[rows]).nunique())
        finding = Finding(
            self.name, "warning",
            f"{len(rows)} rows ({share:.2%}) exactly repeat an earlier row "
            f"({groups} distinct rows repeated)",
            tuple(ctx.features) if len(ctx.features) <= 5 else (), ctx.ids(rows), len(rows),
            fix="drop exact duplicates (or confirm they are genuine repeat events) before "
            "splitting, so no row lands in both train and test",
            details={"share": share, "groups": groups})
        return self.outcome(findings=(finding,), summary={"n_duplicates": len(rows)})
