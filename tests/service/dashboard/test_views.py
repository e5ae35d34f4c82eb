"""What the model page's pact line shows, from a stored monitoring result (no HTTP)."""

from __future__ import annotations

from modelpact.service.dashboard.views import _criteria


def test_only_absolute_criteria_are_shown_against_monitoring() -> None:
    pact = {
        "criteria": [
            {"metric": "roc_auc", "at_least": 0.95},
            {"metric": "roc_auc", "vs_baseline": "improve", "by": 0.3},
            {"metric": "brier", "at_most": 0.05},
        ]
    }
    document = {
        "chunks": [
            {
                "key": "rows 0-499",
                "realized_performance": {
                    "criteria": [{"metric": "roc_auc", "status": "pass", "estimate": 0.97}]
                },
            }
        ]
    }
    shown = _criteria(document, pact)
    # a comparison with the baseline has no bound of its own: it must not read "<= None"
    assert [(c["metric"], c["bound"]) for c in shown] == [
        ("roc_auc", ("at least", 0.95)),
        ("brier", ("at most", 0.05)),
    ]
    assert shown[0]["realized"]["status"] == "pass"
    assert (shown[0]["failed_chunks"], shown[0]["decided_chunks"]) == (0, 1)
