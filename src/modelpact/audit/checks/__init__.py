"""The audit's checks, one module each; importing this package registers them in run order.

Cheap linear checks run first, so their findings appear even if a costly one is interrupted;
model-based checks share one cross-validation and run after them.
"""

from modelpact.audit.checks import (  # noqa: F401  (imported to register)
    class_imbalance,
    conflicting_labels,
    constant_columns,
    duplicates,
    id_like_columns,
    label_errors,
    learnability,
    missing_values,
    near_duplicates,
    outliers,
    split_drift,
    split_leakage,
    target_leakage,
    temporal_drift,
    type_problems,
)
from modelpact.audit.registry import CHECKS

RUN_ORDER = (
    "type_problems", "missing_values", "constant_columns", "id_like_columns", "duplicates",
    "near_duplicates", "conflicting_labels", "class_imbalance", "outliers", "label_errors",
    "target_leakage", "split_leakage", "split_drift", "temporal_drift", "learnability",
)
# module imports are sorted alphabetically; put the registry in run order once, here
for _name in RUN_ORDER:
    CHECKS[_name] = CHECKS.pop(_name)
