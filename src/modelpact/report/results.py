"""Rendering any result: the full report, the light notebook view and the figures, by type.

The result classes reach this module through :class:`modelpact._result.ResultMixin` at call
time; the registry below maps each result type to its full-page renderer and its figures, so
the domain never names a renderer.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from modelpact._result import SEVERITIES
from modelpact.report.html import Section, render_page, table_html, tone

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from modelpact.audit.result import AuditResult
    from modelpact.evaluate.comparison import Comparison
    from modelpact.evaluate.diff.results import BehaviourDiff
    from modelpact.evaluate.plan import Plan
    from modelpact.evaluate.verdict import Verdict
    from modelpact.monitor.monitor import MonitorResult

__all__ = ["figures", "full_html", "light_html"]

# rows shown by the light notebook view; the full report and to_frame() have them all
LIGHT_ROWS = 25


def _audit_html(result: AuditResult) -> str:
    from modelpact.report.audit import audit_html

    return audit_html(result)


def _audit_figures(result: AuditResult) -> list[go.Figure]:
    import plotly.graph_objects as go

    frame = result.to_frame()
    fig = go.Figure()
    for severity in SEVERITIES:
        rows = frame[frame["severity"] == severity]
        counts = rows.groupby("check").size()
        fig.add_bar(x=list(counts.index), y=list(counts.values), name=severity)
    fig.update_layout(barmode="stack", title="Findings by check and severity")
    return [fig]


def _plan_html(result: Plan) -> str:
    frame = result.to_frame()
    return render_page(
        title=f"Evaluation plan: {result.pact_name}",
        verdict=result.outcome,
        summary=result.summary(),
        facts=[
            ("confidence", f"{result.confidence:.0%}"),
            ("power", f"{result.power:.0%}"),
            ("rows available", "–" if result.available is None else f"{result.available:,}"),
            ("pilot", result.pilot or "–"),
        ],
        sections=[
            Section(
                "Criteria",
                "Evaluation rows each criterion needs for a conclusive verdict with the stated "
                "power when the expected value is the truth.",
                [table_html(list(frame.columns), frame.itertuples(index=False))],
            )
        ],
    )


def _plan_figures(result: Plan) -> list[go.Figure]:
    import plotly.graph_objects as go

    rows = [r for r in result.rows if r.n_needed is not None]
    fig = go.Figure(go.Bar(x=[r.n_needed for r in rows], y=[r.label for r in rows],
                           orientation="h"))
    if result.available is not None:
        fig.add_vline(x=result.available, line_dash="dash", annotation_text="available")
    fig.update_layout(title="Evaluation rows needed per criterion", xaxis_title="rows")
    return [fig]


def _verdict_html(result: Verdict) -> str:
    from modelpact.report.verdict import verdict_html

    return verdict_html(result)


def _verdict_figures(result: Verdict) -> list[go.Figure]:
    from modelpact.report.verdict import interval_figure

    return [interval_figure(result)] if result.criteria else []


def _compare_html(result: Comparison) -> str:
    from modelpact.report.compare import compare_html

    return compare_html(result)


def _compare_figures(result: Comparison) -> list[go.Figure]:
    from modelpact.report.compare import forest_figure

    return [forest_figure(b, result.baseline) for b in result.boards]


def _diff_html(result: BehaviourDiff) -> str:
    from modelpact.report.diff import diff_html

    return diff_html(result)


def _diff_figures(result: BehaviourDiff) -> list[go.Figure]:
    from modelpact.report.diff import slice_figure

    fig = slice_figure(result) if result.slices else None
    return [] if fig is None else [fig]


def _monitor_html(result: MonitorResult) -> str:
    from modelpact.report.monitor import monitor_html

    return monitor_html(result.to_dict())


def _monitor_figures(result: MonitorResult) -> list[go.Figure]:
    import plotly.graph_objects as go

    from modelpact.report.charts import drift_heatmap, feature_drift

    document = result.to_dict()
    drifted = sorted({a.feature for a in result.alerts if a.kind == "drift" and a.feature})
    charts = [drift_heatmap(document)] + [feature_drift(document, f) for f in drifted]
    return [go.Figure(chart) for chart in charts]


def _retrain_html(result: Any) -> str:
    from modelpact.report.retrain import retrain_html

    return retrain_html(result)


def _retrain_figures(result: Any) -> list[go.Figure]:
    from modelpact.report.retrain import retrain_figures

    return retrain_figures(result)


_REGISTRY: dict[str, tuple[Callable[[Any], str], Callable[[Any], list[Any]]]] = {
    "AuditResult": (_audit_html, _audit_figures),
    "Plan": (_plan_html, _plan_figures),
    "Verdict": (_verdict_html, _verdict_figures),
    "Comparison": (_compare_html, _compare_figures),
    "BehaviourDiff": (_diff_html, _diff_figures),
    "MonitorResult": (_monitor_html, _monitor_figures),
    "RetrainResult": (_retrain_html, _retrain_figures),
}


def _entry(result: Any) -> tuple[Callable[[Any], str], Callable[[Any], list[Any]]]:
    for klass in type(result).__mro__:
        if klass.__name__ in _REGISTRY and klass.__module__.startswith("modelpact."):
            return _REGISTRY[klass.__name__]
    raise TypeError(f"no renderer for {type(result).__name__}")


def full_html(result: Any) -> str:
    """The self-contained report page of *result*, as the CLI writes it."""
    return _entry(result)[0](result)


def figures(result: Any) -> list[Any]:
    """The Plotly figures of *result*."""
    return _entry(result)[1](result)


def light_html(result: Any) -> str:
    """Banner, summary and the first rows of the main table; no script, a few kilobytes."""
    _entry(result)
    frame = result.to_frame()
    shown = frame.head(LIGHT_ROWS)
    more = len(frame) - len(shown)
    tail = (
        f"<p style='color:#57606a'>{more:,} more rows: <code>.to_frame()</code> has them all, "
        "<code>.to_html()</code> is the full report.</p>"
        if more
        else ""
    )
    colours = {"good": "#1a7f37", "bad": "#cf222e", "warn": "#9a6700", "neutral": "#57606a"}
    colour = colours[tone(result.outcome)]
    name = html.escape(type(result).__name__)
    return (
        f"<div class='modelpact-result'><div style='background:{colour};color:#fff;"
        f"padding:8px 12px;border-radius:6px'><b>{name}: "
        f"{html.escape(result.outcome.replace('_', ' '))}</b><br>"
        f"{html.escape(result.summary())}</div>"
        f"{table_html(list(map(str, shown.columns)), shown.itertuples(index=False))}{tail}</div>"
    )
