"""Plotly figures of a monitoring result, shared by the dashboard and the offline reports.

Every builder takes plain ``modelpact.monitor/v1`` JSON (what the ledger stores) and returns a
Plotly figure as a plain dict (``{"data": [...], "layout": {...}}``): no figure objects are
validated on the way, which keeps a page with 50 features x 365 chunks fast to build. Text that
came from data (feature names, chunk keys) is HTML-escaped for Plotly, whose labels understand
a few HTML tags: a feature named ``<b>x</b>`` shows as written.

Examples
--------
>>> doc = {"chunks": [{"key": "d1", "drift": [
...     {"feature": "age", "role": "feature", "method": "ks", "value": 0.2, "threshold": 0.1,
...      "alert": True}]}]}
>>> figure = drift_heatmap(doc)
>>> figure["data"][0]["z"], figure["data"][0]["y"]
([[2.0]], ['age'])
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "DRIFT_CAP",
    "alert_timeline",
    "chunk_label",
    "drift_heatmap",
    "drift_matrix",
    "feature_distribution",
    "feature_drift",
    "performance_over_time",
]

Figure = dict[str, Any]
Document = Mapping[str, Any]

#: Heatmap colours saturate at twice the calibrated threshold.
DRIFT_CAP = 2.0
_GOOD, _BAD, _WARN, _NEUTRAL, _BLUE = "#1a7f37", "#cf222e", "#9a6700", "#57606a", "#0969da"
# above the plot: below it, a legend hides the slanted tick labels of long category axes
_LEGEND = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}
_FONT = {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12}


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _layout(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"font": _FONT, "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
                            "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
                            "hovermode": "closest"}
    base.update(extra)
    return base


def chunk_label(key: object) -> str:
    """A chunk's key, short enough for an axis: the start of a ``start – end`` range, in
    minutes, without the UTC offset.

    Examples
    --------
    >>> chunk_label("2028-07-05 16:00:00+00:00 – 2028-07-26 11:30:00+00:00")
    '2028-07-05 16:00'
    >>> chunk_label("2026-03-08")
    '2026-03-08'
    """
    text = str(key).split(" – ")[0]
    if len(text) >= 19 and text[10] in " T" and text[13] == ":":
        text = text[:10] + " " + text[11:16]
    return text


def _keys(document: Document) -> list[str]:
    return [chunk_label(c.get("key")) for c in document.get("chunks", [])]


def _ratio(check: Mapping[str, Any]) -> float | None:
    """The statistic over its threshold; a zero threshold (a column constant in the
    reference) makes any change the most drift there is."""
    value, threshold = check.get("value"), check.get("threshold")
    if value is None or threshold is None:
        return None
    if threshold <= 0:
        return DRIFT_CAP if value > 0 or check.get("alert") else 0.0
    return float(value) / float(threshold)


def drift_matrix(document: Document) -> tuple[list[str], list[str], list[list[float | None]]]:
    """``(features, chunk keys, ratios)``: per feature and chunk, the largest drift statistic
    relative to its calibrated threshold (1 = at the threshold), over all methods.

    Only input features are rows (not scores or predictions); a feature a chunk did not
    measure is None.
    """
    keys = _keys(document)
    features = [str(f["name"]) for f in document.get("features", [])
                if f.get("role", "feature") == "feature"]
    rows: dict[str, list[float | None]] = {f: [None] * len(keys) for f in features}
    for j, chunk in enumerate(document.get("chunks", [])):
        for check in chunk.get("drift", []):
            if check.get("role", "feature") != "feature":
                continue
            name = str(check["feature"])
            if name not in rows:
                rows[name] = [None] * len(keys)
                features.append(name)
            ratio = _ratio(check)
            if ratio is not None:
                current = rows[name][j]
                rows[name][j] = ratio if current is None else max(current, ratio)
    return features, keys, [rows[f] for f in features]


def drift_heatmap(document: Document) -> Figure:
    """Features x chunks: drift relative to the threshold, red where it is crossed.

    Each cell's ``customdata`` is the raw feature name, so a click can open that feature.
    """
    features, keys, ratios = drift_matrix(document)
    z = [[None if r is None else round(min(r, DRIFT_CAP), 4) for r in row] for row in ratios]
    raw = [[None if r is None else round(r, 3) for r in row] for row in ratios]
    custom = [[f] * len(keys) for f in features]
    trace = {
        "type": "heatmap", "x": [_text(k) for k in keys], "y": [_text(f) for f in features],
        "z": z, "zmin": 0, "zmax": DRIFT_CAP, "customdata": custom, "text": raw,
        "colorscale": [[0, "#f6f8fa"], [0.35, "#d0e6f7"], [0.4999, "#8fb8de"],
                       [0.5, "#ffb3b3"], [1, _BAD]],
        "colorbar": {"title": {"text": "drift / threshold"}, "tickvals": [0, 1, 2],
                     "ticktext": ["0", "1 (threshold)", "≥2"]},
        "hovertemplate": "%{y}<br>chunk %{x}<br>drift / threshold %{text}<extra></extra>",
        "xgap": 1, "ygap": 1,
    }
    height = max(260, min(1600, 110 + 24 * len(features)))
    return {"data": [trace], "layout": _layout(
        height=height, margin={"l": 140, "r": 20, "t": 20, "b": 70},
        xaxis={"type": "category", "tickangle": -45, "automargin": True, "nticks": 30},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category", "dtick": 1})}


def _criterion_threshold(criteria: Sequence[Mapping[str, Any]], metric: str) -> float | None:
    for c in criteria:
        if c.get("metric") == metric and not c.get("slice"):
            bound = c.get("at_least", c.get("at_most"))
            if bound is None:
                bound = c.get("at_most")
            return None if bound is None else float(bound)
    return None


def performance_over_time(document: Document, metric: str) -> Figure:
    """Estimated *metric* with its band, the realized value with its interval, the pact
    threshold, and the share of rows labelled so far (right axis), chunk by chunk."""
    keys = _keys(document)
    x = [_text(k) for k in keys]
    est, low, high, real, err_hi, err_lo, cover = [], [], [], [], [], [], []
    for chunk in document.get("chunks", []):
        estimate = next((e for e in chunk.get("estimated_performance") or []
                         if e.get("metric") == metric), None)
        est.append(None if estimate is None else estimate.get("estimate"))
        band = (estimate or {}).get("ci") or [None, None]
        low.append(band[0])
        high.append(band[1])
        realized = chunk.get("realized_performance") or {}
        result = next((c for c in realized.get("criteria", []) if c.get("metric") == metric
                       and not c.get("slice")), None)
        value = None if result is None else result.get("estimate")
        interval = (result or {}).get("ci") or [None, None]
        real.append(value)
        err_hi.append(None if value is None or interval[1] is None else interval[1] - value)
        err_lo.append(None if value is None or interval[0] is None else value - interval[0])
        cover.append(realized.get("labelled_share"))
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": x, "y": cover, "name": "labelled share", "yaxis": "y2",
         "mode": "lines", "line": {"color": "#afb8c1", "dash": "dot", "shape": "hv"},
         "hovertemplate": "%{x}: %{y:.0%} labelled<extra></extra>"},
        {"type": "scatter", "x": x, "y": high, "mode": "lines", "line": {"width": 0},
         "showlegend": False, "hoverinfo": "skip", "connectgaps": False},
        {"type": "scatter", "x": x, "y": low, "mode": "lines", "line": {"width": 0},
         "fill": "tonexty", "fillcolor": "rgba(9,105,218,0.15)", "name": "estimate band",
         "hoverinfo": "skip", "connectgaps": False},
        {"type": "scatter", "x": x, "y": est, "mode": "lines+markers", "name": "estimated",
         "line": {"color": _BLUE}, "marker": {"size": 4}},
        {"type": "scatter", "x": x, "y": real, "mode": "markers", "name": "realized",
         "marker": {"color": "#1f2328", "size": 6},
         "error_y": {"type": "data", "array": err_hi, "arrayminus": err_lo,
                     "color": "#57606a", "thickness": 1}},
    ]
    shapes = []
    threshold = _criterion_threshold(document.get("criteria", []), metric)
    if threshold is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": threshold,
                       "y1": threshold, "line": {"color": _BAD, "dash": "dash", "width": 1.5}})
        data.append({"type": "scatter", "x": [x[0]] if x else [], "y": [threshold],
                     "mode": "lines", "name": f"pact threshold ({threshold:g})",
                     "line": {"color": _BAD, "dash": "dash"}, "hoverinfo": "skip"})
    return {"data": data, "layout": _layout(
        height=320, shapes=shapes, legend=_LEGEND,
        margin={"l": 60, "r": 60, "t": 50, "b": 50},
        xaxis={"type": "category", "tickangle": -45, "automargin": True,
               "nticks": 12},
        yaxis={"title": {"text": _text(metric)}},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "tickformat": ".0%",
                "showgrid": False, "title": {"text": "labelled"}})}


def feature_drift(document: Document, feature: str) -> Figure:
    """One feature's drift statistics over time, each relative to its threshold, and its
    share of missing values."""
    keys = _keys(document)
    x = [_text(k) for k in keys]
    methods: dict[str, list[float | None]] = {}
    missing: list[float | None] = []
    for j, chunk in enumerate(document.get("chunks", [])):
        for check in chunk.get("drift", []):
            if check.get("feature") == feature:
                series = methods.setdefault(str(check.get("method")), [None] * len(keys))
                series[j] = _ratio(check)
        missing.append((chunk.get("missing_share") or {}).get(feature))
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": x, "y": ys, "mode": "lines+markers", "name": _text(m),
         "marker": {"size": 5}} for m, ys in methods.items()]
    if any(v for v in missing if v is not None):
        data.append({"type": "bar", "x": x, "y": missing, "name": "missing share",
                     "yaxis": "y2", "marker": {"color": "#d0d7de"}})
    shapes = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 1, "y1": 1,
               "line": {"color": _BAD, "dash": "dash", "width": 1.5}}]
    return {"data": data, "layout": _layout(
        height=300, shapes=shapes, legend=_LEGEND,
        margin={"l": 60, "r": 60, "t": 50, "b": 50},
        xaxis={"type": "category", "tickangle": -45, "automargin": True, "nticks": 20},
        yaxis={"title": {"text": "statistic / threshold"}, "rangemode": "tozero"},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 1], "tickformat": ".0%",
                "showgrid": False})}


def feature_distribution(keys: Sequence[str],
                         quantiles: Mapping[str, Sequence[float | None]] | None = None,
                         shares: Mapping[str, Sequence[float]] | None = None) -> Figure:
    """A numeric feature's 5/25/50/75/95 % quantiles per chunk as nested bands, or a
    categorical one's category shares per chunk as stacked bars.

    Parameters
    ----------
    keys
        Chunk keys, in order.
    quantiles
        ``{"q05": [...], "q25": ..., "q50": ..., "q75": ..., "q95": ...}``, one value per chunk.
    shares
        ``{category: [share per chunk]}`` for a categorical feature.
    """
    x = [_text(k) for k in keys]
    data: list[dict[str, Any]] = []
    if quantiles is not None:
        outer = "rgba(9,105,218,0.12)"
        inner = "rgba(9,105,218,0.28)"
        for top, bottom, colour, name in (("q95", "q05", outer, "5–95 %"),
                                          ("q75", "q25", inner, "25–75 %")):
            data.append({"type": "scatter", "x": x, "y": list(quantiles[top]), "mode": "lines",
                         "line": {"width": 0}, "showlegend": False, "hoverinfo": "skip"})
            data.append({"type": "scatter", "x": x, "y": list(quantiles[bottom]),
                         "mode": "lines", "line": {"width": 0}, "fill": "tonexty",
                         "fillcolor": colour, "name": name})
        data.append({"type": "scatter", "x": x, "y": list(quantiles["q50"]),
                     "mode": "lines+markers", "name": "median", "line": {"color": _BLUE},
                     "marker": {"size": 4}})
        barmode = None
    else:
        for category, ys in (shares or {}).items():
            data.append({"type": "bar", "x": x, "y": list(ys), "name": _text(category)})
        barmode = "stack"
    layout = _layout(height=320, legend=_LEGEND,
                     xaxis={"type": "category", "tickangle": -45, "automargin": True,
                            "nticks": 20})
    if barmode:
        layout["barmode"] = barmode
        layout["yaxis"] = {"tickformat": ".0%", "range": [0, 1]}
    return {"data": data, "layout": layout}


def alert_timeline(alerts: Sequence[Mapping[str, Any]]) -> Figure:
    """Each alert at the chunk it concerns, one row per kind, coloured by delivery status.

    *alerts* are :meth:`~modelpact.ledger.monitoring.AlertRecord.to_dict` records.
    """
    colours = {"delivered": _GOOD, "failed": _BAD, "pending": _WARN, "none": _NEUTRAL}
    by_status: dict[str, dict[str, list[Any]]] = {}
    for alert in alerts:
        body = alert.get("alert") or {}
        status = str(alert.get("delivery_status"))
        series = by_status.setdefault(status, {"x": [], "y": [], "text": []})
        series["x"].append(_text(chunk_label(body.get("chunk_key")
                                             or alert.get("first_raised_at", ""))))
        series["y"].append(_text(alert.get("kind")))
        series["text"].append(_text(alert.get("message", "")))
    data = [{"type": "scatter", "mode": "markers", "x": s["x"], "y": s["y"], "text": s["text"],
             "name": _text(status), "marker": {"color": colours.get(status, _NEUTRAL),
                                               "size": 10, "symbol": "diamond"},
             "hovertemplate": "%{x}<br>%{text}<extra>" + _text(status) + "</extra>"}
            for status, s in sorted(by_status.items())]
    return {"data": data, "layout": _layout(
        height=240, legend=_LEGEND,
        xaxis={"type": "category", "categoryorder": "category ascending", "tickangle": -45,
               "automargin": True},
        yaxis={"type": "category", "automargin": True})}

