"""User strings in Markdown reports read as text: no links, images, HTML or broken tables.

A CommonMark parser with GitHub's tables (markdown-it-py, which Rich already depends on)
renders the reports, as a pull request would show them.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from modelpact import verify
from modelpact.pact import parse_pact
from modelpact.report._markdown import md_code, md_text
from modelpact.report.verdict import verdict_markdown

HOSTILE = [
    "EU|US",
    "[click](http://e.vil)",
    "![pixel](http://e.vil/p.png)",
    "<img src=x onerror=alert(1)>",
    "a`b``c",
    "line\n# heading",
    "*bold* _it_ ~~gone~~",
    "back\\slash|",
]


def _render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_text_and_code_spans_render_as_the_literal_string(text: str) -> None:
    flat = text.replace("\n", " ")
    for rendered in (_render(f"x {md_text(text)} y"), _render(f"x {md_code(text)} y")):
        assert "<a " not in rendered and "<img" not in rendered and "<h1" not in rendered
        assert "<em>" not in rendered and "<strong>" not in rendered
        assert html.escape(flat, quote=False) in rendered.replace("&quot;", '"')


@pytest.mark.parametrize("text", HOSTILE)
def test_a_user_string_keeps_a_table_row_whole(text: str) -> None:
    table = (
        "| a | b | c |\n|---|---|---|\n"
        f"| {md_text(text)} | {md_code(text, in_table=True)} | end |\n"
    )
    rendered = _render(table)
    assert rendered.count("<td>") == 3
    assert "<td>end</td>" in rendered


def test_a_verdict_with_hostile_names_renders_as_text() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    frame = pd.DataFrame(
        {
            "y": y,
            "p": np.clip(0.3 + 0.4 * y + rng.normal(0, 0.15, 400), 0, 1),
            "region": rng.choice(["EU|[x](http://e.vil)", "<b>US</b>"], 400),
        }
    )
    pact = parse_pact(
        """
name: "evil`](http://e.vil)"
task: binary
positive_class: 1
columns: {target: y, score: p, slices: [region]}
criteria:
  - {metric: roc_auc, at_least: 0.6}
  - {metric: recall, slice: {region: "EU|[x](http://e.vil)"}, at_least: 0.5}
"""
    )
    markdown = verdict_markdown(verify(pact, frame))
    rendered = _render(markdown)
    assert "<a " not in rendered and "<b>" not in rendered
    rows = [r for r in rendered.split("<tr>") if "<td" in r]
    assert len(rows) == 2 and all(r.count("<td") == 7 for r in rows)
    assert "EU|[x](http://e.vil)" in rendered
