"""A monitoring result (``modelpact.monitor/v1``) as Markdown, for pull requests and CI summaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelpact.report.monitor import _alert_groups, _fmt, _headline, _summary

__all__ = ["monitor_markdown"]

_MAX_CHUNK_ROWS = 40


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _performance(chunk: Mapping[str, Any], metric: str | None) -> tuple[str, str]:
    if metric is None:
        return "–", "–"
    estimated = next((e for e in chunk["estimated_performance"] if e["metric"] == metric), None)
    est = "–"
    if estimated is not None:
        low, high = estimated["ci"]
        est = f"{_fmt(estimated['estimate'])} [{_fmt(low)}, {_fmt(high)}]"
    realized = "–"
    if chunk["realized_performance"] is not None:
        found = next(
            (c for c in chunk["realized_performance"]["criteria"]
             if c["metric"] == metric and c["kind"] == "absolute" and not c["slice"]),
            None,
        )
        if found is not None:
            realized = f"{_fmt(found['estimate'])} ({found['status']})"
    return est, realized


def monitor_markdown(data: Mapping[str, Any]) -> str:
    """Markdown summary of a monitoring result: the headline, each chunk, grouped alerts.

    Examples
    --------
    >>> data = {"status": "no_alert", "pact": "churn", "chunks": [], "alerts": [],
    ...         "criteria": [], "analysis": {"n_rows": 0}}
    >>> monitor_markdown(data).splitlines()[0]
    '### ✅ modelpact monitor: `churn` — **no alert**'
    """
    alert = data["status"] == "alert"
    icon = "🚨" if alert else "✅"
    lines = [
        f"### {icon} modelpact monitor: `{data['pact']}` — **{'ALERT' if alert else 'no alert'}**",
        "",
        _summary(data),
        "",
    ]
    chunks = list(data["chunks"])
    if chunks:
        metric = _headline(data)
        lines += [
            f"| chunk | rows | drifted | domain AUC | est. {metric or 'performance'} | "
            f"realized {metric or 'performance'} | alerts |",
            "|---|---:|---|---:|---:|---:|---:|",
        ]
        per_chunk: dict[int, int] = {}
        for a in data["alerts"]:
            if a["chunk"] is not None:
                per_chunk[a["chunk"]] = per_chunk.get(a["chunk"], 0) + 1
        for chunk in chunks[:_MAX_CHUNK_ROWS]:
            drifted = sorted({d["feature"] for d in chunk["drift"] if d.get("alert")})
            shown = ", ".join(drifted[:3]) + (", …" if len(drifted) > 3 else "")
            domain = next(
                (m for m in chunk["multivariate"] if m["method"] == "domain_classifier_auc"),
                None,
            )
            est, realized = _performance(chunk, metric)
            lines.append(
                f"| {_cell(str(chunk['key']))} | {chunk['n_rows']:,} | {_cell(shown or '–')} | "
                f"{_fmt(domain['value']) if domain else '–'} | {est} | {realized} | "
                f"{per_chunk.get(chunk['index'], 0)} |"
            )
        if len(chunks) > _MAX_CHUNK_ROWS:
            lines.append(f"| … {len(chunks) - _MAX_CHUNK_ROWS} more chunks | | | | | | |")
        lines.append("")
    groups = _alert_groups(data)
    if groups:
        lines += ["| severity | alert | on | where | first message |", "|---|---|---|---|---|"]
        for g in groups:
            lines.append(
                f"| {g.severity} | {g.kind.replace('_', ' ')} | {_cell(g.subject or '–')} | "
                f"{_cell(g.where)} | {_cell(g.message)} |"
            )
        lines.append("")
    return "\n".join(lines)
