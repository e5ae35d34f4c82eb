"""The monitoring service (``modelpact serve``): capture, scheduled analysis, alerts out.

Layers: :mod:`~modelpact.service.routes` (HTTP only) -> services
(:mod:`~modelpact.service.ingest`, ...) -> :mod:`modelpact.ledger`. Errors become HTTP status
codes in :mod:`~modelpact.service.errors` alone. The web application needs the ``service``
extra; it is imported on first use, so the pure parts (validation, settings) work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelpact.service.settings import ServiceSettings, Webhook

if TYPE_CHECKING:
    from modelpact.service.app import create_app

__all__ = ["ServiceSettings", "Webhook", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from modelpact.service.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
