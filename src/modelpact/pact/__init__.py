"""The pact file: acceptance criteria as a validated, versioned agreement."""

from modelpact.pact.io import (
    PactProblem,
    check_pact,
    load_pact,
    pact_schema,
    parse_pact,
    starter_pact,
)
from modelpact.pact.model import (
    Baseline,
    Columns,
    Criterion,
    DataRequirements,
    MonitoringConfig,
    Pact,
    RetrainingConfig,
    RetrainTriggers,
    RetrainWindow,
    Task,
    period_seconds,
)

__all__ = [
    "Baseline",
    "Columns",
    "Criterion",
    "DataRequirements",
    "MonitoringConfig",
    "Pact",
    "PactProblem",
    "RetrainTriggers",
    "RetrainWindow",
    "RetrainingConfig",
    "Task",
    "check_pact",
    "load_pact",
    "pact_schema",
    "parse_pact",
    "period_seconds",
    "starter_pact",
]
