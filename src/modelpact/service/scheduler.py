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

from modelpact.ledger.locks import Lease
from modelpact.service.analysis import AnalysisOutcome, AnalysisService
from modelpact.service.context import Services
from modelpact.service.delivery import Deliverer

__all__ = ["LEASE_NAME", "Scheduler"]

LEASE_NAME = "modelpact.scheduler"
log = logging.getLogger("modelpact.service")


class Scheduler:
    """Background analysis and delivery for a running service."""

    def __init__(self, services: Services) -> None:
        settings = services.settings
        self.settings = settings
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = Lease(services.store, LEASE_NAME, holder, ttl=settings.lease_ttl)
        # without --remind-after, each project's pact sets its reminder quiet time
        self.analysis = AnalysisService(services.store, metrics=services.metrics,
                                        notify=bool(settings.webhooks),
                                        reminder_after=settings.reminder_after)
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
        return self.analysis.run_all()

    def _deliver(self) -> None:
        pause = min(self.settings.analysis_interval.total_seconds(), 1.0)
        while not self._stop.is_set():
            if self.holding.wait(0.5) and not self._stop.is_set():
                self.deliverer.deliver_due()
                self._stop.wait(pause)
