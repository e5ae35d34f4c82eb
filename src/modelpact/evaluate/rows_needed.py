"""Evaluation rows a conclusive verdict needs: the one computation audit, plan and verify share.

Every figure answers the same question, for one criterion: *how many evaluation rows (rows
the model never trained on, scored and labelled) would make the interval clear the threshold
with the given power, if the estimate were the truth?* The standard error is scaled as
``1/sqrt(n)`` (:func:`modelpact.stats.n_needed`). It comes either from an interval measured on
data (verify, a plan with a pilot), or, when only an expected value is known (a plan with
``expected=``, the audit's quick model), from the metric's own variance at that value. ROC AUC
without data uses Hanley and McNeil's variance (:func:`modelpact.stats.n_for_auc`).

Proportions (accuracy, recall, specificity) are decided on Wilson intervals, whose shape near
0 and 1 does not scale as ``1/sqrt(n)``: for them the figure is the fewest rows at which the
Wilson bound at the estimate clears the threshold with the power asked, computed from the
estimate and the share of rows the proportion counts (recall counts the positive rows, so the
prevalence scales it), whether an interval was measured or not. So on the same criterion, the
same estimate and the same prevalence, audit, plan and verify give the same number.

Training rows (how much more data a model needs to *reach* a threshold) are another quantity,
projected from a learning curve by the audit; every figure names its unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import ndtri

from modelpact import stats
from modelpact.pact import Pact
from modelpact.stats.wilson import wilson_interval

__all__ = [
    "ASSUMPTION",
    "MIN_ROWS",
    "PROPORTION_DENOMINATOR",
    "RowsNeeded",
    "evaluation_rows_needed",
    "half_width",
    "positive_share",
]

#: What every evaluation-rows figure assumes.
ASSUMPTION = "if the estimate is the truth"
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


def positive_share(pact: Pact, y: NDArray[Any]) -> float | None:
    """Share of positive rows among encoded binary labels (1 = positive); ``None`` otherwise."""
    if pact.task != "binary" or len(y) == 0:
        return None
    return float(np.mean(y == 1))


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
    2622
    """
    denominator = PROPORTION_DENOMINATOR.get(metric)
    share = _share(denominator, prevalence)
    if denominator is not None and share is not None and (
            interval is None or interval.method == "wilson"):
        if estimate == threshold:
            return RowsNeeded(None, _ON_THRESHOLD)
        return RowsNeeded(max(_wilson_rows(estimate, threshold, share, confidence, power),
                              MIN_ROWS))
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
    if denominator is not None:
        return RowsNeeded(None, f"{metric} counts only {denominator} rows: give the "
                                "prevalence or a pilot")
    if metric == "roc_auc":
        if prevalence is None:
            return RowsNeeded(None, "roc_auc depends on the class balance: give the prevalence "
                                    "or a pilot")
        need = stats.n_for_auc(estimate, threshold, prevalence=prevalence,
                               confidence=confidence, power=power)
        return RowsNeeded(max(need, MIN_ROWS))
    return RowsNeeded(None, f"no analytic formula for {metric}: give a pilot file")


_ON_THRESHOLD = "the estimate sits on the threshold; no sample size would settle it"
# Rows beyond which a plan is no plan: the search stops there.
_MAX_ROWS = 10**12


def _share(denominator: str | None, prevalence: float | None) -> float | None:
    if denominator == "all":
        return 1.0
    if prevalence is None or not 0.0 < prevalence < 1.0:
        return None
    return prevalence if denominator == "positive" else 1.0 - prevalence


def _wilson_rows(p: float, threshold: float, share: float, confidence: float,
                 power: float) -> int:
    """Fewest rows whose Wilson bound, at the estimate, clears *threshold* with *power*.

    With ``k = rows * share`` counted rows the bound on the threshold's side lies at the
    Wilson interval's edge (asymmetric near 0 and 1, which is why the normal approximation
    plans too few rows there); a sampling error of ``z_power * sqrt(p (1 - p) / k)`` must fit
    between it and the threshold as well.
    """
    z_power = float(ndtri(power))
    level = 2.0 * confidence - 1.0
    gap = abs(p - threshold)

    def excess(rows: float) -> float:
        k = rows * share
        low, high = wilson_interval(p * k, k, confidence=level)
        half = p - low if p > threshold else high - p
        return half + z_power * math.sqrt(p * (1.0 - p) / k) - gap

    # both terms shrink as rows grow: one root, and the answer is the first row count past it
    if excess(1.0) <= 0:
        return 1
    if excess(float(_MAX_ROWS)) > 0:
        return _MAX_ROWS
    rows = math.ceil(float(brentq(excess, 1.0, float(_MAX_ROWS), xtol=1e-3)))
    while excess(rows) > 0:
        rows += 1
    while rows > 1 and excess(rows - 1) <= 0:
        rows -= 1
    return rows
