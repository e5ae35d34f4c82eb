"""``/api/v1``: reading a model's alerts and latest monitoring result (same keys as ingestion)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool

from modelpact.ledger.capture import CaptureStore
from modelpact.ledger.monitoring import MonitoringStore
from modelpact.service.auth import require_project_key
from modelpact.service.context import Services, get_services

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["monitoring"])

Project = Annotated[str, Depends(require_project_key)]
Model = Annotated[str, Path(description="The captured model.")]
AppServices = Annotated[Services, Depends(get_services)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown or revoked API key."},
    403: {"description": "An API key of another project."},
    404: {"description": "Unknown project or model."},
}


@router.get("/projects/{project}/models/{model}/alerts", summary="The model's alert history.",
            responses=_ERRORS)
async def get_alerts(project: Project, model: Model,
                     services: AppServices) -> list[dict[str, Any]]:
    """Every alert of the model, newest first, with its delivery status."""

    def read() -> list[dict[str, Any]]:
        CaptureStore(services.store).get_model(project, model)  # 404 for an unknown model
        return [a.to_dict() for a in MonitoringStore(services.store).list_alerts(project, model)]

    return await run_in_threadpool(read)


@router.get("/projects/{project}/models/{model}/monitoring",
            summary="The model's latest monitoring result.", responses=_ERRORS)
async def get_monitoring(project: Project, model: Model,
                         services: AppServices) -> dict[str, Any]:
    """The latest stored ``modelpact.monitor/v1`` result, or ``{"status": "none"}``."""

    def read() -> dict[str, Any]:
        captured = CaptureStore(services.store).get_model(project, model)
        latest = MonitoringStore(services.store).latest_result(captured)
        if latest is None:
            return {"status": "none"}
        return {"status": latest.status, "created_at": latest.created_at.isoformat(),
                "source": latest.source, "result": latest.body}

    return await run_in_threadpool(read)
