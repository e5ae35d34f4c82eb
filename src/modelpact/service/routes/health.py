"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from modelpact.service.context import Services, get_services

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers.")
async def healthz() -> dict[str, str]:
    """Always ``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the ledger database answers.",
    responses={503: {"description": "The ledger database cannot be reached."}},
)
async def readyz(services: Annotated[Services, Depends(get_services)]) -> JSONResponse:
    """200 when the ledger answers a query, 503 otherwise (take this process out of rotation)."""

    def ping() -> bool:
        try:
            with services.store.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # any failure to reach the database means not ready
            return False
        return True

    ready = await run_in_threadpool(ping)
    return JSONResponse({"status": "ready" if ready else "unavailable"},
                        status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics of this process.",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(services: Annotated[Services, Depends(get_services)]) -> Response:
    """Rows ingested and rejected, request latency, analyses, alerts, label coverage."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
