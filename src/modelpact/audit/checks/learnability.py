"""``learnability``: can a quick model beat the baseline, and how much data would the pact need?"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from modelpact.audit import _models
from modelpact.audit.checks._curve import measure_curve, weighted_scores
from modelpact.audit.checks._persistence import persistence_study
from modelpact.audit.context import AuditContext
from modelpact.audit.learning_curve import Projection, curve_value, describe, project
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding
from modelpact.errors import MetricError
from modelpact.stats import get_metric, metric_interval, paired_interval

Float = NDArray[np.float64]

DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}

#: How the quick model is described in reports (its settings are those of ``_models.quick_model``).
MODEL_NAME = ("scikit-learn HistGradientBoosting (max_iter=100, learning_rate=0.1, "
              "early_stopping=False, categorical features native)")


class LearnabilityConfig(CheckConfig):
    kind: Literal["learnability"] = "learnability"
    curve_points: int = Field(8, ge=4, le=20, description="Training sizes on the learning curve "
                              "(a geometric grid; the largest is the cross-validation itself).")
    large_points: int = Field(6, ge=4, le=20, description="Training sizes when the largest "
                              "exceeds ``large_rows``: the dropped sizes are the costliest "
                              "fits, which keeps audits of large data within their time budget.")
    large_rows: int = Field(5_000, ge=100, description="Largest training size above which the "
                            "curve uses ``large_points`` sizes.")
    smallest_share: float = Field(0.01, gt=0, lt=0.5, description="Smallest training size as a "
                                  "share of the largest (never below 50 rows).")
    n_boot: int = Field(200, ge=20, le=2000, description="Bootstrap replicates of the repetitions.")
    level: float | None = Field(None, gt=0.5, lt=1, description="Level of the projection "
                                "intervals (default: the pact's confidence).")
    projections: tuple[float, ...] = Field((2.0, 5.0, 10.0), description="Size multiples to project to.")
    max_factor: float = Field(
        1000.0, gt=1, description="A threshold whose optimistic projection still needs more "
        "than this many times the labelled rows counts as not reachable.")
    holdout_share: float | None = Field(None, gt=0, lt=1, description="Ignored: the curve is "
                                        "now cross-validated (accepted so older settings load).")


def _error_transform(metric: str) -> tuple[float, int]:
    """(reference, sign) such that error = sign * (reference - value) falls as models improve."""
    m = get_metric(metric)
    if m.greater_is_better:
        upper = m.bounds[1]
        return (upper if math.isfinite(upper) else 1.0), 1
    return 0.0, -1


def _baseline(kind: str, task: str, y: Float, fold_list: list[Any], n_classes: int) -> Float:
    """Out-of-fold predictions of the pact's baseline (fitted on each training fold)."""
    out = np.zeros((len(y), n_classes)) if task != "regression" else np.zeros(len(y))
    for train, test in fold_list:
        if task == "regression":
            out[test] = np.median(y[train]) if kind == "median" else np.mean(y[train])
        else:
            shares = np.bincount(y[train].astype(np.int64), minlength=n_classes) / len(train)
            if kind == "majority":
                shares = np.eye(n_classes)[int(np.argmax(shares))]
            out[test] = shares
    return out


def _fmt_rows(n: float) -> str:
    if not math.isfinite(n):
        return "no bound"
    n = max(n, 0.0)
    if n >= 100:
        digits = max(0, math.floor(math.log10(n)) - 1)
        n = round(n / 10**digits) * 10**digits
    return f"{round(n):,}"


