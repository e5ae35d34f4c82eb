"""Rendering a monitoring run: terminal summary and the self-contained HTML report.

Both read only :meth:`MonitorResult.to_dict` (the ``modelpact.monitor/v1`` contract), so a
result loaded back from JSON renders the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from modelpact.report._tables import table_of
from modelpact.report.charts import drift_heatmap
from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["monitor_html", "print_monitor"]

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow"}
_MAX_TERMINAL_ALERTS = 15


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if x == x else "–"
    return str(x)


def _headline(data: Mapping[str, Any]) -> str | None:
    # the metric to summarise performance by: the first criterion's, else AUC
    names: list[str] = []
    for chunk in data["chunks"]:
        names.extend(e["metric"] for e in chunk["estimated_performance"])
    if not names:
        return None
    for c in data["criteria"]:
        if c["metric"] in names:
            return str(c["metric"])
    return names[0]


def _summary(data: Mapping[str, Any]) -> str:
    alerts = data["alerts"]
    kinds: dict[str, int] = {}
    for a in alerts:
        kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
    n = len(data["chunks"])
    if not alerts:
        return (
            f"No alert in {n} chunks of {data['analysis']['n_rows']:,} rows: no feature "
            "drifted beyond its reference-calibrated threshold and no pact criterion is "
            "estimated or measured to fail."
        )
    parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(kinds.items()))
    text = f"{len(alerts)} alerts in {n} chunks ({parts})."
    chunks = data["chunks"]
    for kind, what in (
        ("drift", "drift"),
        ("estimated_performance", "estimated performance"),
        ("realized_performance", "realized performance"),
    ):
        first = min(
            (a["chunk"] for a in alerts if a["kind"] == kind and a["chunk"] is not None),
            default=None,
        )
        if first is not None:
            features = sorted(
                {
                    a["feature"] or a["metric"]
                    for a in alerts
                    if a["kind"] == kind and a["chunk"] == first
                }
            )
            text += (
                f" First {what} alert in chunk {chunks[first]['key']} ({', '.join(features[:5])})."
            )
    split = [c for c in chunks if any(not e["agree"] for e in c.get("estimate_vs_realized", []))]
    if split:
        text += (
            f" From chunk {split[0]['key']} the labels disagree with the label-free estimate "
            f"({len(split)} chunks): the relation between inputs and labels changed "
            "(concept shift), which only labels can show."
        )
    return text


@dataclass(frozen=True)
class _AlertGroup:
    """Every alert of one kind on one feature or metric, across chunks."""

    kind: str
    subject: str
    severity: str
    chunks: int
    where: str
    message: str


def _alert_groups(data: Mapping[str, Any]) -> list[_AlertGroup]:
    """Alerts grouped by (kind, feature or metric), in order of first appearance."""
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for a in data["alerts"]:
        groups.setdefault((a["kind"], a["feature"] or a["metric"] or ""), []).append(a)
    ordered = sorted(
        groups.items(),
        key=lambda kv: (min(a["chunk"] if a["chunk"] is not None else -1 for a in kv[1]), kv[0]),
    )
    out = []
    for (kind, what), items in ordered:
        severity = "critical" if any(a["severity"] == "critical" for a in items) else "warning"
        chunk_ids = [a["chunk"] for a in items if a["chunk"] is not None]
        where = (
            f"{len(chunk_ids)} chunk(s), first {data['chunks'][min(chunk_ids)]['key']}"
            if chunk_ids
            else "whole analysis"
        )
        out.append(_AlertGroup(kind, what, severity, len(chunk_ids), where, items[0]["message"]))
    return out


def print_monitor(data: Mapping[str, Any], console: Console) -> None:
    """Print a monitoring result (its ``to_dict()``) to *console*."""
    status = data["status"]
    colour = "red" if status == "alert" else "green"
    console.print(
        f"[bold {colour}]{status.upper().replace('_', ' ')}[/] — pact "
        f"'{data['pact']}' ({data['task']}): {_summary(data)}"
    )
    headline = _headline(data)
    headers = ["chunk", "rows", "drifted", "domain AUC"]
    if headline:
        headers += [f"est. {headline}", f"realized {headline}", "labelled"]
    headers.append("alerts")
    alerts_by_chunk: dict[int, int] = {}
    for a in data["alerts"]:
        if a["chunk"] is not None:
            alerts_by_chunk[a["chunk"]] = alerts_by_chunk.get(a["chunk"], 0) + 1
    rows: list[list[str]] = []
    for ch in data["chunks"]:
        # how many columns drifted; which ones, the alert lines below say in full
        drifted = len({d["feature"] for d in ch["drift"] if d["alert"]})
        auc = next((m for m in ch["multivariate"] if m["method"] == "domain_classifier_auc"), None)
        key = ch["key"] + ("\n(partial)" if not ch["alertable"] else "")
        row = [key, f"{ch['n_rows']:,}", f"{drifted}" if drifted else "–",
               _fmt(auc["value"]) if auc else "–"]
        if headline:
            est = next((e for e in ch["estimated_performance"] if e["metric"] == headline), None)
            row.append(f"{_fmt(est['estimate'])}\n[{_fmt(est['ci'][0])}, {_fmt(est['ci'][1])}]"
                       if est else "–")
            real = ch["realized_performance"]
            crit = (next((c for c in real["criteria"] if c["metric"] == headline), None)
                    if real else None)
            row.append(f"{_fmt(crit['estimate'])}\n{crit['status']}" if crit else "–")
            row.append(f"{real['labelled_share']:.0%}" if real else "–")
        count = alerts_by_chunk.get(ch["index"], 0)
        row.append(f"[red]{count}[/]" if count else "0")
        rows.append(row)
    table = table_of(headers, rows, header_style="bold",
                     justify=dict.fromkeys((h for h in headers if h != "chunk"), "right"))
    table.show_edge = False
    console.print(table)
    # alerts grouped by what fired: the story in a few lines, details in --json / --html;
    # a long message wraps under itself, never under the severity
    ordered = _alert_groups(data)
    lines = Table.grid(padding=(0, 1))
    lines.add_column(no_wrap=True, justify="right")
    lines.add_column(no_wrap=True)
    lines.add_column(ratio=1)
    for group in ordered[:_MAX_TERMINAL_ALERTS]:
        lines.add_row(f"[{_SEVERITY_STYLE[group.severity]}]{group.severity}[/]",
                      escape(group.subject or group.kind),
                      escape(f"{group.kind}, {group.where}: {group.message}"))
    if ordered:
        console.print(Padding(lines, (0, 0, 0, 2), expand=False))
    more = len(ordered) - _MAX_TERMINAL_ALERTS
    if more > 0:
        console.print(f"  … and {more} more groups (see --json or --html)")
    for note in data["notes"]:
        console.print(f"[dim]note: {note}[/]")


# --------------------------------------------------------------------------- HTML


def _x(data: Mapping[str, Any]) -> list[str]:
    return [str(c["key"]) for c in data["chunks"]]


def _heatmap(data: Mapping[str, Any]) -> list[str]:
    import plotly.graph_objects as go

    figure = drift_heatmap(data)
    if not figure["data"][0]["y"]:
        return []
    return [figure_html(go.Figure(figure))]


def _drift_figures(data: Mapping[str, Any]) -> list[str]:
    """One chart per drifted column (the heatmap shows every one of them at a glance)."""
    import plotly.graph_objects as go

    x = _x(data)
    drifted = {a["feature"] for a in data["alerts"] if a["kind"] == "drift"}
    ordered = [f["name"] for f in data["features"] if f["name"] in drifted]
    out: list[str] = []
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf"]
    for feature in ordered:
        fig = go.Figure()
        for k, method in enumerate(data["drift_methods"]):
            rows = [
                next(
                    (d for d in ch["drift"] if d["feature"] == feature and d["method"] == method),
                    None,
                )
                for ch in data["chunks"]
            ]
            if not any(rows):
                continue
            colour = palette[k % len(palette)]
            fig.add_scatter(
                x=x,
                y=[r["value"] if r else None for r in rows],
                name=method,
                mode="lines+markers",
                line={"color": colour},
            )
            fig.add_scatter(
                x=x,
                y=[r["threshold"] if r else None for r in rows],
                name=f"{method} threshold",
                mode="lines",
                line={"color": colour, "dash": "dash"},
            )
            hits = [(xi, r["value"]) for xi, r in zip(x, rows, strict=True) if r and r["alert"]]
            if hits:
                fig.add_scatter(
                    x=[h[0] for h in hits],
                    y=[h[1] for h in hits],
                    mode="markers",
                    name=f"{method} alert",
                    marker={"color": "#d62728", "size": 12, "symbol": "x"},
                )
        fig.update_layout(
            title=f"{feature}" + ("  — drift alert" if feature in drifted else ""),
            height=260,
            yaxis_title="distance",
            showlegend=True,
        )
        out.append(figure_html(fig))
    return out


def _multivariate_figure(data: Mapping[str, Any]) -> list[str]:
    from plotly.subplots import make_subplots

    x = _x(data)
    methods = []
    for ch in data["chunks"]:
        for m in ch["multivariate"]:
            if m["method"] not in methods:
                methods.append(m["method"])
    if not methods:
        return []
    fig = make_subplots(rows=len(methods), cols=1, subplot_titles=methods, shared_xaxes=True)
    for i, method in enumerate(methods, start=1):
        rows = [
            next((m for m in ch["multivariate"] if m["method"] == method), None)
            for ch in data["chunks"]
        ]
        if any(r and r["ci"] for r in rows):
            lows = [r["ci"][0] if r and r["ci"] else None for r in rows]
            highs = [r["ci"][1] if r and r["ci"] else None for r in rows]
            fig.add_scatter(
                x=x, y=highs, mode="lines", line={"width": 0}, showlegend=False, row=i, col=1
            )
            fig.add_scatter(
                x=x,
                y=lows,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(31,119,180,0.2)",
                name="interval",
                row=i,
                col=1,
            )
        fig.add_scatter(
            x=x,
            y=[r["value"] if r else None for r in rows],
            name=method,
            mode="lines+markers",
            line={"color": "#1f77b4"},
            row=i,
            col=1,
        )
        fig.add_scatter(
            x=x,
            y=[r["threshold"] if r else None for r in rows],
            name="threshold",
            mode="lines",
            line={"color": "#d62728", "dash": "dash"},
            row=i,
            col=1,
        )
        hits = [(xi, r["value"]) for xi, r in zip(x, rows, strict=True) if r and r["alert"]]
        _mark_alerts(fig, hits, size=12, row=i, col=1)
    fig.update_layout(height=260 * len(methods))
    return [figure_html(fig)]


def _performance_figures(data: Mapping[str, Any]) -> list[str]:
    import plotly.graph_objects as go

    x = _x(data)
    metrics: list[str] = []
    for ch in data["chunks"]:
        for e in ch["estimated_performance"]:
            if e["metric"] not in metrics:
                metrics.append(e["metric"])
        if ch["realized_performance"]:
            for c in ch["realized_performance"]["criteria"]:
                if c["metric"] not in metrics and c["kind"] == "absolute":
                    metrics.append(c["metric"])
    out: list[str] = []
    for metric in metrics:
        fig = go.Figure()
        est = [
            next((e for e in ch["estimated_performance"] if e["metric"] == metric), None)
            for ch in data["chunks"]
        ]
        if any(est):
            fig.add_scatter(
                x=x,
                y=[e["ci"][1] if e else None for e in est],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
            fig.add_scatter(
                x=x,
                y=[e["ci"][0] if e else None for e in est],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(31,119,180,0.2)",
                name="estimate band",
                hoverinfo="skip",
            )
            fig.add_scatter(
                x=x,
                y=[e["estimate"] if e else None for e in est],
                mode="lines+markers",
                name="estimated (no labels)",
                line={"color": "#1f77b4"},
            )
        real = [
            next(
                (
                    c
                    for c in (ch["realized_performance"] or {}).get("criteria", [])
                    if c["metric"] == metric
                    and c["kind"] == "absolute"
                    and c["estimate"] is not None
                ),
                None,
            )
            for ch in data["chunks"]
        ]
        if any(real):
            fig.add_scatter(
                x=x,
                y=[r["estimate"] if r else None for r in real],
                mode="markers",
                name="realized (labels)",
                marker={"color": "#2ca02c", "size": 9},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        r["ci"][1] - r["estimate"] if r and r["ci"][1] is not None else None
                        for r in real
                    ],
                    "arrayminus": [
                        r["estimate"] - r["ci"][0] if r and r["ci"][0] is not None else None
                        for r in real
                    ],
                },
            )
        for c in data["criteria"]:
            bound = c["at_least"] if c["at_least"] is not None else c["at_most"]
            if c["metric"] == metric and bound is not None and not c["slice"]:
                fig.add_hline(
                    y=bound,
                    line={"color": "#d62728", "dash": "dash"},
                    annotation_text=f"pact: {c['label']}",
                )
        flagged = {
            a["chunk"]
            for a in data["alerts"]
            if a["metric"] == metric
            and a["kind"] in ("estimated_performance", "realized_performance")
        }
        hits = [
            (x[i], (est[i] or {}).get("estimate"))
            for i in sorted(flagged)
            if i is not None and i < len(x)
        ]
        _mark_alerts(fig, [(a, b) for a, b in hits if b is not None], size=13)
        fig.update_layout(title=metric, height=320, yaxis_title=metric)
        out.append(figure_html(fig))
    return out


def _mark_alerts(fig: Any, hits: Sequence[tuple[Any, Any]], *, size: int, **where: Any) -> None:
    """Red crosses on the points that raised an alert (``where``: a subplot's row and col)."""
    if hits:
        fig.add_scatter(x=[h[0] for h in hits], y=[h[1] for h in hits], mode="markers",
                        name="alert", marker={"color": "#d62728", "size": size, "symbol": "x"},
                        **where)


def _alert_group_table(data: Mapping[str, Any]) -> str:
    rows = [[g.severity, g.kind, g.subject, g.where, g.message] for g in _alert_groups(data)]
    return table_html(
        ["severity", "kind", "feature or metric", "where", "first alert"], rows, status_column=0
    )


def _alert_table(alerts: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            a["severity"],
            a["kind"],
            a["chunk_key"] or "analysis",
            a["feature"] or "",
            a["metric"] or "",
            a["value"],
            a["threshold"],
            a["message"],
        ]
        for a in alerts
    ]
    return table_html(
        ["severity", "kind", "chunk", "feature", "metric", "value", "threshold", "message"],
        rows,
        status_column=0,
    )


