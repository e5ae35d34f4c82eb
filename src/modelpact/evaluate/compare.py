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
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from modelpact.errors import ConfigurationError, MetricError, closest
from modelpact.evaluate._compare_inputs import Prepared, prepare
from modelpact.evaluate.comparison import (
    COMPARE_SCHEMA,
    Comparison,
    MetricBoard,
    ModelEstimate,
    PairedDifference,
)
from modelpact.evaluate.inputs import ScoreSpec
from modelpact.pact import Pact, load_pact

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

# What a leaderboard shows when neither a pact nor the caller names metrics.
_DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "log_loss", "brier", "accuracy", "f1"),
    "multiclass": ("accuracy", "f1_macro", "log_loss", "roc_auc_ovr"),
    "regression": ("rmse", "mae", "r2"),
}

ProgressFn = Callable[[int, int, str], None]


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
    pact: Pact | str | Path | None = None,
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
        A :class:`~modelpact.pact.Pact`, or the path of a pact file, supplying column names,
        task, baseline, confidence and default metrics.
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

    pact = load_pact(pact) if pact is not None else None
    prepared = prepare(
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


def _choose_metrics(requested: Sequence[str] | None, pact: Any, prepared: Prepared) -> list[Any]:
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
