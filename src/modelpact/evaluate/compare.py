"""Honest comparison of several models scored on the same evaluation rows.

A comparison answers "is B really better than A, or is the difference noise?". Every model is
scored on exactly the same rows (paired by id), so differences are judged with **paired**
intervals (paired DeLong for ROC AUC, paired bootstrap otherwise), which are much narrower than
two independent intervals side by side.

Multiple comparisons
--------------------
With K models, each metric gives a family of K-1 comparisons against the best model and a
family of comparisons against the baseline. modelpact adjusts the **p-values** of each family
with Holm's step-down procedure (family-wise error rate at ``1 - confidence``); the intervals
it reports are per-comparison intervals at the nominal confidence and are *not* widened. The
p-values are two-sided normal-approximation p-values read off the paired interval (the
half-width on the side facing zero gives the standard error), so that before adjustment
``p < 1 - confidence`` exactly when the paired interval excludes zero.
A model is *indistinguishable from the best* when its Holm-adjusted p-value against the best
is at least ``1 - confidence``. The best model is the one with the best point estimate, chosen
after looking at the data; the indistinguishable set therefore errs on the side of keeping
models in, never of separating them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from modelpact.data import load_frame
from modelpact.errors import ConfigurationError, MetricError, closest
from modelpact.evaluate._outputs import (
    LabelSpace,
    Outputs,
    ScoreSpec,
    Task,
    infer_task,
    outputs_from_columns,
)
from modelpact.evaluate._pairing import pair_tables

__all__ = [
    "COMPARE_SCHEMA",
    "Comparison",
    "MetricBoard",
    "ModelEstimate",
    "PairedDifference",
    "compare",
    "holm_adjust",
    "interval_p_value",
]

COMPARE_SCHEMA = "modelpact.compare/v1"

# What a leaderboard shows when neither a pact nor the caller names metrics.
_DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "log_loss", "brier", "accuracy", "f1"),
    "multiclass": ("accuracy", "f1_macro", "log_loss", "roc_auc_ovr"),
    "regression": ("rmse", "mae", "r2"),
}
_CONSTANT_BASELINES = ("prior", "majority", "mean", "median", "persistence")

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ModelEstimate:
    """A model's metric value with its confidence interval."""

    model: str
    estimate: float
    low: float
    high: float
    method: str
    se: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "estimate": _num(self.estimate),
            "ci": [_num(self.low), _num(self.high)],
            "method": self.method,
            "se": _num(self.se),
        }


@dataclass(frozen=True)
class PairedDifference:
    """``metric(model) - metric(reference)`` on the same rows, with a paired interval.

    ``p_value`` is the two-sided p-value read off the paired interval (see
    :func:`interval_p_value`) and
    ``p_adjusted`` its Holm adjustment within the family (same metric, same reference);
    ``distinguishable`` is ``p_adjusted < 1 - confidence``. ``better`` says whether the
    difference favours *model* (taking the metric's direction into account).
    """

    model: str
    reference: str
    difference: float
    low: float
    high: float
    confidence: float
    method: str
    p_value: float
    p_adjusted: float
    distinguishable: bool
    better: bool

    @property
    def excludes_zero(self) -> bool:
        """Whether the (unadjusted) interval lies entirely on one side of zero."""
        return bool(self.low > 0 or self.high < 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "model": self.model,
            "reference": self.reference,
            "difference": _num(self.difference),
            "ci": [_num(self.low), _num(self.high)],
            "confidence": self.confidence,
            "method": self.method,
            "p_value": _num(self.p_value),
            "p_holm": _num(self.p_adjusted),
            "distinguishable": self.distinguishable,
            "better": self.better,
        }


