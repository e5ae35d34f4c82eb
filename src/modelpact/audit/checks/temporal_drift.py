"""``temporal_drift``: features and labels moving over time, and what a random split hides."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.model_selection import TimeSeriesSplit

from modelpact.audit import _models
from modelpact.audit.checks._drift import DRIFT_THRESHOLD, features_drift, is_drift, label_drift
from modelpact.audit.checks._scoring import skill, skill_name
from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding


class TemporalDriftConfig(CheckConfig):
    kind: Literal["temporal_drift"] = "temporal_drift"
    windows: int = Field(8, ge=2, le=100, description="Equal-count time windows.")
    threshold: float = Field(DRIFT_THRESHOLD, gt=0, description="Effect size that counts as drift.")
    optimism: float = Field(
        0.02, gt=0, description="Warn when a random split scores this much above a "
        "forward-in-time split.")
    rows_per_window: int = Field(5_000, gt=10, description="Rows per window for effect sizes.")
    alpha: float = Field(
        0.01, gt=0, lt=1, description="Family-wise level of the tests of no change across "
        "features and windows.")


@register
class TemporalDrift(Check):
    """Each time window against the first, per feature and for the label.

    Rows are cut into equal-count windows in time order; every window is compared with the
    first (effect sizes as in ``split_drift``). Then the quick model is scored twice on the
    sample: with random folds and with forward-chaining folds (train on the past, test on the
    future). When the random split scores clearly better, it is borrowing from the future.
    """

    name = "temporal_drift"
    title = "Drift over time"
    Config = TemporalDriftConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, TemporalDriftConfig)
        if ctx.time_values is None:
            return self.outcome(skipped="no time column (give --time-column)")
        order = np.argsort(ctx.time_values, kind="stable")
        order = order[~np.isnan(ctx.time_values[order])]
        if len(order) < cfg.windows * 10:
            return self.outcome(skipped=f"too few timed rows for {cfg.windows} windows")
        rng = np.random.default_rng(ctx.seed)
        windows = np.array_split(order, cfg.windows)
        picks = [np.sort(rng.choice(w, min(len(w), cfg.rows_per_window), replace=False))
                 for w in windows]
        mats = [ctx.X(p) for p in picks]
        mask = ctx.encoder.categorical_mask
        per_feature: dict[str, list[float]] = {}
        # a window drifts when its change is large and beyond sampling noise (Bonferroni
        # over features and windows), as in split_drift
        alpha = cfg.alpha / max(len(ctx.features) * (len(mats) - 1), 1)
        real: set[str] = set()
        windows_drift = [features_drift(mats[0], m, ctx.features, mask) for m in mats[1:]]
        for c in ctx.features:
            changes = [w[c] for w in windows_drift]
            per_feature[c] = [0.0] + [e["effect"] for e in changes]
            if any(is_drift(e, threshold=cfg.threshold, alpha=alpha) for e in changes):
                real.add(c)
        label_series: list[Any]
        labels = [ctx.y_full[p] for p in picks]
        labels = [lab[~np.isnan(lab)] for lab in labels]
        if ctx.task == "regression":
            label_series = [float(np.mean(lab)) if len(lab) else None for lab in labels]
            spread = float(np.std(ctx.y_full[ctx.labelled])) or 1.0
            label_effects = [0.0] + [abs((label_series[i] or 0) - (label_series[0] or 0)) / spread
                                     for i in range(1, len(labels))]
        else:
            label_series = [(np.bincount(lab.astype(np.int64), minlength=len(ctx.classes))
                             / max(len(lab), 1)).tolist() for lab in labels]
            label_effects = [0.0] + [label_drift(labels[0], lab)["effect"] for lab in labels[1:]]
        bounds = [[float(ctx.time_values[w[0]]), float(ctx.time_values[w[-1]])] for w in windows]
        drifted = sorted(real, key=lambda c: -max(per_feature[c]))
        summary: dict[str, Any] = {"windows": bounds, "features": per_feature,
                                   "label": label_series, "label_effect": label_effects}
        findings = []
        if drifted or max(label_effects) >= cfg.threshold:
            parts = []
            if drifted:
                parts.append(f"{len(drifted)} of {len(per_feature)} features drift across "
                             f"{cfg.windows} time windows (largest: " + ", ".join(
                                 f"{c} {max(per_feature[c]):.2f}" for c in drifted[:4]) + ")")
            if max(label_effects) >= cfg.threshold:
                parts.append(f"the label distribution moves (effect {max(label_effects):.2f})")
            findings.append(Finding(
                self.name, "warning", "; ".join(parts), tuple(drifted[:10]),
                fix="validate on the most recent period (a time-ordered split), retrain on a "
                "recent window, and plan drift monitoring",
                details={"max_effect": {c: max(v) for c, v in per_feature.items()},
                         "label_effect": max(label_effects)}))
        # does a random split flatter the model? (forward-chaining vs random folds)
        if ctx.features:
            positions = ctx.sample()
            timed = positions[~np.isnan(ctx.time_values[positions])]
            timed = timed[np.argsort(ctx.time_values[timed], kind="stable")]
            y = ctx.y(timed)
            if ctx.task == "regression" or len(np.unique(y)) > 1:
                X = ctx.X(timed)
                random_pred = _models.oof_predictions(ctx, np.sort(timed))
                random_skill = skill(ctx.task, ctx.y(np.sort(timed)), random_pred)
                forward_true, forward_pred = [], []
                for train, test in TimeSeriesSplit(n_splits=4).split(X):
                    if ctx.task != "regression" and len(np.unique(y[train])) < len(np.unique(y)):
                        continue
                    model = _models.quick_model(ctx.task, mask, ctx.seed)
                    model.fit(X[train], y[train] if ctx.task == "regression" else y[train].astype(np.int64))
                    forward_true.append(y[test])
                    forward_pred.append(_models._predict(model, X[test], ctx.task, len(ctx.classes)))
                if forward_true:
                    forward_skill = skill(ctx.task, np.concatenate(forward_true),
                                          np.concatenate(forward_pred))
                    gap = random_skill - forward_skill
                    name = skill_name(ctx.task)
                    summary["split_comparison"] = {"random": random_skill, "forward": forward_skill,
                                                   "metric": name}
                    if gap >= cfg.optimism:
                        findings.append(Finding(
                            self.name, "warning",
                            f"a random split would leak the future: random folds score {name} "
                            f"{random_skill:.3f}, training on the past and testing on the future "
                            f"scores {forward_skill:.3f}",
                            (ctx.time_column,) if ctx.time_column else (),
                            fix=f"split by time on '{ctx.time_column}' (train on earlier rows, "
                            "evaluate on later ones) for every experiment and the sign-off",
                            details={"random": random_skill, "forward": forward_skill,
                                     "gap": gap, "metric": name}))
        sampled = ctx.sample_note(sum(len(p) for p in picks), "per-window effect sizes")
        return self.outcome(findings=tuple(findings), summary=summary, sampled=sampled)
