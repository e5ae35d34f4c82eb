"""Alerts: what monitoring wants a human to look at, how urgently, and how often by mistake.

Every alert has a ``kind``:

* ``drift`` — a feature's (or the model score's) distribution moved beyond its calibrated
  threshold, or a multivariate detector fired;
* ``estimated_performance`` — before any label arrived, a pact criterion's estimate is on the
  bad side of its threshold: *at risk* while the estimate band straddles the threshold (what
  ``verify`` would call inconclusive), *estimated to fail* once the whole band is on the bad
  side;
* ``realized_performance`` — a pact criterion failed on the labelled rows of a chunk;
* ``data_quality`` — new categories, a missing-value spike, or columns missing, added or of
  another type than in the reference.

Severity
--------
The project's one scale (:data:`modelpact._result.SEVERITIES`), ordered here from the least
severe, :data:`SEVERITY_SCALE`: ``info`` < ``warning`` < ``critical``. ``critical``
when the evidence is conclusive (a criterion's whole interval on the bad side; a drift statistic
at least twice its threshold; a required column missing), ``warning`` otherwise, ``info`` for
findings that need no action (an extra column). The audit grades its findings on the same
scale; its earlier documents' ``blocking`` reads as ``critical``.

The alarm budget
----------------
``monitoring.false_alarm_rate`` ``α`` is the probability that a chunk of a stable stream (rows
exchangeable with the reference's) raises *any* alert from a statistical check. The checks of a
chunk are every univariate drift statistic (each monitored column, the score and prediction
columns included, times each drift method), the two multivariate detectors when they run, and
the missing-value tests, which count as one check (each column's test runs at that check's
level divided by the number of columns: a spike must also be practically visible, so they
rarely need more). The checks share the budget equally (Bonferroni, valid whatever the
dependence between checks): with ``m`` checks each runs at level ``α / m``, so

* per chunk: ``P(any alert) ≤ α``;
* per run of ``K`` alertable chunks: ``P(any alert in the run) ≤ min(1, K α)`` (the chunks
  share one reference, so their alarms are not independent; the union bound holds anyway).

:class:`AlarmBudget` records the split; the run reports it as ``alarm_budget``. New categories
are not a statistical check (a category the reference never had) and spend no budget; the
performance alerts are decisions at the pact's confidence, not drift alarms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from scipy import stats as sps

from modelpact._json import nan_to_none
from modelpact._result import SEVERITIES, Severity, severity_word
from modelpact.monitor.profile import CategoricalProfile, FrameProfile

if TYPE_CHECKING:
    from modelpact.monitor.monitor import ChunkResult
    from modelpact.pact import Pact

__all__ = [
    "SEVERITY_SCALE",
    "AlarmBudget",
    "Alert",
    "AlertKind",
    "Severity",
    "chunk_alerts",
    "chunk_quality",
    "estimate_status",
    "severity_rank",
]

AlertKind = Literal["drift", "estimated_performance", "realized_performance", "data_quality"]
SEVERITY_SCALE: tuple[Severity, ...] = tuple(reversed(SEVERITIES))
# A missing-value spike must also be practically visible, not only significant.
MISSING_SPIKE_MIN_INCREASE = 0.01
NEW_CATEGORY_MIN_SHARE = 0.005
NEW_CATEGORY_MIN_ROWS = 5


def severity_rank(severity: str) -> int:
    """Position of *severity* on :data:`SEVERITY_SCALE` (an earlier ``blocking`` = critical).

    Examples
    --------
    >>> severity_rank("warning") < severity_rank("critical") == severity_rank("blocking")
    True
    """
    return SEVERITY_SCALE.index(severity_word(severity))


@dataclass(frozen=True)
class Alert:
    """One alert; ``chunk`` is ``None`` for findings about the whole analysis table."""

    kind: AlertKind
    chunk: int | None
    feature: str | None
    metric: str | None
    value: float | None
    threshold: float | None
    severity: Severity
    message: str
    chunk_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``NaN`` as ``null``)."""
        return {"kind": self.kind, "chunk": self.chunk, "chunk_key": self.chunk_key,
                "feature": self.feature, "metric": self.metric, "value": nan_to_none(self.value),
                "threshold": nan_to_none(self.threshold), "severity": self.severity,
                "message": self.message}