def monitor_html(data: Mapping[str, Any]) -> str:
    """The self-contained HTML page for a monitoring result (its ``to_dict()``)."""
    sections = []
    alerts = data["alerts"]
    sections.append(
        Section(
            "Alerts",
            "What fired, grouped by feature or metric, with the chunk where it began; every single "
            "alert (value and threshold per chunk) is listed under 'All alerts' at the end."
            if alerts
            else "No alert was raised.",
            [_alert_group_table(data)] if alerts else [],
            anchor="alerts",
        )
    )
    heatmap = _heatmap(data)
    if heatmap:
        sections.insert(0, Section(
            "Drift: features × chunks",
            "Each cell is a feature's largest drift statistic on a chunk divided by its "
            "calibrated threshold: red cells crossed it. Where and when drift started, in one "
            "picture; the drifted features are charted one by one under 'Univariate drift'.",
            heatmap,
            anchor="drift-map",
        ))
    perf = _performance_figures(data)
    if perf:
        sections.append(
            Section(
                "Performance: estimated and realized",
                "Blue: performance estimated from the model's scores alone (CBPE / DLE), with the "
                "band a chunk of that size should fall in. Green: performance measured on the "
                "labels that have arrived, with its confidence interval. Red dashed: the pact's "
                "threshold.",
                perf,
                anchor="performance",
            )
        )
    sections.append(
        Section(
            "Univariate drift",
            "Distance of each chunk from the reference per feature and method (solid) against its "
            "threshold (dashed), calibrated on the reference by leave-chunk-out. False alarms: "
            f"at most {data['false_alarm_rate']:g} per chunk across all checks (univariate, "
            "multivariate, missing values), so at most "
            f"{(data.get('alarm_budget') or {}).get('per_run', data['false_alarm_rate']):.2g} "
            "for the whole run. Charts follow for each column that drifted"
            + ("." if any(a["kind"] == "drift" for a in alerts) else ": none did."),
            _drift_figures(data),
            anchor="drift",
        )
    )
    multi = _multivariate_figure(data)
    if multi:
        sections.append(
            Section(
                "Multivariate drift",
                "A classifier trained to tell each chunk from the reference (AUC 0.5: it cannot; "
                "the band is its DeLong interval), and the PCA reconstruction error of the chunk's "
                "rows (it rises when correlations between features break).",
                multi,
                anchor="multivariate",
            )
        )
    quality_rows = [
        [f["severity"], f["check"], ", ".join(f["columns"]), f["message"]] for f in data["findings"]
    ]
    sections.append(
        Section(
            "Data quality",
            "Columns missing, added or of another type than in the reference; missing-value spikes "
            "and new categories appear among the alerts.",
            [table_html(["severity", "check", "columns", "message"], quality_rows, status_column=0)]
            if quality_rows
            else [],
            anchor="data-quality",
        )
    )
    chunk_rows = [
        [
            c["key"],
            c["n_rows"],
            "yes" if c["alertable"] else "no (partial)",
            sum(1 for d in c["drift"] if d["alert"]),
        ]
        for c in data["chunks"]
    ]
    sections.append(
        Section(
            "Chunks",
            "",
            [table_html(["chunk", "rows", "alerts raised", "drift alerts"], chunk_rows)],
            anchor="chunks",
        )
    )
    if alerts:
        sections.append(
            Section(
                "All alerts",
                "Each alert names its kind, the chunk, the feature or metric, the value and the "
                "threshold it crossed.",
                [_alert_table(alerts)],
                anchor="all-alerts",
            )
        )
    facts = [
        ("pact", f"{data['pact']} ({data['task']})"),
        ("reference", f"{data['reference']['source']} ({data['reference']['n_rows']:,} rows)"),
        ("analysis", f"{data['analysis']['source']} ({data['analysis']['n_rows']:,} rows)"),
        (
            "chunking",
            f"by {data['chunking']['by']}: {data['chunking']['value']} "
            f"({data['chunking']['n_chunks']} chunks)",
        ),
        ("drift methods", ", ".join(data["drift_methods"])),
    ]
    facts.extend(("note", n) for n in data["notes"])
    return render_page(
        title=f"Monitoring: {data['pact']}",
        verdict=data["status"],
        summary=_summary(data),
        sections=sections,
        facts=facts,
    )