@dataclass(frozen=True)
class MetricBoard:
    """One metric of the leaderboard: every model's interval and the paired differences."""

    metric: str
    greater_is_better: bool
    description: str
    estimates: tuple[ModelEstimate, ...]
    best: str
    vs_best: tuple[PairedDifference, ...]
    vs_baseline: tuple[PairedDifference, ...]
    indistinguishable_from_best: tuple[str, ...]

    def estimate(self, model: str) -> ModelEstimate:
        """The estimate of *model*."""
        for item in self.estimates:
            if item.model == model:
                return item
        raise KeyError(model)

    def versus_best(self, model: str) -> PairedDifference | None:
        """The paired difference of *model* against the best (``None`` for the best itself)."""
        return next((d for d in self.vs_best if d.model == model), None)

    def versus_baseline(self, model: str) -> PairedDifference | None:
        """The paired difference of *model* against the baseline, if there is one."""
        return next((d for d in self.vs_baseline if d.model == model), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "metric": self.metric,
            "greater_is_better": self.greater_is_better,
            "description": self.description,
            "best": self.best,
            "indistinguishable_from_best": list(self.indistinguishable_from_best),
            "estimates": [e.to_dict() for e in self.estimates],
            "vs_best": [d.to_dict() for d in self.vs_best],
            "vs_baseline": [d.to_dict() for d in self.vs_baseline],
        }


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`: a leaderboard with paired, multiplicity-adjusted tests.

    Attributes
    ----------
    models
        Model names, best first by the first metric.
    sources
        Where each model's predictions came from (file path or ``<DataFrame>``).
    boards
        One :class:`MetricBoard` per metric, in the order requested.
    baseline
        Name of the baseline row (``None`` without a baseline) and ``baseline_kind``
        (``prior``, ``majority``, ``mean``, ``median``, ``column`` or ``model``).
    """

    task: str
    models: tuple[str, ...]
    sources: Mapping[str, str]
    boards: tuple[MetricBoard, ...]
    n_rows: int
    rows_dropped: Mapping[str, int]
    confidence: float
    baseline: str | None
    baseline_kind: str | None
    id_column: str | None
    target: str
    seed: int
    n_resamples: int
    positive_class: Any = None
    threshold: float | None = None
    correction: str = "holm"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric names, in board order."""
        return tuple(b.metric for b in self.boards)

    def board(self, metric: str) -> MetricBoard:
        """The board of *metric*."""
        for b in self.boards:
            if b.metric == metric:
                return b
        raise KeyError(f"no metric '{metric}' in this comparison{closest(metric, self.metrics)}")

    def to_frame(self) -> pd.DataFrame:
        """One row per (metric, model): estimate, interval, and the differences vs best/baseline."""
        rows = []
        for b in self.boards:
            for e in b.estimates:
                vb = b.versus_best(e.model)
                vbase = b.versus_baseline(e.model)
                rows.append(
                    {
                        "metric": b.metric,
                        "model": e.model,
                        "estimate": e.estimate,
                        "low": e.low,
                        "high": e.high,
                        "is_best": e.model == b.best,
                        "indistinguishable_from_best": e.model in b.indistinguishable_from_best,
                        "diff_vs_best": vb.difference if vb else np.nan,
                        "p_holm_vs_best": vb.p_adjusted if vb else np.nan,
                        "diff_vs_baseline": vbase.difference if vbase else np.nan,
                        "diff_vs_baseline_low": vbase.low if vbase else np.nan,
                        "diff_vs_baseline_high": vbase.high if vbase else np.nan,
                        "p_holm_vs_baseline": vbase.p_adjusted if vbase else np.nan,
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The ``modelpact.compare/v1`` JSON contract."""
        return {
            "schema": COMPARE_SCHEMA,
            "task": self.task,
            "target": self.target,
            "id": self.id_column,
            "positive_class": _jsonable(self.positive_class),
            "threshold": self.threshold,
            "n_rows": self.n_rows,
            "rows_dropped": dict(self.rows_dropped),
            "confidence": self.confidence,
            "correction": {
                "method": self.correction,
                "adjusts": "p_values",
                "family": "each metric: comparisons against the best; comparisons against "
                "the baseline",
                "p_values": "two-sided, normal approximation read off the paired interval "
                "(p < 1 - confidence exactly when the interval excludes zero)",
                "intervals": "per comparison, at the nominal confidence (not adjusted)",
            },
            "seed": self.seed,
            "n_resamples": self.n_resamples,
            "baseline": (
                {"name": self.baseline, "kind": self.baseline_kind} if self.baseline else None
            ),
            "models": [
                {"name": m, "source": self.sources.get(m, ""), "rank": i + 1}
                for i, m in enumerate(self.models)
            ],
            "metrics": [b.to_dict() for b in self.boards],
            "notes": list(self.notes),
        }


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _jsonable(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of *p_values* (family-wise error rate control).

    The adjusted value of the i-th smallest p-value is ``max_{j <= i} (m - j + 1) p_(j)``,
    capped at 1; a hypothesis is rejected at level alpha when its adjusted p-value is below
    alpha.

    Examples
    --------
    >>> holm_adjust([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    adjusted = np.minimum(np.maximum.accumulate(scaled), 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return [round(float(v), 15) for v in out]


def interval_p_value(estimate: float, low: float, high: float, confidence: float) -> float:
    """Two-sided p-value for "no difference", read off a paired interval.

    A normal approximation whose standard error is the half-width of the interval on the
    side that faces zero, divided by ``z``. For symmetric intervals (DeLong, CLT) this is the
    Wald p-value; for asymmetric ones (Newcombe, BCa bootstrap) it keeps the p-value
    consistent with the interval: ``p < 1 - confidence`` exactly when the interval excludes
    zero.

    Examples
    --------
    >>> round(interval_p_value(0.1, 0.1 - 1.96 * 0.05, 0.1 + 1.96 * 0.05, 0.95), 4)
    0.0455
    >>> interval_p_value(0.0, -0.1, 0.1, 0.95)
    1.0
    """
    if estimate == 0 or not np.isfinite(estimate):
        return 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    towards_zero = (high - estimate) if estimate < 0 else (estimate - low)
    if not np.isfinite(towards_zero) or towards_zero <= 0:
        # a degenerate side: the interval excludes zero, or there is no spread at all
        excludes = low > 0 or high < 0
        return 0.0 if excludes else 1.0
    return float(2 * norm.sf(abs(estimate) / (towards_zero / z)))


@dataclass(frozen=True)
class _Prepared:
    names: list[str]
    sources: dict[str, str]
    y: NDArray[Any]
    outputs: dict[str, Outputs]
    space: LabelSpace
    n_rows: int
    dropped: dict[str, int]
    baseline: str | None
    baseline_kind: str | None
    competitors: list[str]
    notes: list[str]
    target: str
    id: str | None


def compare(
    predictions: Mapping[str, Any],
    *,
    target: str | None = None,
    score: ScoreSpec = None,
    prediction: str | None = None,
    id: str | None = None,
    metrics: Sequence[str] | None = None,
    task: str | None = None,
    positive_class: Any = None,
    classes: Sequence[Any] | None = None,
    threshold: float | None = None,
    baseline: str | None = "auto",
    confidence: float | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
    allow_partial: bool = False,
    pact: Any = None,
    progress: ProgressFn | None = None,
) -> Comparison:
    """Compare models scored on the same evaluation rows: a leaderboard with paired tests.

    Parameters
    ----------
    predictions
        ``model name -> predictions``: a DataFrame or a CSV/Parquet path holding the id, the
        target and the model's score and/or prediction column.
    target, score, prediction, id
        Column names (the same in every table). ``score`` is P(positive) for binary tasks or
        a ``{class: column}`` mapping for multiclass; ``prediction`` holds hard labels (or
        regression values). Defaults come from *pact* when given.
    metrics
        Registry metric names; default: the pact's criteria metrics, else a task default.
    task, positive_class, classes, threshold
        The label encoding; inferred from the target when not given (binary 0/1 targets
        take 1 as positive).
    baseline
        ``"auto"`` (the pact's baseline, else ``prior`` / ``mean``), ``"none"``, a constant
        baseline (``prior``, ``majority``, ``mean``, ``median``), ``"column:<name>"`` (a
        column of the first table), the name of one of *predictions*, or a path to another
        prediction file. ``prior`` uses the class frequencies of the evaluation rows.
    confidence
        Confidence of the intervals and ``1 - alpha`` of the Holm-adjusted tests.
    n_resamples, seed
        Bootstrap resamples and seed for metrics without an analytic interval.
    allow_partial
        Compare on the ids shared by every table instead of raising when some do not match.
    pact
        A :class:`~modelpact.pact.Pact` supplying column names, task and default metrics.
    progress
        Called as ``progress(done, total, label)`` after each metric step.

    Returns
    -------
    Comparison
        Leaderboard, paired differences against the best and the baseline with Holm-adjusted
        p-values, and the set indistinguishable from the best, per metric.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> p = np.clip(y * 0.6 + rng.random(400) * 0.4, 0, 1)
    >>> good = pd.DataFrame({"id": range(400), "y": y, "p": p})
    >>> weak = good.assign(p=rng.random(400))
    >>> result = compare({"good": good, "weak": weak}, target="y", score="p", id="id",
    ...                  metrics=["roc_auc"], n_resamples=200)
    >>> result.board("roc_auc").best, result.board("roc_auc").indistinguishable_from_best
    ('good', ('good',))
    """
    from modelpact import stats

    prepared = _prepare(
        predictions,
        target=target,
        score=score,
        prediction=prediction,
        id=id,
        task=task,
        positive_class=positive_class,
        classes=classes,
        threshold=threshold,
        baseline=baseline,
        allow_partial=allow_partial,
        pact=pact,
    )
    if pact is not None and confidence is None:
        confidence = pact.confidence
    confidence = 0.95 if confidence is None else float(confidence)
    if not 0.5 < confidence < 1:
        raise ConfigurationError(f"confidence must lie between 0.5 and 1; got {confidence:g}")
    chosen = _choose_metrics(metrics, pact, prepared)
    alpha = 1 - confidence
    names = prepared.names
    n_pairs_base = len([c for c in prepared.competitors if c != prepared.baseline])
    steps_per_metric = (
        len(names)
        + max(len(prepared.competitors) - 1, 0)
        + (n_pairs_base if prepared.baseline else 0)
    )
    total = steps_per_metric * len(chosen)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, label)

    boards = []
    for metric in chosen:
        arrays = {n: prepared.outputs[n].for_input(metric.input) for n in names}
        estimates = {}
        for n in names:
            iv = _call(
                stats.metric_interval,
                metric,
                prepared.y,
                arrays[n],
                confidence=confidence,
                n_resamples=n_resamples,
                seed=seed,
                what=f"{metric.name} of {n}",
            )
            estimates[n] = ModelEstimate(
                n,
                float(iv.estimate),
                float(iv.low),
                float(iv.high),
                str(iv.method),
                _opt_float(getattr(iv, "se", None)),
            )
            tick(f"{metric.name}: {n}")
        sign = 1.0 if metric.greater_is_better else -1.0
        best = max(
            prepared.competitors, key=lambda n: (sign * estimates[n].estimate, -names.index(n))
        )

        def paired(
            model: str,
            reference: str,
            metric: Any = metric,
            arrays: dict[str, NDArray[Any] | None] = arrays,
        ) -> tuple[float, float, float, str, float]:
            out = _paired(
                metric,
                prepared.y,
                arrays[model],
                arrays[reference],
                confidence,
                n_resamples,
                seed,
            )
            tick(f"{metric.name}: {model} vs {reference}")
            return out

        vs_best = _family(
            [(n, best, paired(n, best)) for n in prepared.competitors if n != best],
            confidence,
            alpha,
            sign,
        )
        vs_base: list[PairedDifference] = []
        if prepared.baseline is not None:
            vs_base = _family(
                [
                    (n, prepared.baseline, paired(n, prepared.baseline))
                    for n in prepared.competitors
                    if n != prepared.baseline
                ],
                confidence,
                alpha,
                sign,
            )
        tied = [best] + [d.model for d in vs_best if not d.distinguishable]
        order = sorted(names, key=lambda n: (-sign * estimates[n].estimate, names.index(n)))
        boards.append(
            MetricBoard(
                metric=metric.name,
                greater_is_better=metric.greater_is_better,
                description=metric.description,
                estimates=tuple(estimates[n] for n in order),
                best=best,
                vs_best=tuple(sorted(vs_best, key=lambda d: order.index(d.model))),
                vs_baseline=tuple(sorted(vs_base, key=lambda d: order.index(d.model))),
                indistinguishable_from_best=tuple(n for n in order if n in tied),
            )
        )
    ranking = tuple(e.model for e in boards[0].estimates)
    space = prepared.space
    return Comparison(
        task=space.task,
        models=ranking,
        sources=prepared.sources,
        boards=tuple(boards),
        n_rows=prepared.n_rows,
        rows_dropped=prepared.dropped,
        confidence=confidence,
        baseline=prepared.baseline,
        baseline_kind=prepared.baseline_kind,
        id_column=prepared.id,
        target=prepared.target,
        seed=seed,
        n_resamples=n_resamples,
        positive_class=space.classes[1] if space.task == "binary" else None,
        threshold=space.threshold if space.task == "binary" else None,
        notes=tuple(prepared.notes),
    )


def _paired(
    metric: Any,
    y: NDArray[Any],
    a: NDArray[Any] | None,
    b: NDArray[Any] | None,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float, float, str, float]:
    """Paired interval of ``metric(a) - metric(b)`` and its p-value."""
    from modelpact import stats

    iv = _call(
        stats.paired_interval,
        metric,
        y,
        a,
        b,
        confidence=confidence,
        n_resamples=n_resamples,
        seed=seed,
        what=f"the paired difference in {metric.name}",
    )
    p = interval_p_value(float(iv.estimate), float(iv.low), float(iv.high), confidence)
    return float(iv.estimate), float(iv.low), float(iv.high), str(iv.method), p


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _call(func: Callable[..., Any], *args: Any, what: str, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except MetricError as exc:
        raise MetricError(f"cannot compute {what}: {exc}") from None


def _family(
    items: list[tuple[str, str, tuple[float, float, float, str, float]]],
    confidence: float,
    alpha: float,
    sign: float,
) -> list[PairedDifference]:
    adjusted = holm_adjust([values[4] for _, _, values in items])
    out = []
    for (model, reference, (diff, low, high, method, p)), p_adj in zip(
        items, adjusted, strict=True
    ):
        out.append(
            PairedDifference(
                model=model,
                reference=reference,
                difference=diff,
                low=low,
                high=high,
                confidence=confidence,
                method=method,
                p_value=p,
                p_adjusted=p_adj,
                distinguishable=p_adj < alpha,
                better=sign * diff > 0,
            )
        )
    return out


def _choose_metrics(requested: Sequence[str] | None, pact: Any, prepared: _Prepared) -> list[Any]:
    from modelpact import stats

    task = prepared.space.task
    if requested:
        names = list(dict.fromkeys(requested))
        explicit = True
    elif pact is not None:
        names = list(dict.fromkeys(c.metric for c in pact.criteria))
        explicit = False
    else:
        names = list(_DEFAULT_METRICS[task])
        explicit = False
    known = stats.metric_names(task)
    chosen = []
    skipped = []
    for name in names:
        if name not in stats.METRICS:
            raise ConfigurationError(
                f"unknown metric '{name}'{closest(name, known)} (known for {task}: "
                f"{', '.join(known)})"
            )
        metric = stats.get_metric(name)
        if task not in metric.tasks:
            raise ConfigurationError(f"metric '{name}' is not defined for {task} tasks")
        missing = [n for n in prepared.names if prepared.outputs[n].for_input(metric.input) is None]
        if missing:
            if explicit:
                need = "a score column" if metric.input == "score" else "predictions"
                raise ConfigurationError(
                    f"metric '{name}' needs {need}, which {missing[0]} does not have"
                )
            skipped.append(name)
            continue
        chosen.append(metric)
    if skipped:
        prepared.notes.append(
            f"skipped {', '.join(skipped)}: they need scores, and only hard predictions were given"
        )
    if not chosen:
        raise ConfigurationError(
            f"none of the metrics ({', '.join(names)}) can be computed from the given columns"
        )
    return chosen


def _load(value: Any, name: str) -> tuple[pd.DataFrame, str]:
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], pd.DataFrame):
        return value[0], str(value[1])
    frame, source = load_frame(value, name=None if isinstance(value, str | Path) else name)
    return frame, source


def _prepare(
    predictions: Mapping[str, Any],
    *,
    target: str | None,
    score: ScoreSpec,
    prediction: str | None,
    id: str | None,
    task: str | None,
    positive_class: Any,
    classes: Sequence[Any] | None,
    threshold: float | None,
    baseline: str | None,
    allow_partial: bool,
    pact: Any,
) -> _Prepared:
    notes_from_pact = ""
    if pact is not None:
        target = target or pact.columns.target
        score = score if score is not None else pact.columns.score
        prediction = prediction or pact.columns.prediction
        id = id or pact.columns.id
        task = task or pact.task
        positive_class = positive_class if positive_class is not None else pact.positive_class
        classes = classes or pact.classes
        threshold = threshold if threshold is not None else pact.threshold
        if baseline in (None, "auto"):
            baseline = _pact_baseline(pact)
            if pact.baseline.kind == "model":
                notes_from_pact = (
                    f"the pact's model baseline ({pact.baseline.path}) needs features to "
                    f"predict; prediction files are compared with the {baseline} baseline instead"
                )
    if target is None:
        raise ConfigurationError("name the target column (target= / --target)")
    if score is None and prediction is None:
        raise ConfigurationError("name a score or a prediction column (--score / --prediction)")
    if len(predictions) < 2 and not (baseline and baseline not in ("none", "auto")):
        raise ConfigurationError(f"a comparison needs at least two models; got {len(predictions)}")
    tables = {name: _load(value, name) for name, value in predictions.items()}
    names = list(tables)
    notes: list[str] = [notes_from_pact] if notes_from_pact else []

    baseline_kind: str | None = None
    baseline_name: str | None = None
    extra_baseline_column: str | None = None
    if baseline in (None, "none"):
        baseline = None
    elif baseline == "auto":
        baseline = "auto"
    elif baseline in names:
        baseline_name, baseline_kind = baseline, "model"
    elif baseline.startswith("column:"):
        extra_baseline_column = baseline.partition(":")[2]
        baseline_kind = "column"
    elif baseline not in _CONSTANT_BASELINES:
        path = Path(baseline)
        if path.suffix.lower() in (".csv", ".parquet", ".pq", ".tsv") or path.exists():
            baseline_name = _unique_name(path.stem, names)
            tables[baseline_name] = _load(path, baseline_name)
            names.append(baseline_name)
            baseline_kind = "model"
        else:
            raise ConfigurationError(
                f"unknown baseline '{baseline}'{closest(baseline, [*_CONSTANT_BASELINES, *names])};"
                " use prior, majority, mean, median, none, column:<name>, a model name or a "
                "prediction file"
            )

    wanted: dict[str, list[str]] = {}
    for n in names:
        cols = [target]
        if isinstance(score, str):
            cols.append(score)
        elif isinstance(score, Mapping):
            cols.extend(score.values())
        if prediction:
            cols.append(prediction)
        wanted[n] = cols
    if extra_baseline_column:
        wanted[names[0]] = [*wanted[names[0]], extra_baseline_column]
    paired = pair_tables(tables, id=id, columns=wanted, target=target, allow_partial=allow_partial)
    if any(paired.dropped.values()):
        notes.append(
            f"partial join: compared on the {paired.n_rows:,} ids shared by every file; left "
            "out "
            + ", ".join(f"{k:,} row(s) of {tables[n][1]}" for n, k in paired.dropped.items() if k)
        )
    first_frame = paired.frames[names[0]]
    target_series = first_frame[target]
    resolved_task: Task = infer_task(target_series, score=score, task=task)
    space = LabelSpace.build(
        target_series,
        task=resolved_task,
        positive_class=positive_class,
        classes=classes,
        threshold=0.5 if threshold is None else threshold,
        source=tables[names[0]][1],
    )
    y = space.encode(target_series, what=f"{tables[names[0]][1]}: target '{target}'")
    outputs = {
        n: outputs_from_columns(
            paired.frames[n], space, score=score, prediction=prediction, source=tables[n][1]
        )
        for n in names
    }
    competitors = list(names)
    sources = {n: tables[n][1] for n in names}

    if baseline == "auto":
        baseline = "mean" if space.task == "regression" else "prior"
    if baseline in _CONSTANT_BASELINES:
        baseline_kind = baseline
        baseline_name = _unique_name(f"baseline ({baseline})", names)
        if baseline == "persistence":
            outputs[baseline_name] = _persistence_outputs(
                y, space, paired.frames[names[0]], pact, source=tables[names[0]][1]
            )
            sources[baseline_name] = "the previous label in time order"
        else:
            outputs[baseline_name] = _constant_outputs(baseline, y, space)
            sources[baseline_name] = f"{baseline} of the evaluation target"
        names.append(baseline_name)
    elif extra_baseline_column:
        baseline_name = _unique_name(f"baseline ({extra_baseline_column})", names)
        column_frame = paired.frames[names[0]]
        as_score = (
            extra_baseline_column
            if space.task != "regression"
            and pd.api.types.is_float_dtype(column_frame[extra_baseline_column])
            else None
        )
        outputs[baseline_name] = outputs_from_columns(
            column_frame,
            space,
            score=as_score if space.task == "binary" else None,
            prediction=None if as_score and space.task == "binary" else extra_baseline_column,
            source=tables[names[0]][1],
        )
        sources[baseline_name] = f"column '{extra_baseline_column}' of {tables[names[0]][1]}"
        names.append(baseline_name)
    if len(competitors) < 2 and baseline_name is None:
        raise ConfigurationError("a comparison needs at least two models or a baseline")
    return _Prepared(
        names=names,
        sources=sources,
        y=y,
        outputs=outputs,
        space=space,
        n_rows=paired.n_rows,
        dropped={n: paired.dropped.get(n, 0) for n in competitors},
        baseline=baseline_name,
        baseline_kind=baseline_kind,
        competitors=competitors,
        notes=notes,
        target=target,
        id=id,
    )


def _pact_baseline(pact: Any) -> str:
    spec = pact.baseline
    if spec.kind == "column":
        return f"column:{spec.column}"
    if spec.kind == "model":
        # A model baseline needs a model loaded on features; comparisons of prediction files
        # fall back to the constant baseline of the task.
        return "mean" if pact.task == "regression" else "prior"
    return str(spec.kind)


def _unique_name(name: str, taken: Sequence[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate = f"{name} {i}"
        i += 1
    return candidate


def _persistence_outputs(
    y: NDArray[Any], space: LabelSpace, frame: pd.DataFrame, pact: Any, *, source: str
) -> Outputs:
    """The previous label in time order (the pact's time column, else row order)."""
    from modelpact.evaluate.baseline import previous_values

    time = pact.columns.time if pact is not None else None
    key = pact.baseline.key if pact is not None and pact.baseline.kind == "persistence" else None
    if key is not None and key not in frame.columns:
        raise ConfigurationError(f"{source}: no column '{key}' (the persistence baseline's key)")
    order = (
        np.argsort(frame[time].to_numpy(), kind="stable")
        if time is not None and time in frame.columns
        else np.arange(len(frame))
    )
    groups = frame[key].to_numpy() if key is not None else None
    if space.task == "regression":
        return Outputs(
            None, None, previous_values(y, order=order, groups=groups, fallback=float(np.median(y)))
        )
    majority = int(np.bincount(y).argmax())
    labels = previous_values(y, order=order, groups=groups, fallback=majority).astype(np.int64)
    if space.task == "binary":
        return Outputs(labels.astype(float), labels, None)
    return Outputs(np.eye(len(space.classes))[labels], labels, None)


def _constant_outputs(kind: str, y: NDArray[Any], space: LabelSpace) -> Outputs:
    n = y.shape[0]
    if space.task == "regression":
        value = float(np.mean(y)) if kind in ("mean", "prior") else float(np.median(y))
        return Outputs(None, None, np.full(n, value))
    k = len(space.classes)
    freq = np.bincount(y, minlength=k) / n
    majority = int(np.argmax(freq))
    if kind in ("mean", "median"):
        raise ConfigurationError(
            f"baseline '{kind}' is for regression tasks; use prior or majority"
        )
    if space.task == "binary":
        p = float(freq[1]) if kind == "prior" else float(majority)
        scores = np.full(n, p)
        labels = (scores >= space.threshold).astype(np.int64)
        return Outputs(scores, labels, None)
    probs = np.tile(freq if kind == "prior" else np.eye(k)[majority], (n, 1))
    return Outputs(probs, np.full(n, majority, dtype=np.int64), None)
