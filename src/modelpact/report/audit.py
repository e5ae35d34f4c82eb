"""Presenting an :class:`AuditResult`: a rich terminal summary and the offline HTML report.

Presentation only: it reads the result object, never the data, and no audit module imports
it (the command line does).
"""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go
from rich.console import Group
from rich.table import Table
from rich.text import Text

from modelpact.audit.registry import CHECKS
from modelpact.audit.result import AuditResult
from modelpact.report._markdown import md_code, md_text
from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["audit_html", "audit_markdown", "audit_panel", "verdict_line"]

_BANNER = {
    "go": "bold white on green",
    "go_with_fixes": "bold black on yellow",
    "no_go": "bold white on red",
}
_LINE = {"go": "bold green", "go_with_fixes": "bold yellow", "no_go": "bold red"}
_SEVERITY = {"critical": "bold red", "warning": "yellow", "info": "dim"}


def verdict_line(result: AuditResult) -> str:
    """One sentence for the end of the terminal output."""
    b, w = result.count("critical"), result.count("warning")
    if result.verdict == "no_go":
        return f"NO-GO: {b} critical finding(s); fix them before any experiment can be trusted."
    if result.verdict == "go_with_fixes":
        return f"GO WITH FIXES: no critical findings, {w} warning(s) to fix (see 'fix' column)."
    return "GO: nothing blocks learning from this data."


