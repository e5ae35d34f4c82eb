"""Tables of production capture: models under watch, predictions, feedback, keys, leases,
monitoring results and alerts.

Private to :mod:`modelpact.ledger`, like :mod:`~modelpact.ledger.schema` whose declarative base
they share (so one Alembic metadata covers both; revision ``0002`` creates these).

Storage of captured predictions is built for tens of millions of rows:

* rows are keyed by a 32-character model id plus the client's prediction id, not by project
  and model names, so the primary key (which is also the idempotency check) stays short;
* the features of a row are one JSON array of values in a fixed column order; the column names
  are stored once per distinct layout in ``capture_layouts``. A typed wide table would need a
  migration per new feature and is sparse across models; a name-keyed JSON object repeats
  every name on every row (about half the bytes for 20 numeric features);
* a row has no received-at column: retention and export go by the prediction's own
  timestamp, which has the index analysis needs anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from modelpact.ledger.schema import ID, Base

__all__ = [
    "AlertDeliveryRow",
    "AlertRow",
    "ApiKeyRow",
    "CaptureLayoutRow",
    "CaptureModelRow",
    "CapturedFeedbackRow",
    "CapturedPredictionRow",
    "LockRow",
    "MonitoringResultRow",
]

PREDICTION_ID = String(200)


class CaptureModelRow(Base):
    """A model whose predictions a project captures (``/projects/P/models/M``)."""

    __tablename__ = "capture_models"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    # The period (prediction time) where the model is known to be good: monitoring's reference.
    reference_start: Mapped[datetime | None]
    reference_end: Mapped[datetime | None]


class CaptureLayoutRow(Base):
    """The ordered feature names of captured rows; ``id`` is a hash of the names."""

    __tablename__ = "capture_layouts"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    columns_json: Mapped[list[str]] = mapped_column(JSON)


class CapturedPredictionRow(Base):
    """One prediction as the model server made it."""

    __tablename__ = "captured_predictions"
    __table_args__ = (Index("ix_captured_predictions_model_ts", "model_id", "ts"),)

    model_id: Mapped[str] = mapped_column(ForeignKey("capture_models.id"), primary_key=True)
    prediction_id: Mapped[str] = mapped_column(PREDICTION_ID, primary_key=True)
    ts: Mapped[datetime]
    layout_id: Mapped[str] = mapped_column(String(16))
    features: Mapped[str] = mapped_column(Text)  # JSON array in the layout's column order
    score: Mapped[float | None] = mapped_column(Float)
    scores: Mapped[str | None] = mapped_column(Text)  # JSON array, multiclass, pact class order
    prediction: Mapped[str | None] = mapped_column(Text)  # JSON scalar


class CapturedFeedbackRow(Base):
    """A label for a prediction id; it may arrive before the prediction it belongs to."""

    __tablename__ = "captured_feedback"

    model_id: Mapped[str] = mapped_column(ForeignKey("capture_models.id"), primary_key=True)
    prediction_id: Mapped[str] = mapped_column(PREDICTION_ID, primary_key=True)
    label: Mapped[str] = mapped_column(Text)  # JSON scalar
    received_at: Mapped[datetime]


class ApiKeyRow(Base):
    """An API key of one project; only a SHA-256 of the secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LockRow(Base):
    """A lease: held by ``holder`` until ``expires_at`` unless renewed."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class MonitoringResultRow(Base):
    """One monitoring run of a model (``modelpact.monitor/v1``)."""

    __tablename__ = "monitoring_results"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("capture_models.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    n_alerts: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    body_json: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class AlertRow(Base):
    """An alert of a model, once per fingerprint (kind, chunk, feature, metric)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("model_id", "fingerprint"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("capture_models.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    body_json: Mapped[dict[str, Any]]
    result_id: Mapped[str | None] = mapped_column(ID)
    first_raised_at: Mapped[datetime]
    last_raised_at: Mapped[datetime]
    # pending (a notification is due), delivered, failed (retries exhausted), none (no webhook)
    delivery_status: Mapped[str] = mapped_column(String(16), index=True)
    notify_kind: Mapped[str] = mapped_column(String(16))  # first | reminder
    notified_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]


class AlertDeliveryRow(Base):
    """One attempt to deliver an alert to one webhook."""

    __tablename__ = "alert_deliveries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id"), index=True)
    target: Mapped[str] = mapped_column(String(500))
    notify_kind: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
