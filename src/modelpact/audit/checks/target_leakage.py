"""``target_leakage``: features that know the answer (alone, or through their missingness)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from modelpact.audit import _models
from modelpact.audit.checks._scoring import chance, skill, skill_name
from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class TargetLeakageConfig(CheckConfig):
    kind: Literal["target_leakage"] = "target_leakage"
    near_perfect_auc: float = Field(0.95, gt=0.5, le=1, description="One-feature AUC that blocks.")
    near_perfect_r2: float = Field(0.9, gt=0, le=1, description="One-feature R² that blocks.")
    certain_auc: float = Field(
        0.99, gt=0.5, le=1, description="One-feature AUC that blocks however many features are strong.")
    certain_r2: float = Field(
        0.98, gt=0, le=1, description="One-feature R² that blocks however many features are strong.")
    crowd: int = Field(
        3, ge=2, description="This many features within 0.05 of the critical score is signal "
        "spread over measurements, not a leak (a leak stands alone, with a copy or two).")
    dominance: float = Field(
        2.0, gt=1, description="Warn when one feature alone carries this many times the "
        "above-chance skill of the next best feature ...")
    reliance: float = Field(
        0.25, gt=0, lt=1, description="... and the full model loses this share of its "
        "above-chance skill without it.")
    missing_auc: float = Field(0.75, gt=0.5, le=1, description="AUC of 'is missing' alone that warns.")
    sample_rows: int = Field(50_000, gt=100, description="Rows for the one-feature scores.")


@register
class TargetLeakage(Check):
    """One-feature models scored out of fold; the suspicious ones explained.

    Each feature gets a one-feature model (smoothed per-bin target means, fitted out of fold,
    so a few bincounts per feature) scored by ROC AUC or R². A feature is flagged when

    * it predicts the target almost perfectly on its own (critical) — unless several features
      do nearly as well, which is signal spread over measured features (an info finding), not
      a leak; a score above ``certain_auc`` / ``certain_r2`` blocks regardless, or
    * it dominates: alone it carries ``dominance`` times the signal of the next best feature,
      and a cross-validated model of all features loses ``reliance`` of its skill without it
      (warning: typical of information recorded after the outcome), or
    * whether it is missing predicts the target (warning: missingness often records a step
      of the process that happens because of the outcome).
    """

    name = "target_leakage"
    title = "Target leakage"
    Config = TargetLeakageConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, TargetLeakageConfig)
        if not ctx.features:
            return self.outcome(skipped="no usable feature columns")
        positions = ctx.sample(cfg.sample_rows)
        X = ctx.X(positions)
        y = ctx.y(positions)
        fold_list = _models.folds(ctx.task, y, ctx.seed)
        mask = ctx.encoder.categorical_mask
        k = len(ctx.classes)
        base = chance(ctx.task)
        alone: dict[str, float] = {}
        missing: dict[str, float] = {}
        for j, c in enumerate(ctx.features):
            col = X[:, j]
            bins = _models.bins_of(col, bool(mask[j]))
            alone[c] = skill(ctx.task, y, _models.target_encoding_oof(bins, y, ctx.task, k, fold_list))
            gaps = np.isnan(col)
            if ctx.task != "regression" and 0 < gaps.sum() < len(col):
                pred = _models.target_encoding_oof(gaps.astype(np.int64), y, ctx.task, k, fold_list)
                missing[c] = skill(ctx.task, y, pred)
        findings = []
        name = skill_name(ctx.task)
        limit = cfg.near_perfect_r2 if ctx.task == "regression" else cfg.near_perfect_auc
        certain = cfg.certain_r2 if ctx.task == "regression" else cfg.certain_auc
        ranked = sorted(alone.items(), key=lambda kv: (-kv[1], kv[0]))
        crowded = sum(s >= limit - 0.05 for _, s in ranked) >= cfg.crowd
        flagged: set[str] = set()
        spread: list[tuple[str, float]] = []
        for c, s in ranked:
            if s >= limit and crowded and s < certain:
                spread.append((c, s))
                flagged.add(c)
            elif s >= limit:
                flagged.add(c)
                findings.append(Finding(
                    self.name, "critical",
                    f"feature '{c}' alone predicts '{ctx.target}' almost perfectly "
                    f"(out-of-fold {name} {s:.3f} from this one column)",
                    (c,), fix=f"find out how '{c}' is produced; if it is derived from the "
                    "target or only known after the outcome, drop it",
                    details={"reason": "near_perfect_alone", name: s}))
        if spread:
            near = sum(s >= limit - 0.05 for _, s in ranked)
            listed = ", ".join(f"'{c}' {s:.3f}" for c, s in spread[:5])
            findings.append(Finding(
                self.name, "info",
                f"{len(spread)} feature(s) each predict '{ctx.target}' well on their own "
                f"({name}: {listed}), and {near} features come within 0.05 of that: strong "
                "signal spread over many measurements, unlike a leak, which stands alone",
                tuple(c for c, _ in spread), fix="confirm these are measured before the "
                "outcome is known",
                details={"reason": "strong_signal_spread", "features": dict(spread)}))
        details: dict[str, Any] = {"alone": alone, "missingness": missing, "sampled_rows": len(y)}
        if len(ranked) >= 2 and ranked[0][0] not in flagged:
            (top, s1), (_, s2) = ranked[0], ranked[1]
            gain1, gain2 = s1 - base, max(s2 - base, 1e-3)
            if gain1 > 0 and gain1 >= cfg.dominance * gain2:
                j = ctx.features.index(top)
                # the model comparison runs on the audit's shared sample, so its full-model
                # predictions are the ones label errors and learnability reuse
                mpos = ctx.sample()
                ym = ctx.y(mpos)
                full = skill(ctx.task, ym, _models.oof_predictions(ctx, mpos))
                rest = [i for i in range(len(ctx.features)) if i != j]
                without = skill(ctx.task, ym, _models.oof_predictions(ctx, mpos, columns=rest))
                loss = (full - without) / max(full - base, 1e-9)
                details.update({"dominant": top, "full": full, "without": without})
                if loss >= cfg.reliance:
                    findings.append(Finding(
                        self.name, "warning",
                        f"feature '{top}' dominates: alone it reaches {name} {s1:.3f}, "
                        f"{gain1 / gain2:.1f}x the above-chance signal of the next best feature, "
                        f"and a model of all features falls from {full:.3f} to {without:.3f} "
                        f"without it; values recorded after the outcome look like this",
                        (top,), fix=f"confirm '{top}' is known at prediction time; if not, "
                        "drop it and re-run the audit",
                        details={"reason": "dominant_feature", name: s1, "next_best": s2,
                                 "full_model": full, "without": without, "reliance": loss}))
        for c, s in sorted(missing.items()):
            if s >= cfg.missing_auc and c not in flagged:
                findings.append(Finding(
                    self.name, "warning",
                    f"whether '{c}' is missing predicts '{ctx.target}' (out-of-fold AUC {s:.3f} "
                    "from the missingness alone)",
                    (c,), fix=f"find out why '{c}' is missing; if it is filled in because of the "
                    "outcome, drop it or its missing-indicator",
                    details={"reason": "missingness", "roc_auc": s}))
        sampled = ctx.sample_note(len(y), "one-feature cross-validated scores")
        return self.outcome(findings=tuple(findings), summary=details, sampled=sampled)
