"""Rendering a :class:`~modelpact.evaluate.Verdict` and a :class:`~modelpact.evaluate.Plan`:
terminal tables, Markdown for pull requests, and the self-contained HTML report."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from modelpact.evaluate import Plan, Verdict
from modelpact.evaluate.verdict import CriterionResult
from modelpact.report._markdown import md_code, md_text
from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["plan_markdown", "plan_table", "verdict_html", "verdict_markdown", "verdict_panel"]

_STYLE = {
    "pass": "bold green",
    "fail": "bold red",
    "inconclusive": "bold yellow",
    "signed_off": "bold white on green",
    "failed": "bold white on red",
    "inconclusive_banner": "bold black on yellow",
}
_ICON = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️"}


def _num(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _rule(c: CriterionResult) -> str:
    sign = "≥" if c.direction == "at_least" else "≤"
    quantity = "Δ vs " + str(c.reference) if c.reference else c.metric
    return f"{quantity} {sign} {c.threshold:g}"


def _interval(c: CriterionResult) -> str:
    return f"[{_num(c.ci[0])}, {_num(c.ci[1])}]"


def _estimate(c: CriterionResult) -> str:
    """Comparisons show a signed difference, so 'Δ +0.05' reads as 'better by 0.05'."""
    return f"Δ {c.estimate:+.4g}" if c.reference else _num(c.estimate)


def verdict_panel(verdict: Verdict) -> Group:
    """A rich renderable: the verdict banner, the criteria table, warnings."""
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column("criterion", overflow="fold", min_width=18)
    table.add_column("estimate", justify="right", no_wrap=True)
    table.add_column(f"{verdict.confidence:.0%} bounds", justify="right", no_wrap=True)
    table.add_column("n", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("n needed", justify="right", no_wrap=True)
    for c in verdict.criteria:
        table.add_row(
            c.label,
            _estimate(c),
            _interval(c),
            f"{c.n:,}",
            Text(c.status, style=_STYLE[c.status]),
            f"{c.n_needed:,}" if c.n_needed else "",
        )
    style = _STYLE["inconclusive_banner" if verdict.verdict == "inconclusive" else verdict.verdict]
    banner = Text(f" {verdict.verdict.replace('_', ' ').upper()} ", style=style)
    head = Text.assemble(
        banner,
        "  ",
        (f"pact '{verdict.pact_name}'", "bold"),
        f" on {verdict.source} ({verdict.n_rows:,} rows)",
    )
    parts: list[Any] = [head, Text(verdict.summary()), table]
    notes = [f"{c.label}: {c.note}" for c in verdict.criteria if c.note]
    notes += [f"skipped {s['criterion']}: {s['reason']}" for s in verdict.skipped]
    notes += verdict.warnings
    if notes:
        parts.append(
            Panel("\n".join(f"• {n}" for n in notes), title="notes", border_style="yellow")
        )
    parts.append(Text(f"baseline: {verdict.baseline}", style="dim"))
    return Group(*parts)


def verdict_markdown(verdict: Verdict) -> str:
    """A Markdown summary for a pull-request comment."""
    icon = {"signed_off": "✅", "failed": "❌", "inconclusive": "⚠️"}[verdict.verdict]
    lines = [
        f"### {icon} modelpact: {md_code(verdict.pact_name)} — "
        f"**{verdict.verdict.replace('_', ' ')}**",
        "",
        md_text(verdict.summary()),
        "",
        f"| criterion | rule | estimate | {verdict.confidence:.0%} bounds | n | status | n needed |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for c in verdict.criteria:
        lines.append(
            f"| {md_text(c.label)} | {md_text(_rule(c))} | {_num(c.estimate)} | {_interval(c)} | {c.n:,} | "
            f"{_ICON[c.status]} {c.status} | {f'{c.n_needed:,}' if c.n_needed else ''} |"
        )
    notes = [f"{c.label}: {c.note}" for c in verdict.criteria if c.note] + list(verdict.warnings)
    notes += [f"skipped {s['criterion']}: {s['reason']}" for s in verdict.skipped]
    if notes:
        lines += ["", *[f"- {md_text(n)}" for n in notes]]
    lines += [
        "",
        f"<sub>{verdict.n_rows:,} rows from {md_code(verdict.source)}, baseline: "
        f"{md_text(verdict.baseline)}, seed {verdict.seed}, data sha256 "
        f"`{verdict.data_fingerprint[:12]}`</sub>",
        "",
    ]
    return "\n".join(lines)


def _interval_figure(verdict: Verdict) -> str:
    return figure_html(interval_figure(verdict))


def interval_figure(verdict: Verdict) -> Any:
    """One row per criterion, each on its own scale: a loss near 0.3 and an AUC near 0.9 do not
    share an axis, so each bar is readable against its own threshold."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    colours = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700"}
    criteria = list(verdict.criteria)
    fig = make_subplots(
        rows=len(criteria),
        cols=1,
        subplot_titles=[f"{c.label} — {c.status}" for c in criteria],
        vertical_spacing=min(0.12, 0.5 / max(len(criteria), 1)),
    )
    for row, c in enumerate(criteria, start=1):
        lo, hi = c.ci
        span = max(hi, c.threshold) - min(lo, c.threshold)
        pad = span * 0.25 or 0.01
        fig.add_trace(
            go.Scatter(
                x=[c.estimate],
                y=[0],
                mode="markers",
                marker={"size": 12, "color": colours[c.status]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - c.estimate],
                    "arrayminus": [c.estimate - lo],
                    "thickness": 4,
                    "width": 8,
                    "color": colours[c.status],
                },
                showlegend=False,
                hovertemplate=(
                    f"estimate %{{x:.4f}}<br>bounds [{lo:.4f}, {hi:.4f}]<br>n = {c.n:,}"
                    "<extra></extra>"
                ),
            ),
            row=row,
            col=1,
        )
        fig.add_vline(
            x=c.threshold,
            line={"color": "#24292f", "width": 2, "dash": "dash"},
            annotation_text=f"threshold {c.threshold:g}",
            annotation_position="top right",
            row=row,
            col=1,
        )
        fig.update_xaxes(
            range=[min(lo, c.threshold) - pad, max(hi, c.threshold) + pad], row=row, col=1
        )
        fig.update_yaxes(visible=False, row=row, col=1)
    fig.update_layout(height=40 + 110 * len(criteria), showlegend=False)
    return fig


