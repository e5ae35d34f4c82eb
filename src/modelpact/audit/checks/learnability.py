"""``learnability``: can a quick model beat the baseline, and how much data would the pact need?"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field
from scipy.optimize import OptimizeWarning, curve_fit
from sklearn.model_selection import train_test_split

from modelpact.audit import _models
from modelpact.audit.context import AuditContext
from modelpact.audit.registry import Check, CheckConfig, register
from modelpact.audit.result import CheckOutcome, Finding
from modelpact.errors import MetricError
from modelpact.stats import get_metric, metric_interval, paired_interval

Float = NDArray[np.float64]

DEFAULT_METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "r2"}


class LearnabilityConfig(CheckConfig):
    kind: Literal["learnability"] = "learnability"
    curve_points: int = Field(6, ge=3, le=20, description="Training sizes on the learning curve.")
    holdout_share: float = Field(0.25, gt=0, lt=1, description="Share of the sample held out to score the curve.")
    max_factor: float = Field(
        1000.0, gt=1, description="A threshold needing more than this many times the current "
        "rows counts as not reachable.")
    projections: tuple[float, ...] = Field((2.0, 5.0, 10.0), description="Size multiples to project to.")


def power_law(n: Float, a: float, b: float, c: float) -> Float:
    """Error as a function of training rows: ``a * n**-b + c`` (``c`` is the plateau)."""
    return a * np.power(n, -b) + c


def _error_transform(metric: str) -> tuple[float, int]:
    """(reference, sign) such that error = sign * (reference - value) falls as models improve."""
    m = get_metric(metric)
    if m.greater_is_better:
        upper = m.bounds[1]
        return (upper if math.isfinite(upper) else 1.0), 1
    return 0.0, -1


def fit_curve(sizes: Float, errors: Float) -> dict[str, float] | None:
    """Least-squares power-law fit of *errors* against *sizes*, or None if it does not converge."""
    if len(sizes) < 3 or not np.all(np.isfinite(errors)):
        return None
    floor = max(float(errors.min()), 0.0)
    p0 = (max(float(errors[0] - floor), 1e-3) * float(sizes[0]) ** 0.5, 0.5, floor * 0.5)
    try:
        with warnings.catch_warnings():
            # a flat curve makes the covariance undefined; the fit itself is still usable
            warnings.simplefilter("ignore", OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            (a, b, c), _ = curve_fit(
                power_law, sizes, errors, p0=p0,
                bounds=([0.0, 0.01, 0.0], [np.inf, 2.0, max(floor, 1e-9)]), maxfev=20_000)
    except (RuntimeError, ValueError):
        return None
    return {"a": float(a), "b": float(b), "c": float(c)}


def rows_for_error(fit: dict[str, float], target_error: float) -> float | None:
    """Training rows at which the fitted curve reaches *target_error*; None on a plateau above it."""
    gap = target_error - fit["c"]
    if gap <= 0:
        return None
    if fit["a"] <= 0:
        return 1.0
    return float((fit["a"] / gap) ** (1.0 / fit["b"]))


def _as_input(metric: str, task: str, pred: Float, threshold: float) -> NDArray[Any]:
    m = get_metric(metric)
    if task == "regression":
        return pred
    if m.input == "score":
        return pred[:, 1] if task == "binary" else pred
    if task == "binary":
        return np.asarray(pred[:, 1] >= threshold, dtype=np.int64)
    return np.asarray(pred.argmax(axis=1), dtype=np.int64)


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


@register
class Learnability(Check):
    """Quick model vs baseline with intervals, a learning curve, and rows needed per criterion.

    The quick model's out-of-fold predictions (shared with ``label_errors``) are scored with
    the statistics engine's intervals against the pact's baseline (paired, same rows). The
    learning curve trains on growing subsets and scores a fixed holdout; a power law
    ``error = a·n^-b + c`` fitted to it projects the metric at larger sizes and the training
    rows each ``at_least``/``at_most`` threshold needs, or says it is not reachable when the
    plateau ``c`` sits above it.
    """

    name = "learnability"
    title = "Learnability"
    Config = LearnabilityConfig

    def run(self, ctx: AuditContext) -> CheckOutcome:
        cfg = self.config
        assert isinstance(cfg, LearnabilityConfig)
        if not ctx.features:
            finding = Finding(self.name, "blocking", "no usable feature columns: nothing to learn from",
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
        if baseline_kind in ("column", "model"):
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
                model_iv = metric_interval(name, y_eval, _as_input(name, ctx.task, pred, threshold),
                                           confidence=confidence, seed=ctx.seed)
                entry: dict[str, Any] = {"model": _iv(model_iv)}
                try:
                    base_iv = metric_interval(name, y_eval, _as_input(name, ctx.task, base, threshold),
                                              confidence=confidence, seed=ctx.seed)
                    diff = paired_interval(name, y_eval, _as_input(name, ctx.task, pred, threshold),
                                           _as_input(name, ctx.task, base, threshold),
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
        curves = self._curve(ctx, positions, list(dict.fromkeys(projected)), threshold, cfg)
        curve = curves[primary]
        findings: list[Finding] = []
        n_now = len(positions)
        n_total = int(ctx.labelled.sum())
        summary: dict[str, Any] = {
            "model": "histogram gradient boosting, 100 trees, 5-fold cross-validation",
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
                    self.name, "blocking", text + "; the features show no signal beyond the baseline",
                    fix="find features that carry signal about the target, or check the labels",
                    details={"metric": metrics[0]}))
        if curve.get("sizes"):
            sizes, values = curve["sizes"], curve["scores"]
            text = (f"learning curve: {curve['metric']} {values[0]:.3f} with {sizes[0]} training "
                    f"rows, {values[-1]:.3f} with {sizes[-1]}")
            if curve.get("projection"):
                text += "; projected " + ", ".join(
                    f"{v:.3f} at {int(n)}" for n, v in curve["projection"].items())
                text += f"; plateau {curve['plateau']:.3f}"
            findings.append(Finding(self.name, "info", text, details={"curve": curve}))
        if pact is not None and pact.data.min_rows > n_total:
            findings.append(Finding(
                self.name, "warning",
                f"the pact asks for at least {pact.data.min_rows} rows, only {n_total} labelled "
                "rows are available", (ctx.target,),
                fix=f"label at least {pact.data.min_rows - n_total} more rows",
                details={"min_rows": pact.data.min_rows, "labelled_rows": n_total}))
        for crit in criteria:
            row = self._criterion(crit, scores, curves.get(crit.metric, {}), n_now, n_total, cfg)
            summary["criteria"].append(row)
            if row["status"] == "unreachable":
                findings.append(Finding(self.name, "blocking", row["message"],
                                        fix="the pact needs better features or a revised "
                                        "threshold; more rows alone will not get there",
                                        details=row))
            elif row["status"] == "borderline":
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix="expect an inconclusive sign-off: improve the "
                                        "features (or, for threshold metrics, tune the "
                                        "decision threshold) before relying on this criterion",
                                        details=row))
            elif row["status"] == "needs_more_data":
                findings.append(Finding(self.name, "warning", row["message"],
                                        fix=f"label about {row['more_rows_needed']} more rows",
                                        details=row))
            elif row["status"] in ("met", "reachable", "undecided"):
                findings.append(Finding(self.name, "info", row["message"], details=row))
        sampled = ctx.sample_note(n_now, "cross-validated quick model and learning curve")
        return self.outcome(findings=tuple(findings), summary=summary, sampled=sampled)

    def _curve(self, ctx: AuditContext, positions: NDArray[np.intp], metrics: list[str],
               threshold: float, cfg: LearnabilityConfig) -> dict[str, dict[str, Any]]:
        """Learning curves of every metric in *metrics* (one set of fits, scored per metric)."""
        y = ctx.y(positions)
        strat = None if ctx.task == "regression" else y.astype(np.int64)
        idx = np.arange(len(positions))
        try:
            train, hold = train_test_split(idx, test_size=cfg.holdout_share,
                                           random_state=ctx.seed, stratify=strat)
        except ValueError:
            train, hold = train_test_split(idx, test_size=cfg.holdout_share, random_state=ctx.seed)
        smallest = max(50, 10 * max(len(ctx.classes), 1))
        if len(train) < 2 * smallest:
            return {m: {"metric": m, "sizes": [], "scores": [], "fit": None} for m in metrics}
        X = ctx.X(positions)
        sizes = np.unique(np.geomspace(smallest, len(train), cfg.curve_points).astype(int))
        rng = np.random.default_rng(ctx.seed)
        order = rng.permutation(train)
        if strat is not None:
            # keep every class in even the smallest subset
            first = [int(order[np.flatnonzero(strat[order] == k)[0]]) for k in np.unique(strat[train])]
            order = np.r_[first, order[~np.isin(order, first)]].astype(np.intp)
        mask = ctx.encoder.categorical_mask
        y_hold = y[hold] if ctx.task == "regression" else y[hold].astype(np.int64)
        scores: dict[str, list[float]] = {m: [] for m in metrics}
        for n in sizes:
            sub = order[:n]
            model = _models.quick_model(ctx.task, mask, ctx.seed)
            model.fit(X[sub], y[sub] if ctx.task == "regression" else y[sub].astype(np.int64))
            p = _models._predict(model, X[hold], ctx.task, len(ctx.classes))
            for m in metrics:
                try:
                    scores[m].append(float(get_metric(m).func(y_hold, _as_input(m, ctx.task, p, threshold))))
                except MetricError:
                    scores[m].append(float("nan"))
        full_train = int(ctx.labelled.sum() * (1 - cfg.holdout_share))
        targets = sorted({int(sizes[-1] * f) for f in cfg.projections} | {full_train})
        curves: dict[str, dict[str, Any]] = {}
        for m in metrics:
            reference, sign = _error_transform(m)
            errors = sign * (reference - np.asarray(scores[m]))
            fit = fit_curve(sizes.astype(np.float64), errors)
            out: dict[str, Any] = {"metric": m, "sizes": sizes.tolist(), "scores": scores[m],
                                   "holdout_rows": len(hold), "fit": fit}
            if fit is not None:
                out["projection"] = {
                    str(n): float(reference - sign * power_law(np.array([float(n)]), **fit)[0])
                    for n in targets if n > sizes[-1]}
                out["plateau"] = float(reference - sign * fit["c"])
            curves[m] = out
        return curves

    @staticmethod
    def _criterion(crit: Any, scores: dict[str, Any], curve: dict[str, Any], n_now: int,
                   n_total: int, cfg: LearnabilityConfig) -> dict[str, Any]:
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
        met = m["low"] >= bound if greater else m["high"] <= bound
        if met:
            row["status"] = "met"
            row["message"] = (f"{label}: already met by the quick model: {m['estimate']:.3f} "
                              f"[{m['low']:.3f}, {m['high']:.3f}] with {n_now} rows")
            return row
        fit = curve.get("fit")
        if fit is None or curve.get("metric") != crit.metric:
            row["message"] = (f"{label}: the quick model reaches {m['estimate']:.3f} "
                              f"[{m['low']:.3f}, {m['high']:.3f}]; no learning-curve projection "
                              "for this metric")
            return row
        reference, sign = _error_transform(crit.metric)
        target_error = sign * (reference - bound)
        needed = rows_for_error(fit, target_error)
        plateau = reference - sign * fit["c"]
        row["plateau"] = plateau
        straddles = m["high"] >= bound if greater else m["low"] <= bound
        if (needed is None or needed > cfg.max_factor * n_now) and straddles:
            # the interval still reaches the threshold: too close to call it unreachable
            row["status"] = "borderline"
            row["message"] = (f"{label}: borderline: the quick model reaches {m['estimate']:.3f} "
                              f"[{m['low']:.3f}, {m['high']:.3f}], an interval that includes the "
                              f"threshold, but its learning curve levels off at {plateau:.3f}")
            return row
        if needed is None or needed > cfg.max_factor * n_now:
            row["status"] = "unreachable"
            row["message"] = (f"{label}: not reachable with these features: the learning curve "
                              f"levels off at {crit.metric} {plateau:.3f} (now {m['estimate']:.3f} "
                              f"[{m['low']:.3f}, {m['high']:.3f}])")
            return row
        # curve rows are training rows; the holdout share was scored on top of them
        labelled_needed = math.ceil(needed / (1 - cfg.holdout_share))
        row["rows_needed"] = labelled_needed
        if labelled_needed > n_total:
            row["status"] = "needs_more_data"
            row["more_rows_needed"] = labelled_needed - n_total
            row["message"] = (f"{label}: projected to need about {labelled_needed} labelled rows "
                              f"({n_total} available; now {m['estimate']:.3f} "
                              f"[{m['low']:.3f}, {m['high']:.3f}], plateau {plateau:.3f})")
        else:
            row["status"] = "reachable"
            row["message"] = (f"{label}: projected reachable with about {labelled_needed} "
                              f"labelled rows ({n_total} available; the audit's quick model "
                              f"reaches {m['estimate']:.3f} [{m['low']:.3f}, {m['high']:.3f}] "
                              f"on {n_now})")
        return row


def _iv(iv: Any) -> dict[str, Any]:
    return {"estimate": iv.estimate, "low": iv.low, "high": iv.high, "method": iv.method, "n": iv.n}
