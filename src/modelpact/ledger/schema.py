"""The ledger's tables (SQLAlchemy 2 declarative models).

Private to :mod:`modelpact.ledger`: the store converts rows to the frozen objects of
:mod:`modelpact.ledger.entities` before returning them. Every change to these tables needs an
Alembic migration in ``ledger/migrations/versions``; a test checks the two agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AuditRow",
    "Base",
    "DatasetRow",
    "EventRow",
    "MetricRow",
    "ModelVersionRow",
    "ParamRow",
    "ProjectRow",
    "RunDatasetRow",
    "RunRow",
    "VerdictRow",
]

# Named constraints make migrations reproducible across SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(32)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class ProjectRow(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    pact_name: Mapped[str | None] = mapped_column(String(200))
    pact_json: Mapped[dict[str, Any] | None]
    pact_hash: Mapped[str | None] = mapped_column(String(64))


class DatasetRow(Base):
    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    n_rows: Mapped[int] = mapped_column(Integer)
    n_columns: Mapped[int] = mapped_column(Integer)
    schema_json: Mapped[dict[str, Any]]
    profile_json: Mapped[dict[str, Any]]
    artifact_path: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    git_commit: Mapped[str | None] = mapped_column(String(64))
    git_dirty: Mapped[bool | None] = mapped_column(Boolean)
    predictions_path: Mapped[str | None] = mapped_column(String(1000))
    error: Mapped[str | None] = mapped_column(Text)
    # who runs it, so a run whose process died can be told from one still running
    owner_host: Mapped[str | None] = mapped_column(String(255))
    owner_pid: Mapped[int | None] = mapped_column(Integer)
    # refreshed by a live run, so a run owned by another host can still be told dead
    heartbeat_at: Mapped[datetime | None]

    project: Mapped[ProjectRow] = relationship(lazy="joined")
    # Loaded on demand: writers only need the run row; readers ask for them (selectinload).
    params: Mapped[list[ParamRow]] = relationship(
        cascade="all, delete-orphan", order_by="ParamRow.key"
    )
    metrics: Mapped[list[MetricRow]] = relationship(
        cascade="all, delete-orphan", order_by="MetricRow.key"
    )
    datasets: Mapped[list[RunDatasetRow]] = relationship(cascade="all, delete-orphan")


class ParamRow(Base):
    __tablename__ = "run_params"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class MetricRow(Base):
    __tablename__ = "run_metrics"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(String(64))
    n: Mapped[int | None] = mapped_column(Integer)


class RunDatasetRow(Base):
    __tablename__ = "run_datasets"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id"), primary_key=True)

    dataset: Mapped[DatasetRow] = relationship()


class ModelVersionRow(Base):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    artifact_path: Mapped[str | None] = mapped_column(String(1000))
    params_json: Mapped[dict[str, Any] | None]
    parent_id: Mapped[str | None] = mapped_column(ID)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    stage_changed_at: Mapped[datetime]

    project: Mapped[ProjectRow] = relationship(lazy="joined")


class VerdictRow(Base):
    __tablename__ = "verdicts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    model_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("model_versions.id"), index=True
    )
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(32))
    pact_hash: Mapped[str | None] = mapped_column(String(64))
    body_json: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    project: Mapped[ProjectRow] = relationship(lazy="joined")


class AuditRow(Base):
    __tablename__ = "audits"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(32))
    body_json: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    project: Mapped[ProjectRow] = relationship(lazy="joined")


class AnalysisRow(Base):
    """A stored comparison or behaviour diff: its v1 JSON document and its outcome."""

    __tablename__ = "analyses"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    outcome: Mapped[str] = mapped_column(String(32))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    pact_hash: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(500))
    body_json: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    project: Mapped[ProjectRow] = relationship(lazy="joined")


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    model_version_id: Mapped[str | None] = mapped_column(ForeignKey("model_versions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str | None] = mapped_column(String(16))
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    project: Mapped[ProjectRow] = relationship(lazy="joined")


# The capture tables share this metadata; importing them here keeps Alembic and the schema
# check seeing one complete model.
from modelpact.ledger import capture_schema as _capture_schema  # noqa: E402,F401