def _calibration_figure(verdict: Verdict) -> str:
    import plotly.graph_objects as go

    bins = verdict.calibration
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="perfect",
            line={"dash": "dash", "color": "#8c959f"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[b.mean_score for b in bins],
            y=[b.observed for b in bins],
            mode="lines+markers",
            name="model",
            marker={"size": [max(6, min(22, b.n**0.5 / 2)) for b in bins]},
            text=[f"{b.n:,} rows" for b in bins],
            hovertemplate="mean score %{x:.3f}<br>observed %{y:.3f}<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=380,
        title="Calibration (reliability diagram, 10 bins)",
        xaxis_title="mean predicted probability",
        yaxis_title="observed frequency",
    )
    return figure_html(fig)


def _confusion_figure(verdict: Verdict) -> str:
    import plotly.graph_objects as go

    assert verdict.confusion is not None
    labels = list(verdict.class_labels)
    z = [list(row) for row in verdict.confusion]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"pred {c}" for c in labels],
            y=[f"true {c}" for c in labels],
            colorscale="Blues",
            text=[[f"{v:,}" for v in row] for row in z],
            texttemplate="%{text}",
            showscale=False,
        )
    )
    fig.update_layout(
        height=160 + 50 * len(labels),
        title="Confusion matrix (rows: truth)",
        yaxis={"autorange": "reversed"},
    )
    return figure_html(fig)


