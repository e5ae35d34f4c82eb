"""The monitoring service (``modelpact serve``): capture, scheduled analysis, alerts out.

Layers: :mod:`~modelpact.service.routes` (HTTP only) -> services
(:mod:`~modelpact.service.ingest`, ...) -> :mod:`modelpact.ledger`. Errors become HTTP status
codes in :mod:`~modelpact.service.errors` alone. Needs the ``service`` extra.
"""

from modelpact.service.app import create_app
from modelpact.service.settings import ServiceSettings, Webhook

__all__ = ["ServiceSettings", "Webhook", "create_app"]
