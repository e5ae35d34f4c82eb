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
    Task,
)

__all__ = [
    "Baseline",
    "Columns",
    "Criterion",
    "DataRequirements",
    "MonitoringConfig",
    "Pact",
    "PactProblem",
    "Task",
    "check_pact",
    "load_pact",
    "pact_schema",
    "parse_pact",
    "starter_pact",
]