@register
class Learnability(Check):
    """Quick model vs baseline with intervals, a learning curve with a projection band, and
    the training rows each pact threshold needs, as a range.

    The quick model's out-of-fold predictions (shared with ``label_errors``) are scored with
    the statistics engine's intervals against the pact's baseline (paired, same rows). The
    learning curve repeats the model at a geometric grid of training sizes inside every fold
    (:func:`measure_curve`); :func:`~modelpact.audit.learning_curve.project` fits several curve
    families, weights them by how well they predict the larger sizes from the smaller ones,
    and bootstraps the curve (folds, then rows) to give every projection an interval.

    A projection is an extrapolation, so it never blocks on its own: a threshold is called
    not reachable (a warning) only when even the optimistic end of the plateau's interval
    falls short of it, or even the optimistic end of the rows needed exceeds ``max_factor``
    times the labelled rows; when the interval of rows needed has no upper end the check says
    so and suggests how many rows to label before asking again.
    """

    name = "learnability"
    title = "Learnability"
    Config = LearnabilityConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, LearnabilityConfig)
        if not ctx.features:
            finding = Finding(self.name, "critical", "no usable feature columns: nothing to learn from",
                              fix="provide feature columns the audit can use")
            return self.outcome(findings=(finding,), summary={"status": "no_features"})
        positions = ctx.sample()
        y = ctx.y(positions)
        if ctx.task != "regression" and np.bincount(
                y.astype(np.int64), minlength=len(ctx.classes)).min() < 2:
            return self.outcome(skipped="a class has fewer than 2 labelled rows")
        pact = ctx.pact
        confidence = pact.confidence if pact is not None else 0.95
        threshold = pact.threshold if pact is not None else 0.5
        baseline_kind = pact.baseline.kind if pact is not None else (
            "mean" if ctx.task == "regression" else "prior")
        baseline_note = ""
        persistence_key = pact.baseline.key if pact is not None else None
        if baseline_kind == "persistence":
            # compared forward in time below; the shuffled comparison needs a fitted baseline
            baseline_note = ("the pact's persistence baseline is compared forward in time"
                             if ctx.time_values is not None else
                             "the pact's persistence baseline needs a time column (--time-column "
                             "or the pact's columns.time); used the training prior/mean instead")
            baseline_kind = "mean" if ctx.task == "regression" else "prior"
        elif baseline_kind in ("column", "model"):
            baseline_note = f"the pact's {baseline_kind} baseline is not available to an audit; " \
                            "used the training prior/mean instead"
            baseline_kind = "mean" if ctx.task == "regression" else "prior"
        metrics = [DEFAULT_METRIC[ctx.task]]
        criteria = []
        if pact is not None:
            for crit in pact.criteria:
                if crit.metric not in metrics:
                    metrics.append(crit.metric)
                criteria.append(crit)
        pred = _models.oof_predictions(ctx, positions)
        fold_list = _models.folds(ctx.task, y, ctx.seed)
        base = _baseline(baseline_kind, ctx.task, y, fold_list, len(ctx.classes))
        y_eval = y if ctx.task == "regression" else y.astype(np.int64)
        scores: dict[str, Any] = {}
        for name in metrics:
            try:
                model_iv = metric_interval(name, y_eval, _models.as_metric_input(name, ctx.task, pred, threshold),
                                           confidence=confidence, seed=ctx.seed)
                entry: dict[str, Any] = {"model": _iv(model_iv)}
                try:
                    base_iv = metric_interval(name, y_eval, _models.as_metric_input(name, ctx.task, base, threshold),
                                              confidence=confidence, seed=ctx.seed)
                    diff = paired_interval(name, y_eval, _models.as_metric_input(name, ctx.task, pred, threshold),
                                           _models.as_metric_input(name, ctx.task, base, threshold),
                                           confidence=confidence, seed=ctx.seed)
                    entry["baseline"] = _iv(base_iv)
                    entry["difference"] = _iv(diff)
                except MetricError as exc:
                    entry["baseline_error"] = str(exc)
                scores[name] = entry
            except MetricError as exc:
                scores[name] = {"error": str(exc)}

        primary = next((c.metric for c in criteria if c.at_least is not None or c.at_most is not None),
                       metrics[0])
        projected = [primary] + [c.metric for c in criteria
                                 if c.at_least is not None or c.at_most is not None]
        n_now = len(positions)
        n_total = int(ctx.labelled.sum())
        level = cfg.level if cfg.level is not None else confidence
        curves, fits = self._curves(ctx, positions, list(dict.fromkeys(projected)), threshold,
                                    n_total, level, cfg)
        curve = curves[primary]
        findings: list[Finding] = []
        summary: dict[str, Any] = {
            "model": "histogram gradient boosting, 100 trees, 5-fold cross-validation",
            "model_settings": MODEL_NAME,
            "rows": n_now, "labelled_rows": n_total, "baseline": baseline_kind,
            "baseline_note": baseline_note, "confidence": confidence, "metrics": scores,
            "curve": curve, "curves": curves, "criteria": [],
        }
        main = scores.get(metrics[0], {})
        diff = main.get("difference")
        if diff is not None:
            better = diff["low"] > 0 if get_metric(metrics[0]).greater_is_better else diff["high"] < 0
            m_iv = main["model"]
            text = (f"the quick model reaches {metrics[0]} {m_iv['estimate']:.3f} "
                    f"[{m_iv['low']:.3f}, {m_iv['high']:.3f}] against the {baseline_kind} "
                    f"baseline's {main['baseline']['estimate']:.3f} (difference "
                    f"{diff['estimate']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}])")
            if better:
                findings.append(Finding(self.name, "info", text, details={"metric": metrics[0]}))
            else:
                findings.append(Finding(
                    self.name, "critical", text + "; the features show no signal beyond the baseline",
                    fix="find features that carry signal about the target, or check the labels",
                    details={"metric": metrics[0]}))
        if curve.get("sizes"):
            sizes, values = curve["sizes"], curve["scores"]
            text = (f"learning curve ({curve['repetitions']} folds per size): {curve['metric']} "
                    f"{values[0]:.3f} with {sizes[0]:,} training rows, {values[-1]:.3f} with "
                    f"{sizes[-1]:,}")
            if curve.get("projection"):
                band = curve["projection_band"]
                text += "; projected " + ", ".join(
                    f"{v:.3f} [{band[n][0]:.3f}, {band[n][1]:.3f}] at {int(n):,}"
                    for n, v in curve["projection"].items())
            findings.append(Finding(self.name, "info", text, details={"curve": curve}))
        study_metric = (criteria[0].metric if criteria else
                        "mae" if ctx.task == "regression" else "accuracy")
        try:
            persistence = persistence_study(
                ctx, metric=study_metric, confidence=confidence, threshold=threshold,
                key=persistence_key, max_rows=max(ctx.sample_rows, 1000))
        except MetricError as exc:
            persistence = {"error": str(exc)}
        if persistence is not None:
            summary["persistence"] = persistence
            findings.append(_persistence_finding(
                persistence, required=pact is not None and pact.baseline.kind == "persistence"))
        if pact is not None and pact.data.min_rows > n_total:
            findings.append(Finding(
                self.name, "warning",
                f"the pact asks for at least {pact.data.min_rows} rows, only {n_total} labelled "
                "rows are available", (ctx.target,),
                fix=f"label at least {pact.data.min_rows - n_total} more rows",
                details={"min_rows": pact.data.min_rows, "labelled_rows": n_total}))
        for crit in criteria:
            row = self._criterion(crit, scores, curves.get(crit.metric, {}),
                                  fits.get(crit.metric), n_now, n_total, level, cfg.max_factor)
            summary["criteria"].append(row)
            status = row["status"]
            if status == "unreachable":
                # an extrapolation, however clear, is not a measurement: it warns, never blocks
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix="the pact needs better features or a revised "
                                        "threshold; more rows alone are unlikely to get there",
                                        details=row))
            elif status == "borderline":
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix="expect an inconclusive sign-off: improve the "
                                        "features (or, for threshold metrics, tune the "
                                        "decision threshold) before relying on this criterion",
                                        details=row))
            elif status == "needs_more_data":
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix=f"label about {_fmt_rows(row['more_rows_needed'])} "
                                        "more rows (the range is in the finding)",
                                        details=row))
            elif status == "cannot_tell":
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix=f"label about {_fmt_rows(row['rows_to_rerun'])} rows "
                                        "in all and re-run the audit", details=row))
            elif status == "reachable" and row.get("more_rows_needed_range", [0, 0])[1] > 0:
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix="plan for up to "
                                        f"{_fmt_rows(row['more_rows_needed_range'][1])} more "
                                        "labelled rows, or re-run the audit after labelling "
                                        "some to narrow the interval", details=row))
            else:
                findings.append(Finding(self.name, "info", row["message"], details=row))
        for metric, proj in fits.items():
            rows = [r for r in summary["criteria"] if r.get("metric") == metric]
            curves[metric]["chart"] = self._chart(curves[metric], proj, rows, n_total, level)
        sampled = ctx.sample_note(n_now, "cross-validated quick model and learning curve")
        return self.outcome(findings=tuple(findings), summary=summary, sampled=sampled)

    def _curves(self, ctx: AuditContext, positions: NDArray[np.intp], metrics: list[str],
                threshold: float, n_total: int, level: float, cfg: LearnabilityConfig,
                ) -> tuple[dict[str, dict[str, Any]], dict[str, Projection]]:
        """Measured curves of every metric in *metrics* and their fitted projections."""
        sizes, preds, fold_of_row = measure_curve(
            ctx, positions, points=cfg.curve_points, smallest_share=cfg.smallest_share,
            large=(cfg.large_rows, cfg.large_points))
        y = ctx.y(positions)
        target = y if ctx.task == "regression" else y.astype(np.int64)
        n_folds = int(fold_of_row.max()) + 1
        rng = np.random.default_rng(ctx.seed)
        # two-level bootstrap: folds drawn with replacement (the training subsets' luck),
        # then rows within them by Poisson weights (the test rows' luck); one draw serves every
        # size, so each replicate is a whole curve
        fold_draws = rng.multinomial(n_folds, np.full(n_folds, 1 / n_folds), size=cfg.n_boot)
        w = np.asarray(fold_draws[:, fold_of_row] * rng.poisson(1.0, size=(cfg.n_boot, len(y))),
                       dtype=np.float64)
        # unit weights give the pooled score, one indicator row per fold each fold's score
        fixed = np.vstack([np.ones(len(y)), np.eye(n_folds)[fold_of_row].T])
        curves: dict[str, dict[str, Any]] = {}
        fits: dict[str, Projection] = {}
        for m in metrics:
            out: dict[str, Any] = {"metric": m, "sizes": [], "scores": [], "fit": None}
            curves[m] = out
            if not len(sizes):
                continue
            inputs = [_models.as_metric_input(m, ctx.task, p, threshold) for p in preds]
            plain = np.stack([weighted_scores(m, target, x, fixed) for x in inputs], axis=1)
            point, folds = plain[0], plain[1:]
            boot = np.stack([weighted_scores(m, target, x, w) for x in inputs], axis=1)
            usable = np.isfinite(point) & (np.mean(np.isfinite(boot), axis=0) > 0.9)
            if usable.sum() < 4:
                out["note"] = "too few training sizes could be scored to fit a curve"
                continue
            s, point, boot, folds = sizes[usable], point[usable], boot[:, usable], folds[:, usable]
            test_rows = round(len(y) / n_folds)
            reference, sign = _error_transform(m)
            proj = project(s, sign * (reference - point), sign * (reference - boot))
            fits[m] = proj
            pow3 = proj.fits["pow3"]
            b = float(pow3.shape[0, 0])
            out.update({
                "sizes": [int(v) for v in s], "scores": point.tolist(),
                "score_interval": np.sort(np.nanquantile(
                    boot, [(1 - level) / 2, (1 + level) / 2], axis=0), axis=0).T.tolist(),
                "spread": np.nanstd(folds, axis=0, ddof=1).tolist(),
                "fold_scores": folds.tolist(), "repetitions": n_folds,
                "holdout_rows": test_rows, "level": level,
                "design": (f"{n_folds}-fold cross-validation; at each size the model trains "
                           "on a seeded, stratified, nested subset of the fold's training part "
                           "and predicts the fold's test part; scores are of the pooled "
                           f"out-of-fold predictions, intervals from {cfg.n_boot} bootstrap "
                           "replicates (folds, then rows)"),
                "model": MODEL_NAME,
                # kept for readers of the first release: the inverse power law alone
                "fit": {"a": float(pow3.k[0]) * pow3.n_ref ** b, "b": b, "c": float(pow3.c[0])},
                "families": describe(proj),
            })
            targets = sorted({int(s[-1] * f) for f in cfg.projections}
                             | ({n_total} if n_total > s[-1] else set()))
            values = curve_value(reference, sign, proj.error_at(np.asarray(targets, float)))
            low_e, high_e = proj.error_band(np.asarray(targets, float), level)
            band = np.sort(np.stack([curve_value(reference, sign, low_e),
                                     curve_value(reference, sign, high_e)]), axis=0)
            out["projection"] = {str(n): float(v) for n, v in zip(targets, values, strict=True)}
            out["projection_band"] = {str(n): [float(band[0, i]), float(band[1, i])]
                                      for i, n in enumerate(targets)}
            pl = proj.plateau(level)
            plateau = np.sort(curve_value(reference, sign, np.array([pl[0], pl[2]])))
            out["plateau"] = float(curve_value(reference, sign, np.array([pl[1]]))[0])
            out["plateau_interval"] = plateau.tolist()
        return curves, fits

    @staticmethod
    def _chart(curve: dict[str, Any], proj: Projection, rows: list[dict[str, Any]],
               n_total: int, level: float) -> dict[str, Any]:
        """Points of the fitted curve and its band, out past every finite crossing."""
        reference, sign = _error_transform(curve["metric"])
        first, last = curve["sizes"][0], curve["sizes"][-1]
        top = max(10.0 * last, 1.2 * n_total)
        for row in rows:
            high = (row.get("rows_needed_range") or [None, None])[1]
            for n in (high, row.get("rows_needed")):
                if n is not None and math.isfinite(n):
                    top = max(top, 1.5 * n)
        xs = np.geomspace(first, min(top, 1000.0 * last), 48)
        low_e, high_e = proj.error_band(xs, level)
        band = np.sort(np.stack([curve_value(reference, sign, low_e),
                                 curve_value(reference, sign, high_e)]), axis=0)
        return {"x": xs.round().tolist(), "y": curve_value(reference, sign, proj.error_at(xs)).tolist(),
                "low": band[0].tolist(), "high": band[1].tolist()}

    @staticmethod
    def _criterion(crit: Any, scores: dict[str, Any], curve: dict[str, Any],
                   proj: Projection | None, n_now: int, n_total: int,
                   level: float, max_factor: float = 1000.0) -> dict[str, Any]:
        label = crit.label()
        row: dict[str, Any] = {"criterion": label, "metric": crit.metric, "status": "undecided",
                               "threshold": crit.at_least if crit.at_least is not None else crit.at_most}
        entry = scores.get(crit.metric, {})
        if "model" not in entry:
            row["message"] = f"{label}: cannot be estimated by the audit ({entry.get('error', 'no score')})"
            return row
        if crit.slice:
            row["message"] = f"{label}: slices are judged at sign-off; the whole-data estimate is " \
                             f"{entry['model']['estimate']:.3f}"
            return row
        m = entry["model"]
        row.update({"estimate": m["estimate"], "low": m["low"], "high": m["high"]})
        if crit.kind != "absolute":
            if crit.reference == "baseline" and "difference" in entry:
                d = entry["difference"]
                margin = crit.by if crit.kind == "superiority" else -(crit.margin or 0.0)
                margin = margin or 0.0
                sign = 1 if get_metric(crit.metric).greater_is_better else -1
                low = d["low"] if sign > 0 else -d["high"]
                row["status"] = "met" if low > margin else "undecided"
                row["message"] = (f"{label}: the quick model is {d['estimate']:+.3f} "
                                  f"[{d['low']:+.3f}, {d['high']:+.3f}] against the baseline")
            else:
                row["message"] = f"{label}: needs the champion, judged at sign-off"
            return row
        bound = crit.at_least if crit.at_least is not None else crit.at_most
        greater = crit.at_least is not None
        now = f"{m['estimate']:.3f} [{m['low']:.3f}, {m['high']:.3f}]"
        if m["low"] >= bound if greater else m["high"] <= bound:
            row["status"] = "met"
            row["message"] = f"{label}: already met by the quick model: {now} with {n_now:,} rows"
            return row
        if proj is None or curve.get("metric") != crit.metric:
            row["message"] = (f"{label}: the quick model reaches {now}; no learning-curve "
                              "projection for this metric")
            return row
        reference, sign = _error_transform(crit.metric)
        target_error = sign * (reference - bound)
        plateau_e = proj.plateau(level)
        optimistic = float(curve_value(reference, sign, np.array([plateau_e[0]]))[0])
        lo, mid, hi = proj.rows_needed(target_error, level)
        # beyond max_factor times the labelled rows a projection is no longer a number to
        # plan with: such an end of the interval counts as having no bound
        horizon = max_factor * max(n_total, 1)
        mid, hi = (v if v <= horizon else math.inf for v in (mid, hi))
        pct = f"{level:.0%}"
        row.update({
            "plateau": curve["plateau"], "plateau_interval": curve["plateau_interval"],
            "plateau_optimistic": optimistic, "level": level,
            "rows_needed_unit": "training rows",
            "rows_needed": math.ceil(mid) if math.isfinite(mid) else None,
            "rows_needed_range": [math.floor(lo) if math.isfinite(lo) else None,
                                  math.ceil(hi) if math.isfinite(hi) else None],
        })
        out_of_reach = lo > max_factor * max(n_total, 1)
        if plateau_e[0] >= target_error or out_of_reach:
            straddles = m["high"] >= bound if greater else m["low"] <= bound
            p_lo, p_hi = curve["plateau_interval"]
            row["status"] = "borderline" if straddles else "unreachable"
            if plateau_e[0] >= target_error:
                levels = (f"its learning curve levels off between {p_lo:.3f} and {p_hi:.3f} "
                          f"({pct} interval), short of {bound:g}")
            else:
                levels = (f"even the optimistic end of its projection needs more than "
                          f"{_fmt_rows(lo)} training rows, over {max_factor:g} times the "
                          f"{n_total:,} labelled rows")
            if straddles:
                row["message"] = (f"{label}: borderline: the quick model reaches {now}, an "
                                  f"interval that includes the threshold, but {levels}")
            else:
                row["message"] = (f"{label}: not reachable with these features by more rows "
                                  f"alone: the quick model reaches {now} and {levels}")
            return row
        needed = (f"about {_fmt_rows(mid)} training rows ({pct} interval "
                  f"{_fmt_rows(lo)}–{_fmt_rows(hi)})")
        if math.isfinite(hi) and mid <= n_total:
            row["status"] = "reachable"
            row["message"] = (f"{label}: projected reachable with {needed}; {n_total:,} labelled "
                              f"rows are available (the quick model reaches {now} on {n_now:,})")
            if hi > n_total:
                row["more_rows_needed"] = 0
                row["more_rows_needed_range"] = [0, math.ceil(hi - n_total)]
                row["message"] += (f"; the interval allows that up to {_fmt_rows(hi - n_total)} "
                                   "more labelled rows are needed")
        elif math.isfinite(hi):
            row["status"] = "needs_more_data"
            more = [max(v - n_total, 0.0) for v in (lo, mid, hi)]
            row["more_rows_needed"] = math.ceil(more[1])
            row["more_rows_needed_range"] = [math.floor(more[0]), math.ceil(more[2])]
            row["message"] = (f"{label}: needs about {_fmt_rows(more[1])} ({_fmt_rows(more[0])}–"
                              f"{_fmt_rows(more[2])}) more labelled rows: projected to need "
                              f"{needed}, {n_total:,} available; now {now}")
        else:
            rerun = max(2.0 * n_total, min(mid, 10.0 * n_total)) if math.isfinite(mid) \
                else 4.0 * n_total
            row["status"] = "cannot_tell"
            row["rows_to_rerun"] = math.ceil(rerun)
            p_lo, p_hi = curve["plateau_interval"]
            row["message"] = (f"{label}: cannot tell from this sample: the {pct} interval of "
                              f"training rows needed runs from {_fmt_rows(lo)} with no upper "
                              f"end (the curve may level off anywhere from {p_lo:.3f} to "
                              f"{p_hi:.3f}); label about {_fmt_rows(rerun)} rows and re-run "
                              f"(now {now} with {n_now:,})")
        return row


