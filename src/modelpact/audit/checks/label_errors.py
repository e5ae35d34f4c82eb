"""``label_errors``: rows whose label disagrees with what the data says (confident learning)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from modelpact.audit import _models
from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding, Severity


class LabelErrorsConfig(CheckConfig):
    kind: Literal["label_errors"] = "label_errors"
    filter_by: Literal["prune_by_noise_rate", "prune_by_class", "both", "confident_learning",
                       "predicted_neq_given"] = "prune_by_noise_rate"
    warn_share: float = Field(0.01, gt=0, lt=1, description="Share of suspect labels that warns.")
    keep: int = Field(5000, gt=0, description="Suspect rows kept (ranked) for relabelling export.")


@register
class LabelErrors(Check):
    """Out-of-fold probabilities from a quick model, then cleanlab's confident learning.

    ``cleanlab.filter.find_label_issues`` picks the suspect rows and
    ``cleanlab.rank.get_label_quality_scores`` ranks them (lowest quality first); the suggested
    label is the class the out-of-fold model finds most likely.
    """

    name = "label_errors"
    title = "Label errors"
    Config = LabelErrorsConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores

        cfg = self.config
        assert isinstance(cfg, LabelErrorsConfig)
        if ctx.task == "regression":
            return self.outcome(skipped="regression target: confident learning needs classes")
        if not ctx.features:
            return self.outcome(skipped="no usable feature columns")
        positions = ctx.sample()
        y = ctx.y(positions).astype(np.int64)
        if np.bincount(y, minlength=len(ctx.classes)).min() < 2:
            return self.outcome(skipped="a class has fewer than 2 labelled rows")
        probs = _models.oof_predictions(ctx, positions)
        # cleanlab wants every class present with rows; clip so no probability is exactly 0
        probs = np.clip(probs, 1e-6, 1.0)
        probs = probs / probs.sum(axis=1, keepdims=True)
        issues = find_label_issues(
            labels=y, pred_probs=probs, filter_by=cfg.filter_by,
            return_indices_ranked_by="self_confidence", n_jobs=1,
        )
        quality = get_label_quality_scores(y, probs, method="self_confidence")
        suggested = probs.argmax(axis=1)
        issues = np.asarray(issues, dtype=np.intp)
        ranked: list[dict[str, Any]] = [
            {"row": ctx.row_ids[positions[i]], "position": int(positions[i]),
             "given": ctx.classes[y[i]], "suggested": ctx.classes[suggested[i]],
             "quality": float(quality[i]), "confidence": float(probs[i, suggested[i]])}
            for i in issues[: cfg.keep]
        ]
        share = len(issues) / len(y)
        summary: dict[str, Any] = {
            "n_issues": len(issues), "share": share, "issues": ranked,
            "quality_histogram": np.histogram(quality, bins=20, range=(0, 1))[0].tolist(),
        }
        findings = []
        if len(issues):
            severity: Severity = "warning" if share >= cfg.warn_share else "info"
            sampled_note = (f" in a sample of {len(y)} rows" if len(y) < ctx.labelled.sum() else "")
            findings.append(Finding(
                self.name, severity,
                f"{len(issues)} labels ({share:.1%}){sampled_note} look wrong: an out-of-fold "
                "model confidently predicts another class",
                (ctx.target,), tuple(r["row"] for r in ranked[:20]), len(issues),
                fix="review the suspect rows (export them with --relabel-export for Label "
                "Studio), then re-import the corrections with 'modelpact labels import'",
                details={"share": share, "filter_by": cfg.filter_by,
                         "top": ranked[:10]}))
        sampled = ctx.sample_note(len(y), "cross-validated predicted probabilities")
        return self.outcome(findings=tuple(findings), summary=summary, sampled=sampled)