@dataclass(frozen=True)
class AlarmBudget:
    """One chunk's false-alarm budget split over its statistical checks.

    Parameters
    ----------
    false_alarm_rate
        ``α``: probability that a chunk of a stable stream raises any alert.
    checks
        Number of checks per family (``univariate_drift``, ``multivariate_drift``,
        ``missing_values``), each check one share of the budget.
    n_chunks
        Alertable chunks in the run, for the per-run bound.

    Examples
    --------
    >>> budget = AlarmBudget(0.01, {"univariate_drift": 8, "multivariate_drift": 2}, 10)
    >>> budget.per_check, budget.per_run
    (0.001, 0.1)
    """

    false_alarm_rate: float
    checks: Mapping[str, int] = field(default_factory=dict)
    n_chunks: int = 1

    @property
    def n_checks(self) -> int:
        """Checks sharing the budget in one chunk."""
        return max(sum(self.checks.values()), 1)

    @property
    def per_check(self) -> float:
        """Level of each check, ``α / m``."""
        return self.false_alarm_rate / self.n_checks

    @property
    def per_run(self) -> float:
        """Bound on the probability that a stable run raises any alert, ``min(1, K α)``."""
        return min(1.0, self.n_chunks * self.false_alarm_rate)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"per_chunk": self.false_alarm_rate, "per_run": self.per_run,
                "n_chunks": self.n_chunks, "n_checks": self.n_checks,
                "per_check": self.per_check, "checks": dict(self.checks)}


def chunk_quality(ref: FrameProfile, cur: FrameProfile, alpha: float
                  ) -> tuple[dict[str, float], dict[str, float], list[Alert]]:
    """Missing and unseen shares of a chunk, and its data-quality alerts.

    A missing-value spike is a one-sided binomial test that must also raise the share by
    :data:`MISSING_SPIKE_MIN_INCREASE`; the tests of all columns together spend *alpha*.
    """
    missing: dict[str, float] = {}
    unseen: dict[str, float] = {}
    found: list[Alert] = []
    alpha /= max(len(cur.columns), 1)
    for column, c in cur.columns.items():
        r = ref.columns.get(column)
        if r is None:
            continue
        rows = c.n + c.missing
        share = c.missing / rows if rows else math.nan
        missing[column] = share
        p0 = (r.missing + 0.5) / (r.n + r.missing + 1)
        if rows and share - p0 > MISSING_SPIKE_MIN_INCREASE and \
                sps.binom.sf(c.missing - 1, rows, p0) < alpha:
            found.append(Alert("data_quality", None, column, "missing_share", share, p0,
                               "critical" if share > 0.5 else "warning",
                               f"missing values in '{column}' rose to {share:.1%} "
                               f"(reference {r.missing / max(r.n + r.missing, 1):.1%})"))
        if isinstance(c, CategoricalProfile) and isinstance(r, CategoricalProfile):
            u = c.unseen / c.n if c.n else 0.0
            unseen[column] = u
            ref_u = r.unseen / r.n if r.n else 0.0
            if c.unseen >= NEW_CATEGORY_MIN_ROWS and u - ref_u > NEW_CATEGORY_MIN_SHARE:
                found.append(Alert("data_quality", None, column, "new_categories", u, ref_u,
                                   "warning",
                                   f"{c.unseen} values of '{column}' ({u:.1%}) are categories "
                                   "not seen in the reference"))
    return missing, unseen, found


