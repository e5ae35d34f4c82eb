"""The audit's checks, one module each; importing this package registers them in run order."""

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
