"""Evaluation rows a conclusive verdict needs: the one computation audit, plan and verify share.

Every figure answers the same question, for one criterion: *how many evaluation rows (rows
the model never trained on, scored and labelled) would make the interval clear the threshold
with the given power, if the estimate were the truth?* The standard error is scaled as
``1/sqrt(n)`` (:func:`modelpact.stats.n_needed`). It comes either from an interval measured on
data (verify, a plan with a pilot), or, when only an expected value is known (a plan with
``expected=``, the audit's quick model), from the metric's own variance at that value: a
proportion's ``p (1 - p)`` over the rows it counts (recall counts the positive rows, so the
prevalence scales it). ROC AUC without data uses Hanley and McNeil's variance
(:func:`modelpact.stats.n_for_auc`).

So on the same criterion, the same estimate and the same prevalence, the audit's figure and the
plan's are the same number, and verify's differs only by the shape of its actual interval.

Training rows (how much more data a model needs to *reach* a threshold) are another quantity,
projected from a learning curve by the audit; every figure names its unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modelpact import stats

__all__ = [
    "ASSUMPTION",
    "MIN_ROWS",
    "PROPORTION_DENOMINATOR",
    "RowsNeeded",
    "evaluation_rows_needed",
    "half_width",
]

#: What every evaluation-rows figure assumes.
ASSUMPTION = "if the estimate is the truth; interval shrinking as 1/sqrt(n)"
#: Below this many rows the normal approximations behind every interval are not to be trusted.
MIN_ROWS = 30
#: Proportion metrics and the rows their denominator counts.
PROPORTION_DENOMINATOR = {"accuracy": "all", "recall": "positive", "specificity": "negative"}


@dataclass(frozen=True)
class RowsNeeded:
    """An evaluation-rows figure, with the unit and the assumption it rests on.

    ``n`` is ``None`` when no number of rows decides the criterion (the estimate is on the
    threshold) or when it cannot be computed (``note`` says why).
    """

    n: int | None
    note: str | None = None
    unit: str = "evaluation rows"
    assumption: str = ASSUMPTION

    def text(self) -> str:
        """``about 1,234 evaluation rows (if the estimate is the truth, ...)``."""
        if self.n is None:
            return self.note or "no number of rows settles it"
        return f"about {self.n:,} {self.unit} ({self.assumption})"


def half_width(interval: stats.Interval, threshold: float) -> float:
    """Distance from the estimate to the bound that has to clear *threshold*."""
    if interval.estimate >= threshold:
        return max(interval.estimate - interval.low, 0.0)
    return max(interval.high - interval.estimate, 0.0)


def evaluation_rows_needed(
    metric: str,
    *,
    estimate: float,
    threshold: float,
    confidence: float,
    power: float = 0.8,
    interval: stats.Interval | None = None,
    n: int | None = None,
    prevalence: float | None = None,
) -> RowsNeeded:
    """Evaluation rows for *metric*'s one-sided bound to clear *threshold*.

    Parameters
    ----------
    metric
        Registry name of the metric.
    estimate
        The value taken for the truth: the measured estimate or an expected value.
    threshold
        The criterion's bound.
    confidence
        The pact's confidence (the level of the one-sided bound).
    power
        Probability that the bound clears the threshold with the rows returned.
    interval, n
        An interval measured on *n* rows (at the two-sided level ``2 * confidence - 1``); its
        standard error and the half-width on the threshold's side are scaled.
    prevalence
        Share of positive rows (binary), for a proportion that counts only positive or
        negative rows and for ROC AUC, when there is no interval.

    Returns
    -------
    RowsNeeded
        Rows counted over the criterion's own rows (a slice's rows for a slice criterion).

    Examples
    --------
    >>> evaluation_rows_needed("recall", estimate=0.93, threshold=0.9, confidence=0.95,
    ...                        prevalence=0.2).n
    2237
    """
    if interval is not None:
        if n is None:
            raise ValueError("an interval needs the rows it was measured on (n)")
        if not interval.se:
            return RowsNeeded(None, "the interval has no standard error to scale")
        need = stats.n_needed(se=interval.se, n=n, estimate=estimate, threshold=threshold,
                              confidence=confidence, power=power,
                              half_width=half_width(interval, threshold)
                              if estimate == interval.estimate else None)
        return RowsNeeded(need, None if need is not None else _ON_THRESHOLD)
    if estimate == threshold:
        return RowsNeeded(None, _ON_THRESHOLD)
    denominator = PROPORTION_DENOMINATOR.get(metric)
    if denominator is not None:
        share = 1.0
        if denominator != "all":
            if prevalence is None:
                return RowsNeeded(None, f"{metric} counts only {denominator} rows: give the "
                                        "prevalence or a pilot")
            share = prevalence if denominator == "positive" else 1.0 - prevalence
        p = min(max(estimate, 0.0), 1.0)
        # one row's standard deviation, over the share of rows the proportion counts
        se_one = math.sqrt(max(p * (1.0 - p), 1e-12) / share)
        need = stats.n_needed(se=se_one, n=1, estimate=estimate, threshold=threshold,
                              confidence=confidence, power=power)
        return RowsNeeded(None if need is None else max(need, MIN_ROWS))
    if metric == "roc_auc":
        if prevalence is None:
            return RowsNeeded(None, "roc_auc depends on the class balance: give the prevalence "
                                    "or a pilot")
        need = stats.n_for_auc(estimate, threshold, prevalence=prevalence,
                               confidence=confidence, power=power)
        return RowsNeeded(max(need, MIN_ROWS))
    return RowsNeeded(None, f"no analytic formula for {metric}: give a pilot file")


_ON_THRESHOLD = "the estimate sits on the threshold; no sample size would settle it"
