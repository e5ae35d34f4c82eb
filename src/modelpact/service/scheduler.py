"""The scheduler: analysis and alert delivery on one process per store at a time.

Three daemon threads: one keeps a lease (:class:`modelpact.ledger.locks.Lease`) in the
ledger's database, renewing it well before it expires; while this process holds it, one
thread analyses every captured model each ``analysis_interval`` and another delivers due
alerts. Delivery has its own thread so a slow webhook delays neither analysis nor (being off
the request path altogether) ingestion. A process that dies stops renewing and another takes
over after the lease's time to live.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from modelpact.errors import ModelpactError
from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.locks import Lease
from modelpact.pact import Pact
from modelpact.pact.model import period_seconds
from modelpact.service.analysis import AnalysisOutcome, AnalysisService
from modelpact.service.context import Services
from modelpact.service.delivery import Deliverer

__all__ = ["DEFAULT_REMINDER", "LEASE_NAME", "Scheduler", "reminder_after"]

LEASE_NAME = "modelpact.scheduler"
#: The quiet time before a still-raised alert is notified again, when neither the command
#: line nor the project's pact sets one.
DEFAULT_REMINDER = timedelta(hours=24)
log = logging.getLogger("modelpact.service")


def reminder_after(pact_document: dict[str, object] | None,
                   override: timedelta | None) -> timedelta:
    """The reminder quiet time of a project.

    The command line's value (*override*) wins, then the pact's ``monitoring.remind_after``,
    then :data:`DEFAULT_REMINDER`.

    Examples
    --------
    >>> pact = {"name": "p", "task": "binary", "positive_class": 1,
    ...         "columns": {"target": "y", "score": "s"},
    ...         "criteria": [{"metric": "roc_auc", "at_least": 0.7}],
    ...         "monitoring": {"remind_after": "12h"}}
    >>> reminder_after(pact, None), reminder_after(pact, timedelta(hours=1))
    (datetime.timedelta(seconds=43200), datetime.timedelta(seconds=3600))
    >>> reminder_after(None, None)
    datetime.timedelta(days=1)
    """
    if override is not None:
        return override
    if pact_document is not None:
        configured = Pact.model_validate(pact_document).monitoring.remind_after
        if configured is not None:
            return timedelta(seconds=period_seconds(configured))
    return DEFAULT_REMINDER


class Scheduler:
    """Background analysis and delivery for a running service."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.settings = settings
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = Lease(services.store, LEASE_NAME, holder, ttl=settings.lease_ttl)
        self.store = services.store
        self.metrics = services.metrics
        self.capture = CaptureStore(services.store)
        self.deliverer = Deliverer(services.store, settings.webhooks, metrics=services.metrics,
                                   max_attempts=settings.delivery_attempts,
                                   backoff=settings.delivery_backoff, secrets=settings.secrets)
        self.holding = threading.Event()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._guard, args=(loop,), name=name,
                                          daemon=True)
                         for name, loop in (("modelpact-lease", self._keep_lease),
                                            ("modelpact-analysis", self._analyse),
                                            ("modelpact-delivery", self._deliver))]

    def start(self) -> None:
        """Start the threads."""
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop the threads and give the lease up."""
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        self.deliverer.close()
        if self.holding.is_set():
            try:
                self.lease.release()
            except Exception:  # the database may be gone at shutdown; the lease expires anyway
                log.warning("could not release the scheduler lease")

    def _guard(self, loop: object) -> None:
        # a bug in one round must not end the loop: log it and go on
        while not self._stop.is_set():
            try:
                loop()  # type: ignore[operator]
                return
            except Exception:
                log.exception("scheduler round failed")
                if loop == self._keep_lease:
                    # unsure whether the lease is still ours: act as if it were lost
                    self.holding.clear()
                self._stop.wait(5)

    def _keep_lease(self) -> None:
        period = max(self.settings.lease_ttl.total_seconds() / 3, 0.05)
        while not self._stop.is_set():
            held = self.lease.acquire()
            if held:
                self.holding.set()
            else:
                self.holding.clear()
            self._stop.wait(period)

    def _analyse(self) -> None:
        interval = self.settings.analysis_interval.total_seconds()
        while not self._stop.is_set():
            if self.holding.wait(0.5) and not self._stop.is_set():
                for outcome in self.run_all():
                    if outcome.status == "error":
                        log.warning("analysis of %s/%s failed: %s", outcome.project,
                                    outcome.model, outcome.reason)
                self._stop.wait(interval)

    def run_all(self) -> list[AnalysisOutcome]:
        """Analyse every captured model, each with its project's reminder quiet time."""
        outcomes = []
        for model in self.capture.list_models():
            try:
                document = self.store.get_project(model.project).pact
                remind = reminder_after(document, self.settings.reminder_after)
            except (ModelpactError, ValueError):
                # a pact the analysis cannot read is reported by the analysis itself
                remind = self.settings.reminder_after or DEFAULT_REMINDER
            analysis = AnalysisService(self.store, metrics=self.metrics,
                                       notify=bool(self.settings.webhooks),
                                       reminder_after=remind)
            outcomes.append(analysis.analyse(model.project, model.name))
        return outcomes

    def _deliver(self) -> None:
        pause = min(self.settings.analysis_interval.total_seconds(), 1.0)
        while not self._stop.is_set():
            if self.holding.wait(0.5) and not self._stop.is_set():
                self.deliverer.deliver_due()
                self._stop.wait(pause)
