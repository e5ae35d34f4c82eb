"""Rendering result objects: terminal, self-contained HTML, JSON and Markdown."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["Section", "figure_html", "render_page", "table_html"]


def __getattr__(name: str) -> Any:
    # The HTML renderer (Jinja2) loads on first use: the JSON writer and the terminal
    # renderers, which every command imports, do not need it.
    if name not in __all__:
        raise AttributeError(f"module 'modelpact.report' has no attribute {name!r}")
    value = getattr(importlib.import_module("modelpact.report.html"), name)
    globals()[name] = value
    return value
