"""Rendering a :class:`~modelpact.retrain.RetrainResult`: the HTML report and its figure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelpact.report.html import Section, figure_html, render_page, table_html

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from modelpact.retrain.result import RetrainResult

__all__ = ["retrain_figures", "retrain_html"]


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return "–" if value != value else f"{value:.4g}"
    return "–" if value is None else value


def retrain_figures(result: RetrainResult) -> list[go.Figure]:
    """The gate's estimates with their one-sided bounds; without a gate, the triggers."""
    import plotly.graph_objects as go

    frame = result.to_frame()
    gated = frame[frame["step"].isin(["gate", "promotion rule"])]
    if len(gated):
        figure = go.Figure(
            go.Scatter(
                x=gated["estimate"],
                y=gated["name"],
                mode="markers",
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": gated["high"] - gated["estimate"],
                    "arrayminus": gated["estimate"] - gated["low"],
                },
            )
        )
        figure.update_layout(title="The gate on the holdout: estimates and bounds")
        return [figure]
    triggers = frame[frame["step"] == "trigger"]
    figure = go.Figure(
        go.Bar(
            x=[1 if s == "fired" else 0 for s in triggers["status"]] or [0],
            y=list(triggers["name"]) or ["no trigger declared"],
            orientation="h",
        )
    )
    figure.update_layout(title="Triggers (1 = fired)")
    return [figure]


def retrain_html(result: RetrainResult) -> str:
    """The self-contained report of one retraining turn."""
    frame = result.to_frame()
    window = result.window or {}
    facts = [
        ("project", result.project),
        ("decision", result.action),
        ("champion", result.champion or "–"),
        ("challenger", result.challenger or "–"),
        ("gate decided on", "labelled shadow rows" if result.mode == "shadow" else "holdout"),
    ]
    if window:
        facts.append(("window", f"{window.get('window_rows', 0):,} labelled rows"))
    sections = [
        Section(
            "The turn",
            "Every trigger checked, every criterion the gate decided on rows the challenger "
            "never trained on, and the decision.",
            [
                table_html(
                    list(frame.columns),
                    ([_cell(v) for v in row] for row in frame.itertuples(index=False)),
                )
            ],
        ),
        Section(
            "Reasons",
            "Why the loop decided as it did.",
            ["<ul>" + "".join(f"<li>{_escape(r)}</li>" for r in result.decision.reasons) + "</ul>"],
        ),
        Section("Gate", "", [figure_html(f) for f in retrain_figures(result)]),
    ]
    if result.gate is not None and result.gate.behaviour:
        sections.append(
            Section(
                "Behaviour against the champion",
                "",
                ["<ul>" + "".join(f"<li>{_escape(b)}</li>" for b in result.gate.behaviour)
                 + "</ul>"],
            )
        )
    return render_page(
        title=f"Retraining: {result.project}",
        verdict=result.outcome,
        summary=result.summary(),
        facts=facts,
        sections=sections,
    )


def _escape(text: str) -> str:
    import html

    return html.escape(text)