def _persistence_finding(study: dict[str, Any], *, required: bool) -> Finding:
    """The verdict of the forward comparison with persistence, as a finding.

    Losing to "same as last time" blocks when the pact's baseline is persistence (the pact
    would fail the model at sign-off) and warns otherwise: the model is not worth serving
    over a forecast that needs no model at all.
    """
    if "error" in study:
        return Finding("learnability", "info",
                       f"no comparison with persistence: {study['error']}")
    m, p, d = study["model"], study["persistence"], study["difference"]
    text = (f"scored forward in time on {study['rows']:,} rows, the quick model reaches "
            f"{study['metric']} {m['estimate']:.3f} [{m['low']:.3f}, {m['high']:.3f}] against "
            f"persistence (the previous label{' per ' + study['key'] if study['key'] else ''}) "
            f"{p['estimate']:.3f} [{p['low']:.3f}, {p['high']:.3f}]: difference "
            f"{d['estimate']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]")
    details = {"persistence": study}
    if study["verdict"] == "beats":
        return Finding("learnability", "info", text + "; it beats \"same as last time\"",
                       details=details)
    fix = ("add what persistence knows as features (the previous label, lagged targets, "
           "recent rates per entity), or retrain often enough to follow the stream; a model "
           "that cannot beat the previous label is not worth serving")
    if not required:
        fix += "; declare 'baseline: persistence' in the pact so sign-off tests it"
    severity: Literal["critical", "warning"] = "critical" if required else "warning"
    if study["verdict"] == "loses":
        return Finding("learnability", severity,
                       text + "; it loses to \"same as last time\"", fix=fix, details=details)
    return Finding("learnability", "warning",
                   text + "; not shown to beat \"same as last time\"", fix=fix, details=details)


def _iv(iv: Any) -> dict[str, Any]:
    return {"estimate": iv.estimate, "low": iv.low, "high": iv.high, "method": iv.method, "n": iv.n}
