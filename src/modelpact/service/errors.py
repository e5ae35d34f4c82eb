"""The one place where errors become HTTP responses.

Routes and services raise modelpact's own errors (never a web framework's); this module maps
each to its status code and a JSON body ``{"error": {"type": ..., "message": ...}}``. The
errors only the service raises (authentication, body size, media type) are defined here too.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from modelpact.errors import (
    ConfigurationError,
    InvalidDataError,
    ModelpactError,
    NotFoundError,
    PactError,
    StoreError,
)

__all__ = [
    "AuthenticationError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "ServiceError",
    "UnsupportedMediaTypeError",
    "install_error_handlers",
    "status_for",
]


class ServiceError(ModelpactError):
    """An error of a request to the service itself."""


class AuthenticationError(ServiceError):
    """No API key, or one the ledger does not know (or has revoked)."""


class PermissionDeniedError(ServiceError):
    """A valid API key of another project."""


class PayloadTooLargeError(ServiceError):
    """A request body over the configured size."""


class UnsupportedMediaTypeError(ServiceError):
    """A request body in a format the endpoint does not read."""


# First match wins: subclasses before their parents.
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (PayloadTooLargeError, 413),
    (UnsupportedMediaTypeError, 415),
    (InvalidDataError, 422),
    (PactError, 422),
    (ConfigurationError, 422),
    (StoreError, 503),
    (ModelpactError, 400),
)


def status_for(exc: Exception) -> int:
    """The HTTP status of an error.

    Examples
    --------
    >>> status_for(NotFoundError("no project 'x'")), status_for(InvalidDataError("row 3"))
    (404, 422)
    """
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


async def _handle(_request: Request, exc: Exception) -> JSONResponse:
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"type": type(exc).__name__, "message": str(exc)}},
        status_code=status,
        headers=headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every :class:`ModelpactError` with its status and message."""
    app.add_exception_handler(ModelpactError, _handle)
