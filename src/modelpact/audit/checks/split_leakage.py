"""``split_leakage``: the same rows, near copies, or the same ids in both train and test."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.neighbors import NearestNeighbors

from modelpact.audit.checks.near_duplicates import near_radius
from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class SplitLeakageConfig(CheckConfig):
    kind: Literal["split_leakage"] = "split_leakage"
    tolerance: float = Field(0.01, gt=0, description="As near_duplicates.tolerance.")
    warn_share: float = Field(0.01, gt=0, lt=1, description="Share of test rows found in train that warns.")


@register
class SplitLeakage(Check):
    """Test rows that also appear in training: by id, by identical features, or nearly.

    Identical rows are found over all rows by hashing; near copies on the audit's sample, with
    the same distance as ``near_duplicates``.
    """

    name = "split_leakage"
    title = "Train/test leakage"
    Config = SplitLeakageConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, SplitLeakageConfig)
        if ctx.test is None:
            return self.outcome(skipped="no test set (give --test or --split-column)")
        test = ctx.test
        findings = []
        summary: dict[str, Any] = {}
        if ctx.id_column is not None and ctx.id_column in test.columns:
            shared = np.isin(test[ctx.id_column].to_numpy(), ctx.frame[ctx.id_column].to_numpy())
            rows = np.flatnonzero(shared)
            summary["shared_ids"] = len(rows)
            if len(rows):
                findings.append(Finding(
                    self.name, "critical",
                    f"{len(rows)} ids in '{ctx.id_column}' appear in both train and test",
                    (ctx.id_column,), ctx.test_ids(rows), len(rows),
                    fix="split by id (group split) so every id lands on one side only",
                    details={"share_of_test": len(rows) / len(test)}))
        if not ctx.features:
            return self.outcome(findings=tuple(findings), summary=summary)
        in_train = np.isin(ctx.test_feature_hash, ctx.feature_hash)
        rows = np.flatnonzero(in_train)
        share = len(rows) / len(test)
        summary["exact_rows"] = len(rows)
        if len(rows):
            findings.append(Finding(
                self.name, "warning" if share >= cfg.warn_share else "info",
                f"{len(rows)} test rows ({share:.2%}) have features identical to a training row",
                (), ctx.test_ids(rows), len(rows),
                fix="deduplicate before splitting (or split by entity) so test measures unseen "
                "rows; with coarse features some overlap is genuine" if share >= cfg.warn_share
                else "",
                details={"share_of_test": share}))
        numeric = int((~ctx.encoder.categorical_mask).sum())
        if numeric:
            rng = np.random.default_rng(ctx.seed)
            pick = np.flatnonzero(~in_train)
            if len(pick) > ctx.sample_rows:
                pick = np.sort(rng.choice(pick, ctx.sample_rows, replace=False))
            train_pos = ctx.sample(labelled_only=False)
            Z_train = ctx.distance_space(ctx.X(train_pos))
            Z_test = ctx.distance_space(ctx.encoder.transform(test.iloc[pick]))
            dist, _ = NearestNeighbors(n_neighbors=1).fit(Z_train).kneighbors(Z_test)
            close = pick[dist[:, 0] <= near_radius(numeric, cfg.tolerance)]
            summary["near_rows"] = len(close)
            if len(close):
                fraction = len(train_pos) / ctx.n
                estimate = round(len(close) / fraction)
                note = (f" (searched {len(pick)} test rows against {len(train_pos)} training rows; "
                        f"about {estimate} in all)" if fraction < 1 or len(pick) < len(test) else "")
                findings.append(Finding(
                    self.name, "warning" if len(close) / len(pick) >= cfg.warn_share else "info",
                    f"{len(close)} test rows nearly repeat a training row{note}",
                    (), ctx.test_ids(close), estimate,
                    fix="drop near copies of training rows from test, or split by entity",
                    details={"share_of_searched": len(close) / len(pick)}))
        return self.outcome(findings=tuple(findings), summary=summary)
