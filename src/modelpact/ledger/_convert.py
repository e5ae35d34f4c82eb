"""Row -> entity conversion at the store's boundary, and the small values rows are made of.

Rows never leave the ledger: every reader turns them into the frozen objects of
:mod:`modelpact.ledger.entities` here (MLflow's ``to_mlflow_entity``).
"""

from __future__ import annotations

import getpass
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from modelpact._json import json_clean
from modelpact.ledger.entities import (
    AuditRecord,
    DatasetSnapshot,
    Event,
    MetricValue,
    ModelVersion,
    Project,
    Run,
    RunDataset,
    VerdictRecord,
)
from modelpact.ledger.liveness import effective_status
from modelpact.ledger.schema import (
    AuditRow,
    DatasetRow,
    EventRow,
    ModelVersionRow,
    ProjectRow,
    RunRow,
    VerdictRow,
)

__all__ = [
    "audit_record",
    "aware",
    "current_user",
    "dataset_snapshot",
    "event",
    "json_safe",
    "model_version",
    "new_id",
    "now",
    "param_text",
    "project",
    "run",
    "verdict_record",
]


def new_id() -> str:
    """A fresh row id."""
    return uuid.uuid4().hex


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """*value* in UTC: SQLite hands back naive datetimes, and everything stored is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _aware_opt(value: datetime | None) -> datetime | None:
    return None if value is None else aware(value)


def json_safe(value: Any) -> Any:
    """*value* as a stored JSON document holds it: plain types, no NumPy, no NaN."""
    return json_clean(value, strict=False)


def param_text(value: Any) -> str:
    """A run parameter as the text the ledger stores (JSON for anything but a string)."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(json_safe(value), sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def current_user() -> str | None:
    """The login name recorded as the actor of an event, when the system has one."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return None


def project(row: ProjectRow) -> Project:
    """The project a row stores."""
    return Project(
        id=row.id,
        name=row.name,
        created_at=aware(row.created_at),
        pact_name=row.pact_name,
        pact=row.pact_json,
        pact_hash=row.pact_hash,
    )


def dataset_snapshot(row: DatasetRow) -> DatasetSnapshot:
    """The dataset snapshot a row stores."""
    columns = row.schema_json.get("columns", [])
    return DatasetSnapshot(
        id=row.id,
        fingerprint=row.fingerprint,
        name=row.name,
        n_rows=row.n_rows,
        n_columns=row.n_columns,
        schema=tuple((str(c["name"]), str(c["dtype"])) for c in columns),
        profile=row.profile_json,
        created_at=aware(row.created_at),
        has_rows=row.artifact_path is not None,
    )


def run(row: RunRow, verdict: str | None = None) -> Run:
    """The run a row (with its parameters, metrics and datasets loaded) stores."""
    return Run(
        id=row.id,
        project=row.project.name,
        name=row.name,
        status=effective_status(  # type: ignore[arg-type]
            row.status, row.owner_host, row.owner_pid, row.heartbeat_at
        ),
        started_at=aware(row.started_at),
        finished_at=_aware_opt(row.finished_at),
        duration_s=row.duration_s,
        git_commit=row.git_commit,
        git_dirty=row.git_dirty,
        params={p.key: p.value for p in row.params},
        metrics={
            m.key: MetricValue(
                name=m.key,
                value=m.value,
                low=m.low,
                high=m.high,
                confidence=m.confidence,
                method=m.method,
                n=m.n,
            )
            for m in row.metrics
        },
        datasets=tuple(
            RunDataset(
                role=d.role,
                dataset_id=d.dataset_id,
                fingerprint=d.dataset.fingerprint,
                name=d.dataset.name,
                n_rows=d.dataset.n_rows,
            )
            for d in sorted(row.datasets, key=lambda d: (d.role, d.dataset_id))
        ),
        has_predictions=row.predictions_path is not None,
        verdict=verdict,
        error=row.error,
    )


def model_version(row: ModelVersionRow) -> ModelVersion:
    """The model version a row stores."""
    return ModelVersion(
        id=row.id,
        project=row.project.name,
        version=row.version,
        stage=row.stage,  # type: ignore[arg-type]  # constrained by set_stage
        created_at=aware(row.created_at),
        stage_changed_at=aware(row.stage_changed_at),
        name=row.name,
        run_id=row.run_id,
        artifact_path=row.artifact_path,
        params=row.params_json or {},
        parent_id=row.parent_id,
        description=row.description,
    )


def verdict_record(row: VerdictRow) -> VerdictRecord:
    """The stored verdict a row holds."""
    return VerdictRecord(
        id=row.id,
        project=row.project.name,
        verdict=row.verdict,
        created_at=aware(row.created_at),
        body=row.body_json,
        pact_hash=row.pact_hash,
        model_version_id=row.model_version_id,
        run_id=row.run_id,
    )


def audit_record(row: AuditRow) -> AuditRecord:
    """The stored audit a row holds."""
    return AuditRecord(
        id=row.id,
        project=row.project.name,
        verdict=row.verdict,
        created_at=aware(row.created_at),
        body=row.body_json,
    )


def event(row: EventRow) -> Event:
    """The event a row records."""
    return Event(
        id=row.id,
        project=row.project.name,
        kind=row.kind,
        created_at=aware(row.created_at),
        actor=row.actor,
        model_version_id=row.model_version_id,
        from_stage=row.from_stage,
        to_stage=row.to_stage,
        forced=row.forced,
        reason=row.reason,
    )
