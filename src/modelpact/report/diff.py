"""Rendering a :class:`~modelpact.evaluate.diff.BehaviourDiff`: terminal, Markdown and HTML."""

from __future__ import annotations

import html as _html
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from modelpact.evaluate.diff import BehaviourDiff, DataDiff, SliceChange
from modelpact.report._markdown import md_code, md_text
from modelpact.report._tables import table_of
from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["diff_html", "diff_markdown", "diff_panel"]

_TOP_DRIFT = 10


def _g(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _signed(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:+.{digits}g}"


def _slice_ci(s: SliceChange) -> str:
    if s.difference is None:
        return s.note or "–"
    return f"{_signed(s.difference)} [{_signed(s.low)}, {_signed(s.high)}]"


def _slice_status(s: SliceChange) -> str:
    if s.low is None or s.high is None:
        return "–"
    if s.low > 0 or s.high < 0:
        return "changed"
    return "no clear change"


def _flip_rows(result: BehaviourDiff) -> list[list[Any]]:
    return [[str(f.a), str(f.b), f.count, f"{f.share:.2%}"] for f in result.flips if f.a != f.b]


def _change_rows(result: BehaviourDiff) -> list[list[Any]]:
    c = result.changes
    if c is None:
        return []
    rows: list[list[Any]] = [[f"q{q:g}", _signed(v, 4)] for q, v in c.quantiles]
    rows += [
        ["mean", _signed(c.mean, 4)],
        ["mean absolute Δ", _g(c.mean_abs)],
        ["share up", f"{c.share_up:.1%}"],
        ["share down", f"{c.share_down:.1%}"],
    ]
    return rows


def _drift_rows(d: DataDiff) -> list[list[Any]]:
    return [
        [
            f.column,
            f.kind,
            f"{f.js_distance:.3f}",
            _signed(f.smd, 2) if f.smd is not None else "–",
            f.largest_change,
        ]
        for f in d.drift[:_TOP_DRIFT]
    ]


def diff_panel(result: BehaviourDiff) -> Group:
    """A rich renderable: summary, flips, where behaviour changed, slices, training data."""
    head = Text.assemble(
        ("diff", "bold"),
        f"  {result.a} ({result.sources.get(result.a, '')}) → "
        f"{result.b} ({result.sources.get(result.b, '')}) on {result.n_rows:,} rows of "
        f"{result.data_source}",
    )
    parts: list[Any] = [head, Text("\n".join(result.summary_lines()))]
    flips = _flip_rows(result)
    if flips:
        t = Table(header_style="bold", title="flips (changed predictions)", title_justify="left")
        for col, just in (("A", "left"), ("B", "left"), ("rows", "right"), ("share", "right")):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        for row in flips:
            t.add_row(*[f"{v:,}" if isinstance(v, int) else str(v) for v in row])
        parts.append(t)
    if result.changes is not None:
        t = Table(
            header_style="bold", title=f"{result.changes.what} change B − A", title_justify="left"
        )
        t.add_column("statistic")
        t.add_column("value", justify="right")
        for row in _change_rows(result):
            t.add_row(*row)
        parts.append(t)
    if result.rules:
        parts.append(table_of(
            ["rule", "rows", "changed", "share of changes", "mostly"],
            [[" and ".join(r.conditions) or "all rows", f"{r.n:,} ({r.support:.0%})",
              f"{r.flip_rate:.0%}", f"{r.share_of_flips:.0%}", r.main_change]
             for r in result.rules],
            title="where predictions changed", header_style="bold", wrap={"rule", "mostly"},
            justify=dict.fromkeys(("rows", "changed", "share of changes"), "right")))
    if result.slices:
        rows: list[list[str | Text]] = []
        for s in result.slices:
            status = _slice_status(s)
            rows.append([s.label, s.metric, f"{s.n:,}", f"{s.flip_rate:.1%}", _g(s.a), _g(s.b),
                         _slice_ci(s).replace(" [", "\n[", 1),
                         Text(status, style="bold" if status == "changed" else "dim")])
        parts.append(table_of(
            ["slice", "metric", "rows", "changed", "A", "B", "B − A", "change"], rows,
            title=f"metric change B − A ({result.confidence:.0%} paired CI)",
            header_style="bold", wrap={"change"},
            justify=dict.fromkeys(("rows", "changed", "A", "B", "B − A"), "right")))
    if result.data_diff is not None:
        d = result.data_diff
        parts.append(Text("training data A → B", style="bold"))
        parts.append(Text("\n".join(d.summary_lines())))
        # the summary already names the first rule of each kind
        for label, rules in (("removed", d.removed_rules[1:]), ("added", d.added_rules[1:])):
            for r in rules:
                parts.append(Text(f"  also {label} where {r.text}"))
        parts.append(table_of(
            ["column", "kind", "JS distance", "SMD", "largest change"],
            [list(row) for row in _drift_rows(d)], title="feature drift (largest first)",
            header_style="bold", wrap={"largest change"}))
    for note in result.notes:
        parts.append(Text(f"note: {note}", style="yellow"))
    return Group(*parts)


def diff_markdown(result: BehaviourDiff) -> str:
    """A Markdown behaviour diff for a pull request."""
    lines = [
        f"### modelpact diff: {md_code(result.a)} → {md_code(result.b)} on {result.n_rows:,} rows",
        "",
        *[f"- {md_text(line)}" for line in result.summary_lines()],
        "",
    ]
    flips = _flip_rows(result)
    if flips:
        lines += ["**Flips**", "", "| A | B | rows | share |", "|---|---|---:|---:|"]
        lines += [
            f"| {md_text(a)} | {md_text(b)} | {n:,} | {share} |" for a, b, n, share in flips
        ]
        lines.append("")
    if result.changes is not None:
        lines += [
            f"**{result.changes.what} change B − A**",
            "",
            "| statistic | value |",
            "|---|---:|",
        ]
        lines += [f"| {k} | {v} |" for k, v in _change_rows(result)]
        lines.append("")
    if result.rules:
        lines += ["**Where predictions changed**", ""]
        lines += [f"- {md_text(r.text)}" for r in result.rules]
        lines.append("")
    if result.slices:
        lines += [
            f"**Metric change B − A** ({result.confidence:.0%} paired intervals)",
            "",
            "| slice | metric | rows | changed | A | B | B − A | |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {md_text(s.label)} | {md_text(s.metric)} | {s.n:,} | {s.flip_rate:.1%} | {_g(s.a)} | {_g(s.b)} | "
            f"{_slice_ci(s)} | {_slice_status(s)} |"
            for s in result.slices
        ]
        lines.append("")
    if result.data_diff is not None:
        d = result.data_diff
        lines += ["**Training data A → B**", ""]
        lines += [f"- {md_text(line)}" for line in d.summary_lines()]
        lines += [f"- also removed where {md_text(r.text)}" for r in d.removed_rules[1:]]
        lines += [f"- also added where {md_text(r.text)}" for r in d.added_rules[1:]]
        lines += [
            "",
            "| column | kind | JS distance | SMD | largest change |",
            "|---|---|---:|---:|---|",
        ]
        lines += [f"| {' | '.join(md_text(c) for c in row)} |" for row in _drift_rows(d)]
        lines.append("")
    lines += [f"> note: {md_text(n)}" for n in result.notes]
    return "\n".join(lines) + "\n"


def _slice_figure(result: BehaviourDiff) -> str:
    fig = slice_figure(result)
    return "" if fig is None else figure_html(fig)


def slice_figure(result: BehaviourDiff) -> Any:
    """B − A of the first metric by slice with intervals; ``None`` without slices."""
    import plotly.graph_objects as go

    metric = result.slices[0].metric
    rows = [s for s in result.slices if s.metric == metric and s.difference is not None][::-1]
    if not rows:
        return None
    fig = go.Figure(
        go.Scatter(
            x=[s.difference for s in rows],
            y=[s.label for s in rows],
            mode="markers",
            marker={
                "size": 9,
                "color": ["#cf222e" if _slice_status(s) == "changed" else "#57606a" for s in rows],
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(s.high or 0) - (s.difference or 0) for s in rows],
                "arrayminus": [(s.difference or 0) - (s.low or 0) for s in rows],
            },
            hovertemplate="%{y}: %{x:+.4g}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_dash="dot")
    fig.update_layout(
        title=f"{metric}: B − A by slice",
        height=140 + 28 * len(rows),
        xaxis_title=f"{metric} B − A",
    )
    return fig


def diff_html(result: BehaviourDiff) -> str:
    """The self-contained HTML report of a behaviour diff."""
    esc = _html.escape
    sections = [
        Section(
            "Summary",
            body=[
                "<ul>"
                + "".join(f"<li>{esc(line)}</li>" for line in result.summary_lines())
                + "</ul>"
            ],
        )
    ]
    flips = _flip_rows(result)
    if flips:
        sections.append(
            Section(
                "Flips",
                intro="Rows whose predicted class changed, by (A, B).",
                body=[table_html(["A", "B", "rows", "share"], flips)],
            )
        )
    if result.changes is not None:
        sections.append(
            Section(
                f"{result.changes.what.capitalize()} changes",
                intro="Distribution of B − A over rows.",
                body=[table_html(["statistic", "value"], _change_rows(result))],
            )
        )
    sections.append(
        Section(
            "Where behaviour changed",
            intro=(
                f"Rules from a decision tree (depth {result.max_depth}, leaves of at least "
                f"{result.min_leaf_share:.0%} of rows) fitted to 'prediction changed'."
            ),
            body=[
                table_html(
                    ["rule", "rows", "share of rows", "changed", "share of changes", "mostly"],
                    [
                        [
                            " and ".join(r.conditions) or "all rows",
                            r.n,
                            f"{r.support:.1%}",
                            f"{r.flip_rate:.1%}",
                            f"{r.share_of_flips:.0%}",
                            r.main_change,
                        ]
                        for r in result.rules
                    ],
                )
                if result.rules
                else "<p>The two versions agree on every row.</p>"
            ],
        )
    )
    if result.slices:
        figure = _slice_figure(result)
        sections.append(
            Section(
                "Metric changes by slice",
                intro=f"B − A with {result.confidence:.0%} paired intervals.",
                body=[
                    part
                    for part in (
                        figure,
                        table_html(
                            ["slice", "metric", "rows", "changed", "A", "B", "B − A", "status"],
                            [
                                [
                                    s.label,
                                    s.metric,
                                    s.n,
                                    f"{s.flip_rate:.1%}",
                                    s.a,
                                    s.b,
                                    _slice_ci(s),
                                    _slice_status(s),
                                ]
                                for s in result.slices
                            ],
                        ),
                    )
                    if part
                ],
            )
        )
    if result.data_diff is not None:
        d = result.data_diff
        items = (
            d.summary_lines()
            + [f"also removed where {r.text}" for r in d.removed_rules[1:]]
            + [f"also added where {r.text}" for r in d.added_rules[1:]]
        )
        sections.append(
            Section(
                "Training data diff",
                intro="How the training set of B differs from A's.",
                body=[
                    "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>",
                    table_html(
                        ["column", "kind", "JS distance", "SMD", "largest change"], _drift_rows(d)
                    ),
                ],
            )
        )
    if result.notes:
        sections.append(
            Section(
                "Notes",
                body=["<ul>" + "".join(f"<li>{esc(n)}</li>" for n in result.notes) + "</ul>"],
            )
        )
    dis = result.disagreement
    facts = [
        ("A", f"{result.a} ({result.sources.get(result.a, '')})"),
        ("B", f"{result.b} ({result.sources.get(result.b, '')})"),
        ("data", result.data_source),
        ("rows", f"{result.n_rows:,}"),
        ("task", result.task),
        ("confidence", f"{result.confidence:.0%}"),
    ]
    return render_page(
        title=f"modelpact diff: {result.a} → {result.b}",
        verdict=f"{dis.rate:.1%} of predictions changed",
        summary=result.summary_lines()[0],
        sections=sections,
        facts=facts,
    )
