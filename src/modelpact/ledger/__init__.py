"""The ledger: projects, dataset snapshots, runs, model versions, verdicts and audits.

One durable implementation (SQLAlchemy 2 over SQLite or PostgreSQL, schema managed by
Alembic migrations shipped in the package) plus a local artifact directory for model files
and Parquet tables. Rows are converted to the frozen objects of
:mod:`modelpact.ledger.entities` at the boundary.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp, open_store(root=Path(tmp)) as store:
...     run = store.create_run("churn", params={"C": 1.0})
...     store.finish_run(run.id).status
'finished'
"""

from modelpact.errors import PromotionRefused
from modelpact.ledger.config import display_url, resolve_store_url
from modelpact.ledger.entities import (
    STAGES,
    AuditRecord,
    DatasetSnapshot,
    Event,
    MetricValue,
    ModelVersion,
    Project,
    Run,
    RunDataset,
    Stage,
    VerdictRecord,
)
from modelpact.ledger.refs import (
    is_ledger_ref,
    resolve_model,
    resolve_predictions,
    resolve_run_id,
    resolve_training_frame,
)
from modelpact.ledger.status import ProjectStatus, project_status
from modelpact.ledger.store import (
    VERDICT_SCHEMA,
    Store,
    open_configured_store,
    open_store,
    pact_hash,
    upgrade_store,
)

__all__ = [
    "STAGES",
    "VERDICT_SCHEMA",
    "AuditRecord",
    "DatasetSnapshot",
    "Event",
    "MetricValue",
    "ModelVersion",
    "Project",
    "ProjectStatus",
    "PromotionRefused",
    "Run",
    "RunDataset",
    "Stage",
    "Store",
    "VerdictRecord",
    "display_url",
    "is_ledger_ref",
    "open_configured_store",
    "open_store",
    "pact_hash",
    "project_status",
    "resolve_model",
    "resolve_predictions",
    "resolve_run_id",
    "resolve_store_url",
    "resolve_training_frame",
    "upgrade_store",
]
