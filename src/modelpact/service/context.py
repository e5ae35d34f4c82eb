"""What routes reach through ``request.app.state``: the open ledger and the services over it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from modelpact.ledger import Store
from modelpact.ledger.keys import KeyCache, KeyStore
from modelpact.service.ingest import IngestService
from modelpact.service.metrics import ServiceMetrics
from modelpact.service.settings import ServiceSettings

__all__ = ["Services", "get_services"]


@dataclass
class Services:
    """The service layer of one running application."""

    settings: ServiceSettings
    store: Store
    keys: KeyStore
    key_cache: KeyCache
    ingest: IngestService
    metrics: ServiceMetrics


async def get_services(request: Request) -> Services:
    """FastAPI dependency: the application's services.

    A coroutine, though it awaits nothing: FastAPI runs a plain function dependency in a
    worker thread, a hop that cost more than the rest of a single-row request's routing.
    """
    services: Services = request.app.state.services
    return services
