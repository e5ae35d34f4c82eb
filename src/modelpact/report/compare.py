"""Rendering a :class:`~modelpact.evaluate.compare.Comparison`: terminal, Markdown and HTML."""

from __future__ import annotations

import html as _html
from typing import Any

from rich.console import Group
from rich.text import Text

from modelpact.evaluate.compare import Comparison, MetricBoard, PairedDifference
from modelpact.report._markdown import md_code, md_text
from modelpact.report._tables import table_of
from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["compare_html", "compare_markdown", "compare_panel", "compare_summary"]


def _g(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _signed(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:+.{digits}g}"


def _ci(low: float | None, high: float | None, signed: bool = False) -> str:
    fmt = _signed if signed else _g
    return f"[{fmt(low)}, {fmt(high)}]"


def _mark(board: MetricBoard, model: str) -> str:
    if model == board.best:
        return "★"
    if model in board.indistinguishable_from_best:
        return "≈"
    return ""


def _display(result: Comparison, model: str) -> str:
    if model == result.baseline and "baseline" not in model:
        return f"{model} (baseline)"
    return model


def _count(result: Comparison) -> str:
    n = len(result.models) - (1 if result.baseline_kind not in (None, "model") else 0)
    extra = " and a baseline" if result.baseline_kind not in (None, "model") else ""
    return f"{n} model(s){extra}"


def _versus(d: PairedDifference) -> str:
    """pass (separated and better), fail (separated and worse) or inconclusive."""
    if not d.distinguishable:
        return "inconclusive"
    return "pass" if d.better else "fail"


def _p(value: float) -> str:
    if value < 1e-4:
        return "<1e-4"
    return f"{value:.2g}" if value < 0.01 else f"{value:.3f}"


def _diff_cell(d: PairedDifference | None) -> str:
    if d is None:
        return ""
    return f"{_signed(d.difference)} {_ci(d.low, d.high, signed=True)} p={_p(d.p_adjusted)}"


def compare_summary(result: Comparison) -> list[str]:
    """One sentence per metric: the best model and which ones cannot be told apart from it."""
    lines = []
    for b in result.boards:
        tied = [m for m in b.indistinguishable_from_best if m != b.best]
        text = f"{b.metric}: best {b.best} ({_g(b.estimate(b.best).estimate)})"
        if tied:
            text += f"; indistinguishable from it: {', '.join(tied)}"
        else:
            text += "; every other model is separated from it"
        if result.baseline:
            beat = [d.model for d in b.vs_baseline if d.distinguishable and d.better]
            text += f"; {len(beat)} of {len(b.vs_baseline)} beat the baseline"
        lines.append(text)
    return lines


def _correction_note(result: Comparison) -> str:
    level = 1 - result.confidence
    return (
        f"Intervals: {result.confidence:.0%} per comparison. p: Holm-adjusted within each "
        f"metric and reference (two-sided, paired); ≈ marks models whose difference from the "
        f"best ★ is not significant at {level:.2g}."
    )


def compare_panel(result: Comparison) -> Group:
    """A rich renderable: the leaderboard, then paired differences per metric."""
    head = Text.assemble(
        ("compare", "bold"),
        f"  {_count(result)} on {result.n_rows:,} paired rows"
        + (f" (id '{result.id_column}')" if result.id_column else "")
        + f", {result.task}",
    )
    metrics = [f"{b.metric} {'↑' if b.greater_is_better else '↓'}" for b in result.boards]
    ranked = []
    for rank, model in enumerate(result.models, start=1):
        cells: list[str | Text] = [str(rank), _display(result, model)]
        for b in result.boards:
            e = b.estimate(model)
            mark = _mark(b, model)
            style = "bold green" if mark == "★" else ("green" if mark == "≈" else "")
            cells.append(
                # three digits for the bounds: four metrics side by side fit 100 columns
                Text(f"{mark} {_g(e.estimate)}\n[{_g(e.low, 3)}, {_g(e.high, 3)}]".strip(),
                     style=style)
            )
        ranked.append(cells)
    # the model column never wraps: rows told apart by a name's end must show all of it
    board = table_of(["#", "model", *metrics], ranked, title="leaderboard", header_style="bold",
                     justify={"#": "right", **dict.fromkeys(metrics, "right")})
    parts: list[Any] = [head, board]
    for b in result.boards:
        versus = "Δ vs best"  # the best's name is in the title: a header never cuts it
        headers = ["model", versus] + (["Δ vs baseline"] if result.baseline else [])
        rows: list[list[str | Text]] = []
        for e in b.estimates:
            if e.model == result.baseline:
                continue
            row: list[str | Text] = [e.model, _two_lines(_diff_cell(b.versus_best(e.model))) or "best"]
            if result.baseline:
                row.append(_two_lines(_diff_cell(b.versus_baseline(e.model))))
            rows.append(row)
        parts.append(table_of(headers, rows,
                              title=f"{b.metric}: paired differences (best: {b.best})",
                              header_style="bold",
                              justify={versus: "right", "Δ vs baseline": "right"}))
    parts.append(Text("\n".join(compare_summary(result))))
    parts.append(Text(_correction_note(result), style="dim"))
    for note in result.notes:
        parts.append(Text(f"note: {note}", style="yellow"))
    return Group(*parts)


def _two_lines(cell: str) -> str:
    # the difference and its interval on one line, the p-value under them
    return cell.replace(" p=", "\np=")


def compare_markdown(result: Comparison) -> str:
    """A Markdown leaderboard for a pull request."""
    lines = [
        f"### modelpact compare: {_count(result)} on {result.n_rows:,} paired rows",
        "",
        "| # | model | "
        + " | ".join(
            f"{md_text(b.metric)} {'↑' if b.greater_is_better else '↓'}" for b in result.boards
        )
        + " |",
        "|---:|---|" + "---:|" * len(result.boards),
    ]
    for rank, model in enumerate(result.models, start=1):
        cells = []
        for b in result.boards:
            e = b.estimate(model)
            mark = _mark(b, model)
            text = f"{_g(e.estimate)} {_ci(e.low, e.high)}"
            cells.append(f"**{mark} {text}**" if mark == "★" else f"{mark} {text}".strip())
        name = md_code(model, in_table=True) + (
            " (baseline)" if model == result.baseline and "baseline" not in model else ""
        )
        lines.append(f"| {rank} | {name} | " + " | ".join(cells) + " |")
    lines.append("")
    for b in result.boards:
        lines.append(f"**{md_text(b.metric)}** — paired differences (Δ = model − reference):")
        lines.append("")
        header = f"| model | Δ vs best ({md_code(b.best, in_table=True)}) |" + (
            " Δ vs baseline |" if result.baseline else ""
        )
        lines.append(header)
        lines.append("|---|---:|" + ("---:|" if result.baseline else ""))
        for e in b.estimates:
            if e.model == result.baseline:
                continue
            row = f"| {md_code(e.model, in_table=True)} | {_diff_cell(b.versus_best(e.model)) or 'best'} |"
            if result.baseline:
                row += f" {_diff_cell(b.versus_baseline(e.model))} |"
            lines.append(row)
        lines.append("")
    lines.extend(f"- {md_text(line)}" for line in compare_summary(result))
    lines.append("")
    lines.append(f"_{md_text(_correction_note(result))}_")
    lines.extend(f"\n> note: {md_text(n)}" for n in result.notes)
    return "\n".join(lines) + "\n"


def _forest(board: MetricBoard, baseline: str | None) -> str:
    return figure_html(forest_figure(board, baseline))


def forest_figure(board: MetricBoard, baseline: str | None) -> Any:
    """Each model's estimate of *board*'s metric with its interval, best first."""
    import plotly.graph_objects as go

    models = [e.model for e in board.estimates][::-1]
    est = [board.estimate(m) for m in models]
    colours = [
        "#1a7f37"
        if m == board.best
        else "#57ab5a"
        if m in board.indistinguishable_from_best
        else "#8c959f"
        if m == baseline
        else "#cf222e"
        for m in models
    ]
    fig = go.Figure(
        go.Scatter(
            x=[e.estimate for e in est],
            y=models,
            mode="markers",
            marker={"color": colours, "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [e.high - e.estimate for e in est],
                "arrayminus": [e.estimate - e.low for e in est],
            },
            hovertemplate="%{y}: %{x:.4g}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"{board.metric} with intervals (★ best, green: indistinguishable from it)",
        height=120 + 32 * len(models),
        xaxis_title=board.metric,
    )
    return fig


def compare_html(result: Comparison) -> str:
    """The self-contained HTML report of a comparison."""
    header = ["#", "model"] + [
        f"{b.metric} {'↑' if b.greater_is_better else '↓'}" for b in result.boards
    ]
    rows = []
    for rank, model in enumerate(result.models, start=1):
        cells: list[Any] = [rank, _display(result, model)]
        for b in result.boards:
            e = b.estimate(model)
            cells.append(f"{_mark(b, model)} {_g(e.estimate)} {_ci(e.low, e.high)}".strip())
        rows.append(cells)
    sections = [
        Section(
            "Leaderboard",
            intro=_correction_note(result),
            body=[table_html(header, rows)],
        )
    ]
    for b in result.boards:
        diff_header = ["model", f"Δ vs best ({b.best})", "p (Holm)", "distinguishable"]
        if result.baseline:
            diff_header += ["Δ vs baseline", "p (Holm)", "beats baseline"]
        diff_rows = []
        for e in b.estimates:
            if e.model == result.baseline:
                continue
            vb, vbase = b.versus_best(e.model), b.versus_baseline(e.model)
            row: list[Any] = [
                e.model,
                f"{_signed(vb.difference)} {_ci(vb.low, vb.high, True)}" if vb else "best",
                _p(vb.p_adjusted) if vb else "",
                ("yes" if vb.distinguishable else "no") if vb else "",
            ]
            if result.baseline:
                row += [
                    f"{_signed(vbase.difference)} {_ci(vbase.low, vbase.high, True)}"
                    if vbase
                    else "",
                    _p(vbase.p_adjusted) if vbase else "",
                    _versus(vbase) if vbase else "",
                ]
            diff_rows.append(row)
        sections.append(
            Section(
                b.metric,
                intro=b.description,
                body=[
                    _forest(b, result.baseline),
                    table_html(
                        diff_header, diff_rows, status_column=6 if result.baseline else None
                    ),
                ],
                anchor=f"metric-{b.metric}",
            )
        )
    if result.notes:
        sections.append(
            Section(
                "Notes",
                body=[
                    "<ul>" + "".join(f"<li>{_html.escape(n)}</li>" for n in result.notes) + "</ul>"
                ],
            )
        )
    facts = [
        ("rows", f"{result.n_rows:,}"),
        ("task", result.task),
        ("target", result.target),
        ("id", result.id_column or "row order"),
        ("confidence", f"{result.confidence:.0%}"),
        ("correction", "Holm (p-values)"),
        ("baseline", result.baseline or "none"),
        ("seed", str(result.seed)),
    ]
    first = result.boards[0]
    tied = len(first.indistinguishable_from_best)
    verdict = f"best separated on {first.metric}" if tied == 1 else f"tied on {first.metric}"
    summary = " ".join(compare_summary(result)[:1])
    return render_page(
        title=f"modelpact compare: {', '.join(result.models[:4])}"
        + ("…" if len(result.models) > 4 else ""),
        verdict=verdict,
        summary=summary,
        sections=sections,
        facts=facts,
    )
