from __future__ import annotations

import modelpact.stats as stats

PUBLIC = {
    "METRICS",
    "Interval",
    "Metric",
    "PairedComparison",
    "ScoreCache",
    "get_metric",
    "make_fbeta",
    "mcnemar_test",
    "metric_interval",
    "metric_names",
    "n_by_simulation",
    "n_for_auc",
    "n_for_proportion",
    "n_needed",
    "paired_comparison",
    "paired_interval",
}


def test_exported_members() -> None:
    assert set(stats.__all__) == PUBLIC
    for name in stats.__all__:
        assert getattr(stats, name) is not None
    members = {n for n in dir(stats) if not n.startswith("_")}
    modules = {
        "bootstrap",
        "calibration",
        "delong",
        "intervals",
        "metrics",
        "paired",
        "power",
        "studentized",
        "trust",
        "wilson",
    }
    assert members - modules == PUBLIC


def test_interval_fields_are_the_contract() -> None:
    fields = list(stats.Interval.__dataclass_fields__)
    assert fields == [
        "estimate",
        "low",
        "high",
        "confidence",
        "method",
        "n",
        "se",
        "untrusted",
        "n_trusted",
    ]


def test_metric_fields_are_the_contract() -> None:
    fields = list(stats.Metric.__dataclass_fields__)
    assert fields[:8] == [
        "name",
        "func",
        "tasks",
        "input",
        "greater_is_better",
        "bounds",
        "interval",
        "description",
    ]
