"""What the pages of a stored comparison and a stored diff show (no HTTP here).

The stored ``modelpact.compare/v1`` / ``modelpact.diff/v1`` document is turned back into its
result object (``from_dict``) and drawn with the chart builders the offline HTML reports use,
so a page and a report of the same analysis show the same figures.
"""

from __future__ import annotations

import json
from typing import Any

from modelpact.evaluate.compare import Comparison, MetricBoard, PairedDifference
from modelpact.evaluate.diff import BehaviourDiff, SliceChange
from modelpact.ledger import Store
from modelpact.report.compare import compare_summary, forest_figure
from modelpact.report.diff import slice_figure

__all__ = ["analysis_rows", "comparison_page", "diff_page"]

# the offline reports' figure styling (report.html.figure_html), applied to the JSON we ship
_STYLE: dict[str, Any] = {"template": "plotly_white",
                          "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
                          "font": {"family": "system-ui, sans-serif", "size": 12}}


def _plain(figure: Any) -> dict[str, Any]:
    """A Plotly figure object as the plain JSON ``dashboard.js`` draws."""
    figure.update_layout(**_STYLE)
    plain: dict[str, Any] = json.loads(figure.to_json())
    return plain


def _versus(d: PairedDifference | None) -> str:
    """pass (separated and better), fail (separated and worse), inconclusive, or ''."""
    if d is None:
        return ""
    if not d.distinguishable:
        return "inconclusive"
    return "pass" if d.better else "fail"


def _mark(board: MetricBoard, model: str) -> str:
    if model == board.best:
        return "★"
    return "≈" if model in board.indistinguishable_from_best else ""


def comparison_page(store: Store, project: str, analysis_id: str) -> dict[str, Any]:
    """A stored comparison: leaderboard, then each metric's intervals and paired tests."""
    record = store.get_analysis(project, analysis_id, kind="comparison")
    result = Comparison.from_dict(record.body)
    leaderboard = [
        {"rank": rank, "model": model, "baseline": model == result.baseline,
         "cells": [(_mark(b, model), b.estimate(model)) for b in result.boards]}
        for rank, model in enumerate(result.models, start=1)
    ]
    boards = []
    figures: dict[str, Any] = {}
    for i, board in enumerate(result.boards):
        figures[f"forest-{i}"] = _plain(forest_figure(board, result.baseline))
        rows = [{"model": e.model, "vs_best": board.versus_best(e.model),
                 "vs_baseline": board.versus_baseline(e.model),
                 "beats": _versus(board.versus_baseline(e.model))}
                for e in board.estimates if e.model != result.baseline]
        boards.append({"board": board, "rows": rows})
    first = result.boards[0] if result.boards else None
    tied = len(first.indistinguishable_from_best) if first else 0
    headline = ("nothing compared" if first is None else
                f"best separated on {first.metric}" if tied == 1 else f"tied on {first.metric}")
    return {"project": project, "record": record, "result": result, "headline": headline,
            "summary": compare_summary(result), "leaderboard": leaderboard, "boards": boards,
            "figures": figures}


def _slice_status(s: SliceChange) -> str:
    if s.low is None or s.high is None:
        return "-"
    return "changed" if s.low > 0 or s.high < 0 else "no clear change"


def diff_page(store: Store, project: str, analysis_id: str) -> dict[str, Any]:
    """A stored behaviour diff: how much changed, where (rules), by slice, and the data."""
    record = store.get_analysis(project, analysis_id, kind="diff")
    result = BehaviourDiff.from_dict(record.body)
    figures: dict[str, Any] = {}
    figure = slice_figure(result) if result.slices else None
    if figure is not None:
        figures["slices"] = _plain(figure)
    changes = result.changes
    return {"project": project, "record": record, "result": result,
            "flips": [f for f in result.flips if f.a != f.b],
            "changes": changes,
            "slices": [{"slice": s, "status": _slice_status(s)} for s in result.slices],
            "figures": figures}


def analysis_rows(store: Store, project: str, limit: int = 50) -> list[dict[str, Any]]:
    """The project's stored comparisons and diffs, newest first, with their page links."""
    return [{"record": r, "link": f"{'comparisons' if r.kind == 'comparison' else 'diffs'}/{r.id}"}
            for r in store.list_analyses(project, limit=limit)]