def audit_panel(result: AuditResult, *, show_info: bool = True) -> Group:
    """The terminal summary: banner, facts, the findings table with fixes, learnability."""
    banner = Text(f" {result.verdict.replace('_', ' ').upper()} ", style=_BANNER[result.verdict])
    head = Text.assemble(
        banner,
        "  ",
        (f"audit of {result.source}", "bold"),
        f" ({result.n_rows:,} rows, {result.n_columns} columns; target '{result.target}', "
        f"{result.task})",
    )
    parts: list[Any] = [head]
    if result.test_source:
        parts.append(Text(f"test: {result.test_source} ({result.n_test_rows:,} rows)", style="dim"))
    table = Table(header_style="bold", expand=False, show_lines=False)
    table.add_column("severity", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("finding", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    shown = [f for f in result.findings if show_info or f.severity != "info"]
    for f in shown:
        table.add_row(Text(f.severity, style=_SEVERITY[f.severity]), f.check, f.message, f.fix)
    if shown:
        parts.append(table)
    learn = result.learnability
    metrics = learn.get("metrics", {}) if learn else {}
    if metrics:
        lt = Table(title="learnability (quick model vs baseline)", header_style="bold")
        for col in ("metric", "model", "baseline", "difference"):
            lt.add_column(col, justify="right" if col != "metric" else "left")
        for name, entry in metrics.items():
            if "model" not in entry:
                continue
            lt.add_row(
                name,
                _iv(entry["model"]),
                _iv(entry.get("baseline")),
                _iv(entry.get("difference"), signed=True),
            )
        parts.append(lt)
    needs = _rows_table(learn.get("criteria", []) if learn else [])
    if needs is not None:
        parts.append(needs)
    sampled = result.sampled
    if sampled:
        parts.append(
            Text(
                "sampled: "
                + "; ".join(
                    f"{k} on {v['rows']:,} of {v['of']:,} rows" for k, v in sampled.items()
                ),
                style="dim",
            )
        )
    parts.append(Text(verdict_line(result), style=_LINE[result.verdict]))
    return Group(*parts)


def audit_markdown(result: AuditResult) -> str:
    """A Markdown summary for a pull request or an issue: verdict, what to fix, learnability."""
    icon = {"go": "✅", "go_with_fixes": "⚠️", "no_go": "❌"}[result.verdict]
    lines = [
        f"### {icon} modelpact audit: {md_code(result.source)} — "
        f"**{result.verdict.replace('_', ' ')}**",
        "",
        f"{result.n_rows:,} rows, {result.n_columns} columns; target {md_code(result.target)} "
        f"({result.task})"
        + (f"; test {md_code(result.test_source)}" if result.test_source else ""),
        "",
    ]
    to_fix = [f for f in result.findings if f.severity in ("critical", "warning")]
    if to_fix:
        lines += ["| severity | check | finding | fix |", "|---|---|---|---|"]
        for f in sorted(to_fix, key=lambda f: f.severity != "critical"):
            cells = (f.severity, md_code(f.check, in_table=True), md_text(f.message), md_text(f.fix))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    metrics = (result.learnability or {}).get("metrics", {})
    rows = [(name, e) for name, e in metrics.items() if "model" in e]
    if rows:
        lines += ["| metric | quick model | baseline | difference |", "|---|---:|---:|---:|"]
        for name, e in rows:
            lines.append(
                f"| {md_text(name)} | {_iv(e['model'])} | {_iv(e.get('baseline'))} | "
                f"{_iv(e.get('difference'), signed=True)} |"
            )
        lines.append("")
    lines += [verdict_line(result), ""]
    return "\n".join(lines)


def _iv(entry: dict[str, Any] | None, signed: bool = False) -> str:
    if not entry:
        return "–"
    f = "{:+.3f}" if signed else "{:.3f}"
    return f"{f.format(entry['estimate'])} [{f.format(entry['low'])}, {f.format(entry['high'])}]"


def _findings_table(findings: list[Any]) -> str:
    rows = [
        (
            f.severity,
            f.message,
            ", ".join(f.columns),
            f.n_affected or "",
            ", ".join(map(str, f.rows[:8])),
            f.fix,
        )
        for f in findings
    ]
    return table_html(
        ["severity", "finding", "columns", "rows affected", "example rows", "fix"],
        rows,
        status_column=0,
    )


def _figures(name: str, summary: dict[str, Any], result: AuditResult) -> list[str]:
    """Plots for the checks that have something to draw."""
    out: list[str] = []
    if name == "missing_values" and summary.get("missing_share"):
        shares = {k: v for k, v in summary["missing_share"].items() if v > 0}
        if shares:
            fig = go.Figure(go.Bar(x=list(shares), y=list(shares.values())))
            fig.update_layout(title="share of missing values", yaxis_tickformat=".0%", height=320)
            out.append(figure_html(fig))
    elif name == "class_imbalance" and summary.get("counts"):
        counts = summary["counts"]
        fig = go.Figure(go.Bar(x=list(counts), y=list(counts.values())))
        fig.update_layout(title="rows per class", height=300)
        out.append(figure_html(fig))
    elif name == "label_errors" and summary.get("quality_histogram"):
        hist = summary["quality_histogram"]
        fig = go.Figure(go.Bar(x=[i / 20 + 0.025 for i in range(20)], y=hist))
        fig.update_layout(
            title="label quality (cleanlab self-confidence)",
            height=300,
            xaxis_title="quality",
            yaxis_title="rows",
        )
        out.append(figure_html(fig))
    elif name == "target_leakage" and summary.get("alone"):
        alone = dict(sorted(summary["alone"].items(), key=lambda kv: -kv[1]))
        fig = go.Figure(go.Bar(x=list(alone), y=list(alone.values())))
        fig.update_layout(title="each feature alone (out-of-fold score)", height=320)
        out.append(figure_html(fig))
    elif name == "split_drift" and summary.get("features"):
        eff = dict(
            sorted(
                ((k, v["effect"]) for k, v in summary["features"].items()), key=lambda kv: -kv[1]
            )
        )
        fig = go.Figure(go.Bar(x=list(eff), y=list(eff.values())))
        fig.add_hline(y=0.1, line_dash="dash", annotation_text="drift threshold")
        fig.update_layout(title="train vs test effect size per feature", height=320)
        out.append(figure_html(fig))
        for feature, dist in (summary.get("distributions") or {}).items():
            fig = go.Figure(
                [
                    go.Bar(x=dist["bins"], y=dist["train"], name="train"),
                    go.Bar(x=dist["bins"], y=dist["test"], name="test"),
                ]
            )
            fig.update_layout(
                title=f"distribution of {feature}: train vs test",
                barmode="group",
                yaxis_tickformat=".0%",
                height=300,
            )
            out.append(figure_html(fig))
        auc = summary.get("domain_auc")
        if auc:
            out.append(
                table_html(
                    ["domain classifier", "AUC", "low", "high", "method"],
                    [("train vs test", auc["estimate"], auc["low"], auc["high"], auc["method"])],
                )
            )
    elif name == "temporal_drift" and summary.get("features"):
        fig = go.Figure()
        windows = list(range(1, len(summary["windows"]) + 1))
        ranked = sorted(summary["features"].items(), key=lambda kv: -max(kv[1]))[:6]
        for feature, values in ranked:
            fig.add_trace(go.Scatter(x=windows, y=values, mode="lines+markers", name=feature))
        fig.add_trace(
            go.Scatter(
                x=windows,
                y=summary["label_effect"],
                mode="lines+markers",
                name=f"label ({result.target})",
                line={"dash": "dot"},
            )
        )
        fig.add_hline(y=0.1, line_dash="dash")
        fig.update_layout(
            title="effect size of each time window vs the first",
            height=340,
            xaxis_title="time window",
        )
        out.append(figure_html(fig))
        labels = summary.get("label") or []
        if labels and isinstance(labels[0], list) and result.classes:
            fig = go.Figure(
                [
                    go.Scatter(
                        x=windows, y=[row[k] for row in labels], mode="lines+markers", name=str(cls)
                    )
                    for k, cls in enumerate(result.classes)
                ]
            )
            fig.update_layout(
                title=f"share of each '{result.target}' class per time window",
                yaxis_tickformat=".0%",
                height=300,
                xaxis_title="time window",
            )
            out.append(figure_html(fig))
    elif name == "learnability":
        curves = summary.get("curves") or {}
        drawn = [(m, c) for m, c in curves.items() if c.get("sizes")]
        if drawn:
            first = drawn[0][1]
            out.append(
                f"<p>Learning curve of {html.escape(str(first.get('model', summary.get('model', ''))))}: "
                f"{html.escape(str(first.get('design', '')))}. Training rows are the model's own; "
                "evaluation rows come on top.</p>"
            )
        for metric, curve in drawn:
            out.append(figure_html(_learning_curve_figure(metric, curve, summary)))
    return out


def _learning_curve_figure(metric: str, curve: dict[str, Any], summary: dict[str, Any]) -> go.Figure:
    """Measured points with their interval, the fitted curve with its band, each threshold
    and where the projection crosses it (with the interval of rows needed)."""
    level = curve.get("level", 0.95)
    fig = go.Figure()
    chart = curve.get("chart")
    if chart:
        fig.add_trace(go.Scatter(x=chart["x"], y=chart["high"], mode="lines", line={"width": 0},
                                 hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=chart["x"], y=chart["low"], mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor="rgba(31,119,180,0.18)",
                                 name=f"projection, {level:.0%} band"))
        fig.add_trace(go.Scatter(x=chart["x"], y=chart["y"], mode="lines",
                                 line={"color": "rgb(31,119,180)", "dash": "dash"},
                                 name="projection (median of the weighted fits)"))
    scores = curve["scores"]
    band = curve.get("score_interval") or [[v, v] for v in scores]
    fig.add_trace(go.Scatter(
        x=curve["sizes"], y=scores, mode="markers", marker={"color": "black", "size": 7},
        error_y={"type": "data", "symmetric": False,
                 "array": [hi - v for v, (_, hi) in zip(scores, band, strict=True)],
                 "arrayminus": [v - lo for v, (lo, _) in zip(scores, band, strict=True)]},
        name=f"measured ({curve.get('repetitions', '?')} folds, {level:.0%} interval)"))
    right = max(chart["x"]) if chart else curve["sizes"][-1]
    shown = [c for c in summary.get("criteria", []) if c.get("metric") == metric
             and c.get("threshold") is not None and not c.get("slice")]
    for i, crit in enumerate(shown):
        threshold = crit["threshold"]
        # alternate sides so labels of nearby thresholds do not print over each other
        fig.add_hline(y=threshold, line_dash="dot", line_color="red",
                      annotation_text=f"{crit['criterion']} ({crit['status'].replace('_', ' ')})",
                      annotation_position="top left" if i % 2 == 0 else "bottom right")
        needed = crit.get("rows_needed")
        low, high = crit.get("rows_needed_range") or [None, None]
        if needed is not None and crit.get("status") in ("reachable", "needs_more_data", "cannot_tell"):
            hi = high if high is not None else right
            fig.add_trace(go.Scatter(
                x=[needed], y=[threshold], mode="markers",
                marker={"color": "red", "size": 11, "symbol": "diamond"},
                error_x={"type": "data", "symmetric": False, "array": [max(hi - needed, 0)],
                         "arrayminus": [max(needed - (low or needed), 0)]},
                name=f"{crit['criterion']}: about {needed:,} training rows"
                     + (f" ({low:,}–{high:,})" if high is not None else f" ({low or 0:,}–no upper end)")))
    labelled = summary.get("labelled_rows")
    if labelled:
        fig.add_vline(x=labelled, line_dash="dot", line_color="gray")
        # on a log axis an annotation's x is the exponent (plotly places add_vline's own
        # annotation by the raw value, off the chart)
        fig.add_annotation(x=math.log10(labelled), y=0, yref="paper", yanchor="bottom",
                           xanchor="left", showarrow=False, text=f" {labelled:,} labelled rows",
                           font={"color": "gray", "size": 11})
    fig.update_layout(
        title=f"learning curve and projection ({metric})",
        xaxis_type="log", xaxis_title="training rows", yaxis_title=metric, height=420,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def audit_html(result: AuditResult) -> str:
    """The self-contained HTML page: what to fix first, then a section per check that found
    something (with plots where they help), then the checks that found nothing."""
    to_fix = [f for f in result.findings if f.severity in ("critical", "warning")]
    sections = [
        Section(
            title="What to fix",
            intro=(
                "Blocking findings make the data unfit to learn from until fixed; warnings "
                "are fixes to make before trusting experiments on it."
            )
            if to_fix
            else "No critical finding and no warning.",
            body=[_findings_table(sorted(to_fix, key=lambda f: f.severity != "critical"))]
            if to_fix
            else [],
            anchor="what-to-fix",
        )
    ]
    quiet: list[str] = []
    for name, outcome in result.checks.items():
        title = getattr(CHECKS.get(name), "title", name)
        findings = [f for f in result.findings if f.check == name]
        body: list[str] = []
        if not findings and not outcome.skipped and name != "learnability":
            quiet.append(f"{title} ({name})")
            continue
        if outcome.skipped:
            intro = f"Skipped: {outcome.skipped}."
        else:
            intro = f"{len(findings)} finding(s)." if findings else "Nothing found."
            if outcome.sampled:
                s = outcome.sampled
                intro += (
                    f" Ran on a sample of {s['rows']:,} of {s['of']:,} rows "
                    f"({s['method']}, seed {s['seed']})."
                )
            if findings:
                body.append(_findings_table(findings))
            body.extend(_figures(name, dict(outcome.summary), result))
        sections.append(Section(title=f"{title} ({name})", intro=intro, body=body, anchor=name))
    if quiet:
        sections.append(
            Section(title="Checks that found nothing", intro=", ".join(quiet) + ".", anchor="clean")
        )
    facts = [
        ("data", result.source),
        ("rows", f"{result.n_rows:,}"),
        ("target", f"{result.target} ({result.task})"),
        ("seed", str(result.seed)),
    ]
    if result.test_source:
        facts.append(("test", f"{result.test_source} ({result.n_test_rows:,} rows)"))
    if result.pact:
        facts.append(("pact", result.pact))
    if result.time_column:
        facts.append(("time column", result.time_column))
    return render_page(
        title=f"Data audit: {result.source}",
        verdict=result.verdict,
        summary=verdict_line(result),
        sections=sections,
        facts=facts,
    )


def _rows_table(criteria: list[dict[str, Any]]) -> Table | None:
    """Per pact criterion: training rows to reach it, evaluation rows to decide it."""
    rows = [c for c in criteria if "evaluation_rows_needed" in c]
    if not rows:
        return None
    table = Table(title="rows needed per criterion", header_style="bold",
                  caption="training rows: projected from the learning curve to reach the "
                  "threshold; evaluation rows: for a conclusive verify with 80% power if the "
                  "quick model's estimate is the truth (plan computes the same)",
                  caption_justify="left")
    table.add_column("criterion", no_wrap=True)
    table.add_column("quick model", justify="right")
    table.add_column("training rows", justify="right")
    table.add_column("evaluation rows", justify="right")
    for c in rows:
        training = c.get("rows_needed")
        evaluation = c["evaluation_rows_needed"]
        table.add_row(c["criterion"], f"{c['estimate']:.3f}",
                      "–" if training is None else f"{training:,}",
                      "–" if evaluation is None else f"{evaluation:,}")
    return table
