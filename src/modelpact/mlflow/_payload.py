"""What a modelpact result becomes in an MLflow run: metrics, tags and report artifacts.

Names are stable so dashboards and queries can rely on them:

* a verdict: ``modelpact.<criterion>`` (the estimate; a difference for comparisons with the
  baseline or champion), ``modelpact.<criterion>.low`` / ``.high`` (its bounds) as metrics;
  ``modelpact.<criterion>.status`` and ``modelpact.verdict`` as tags;
* a comparison: ``modelpact.compare.<metric>.<model>`` with ``.low`` / ``.high``, and the
  best model per metric as a tag;
* a monitoring run: alert counts, and per chunk (as the metric's step) the domain classifier
  AUC and the estimated and realized performance; ``modelpact.monitor.status`` as a tag.

``<criterion>`` is the metric, then its slice and the reference it is compared with, e.g.
``recall.region_EU`` or ``roc_auc.vs_baseline``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from modelpact.evaluate.compare import Comparison
from modelpact.evaluate.verdict import CriterionResult, Verdict
from modelpact.monitor.monitor import MonitorResult
from modelpact.report.json import dumps

__all__ = ["Payload", "criterion_key", "payload_for", "tag_values"]

PREFIX = "modelpact"
_UNSAFE = re.compile(r"[^\w.\-/]+")


@dataclass
class Payload:
    """Everything one result logs: ``(key, value, step)`` metrics, tags, artifact renderers."""

    kind: str
    metrics: list[tuple[str, float, int]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Callable[[], str]] = field(default_factory=dict)

    def metric(self, key: str, value: float | None, step: int = 0) -> None:
        """Add a metric; missing and non-finite values are left out rather than logged."""
        if value is not None and math.isfinite(float(value)):
            self.metrics.append((key, float(value), step))

    def values(self) -> dict[str, float]:
        """The step-0 metrics as a dict (what an evaluator returns)."""
        return {key: value for key, value, step in self.metrics if step == 0}


def _safe(text: str) -> str:
    """A name MLflow accepts in a metric or tag key: ``baseline (prior)`` -> ``baseline_prior``."""
    return _UNSAFE.sub("_", text).strip("_") or "_"


def criterion_key(criterion: CriterionResult) -> str:
    """The name a criterion's metrics and tags share in MLflow.

    Examples
    --------
    >>> from modelpact.evaluate.verdict import CriterionResult
    >>> c = CriterionResult(metric="recall", label="recall >= 0.7", kind="absolute",
    ...     direction="at_least", threshold=0.7, estimate=0.8, ci=(0.75, 0.85), confidence=0.95,
    ...     status="pass", n=300, n_needed=None, method="wilson", slice={"region": "EU"})
    >>> criterion_key(c)
    'recall.region_EU'
    """
    parts = [criterion.metric]
    parts += [f"{k}_{v}" for k, v in (criterion.slice or {}).items()]
    if criterion.kind != "absolute":
        parts.append(f"vs_{criterion.reference or 'reference'}")
    return _safe(".".join(parts))


def _verdict(verdict: Verdict, pact_sha256: str | None) -> Payload:
    from modelpact.report.verdict import verdict_html, verdict_markdown

    out = Payload("verdict")
    out.tags.update({
        f"{PREFIX}.verdict": verdict.verdict,
        f"{PREFIX}.pact": verdict.pact_name,
        f"{PREFIX}.data_fingerprint": verdict.data_fingerprint,
    })
    if pact_sha256:
        out.tags[f"{PREFIX}.pact_sha256"] = pact_sha256
    out.metric(f"{PREFIX}.n_rows", verdict.n_rows)
    seen: dict[str, int] = {}
    for c in verdict.criteria:
        key = criterion_key(c)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # two criteria on the same metric and slice, e.g. two thresholds
            key = f"{key}.{seen[key]}"
        name = f"{PREFIX}.{key}"
        out.metric(name, c.estimate)
        out.metric(f"{name}.low", c.ci[0])
        out.metric(f"{name}.high", c.ci[1])
        out.tags[f"{name}.status"] = c.status
        out.tags[f"{name}.rule"] = c.label
    out.artifacts = {
        "verdict.json": lambda: dumps(verdict.to_dict()),
        "verdict.md": lambda: verdict_markdown(verdict),
        "verdict.html": lambda: verdict_html(verdict),
    }
    return out


def _comparison(result: Comparison) -> Payload:
    from modelpact.report.compare import compare_html, compare_markdown

    out = Payload("comparison")
    out.metric(f"{PREFIX}.compare.n_rows", result.n_rows)
    for board in result.boards:
        metric = _safe(board.metric)
        out.tags[f"{PREFIX}.compare.{metric}.best"] = board.best
        out.tags[f"{PREFIX}.compare.{metric}.indistinguishable"] = ",".join(
            board.indistinguishable_from_best
        )
        for estimate in board.estimates:
            name = f"{PREFIX}.compare.{metric}.{_safe(estimate.model)}"
            out.metric(name, estimate.estimate)
            out.metric(f"{name}.low", estimate.low)
            out.metric(f"{name}.high", estimate.high)
    out.artifacts = {
        "compare.json": lambda: dumps(result.to_dict()),
        "compare.md": lambda: compare_markdown(result),
        "compare.html": lambda: compare_html(result),
    }
    return out


def _monitor(result: MonitorResult) -> Payload:
    from modelpact.report.monitor import monitor_html
    from modelpact.report.monitor_markdown import monitor_markdown

    data = result.to_dict()
    out = Payload("monitor")
    out.tags[f"{PREFIX}.monitor.status"] = result.status
    out.tags[f"{PREFIX}.pact"] = result.pact_name
    out.metric(f"{PREFIX}.monitor.alerts", len(result.alerts))
    out.metric(f"{PREFIX}.monitor.chunks", len(result.chunks))
    for chunk in data["chunks"]:
        step = int(chunk["index"])
        for m in chunk["multivariate"]:
            out.metric(f"{PREFIX}.monitor.{_safe(m['method'])}", m["value"], step)
        for e in chunk["estimated_performance"]:
            out.metric(f"{PREFIX}.monitor.estimated.{_safe(e['metric'])}", e["estimate"], step)
        realized = chunk["realized_performance"]
        for c in realized["criteria"] if realized else []:
            if c["kind"] == "absolute" and not c["slice"]:
                out.metric(f"{PREFIX}.monitor.realized.{_safe(c['metric'])}", c["estimate"], step)
        out.metric(
            f"{PREFIX}.monitor.chunk_alerts",
            sum(1 for a in data["alerts"] if a["chunk"] == step),
            step,
        )
    out.artifacts = {
        "monitor.json": lambda: dumps(data),
        "monitor.md": lambda: monitor_markdown(data),
        "monitor.html": lambda: monitor_html(data),
    }
    return out


def payload_for(result: Any, *, pact_sha256: str | None = None) -> Payload:
    """The payload of a :class:`Verdict`, :class:`Comparison` or :class:`MonitorResult`."""
    if isinstance(result, Verdict):
        return _verdict(result, pact_sha256)
    if isinstance(result, Comparison):
        return _comparison(result)
    if isinstance(result, MonitorResult):
        return _monitor(result)
    from modelpact.errors import ConfigurationError

    raise ConfigurationError(
        f"cannot log a {type(result).__name__} to MLflow; log a verdict, comparison or "
        "monitoring result"
    )


def tag_values(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags as MLflow stores them (values are capped at 8000 characters)."""
    return {key: value[:8000] for key, value in tags.items()}
