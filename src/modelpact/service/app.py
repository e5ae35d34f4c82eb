"""The FastAPI application of ``modelpact serve``.

:func:`create_app` builds it from :class:`~modelpact.service.settings.ServiceSettings`; the
ledger is opened when the application starts and closed when it stops. Routers live in
:mod:`modelpact.service.routes`, one module each, so more can be included the same way.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from modelpact import __version__
from modelpact.ledger import Store, open_store
from modelpact.ledger.keys import KeyCache, KeyStore
from modelpact.service.context import Services
from modelpact.service.dashboard import routes as dashboard
from modelpact.service.errors import install_error_handlers
from modelpact.service.ingest import IngestService
from modelpact.service.metrics import ServiceMetrics
from modelpact.service.routes import alerts, health, ingest
from modelpact.service.settings import ServiceSettings

__all__ = ["create_app"]


class _Latency:
    """ASGI middleware timing every HTTP request by route template and status."""

    def __init__(self, app: Any, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # the template, not the raw path: request data never becomes a label
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.request_latency.labels(scope["method"], route, str(status[0])).observe(
                time.perf_counter() - start)


def _services(settings: ServiceSettings, store: Store, metrics: ServiceMetrics) -> Services:
    keys = KeyStore(store)
    return Services(settings=settings, store=store, keys=keys,
                    key_cache=KeyCache(keys, settings.key_cache_ttl.total_seconds()),
                    ingest=IngestService(store, metrics), metrics=metrics)


def create_app(settings: ServiceSettings) -> FastAPI:
    """The monitoring service: ingestion API, health, metrics, scheduled analysis.

    Parameters
    ----------
    settings
        Where the ledger is, body size limit, schedule and webhooks.
    """
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.store_url, root=settings.root, create=True)
        services = _services(settings, store, metrics)
        app.state.services = services
        scheduler = None
        if settings.schedule:
            from modelpact.service.scheduler import Scheduler

            scheduler = Scheduler(services)
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            services.ingest.close()
            store.close()

    app = FastAPI(
        title="modelpact monitoring service",
        version=__version__,
        description=(
            "Capture a deployed model's predictions and the labels that arrive later, analyse "
            "them on a schedule against the pact, and deliver alerts. Authenticate with "
            "`Authorization: Bearer <key>` (keys from `modelpact keys create --project P`)."),
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(ingest.router)
    app.include_router(alerts.router)
    app.include_router(dashboard.router)
    app.add_middleware(_Latency, metrics=metrics)
    return app