def chunk_alerts(pact: Pact, cr: ChunkResult, dq: Sequence[Alert]) -> list[Alert]:
    """Every alert of one (alertable) chunk: drift, data quality, estimated and realized."""
    ch = cr.chunk
    out: list[Alert] = []
    # one alert per drifted column and chunk, led by the method furthest past its threshold
    fired: dict[str, list[Any]] = {}
    for d in cr.drift:
        if d.alert:
            fired.setdefault(d.feature, []).append(d)
    for feature, checks in fired.items():
        lead = max(checks, key=lambda d: d.value / d.threshold if d.threshold > 0 else math.inf)
        sev: Severity = "critical" if lead.value >= 2 * lead.threshold else "warning"
        detail = "; ".join(f"{d.method} {d.value:.4g} > {d.threshold:.4g}" for d in checks)
        out.append(Alert("drift", ch.index, feature, lead.method, lead.value, lead.threshold, sev,
                         f"{lead.role} '{feature}' drifted: {detail}", ch.key))
    for m in cr.multivariate:
        if m.alert:
            out.append(Alert("drift", ch.index, None, m.method, m.value, m.threshold, "warning",
                             f"multivariate drift: {m.method} {m.value:.4g} > threshold "
                             f"{m.threshold:.4g}", ch.key))
    for a in dq:
        out.append(Alert(a.kind, ch.index, a.feature, a.metric, a.value, a.threshold,
                         a.severity, a.message, ch.key))
    out.extend(_estimated_alerts(pact, cr))
    if cr.realized is not None:
        for res in cr.realized.criteria:
            if res.status == "fail":
                out.append(Alert("realized_performance", ch.index, None, res.metric,
                                 res.estimate, res.threshold, "critical",
                                 f"{res.label} failed on {res.n} labelled rows: "
                                 f"{res.estimate:.4g} [{res.ci[0]:.4g}, {res.ci[1]:.4g}]",
                                 ch.key))
    return out


def estimate_status(at_least: float | None, at_most: float | None, low: float,
                    high: float) -> Literal["pass", "at_risk", "fail"]:
    """Where an estimate band lies against a criterion: verify's rule on a label-free band.

    ``pass`` with the whole band on the good side, ``fail`` with it on the bad side, and
    ``at_risk`` when it straddles the threshold (``verify``'s inconclusive).

    Examples
    --------
    >>> estimate_status(0.8, None, 0.78, 0.83), estimate_status(0.8, None, 0.70, 0.79)
    ('at_risk', 'fail')
    """
    if at_least is not None:
        return "pass" if low >= at_least else "fail" if high < at_least else "at_risk"
    assert at_most is not None
    return "pass" if high <= at_most else "fail" if low > at_most else "at_risk"


def _estimated_alerts(pact: Pact, cr: ChunkResult) -> list[Alert]:
    ch = cr.chunk
    out: list[Alert] = []
    for criterion in pact.criteria:
        if criterion.slice or criterion.kind != "absolute":
            continue
        est = cr.estimated.get(criterion.metric)
        if est is None or est.value != est.value:
            continue
        bound = criterion.at_least if criterion.at_least is not None else criterion.at_most
        assert bound is not None
        bad = est.value < bound if criterion.at_least is not None else est.value > bound
        if not bad:  # a good estimate whose band straddles is watched, not alerted
            continue
        status = "at_risk"
        if est.low == est.low:  # without a band a bad estimate is a risk, never a conclusion
            status = estimate_status(criterion.at_least, criterion.at_most, est.low, est.high)
        said = "is estimated to fail" if status == "fail" else "is at risk"
        out.append(Alert("estimated_performance", ch.index, None, criterion.metric,
                         est.value, bound, "critical" if status == "fail" else "warning",
                         f"{criterion.label()} {said}: {criterion.metric} "
                         f"≈ {est.value:.4g} [{est.low:.4g}, {est.high:.4g}]", ch.key))
    return out
