"""Realized performance of a chunk once (some of) its labels have arrived.

Labels come late and piecemeal, so a chunk is judged on the rows whose label is present, and
the share of rows labelled so far is reported beside the verdicts. Each pact criterion is
decided exactly as at sign-off, by :func:`modelpact.evaluate.evaluate_criteria`: the same
intervals, the same pass / fail / inconclusive rule, the same paired comparisons.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from modelpact.data import require_columns
from modelpact.errors import ColumnNotFoundError, InvalidDataError
from modelpact.evaluate import CriterionResult, evaluate_criteria
from modelpact.monitor._performance_types import RealizedPerformance
from modelpact.pact import Criterion, Pact
from modelpact.stats import get_metric

__all__ = ["realized_performance"]


def realized_performance(
    pact: Pact,
    chunk: pd.DataFrame,
    *,
    seed: int = 0,
    train: pd.DataFrame | None = None,
    champion: Any = None,
    n_resamples: int = 2000,
) -> RealizedPerformance:
    """Decide every pact criterion on the labelled rows of one chunk.

    Parameters
    ----------
    pact : Pact
        The pact the model was signed off on.
    chunk : DataFrame
        One chunk of production rows with the pact's score/prediction columns; the target
        column holds the label where it has arrived and is empty (NaN/None) elsewhere.
    seed : int
        Seed of the bootstrap intervals.
    train : DataFrame, optional
        Training data to learn a constant baseline (prior, majority, mean, median) from;
        without it the baseline is learned from the chunk's labelled rows, as at sign-off.
    champion : optional
        The champion for ``vs_champion`` criteria (``"column:<name>"``, a model file or a
        fitted model); without it those criteria are inconclusive with a note.
    n_resamples : int
        Bootstrap resamples for metrics without an analytic interval.

    Returns
    -------
    RealizedPerformance
        Rows, labelled rows, labelled share and one :class:`~modelpact.evaluate.CriterionResult`
        per criterion, in pact order.

    Raises
    ------
    ColumnNotFoundError
        If the chunk lacks the target or a score/prediction column the pact names.
    """
    source = "the monitored chunk"
    require_columns(chunk, [pact.columns.target], source=source, role="target")
    arrived = chunk[pact.columns.target].notna()
    # every label arrived (the usual case): the chunk itself, not a copy of all its columns
    labelled = chunk if bool(arrived.all()) else chunk[arrived]
    n_rows, n_labelled = len(chunk), len(labelled)
    results = tuple(
        _decide(pact, criterion, labelled, seed, train, champion, n_resamples)
        for criterion in pact.criteria
    )
    return RealizedPerformance(
        n_rows=n_rows,
        n_labelled=n_labelled,
        labelled_share=n_labelled / n_rows if n_rows else 0.0,
        criteria=results,
    )


def _decide(
    pact: Pact,
    criterion: Criterion,
    labelled: pd.DataFrame,
    seed: int,
    train: pd.DataFrame | None,
    champion: Any,
    n_resamples: int,
) -> CriterionResult:
    if labelled.empty:
        return _undecided(pact, criterion, 0, "no labelled rows in this chunk yet")
    if criterion.reference == "champion" and champion is None:
        return _undecided(
            pact, criterion, len(labelled), "no champion given; the comparison was not made"
        )
    # one criterion at a time, so that a chunk where one metric is undefined (one class only
    # among the labelled rows, say) still gets verdicts on the others
    single = pact.model_copy(update={"criteria": [criterion]})
    try:
        results = evaluate_criteria(
            single,
            labelled,
            train=train,
            champion=champion,
            seed=seed,
            n_resamples=n_resamples,
        )
    except ColumnNotFoundError:
        raise
    except InvalidDataError as exc:
        return _undecided(pact, criterion, len(labelled), f"not computable on these rows: {exc}")
    return results[0]


def _undecided(pact: Pact, criterion: Criterion, n: int, note: str) -> CriterionResult:
    metric = get_metric(criterion.metric)
    direction, threshold = criterion.bound(greater_is_better=metric.greater_is_better)
    nan = math.nan
    return CriterionResult(
        metric=metric.name,
        label=criterion.label(),
        kind=criterion.kind,
        direction=direction,
        threshold=float(threshold),
        estimate=nan,
        ci=(nan, nan),
        confidence=pact.confidence,
        status="inconclusive",
        n=n,
        n_needed=None,
        method="none",
        slice=dict(criterion.slice) if criterion.slice else None,
        reference=criterion.reference,
        note=note,
    )