def verdict_html(verdict: Verdict) -> str:
    """The self-contained HTML report of a verdict."""
    rows = [
        (
            c.label,
            _rule(c),
            c.estimate,
            _interval(c),
            c.n,
            c.status,
            f"{c.n_needed:,}" if c.n_needed else "",
            c.method,
            c.note or "",
        )
        for c in verdict.criteria
    ]
    sections = [
        Section(
            "Criteria",
            intro=(
                f"Each criterion is decided on its interval: pass when the whole interval is on "
                f"the good side of the threshold, fail when it is wholly on the bad side, "
                f"inconclusive otherwise. Bounds are one-sided at {verdict.confidence:.0%}; "
                "comparisons are paired differences (candidate − reference) on the same rows."
            ),
            body=[
                _interval_figure(verdict),
                table_html(
                    [
                        "criterion",
                        "rule",
                        "estimate",
                        "bounds",
                        "n",
                        "status",
                        "n needed",
                        "method",
                        "note",
                    ],
                    rows,
                    status_column=5,
                ),
            ],
        )
    ]
    notes = list(verdict.warnings) + [
        f"skipped {s['criterion']}: {s['reason']}" for s in verdict.skipped
    ]
    if notes:
        sections.append(
            Section(
                "Notes", body=["<ul>" + "".join(f"<li>{_escape(n)}</li>" for n in notes) + "</ul>"]
            )
        )
    if verdict.slices:
        sections.append(
            Section(
                "Slices",
                intro=(
                    f"Headline metric per group of each slice column, with a two-sided "
                    f"{verdict.confidence:.0%} interval. Groups below the pact's minimum rows "
                    "are marked: their results cannot count as a pass."
                ),
                body=[
                    table_html(
                        [
                            "column",
                            "group",
                            "rows",
                            "metric",
                            "estimate",
                            "interval",
                            "below minimum",
                        ],
                        [
                            (
                                s.column,
                                s.value,
                                s.n,
                                s.metric,
                                s.estimate,
                                f"[{s.ci[0]:.4g}, {s.ci[1]:.4g}]",
                                "yes" if s.below_minimum else "",
                            )
                            for s in verdict.slices
                        ],
                    )
                ],
            )
        )
    if verdict.calibration:
        sections.append(Section("Calibration", body=[_calibration_figure(verdict)]))
    if verdict.confusion is not None:
        sections.append(Section("Confusion matrix", body=[_confusion_figure(verdict)]))
    data_rows: list[tuple[str, Any]] = [
        ("rows", verdict.n_rows),
        ("source", verdict.source),
        ("task", verdict.task),
        ("baseline", verdict.baseline),
    ]
    data_rows += [(f"class '{k}'", v) for k, v in verdict.class_counts.items()]
    sections.append(Section("Data", body=[table_html(["fact", "value"], data_rows)]))
    return render_page(
        title=f"Sign-off: {verdict.pact_name}",
        verdict=verdict.verdict,
        summary=verdict.summary(),
        sections=sections,
        facts=[
            ("evaluation data", verdict.source),
            ("rows", f"{verdict.n_rows:,}"),
            ("confidence", f"{verdict.confidence:.0%}"),
            ("seed", str(verdict.seed)),
            ("data sha256", verdict.data_fingerprint),
        ],
    )


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def plan_table(result: Plan) -> Table:
    """Rich table of a plan."""
    table = Table(
        title=f"Evaluation plan for pact '{result.pact_name}' "
        f"({result.confidence:.0%} confidence, {result.power:.0%} power)"
    )
    for col in ("criterion", "expected", "rule", "rows needed", "source", "decidable", "note"):
        table.add_column(col, justify="right" if col in ("expected", "rows needed") else "left")
    for r in result.rows:
        sign = "≥" if r.direction == "at_least" else "≤"
        decidable = "" if r.decidable is None else ("yes" if r.decidable else "NO")
        table.add_row(
            r.label,
            _num(r.expected),
            f"{sign} {r.threshold:g}",
            f"{r.n_needed:,}" if r.n_needed else "–",
            r.source,
            Text(decidable, style="bold red" if decidable == "NO" else "green"),
            r.note or "",
        )
    return table


def plan_markdown(result: Plan) -> str:
    """Markdown table of a plan."""
    lines = [
        f"### modelpact plan: {md_code(result.pact_name)}",
        "",
        "| criterion | expected | rows needed | source | decidable | note |",
        "|---|---:|---:|---|---|---|",
    ]
    for r in result.rows:
        decidable = "" if r.decidable is None else ("yes" if r.decidable else "**no**")
        lines.append(
            f"| {md_text(r.label)} | {_num(r.expected)} | "
            f"{f'{r.n_needed:,}' if r.n_needed else '–'} | {md_text(r.source)} | {decidable} | "
            f"{md_text(r.note or '')} |"
        )
    return "\n".join(lines) + "\n"
