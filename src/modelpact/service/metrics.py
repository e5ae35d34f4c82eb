"""Prometheus metrics of one service process, in its own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

__all__ = ["ServiceMetrics"]


class ServiceMetrics:
    """Counters, histograms and gauges that ``GET /metrics`` exposes."""

    def __init__(self) -> None:
        # a registry per application: several apps (tests) never share counters
        self.registry = CollectorRegistry()
        r = self.registry
        self.rows_ingested = Counter(
            "modelpact_rows_ingested", "Rows stored (new or re-sent) by kind.",
            ["project", "model", "kind"], registry=r)
        self.rows_rejected = Counter(
            "modelpact_rows_rejected", "Rows in refused batches, by kind and HTTP status.",
            ["kind", "status"], registry=r)
        self.batches_rejected = Counter(
            "modelpact_batches_rejected", "Refused ingestion requests, by kind and HTTP status.",
            ["kind", "status"], registry=r)
        self.request_latency = Histogram(
            "modelpact_request_duration_seconds", "Request latency by route and status.",
            ["method", "route", "status"], registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.analysis_runs = Counter(
            "modelpact_analysis_runs", "Scheduled or on-demand analyses by outcome.",
            ["project", "model", "outcome"], registry=r)
        self.analysis_duration = Histogram(
            "modelpact_analysis_duration_seconds", "Duration of analyses.",
            ["project", "model"], registry=r)
        self.alerts_raised = Counter(
            "modelpact_alerts_raised", "New alerts by kind.", ["project", "model", "kind"],
            registry=r)
        self.alerts_delivered = Counter(
            "modelpact_alerts_delivered", "Webhook notifications by outcome.", ["outcome"],
            registry=r)
        self.label_coverage = Gauge(
            "modelpact_label_coverage", "Share of captured predictions that have a label.",
            ["project", "model"], registry=r)
