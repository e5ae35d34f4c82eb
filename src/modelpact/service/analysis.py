"""The service's scheduled analysis: the domain's :class:`CapturedAnalysis` with metrics.

What is analysed, and how, is :mod:`modelpact.monitor.captured`; this wrapper records each
run in the service's Prometheus metrics.
"""

from __future__ import annotations

import time
from datetime import timedelta

from modelpact.ledger import Store
from modelpact.monitor.captured import DEFAULT_PERIOD, AnalysisOutcome, CapturedAnalysis
from modelpact.service.metrics import ServiceMetrics

__all__ = ["DEFAULT_PERIOD", "AnalysisOutcome", "AnalysisService"]


class AnalysisService:
    """Runs the monitoring analytics over captured data, stores what they find, and counts."""

    def __init__(
        self,
        store: Store,
        *,
        metrics: ServiceMetrics | None = None,
        notify: bool = True,
        reminder_after: timedelta | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.analysis = CapturedAnalysis(store, notify=notify, reminder_after=reminder_after,
                                         on_coverage=self._coverage)

    def _coverage(self, project: str, model: str, share: float) -> None:
        if self.metrics is not None:
            self.metrics.label_coverage.labels(project, model).set(share)

    def run_all(self) -> list[AnalysisOutcome]:
        """Analyse every captured model; a failure of one does not stop the others."""
        return [self.analyse(m.project, m.name) for m in self.analysis.models()]

    def analyse(self, project: str, model: str, *, source: str = "service",
                force: bool = False) -> AnalysisOutcome:
        """Analyse one model's completed chunks; store the result and raise its alerts."""
        started = time.perf_counter()
        outcome = self.analysis.analyse(project, model, source=source, force=force)
        if self.metrics is not None:
            self.metrics.analysis_runs.labels(project, model, outcome.status).inc()
            if outcome.status != "skipped":
                self.metrics.analysis_duration.labels(project, model).observe(
                    time.perf_counter() - started)
            for alert in outcome.new_alerts:
                self.metrics.alerts_raised.labels(project, model, alert.kind).inc()
        return outcome
