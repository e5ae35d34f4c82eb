"""``near_duplicates``: rows that differ from another row only by a rounding's worth."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.neighbors import NearestNeighbors

from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class NearDuplicatesConfig(CheckConfig):
    kind: Literal["near_duplicates"] = "near_duplicates"
    tolerance: float = Field(
        0.01, gt=0, description="Rows are near duplicates when their numbers differ by about "
        "this share of each column's robust spread, and every category matches.")
    warn_share: float = Field(0.001, gt=0, lt=1, description="Share of rows that warns.")


def near_radius(n_numeric: int, tolerance: float) -> float:
    """Distance threshold in :meth:`AuditContext.distance_space` units: tolerance·sqrt(p)."""
    return tolerance * float(np.sqrt(max(n_numeric, 1)))


@register
class NearDuplicates(Check):
    """Nearest neighbours on scaled features, on the audit's sample.

    Features are scaled by their robust spread (so the threshold means the same in every
    column), categories must match exactly, and exact feature copies are set aside first (they
    are ``duplicates`` or ``conflicting_labels``). A pair closer than ``tolerance·sqrt(p)`` is a
    near duplicate. On large data only rows of the sample can pair up, so the count is scaled
    up by the sampling fraction to estimate the total.
    """

    name = "near_duplicates"
    title = "Near duplicates"
    Config = NearDuplicatesConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, NearDuplicatesConfig)
        numeric = int((~ctx.encoder.categorical_mask).sum())
        if not ctx.features or numeric == 0:
            return self.outcome(skipped="no numeric features: exact duplicates cover this case")
        positions = ctx.sample()
        unique = ~pd.Series(ctx.feature_hash[positions]).duplicated().to_numpy()
        positions = positions[unique]
        if len(positions) < 3:
            return self.outcome(skipped="too few distinct rows")
        Z = ctx.distance_space(ctx.X(positions))
        radius = near_radius(numeric, cfg.tolerance)
        nn = NearestNeighbors(n_neighbors=2).fit(Z)
        dist, idx = nn.kneighbors(Z)
        close = dist[:, 1] <= radius
        # report each pair once, by its later row
        pairs: list[tuple[int, int]] = sorted(
            {(min(int(i), int(j)), max(int(i), int(j)))
             for i, j in zip(np.flatnonzero(close), idx[close, 1], strict=True)})
        later = np.array(sorted({positions[b] for _, b in pairs}), dtype=np.intp)
        fraction = len(positions) / max(int(ctx.labelled.sum()), 1)
        summary = {"radius": radius, "n_pairs": len(pairs), "rows_searched": len(positions)}
        if not pairs:
            return self.outcome(summary=summary, sampled=ctx.sample_note(len(positions), "kNN search"))
        share = len(later) / len(positions)
        estimate = round(len(later) / fraction) if fraction < 1 else len(later)
        examples = [[ctx.row_ids[positions[a]], ctx.row_ids[positions[b]]] for a, b in pairs[:10]]
        where = (f" among {len(positions)} sampled rows (about {estimate} in all the data)"
                 if fraction < 1 else "")
        finding = Finding(
            self.name, "warning" if share >= cfg.warn_share else "info",
            f"{len(later)} rows ({share:.2%}) nearly repeat another row{where}: numbers within "
            f"{cfg.tolerance:.0%} of a spread, every category equal",
            (), ctx.ids(later), estimate,
            fix="check whether these are repeated records (re-submissions, sensor double reads); "
            "keep one per group before splitting",
            details={"pairs": examples, "radius": radius, "share": share})
        return self.outcome(findings=(finding,), summary=summary,
                            sampled=ctx.sample_note(len(positions), "kNN search"))
