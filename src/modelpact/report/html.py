"""Self-contained offline HTML reports: one file, Plotly's JavaScript inlined once, no CDN.

Every area builds its report from :class:`Section` objects and calls :func:`render_page`;
the page chrome, styles and the verdict banner live here once.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

__all__ = [
    "Section",
    "figure_html",
    "render_page",
    "table_html",
]

# Banner colours by outcome word; anything else renders neutral.
_TONES = {
    "signed_off": "good",
    "pass": "good",
    "go": "good",
    "ok": "good",
    "no_alert": "good",
    "failed": "bad",
    "fail": "bad",
    "no_go": "bad",
    "alert": "bad",
    "critical": "bad",
    "inconclusive": "warn",
    "at_risk": "warn",
    "go_with_fixes": "warn",
    "warning": "warn",
}


@dataclass(frozen=True)
class Section:
    """A titled block of a report: an intro paragraph, then HTML fragments (tables, figures)."""

    title: str
    intro: str = ""
    body: Sequence[str] = field(default_factory=tuple)
    anchor: str = ""


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("modelpact.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def tone(word: str) -> str:
    """CSS tone ('good', 'bad', 'warn', 'neutral') for an outcome word."""
    return _TONES.get(word.lower().replace(" ", "_").replace("-", "_"), "neutral")


def figure_html(figure: Any) -> str:
    """A Plotly figure as a ``<div>`` that relies on the page's single inlined plotly.js."""
    figure.update_layout(
        template="plotly_white",
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    return str(
        figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
    )


def table_html(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    status_column: int | None = None,
    numeric_digits: int = 4,
) -> str:
    """An HTML table; cells are escaped, floats rounded, a status column coloured by tone."""

    def cell(value: Any, index: int) -> str:
        if isinstance(value, float):
            text = f"{value:.{numeric_digits}g}" if value == value else "–"
        elif value is None:
            text = "–"
        else:
            text = str(value)
        escaped = html.escape(text)
        if index == status_column:
            return f'<td><span class="pill {tone(text)}">{escaped}</span></td>'
        klass = (
            ' class="num"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
        )
        return f"<td{klass}>{escaped}</td>"

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(cell(v, i) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_page(
    *,
    title: str,
    verdict: str,
    summary: str,
    sections: Sequence[Section],
    facts: Sequence[tuple[str, str]] = (),
    generator: str = "modelpact",
) -> str:
    """Render a whole report page. ``verdict`` picks the banner colour; ``facts`` are key/values
    shown under the banner (data file, rows, pact, confidence...)."""
    has_figures = any("plotly-graph-div" in part for s in sections for part in s.body)
    template = _env().get_template("page.html.j2")
    return template.render(
        title=title,
        verdict=verdict,
        verdict_tone=tone(verdict),
        summary=summary,
        facts=facts,
        sections=[
            {
                "title": s.title,
                "intro": s.intro,
                "anchor": s.anchor or s.title.lower().replace(" ", "-"),
                "body": [Markup(part) for part in s.body],  # fragments built and escaped here
            }
            for s in sections
        ],
        plotly_js=Markup(_plotly_js()) if has_figures else "",
        generator=generator,
    )
