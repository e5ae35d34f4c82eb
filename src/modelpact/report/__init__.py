"""Rendering result objects: terminal, self-contained HTML, JSON and Markdown."""

from modelpact.report.html import Section, figure_html, render_page, table_html

__all__ = ["Section", "figure_html", "render_page", "table_html"]
