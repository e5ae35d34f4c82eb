"""Delivering due alerts to the webhooks, with retries and backoff, off the request path."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

import httpx

from modelpact.ledger import Store
from modelpact.ledger.monitoring import AlertRecord, MonitoringStore
from modelpact.service.metrics import ServiceMetrics
from modelpact.service.settings import Webhook
from modelpact.service.webhooks import payload, sign

__all__ = ["Deliverer"]

log = logging.getLogger("modelpact.service")


class Deliverer:
    """Sends each due alert to every webhook that has not accepted it yet.

    A webhook that is down or slow only delays its own notifications: the request times out,
    the attempt is recorded and retried later with a doubling pause.
    """

    def __init__(
        self,
        store: Store,
        webhooks: tuple[Webhook, ...],
        *,
        metrics: ServiceMetrics | None = None,
        max_attempts: int = 5,
        backoff: timedelta = timedelta(seconds=5),
        timeout: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        self.store = store
        self.monitoring = MonitoringStore(store)
        self.webhooks = webhooks
        self.secrets = dict(secrets or {})
        self.metrics = metrics
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        """Release connections."""
        self._http.close()

    def deliver_due(self) -> int:
        """One round over the due alerts; returns how many were fully delivered."""
        delivered = 0
        for alert in self.monitoring.due():
            if self._deliver(alert) == "delivered":
                delivered += 1
        return delivered

    def targets(self, project: str) -> tuple[Webhook, ...]:
        """The service's webhooks plus those the project's pact names."""
        pact = self.store.pinned_pact(project)
        named = pact.monitoring.webhooks if pact is not None else []
        return self.webhooks + tuple(
            Webhook(url=w.url, secret=self.secrets.get(w.secret_env, ""), format=w.format)
            for w in named)

    def _deliver(self, alert: AlertRecord) -> str:
        hooks = self.targets(alert.project)
        if not hooks:
            return "pending"  # nobody to tell yet: a webhook configured later gets it
        done = self.monitoring.delivered_targets(alert)
        attempts: list[tuple[str, int | None, bool, str | None]] = []
        for hook in hooks:
            if hook.url in done:
                continue
            if not hook.secret:
                attempts.append((hook.url, None, False, "no signing secret: set the "
                                 "environment variable the pact's secret_env names"))
                continue
            body = payload(alert, hook.format)
            headers = {"Content-Type": "application/json", **sign(body, hook.secret)}
            try:
                response = self._http.post(hook.url, content=body, headers=headers)
                ok = response.is_success
                attempts.append((hook.url, response.status_code, ok,
                                 None if ok else response.text[:500]))
            except httpx.HTTPError as exc:
                attempts.append((hook.url, None, False, f"{type(exc).__name__}: {exc}"[:500]))
        status = self.monitoring.record_attempts(alert, attempts, max_attempts=self.max_attempts,
                                                 backoff=self.backoff)
        if self.metrics is not None:
            for _, _, ok, _ in attempts:
                self.metrics.alerts_delivered.labels("ok" if ok else "error").inc()
        if status == "failed":
            log.warning("alert %s of %s/%s could not be delivered after %d attempts",
                        alert.id, alert.project, alert.model, self.max_attempts)
        return status
