"""``split_drift``: how train and test differ, per feature (effect sizes) and as a whole."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from modelpact.audit import _models
from modelpact.audit.checks._drift import DRIFT_THRESHOLD, features_drift, is_drift, label_drift
from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding
from modelpact.stats import metric_interval


class SplitDriftConfig(CheckConfig):
    kind: Literal["split_drift"] = "split_drift"
    threshold: float = Field(DRIFT_THRESHOLD, gt=0, description="Effect size that counts as drift.")
    alpha: float = Field(
        0.01, gt=0, lt=1, description="Family-wise level of the tests of no change across features.")
    domain_auc: float = Field(
        0.6, gt=0.5, lt=1, description="Warn when the domain classifier's AUC interval lies "
        "wholly above this.")
    rows_per_side: int = Field(10_000, gt=50, description="Rows per side for the domain classifier.")


def _distributions(Xa: Any, Xb: Any, features: list[str], mask: Any, categories: Any,
                   per_feature: dict[str, dict[str, float]], top: int = 4) -> dict[str, Any]:
    """Train and test shares on common bins for the most drifted features (for the report)."""
    out: dict[str, Any] = {}
    ranked = sorted(features, key=lambda c: -per_feature[c]["effect"])[:top]
    for c in ranked:
        j = features.index(c)
        a, b = Xa[:, j], Xb[:, j]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if not len(a) or not len(b):
            continue
        if mask[j]:
            names = [*map(str, categories[c][:20])]
            k = len(names)
            ca = np.bincount(np.minimum(a.astype(np.int64), k), minlength=k + 1)[:k]
            cb = np.bincount(np.minimum(b.astype(np.int64), k), minlength=k + 1)[:k]
            out[c] = {"bins": names, "train": (ca / len(a)).tolist(), "test": (cb / len(b)).tolist()}
        else:
            edges = np.unique(np.quantile(np.r_[a, b], np.linspace(0, 1, 21)))
            if len(edges) < 2:
                continue
            ha = np.histogram(a, edges)[0] / len(a)
            hb = np.histogram(b, edges)[0] / len(b)
            mids = ((edges[:-1] + edges[1:]) / 2).tolist()
            out[c] = {"bins": [f"{m:.4g}" for m in mids], "train": ha.tolist(), "test": hb.tolist()}
    return out


@register
class SplitDrift(Check):
    """Per-feature effect sizes between train and test, label shift, and a domain classifier.

    Every feature's effect is the monitor's Jensen–Shannon distance on drift bins learned from
    the training side (numbers also get the Wasserstein distance in training standard
    deviations), with a KS or chi-squared test of no change. The domain classifier is the quick model trained to
    tell test rows from train rows, scored out of fold: an AUC near 0.5 means the two sides
    are exchangeable; its interval comes from DeLong's method.
    """

    name = "split_drift"
    title = "Train/test drift"
    Config = SplitDriftConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, SplitDriftConfig)
        if ctx.test is None:
            return self.outcome(skipped="no test set (give --test or --split-column)")
        if not ctx.features:
            return self.outcome(skipped="no usable feature columns")
        rng = np.random.default_rng(ctx.seed)
        train_pos = ctx.sample(cfg.rows_per_side, labelled_only=False)
        test_pos = np.arange(len(ctx.test))
        if len(test_pos) > cfg.rows_per_side:
            test_pos = np.sort(rng.choice(test_pos, cfg.rows_per_side, replace=False))
        Xa = ctx.X(train_pos)
        Xb = ctx.encoder.transform(ctx.test.iloc[test_pos])
        mask = ctx.encoder.categorical_mask
        per_feature = features_drift(Xa, Xb, ctx.features, mask)
        # Bonferroni over features: on small splits noise alone crosses the effect threshold
        alpha = cfg.alpha / max(len(per_feature), 1)
        drifted = sorted(
            (c for c, e in per_feature.items() if is_drift(e, threshold=cfg.threshold, alpha=alpha)),
            key=lambda c: -per_feature[c]["effect"])
        findings = []
        if ctx.test_missing:
            findings.append(Finding(
                self.name, "critical",
                f"the test set has no column {', '.join(repr(c) for c in ctx.test_missing)}; a "
                "model trained on these features cannot score it",
                tuple(ctx.test_missing), fix="give train and test the same feature columns",
                details={"missing_in_test": list(ctx.test_missing)}))
        summary: dict[str, Any] = {"features": per_feature, "distributions": _distributions(
            Xa, Xb, ctx.features, mask, ctx.encoder.categories, per_feature)}
        # label shift: the same effect size on the encoded target
        if ctx.y_test_full is not None and ctx.task != "regression":
            ya, yb = ctx.y_full[ctx.labelled], ctx.y_test_full[~np.isnan(ctx.y_test_full)]
            if len(yb):
                label = label_drift(ya, yb)
                summary["label"] = label
                summary["label_shares"] = {
                    "train": (np.bincount(ya.astype(np.int64), minlength=len(ctx.classes)) / len(ya)).tolist(),
                    "test": (np.bincount(yb.astype(np.int64), minlength=len(ctx.classes)) / len(yb)).tolist(),
                }
                if is_drift(label, threshold=cfg.threshold, alpha=cfg.alpha):
                    drifted.append(ctx.target)
        # domain classifier: can a model tell the sides apart?
        X = np.vstack([Xa, Xb])
        side = np.r_[np.zeros(len(Xa)), np.ones(len(Xb))]
        oof = np.zeros(len(side))
        for train, test in _models.folds("binary", side, ctx.seed):
            model = _models.quick_model("binary", mask, ctx.seed, max_iter=50)
            model.fit(X[train], side[train].astype(np.int64))
            oof[test] = model.predict_proba(X[test])[:, 1]
        iv = metric_interval("roc_auc", side.astype(np.int64), oof, seed=ctx.seed)
        summary["domain_auc"] = {"estimate": iv.estimate, "low": iv.low, "high": iv.high,
                                 "method": iv.method, "n": iv.n}
        table = {c: round(per_feature[c]["effect"], 4) for c in sorted(per_feature, key=lambda c: -per_feature[c]["effect"])}
        top = ", ".join(f"{c} {v:.3f}" for c, v in list(table.items())[:5])
        auc_text = f"domain classifier AUC {iv.estimate:.3f} [{iv.low:.3f}, {iv.high:.3f}]"
        if drifted or iv.low > cfg.domain_auc:
            findings.append(Finding(
                self.name, "warning",
                f"train and test differ: {len(drifted)} columns drifted (effect >= "
                f"{cfg.threshold:g} and beyond sampling noise: "
                f"{', '.join(drifted[:6]) or 'none'}); {auc_text}; largest effects: {top}",
                tuple(drifted), fix="make test look like the population the model will serve "
                "(same period and sources as production), or re-split at random if the "
                "difference is an artifact of how the split was made",
                details={"effect_sizes": table, "domain_auc": summary["domain_auc"],
                         "label": summary.get("label")}))
        else:
            findings.append(Finding(
                self.name, "info",
                f"no material drift between train and test: no effect size >= "
                f"{cfg.threshold:g} beyond sampling noise (largest: {top}); {auc_text}",
                (), details={"effect_sizes": table, "domain_auc": summary["domain_auc"],
                             "label": summary.get("label")}))
        sampled = None
        if len(train_pos) < ctx.n or len(test_pos) < len(ctx.test):
            sampled = {"rows": int(len(train_pos) + len(test_pos)),
                       "of": int(ctx.n + len(ctx.test)),
                       "method": f"seeded random sample, up to {cfg.rows_per_side} rows per side",
                       "seed": ctx.seed, "why": "effect sizes and domain classifier"}
        return self.outcome(findings=tuple(findings), summary=summary, sampled=sampled)
