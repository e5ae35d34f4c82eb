"""Feasibility study and data audit: is this data fit to learn from, and can it meet the pact?

:func:`audit` runs every registered check (:data:`CHECKS`) and returns an
:class:`AuditResult` with a GO / GO WITH FIXES / NO-GO verdict, findings (severity, message,
columns, row ids, fix) and a learnability study. The relabelling loop is
:func:`export_relabel` and :func:`import_labels`.
"""

from modelpact import _entry
from modelpact.audit.registry import CHECKS, Check, CheckConfig, check_names, get_check, register
from modelpact.audit.relabel import LabelChanges, export_relabel, import_labels
from modelpact.audit.result import SCHEMA, AuditResult, CheckOutcome, Finding
from modelpact.audit.runner import DEFAULT_SAMPLE_ROWS, audit, decide

__all__ = [
    "CHECKS",
    "DEFAULT_SAMPLE_ROWS",
    "SCHEMA",
    "AuditResult",
    "Check",
    "CheckConfig",
    "CheckOutcome",
    "Finding",
    "LabelChanges",
    "audit",
    "check_names",
    "decide",
    "export_relabel",
    "get_check",
    "import_labels",
    "register",
]

# `modelpact.audit(...)` runs the audit; the package stays importable as before.
_entry.make_callable(__name__, audit)
