"""What the ledger holds, as immutable domain objects.

Database rows are converted to these at the store's boundary, so nothing outside
:mod:`modelpact.ledger` ever sees an ORM object or a database session.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "STAGES",
    "AuditRecord",
    "DatasetSnapshot",
    "Event",
    "MetricValue",
    "ModelVersion",
    "Project",
    "Run",
    "RunDataset",
    "Stage",
    "VerdictRecord",
]

Stage = Literal["candidate", "signed_off", "champion", "retired"]
#: Lifecycle stages of a model version, in the order a healthy version moves through them.
STAGES: tuple[Stage, ...] = ("candidate", "signed_off", "champion", "retired")

# "killed": a "running" run whose process is gone, seen on read; `store gc` also stores it.
RunStatus = Literal["running", "finished", "failed", "killed"]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Project:
    """A named model effort and the pact it is held to.

    ``pact`` is the pact as plain JSON (``Pact.model_dump(mode="json")``) and ``pact_hash``
    its content hash: a verdict only counts for promotion if it was recorded against the
    project's current pact.
    """

    id: str
    name: str
    created_at: datetime
    pact_name: str | None = None
    pact: dict[str, Any] | None = None
    pact_hash: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["created_at"] = _iso(self.created_at)
        return out


@dataclass(frozen=True)
class DatasetSnapshot:
    """A data set as it was when logged: fingerprint, shape, schema and column profile.

    ``fingerprint`` covers the schema and every cell (see
    :func:`modelpact.data.fingerprint_frame`); two snapshots with the same fingerprint hold
    the same data. ``has_rows`` tells whether the rows themselves were kept as Parquet.
    """

    id: str
    fingerprint: str
    name: str
    n_rows: int
    n_columns: int
    schema: tuple[tuple[str, str], ...]
    profile: dict[str, dict[str, Any]]
    created_at: datetime
    has_rows: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["schema"] = [list(pair) for pair in self.schema]
        out["created_at"] = _iso(self.created_at)
        return out


@dataclass(frozen=True)
class RunDataset:
    """A snapshot a run used, and what for (``train``, ``eval`` or another role)."""

    role: str
    dataset_id: str
    fingerprint: str
    name: str
    n_rows: int


@dataclass(frozen=True)
class MetricValue:
    """A metric a run logged; ``low``/``high`` bound its interval when one was computed."""

    name: str
    value: float
    low: float | None = None
    high: float | None = None
    confidence: float | None = None
    method: str | None = None
    n: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class Run:
    """One training or evaluation run: what went in, what came out, and how it ended."""

    id: str
    project: str
    status: RunStatus
    started_at: datetime
    name: str | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, MetricValue] = field(default_factory=dict)
    datasets: tuple[RunDataset, ...] = ()
    has_predictions: bool = False
    verdict: str | None = None
    error: str | None = None

    def datasets_for(self, role: str) -> tuple[RunDataset, ...]:
        """The snapshots this run used in *role* (``train``, ``eval``...)."""
        return tuple(d for d in self.datasets if d.role == role)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["started_at"] = _iso(self.started_at)
        out["finished_at"] = _iso(self.finished_at)
        out["datasets"] = [asdict(d) for d in self.datasets]
        return out


@dataclass(frozen=True)
class ModelVersion:
    """A registered model: its artifact, the run that produced it, lineage and stage.

    ``ref`` (``project:version``) is how people name it on the command line.
    ``parent_id`` is the version that was champion when this one was registered, i.e. the
    one it challenges.
    """

    id: str
    project: str
    version: int
    stage: Stage
    created_at: datetime
    stage_changed_at: datetime
    name: str | None = None
    run_id: str | None = None
    artifact_path: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    description: str | None = None

    @property
    def ref(self) -> str:
        """The human reference, ``project:version``."""
        return f"{self.project}:{self.version}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["ref"] = self.ref
        out["created_at"] = _iso(self.created_at)
        out["stage_changed_at"] = _iso(self.stage_changed_at)
        return out


@dataclass(frozen=True)
class VerdictRecord:
    """A stored ``modelpact.verdict/v1`` document and what it was about."""

    id: str
    project: str
    verdict: str
    created_at: datetime
    body: dict[str, Any]
    pact_hash: str | None = None
    model_version_id: str | None = None
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["created_at"] = _iso(self.created_at)
        return out


@dataclass(frozen=True)
class AuditRecord:
    """A stored ``modelpact.audit/v1`` document."""

    id: str
    project: str
    verdict: str
    created_at: datetime
    body: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["created_at"] = _iso(self.created_at)
        return out


@dataclass(frozen=True)
class Event:
    """Something that happened to a project or model version (a stage change, a forced one)."""

    id: str
    project: str
    kind: str
    created_at: datetime
    actor: str | None = None
    model_version_id: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    forced: bool = False
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        out = asdict(self)
        out["created_at"] = _iso(self.created_at)
        return out
