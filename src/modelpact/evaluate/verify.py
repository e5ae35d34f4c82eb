"""Sign-off: decide every criterion of a pact on confidence intervals.

``verify`` is the one entry point (CLI, Python API, ledger runs and realized monitoring all
call it or :func:`evaluate_criteria`). Absolute criteria are decided on the metric's interval;
comparisons with the baseline or the champion on the *paired* interval of the difference on the
same rows, which is much narrower than two independent intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from modelpact import stats
from modelpact.data import DataSource, fingerprint_frame, load_frame
from modelpact.errors import ConfigurationError, InvalidDataError, MetricError
from modelpact.evaluate.baseline import baseline_predictions
from modelpact.evaluate.inputs import (
    Predictions,
    Target,
    encode_target,
    predictions_from_columns,
    require_unique_ids,
    slice_mask,
)
from modelpact.evaluate.models import load_model, predict_with_model
from modelpact.evaluate.rows_needed import evaluation_rows_needed, positive_share
from modelpact.evaluate.verdict import (
    CalibrationBin,
    CriterionResult,
    SliceRow,
    Verdict,
    decide,
    overall,
)
from modelpact.pact import Baseline, Criterion, Pact, load_pact

__all__ = ["evaluate_criteria", "verify"]

Progress = Callable[[str], None]
_MAX_SLICE_GROUPS = 20


@dataclass(frozen=True)
class _Context:
    pact: Pact
    frame: pd.DataFrame
    source: str
    target: Target
    candidate: Predictions
    references: dict[str, Predictions]
    seed: int
    n_resamples: int
    # One per verification: each score column is sorted once for all its criteria.
    cache: stats.ScoreCache


def _as_pact(pact: Pact | str | Any) -> Pact:
    return pact if isinstance(pact, Pact) else load_pact(pact)


def _as_baseline(baseline: Baseline | str | None) -> Baseline | None:
    if baseline is None or isinstance(baseline, Baseline):
        return baseline
    return Baseline.model_validate(baseline)


def _reference_predictions(
    ref: Any,
    pact: Pact,
    frame: pd.DataFrame,
    target: Target,
    *,
    name: str,
    source: str,
    trusted: list[str] | None = None,
) -> Predictions:
    """A champion given as ``column:<name>``, a model file path, or a fitted model."""
    if isinstance(ref, str) and ref.startswith("column:"):
        column = ref.removeprefix("column:")
        return predictions_from_columns(
            pact,
            frame,
            target,
            source=source,
            score=column if pact.task != "multiclass" else None,
            prediction=column if pact.task == "multiclass" else None,
            name=name,
        )
    model = load_model(ref, trusted=trusted) if isinstance(ref, str) else ref
    return predict_with_model(model, pact, frame, target, name=name, source=source)


def _prepare(
    pact: Pact | str,
    data: DataSource,
    *,
    model: Any,
    baseline: Baseline | str | None,
    champion: Any,
    train: DataSource | None,
    seed: int,
    n_resamples: int,
    trusted: list[str] | None = None,
) -> tuple[_Context, str, list[str]]:
    pact = _as_pact(pact)
    frame, source = load_frame(data)
    require_unique_ids(pact, frame, source=source)
    target = encode_target(pact, frame, source=source)
    if model is not None:
        fitted = load_model(model, trusted=trusted) if isinstance(model, str) else model
        name = model if isinstance(model, str) else type(model).__name__
        candidate = predict_with_model(fitted, pact, frame, target, name=name, source=source)
    else:
        candidate = predictions_from_columns(pact, frame, target, source=source)
    train_frame, train_source = (None, "<train>") if train is None else load_frame(train)
    references: dict[str, Predictions] = {}
    warnings: list[str] = []
    description = "none"
    needs_baseline = any(c.reference == "baseline" for c in pact.criteria)
    if needs_baseline or baseline is not None or train is not None:
        spec = _as_baseline(baseline) or pact.baseline
        base_model = load_model(str(spec.path), trusted=trusted) if spec.kind == "model" else None
        base, description, base_warnings = baseline_predictions(
            pact,
            frame,
            target,
            source=source,
            baseline=_as_baseline(baseline),
            train=train_frame,
            train_source=train_source,
            model=base_model,
        )
        references["baseline"] = base
        if needs_baseline:
            warnings.extend(base_warnings)
    if champion is not None:
        references["champion"] = _reference_predictions(
            champion, pact, frame, target, name="champion", source=source, trusted=trusted
        )
    ctx = _Context(
        pact, frame, source, target, candidate, references, seed, n_resamples, stats.ScoreCache()
    )
    return ctx, description, warnings


def _criterion_result(
    ctx: _Context, index: int, criterion: Criterion
) -> CriterionResult | dict[str, str]:
    pact = ctx.pact
    metric = stats.get_metric(criterion.metric)
    direction, threshold = criterion.bound(greater_is_better=metric.greater_is_better)
    mask: NDArray[np.bool_] | None = None
    if criterion.slice:
        mask = slice_mask(ctx.frame, criterion.slice, source=ctx.source)
    y = ctx.target.y if mask is None else ctx.target.y[mask]
    candidate = ctx.candidate.for_input(metric.input)
    if candidate is None:
        raise InvalidDataError(
            f"{ctx.source}: criterion '{criterion.label()}' needs probability scores "
            f"(metric {metric.name} reads scores), but only hard predictions are available; "
            "set columns.score in the pact"
        )
    candidate = candidate if mask is None else candidate[mask]
    # one-sided decision at the pact's confidence == two-sided interval at 2c − 1
    level = 2 * pact.confidence - 1
    reference_value: float | None = None
    candidate_value: float | None = None
    try:
        if criterion.reference is None:
            interval = stats.metric_interval(
                metric,
                y,
                candidate,
                confidence=level,
                n_resamples=ctx.n_resamples,
                seed=ctx.seed,
                cache=ctx.cache,
            )
        else:
            ref = ctx.references.get(criterion.reference)
            if ref is None:
                return {
                    "criterion": criterion.label(),
                    "reason": f"no {criterion.reference} given (use --champion); "
                    "the criterion was not decided",
                }
            ref_values = ref.for_input(metric.input)
            if ref_values is None:
                raise InvalidDataError(
                    f"the {criterion.reference} gives no probability scores, which "
                    f"{metric.name} needs"
                )
            ref_values = ref_values if mask is None else ref_values[mask]
            paired = stats.paired_comparison(
                metric,
                y,
                candidate,
                ref_values,
                confidence=level,
                n_resamples=ctx.n_resamples,
                seed=ctx.seed,
                cache=ctx.cache,
            )
            interval = paired.interval
            candidate_value, reference_value = paired.value_a, paired.value_b
    except MetricError as exc:
        where = f" on slice {criterion.slice}" if criterion.slice else ""
        raise InvalidDataError(
            f"{ctx.source}: column '{pact.columns.target}'{where}: criterion "
            f"'{criterion.label()}': {exc}"
        ) from None
    status = decide(interval.low, interval.high, threshold, direction)
    n = int(y.shape[0])
    n_needed: int | None = None
    note: str | None = None
    if status == "inconclusive" and interval.se:
        needed = evaluation_rows_needed(
            metric.name, estimate=interval.estimate, threshold=threshold,
            confidence=pact.confidence, interval=interval, n=n,
            prevalence=positive_share(pact, y),
        ).n
        n_needed = None if needed is None else max(needed, n + 1)
        if n_needed is None:
            note = "the estimate sits on the threshold; no sample size would settle it"
    if interval.untrusted is not None and status != "inconclusive":
        # No interval method is trustworthy on these rows: neither side can be claimed.
        status = "inconclusive"
        n_needed = max(interval.n_trusted or n + 1, n_needed or 0)
        note = f"{interval.untrusted}; undecided until then"
    elif interval.untrusted is not None:
        n_needed = max(interval.n_trusted or n + 1, n_needed or 0)
        note = interval.untrusted
    minimum = pact.data.min_rows_per_slice if criterion.slice else pact.data.min_rows
    if n < minimum and status == "pass":
        # too little data can show a failure, never a pass
        status = "inconclusive"
        n_needed = max(minimum, n_needed or 0)
        note = f"{n:,} rows, fewer than the {minimum:,} the pact requires; cannot pass yet"
    return CriterionResult(
        metric=metric.name,
        label=criterion.label(),
        kind=criterion.kind,
        direction=direction,
        threshold=float(threshold),
        estimate=float(interval.estimate),
        ci=(float(interval.low), float(interval.high)),
        confidence=pact.confidence,
        status=status,
        n=n,
        n_needed=n_needed,
        method=interval.method,
        slice=dict(criterion.slice) if criterion.slice else None,
        reference=criterion.reference,
        candidate_value=candidate_value,
        reference_value=reference_value,
        note=note,
    )


def _evaluate(
    ctx: _Context, progress: Progress | None
) -> tuple[list[CriterionResult], list[dict[str, str]]]:
    results: list[CriterionResult] = []
    skipped: list[dict[str, str]] = []
    for i, criterion in enumerate(ctx.pact.criteria):
        if progress:
            progress(criterion.label())
        outcome = _criterion_result(ctx, i, criterion)
        if isinstance(outcome, CriterionResult):
            results.append(outcome)
        else:
            skipped.append(outcome)
    return results, skipped


def evaluate_criteria(
    pact: Pact | str,
    data: DataSource,
    *,
    model: Any = None,
    baseline: Baseline | str | None = None,
    champion: Any = None,
    train: DataSource | None = None,
    seed: int = 0,
    n_resamples: int = 2000,
) -> list[CriterionResult]:
    """Decide each criterion of *pact* on *data*; the building block of :func:`verify`.

    Takes the same arguments as :func:`verify` and returns only the per-criterion results
    (criteria against a champion that was not given are left out).
    """
    ctx, _, _ = _prepare(
        pact,
        data,
        model=model,
        baseline=baseline,
        champion=champion,
        train=train,
        seed=seed,
        n_resamples=n_resamples,
    )
    return _evaluate(ctx, None)[0]


def _slice_rows(ctx: _Context) -> list[SliceRow]:
    """Per-group headline metric for each slice column of the pact, for the report."""
    pact = ctx.pact
    if not pact.columns.slices:
        return []
    absolute = [c for c in pact.criteria if c.kind == "absolute" and not c.slice]
    metric = stats.get_metric((absolute or pact.criteria)[0].metric)
    values = ctx.candidate.for_input(metric.input)
    if values is None:
        return []
    rows: list[SliceRow] = []
    for column in pact.columns.slices:
        if column not in ctx.frame.columns:
            raise InvalidDataError(
                f"{ctx.source}: no column '{column}' (listed in the pact's columns.slices)"
            )
        groups = ctx.frame[column].astype(str).to_numpy()
        names, counts = np.unique(groups, return_counts=True)
        for name in names[np.argsort(-counts, kind="stable")][:_MAX_SLICE_GROUPS]:
            mask = groups == name
            y = ctx.target.y[mask]
            try:
                interval = stats.metric_interval(
                    metric,
                    y,
                    values[mask],
                    confidence=pact.confidence,
                    n_resamples=min(ctx.n_resamples, 1000),
                    seed=ctx.seed,
                )
            except MetricError:
                continue  # e.g. one class only in this group: nothing to show, not an error
            rows.append(
                SliceRow(
                    column=column,
                    value=str(name),
                    n=int(mask.sum()),
                    metric=metric.name,
                    estimate=float(interval.estimate),
                    ci=(float(interval.low), float(interval.high)),
                    below_minimum=bool(mask.sum() < pact.data.min_rows_per_slice),
                )
            )
    return rows


def _calibration(
    y: NDArray[Any], score: NDArray[np.float64], bins: int = 10
) -> list[CalibrationBin]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, score, side="right") - 1, 0, bins - 1)
    n = np.bincount(index, minlength=bins)
    sum_score = np.bincount(index, weights=score, minlength=bins)
    sum_y = np.bincount(index, weights=y.astype(float), minlength=bins)
    return [
        CalibrationBin(
            float(edges[b]),
            float(edges[b + 1]),
            int(n[b]),
            float(sum_score[b] / n[b]),
            float(sum_y[b] / n[b]),
        )
        for b in range(bins)
        if n[b]
    ]


def verify(
    pact: Pact | str,
    data: DataSource,
    *,
    model: Any = None,
    baseline: Baseline | str | None = None,
    champion: Any = None,
    train: DataSource | None = None,
    seed: int = 0,
    n_resamples: int = 2000,
    progress: Progress | None = None,
    trusted: list[str] | None = None,
) -> Verdict:
    """Decide whether a candidate model meets a pact, criterion by criterion.

    Parameters
    ----------
    pact
        A :class:`~modelpact.pact.Pact` or the path of a pact file.
    data
        The evaluation rows: a CSV/Parquet path or a pandas/polars DataFrame holding the
        target and, unless *model* is given, the candidate's score/prediction columns.
    model
        A fitted scikit-learn compatible model, or the path of one the user names
        (joblib or skops); the candidate's predictions are then computed on *data*.
    baseline
        Override the pact's baseline (``"prior"``, ``"majority"``, ``"column:<name>"``,
        ``"model:<file>"`` or a :class:`~modelpact.pact.Baseline`).
    champion
        The production model for ``vs_champion`` criteria: a model, a model file, or
        ``"column:<name>"`` holding its predictions on the same rows.
    train
        Training data, from which constant baselines (prior, majority, mean, median) are
        learned.
    seed, n_resamples
        Bootstrap settings; the same seed gives the same verdict, byte for byte.
    progress
        Called with the label of each criterion as it is decided.
    trusted
        Type names to trust when a model file given by path is a ``.skops`` file.

    Returns
    -------
    Verdict
        ``signed_off`` only when every criterion passes.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from modelpact.pact import parse_pact
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 4000)
    >>> frame = pd.DataFrame({"y": y, "p": np.clip(0.25 + 0.5 * y + rng.normal(0, 0.2, y.size), 0, 1)})
    >>> pact = parse_pact('''
    ... name: demo
    ... task: binary
    ... positive_class: 1
    ... columns: {target: y, score: p}
    ... criteria: [{metric: roc_auc, at_least: 0.8}]
    ... ''')
    >>> verify(pact, frame).verdict
    'signed_off'
    """
    if n_resamples < 200:
        raise ConfigurationError(
            f"n_resamples={n_resamples} is too few for stable intervals; use 1000 or more"
        )
    ctx, description, warnings = _prepare(
        pact,
        data,
        model=model,
        baseline=baseline,
        champion=champion,
        train=train,
        seed=seed,
        n_resamples=n_resamples,
        trusted=trusted,
    )
    pact_obj = ctx.pact
    results, skipped = _evaluate(ctx, progress)
    n_rows = len(ctx.frame)
    if n_rows < pact_obj.data.min_rows:
        warnings.append(
            f"{n_rows:,} evaluation rows, fewer than the pact's min_rows {pact_obj.data.min_rows:,}"
        )
    class_counts: dict[str, int] = {}
    confusion = None
    labels: tuple[str, ...] = ()
    calibration: list[CalibrationBin] = []
    if pact_obj.task != "regression":
        labels = ctx.target.classes
        k = len(labels)
        counts = np.bincount(ctx.target.y, minlength=k)
        class_counts = {labels[i]: int(counts[i]) for i in range(k)}
        flat = np.bincount(ctx.target.y * k + ctx.candidate.label, minlength=k * k)
        confusion = tuple(tuple(int(v) for v in row) for row in flat.reshape(k, k))
        minimum = pact_obj.data.min_rows_per_class
        for name, count in class_counts.items():
            if count < minimum:
                warnings.append(
                    f"class '{name}' has {count:,} rows, fewer than min_rows_per_class {minimum:,}"
                )
        if pact_obj.task == "binary" and ctx.candidate.score is not None:
            calibration = _calibration(ctx.target.y, ctx.candidate.score)
    return Verdict(
        verdict=overall([r.status for r in results]),
        pact_name=pact_obj.name,
        task=pact_obj.task,
        n_rows=n_rows,
        confidence=pact_obj.confidence,
        criteria=tuple(results),
        baseline=description,
        source=ctx.source,
        data_fingerprint=fingerprint_frame(ctx.frame),
        seed=seed,
        skipped=tuple(skipped),
        warnings=tuple(warnings),
        slices=tuple(_slice_rows(ctx)),
        class_counts=class_counts,
        confusion=confusion,
        class_labels=labels,
        calibration=tuple(calibration),
    )
