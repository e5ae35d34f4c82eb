"""``/api/v1``: predictions and feedback captured from model servers."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from modelpact.errors import ModelpactError
from modelpact.service.auth import require_project_key
from modelpact.service.context import Services, get_services
from modelpact.service.errors import (
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    status_for,
)
from modelpact.service.validation import ARROW_FILE, ARROW_STREAM, JSON, MEDIA_TYPES, PARQUET

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["ingestion"])

Project = Annotated[str, Depends(require_project_key)]
Model = Annotated[str, Path(description="The captured model (see 'modelpact capture add-model').")]
AppServices = Annotated[Services, Depends(get_services)]


class IngestResponse(BaseModel):
    """A committed batch."""

    received: int
    new: int


class ErrorBody(BaseModel):
    """Why a request was refused."""

    error: dict[str, str]


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing, unknown or revoked API key."},
    403: {"model": ErrorBody, "description": "An API key of another project."},
    404: {"model": ErrorBody, "description": "Unknown project or model."},
    413: {"model": ErrorBody, "description": "Body over the configured size."},
    415: {"model": ErrorBody, "description": "Body neither JSON, Parquet nor Arrow IPC."},
    422: {"model": ErrorBody, "description": "A row does not fit the pact (field and row named)."},
    503: {"model": ErrorBody, "description": "The ledger database cannot be reached."},
}

_ROW = {"type": "object", "additionalProperties": True}
_TABLE = {"type": "string", "format": "binary"}


def _body(description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description, "content": {
        JSON: {"schema": {"type": "array", "minItems": 1, "items": _ROW}},
        PARQUET: {"schema": _TABLE},
        ARROW_STREAM: {"schema": _TABLE},
        ARROW_FILE: {"schema": _TABLE},
    }}}


async def _read(request: Request, limit: int) -> tuple[bytes, str]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise UnsupportedMediaTypeError(
            f"Content-Type '{media_type or '(none)'}' is not read here; send "
            f"{', '.join(MEDIA_TYPES)}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"body of {declared} bytes is over the limit of {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks), media_type


#: Bodies up to this size are checked on the event loop: a thread hop would cost more than
#: the check. Larger ones go to a worker thread so the loop keeps serving.
INLINE_BYTES = 32 * 1024


async def _store(request: Request, project: str, model: str, services: Services,
                 kind: str) -> Response:
    ingest = services.ingest
    try:
        body, media_type = await _read(request, services.settings.max_body_bytes)
        target = ingest.cached_target(project, model)
        if target is None:
            target = await run_in_threadpool(ingest.target, project, model)
        captured, pact = target
        if kind == "prediction":
            check: Any = ingest.check_predictions
            submit: Any = ingest.writer.submit_predictions
        else:
            check, submit = ingest.check_feedback, ingest.writer.submit_feedback
        if len(body) <= INLINE_BYTES:
            batch = check(project, model, pact, body, media_type)
        else:
            batch = await run_in_threadpool(check, project, model, pact, body, media_type)
        # answered only once the transaction holding the batch has committed
        new = await asyncio.wrap_future(submit(captured, batch))
    except ModelpactError as exc:
        services.metrics.batches_rejected.labels(kind, str(status_for(exc))).inc()
        raise
    received = len(batch)
    ingest.stored(project, model, kind, received, new)
    return Response(b'{"received":%d,"new":%d}' % (received, new), media_type=JSON)


@router.post(
    "/projects/{project}/models/{model}/predictions",
    summary="Store a batch of predictions.",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_body(
        "Rows with the pact's id field (default 'prediction_id'), time field (default "
        "'timestamp', ISO 8601 or epoch seconds), score field(s), optional prediction field and "
        "the features."),
)
async def post_predictions(
    request: Request, project: Project, model: Model, services: AppServices
) -> Response:
    """Validate the batch against the project's pact and store it whole, or refuse it whole.

    A 200 means every row is committed. Re-sending rows with the same prediction ids is
    harmless: they are not stored twice (``new`` counts the rows stored for the first time).
    """
    return await _store(request, project, model, services, "prediction")


@router.post(
    "/projects/{project}/models/{model}/feedback",
    summary="Store labels for earlier (or later) predictions.",
    response_model=IngestResponse,
    responses=_ERRORS,
    openapi_extra=_body("Rows with the pact's id field and its target field (the label)."),
)
async def post_feedback(
    request: Request, project: Project, model: Model, services: AppServices
) -> Response:
    """Store labels by prediction id, whether or not the prediction has arrived yet.

    The first label stored for an id is kept; re-sending is harmless.
    """
    return await _store(request, project, model, services, "feedback")
