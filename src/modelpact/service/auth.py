"""API-key authentication as a reusable FastAPI dependency.

Any router whose path has a ``{project}`` parameter adds ``Depends(require_project_key)``: the
request needs ``Authorization: Bearer <key>`` with a key of that very project. No key or an
unknown (or revoked) one is 401; a valid key of another project is 403 (whether or not the
requested project exists, so keys cannot probe for other projects' names).

A valid key's project is remembered in the process for :data:`~modelpact.ledger.keys.KEY_CACHE_SECONDS` (5 s by
default, ``ServiceSettings.key_cache_ttl``), so a request usually costs no database lookup: a
key revoked with ``modelpact keys revoke`` is refused by every process within that time.
Unknown keys are not remembered (a key just created works at once).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from modelpact.service.context import Services, get_services
from modelpact.service.errors import AuthenticationError, PermissionDeniedError

__all__ = ["bearer", "require_project_key"]

bearer = HTTPBearer(auto_error=False, description="An API key from 'modelpact keys create'.")


async def require_project_key(
    project: Annotated[str, Path(description="The ledger project.")],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    services: Annotated[Services, Depends(get_services)],
) -> str:
    """The project of the request, once its key is checked; raises 401 or 403 otherwise."""
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    owner = services.key_cache.cached(credentials.credentials)
    if owner is None:
        owner = await run_in_threadpool(services.key_cache.authenticate,
                                        credentials.credentials)
    if owner is None:
        raise AuthenticationError("unknown or revoked API key")
    if owner != project:
        raise PermissionDeniedError(f"this API key is for another project, not '{project}'")
    return project
