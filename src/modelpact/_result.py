"""The interface every result shares: one outcome vocabulary, text, dict, frame, HTML, plots.

Each of the six entry points returns its own immutable result (:class:`~modelpact.AuditResult`,
:class:`~modelpact.Plan`, :class:`~modelpact.Verdict`, :class:`~modelpact.Comparison`,
:class:`~modelpact.BehaviourDiff`, :class:`~modelpact.MonitorResult`); they keep their own
``verdict`` / ``status`` fields and JSON documents, and all answer the same questions:

``outcome``
    the decision in one vocabulary (:data:`Outcome`), the same word for the same meaning
    across the six commands;
``summary()``
    one line of text;
``to_dict()`` / ``from_dict()``
    the command's JSON document and back;
``to_frame()``
    the result's main table as a pandas DataFrame;
``to_html()``
    the self-contained report the CLI writes with ``--html``;
``_repr_html_()``
    a light notebook view: banner and table, no plotly.js;
``plot()``
    Plotly figures.

The outcome vocabulary
----------------------

================  ==============================================================================
``pass``          the question is answered favourably: data fit to learn from (audit ``go``),
                  every criterion decidable with the rows available (plan), the candidate
                  meets the pact (verify ``signed_off``), one model is clearly best (compare),
                  no prediction changed (diff), no alert (monitor ``no_alert``).
``fail``          answered unfavourably: audit ``no_go``, a criterion that cannot be decided
                  with the rows available, verify ``failed``, monitor ``alert``.
``at_risk``       usable but needs a look: audit ``go_with_fixes``, predictions that changed
                  between two versions (diff).
``inconclusive``  not enough evidence either way: verify ``inconclusive``, a plan without the
                  rows available, a comparison whose best model is indistinguishable from
                  another.
================  ==============================================================================

The severity scale
------------------

Everything that grades a finding or an alert (audit findings, monitoring alerts and findings,
the service's stored alerts, the dashboard) uses one scale, :data:`SEVERITIES`, most severe
first:

================  ==============================================================================
``critical``      the evidence is conclusive and the data or model cannot be trusted as is: an
                  audit finding that makes the verdict ``no_go``, an alert whose whole interval
                  is on the bad side.
``warning``       worth acting on, not conclusive or fixable: an audit finding with a ``fix``,
                  an alert while the evidence still straddles the threshold.
``info``          worth knowing, no action needed.
================  ==============================================================================

Audit documents written before the scale was shared say ``blocking`` for ``critical``;
:func:`severity_word` reads both, and every ``from_dict`` goes through it.

The presentation methods (``to_html``, ``_repr_html_``, ``plot``) dispatch to
:mod:`modelpact.report.results` and import it only when called: the one place where domain code
reaches the report layer, at call time, so that a notebook gets a rendered result from the
object itself while the domain modules stay importable without Jinja2 or Plotly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OUTCOMES",
    "SEVERITIES",
    "Outcome",
    "Result",
    "ResultMixin",
    "Severity",
    "severity_word",
]

Outcome = Literal["pass", "fail", "at_risk", "inconclusive"]
OUTCOMES: tuple[Outcome, ...] = ("pass", "fail", "at_risk", "inconclusive")

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")
# words earlier documents used for a rung of the scale
_OLD_SEVERITIES: dict[str, Severity] = {"blocking": "critical"}


def severity_word(word: str) -> Severity:
    """*word* on the shared severity scale, reading the audit's earlier ``blocking`` too.

    Examples
    --------
    >>> severity_word("blocking"), severity_word("warning")
    ('critical', 'warning')
    """
    name = _OLD_SEVERITIES.get(word, word)
    for severity in SEVERITIES:
        if severity == name:
            return severity
    raise ValueError(f"unknown severity {word!r}; the scale is {', '.join(SEVERITIES)}")


@runtime_checkable
class Result(Protocol):
    """What every result returned by an entry point offers."""

    @property
    def outcome(self) -> Outcome: ...

    def summary(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...

    def to_frame(self) -> pd.DataFrame: ...

    def to_html(self) -> str: ...

    def _repr_html_(self) -> str: ...

    def plot(self) -> list[Any]: ...


def _renderers() -> Any:
    return importlib.import_module("modelpact.report.results")


class ResultMixin:
    """The presentation methods shared by every result, rendered by :mod:`modelpact.report`."""

    __slots__ = ()

    def to_html(self) -> str:
        """The self-contained HTML report, the same page the CLI writes with ``--html``."""
        return str(_renderers().full_html(self))

    def _repr_html_(self) -> str:
        """A light view for notebooks: the outcome banner, the summary and the main table."""
        return str(_renderers().light_html(self))

    def plot(self) -> list[Any]:
        """The result's charts as Plotly figures (``plotly.graph_objects.Figure``)."""
        return list(_renderers().figures(self))
