"""Ingestion: validate a batch against the project's pact, then store it whole or not at all."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from modelpact.errors import InvalidDataError, PactError
from modelpact.ledger import Store
from modelpact.ledger.capture import CapturedModel, CaptureStore
from modelpact.pact import Pact
from modelpact.service.metrics import ServiceMetrics
from modelpact.service.validation import parse_table, validate_feedback, validate_predictions

__all__ = ["IngestResult", "IngestService"]

#: Seconds a project's pact and a model's id are reused before being read again. Both live in
#: the database; this only saves two queries per request.
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class IngestResult:
    """What a stored batch amounted to."""

    received: int
    new: int


class IngestService:
    """Stores captured predictions and feedback for the routes."""

    def __init__(self, store: Store, metrics: ServiceMetrics) -> None:
        self.store = store
        self.capture = CaptureStore(store)
        self.metrics = metrics
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, CapturedModel, Pact]] = {}

    def target(self, project: str, model: str) -> tuple[CapturedModel, Pact]:
        """The captured model and the pact its rows are checked against."""
        key = (project, model)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1], hit[2]
        captured = self.capture.get_model(project, model)
        document = self.store.get_project(project).pact
        if document is None:
            raise PactError(
                f"project '{project}' has no pact to check captured rows against; record one "
                "with 'modelpact capture add-model --pact pact.yaml'")
        pact = Pact.model_validate(document)
        with self._lock:
            self._cache[key] = (now, captured, pact)
        return captured, pact

    def add_predictions(
        self, project: str, model: str, body: bytes, media_type: str
    ) -> IngestResult:
        """Validate and store a batch of predictions."""
        captured, pact = self.target(project, model)
        frame = parse_table(body, media_type)
        try:
            batch = validate_predictions(frame, pact)
        except InvalidDataError:
            self.metrics.rows_rejected.labels("prediction", "422").inc(len(frame))
            raise
        new = self.capture.add_predictions(captured, batch)
        self.metrics.rows_ingested.labels(project, model, "prediction").inc(len(batch))
        return IngestResult(received=len(batch), new=new)

    def add_feedback(self, project: str, model: str, body: bytes, media_type: str) -> IngestResult:
        """Validate and store a batch of labels."""
        captured, pact = self.target(project, model)
        frame = parse_table(body, media_type)
        try:
            batch = validate_feedback(frame, pact)
        except InvalidDataError:
            self.metrics.rows_rejected.labels("feedback", "422").inc(len(frame))
            raise
        new = self.capture.add_feedback(captured, batch.ids, batch.labels)
        self.metrics.rows_ingested.labels(project, model, "feedback").inc(len(batch.ids))
        return IngestResult(received=len(batch.ids), new=new)
