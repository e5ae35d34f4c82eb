"""Rendering result objects: terminal, self-contained HTML, JSON and Markdown."""

from modelpact.report.html import Section, figure_html, render_page, table_html, write_report

__all__ = ["Section", "figure_html", "render_page", "table_html", "write_report"]
